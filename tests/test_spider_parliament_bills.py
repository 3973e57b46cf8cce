"""The Bills spider through real Scrapy downloads against a local server: success, incremental, failures."""
from __future__ import annotations

import json
import re

import pytest

from tracker import crawl as crawl_mod

from .helpers.spiders import FAST
from .helpers.spiders.parliament_bills import (DETAIL, LIST, amendment_detail, amendments_path, detail_path,
                                               recorded_amendments, serve_amendments, serve_bill)


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl(["parliament-bills"], db_path, base_urls={"parliament-bills": server.url},
                               since="2000-01-01T00:00:00", settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def rows(database):
    return list(database.query("select * from items order by id")), list(database.query("select * from bill_stages"))


def test_crawl_stores_bill_and_stages(server, db_path, database):
    serve_bill(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    item = database["items"].get("bill:2818")
    assert (item["title"], item["status"]) == ("Abolition of Business Rates Bill", "Commons: 2nd reading")
    assert [s["stage"] for s in database.query("select stage from bill_stages order by sort_order")] == [
        "1st reading", "2nd reading"]
    run_row = database["runs"].get(result.run_id)
    assert (run_row["inserted"], run_row["items_seen"], run_row["watermark"]) == (1, 1, "2021-05-04T10:42:08+01:00")
    assert "/robots.txt" in server.requests  # robots.txt obeyed


def test_second_crawl_stops_at_watermark_and_writes_nothing(server, db_path, database):
    serve_bill(server)
    run(server, db_path)
    before = len(server.requests)
    result = run(server, db_path)
    assert result.status == "ok"
    assert [p for p in server.requests[before:] if p != "/robots.txt"] == [LIST]
    assert database["item_versions"].count == 0


def test_changed_bill_is_versioned(server, db_path, database):
    detail = serve_bill(server)
    run(server, db_path)
    moved = {**detail, "lastUpdate": "2021-06-01T09:00:00",
             "currentStage": {**detail["currentStage"], "description": "Committee stage"}}
    serve_bill(server, moved)
    assert run(server, db_path).status == "ok"
    [version] = database.query("select changed_fields from item_versions")
    assert set(json.loads(version["changed_fields"])) >= {"status", "updated", "details"}
    assert database["items"].get("bill:2818")["status"] == "Commons: Committee stage"


@pytest.mark.parametrize("route, message", [
    ({"status": 500, "body": "boom"}, "HTTP 500"),
    ({"delay": 3.0, "body": "{}"}, "timed out|took longer|Timeout"),
    ({"body": '{"items": [{"billId": 2818, "shortT', "content_type": "application/json"}, "malformed JSON"),
    ({"body": "<html><body>Maintenance</body></html>", "content_type": "text/html"}, "expected JSON"),
    ({"body": '{"results": []}'}, "required field 'items'"),
])
def test_list_failure_fails_run_and_keeps_rows(server, db_path, database, route, message):
    serve_bill(server)
    run(server, db_path)
    before = rows(database)
    server.add(LIST, route.pop("body"), **route)
    result = run(server, db_path, full=True)
    assert result.status == "failed"
    assert result.message and __import__("re").search(message, result.message), result.message
    # Only a host that never answered is "unreachable" (the network's fault); a bad answer is the source's.
    assert result.unreachable is ("delay" in route)
    assert rows(database) == before


def test_truncated_body_connection_cut(server, db_path, database):
    detail = serve_bill(server)
    body = json.dumps(detail).encode()
    server.add(DETAIL, body, cut_after=len(body) // 2)
    result = run(server, db_path)
    assert result.status == "failed"
    assert "bills-api" not in result.message and DETAIL in result.message
    assert database["items"].count == 0


def test_detail_failure_of_one_bill_is_partial(server, db_path, database):
    detail = serve_bill(server)
    other = {**detail, "billId": 9999, "shortTitle": "Other Bill"}
    page = {"items": [{k: d[k] for k in ("billId", "shortTitle", "lastUpdate")} for d in (detail, other)],
            "totalResults": 2, "itemsPerPage": 25}
    server.add(LIST, json.dumps(page))
    server.add("/api/v1/Bills/9999", "oops", status=500)
    result = run(server, db_path)
    assert result.status == "partial"
    assert "/api/v1/Bills/9999" in result.message
    assert database["items"].count == 1
    assert database["runs"].get(result.run_id)["watermark"] is None  # a partial run never moves the watermark


def test_unreachable_source_fails_clearly(db_path, database):
    [result] = crawl_mod.crawl(["parliament-bills"], db_path, base_urls={"parliament-bills": "http://127.0.0.1:9"},
                               settings=FAST)
    assert result.status == "failed" and result.unreachable
    assert "Connection was refused" in result.message or "refused" in result.message.lower()


# --- amendments ---------------------------------------------------------------------------------------------

def amendment_rows(database):
    return (list(database.query("select * from amendments order by amendment_id")),
            list(database.query("select * from amendment_versions order by id")))


def test_amendments_of_each_stage_are_stored_across_pages(server, db_path, database):
    serve_bill(server)
    serve_amendments(server, recorded_amendments(), per_page=4)
    result = run(server, db_path, clock="2026-09-14T05:30:00+00:00")
    assert (result.status, result.message) == ("ok", None)
    assert amendments_path(12655, 4) in server.requests  # the second page was asked for
    assert amendments_path(12654) in server.requests  # every stage is asked (1st reading answered 404)
    rows, versions = amendment_rows(database)
    assert [(r["number"], r["item_id"], r["bill_stage_id"], r["decision"]) for r in rows] == [
        ("1", "bill:2818", 12655, "NoDecision"), ("6", "bill:2818", 12655, "NoDecision"),
        ("2", "bill:2818", 12655, "NoDecision"), ("5", "bill:2818", 12655, "NoDecision"),
        ("3", "bill:2818", 12655, "NoDecision"), ("4", "bill:2818", 12655, "NoDecision")]
    assert json.loads(rows[0]["sponsors"]) == [{"house": "Commons", "lead": True, "member_id": 242,
                                                "name": "Sir Christopher Chope", "party": "Conservative"}]
    assert (rows[0]["first_seen"], rows[0]["decision_seen"], versions) == ("2026-09-14T05:30:00+00:00", None, [])


def test_changed_decision_is_kept_with_its_history(server, db_path, database):
    serve_bill(server)
    amendments = recorded_amendments()
    serve_amendments(server, amendments)
    assert run(server, db_path, clock="2026-09-07T05:30:00+00:00").status == "ok"
    # Test data: the next crawl finds amendment 1 negatived (a decision the recorded file does not hold).
    amendments[0] = {**amendments[0], "decision": "NegativedOnDivision",
                     "decisionExplanation": "The House has divided on this amendment and disagreed to it."}
    serve_amendments(server, amendments)
    result = run(server, db_path, full=True, clock="2026-09-14T05:30:00+00:00")
    assert result.status == "ok"
    rows, versions = amendment_rows(database)
    changed = rows[0]
    assert (changed["amendment_id"], changed["decision"], changed["version"], changed["decision_seen"],
            changed["first_seen"]) == (10025364, "NegativedOnDivision", 2, "2026-09-14T05:30:00+00:00",
                                       "2026-09-07T05:30:00+00:00")
    [version] = versions
    assert (version["amendment_id"], version["version"], version["valid_from"], version["valid_to"]) == (
        10025364, 1, "2026-09-07T05:30:00+00:00", "2026-09-14T05:30:00+00:00")
    assert json.loads(version["changed_fields"]) == ["decision", "decision_explanation"]
    assert json.loads(version["data"])["decision"] == "NoDecision"
    assert all(r["version"] == 1 for r in rows[1:])


@pytest.mark.parametrize("route, message", [
    ({"status": 500, "body": "boom"}, "HTTP 500"),
    ({"delay": 3.0, "body": "{}"}, "timed out|took longer|Timeout"),
    ({"body": '{"items": [{"amendmentId": 1', "content_type": "application/json"}, "malformed JSON"),
    ({"body": '{"items": [{"amendmentId": 1}], "totalResults": 1}'}, "required field 'decision'"),
])
def test_amendments_failure_is_partial_and_keeps_what_is_stored(server, db_path, database, route, message):
    serve_bill(server)
    serve_amendments(server, recorded_amendments())
    assert run(server, db_path).status == "ok"
    before = amendment_rows(database)
    server.add(amendments_path(12655), route.pop("body"), **route)
    result = run(server, db_path, full=True)
    assert result.status == "partial"
    assert amendments_path(12655) in result.message
    assert re.search(message, result.message), result.message
    assert amendment_rows(database)[0] == [{**row, "last_seen": row["last_seen"]} for row in before[0]]
    assert amendment_rows(database)[1] == before[1] == []
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_bill_classified_not_relevant_has_no_amendments_fetched(server, db_path, database):
    serve_bill(server)
    serve_amendments(server, recorded_amendments())
    assert run(server, db_path).status == "ok"
    database.execute("insert into classifications (item_id, relevant, score, method, version, content_hash, "
                     "classified_at) values ('bill:2818', 0, 0, 'rules', 't', 'x', '2026-01-01')")
    database.conn.commit()
    before = len(server.requests)
    assert run(server, db_path, full=True).status == "ok"
    assert not [p for p in server.requests[before:] if "/Amendments" in p]


def test_explanatory_text_is_read_once_from_the_detail_and_kept(server, db_path, database):
    serve_bill(server)
    amendments = recorded_amendments()
    serve_amendments(server, amendments)
    # Test data: amendment 6's detail carries an explanatory statement (the recorded listing has none).
    server.add(detail_path(10025365), json.dumps(amendment_detail(
        amendments[5], "<p>This amendment would bring the Act into force two months after it is passed.</p>")))
    assert run(server, db_path, clock="2026-09-07T05:30:00+00:00").status == "ok"
    row = database["amendments"].get(10025365)
    assert row["explanatory_text"] == "This amendment would bring the Act into force two months after it is passed."
    assert row["detail_read"] == "2026-09-07T05:30:00+00:00"
    before = len(server.requests)
    assert run(server, db_path, full=True, clock="2026-09-14T05:30:00+00:00").status == "ok"
    # Every detail was read once: the second crawl lists the amendments and keeps the text it does not list.
    assert not [p for p in server.requests[before:] if re.search(r"/Amendments/\d+$", p)]
    row = database["amendments"].get(10025365)
    assert (row["explanatory_text"], row["version"]) == (
        "This amendment would bring the Act into force two months after it is passed.", 1)


def test_missing_detail_stores_the_listed_amendment_and_is_partial(server, db_path, database):
    serve_bill(server)
    serve_amendments(server, recorded_amendments())
    server.add(detail_path(10025364), "gone", status=404, content_type="text/plain")
    result = run(server, db_path)
    assert result.status == "partial" and detail_path(10025364) in result.message and "HTTP 404" in result.message
    assert database["amendments"].count == 6
    assert database["amendments"].get(10025364)["detail_read"] is None  # asked again next time
    assert database["runs"].get(result.run_id)["watermark"] is None
