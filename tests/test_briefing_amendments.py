"""The briefing on bills: "Amendments decided this week" (relevant bills only, decided in the window as a crawl
saw it, old decisions found by a first crawl left out, a past week read as it stood) and a bill's state in words
(lapsed at prorogation, carried over)."""
from __future__ import annotations

from dataclasses import replace

from tracker.briefing.build import build_briefing
from tracker.briefing.model import AmendmentDecision
from tracker.briefing.render import render
from tracker.contract import LAPSED, BillStage, TrackedItem
from tracker.store.amendments import upsert_amendments
from tracker.store.items import upsert_item
from scrapers.parsers import parliament_bills as parser

from .helpers.briefing import WEEK, at, classify, record_run
from .helpers.spiders.parliament_bills import recorded_amendments

COMMITTEE, REPORT = 12655, 12656


def bill(bill_id: int, title: str) -> TrackedItem:
    return TrackedItem(id=f"bill:{bill_id}", source="parliament-bills", kind="bill", title=title,
                       url=f"https://bills.parliament.uk/bills/{bill_id}", status="Commons: Report stage",
                       details={"session_ids": [39]},
                       stages=[BillStage(COMMITTEE + bill_id, 8, "Committee stage", "Commons", 3, 39, "CS",
                                         ["2026-10-06"]),
                               BillStage(REPORT + bill_id, 9, "Report stage", "Commons", 4, 39, None, ["2026-11-18"])])


def amendments(bill_id: int, stage_id: int):
    """The 6 recorded amendments (all undecided), re-homed on `bill_id`'s stage, with ids made unique per stage."""
    items = [{**a, "amendmentId": a["amendmentId"] + stage_id * 100} for a in recorded_amendments(bill_id, stage_id)]
    return parser.parse_amendments({"items": items, "totalResults": 6}, bill_id, stage_id, "u")[0]


def scenario(db):
    db["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    upsert_item(db, bill(4000, "Fraud Bill"), now=at(1, month=10))
    classify(db, "bill:4000", [("fraud", 0.9, ["fraud"])])
    upsert_item(db, bill(5000, "Plant Health Bill"), now=at(1, month=10))
    committee, report, other = amendments(4000, COMMITTEE + 4000), amendments(4000, REPORT + 4000), \
        amendments(5000, REPORT + 5000)
    upsert_amendments(db, committee, now=at(10))  # seen undecided before the window
    # Test data (the recorded amendments hold no decisions): in the window, committee amendment 1 is agreed...
    committee[0] = replace(committee[0], decision="Agreed")
    # ...and a first crawl of other stages finds decisions already made.
    report[1] = replace(report[1], decision="NotMoved")  # report sat on 18 Nov: this week's
    other[0] = replace(other[0], decision="Agreed")  # an irrelevant bill
    upsert_amendments(db, committee + report + other, now=at(19))
    # After the briefing's instant: amendment 1's decision is changed again.
    committee[0] = replace(committee[0], decision="Disagreed")
    upsert_amendments(db, committee, now=at(25))


def test_amendments_decided_this_week(database):
    scenario(database)
    b = build_briefing(database, WEEK, None, "")
    where = "Clause 1, page 1, line {}, leave out \u201c{}\u201d"
    assert [(a.item.id, a.stage, a.decided, a.more) for a in b.amendments_decided] == [
        ("bill:4000", "Commons: Committee stage",
         (AmendmentDecision("1", where.format(6, "or attempts to enter"), "Sir Christopher Chope", "agreed"),), 0),
        ("bill:4000", "Commons: Report stage",
         (AmendmentDecision("2", where.format(8, "or attempted entry"), "Sir Christopher Chope", "not moved"),), 0),
    ]
    html, text = render(b)
    assert "Amendments decided this week" in html and "Amendment 1: <strong>agreed</strong>" in html
    assert "* Fraud Bill: Commons: Report stage\n    Amendment 2: not moved." in text


def test_a_decision_already_made_at_a_stage_that_sat_earlier_is_not_this_weeks(database):
    scenario(database)
    database.execute("UPDATE bill_stages SET sitting_dates = '[\"2026-10-06\"]'")
    database.conn.commit()
    b = build_briefing(database, WEEK, None, "")
    assert [(a.stage, [d.number for d in a.decided]) for a in b.amendments_decided] == [
        ("Commons: Committee stage", ["1"])]


def test_the_next_week_reads_the_later_decision(database):
    scenario(database)
    b = build_briefing(database, "2026-W49", None, "")
    assert [(a.stage, [(d.number, d.decision) for d in a.decided]) for a in b.amendments_decided] == [
        ("Commons: Committee stage", [("1", "negatived")])]


def test_a_new_bill_of_an_ended_session_is_said_to_have_lapsed_and_a_carried_over_one_so(database):
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    record_run(database, "parliament-bills", at(1, month=10), "ok")
    for number, sessions in ((4001, [38]), (4002, [38, 39]), (4003, [39])):
        upsert_item(database, TrackedItem(
            id=f"bill:{number}", source="parliament-bills", kind="bill", title=f"Fraud Bill {number}",
            url=f"https://bills.parliament.uk/bills/{number}", status="Commons: 2nd reading",
            published="2026-11-18", details={"session_ids": sessions}), now=at(18))
        classify(database, f"bill:{number}", [("fraud", 0.9, ["fraud"])])
    b = build_briefing(database, WEEK, None, "")
    assert {n.item.id: n.state for g in b.new for n in g.items} == {
        "bill:4001": LAPSED, "bill:4002": "Commons: 2nd reading (carried over from session 38)",
        "bill:4003": "Commons: 2nd reading"}
