"""Tests for the GOV.UK parser on recorded real Content API and Search API payloads."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tracker.contract import TrackedItem
from scrapers.parsers import govuk
from scrapers.parsers.errors import ParseError

FIXTURES = Path(__file__).parent / "fixtures" / "govuk"
SNAPSHOT = Path(__file__).parent.parent / "snapshot" / "govuk"
BASE = "https://www.gov.uk"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse(name: str) -> TrackedItem:
    payload = load(name)
    return govuk.parse_content(payload, govuk.content_url(BASE, payload["base_path"]))


def expected(name: str) -> dict:
    """The whole item a fixture parses to, kept beside it as <fixture>.expected.json (checked by hand against
    the payload; never regenerate it from the parser's output)."""
    return json.loads((FIXTURES / name.replace(".json", ".expected.json")).read_text(encoding="utf-8"))


@pytest.mark.parametrize("fixture", [
    "consultation__open_consultation.json",
    "consultation__open_consultation_with_participation.json",
    "consultation__unopened_consultation.json",
    "consultation__closed_consultation.json",
    "consultation__consultation_outcome.json",
    "consultation__consultation_outcome_with_featured_attachments.json",
    "consultation__consultation_withdrawn.json",
    "call_for_evidence__open_call_for_evidence.json",
    "publication__best-practice-policy-paper.json",
    "publication__best-practice-impact-assessment.json",
    "publication__best-practice-independent-report.json",
])
def test_parse_content_whole_item(fixture: str) -> None:
    assert parse(fixture).as_dict() == expected(fixture)


@pytest.mark.parametrize(
    ("fixture", "status", "outcome_attachments", "feedback_date"),
    [
        ("consultation__best-practice-consultation.json", "outcome", 2, "2015-03-25T00:00:00+00:00"),
        ("consultation__consultation_outcome_with_feedback.json", "outcome", 2, "2016-09-07T13:00:00+01:00"),
    ],
)
def test_parse_content_other_outcomes(fixture: str, status: str, outcome_attachments: int, feedback_date: str) -> None:
    item = parse(fixture)
    assert (item.status, len(item.details["outcome"]["attachments"]), item.details["public_feedback"]["date"]) == (
        status,
        outcome_attachments,
        feedback_date,
    )


@pytest.mark.parametrize(
    "fixture",
    [
        "publication__best-practice-statutory-guidance.json",
        "publication__publication.json",
        "publication__withdrawn_publication.json",
    ],
)
def test_unsupported_document_types_raise(fixture: str) -> None:
    payload = load(fixture)
    with pytest.raises(ParseError, match=rf"govuk: {payload['base_path']}: field 'document_type' has unsupported value"):
        parse(fixture)


def test_withdrawn_wins_over_any_document_type() -> None:
    payload = load("publication__best-practice-policy-paper.json")
    payload["withdrawn_notice"] = load("consultation__consultation_withdrawn.json")["withdrawn_notice"]
    item = govuk.parse_content(payload, "u")
    assert (item.status, item.kind, item.details["withdrawn"]) == (
        "withdrawn",
        "strategy",
        {"at": "2016-11-12T09:52:00+00:00", "explanation_text": "It has been superseded by Postgraduate doctoral loans 2016"},
    )


def test_empty_withdrawn_notice_is_not_withdrawn() -> None:
    assert parse("publication__best-practice-impact-assessment.json").status == "published"


def test_policy_paper_without_strategy_or_plan_in_title_stays_policy_paper() -> None:
    payload = load("publication__best-practice-policy-paper.json")
    payload["title"] = "Safeguarding issues in charities"
    assert govuk.parse_content(payload, "u").kind == "policy_paper"


def test_html_in_text_fields_becomes_plain_text() -> None:
    payload = load("consultation__open_consultation.json")
    payload["title"] = "Fraud &amp; <em>economic</em> crime"
    payload["description"] = "<p>Views on   <strong>fraud</strong></p>"
    item = govuk.parse_content(payload, "u")
    assert (item.title, item.summary) == ("Fraud & economic crime", "Views on fraud")


def test_fraud_strategy_bullets_stay_separate_paragraphs() -> None:
    """The real Fraud Strategy body: its lead-in and each of its four commitments are paragraphs of their own."""
    body = parse("content__fraud-strategy.json").body_text
    paragraphs = body.split("\n\n")
    assert paragraphs[2:] == [
        "To deliver a 10% cut in fraud on 2019 levels by December 2024, the government will:",
        "establish a new national fraud squad with over 400 new posts and make fraud a priority for the police",
        "deploy the UK intelligence community and lead a new global partnership to relentlessly pursue fraudsters "
        "wherever they are in the world",
        "put more fraudsters behind bars through better investigation and prosecution processes for fraud and "
        "digital offences",
        "ban SIM farms which are used by criminals to send thousands of scam texts at once",
    ]
    assert len(paragraphs) == 7 and paragraphs[0].startswith("This strategy sets out a plan")


def test_outcome_and_feedback_lists_keep_their_items() -> None:
    """The real numbered lists of an outcome and its feedback: one paragraph per list item."""
    details = parse("consultation__consultation_outcome_with_featured_attachments.json").details
    outcome = details["outcome"]["detail_text"].split("\n\n")
    feedback = details["public_feedback"]["detail_text"].split("\n\n")
    assert outcome[0] == "We have decided that:" and len(outcome) == 6
    assert outcome[2] == ("The grade standard established in the first award will be carried forward in the second "
                          "and subsequent years.")
    assert len(feedback) == 7 and feedback[2] == ("To the award of new GCSEs in the second and subsequent years: to "
                                                  "carry forward the grade standard established in the first award.")


def test_block_html_keeps_structure_and_collapses_inline_whitespace() -> None:
    payload = load("consultation__open_consultation.json")
    payload["details"]["body"] = (
        "<div class=\"govspeak\"><h2 id=\"a\">Scope\n of the   review</h2><p>The <abbr title=\"x\">NCA</abbr>’s "
        "view, see <a href=\"/x\">the report</a>.</p><ul><li>one</li><li>two\n\n  lines</li></ul>"
        "<table><thead><tr><th>Year</th><th>Cost</th></tr></thead><tbody><tr><td>2024</td><td>£5m</td></tr>"
        "</tbody></table><dl><dt>SFO</dt><dd>Serious Fraud Office</dd></dl><blockquote><p>quoted</p></blockquote>"
        "first line<br>second line<script>alert(1)</script><style>p{}</style><!-- note --></div>")
    assert govuk.parse_content(payload, "u").body_text.split("\n\n") == [
        "Scope of the review", "The NCA’s view, see the report.", "one", "two lines", "Year Cost", "2024 £5m",
        "SFO", "Serious Fraud Office", "quoted", "first line", "second line"]


def test_hostile_nesting_and_unclosed_tags_lose_no_text() -> None:
    payload = load("consultation__open_consultation.json")
    payload["details"]["body"] = ("<div>" * 5000 + "deep" + "</div>" * 5000
                                  + "<p>after<li>one<li>two</ul><table><tr><td>a<td>b")
    assert govuk.parse_content(payload, "u").body_text.split("\n\n") == ["deep", "after", "one", "two", "a b"]


def test_plain_text_body_keeps_its_blank_line_paragraphs() -> None:
    payload = load("consultation__open_consultation.json")
    payload["details"]["body"] = "First para\nwrapped.\n \n\nSecond para."
    assert govuk.parse_content(payload, "u").body_text == "First para wrapped.\n\nSecond para."
    payload["details"]["body"] = "<p> </p><ul><li>\n</li></ul>"
    assert govuk.parse_content(payload, "u").body_text is None


def test_summary_and_title_stay_one_line() -> None:
    payload = load("consultation__open_consultation.json")
    payload["description"] = "<p>Views on fraud.</p><ul><li>one</li><li>two</li></ul>"
    payload["title"] = "Fraud\n\nStrategy"
    item = govuk.parse_content(payload, "u")
    assert (item.summary, item.title) == ("Views on fraud. one two", "Fraud Strategy")


def test_body_text_is_capped() -> None:
    payload = load("consultation__open_consultation.json")
    payload["details"]["body"] = "<p>" + "x" * 150_000 + "</p>"
    assert len(govuk.parse_content(payload, "u").body_text) == govuk.BODY_TEXT_LIMIT


@pytest.mark.parametrize("field", ["content_id", "title", "base_path", "document_type"])
def test_missing_required_field_raises_naming_it(field: str) -> None:
    payload = load("consultation__open_consultation.json")
    del payload[field]
    doc = "bc6eceb8-377e-40f8-911f-f715bc2e5b93" if field == "base_path" else "/government/consultations/postgraduate-doctoral-loans"
    with pytest.raises(ParseError, match=rf"^govuk: {doc}: required field '{field}' missing or empty$"):
        govuk.parse_content(payload, "u")


def test_renamed_field_raises() -> None:
    payload = load("consultation__open_consultation.json")
    payload["contentId"] = payload.pop("content_id")
    with pytest.raises(ParseError, match="postgraduate-doctoral-loans: required field 'content_id'"):
        govuk.parse_content(payload, "u")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("public_updated_at",), "7 November 2016", "public_updated_at"),
        (("details", "closing_date"), "2016-13-45T00:00:00Z", "details.closing_date"),
        (("withdrawn_notice", "withdrawn_at"), "soon", "withdrawn_notice.withdrawn_at"),
        (("first_published_at",), 20161104, "first_published_at"),
    ],
)
def test_bad_date_raises_naming_field_and_document(path: tuple, value: object, field: str) -> None:
    payload = load("consultation__consultation_withdrawn.json")
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ParseError, match=rf"govuk: /government/consultations/postgraduate-doctoral-loans: field '{field}'"):
        govuk.parse_content(payload, "u")


def test_missing_details_raises() -> None:
    payload = load("consultation__open_consultation.json")
    del payload["details"]
    with pytest.raises(ParseError, match="field 'details' missing"):
        govuk.parse_content(payload, "u")


def test_unknown_attachment_id_raises() -> None:
    payload = load("consultation__consultation_outcome_with_featured_attachments.json")
    payload["details"]["final_outcome_attachments"].append("missing.pdf")
    with pytest.raises(ParseError, match="attachment id 'missing.pdf' not in 'details.attachments'"):
        govuk.parse_content(payload, "u")


def test_organisation_without_title_raises() -> None:
    payload = load("consultation__open_consultation.json")
    del payload["links"]["organisations"][0]["title"]
    with pytest.raises(ParseError, match=r"field 'links.organisations\[0\].title' missing"):
        govuk.parse_content(payload, "u")


def test_parse_content_does_not_mutate_payload() -> None:
    payload = load("consultation__consultation_outcome_with_featured_attachments.json")
    before = copy.deepcopy(payload)
    govuk.parse_content(payload, "u")
    assert payload == before


def test_parse_search_real_response() -> None:
    url = "https://www.gov.uk/api/search.json?q=tax&suggest=autocomplete&count=1"
    payload = load("search_q_tax_count1_suggest_autocomplete.json")
    assert govuk.parse_search(payload, url) == [
        govuk.SearchHit(
            content_id=None,
            link="/vehicle-tax",
            public_timestamp="2017-12-07T12:54:39+00:00",
            document_type=None,
            title="Tax your vehicle",
        )
    ]
    assert govuk.search_total(payload) == 79464


def test_parse_search_bad_input() -> None:
    with pytest.raises(ParseError, match=r"govuk: search u: field 'results' missing"):
        govuk.parse_search({"total": 0}, "u")
    with pytest.raises(ParseError, match=r"results\[0\]: field 'link' missing"):
        govuk.parse_search({"results": [{"title": "x"}]}, "u")
    with pytest.raises(ParseError, match="field 'public_timestamp'"):
        govuk.parse_search({"results": [{"link": "/x", "public_timestamp": "yesterday"}]}, "u")
    with pytest.raises(ParseError, match="field 'total'"):
        govuk.search_total({"results": []})


def test_search_url_is_deterministic_and_carries_every_filter() -> None:
    url = govuk.search_url(BASE + "/")
    assert url == govuk.search_url(
        BASE,
        tuple(reversed(govuk.DEFAULT_DOCUMENT_TYPES)),
        tuple(reversed(govuk.DEFAULT_ORGANISATIONS)),
        0,
        govuk.SEARCH_PAGE_SIZE,
        tuple(reversed(govuk.SEARCH_FIELDS)),
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.gov.uk", "/api/search.json")
    query = parse_qsl(parts.query)
    assert query == sorted(query)
    values = lambda key: [v for k, v in query if k == key]  # noqa: E731
    assert sorted(values("filter_content_store_document_type")) == sorted(govuk.DEFAULT_DOCUMENT_TYPES)
    assert sorted(values("filter_organisations")) == sorted(govuk.DEFAULT_ORGANISATIONS)
    assert sorted(values("fields")) == sorted(govuk.SEARCH_FIELDS)
    assert (values("order"), values("start"), values("count")) == (["-public_timestamp"], ["0"], ["100"])


def test_search_url_exact_small_case() -> None:
    assert govuk.search_url(BASE, ["policy_paper"], ["home-office"], 200, 50, ["link", "title"]) == (
        "https://www.gov.uk/api/search.json?count=50&fields=link&fields=title"
        "&filter_content_store_document_type=policy_paper&filter_organisations=home-office"
        "&order=-public_timestamp&start=200"
    )


@pytest.mark.parametrize(("start", "count"), [(-1, 10), (0, 1501), (0, -1)])
def test_search_url_rejects_bad_paging(start: int, count: int) -> None:
    with pytest.raises(ValueError):
        govuk.search_url(BASE, start=start, count=count)


def test_content_url() -> None:
    assert govuk.content_url(BASE + "/", "/government/consultations/x") == (
        "https://www.gov.uk/api/content/government/consultations/x"
    )
    with pytest.raises(ValueError):
        govuk.content_url(BASE, "government/consultations/x")


def test_default_document_types_are_all_parseable() -> None:
    assert set(govuk.DEFAULT_DOCUMENT_TYPES) == set(govuk.KIND_BY_TYPE)


def test_snapshot_slice_is_consistent_with_the_parser() -> None:
    manifest = json.loads((SNAPSHOT / "manifest.json").read_text(encoding="utf-8"))
    search_entry, *content_entries = manifest["responses"]
    assert search_entry["path"] == govuk.search_url(BASE).removeprefix(BASE)
    page = json.loads((SNAPSHOT / search_entry["file"]).read_text(encoding="utf-8"))
    hits = govuk.parse_search(page, search_entry["path"])
    assert govuk.search_total(page) == len(hits) == len(content_entries)
    assert [h.public_timestamp for h in hits] == sorted((h.public_timestamp for h in hits), reverse=True)
    for hit, entry in zip(hits, content_entries):
        assert entry["path"] == govuk.content_url(BASE, hit.link).removeprefix(BASE)
        item = govuk.parse_content(json.loads((SNAPSHOT / entry["file"]).read_text(encoding="utf-8")), entry["path"])
        assert (item.id, item.url, item.title, item.updated, item.details["document_type"]) == (
            f"govuk:{hit.content_id}",
            BASE + hit.link,
            hit.title,
            hit.public_timestamp,
            hit.document_type,
        )
        assert hit.document_type in govuk.DEFAULT_DOCUMENT_TYPES


def test_snapshot_strategy_and_outcome_examples() -> None:
    # Copies of two snapshot items: this test must not change when the snapshot is re-recorded.
    item = govuk.parse_content(load("content__fraud-strategy.json"), "u")
    assert (item.kind, item.status, item.organisation, item.published, item.updated) == (
        "strategy",
        "published",
        "Home Office",
        "2023-05-03T00:00:00+01:00",
        "2023-06-01T00:00:00+01:00",
    )
    name = "content__ransomware-proposals-to-increase-incident-reporting-and-reduce-payments-to-criminals.json"
    item = govuk.parse_content(load(name), "u")
    assert (item.kind, item.status, item.closes, item.details["outcome"]["date"]) == (
        "consultation",
        "outcome",
        "2025-04-08T17:00:00+01:00",
        "2025-07-22T00:00:00+01:00",
    )
