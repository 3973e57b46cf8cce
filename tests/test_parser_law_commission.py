"""Law Commission parsers on recorded (re-expressed) real pages; see tests/fixtures/law-commission/SOURCES.md."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.contract import TrackedItem
from scrapers.parsers.errors import ParseError
from scrapers.parsers.law_commission import WpEntry, parse_project_page, parse_wp_list, wp_list_url

FIXTURES = Path(__file__).parent / "fixtures" / "law-commission"
CCL_URL = "https://www.lawcom.gov.uk/project/corporate-criminal-liability/"
SW_URL = "https://lawcom.gov.uk/project/search-warrants"
SW_2018_URL = "https://www.lawcom.gov.uk/project/search-warrants/"
PL_URL = "https://lawcom.gov.uk/project/product-liability"
NEWS_URL = wp_list_url("news", 1)


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_wp_list_url() -> None:
    assert NEWS_URL == ("https://lawcom.gov.uk/wp-json/wp/v2/news?per_page=100&page=1"
                        "&orderby=modified&order=desc")


def test_project_in_policy_development() -> None:
    item = parse_project_page(page("project_corporate-criminal-liability.html"), CCL_URL)
    status = ("Reviewing the law relating to the criminal liability of non-natural persons, including "
              "companies, and providing options for reform. This project is now underway.")
    assert item == TrackedItem(
        id="lawcom:corporate-criminal-liability",
        source="law-commission",
        kind="law_commission_project",
        title="Corporate Criminal Liability",
        url=CCL_URL,
        summary=status,
        organisation="Law Commission",
        status="Policy development",
        body_text=(
            "Download the discussion paper here.\n"
            "The problem\n"
            "The general rule for attributing liability to companies in English and Welsh criminal law is the "
            "‘identification principle’. This states that where a particular mental state is required, only the "
            "acts of a senior person representing the company’s “controlling mind and will” can be attributed to "
            "the company. In practice, this is limited to a small number of directors and senior managers.\n"
            "There are some exceptions to this principle, such as ‘regulatory offences’ and strict liability "
            "offences in which no particular mental state is required (although in this latter case, the question "
            "of whose actions the company should be liable for remains). In addition, there have been some specific "
            "offences created by Parliament which seek to avoid the problems associated with the identification "
            "principle by criminalising the “failure to prevent” other offences, such as bribery or tax evasion."
        ),
        details={
            "slug": "corporate-criminal-liability",
            "stage_shown": True,
            "implementation_status": "Analysis of responses",
            "status_text": status,
        },
    )


def test_completed_project_is_reported() -> None:
    item = parse_project_page(page("project_search-warrants.html"), SW_URL)
    assert (item.id, item.kind, item.status, item.summary, item.opens, item.closes) == (
        "lawcom:search-warrants", "law_commission_project", "Reported", "This project has concluded.", None, None)
    assert item.details == {"slug": "search-warrants", "stage_shown": True,
                            "implementation_status": "Complete", "status_text": "This project has concluded."}
    assert item.body_text.startswith("View the summary of the report.\n")
    assert "Current project status" not in item.body_text and "Initiation:" not in item.body_text


def test_project_in_consultation_with_dates() -> None:
    item = parse_project_page(page("project_search-warrants_2018-consultation.html"), SW_2018_URL)
    status = ("We launched our public consultation on reforming the law of search warrants on 5 June 2018. "
              "The consultation period will run until 5 September 2018.")
    assert item == TrackedItem(
        id="lawcom:search-warrants",
        source="law-commission",
        kind="law_commission_consultation",
        title="Search Warrants",
        url=SW_2018_URL,
        summary=status,
        organisation="Law Commission",
        status="Consultation",
        opens="2018-06-05",
        closes="2018-09-05",
        body_text=(
            "Download the consultation paper\nDownload the summary\nRead the news story\nThe current law\n"
            "A search warrant is a written authorisation that allows an investigator to enter premises to search for "
            "material or individuals. Search warrants are usually issued by a court application by a police officer "
            "or other investigator. Most search warrants authorise the investigator to seize and retain relevant "
            "material found during the search.\n"
            "There over 175 different powers to issue search warrants. Some, like the general power under section 8 "
            "of the Police and Criminal Evidence Act 1984, are used to look for evidence of a criminal offence. Some "
            "more specific powers allow the searcher to remove stolen goods, drugs, firearms or other dangerous "
            "materials or to rescue people or animals in danger or distress. Other powers relate to complex "
            "financial or specialised investigations."
        ),
        details={"slug": "search-warrants", "stage_shown": True, "status_text": status},
    )


def test_page_without_stage_widget() -> None:
    item = parse_project_page(page("project_product-liability.html"), PL_URL)
    assert (item.id, item.kind, item.status, item.title, item.summary) == (
        "lawcom:product-liability", "law_commission_project", None, "Product liability",
        "Reviewing the law relating to liability for defective products.")
    assert item.details == {"slug": "product-liability", "stage_shown": False}
    assert item.body_text.split("\n")[:2] == ["Reviewing the law relating to liability for defective products.",
                                              "Problem (Back to top)"]


def test_open_and_close_date_rows_win() -> None:
    # Structure of the theme's document panel (templates/content-project.php), trimmed.
    html = page("project_search-warrants_2018-consultation.html").replace(
        b"<h2>The current law</h2>",
        b'<div class="related"><ul><li><a href="/app/uploads/2018/06/cp.pdf">Consultation paper</a>'
        b"<table><tr><td><strong>Open date:</strong></td><td>5 June 2018</td></tr>"
        b"<tr><td><strong>Close date:</strong></td><td>6 September 2018</td></tr></table></li></ul></div>"
        b"<h2>The current law</h2>")
    item = parse_project_page(html, SW_2018_URL)
    assert (item.opens, item.closes) == ("2018-06-05", "2018-09-06")
    assert item.details["documents"] == [
        {"title": "Consultation paper", "url": "https://www.lawcom.gov.uk/app/uploads/2018/06/cp.pdf"}]


@pytest.mark.parametrize("html, message", [
    (b"<html><body><p>Page not found</p></body></html>", "no <h1> title"),
    (b"<html><body><article><h1>Search Warrants</h1><h2>Current project status</h2>"
     b"<p>Something else entirely</p></article></body></html>", "no stage could be read"),
    (b"<html><body><article><h1>Search Warrants</h1><h2>Current project status</h2>"
     b'<div class="hidden"><p>The current status of this project is: <strong>Paused</strong>.</p></div>'
     b"</article></body></html>", "unknown implementation_status 'Paused'"),
    (b"<html><body><article><h1>Search Warrants</h1></article></body></html>", "no text"),
])
def test_project_page_errors_name_source_document_and_field(html: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="law-commission: project search-warrants: .*" + message):
        parse_project_page(html, SW_URL)


def test_project_page_needs_a_project_url() -> None:
    with pytest.raises(ParseError, match="not a /project/<slug>/ URL"):
        parse_project_page(page("project_search-warrants.html"), "https://lawcom.gov.uk/news/search-warrants/")


def test_wp_list() -> None:
    payload = json.loads((FIXTURES / "wp_news_page1.json").read_text())
    assert parse_wp_list(payload, NEWS_URL) == [WpEntry(
        wp_id=9293, type=None, slug=None, link="https://lawcom.gov.uk/?p=9293",
        title="Law Commission begins project on Corporate Criminal Liability")]


def test_wp_list_full_fields_and_project_links() -> None:
    # Field layout of a standard WordPress REST post, with values from the CCL news post above.
    post = {
        "id": 9293, "type": "news", "slug": "law-commission-begins-project-on-corporate-criminal-liability",
        "date_gmt": "2020-11-09T12:00:00", "modified_gmt": "2020-11-09T12:00:00",
        "link": "https://lawcom.gov.uk/?p=9293",
        "title": {"rendered": "Law Commission begins project on Corporate Criminal Liability"},
        "excerpt": {"rendered": "<p>The Government has asked the Law Commission to investigate the laws around "
                                "corporate criminal liability and provide options to reform them.</p>"},
        "content": {"rendered": '<p><a href="/project/corporate-criminal-liability/">project page</a> '
                                '<a href="https://www.lawcom.gov.uk/project/corporate-criminal-liability/">again</a> '
                                '<a href="https://example.org/project/x/">elsewhere</a></p>'},
    }
    [entry] = parse_wp_list([post], NEWS_URL)
    assert entry == WpEntry(
        wp_id=9293, type="news", slug="law-commission-begins-project-on-corporate-criminal-liability",
        link="https://lawcom.gov.uk/?p=9293",
        title="Law Commission begins project on Corporate Criminal Liability",
        published="2020-11-09T12:00:00+00:00", modified="2020-11-09T12:00:00+00:00",
        excerpt=("The Government has asked the Law Commission to investigate the laws around corporate criminal "
                 "liability and provide options to reform them."),
        project_urls=["https://lawcom.gov.uk/project/corporate-criminal-liability/",
                      "https://www.lawcom.gov.uk/project/corporate-criminal-liability/"],
    )


@pytest.mark.parametrize("payload, message", [
    ({"code": "rest_no_route"}, "expected a JSON list"),
    ([], "listing has no posts"),
    ([{"link": "https://lawcom.gov.uk/x", "title": {"rendered": "X"}}], r"post \[0\]: field 'id'"),
    ([{"id": 5, "title": {"rendered": "X"}}], "post 5: field 'link'"),
    ([{"id": 5, "link": "https://lawcom.gov.uk/x", "title": {"rendered": " "}}], "post 5: field 'title.rendered'"),
    ([{"id": 5, "link": "https://lawcom.gov.uk/x", "title": {"rendered": "X"}, "modified_gmt": "yesterday"}],
     "post 5: field 'modified_gmt'"),
])
def test_wp_list_errors(payload: object, message: str) -> None:
    with pytest.raises(ParseError, match="law-commission: .*" + message):
        parse_wp_list(payload, NEWS_URL)  # type: ignore[arg-type]
