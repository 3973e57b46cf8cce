"""The What's On calendar spider through real Scrapy downloads against a local server: both windows read, only
bill business and evidence sessions stored, a moved or cancelled event updating its item and its calendar row
(same uid), an event naming a tracked bill filed under that bill, and failures that lose nothing."""
from __future__ import annotations

import json

from scrapers.failures import short_url
from tracker import crawl as crawl_mod
from tracker.contract import TrackedItem
from tracker.store import calendar
from tracker.store.items import upsert_item

from .helpers.spiders import FAST, stored
from .helpers.spiders.parliament_calendar import CLOCK, FIRST, SECOND, events, serve

SOURCE = "parliament-calendar"


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl([SOURCE], db_path, base_urls={SOURCE: server.url}, clock=kwargs.pop("clock", CLOCK),
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def calendar_row(database, uid: str) -> dict:
    return database["calendar_events"].get(uid)


def test_crawl_reads_both_windows_and_keeps_bill_business_and_evidence_sessions(server, db_path, database):
    serve(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert sorted(p for p in server.requests if p != "/robots.txt") == sorted([FIRST, SECOND])
    kinds = {r["id"]: json.loads(r["details"])["event"] for r in database.query("select id, details from items")}
    assert len([k for k in kinds if k]) == 16 + 7  # 21 March: 16 kept of 55; 18 April: 7 of 18
    assert kinds["whatson:14880"] == "bill stage" and kinds["whatson:14745"] == "committee sitting"
    assert {r["source"] for r in database.query("select source from items")} == {SOURCE}
    calendar.sync(database.conn)
    row = calendar_row(database, "whatson:14745")
    assert (row["kind"], row["starts"], row["house"], row["committee_id"], row["item_id"], row["cancelled"]) == (
        "committee sitting", "2017-03-21T09:45:00+00:00", "Commons", 26, "whatson:14745", 0)
    assert calendar_row(database, "whatson:14880")["kind"] == "bill stage"


def test_a_moved_then_cancelled_event_updates_its_item_and_calendar_row(server, db_path, database):
    serve(server)
    assert run(server, db_path).status == "ok"
    calendar.sync(database.conn, now="2017-03-20T09:00:00+00:00")
    day = events("events_both_houses")
    justice = next(e for e in day if e["Id"] == 14745)
    justice["StartTime"] = "10:15"  # test value: the sitting moved
    serve(server, first=day)
    assert run(server, db_path).status == "ok"
    calendar.sync(database.conn, now="2017-03-20T10:00:00+00:00")
    item = database["items"].get("whatson:14745")
    assert item["version"] == 2 and json.loads(item["details"])["starts"] == "2017-03-21T10:15:00+00:00"
    row = calendar_row(database, "whatson:14745")
    assert (row["starts"], row["cancelled"]) == ("2017-03-21T10:15:00+00:00", 0)
    [old] = database.query("select data from calendar_event_versions where uid = 'whatson:14745'")
    assert json.loads(old["data"])["starts"] == "2017-03-21T09:45:00+00:00"
    justice["CancelledDate"] = "2017-03-20T00:00:00"  # test value: then cancelled
    serve(server, first=day)
    assert run(server, db_path).status == "ok"
    calendar.sync(database.conn, now="2017-03-20T11:00:00+00:00")
    assert database["items"].get("whatson:14745")["status"] == "cancelled"
    assert calendar_row(database, "whatson:14745")["cancelled"] == 1


def test_an_event_naming_a_tracked_bill_is_that_bills(server, db_path, database):
    upsert_item(database, TrackedItem(id="bill:3786", source="parliament-bills", kind="bill",
                                      title="Intellectual Property (Unjustified Threats) Bill [HL]",
                                      url="https://bills.parliament.uk/bills/3786"),  # a test record
                now="2017-03-01T09:00:00+00:00")
    day = events("events_both_houses")
    next(e for e in day if e["Id"] == 14880)["BillId"] = 3786  # test value: the 2026 API's field
    serve(server, first=day)
    assert run(server, db_path).status == "ok"
    calendar.sync(database.conn)
    row = calendar_row(database, "whatson:14880")
    assert (row["item_id"], row["bill_id"], row["reform_id"]) == ("bill:3786", 3786, "bill:3786")
    assert calendar_row(database, "whatson:14881")["item_id"] == "whatson:14881"  # no BillId: its own item


def test_a_renamed_field_fails_naming_the_url_and_keeps_rows(server, db_path, database):
    serve(server)
    assert run(server, db_path).status == "ok"
    before = stored(database)
    broken = [{("EventId" if k == "Id" else k): v for k, v in e.items()} for e in events("events_commons")]
    serve(server, second=broken)
    result = run(server, db_path)
    assert result.status in ("failed", "partial") and "has no field 'Id'" in result.message
    assert short_url(server.url + SECOND) in result.message
    assert stored(database) == before


def test_a_recess_with_no_business_is_an_ok_empty_run(server, db_path, database):
    serve(server, first=[], second=[])
    result = run(server, db_path)
    assert (result.status, database["items"].count) == ("ok", 0)
