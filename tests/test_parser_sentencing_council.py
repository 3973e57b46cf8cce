"""Sentencing Council parsers on recorded (re-expressed) real pages; see tests/fixtures/sentencing-council/SOURCES.md."""
from __future__ import annotations

from pathlib import Path

import pytest

from tracker.contract import TrackedItem
from scrapers.parsers.errors import ParseError
from scrapers.parsers.sentencing_council import FeedEntry, feed_url, parse_consultation_page, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "sentencing-council"
FEED_URL = feed_url()
ANCILLARY_URL = "https://sentencingcouncil.org.uk/publications/item/ancillary-orders-consultation"
IMPOSITION_URL = ("https://www.sentencingcouncil.org.uk/publications/item/"
                  "imposition-of-community-and-custodial-sentences-guideline-revised-consultation/")
IMPOSITION_SLUG = "imposition-of-community-and-custodial-sentences-guideline-revised-consultation"


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_feed() -> None:
    assert FEED_URL == "https://www.sentencingcouncil.org.uk/feed/"
    assert parse_feed(page("feed.xml"), FEED_URL) == [
        FeedEntry(
            guid="https://sentencingcouncil.org.uk/?p=43715",
            title="Blackmail, kidnap and false imprisonment: proposed sentencing guidelines published",
            link="https://sentencingcouncil.org.uk/?p=43715",
            published="2024-01-31T00:00:00+00:00",
            summary=("Proposed guidelines for sentencing offenders convicted of blackmail, kidnap or false "
                     "imprisonment, were published by the independent Sentencing Council today."),
        ),
        FeedEntry(
            guid=("https://sentencingcouncil.org.uk/news/item/"
                  "new-sentencing-guidelines-for-modern-slavery-offences-published"),
            title="New sentencing guidelines for modern slavery offences published",
            link=("https://sentencingcouncil.org.uk/news/item/"
                  "new-sentencing-guidelines-for-modern-slavery-offences-published"),
            published="2021-08-12T01:00:00+01:00",
            summary=("The first sentencing guidelines for offences under the Modern Slavery Act 2015, including "
                     "slavery, forced labour, human trafficking or an offence committed to facilitate human "
                     "trafficking, were published today by the Sentencing Council following consultation."),
        ),
    ]


def test_feed_marks_consultations() -> None:
    # RSS 2.0 item structure; link and categories in the site's URL scheme.
    xml = (b'<rss version="2.0"><channel><title>Sentencing Council</title><item>'
           b"<title>Ancillary Orders Consultation</title>"
           b"<link>https://sentencingcouncil.org.uk/publications/item/ancillary-orders-consultation</link>"
           b"<category><![CDATA[Consultations]]></category></item></channel></rss>")
    [entry] = parse_feed(xml, FEED_URL)
    assert entry == FeedEntry(
        guid="https://sentencingcouncil.org.uk/publications/item/ancillary-orders-consultation",
        title="Ancillary Orders Consultation",
        link="https://sentencingcouncil.org.uk/publications/item/ancillary-orders-consultation",
        categories=["Consultations"],
        is_consultation=True,
    )


@pytest.mark.parametrize("xml, message", [
    (b"<html><body>Service unavailable</body>", "feed is not well-formed XML"),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', "not an RSS 2.0 document"),
    (b'<rss version="2.0"><channel><title>x</title></channel></rss>', "feed has no <item>"),
    (b'<rss version="2.0"><channel><item><link>https://x.org/a</link></item></channel></rss>',
     r"item \[0\]: field 'title'"),
    (b'<rss version="2.0"><channel><item><title>A</title></item></channel></rss>', r"item \[0\]: field 'link'"),
    (b'<rss version="2.0"><channel><item><title>A</title><link>https://x.org/a</link>'
     b"<pubDate>soon</pubDate></item></channel></rss>", r"item \[0\]: field 'pubDate'"),
])
def test_feed_errors(xml: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="sentencing-council: https://www.sentencingcouncil.org.uk/feed/: " + message):
        parse_feed(xml, FEED_URL)


def test_open_consultation() -> None:
    item = parse_consultation_page(page("consultation_ancillary-orders-consultation.html"), ANCILLARY_URL)
    assert item == TrackedItem(
        id="sentencing:ancillary-orders-consultation",
        source="sentencing-council",
        kind="sentencing_consultation",
        title="Ancillary Orders Consultation",
        url=ANCILLARY_URL,
        summary="A consultation paper on ancillary orders.",
        organisation="Sentencing Council",
        status="open",
        published="2024-09-11",
        closes="2024-12-04",
        body_text=(
            "A consultation paper on ancillary orders.\n"
            "The consultation closes on 4 December 2024.\n"
            "What is this consultation about?\n"
            "The Sentencing Council currently provides guidance on ancillary orders in various places on our website "
            "as well as within offence specific guidelines (usually at step 6 or 7). Most of this guidance is aimed "
            "at magistrates’ courts.\n"
            "The Council is seeking to improve the consistency, accessibility and presentation of the current "
            "information and to provide more detailed guidance for both magistrates’ courts and the Crown Court.\n"
            "Who should respond?\n"
            "The Council is asking judges, magistrates, legal advisers and lawyers who refer to ancillary orders in "
            "their work to give their views on the clarity, accuracy and usefulness of the proposed new and revised "
            "guidance on any of the ancillary orders in which they have an interest.\n"
            "What do we want to know?\n"
            "The Council is seeking views on the usefulness, accuracy and clarity of the proposed changes and "
            "anything else that you think should be considered."
        ),
        details={
            "slug": "ancillary-orders-consultation",
            "closing_sentence": "The consultation closes on 4 December 2024.",
            "publication_topics": "Ancillary orders",
        },
    )


def test_closed_consultation() -> None:
    item = parse_consultation_page(page("consultation_imposition-revised-consultation_closed.html"), IMPOSITION_URL)
    assert (item.id, item.status, item.closes, item.published, item.opens, item.title, item.summary) == (
        f"sentencing:{IMPOSITION_SLUG}", "closed", "2024-02-21", "2023-11-29", None,
        "Imposition of community and custodial sentences guideline consultation",
        "A consultation paper on the revised Imposition of community and custodial sentences guideline.")
    assert item.details == {"slug": IMPOSITION_SLUG,
                            "closing_sentence": "The consultation closed on 21 February 2024."}
    assert item.body_text.split("\n")[1:3] == ["The consultation closed on 21 February 2024.",
                                               "What was this consultation about?"]


def test_real_page_without_closing_sentence_is_an_error() -> None:
    with pytest.raises(ParseError, match=f"sentencing-council: consultation {IMPOSITION_SLUG}: no 'The consultation"):
        parse_consultation_page(page("consultation_imposition-revised-consultation_2023-open.html"), IMPOSITION_URL)


@pytest.mark.parametrize("html, message", [
    (b"<html><body><p>The consultation closes on 4 December 2024.</p></body></html>", "no <h1> title"),
    (b"<html><body><main><h1>Ancillary Orders Consultation</h1>"
     b"<p>The consultation closes on 31 Smarch 2024.</p></main></body></html>", "field 'closes' is not a date"),
])
def test_consultation_page_errors(html: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="sentencing-council: consultation ancillary-orders-consultation: " + message):
        parse_consultation_page(html, ANCILLARY_URL)
