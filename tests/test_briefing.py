"""The weekly briefing's content: sections built from a small database, as of a past instant."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from tracker import weeks
from tracker.briefing import build_briefing
from tracker.briefing_model import (Briefing, BriefingError, Deadline, ItemRef, Move, NewItem, Overdue, Response,
                                    ResponseEntry, RollingCall, SourceProblem, ThemeGroup, datasette_links,
                                    first_sentence)
from tracker.store import upsert_item, upsert_items

from .helpers.briefing import (AS_OF, BASE, UTC, WEEK, at, build_db, classify, consultation, record_run, respond,
                               rolling_call)


def later_changes(db) -> None:
    """What happens after the W48 briefing: crawls change items, staff log responses, runs go on."""
    # The rolling call gets a deadline, and a second rolling call opens, with a response logged at once.
    upsert_item(db, rolling_call("8885", "Economic crime enforcement", "2027-01-15T12:00:00+00:00"), now=at(24))
    upsert_item(db, rolling_call("9001", "Fraud against business"), now=at(24))
    classify(db, "committees:9001", [("fraud", 0.9, ["fraud"])], when=at(24))
    respond(db, "committees:9001", at(25), owner_team="Fraud policy")
    upsert_item(db, consultation("fraud-strategy", "Fraud strategy: consultation (extended)",
                                 "2026-12-10T23:59:00+00:00", summary="Extended."), now=at(25))
    upsert_item(db, consultation("late-arrival", "Late arrival on fraud", "2026-12-05"), now=at(24))
    classify(db, "govuk:late-arrival", [("fraud", 0.9, ["fraud"])], when=at(24))
    respond(db, "govuk:fraud-strategy", at(24), owner_team="Fraud policy")
    db.execute("UPDATE responses SET status = 'in clearance', updated_at = ? WHERE item_id = ?",
               [at(26), "govuk:aml-supervision"])
    db["audit_log"].insert({"actor": "alice", "at": at(26), "action": "update", "table_name": "responses",
                            "row_key": "1", "before": json.dumps({"status": "drafting"}),
                            "after": json.dumps({"status": "in clearance"})})
    record_run(db, "legislation", at(29), "ok")
    record_run(db, "govuk", at(29), "ok")
    record_run(db, "committees", at(29), "ok")


def ref(item_id: str, title: str, source: str, kind: str, url: str, organisation: str = "") -> ItemRef:
    row, dossier = datasette_links(BASE, item_id)
    return ItemRef(item_id, title, source, kind, organisation, url, row, dossier)


FRAUD_STRATEGY = ref("govuk:fraud-strategy", "Fraud strategy: consultation", "govuk", "consultation",
                     "https://www.gov.uk/government/consultations/fraud-strategy", "Home Office")
AML = ref("govuk:aml-supervision", "AML supervision reform", "govuk", "consultation",
          "https://www.gov.uk/government/consultations/aml-supervision", "Home Office")
DRAFTING = Response("respond", "drafting", "Economic crime policy", "1 Dec 2026", "", "")


@pytest.fixture
def briefing_db(database):
    build_db(database)
    return database


def test_week_helpers():
    assert weeks.briefing_as_of(WEEK) == AS_OF
    assert weeks.briefing_as_of("2026-W27") == datetime(2026, 6, 29, 6, 30, tzinfo=UTC)  # BST
    assert weeks.week_of(AS_OF) == WEEK
    assert weeks.latest_briefing_week(datetime(2026, 11, 23, 7, 29, tzinfo=UTC)) == "2026-W47"
    assert weeks.latest_briefing_week(AS_OF) == WEEK
    assert weeks.week_of(datetime(2026, 12, 31, 12, tzinfo=UTC)) == "2026-W53"
    with pytest.raises(weeks.WeekError, match="not an ISO week"):
        weeks.parse_week("2026-48")
    with pytest.raises(weeks.WeekError, match="has no week 54"):
        weeks.parse_week("2026-W54")
    with pytest.raises(weeks.WeekError, match="no time zone"):
        build_briefing(None, WEEK, datetime(2026, 11, 23, 7, 30))


def test_sections(briefing_db):
    b = build_briefing(briefing_db, WEEK, None, BASE + "/")
    assert (b.week, b.week_commencing, b.as_of, b.window_start) == (
        WEEK, "23 Nov 2026", "2026-11-23T07:30:00+00:00", "2026-11-16T07:30:00+00:00")
    assert b.subject == "SEOC reform briefing w/c 23 Nov 2026: 2 deadlines, 1 new, 2 moved"
    assert b.health == (
        SourceProblem("committees", ("no successful run recorded",), "", "", ""),
        SourceProblem("legislation", ("last run failed", "stale: no successful run since 15 Nov 2026"),
                      "22 Nov 2026", "15 Nov 2026", "HTTP 503 from legislation.gov.uk"),
    )
    assert b.sources_checked == 3
    assert b.closing == (
        Deadline(FRAUD_STRATEGY, "3 Dec 2026", 10, ("Fraud",), None),
        Deadline(AML, "14 Dec 2026", 21, ("Money laundering", "Fraud"), DRAFTING),
    )
    assert b.overdue == (Overdue(
        ref("govuk:failure-to-prevent", "Failure to prevent offences", "govuk", "consultation",
            "https://www.gov.uk/government/consultations/failure-to-prevent", "Home Office"),
        "1 Jul 2026", 145, "23 Sep 2026", ("Corporate criminal liability",)),)
    assert b.new == (ThemeGroup("Money laundering", (NewItem(
        AML, "18 Nov 2026", "Reforming anti-money laundering supervision.", ("Money laundering", "Fraud"),
        ("money laundering", "supervision", "fraud"), (DRAFTING,)),)),)
    act = ref("legislation:ukpga/2023/56", "Economic Crime and Corporate Transparency Act 2023", "legislation",
              "act", "https://www.legislation.gov.uk/ukpga/2023/56")
    assert b.moved == (
        Move(ref("legislation:uksi/2026/1200",
                 "The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 9) Regulations 2026",
                 "legislation", "commencement_order", "https://www.legislation.gov.uk/uksi/2026/1200"),
             "Commencement order", "", act.title, "19 Nov 2026", act),
        Move(ref("bill:4000", "Crime and Policing Bill", "parliament-bills", "bill",
                 "https://bills.parliament.uk/bills/4000"),
             "Bill stage", "Commons: 2nd reading", "Commons: Committee stage", "20 Nov 2026", None),
    )
    sanctions = ref("govuk:sanctions", "Sanctions enforcement", "govuk", "consultation",
                    "https://www.gov.uk/government/consultations/sanctions", "Home Office")
    assert b.submitted == (ResponseEntry(sanctions, Response("respond", "submitted", "Fraud policy", "", "19 Nov 2026",
                                                             ""), 4),)
    assert b.due == (ResponseEntry(AML, DRAFTING, 8),)
    assert b.rolling == (RollingCall(ref("committees:8885", "Economic crime enforcement", "committees",
                                         "committee_inquiry", "https://committees.parliament.uk/work/8885/",
                                         "Treasury Committee"), ("Fraud",), None),)


def test_moves_closures_outcomes_deadlines_withdrawals(database):
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    items = {
        "closing": consultation("c1", "Closes", "2026-11-20", status="open"),
        "outcome": consultation("c2", "Outcome", "2026-08-01", status="closed"),
        "moved": consultation("c3", "Moved", "2026-11-30", status="open"),
        "withdrawn": consultation("c4", "Withdrawn", "2026-12-30", status="open"),
    }
    for item in items.values():
        upsert_item(database, item, now=at(1))
        classify(database, item.id, [("fraud", 0.9, ["fraud"])])
    items["closing"].status = "closed"
    items["outcome"].status = "outcome"
    items["moved"].closes = "2026-12-07"
    items["withdrawn"].status = "withdrawn"
    for day, item in zip((17, 18, 19, 20), items.values()):
        upsert_item(database, item, now=at(day))
    upsert_item(database, consultation("c5", "Moved after as_of", "2026-12-15"), now=at(1))
    classify(database, "govuk:c5", [("fraud", 0.9, ["fraud"])])
    upsert_item(database, consultation("c5", "Moved after as_of", "2027-01-30"), now=at(23, 8))
    b = build_briefing(database, WEEK, None, "")
    assert [(m.item.title, m.change, m.before, m.after, m.on) for m in b.moved] == [
        ("Closes", "Consultation closed", "open", "closed", "17 Nov 2026"),
        ("Outcome", "Outcome published", "closed", "outcome", "18 Nov 2026"),
        ("Moved", "Deadline moved", "30 Nov 2026", "7 Dec 2026", "19 Nov 2026"),
        ("Withdrawn", "Withdrawn", "open", "withdrawn", "20 Nov 2026"),
    ]
    assert [d.item.title for d in b.closing] == ["Moved", "Moved after as_of"]  # withdrawn ones never count
    assert (b.closing[1].closes, b.closing[1].days_left) == ("15 Dec 2026", 22)  # the deadline as it was then
    assert b.closing[0].item.datasette_url == ""  # no Datasette URL configured: no tracker links


def test_rejected_tags_do_not_count(database):
    upsert_item(database, consultation("x", "Rejected by reviewer", "2026-12-01"), now=at(18))
    classify(database, "govuk:x", [("fraud", 0.9, ["fraud"])])
    database["item_priorities"].insert({
        "item_id": "govuk:x", "priority_id": "fraud", "score": 0.9, "evidence": "[]", "method": "t",
        "version": "t", "review_state": "rejected", "reviewed_at": at(19), "created": at(18), "updated": at(19)})
    assert build_briefing(database, WEEK, None, "").counts == {"deadlines": 0, "new": 0, "moved": 0}
    # A review made after as_of did not exist then: the item counted in that week.
    assert build_briefing(database, None, datetime(2026, 11, 19, 8, tzinfo=UTC), "").counts["new"] == 1


def test_quiet_week_is_still_a_briefing(database):
    b = build_briefing(database, WEEK, None, BASE)
    assert b.subject == "SEOC reform briefing w/c 23 Nov 2026: 0 deadlines, 0 new, 0 moved"
    assert (b.health, b.closing, b.overdue, b.rolling, b.new, b.moved, b.submitted, b.due) == ((),) * 8


def test_past_week_is_reproducible_after_later_changes(briefing_db):
    then = build_briefing(briefing_db, WEEK, None, BASE)
    later_changes(briefing_db)
    again = build_briefing(briefing_db, WEEK, None, BASE)
    assert again == then
    assert again.content_hash == then.content_hash
    # ... while the next week sees the changes.
    following = build_briefing(briefing_db, "2026-W49", None, BASE)
    # W48 still shows the call as rolling; by W49 it has a deadline and the new one is rolling, answered.
    assert [r.item.id for r in then.rolling] == ["committees:8885"]
    assert [(r.item.id, r.response.owner) for r in following.rolling] == [("committees:9001", "Fraud policy")]
    assert following.closing[0].item.title == "Late arrival on fraud"
    assert following.closing[0].response is None
    assert [d.response.owner for d in following.closing[1:] if d.response][0] == "Fraud policy"
    assert following.health == ()
    assert following.content_hash != then.content_hash


def test_content_hash_ignores_generation_time(briefing_db):
    first = build_briefing(briefing_db, WEEK, AS_OF, BASE, now=datetime(2026, 11, 23, 8, tzinfo=UTC))
    second = build_briefing(briefing_db, WEEK, AS_OF, BASE, now=datetime(2027, 3, 1, tzinfo=UTC))
    assert first.content_hash == second.content_hash
    assert isinstance(first, Briefing) and len(first.content_hash) == 64


def test_defaults_pick_the_latest_monday():
    import sqlite_utils

    from tracker import db as tracker_db
    database = sqlite_utils.Database(memory=True)
    tracker_db.migrations.apply(database)
    b = build_briefing(database, None, None, "", now=datetime(2026, 11, 28, 21, tzinfo=UTC))
    assert (b.week, b.as_of) == (WEEK, "2026-11-23T07:30:00+00:00")
    b = build_briefing(database, None, datetime(2026, 11, 25, 12, tzinfo=UTC), "")
    assert (b.week, b.window_start) == (WEEK, "2026-11-18T12:00:00+00:00")
    with pytest.raises(BriefingError, match="not an http"):
        build_briefing(database, WEEK, None, "javascript:alert(1)")


def test_datasette_links_match_datasette_encoding():
    from datasette.utils import tilde_encode
    for item_id in ("legislation:uksi/2024/123", "govuk:5f3c-aa_b", "lawcom:a.b c"):
        row, dossier = datasette_links(BASE, item_id)
        assert row == f"{BASE}/tracker/items/{tilde_encode(item_id)}"
    assert datasette_links(BASE, "legislation:uksi/2024/123")[1] == \
        f"{BASE}/-/dossier/legislation:uksi/2024/123"


def test_first_sentence():
    assert first_sentence("One two.  Three four. ") == "One two."
    assert first_sentence("No full stop at all " + "word " * 100).endswith("\u2026")
    assert len(first_sentence("x " * 300)) <= 201
    assert first_sentence("Costs £3.5m. Then") == "Costs £3.5m."
    assert first_sentence(None) == ""
    assert first_sentence("The Act (Commencement No. 9) Regulations, e.g. Part 3. More.") == \
        "The Act (Commencement No. 9) Regulations, e.g. Part 3."
    assert first_sentence("Line\nbreak\x00 and <b>tags</b>.") == "Line break and <b>tags</b>."


def _traced_briefing(database, week: str = WEEK) -> tuple[Briefing, int]:
    """The briefing, and how many SQL statements building it ran."""
    count = [0]
    database.conn.set_trace_callback(lambda _: count.__setitem__(0, count[0] + 1))
    try:
        return build_briefing(database, week, None, BASE), count[0]
    finally:
        database.conn.set_trace_callback(None)


def test_briefing_reads_the_week_not_the_archive(briefing_db):
    """3,000 archived items first seen long before the window (a third relevant and long overdue, some
    reviewed) change the overdue figures but not one SQL statement: the briefing reads the week's
    candidates by index and counts settled overdue consultations in SQL, never each archived item."""
    quiet, quiet_statements = _traced_briefing(briefing_db)
    old, relevant = [], {}
    for n in range(3000):
        closes = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}" + ("T12:00:00+01:00" if n % 5 == 0 else "")
        status = "outcome" if n % 4 == 0 else "closed" if n % 4 == 1 else "open"
        old.append(consultation(f"old-{n}", f"Old consultation {n}", closes, status=status))
        if n % 3 == 0:
            relevant[f"govuk:old-{n}"] = (closes, status, f"Old consultation {n}")
    upsert_items(briefing_db, old, now="2025-01-02T09:00:00+00:00")
    briefing_db["classifications"].insert_all([{
        "item_id": item.id, "relevant": int(item.id in relevant), "score": 0.9,
        "themes": json.dumps([{"theme": "fraud", "score": 0.9, "evidence": []}] if item.id in relevant else []),
        "evidence": "[]", "method": "test", "version": "test", "content_hash": "x", "classified_at": at(1),
    } for item in old])
    # A reviewer rejected the only theme of one relevant item, and confirmed an unclassified one.
    review = {"score": 0.9, "evidence": "[]", "method": "t", "version": "t", "reviewed_at": at(2, month=1),
              "created": at(2, month=1), "updated": at(2, month=1)}
    briefing_db["item_priorities"].insert_all([
        {**review, "item_id": "govuk:old-6", "priority_id": "fraud", "review_state": "rejected"},
        {**review, "item_id": "govuk:old-7", "priority_id": "fraud", "review_state": "confirmed"},
    ])
    del relevant["govuk:old-6"]
    relevant["govuk:old-7"] = (old[7].closes, old[7].status, old[7].title)

    archive, archive_statements = _traced_briefing(briefing_db)
    assert archive_statements == quiet_statements
    assert (archive.closing, archive.new, archive.moved, archive.submitted, archive.due) == (
        quiet.closing, quiet.new, quiet.moved, quiet.submitted, quiet.due)
    expected = sorted(
        [(weeks.parse_instant(closes, end_of_day=True), title, item_id)
         for item_id, (closes, status, title) in relevant.items() if status != "outcome"]
        + [(weeks.parse_instant("2026-07-01", end_of_day=True), "Failure to prevent offences",
            "govuk:failure-to-prevent")],
        key=lambda e: (-e[0].timestamp(), e[1], e[2]))
    assert [o.item.id for o in archive.overdue] == [item_id for _, _, item_id in expected[:20]]
    assert archive.overdue_more == len(expected) - 20
    assert archive.overdue[0] == quiet.overdue[0]
