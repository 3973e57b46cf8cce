"""The briefing's "Parliament this week": statutory instruments laid in the week, with their procedure and the
end of their praying or approval period, as the week stood at Monday 07:30; not the week before, not irrelevant
ones, and not a date that moved after the briefing's instant."""
from __future__ import annotations

import json

from scrapers.parsers import statutory_instruments
from tracker.briefing.build import build_briefing
from tracker.briefing.model import ItemRef, ParliamentEntry
from tracker.briefing.render import render
from tracker.store.items import upsert_item

from .helpers import FIXTURES
from .helpers.briefing import AS_OF, BASE, WEEK, at, classify


def instrument(number: int, laid: str, end: str | None, name: str):
    """S.I. 2021/558 as re-expressed (real facts), moved to test dates and numbers: a test record, not a fact."""
    detail = json.loads((FIXTURES / "statutory-instruments" / "si_2021_558_detail.json").read_text())
    detail["value"].update(paperNumber=number, paperYear="2026", name=name, commonsLayingDate=laid + "T00:00:00",
                           lordsLayingDate=laid + "T00:00:00", paperComingIntoForceDate="2026-12-01T00:00:00",
                           procedure={"id": None, "name": "Made negative"}, layingBody={"name": "HM Treasury"})
    return statutory_instruments.parse_instrument(detail, "u", period_end=end)


def build(briefing_db):
    upsert_item(briefing_db, instrument(1, "2026-11-18", "2026-12-28", "The Money Laundering Test Regulations 2026"),
                now=at(19))
    upsert_item(briefing_db, instrument(2, "2026-11-10", "2026-12-20", "The Fraud Test Order 2026"), now=at(11))
    upsert_item(briefing_db, instrument(3, "2026-11-19", "2026-12-29", "The Pensions Test Regulations 2026"),
                now=at(19))
    for item_id in ("si:2026/1", "si:2026/2"):
        classify(briefing_db, item_id, [("money_laundering", 0.9, ["money laundering"])], when=at(19))
    classify(briefing_db, "si:2026/3", [], relevant=False, when=at(19))
    briefing_db.conn.commit()


def test_instruments_laid_this_week_with_their_deadlines(database):
    build(database)
    briefing = build_briefing(database, WEEK, None, BASE)
    [entry] = briefing.parliament.entries
    assert entry == ParliamentEntry(
        kind="SI laid",
        item=ItemRef(id="si:2026/1", title="The Money Laundering Test Regulations 2026",
                     source="statutory-instruments", kind="statutory_instrument", organisation="HM Treasury",
                     url="https://www.legislation.gov.uk/uksi/2026/1",
                     datasette_url=f"{BASE}/tracker/items/si~3A2026~2F1", dossier_url=f"{BASE}/-/dossier/si:2026/1"),
        on="18 Nov 2026",
        detail="Made negative procedure; praying period ends 28 Dec 2026; in force 1 Dec 2026; laid by HM Treasury",
        deadline="praying period ends 28 Dec 2026")
    html, text = render(briefing)
    section = text.split("PARLIAMENT THIS WEEK\n====================\n")[1].split("\n\nRESPONSES")[0]
    assert "* SI laid (18 Nov 2026): The Money Laundering Test Regulations 2026" in section
    assert "praying period ends 28 Dec 2026" in section and "Fraud Test" not in section and "Pensions" not in section
    assert ">Parliament this week</h2>" in html and "praying period ends 28 Dec 2026" in html


def test_a_period_end_moved_after_the_briefing_is_read_as_it_was(database):
    build(database)
    upsert_item(database, instrument(1, "2026-11-18", "2027-01-04", "The Money Laundering Test Regulations 2026"),
                now=at(23, 9))  # after the briefing's instant, Monday 23 Nov 07:30
    database.conn.commit()
    [entry] = build_briefing(database, WEEK, None, BASE).parliament.entries
    assert entry.deadline == "praying period ends 28 Dec 2026"
    [later] = build_briefing(database, WEEK, AS_OF.replace(hour=10), BASE).parliament.entries  # a preview after it
    assert later.deadline == "praying period ends 4 Jan 2027"


def test_an_empty_week_says_so(database):
    text = render(build_briefing(database, WEEK, None, BASE))[1]
    assert "PARLIAMENT THIS WEEK\n====================\nNothing relevant in Parliament this week." in text
