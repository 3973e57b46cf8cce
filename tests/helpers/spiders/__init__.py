"""Each source served by a local server as its spider tests serve it (one module per spider, named as in
scrapers/spiders/), the fast crawl settings, and the listing-failure check every spider's tests run."""
from __future__ import annotations

import re
from typing import Callable

from tracker import crawl as crawl_mod

#: Settings that keep failure tests fast: short timeouts, few quick retries, no politeness delay.
FAST = {"DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.2,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}

# --- survive an HTTP error, a timeout and an unexpected page (committees, law-commission and
# sentencing-council tests parametrise over LISTING_FAILURES; one file per spider keeps each file fast) ----

LISTING_FAILURES = ("http-500", "timeout", "unexpected-page")


def stored(database) -> tuple[list[dict], int]:
    """Every items column but last_seen (a partial run still touches the items it saw), and the version count."""
    rows = [{k: v for k, v in row.items() if k != "last_seen"}
            for row in database.query("select * from items order by id")]
    return rows, database["item_versions"].count


def check_listing_failure(server, db_path, database, source: str, serve: Callable, failure: str,
                          unexpected: tuple[str, str, str]) -> None:
    """Crawl ok, break the listing `serve` returned, crawl again: failed or partial, URL named, rows kept."""
    listing = serve(server)
    [first] = crawl_mod.crawl([source], db_path, base_urls={source: server.url}, settings=FAST)
    assert first.status == "ok", first
    before = stored(database)
    assert before[0]
    if failure == "http-500":
        server.add(listing, "boom", status=500, content_type="text/plain")
        pattern = "HTTP 500"
    elif failure == "timeout":
        server.add(listing, server.routes[listing].body, delay=FAST["DOWNLOAD_TIMEOUT"] + 1.0)
        pattern = "timed out|took longer|Timeout"
    else:
        body, content_type, pattern = unexpected
        server.add(listing, body, content_type=content_type)
    [result] = crawl_mod.crawl([source], db_path, base_urls={source: server.url}, settings=FAST, full=True)
    assert result.status in ("failed", "partial"), result
    assert server.url + listing in result.message
    assert re.search(pattern, result.message), result.message
    assert stored(database) == before
    assert database["runs"].get(result.run_id)["watermark"] is None
