"""The statutory instruments spider through real Scrapy downloads against local servers: the listing with
paging, each instrument's detail and business items, the What's On period end, and faults (nothing lost)."""
from __future__ import annotations

import json
import re

import pytest

from tracker import crawl as crawl_mod

from .helpers.http import LocalServer
from .helpers.spiders import FAST, stored
from .helpers.spiders.statutory_instruments import (LIST, LIST_2, annulment_path, detail_path, load, serve,
                                                    with_ids)

SOURCE = "statutory-instruments"


def run(server, db_path, whats_on=None, **kwargs):
    base_urls = {SOURCE: server.url, **({"whats-on": whats_on.url} if whats_on else {})}
    [result] = crawl_mod.crawl([SOURCE], db_path, base_urls=base_urls, since="2000-01-01",
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def details_of(database, item_id):
    return json.loads(database["items"].get(item_id)["details"])


def test_crawl_stores_instruments_with_their_period_end(server, db_path, database):
    serve(server)
    result = run(server, db_path, whats_on=server)
    assert (result.status, result.message) == ("ok", None)
    assert [r["id"] for r in database.query("select id from items order by id")] == ["si:2017/1325", "si:2021/558"]
    negative = details_of(database, "si:2021/558")
    assert negative["scrutiny_period"] == {"ends": "praying period ends", "runs_from": "2021-05-10", "days": 40,
                                           "end_date": "2021-06-28"}
    assert details_of(database, "si:2017/1325")["scrutiny_period"] is None
    assert server.requested("/calendar/") == [annulment_path("2021-05-10")]  # only the negative asks
    link = database.execute("select to_id, relation from links where from_id = 'si:2021/558'").fetchall()
    assert link == [("legislation:uksi/2021/558", "same_reform")]
    run_row = database["runs"].get(result.run_id)
    assert (run_row["inserted"], run_row["watermark"]) == (2, "2021-05-10T00:00:00+01:00")


def test_whats_on_is_its_own_base_url(server, db_path, database):
    serve(server)
    with LocalServer() as whats_on:
        whats_on.add(annulment_path("2021-05-10"), json.dumps("2021-06-29T00:00:00"))  # constructed test value
        assert run(server, db_path, whats_on=whats_on).status == "ok"
        assert whats_on.requested("/calendar/") == [annulment_path("2021-05-10")]
    assert server.requested("/calendar/") == []
    assert details_of(database, "si:2021/558")["scrutiny_period"]["end_date"] == "2021-06-29"


def test_paging_reads_the_second_page(server, db_path, database):
    first = serve(server, total=3)
    later = with_ids(load("si_2017_1325_detail.json"), "tstPage2")
    later["value"].update(paperNumber=9999, name="A test instrument on page 2")  # test values
    page2 = {"items": [{"value": later["value"], "links": []}], "totalResults": 3, "itemsPerPage": 20}
    server.add(LIST_2.replace("Skip=20", f"Skip={len(first)}"), json.dumps(page2))
    server.add(detail_path("tstPage2"), json.dumps(later))
    server.add(detail_path("tstPage2") + "/BusinessItems", "[]")
    assert run(server, db_path, whats_on=server).status == "ok"
    assert database["items"].count == 3


def test_second_crawl_reads_only_instruments_within_the_lookback(server, db_path, database):
    serve(server)
    run(server, db_path, whats_on=server)
    before = len(server.requests)
    result = run(server, db_path, whats_on=server)
    assert result.status == "ok"
    # Watermark 2021-05-10 less 60 days is 2021-03-11: S.I. 2021/558 is read again, 2017/1325 is not.
    asked = [p for p in server.requests[before:] if p != "/robots.txt"]
    assert sorted(asked) == sorted([LIST, detail_path("tstSI558"), detail_path("tstSI558") + "/BusinessItems",
                                    annulment_path("2021-05-10")])
    assert database["item_versions"].count == 0  # unchanged: no new version


def test_moved_period_end_is_a_new_version_of_the_same_item(server, db_path, database):
    serve(server)
    run(server, db_path, whats_on=server)
    server.add(annulment_path("2021-05-10"), json.dumps("2021-07-05T00:00:00"))  # constructed: the date moves
    assert run(server, db_path, whats_on=server).status == "ok"
    assert details_of(database, "si:2021/558")["scrutiny_period"]["end_date"] == "2021-07-05"
    assert database["item_versions"].count == 1


@pytest.mark.parametrize("route, pattern", [
    ({"status": 500, "body": "down"}, "HTTP 500"),
    ({"delay": 3.0, "body": '"2021-06-28T00:00:00"'}, "timed out|took longer|Timeout"),
    ({"body": '{"date": "2021-06-28"}', "content_type": "application/json"}, "expected a date string"),
])
def test_whats_on_fault_is_partial_and_keeps_the_stored_instrument(server, db_path, database, route, pattern):
    serve(server)
    run(server, db_path, whats_on=server)
    before = stored(database)
    server.add(annulment_path("2021-05-10"), route.pop("body"), **route)
    result = run(server, db_path, whats_on=server, full=True)
    assert result.status == "partial", result
    assert annulment_path("2021-05-10").split("?")[0] in result.message
    assert re.search(pattern, result.message), result.message
    assert stored(database) == before  # the instrument keeps its stored period end
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_business_items_fault_is_partial(server, db_path, database):
    serve(server)
    server.add(detail_path("tstSI1325") + "/BusinessItems", "oops", status=500)
    result = run(server, db_path, whats_on=server)
    assert result.status == "partial"
    assert detail_path("tstSI1325") + "/BusinessItems" in result.message
    assert [r["id"] for r in database.query("select id from items")] == ["si:2021/558"]


def test_business_items_404_is_no_business(server, db_path, database):
    serve(server)
    server.add(detail_path("tstSI1325") + "/BusinessItems", "", status=404)
    assert run(server, db_path, whats_on=server).status == "ok"
    assert details_of(database, "si:2017/1325")["committee_reports"] == []


def test_renamed_field_in_detail_is_partial_naming_the_url(server, db_path, database):
    details = serve(server)
    broken = {"value": {k: v for k, v in details[1]["value"].items() if k != "name"} | {"title": "x"}}
    server.add(detail_path("tstSI1325"), json.dumps(broken))
    result = run(server, db_path, whats_on=server)
    assert result.status == "partial"
    assert "required field 'name' is missing" in result.message and detail_path("tstSI1325") in result.message
    assert database["items"].count == 1


@pytest.mark.parametrize("route, pattern", [
    ({"status": 500, "body": "boom", "content_type": "text/plain"}, "HTTP 500"),
    ({"delay": 3.0, "body": "{}"}, "timed out|took longer|Timeout"),
    ({"body": "<html><body>Maintenance</body></html>", "content_type": "text/html"}, "expected JSON"),
    ({"body": '{"results": [], "totalResults": 0}'}, "required field 'items' is missing"),
])
def test_listing_failure_fails_and_keeps_rows(server, db_path, database, route, pattern):
    serve(server)
    assert run(server, db_path, whats_on=server).status == "ok"
    before = stored(database)
    server.add(LIST, route.pop("body"), **route)
    result = run(server, db_path, whats_on=server, full=True)
    assert result.status == "failed", result
    assert server.url + LIST in result.message
    assert re.search(pattern, result.message), result.message
    assert stored(database) == before
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_source_down_fails_clearly(db_path, database):
    [result] = crawl_mod.crawl([SOURCE], db_path, base_urls={SOURCE: "http://127.0.0.1:9"}, settings=FAST)
    assert result.status == "failed" and result.unreachable
    assert "127.0.0.1:9" in result.message


def test_list_entry_without_id_is_stored_from_the_list(server, db_path, database):
    server.add(LIST, (load.__globals__["SIS"] / "si_list_page1.json").read_text())  # the re-expressed page
    result = run(server, db_path, whats_on=server)
    assert result.status == "ok"
    assert [r["id"] for r in database.query("select id from items order by id")] == ["si:2017/1325", "si:2021/558"]
    assert database["items"].get("si:2017/1325")["summary"] == "Draft affirmative procedure"
    assert server.requested("/api/v2/StatutoryInstrument/") == []  # no id, no detail to ask for
