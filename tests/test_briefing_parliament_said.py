"""The briefing's "Parliament this week" beyond SIs: relevant written statements, written answers and debates from
real records, each in the week Parliament dates it (the statement and the debate in their own real weeks), as
the week stood at Monday 07:30; amendments decided are pointed to from the section."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from scrapers.parsers import hansard, written_questions, written_statements
from tracker.briefing.build import build_briefing
from tracker.briefing.model import ItemRef, ParliamentEntry
from tracker.briefing.render import render
from tracker.store.items import upsert_item

from .helpers import FIXTURES
from .helpers.briefing import BASE, WEEK, AS_OF, at, classify
from .test_briefing_amendments import scenario as amendments_scenario

UTC = timezone.utc


def section(text: str) -> str:
    """What Parliament did this week ("Coming up", which follows it, is tested in test_briefing_forward)."""
    return text.split("PARLIAMENT THIS WEEK\n====================\n")[1].split("\n\nRESPONSES")[0].split(
        "\n\nComing up in the next 7 days")[0]


def statement():
    """The Cabinet Office's written statement on the Public Sector Fraud Authority, made 16 Oct 2025 (re-expressed)."""
    record = json.loads((FIXTURES / "written-statements" / "statement_psfa_2025-10-16.json").read_text())["value"]
    return written_statements.parse_statement(record, "u")


def debate():
    """The Westminster Hall debate of 11 Sep 2024 where "economic crime" came up (re-expressed search result)."""
    page = json.loads((FIXTURES / "hansard" / "search-economic-crime-2024-09-11.re-expressed.json").read_text())
    [item] = hansard.debate_items(hansard.parse_search(page, "economic crime", "u")[0])
    return item


def question(**dates):
    """Question 1738673 (real texts) with the answer's state and dates set here: test values, not facts."""
    record = json.loads((FIXTURES / "written-questions" / "question_1738673_answered.json").read_text())["value"]
    record.update(dates)
    return written_questions.parse_question(written_questions.parse_detail({"value": record}, "u"), "u")


def relevant(db, item_id: str, when: str) -> None:
    classify(db, item_id, [("fraud", 0.9, ["fraud"])], when=when)
    db.conn.commit()


def test_a_written_statement_is_listed_in_the_week_it_was_made(database):
    item = statement()
    upsert_item(database, item, now="2025-10-16T17:00:00+00:00")
    relevant(database, item.id, "2025-10-16T17:05:00+00:00")
    briefing = build_briefing(database, "2025-W43", None, BASE)  # as of Monday 20 Oct 2025 07:30
    assert briefing.parliament.entries == (ParliamentEntry(
        kind="Written statement",
        item=ItemRef(id="wms:9000001", title="Public Sector Fraud Authority", source="written-statements",
                     kind="written_statement", organisation="Cabinet Office", url=item.url,
                     datasette_url=f"{BASE}/tracker/items/wms~3A9000001", dossier_url=f"{BASE}/-/dossier/wms:9000001"),
        on="16 Oct 2025",
        detail="Commons: made by Josh Simons. " + item.summary.split(". ")[0] + "."),)
    assert "* Written statement (16 Oct 2025): Public Sector Fraud Authority" in section(render(briefing)[1])
    assert build_briefing(database, "2025-W44", None, BASE).parliament.entries == ()  # not the week after


def test_a_debate_is_listed_in_the_week_it_was_held_and_an_irrelevant_one_is_not(database):
    item = debate()
    upsert_item(database, item, now="2024-09-12T06:00:00+00:00")
    briefing = build_briefing(database, "2024-W38", None, BASE)  # as of Monday 16 Sep 2024 07:30
    assert briefing.parliament.entries == ()  # not classified relevant
    relevant(database, item.id, "2024-09-12T06:05:00+00:00")
    [entry] = build_briefing(database, "2024-W38", None, BASE).parliament.entries
    assert (entry.kind, entry.on, entry.item.id) == ("Debate", "11 Sep 2024", item.id)
    assert entry.detail == ("Commons: Westminster Hall, 2024-09-11: economic crime raised by Chris Coghlan "
                            "(Dorking and Horley) (LD)")


def test_an_answer_is_read_as_it_stood_at_the_briefing(database):
    # Tabled 10 Nov, a holding answer on 17 Nov (in week 2026-W48), the answer on 1 Dec (after Monday 23 Nov, and
    # beyond the dates the week's query reads: found as changed since the briefing's instant).
    tabled = {"dateTabled": "2026-11-10T00:00:00"}
    upsert_item(database, question(**tabled, answerText=None), now=at(10))
    upsert_item(database, question(**tabled, answerIsHolding=True, dateHoldingAnswer="2026-11-17T00:00:00",
                                   answeringMember={"name": "Pat McFadden"}), now=at(17))
    relevant(database, "wq:1738673", at(17, 10))
    upsert_item(database, question(**tabled, answerIsHolding=False, dateHoldingAnswer="2026-11-17T00:00:00",
                                   dateAnswered="2026-12-01T00:00:00", answeringMember={"name": "Pat McFadden"}),
                now=at(1, month=12))
    database.conn.commit()
    [entry] = build_briefing(database, WEEK, None, BASE).parliament.entries
    assert (entry.kind, entry.on) == ("Holding answer", "17 Nov 2026")
    assert entry.detail.startswith("answered by Pat McFadden; tabled 10 Nov 2026. Answer: The time taken to issue")
    assert build_briefing(database, "2026-W49", None, BASE).parliament.entries == ()  # nothing new that week
    [later] = build_briefing(database, "2026-W50", None, BASE).parliament.entries
    assert (later.kind, later.on) == ("Written answer", "1 Dec 2026")
    assert build_briefing(database, "2026-W47", None, BASE).parliament.entries == ()  # tabled, not answered


def test_amendments_decided_are_pointed_to_from_parliament_this_week(database):
    amendments_scenario(database)
    briefing = build_briefing(database, WEEK, None, BASE)
    assert briefing.amendments_decided and briefing.parliament.entries == ()
    html, text = render(briefing)
    assert section(text) == ('* Amendments decided: see "Amendments decided this week" above, for Fraud Bill.')
    # The CSS inliner adds style attributes to every tag.
    assert re.search(r'<a href="#amendments-decided"[^>]*>Amendments decided this week</a> \(above\): Fraud Bill\.', html)
    assert re.search(r'<h3 id="amendments-decided"', html) and "Nothing relevant in Parliament" not in html



def test_answers_and_instruments_are_one_list_in_date_order(database):
    from .test_briefing_parliament import build as instruments
    instruments(database)  # S.I. 2026/1 laid 18 Nov, relevant (test records)
    upsert_item(database, question(dateTabled="2026-11-10T00:00:00", answerIsHolding=True,
                                   dateHoldingAnswer="2026-11-19T00:00:00"), now=at(19))
    relevant(database, "wq:1738673", at(19, 10))
    entries = build_briefing(database, WEEK, None, BASE).parliament.entries
    assert [(e.kind, e.on) for e in entries] == [("SI laid", "18 Nov 2026"), ("Holding answer", "19 Nov 2026")]
    text = section(render(build_briefing(database, WEEK, None, BASE))[1])
    assert text.index("* SI laid (18 Nov 2026)") < text.index("* Holding answer (19 Nov 2026): To ask the Minister")
