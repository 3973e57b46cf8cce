"""The Committees spider through real Scrapy downloads against a local server, and snapshot replay.

Payloads are real CommitteeBusinessSummary / Committee objects (see tests/helpers/spiders/committees.py),
served in list pages assembled per test.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import pytest

from tracker import crawl as crawl_mod
from tracker.briefing.build import build_briefing

from .helpers import SNAPSHOT
from .helpers.spiders import FAST, LISTING_FAILURES, check_listing_failure
from .helpers.spiders.committees import (COMMITTEES, DETAIL, OPEN_CALLS, OPEN_NEWEST, business, committees_file,
                                         page, serve_committees)

ROW_KEYS = "id, source, kind, title, url, organisation, status, opens, closes, version"


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl(["committees"], db_path, base_urls={"committees": server.url},
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def key_rows(database) -> list[dict]:
    return list(database.query(f"select {ROW_KEYS} from items order by id"))


EXPECTED = [
    {"id": "committees:8247", "source": "committees", "kind": "committee_inquiry",
     "title": "Support for women working in construction in Parliament",
     "url": "https://committees.parliament.uk/work/8247/", "organisation": "Administration Committee",
     "status": "closed", "opens": "2024-02-15T00:00:00+00:00", "closes": None, "version": 1},
    {"id": "committees:9437", "source": "committees", "kind": "committee_inquiry",
     "title": "General Election Planning", "url": "https://committees.parliament.uk/work/9437/",
     "organisation": "Administration Committee", "status": "evidence closed",
     "opens": "2025-11-11T00:00:00+00:00", "closes": None, "version": 1},
]


def test_crawl_pages_open_calls_and_stores_each_business_once(server, db_path, database):
    serve_committees(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert key_rows(database) == EXPECTED
    assert sorted(server.requested("/api/CommitteeBusiness?")) == sorted(
        [OPEN_CALLS.format(skip=0), OPEN_CALLS.format(skip=1), OPEN_NEWEST])
    assert server.requested(DETAIL.format(id=9437)) == [DETAIL.format(id=9437)]  # listed twice, fetched once
    run_row = database["runs"].get(result.run_id)
    assert (run_row["inserted"], run_row["items_seen"], run_row["watermark"]) == (2, 2, None)


def test_second_identical_crawl_writes_no_version(server, db_path, database):
    serve_committees(server)
    run(server, db_path)
    result = run(server, db_path)
    assert result.status == "ok"
    assert database["runs"].get(result.run_id)["unchanged"] == 2
    assert database["item_versions"].count == 0
    assert key_rows(database) == EXPECTED


def test_changed_business_is_versioned(server, db_path, database):
    serve_committees(server)
    run(server, db_path)
    serve_committees(server, {**business(9437), "closeDate": "2026-10-01T00:00:00"})
    assert run(server, db_path).status == "ok"
    [version] = database.query("select item_id, changed_fields from item_versions")
    assert version["item_id"] == "committees:9437"
    assert set(json.loads(version["changed_fields"])) == {"status", "details"}
    assert database["items"].get("committees:9437")["status"] == "closed"


def test_empty_open_calls_list_is_real_when_open_business_listed(server, db_path, database):
    serve_committees(server)
    server.add(OPEN_CALLS.format(skip=0), page())
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert [r["id"] for r in key_rows(database)] == ["committees:9437"]


def test_nothing_listed_anywhere_fails(server, db_path, database):
    server.add(OPEN_CALLS.format(skip=0), page())
    server.add(OPEN_NEWEST, page())
    result = run(server, db_path)
    assert (result.status, result.message) == ("failed", "no items where some were expected")


def test_list_without_items_array_fails_naming_the_url(server, db_path, database):
    server.add(OPEN_CALLS.format(skip=0), '{"results": []}')
    server.add(OPEN_NEWEST, '{"results": []}')
    result = run(server, db_path)
    assert result.status == "failed"
    assert f"{server.url}{OPEN_NEWEST} has no items array" in result.message


def test_committees_call_failing_is_partial(server, db_path, database):
    serve_committees(server)
    server.add(COMMITTEES.format(id=8247), "oops", status=500)
    result = run(server, db_path)
    assert result.status == "partial"
    assert COMMITTEES.format(id=8247) in result.message and "HTTP 500" in result.message
    assert [r["id"] for r in key_rows(database)] == ["committees:9437"]


def test_snapshot_replay_is_ok(db_path, database):
    [result] = crawl_mod.crawl(["committees"], db_path, snapshot=str(SNAPSHOT))
    assert (result.status, result.message) == ("ok", None)
    # Two calls open in August 2026 (one with a deadline, one rolling) and a running inquiry taking none.
    assert key_rows(database) == [
        {"id": "committees:8885", "source": "committees", "kind": "committee_inquiry", "title": "Electronic voting",
         "url": "https://committees.parliament.uk/work/8885/", "organisation": "Procedure Committee",
         "status": "open for evidence", "opens": "2025-02-03T00:00:00+00:00", "closes": None, "version": 1},
        EXPECTED[1],
        {"id": "committees:9955", "source": "committees", "kind": "committee_inquiry",
         "title": "The Online Safety Act: implementation and impact", "url": "https://committees.parliament.uk/work/9955/",
         "organisation": "Communications and Digital Committee", "status": "open for evidence", "opens": None,
         "closes": "2026-09-21T16:00:00+01:00", "version": 1},
    ]
    rolling = json.loads(database["items"].get("committees:8885")["details"])
    assert rolling["rolling"] is True


@pytest.mark.parametrize("failure", LISTING_FAILURES)
def test_survives_open_calls_list_failure(server, db_path, database, failure):
    # The open-business list still serves, so the run is partial: the broken list is named, rows are kept.
    check_listing_failure(server, db_path, database, "committees", serve_committees, failure,
                          unexpected=("<html><body>Maintenance</body></html>", "text/html", "expected JSON"))


def serve_osa(server, detail: dict) -> None:
    """The Online Safety Act inquiry (business 9955) as the only open call."""
    server.add(OPEN_CALLS.format(skip=0), page(detail))
    server.add(OPEN_NEWEST, page())
    server.add(DETAIL.format(id=9955), json.dumps(detail))
    server.add_file(COMMITTEES.format(id=9955), committees_file(9955))


def test_an_extended_deadline_is_a_new_version_and_moves_in_the_briefing(server, db_path, database):
    """The real extension of submission period 3964: 2026-09-07 17:00, then 2026-09-21 16:00 (seen 2026-08-20)."""
    extended = business(9955)
    before = copy.deepcopy(extended)
    before["openSubmissionPeriods"][0]["endDate"] = "2026-09-07T17:00:00"
    serve_osa(server, before)
    assert run(server, db_path).status == "ok"
    assert database["items"].get("committees:9955")["closes"] == "2026-09-07T17:00:00+01:00"

    serve_osa(server, extended)
    assert run(server, db_path).status == "ok"
    item = database["items"].get("committees:9955")
    assert (item["closes"], item["version"]) == ("2026-09-21T16:00:00+01:00", 2)
    [version] = database.query("select changed_fields, data, valid_to from item_versions")
    assert "closes" in json.loads(version["changed_fields"])
    assert json.loads(version["data"])["closes"] == "2026-09-07T17:00:00+01:00"  # the old deadline is kept

    # The directorate follows it: a reviewer confirms a theme, and the week's briefing shows the move.
    database.execute("INSERT INTO item_priorities (item_id, priority_id, score, evidence, method, version, "
                     "review_state, created, updated, reviewed_at) VALUES ('committees:9955', 'child_exploitation', "
                     "1, '[]', 'review', 'v', 'confirmed', ?, ?, ?)", [version["valid_to"]] * 3)
    database.conn.commit()
    moved_at = datetime.fromisoformat(version["valid_to"])
    briefing = build_briefing(database, as_of=moved_at + timedelta(hours=1))
    [move] = [m for m in briefing.moved if m.item.id == "committees:9955"]
    assert (move.change, move.before, move.after) == ("Deadline moved", "7 Sep 2026", "21 Sep 2026")
