"""The weekly briefing's content: sections built from a small database, as of a past instant."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from tracker import weeks
from tracker.briefing.build import build_briefing
from tracker.briefing.model import (ArchiveNote, Briefing, BriefingError, Deadline, ItemRef, Move, NewItem, Overdue, Response,
                                    ResponseEntry, RollingCall, SourceProblem, ThemeGroup, datasette_links,
                                    first_sentence)
from tracker.contract import ItemLink, TrackedItem
from tracker.store.items import upsert_item, upsert_items
from tracker.store.db import install_clock
from tracker.web import dossier, metadata

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
        AML, "opened 18 Nov 2026", "open until 14 Dec 2026", "Reforming anti-money laundering supervision.",
        ("Money laundering", "Fraud"), ("money laundering", "supervision", "fraud"), (DRAFTING,)),)),)
    act = ref("legislation:ukpga/2023/56", "Economic Crime and Corporate Transparency Act 2023", "legislation",
              "act", "https://www.legislation.gov.uk/ukpga/2023/56")
    assert b.moved == (
        Move(ref("legislation:uksi/2026/1200",
                 "The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 9) Regulations 2026",
                 "legislation", "commencement_order", "https://www.legislation.gov.uk/uksi/2026/1200"),
             "Commencement order", "", act.title, "made 19 Nov 2026", act),
        Move(ref("bill:4000", "Crime and Policing Bill", "parliament-bills", "bill",
                 "https://bills.parliament.uk/bills/4000"),
             "Bill stage", "Commons: 2nd reading", "Commons: Committee stage", "seen by the tracker 20 Nov 2026", None),
    )
    sanctions = ref("govuk:sanctions", "Sanctions enforcement", "govuk", "consultation",
                    "https://www.gov.uk/government/consultations/sanctions", "Home Office")
    assert b.submitted == (ResponseEntry(sanctions, Response("respond", "submitted", "Fraud policy", "", "19 Nov 2026",
                                                             ""), 4),)
    assert b.due == (ResponseEntry(AML, DRAFTING, 8),)
    # The irrelevant undated consultation first seen this week, before govuk's first recorded run: back catalogue.
    assert b.archived == (ArchiveNote("govuk", 1, 0, True, f"{BASE}/tracker/items?source=govuk&_sort_desc=first_seen"),)
    assert (b.newly_relevant, b.missed) == ((), ())
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
        ("Closes", "Consultation closed", "open", "closed", "seen by the tracker 17 Nov 2026"),
        ("Outcome", "Outcome published", "closed", "outcome", "seen by the tracker 18 Nov 2026"),
        ("Moved", "Deadline moved", "30 Nov 2026", "7 Dec 2026", "seen by the tracker 19 Nov 2026"),
        ("Withdrawn", "Withdrawn", "open", "withdrawn", "seen by the tracker 20 Nov 2026"),
    ]
    assert [d.item.title for d in b.closing] == ["Moved", "Moved after as_of"]  # withdrawn ones never count
    assert (b.closing[1].closes, b.closing[1].days_left) == ("15 Dec 2026", 22)  # the deadline as it was then
    assert b.closing[0].item.datasette_url == ""  # no Datasette URL configured: no tracker links


def test_rejected_tags_do_not_count(database):
    upsert_item(database, consultation("x", "Rejected by reviewer", "2026-12-01", opens="2026-11-18"), now=at(18))
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

    from tracker.store import db as tracker_db
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


# --- What "new", "moved" and "overdue" mean (issue: a briefing a policy lead can act on) ----------------------

def fraud_item(db, item: TrackedItem, seen: str, **classified) -> None:
    upsert_item(db, item, now=seen)
    classify(db, item.id, [("fraud", 0.9, ["fraud"])], **classified)


def test_new_means_published_this_week_by_the_source_date(database):
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    record_run(database, "govuk", at(1, month=10), "ok")  # govuk was crawled before this week
    record_run(database, "legislation", at(17), "ok")  # legislation's first crawl is this week
    # Published in 2023, first seen this week: back catalogue, not news.
    fraud_item(database, TrackedItem(id="govuk:strategy", source="govuk", kind="strategy", title="Fraud Strategy",
                                     url="https://www.gov.uk/s", published="2023-05-03T00:00:00+01:00"), at(18))
    # Published this week: new, dated by the source.
    fraud_item(database, TrackedItem(id="govuk:paper", source="govuk", kind="policy_paper", title="Fraud paper",
                                     url="https://www.gov.uk/p", published="2026-11-18T10:00:00+00:00"), at(18))
    # No date at the source, first seen this week from a source crawled before: new, dated by the tracker.
    fraud_item(database, rolling_call("77", "Fraud inquiry"), at(19))
    record_run(database, "committees", at(1, month=10), "ok")
    # Published this week but not relevant: neither new (not relevant) nor back catalogue (not earlier).
    upsert_item(database, TrackedItem(id="govuk:fees", source="govuk", kind="policy_paper", title="Plant fees",
                                      url="https://www.gov.uk/f", published="2026-11-20T10:00:00+00:00"), now=at(20))
    # A commencement order made in 2023 that legislation's first crawl found this week: not a move.
    upsert_item(database, TrackedItem(
        id="legislation:uksi/2023/1206", source="legislation", kind="commencement_order", title="Commencement 1",
        url="https://www.legislation.gov.uk/uksi/2023/1206", status="made", published="2023-10-26",
        links=[ItemLink("legislation:ukpga/2023/56", "commences", "")]), now=at(18))
    fraud_item(database, TrackedItem(id="legislation:ukpga/2023/56", source="legislation", kind="act",
                                     title="ECCT Act 2023", url="https://www.legislation.gov.uk/ukpga/2023/56",
                                     published="2023-10-26"), at(18))
    b = build_briefing(database, WEEK, None, "")
    new = {n.item.id: (n.dated, n.state) for g in b.new for n in g.items}
    assert new == {"govuk:paper": ("published 18 Nov 2026", ""),
                   "committees:77": ("first seen 19 Nov 2026 (no date at the source)", "open, no deadline")}
    assert b.moved == ()
    assert b.archived == (ArchiveNote("govuk", 1, 1, False, ""), ArchiveNote("legislation", 2, 1, True, ""))
    assert b.subject.endswith(": 0 deadlines, 2 new, 0 moved")


def test_an_older_item_that_became_relevant_is_listed_as_such(database):
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    old = dict(source="govuk", kind="policy_paper", published="2024-01-10T00:00:00+00:00")
    fraud_item(database, TrackedItem(id="govuk:reclassified", title="Reclassified", url="https://www.gov.uk/r", **old),
               at(1, month=10), since=at(18))
    fraud_item(database, TrackedItem(id="govuk:always", title="Relevant all along", url="https://www.gov.uk/a", **old),
               at(1, month=10), since=at(1, month=10))
    upsert_item(database, TrackedItem(id="govuk:reviewed", title="Reviewed", url="https://www.gov.uk/v", **old),
                now=at(1, month=10))
    database["item_priorities"].insert({
        "item_id": "govuk:reviewed", "priority_id": "fraud", "score": 0.3, "evidence": "[]", "method": "t",
        "version": "t", "review_state": "confirmed", "reviewer": "bob", "reviewed_at": at(19),
        "created": at(1, month=10), "updated": at(19)})
    b = build_briefing(database, WEEK, None, "")
    assert [(n.item.id, n.newly_relevant, n.dated) for n in b.newly_relevant] == [
        ("govuk:reclassified", "newly relevant: reclassified", "published 10 Jan 2024"),
        ("govuk:reviewed", "newly relevant: a reviewer confirmed Fraud", "published 10 Jan 2024"),
    ]
    assert b.new == () and b.archived == ()
    # The week before, neither had happened.
    assert build_briefing(database, "2026-W47", None, "").newly_relevant == ()


def test_a_missed_deadline_stays_under_action_needed_until_submitted_or_dropped(database):
    fraud_item(database, consultation("late", "Our deadline passed", "2026-12-20"), at(1))
    respond(database, "govuk:late", at(2), internal_deadline="2026-11-18", owner_team="Fraud policy")
    fraud_item(database, consultation("closed", "Closed while drafting", "2026-11-20"), at(1))
    respond(database, "govuk:closed", at(2), status="planned")
    fraud_item(database, consultation("dropped", "Marked no response", "2026-11-20"), at(1))
    respond(database, "govuk:dropped", at(2), decision="no response", internal_deadline="2026-11-18")
    b = build_briefing(database, WEEK, None, "")
    assert [(m.item.id, m.which, m.days_ago, m.response.owner) for m in b.missed] == [
        ("govuk:closed", "the consultation's closing date", 3, "Fraud policy"),
        ("govuk:late", "our internal deadline", 5, "Fraud policy"),
    ]
    # Still listed weeks later, until submitted.
    assert [m.item.id for m in build_briefing(database, "2026-W51", None, "").missed] == ["govuk:closed", "govuk:late"]
    database.execute("UPDATE responses SET status = 'submitted', submitted_on = '2026-12-01', updated_at = ? "
                     "WHERE item_id = 'govuk:late'", [at(1, month=12)])
    database.conn.commit()
    assert [m.item.id for m in build_briefing(database, "2026-W51", None, "").missed] == ["govuk:closed"]


def test_overdue_is_one_list_in_the_briefing_the_saved_query_and_the_dossier(database):
    """A consultation closed by its date is closed whatever the last crawl said; overdue 12 weeks after."""
    now = datetime(2026, 12, 7, 7, 30, tzinfo=UTC)
    for ident, closes, status in [("stale-open", "2024-06-09", "open"),  # the crawl still said open
                                  ("closed", "2026-07-01", "closed"), ("recent", "2026-10-01", "closed"),
                                  ("answered", "2026-05-01", "outcome"), ("withdrawn", "2026-05-01", "withdrawn")]:
        fraud_item(database, consultation(ident, ident, closes, status=status), at(1, month=10))
    upsert_item(database, consultation("irrelevant", "irrelevant", "2026-05-01", status="closed"), now=at(1, month=10))
    # items.relevant as classification and review leave it (the saved query reads it).
    database.execute("UPDATE items SET relevant = (id != 'govuk:irrelevant')")
    database.conn.commit()
    briefing = {o.item.id for o in build_briefing(database, None, now, "").overdue}
    install_clock(database.conn, now)  # the saved query's tracker_now() reads the test's moment
    query = {row[0] for row in database.execute(metadata.QUERIES_SQL["responses_overdue"]["sql"])}
    pages = {item_id for (item_id,) in database.execute("SELECT id FROM items WHERE relevant = 1")
             if dossier.load(database.conn, item_id, include_responses=False, now=now)["item"]["overdue"]}
    assert briefing == query == pages == {"govuk:stale-open", "govuk:closed"}
    assert dossier.load(database.conn, "govuk:stale-open", False, now=now)["item"]["state"] == (
        "closed, awaiting the government's response")
