"""The Hansard spider through real Scrapy downloads against a local server: searches, paging, incremental window,
and failures (a search that errs or times out: partial, the URL named, nothing stored lost)."""
from __future__ import annotations

import json
import re

import pytest

from tracker import crawl as crawl_mod

from .helpers.spiders import FAST, stored
from .helpers.spiders.hansard import CLOCK, EMPTY, PAGE, SINCE, path, serve_searches
from scrapers.parsers import hansard as parser

EXT_ID = "D64F73B6-9913-40E0-BF78-A4C9B6C4D40B"


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl(["hansard"], db_path, base_urls={"hansard": server.url}, since=SINCE,
                               clock=kwargs.pop("clock", CLOCK), settings={**FAST, **kwargs.pop("settings", {})},
                               **kwargs)
    return result


def searched(server, since: int = 0) -> list[str]:
    return [p for p in server.requests[since:] if p.startswith("/search/")]


def test_crawl_runs_each_phrase_once_and_stores_one_item_per_debate(server, db_path, database):
    serve_searches(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert sorted(searched(server)) == sorted(path(p) for p in parser.SEARCH_PHRASES)
    item = database["items"].get(f"hansard:{EXT_ID}")
    assert (item["kind"], item["title"], item["published"]) == ("debate", "Financial Fraud and Economic Crime",
                                                                "2024-09-11")
    [contribution] = json.loads(item["details"])["contributions"]
    assert contribution["attributed_to"] == "Chris Coghlan (Dorking and Horley) (LD)"
    assert database["runs"].get(result.run_id)["watermark"] == "2024-09-12"


def test_next_crawl_searches_from_a_few_days_before_the_watermark(server, db_path, database):
    serve_searches(server)
    run(server, db_path)
    serve_searches(server, "2024-09-09", "2024-09-20")
    before = len(server.requests)
    result = run(server, db_path, clock="2024-09-20T06:00:00+01:00")
    assert result.status == "ok"
    assert sorted(searched(server, before)) == sorted(path(p, 0, "2024-09-09", "2024-09-20")
                                                      for p in parser.SEARCH_PHRASES)
    assert database["item_versions"].count == 0


def test_results_over_several_pages_are_all_read(server, db_path, database):
    serve_searches(server)
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    [found] = page["Results"]
    # Test data: the same debate's contribution found again on a second page, by another speaker.
    other = {**found, "MemberName": "A second speaker", "AttributedTo": "A second speaker",
             "ContributionText": "A second contribution on economic crime."}
    server.add(path("economic crime", 0), json.dumps({**page, "TotalResultCount": 2}))
    server.add(path("economic crime", 1), json.dumps({**page, "Results": [other], "TotalResultCount": 2}))
    assert run(server, db_path).status == "ok"
    details = json.loads(database["items"].get(f"hansard:{EXT_ID}")["details"])
    assert [c["speaker"] for c in details["contributions"]] == ["A second speaker", "Chris Coghlan"]


def test_page_cap_ends_the_run_partial_and_keeps_the_watermark(server, db_path, database):
    serve_searches(server)
    page = json.loads(PAGE.read_text(encoding="utf-8"))
    server.add(path("economic crime", 0), json.dumps({**page, "TotalResultCount": 5}))
    result = run(server, db_path, settings={"HANSARD_MAX_PAGES": 1})
    assert result.status == "partial" and "stopped after 1 pages" in result.message
    assert database["items"].count == 1  # what was read is kept
    assert database["runs"].get(result.run_id)["watermark"] is None


@pytest.mark.parametrize("route, message", [
    ({"status": 500, "body": "boom"}, "HTTP 500"),
    ({"delay": 3.0, "body": "{}"}, "timed out|took longer|Timeout"),
    ({"body": '{"Results": [{"DebateSectionExtId"', "content_type": "application/json"}, "malformed JSON"),
    ({"body": '{"results": []}'}, "required field 'Results'"),
])
def test_a_failed_search_is_partial_names_its_url_and_loses_nothing(server, db_path, database, route, message):
    serve_searches(server)
    assert run(server, db_path).status == "ok"
    before = stored(database)
    failing = path("money laundering")
    server.add(failing, route.pop("body"), **route)
    result = run(server, db_path, full=True)
    assert result.status == "partial", result
    # The run record shortens long URLs (the log keeps them whole): the phrase names the search.
    assert f"search for 'money laundering' {server.url}/search/contributions/Spoken.json?" in result.message
    assert re.search(message, result.message), result.message
    assert stored(database) == before
    assert database["runs"].get(result.run_id)["watermark"] is None
    # The searches after the failed one still ran.
    assert path("corporate criminal liability") in server.requests[-3:]


def test_every_search_failing_fails_the_run(server, db_path, database):
    serve_searches(server)
    assert run(server, db_path).status == "ok"
    before = stored(database)
    for phrase in parser.SEARCH_PHRASES:
        server.add(path(phrase), "<html>Maintenance</html>", content_type="text/html")
    result = run(server, db_path, full=True)
    assert result.status == "failed" and "expected JSON" in result.message
    assert stored(database) == before


def test_unreachable_source_fails_clearly(db_path, database):
    [result] = crawl_mod.crawl(["hansard"], db_path, base_urls={"hansard": "http://127.0.0.1:9"}, settings=FAST)
    assert result.status == "failed" and result.unreachable


def test_snapshot_replay_notes_the_searches_it_does_not_hold(db_path, database):
    from tracker.cli import BUNDLED_SNAPSHOT
    [result] = crawl_mod.crawl(["hansard"], db_path, snapshot=str(BUNDLED_SNAPSHOT),
                               clock="2026-09-14T05:30:00+00:00", settings=FAST)
    assert (result.status, result.message) == ("ok", None)
    notes = database["runs"].get(result.run_id)["notes"]
    assert notes.startswith("hansard: 11 searches are not in the snapshot and were not replayed: 'failure to prevent")
    assert [r["id"] for r in database.query("select id from items")] == [f"hansard:{EXT_ID}"]
