"""The written statements spider through real Scrapy downloads against a local server: the listing (cut text ->
full record), paging, incremental by date, and failures that lose nothing stored."""
from __future__ import annotations

import json
import re

import pytest

from scrapers.failures import short_url
from tracker import crawl as crawl_mod

from .helpers.spiders import FAST, stored
from .helpers.spiders.written_questions import page
from .helpers.spiders.written_statements import cut, detail_path, listing_path, serve_statements, statement

SOURCE = "written-statements"


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl([SOURCE], db_path, base_urls={SOURCE: server.url},
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def test_cut_statement_is_fetched_in_full_and_stored_as_clean_text(server, db_path, database):
    serve_statements(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert server.requested("/api/writtenstatements/statements/") == [detail_path(9000001)]
    item = database["items"].get("wms:9000001")
    assert (item["title"], item["organisation"], item["published"], item["kind"]) == (
        "Public Sector Fraud Authority", "Cabinet Office", "2025-10-16", "written_statement")
    assert item["body_text"].endswith("The UK intends to license this technology internationally.")
    assert "<p>" not in item["body_text"] and len(item["body_text"]) > 255
    assert database["runs"].get(result.run_id)["watermark"] == "2025-10-16T00:00:00+01:00"


def test_second_crawl_reads_again_from_a_week_before_the_watermark(server, db_path, database):
    serve_statements(server)
    run(server, db_path)
    serve_statements(server, day="2025-10-09")
    before = len(server.requests)
    assert run(server, db_path).status == "ok"
    assert listing_path("2025-10-09") in server.requests[before:]
    assert database["item_versions"].count == 0


def test_listing_is_paged(server, db_path, database):
    full = statement()
    second = {**full, "id": 9000002, "uin": "PLACEHOLDER-2"}
    serve_statements(server)
    server.add(listing_path(), page([full], total=2))
    server.add(listing_path(skip=1), page([second], total=2))
    assert run(server, db_path).status == "ok"
    assert [r["id"] for r in database.query("select id from items order by id")] == ["wms:9000001", "wms:9000002"]


def test_missing_full_record_names_its_url_and_loses_nothing(server, db_path, database):
    serve_statements(server)
    run(server, db_path)
    before = stored(database)
    server.routes.pop(detail_path(9000001))
    result = run(server, db_path, full=True)
    assert result.status in ("partial", "failed")
    assert server.url + detail_path(9000001) in result.message and "HTTP 404" in result.message
    assert stored(database) == before


@pytest.mark.parametrize("route, pattern", [
    ({"body": "boom", "status": 500, "content_type": "text/plain"}, "HTTP 500"),
    ({"body": page([]), "delay": FAST["DOWNLOAD_TIMEOUT"] + 1.0}, "timed out|took longer|Timeout"),
    ({"body": "<html><body>Service unavailable</body></html>", "content_type": "text/html"}, "expected JSON"),
    ({"body": json.dumps({"totalResults": 1, "results": [{"value": {
        ("body" if k == "text" else k): v for k, v in cut(statement()).items()}}]})}, "no field 'text'"),
], ids=["http-500", "timeout", "unexpected-page", "renamed-field"])
def test_listing_failure_fails_and_keeps_rows(server, db_path, database, route, pattern):
    listing = serve_statements(server)
    assert run(server, db_path).status == "ok"
    before = stored(database)
    server.add(listing, route.pop("body"), **route)
    result = run(server, db_path, full=True)
    assert result.status in ("failed", "partial"), result
    assert short_url(server.url + listing) in result.message and "madeWhenFrom=2024-07-17" in result.message
    assert re.search(pattern, result.message), result.message
    assert stored(database) == before
    assert database["runs"].get(result.run_id)["watermark"] is None
