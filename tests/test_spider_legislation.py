"""The legislation.gov.uk spider through real Scrapy downloads against a local server."""
from __future__ import annotations

import json
import re

import pytest
from scrapy.settings import Settings

from scrapers.spiders.legislation import LegislationSpider
from tracker import crawl as crawl_mod

from .helpers import SNAPSHOT
from .helpers.spiders import FAST
from .helpers.spiders.legislation import DOCUMENTS, UKPGA_1, UKSI_1, UKSI_2, serve

ALL_ROWS = [
    ("legislation:ukpga/2006/37", "act", "revised", "Parliamentary Costs Act 2006", "2006-11-08"),
    ("legislation:ukpga/2023/56", "act", "enacted", "Economic Crime and Corporate Transparency Act 2023", "2023-10-26"),
    ("legislation:uksi/2017/1325", "statutory_instrument", "made",
     "The Terrorism Act 2000 (Proscribed Organisations) (Amendment) Order 2017", "2017-12-21"),
    ("legislation:uksi/2021/558", "statutory_instrument", "made",
     "The Capital Requirements Regulation (Amendment) (EU Exit) Regulations 2021", "2021-05-07"),
    ("legislation:uksi/2023/1206", "commencement_order", "made",
     "The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 1) Regulations 2023", "2023-11-13"),
    ("legislation:uksi/2026/852", "commencement_order", "made",
     "The Health and Social Care Act 2012 (Commencement No. 12) Order 2026", "2026-07-15"),
]


def run(server, db_path, since: str = "2000-01-01T00:00:00", **kwargs):
    [result] = crawl_mod.crawl(["legislation"], db_path, base_urls={"legislation": server.url}, since=since,
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def stored(database) -> list[tuple]:
    return [tuple(r.values()) for r in database.query("select id, kind, status, title, published from items order by id")]


def test_crawl_follows_next_links_and_stores_every_entry(server, db_path, database):
    serve(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert stored(database) == ALL_ROWS
    # rel="next" names www.legislation.gov.uk: the spider asked the configured base instead.
    assert server.requested("/uksi/data.feed") == [UKSI_1, UKSI_2]
    assert sorted(server.requested("/uksi/2")) == sorted(p for p in DOCUMENTS if p.startswith("/uksi/"))
    run_row = database["runs"].get(result.run_id)
    assert (run_row["inserted"], run_row["watermark"]) == (6, "2026-07-15T01:00:00+01:00")
    links = [(r["from_id"], r["to_id"], r["relation"]) for r in database.query("select * from links order by from_id")]
    assert links == [("legislation:uksi/2023/1206", "legislation:ukpga/2023/56", "commences"),
                     ("legislation:uksi/2026/852", "legislation:ukpga/2012/7", "commences")]
    details = json.loads(database["items"].get("legislation:uksi/2026/852")["details"])
    assert details["commences"] == [{"provision": "section 208 of the Health and Social Care Act 2012, "
                                                  "in so far as it is not already in force", "date": "2026-10-01"}]


def test_second_crawl_stops_at_watermark_and_writes_nothing(server, db_path, database):
    serve(server)
    run(server, db_path)
    before = len(server.requests)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    # Feeds date entries by day: the watermark's own day is read again, nothing older.
    assert sorted(p for p in server.requests[before:] if p != "/robots.txt") == sorted(
        [UKSI_1, UKPGA_1, "/uksi/2026/852/made/data.xml"])
    assert database["item_versions"].count == 0
    assert database["runs"].get(result.run_id)["watermark"] == "2026-07-15T01:00:00+01:00"


def test_since_and_page_cap_bound_the_first_crawl(server, db_path, database):
    serve(server)
    result = run(server, db_path, since="2023-12-01")
    assert (result.status, result.message) == ("ok", None)
    assert [r[0] for r in stored(database)] == ["legislation:uksi/2026/852"]
    assert UKSI_2 not in server.requests  # the floor was reached on page 1
    assert "/uksi/2023/1206/made/data.xml" not in server.requests

    before = len(server.requests)
    result = run(server, db_path, full=True, settings={"LEGISLATION_MAX_PAGES": 1})
    # Capped before the floor: what was read is stored, but the run is not ok, so the watermark stays.
    assert result.status == "partial"
    assert re.search(r"incomplete: the uksi feed stopped after 1 pages \(the page cap\) before reaching "
                     r"2000-01-01.*max_pages under \[sources.legislation\]", result.message), result.message
    assert UKSI_2 not in server.requests[before:]
    assert len(stored(database)) == 4
    assert database["runs"].get(result.run_id)["watermark"] is None

    result = run(server, db_path, full=True, source_options={"legislation": {"max_pages": 5}})
    assert (result.status, result.message) == ("ok", None)  # the config's max_pages lifts the cap
    assert UKSI_2 in server.requests

    result = run(server, db_path, source_options={"legislation": {"max_pages": "lots"}})
    assert result.status == "failed" and "max_pages (LEGISLATION_MAX_PAGES) must be a whole number" in result.message


@pytest.mark.parametrize("path, route, message", [
    ("/uksi/2021/558/made/data.xml", {"body": "not found", "status": 404, "content_type": "text/plain"},
     "legislation:uksi/2021/558: CLML .*/uksi/2021/558/made/data.xml: HTTP 404"),
    ("/uksi/2021/558/made/data.xml", {"body": "<Legislation xmlns='http://www.legislation.gov.uk/namespaces/legis"},
     "/uksi/2021/558/made/data.xml is not well-formed XML.*feed entry legislation:uksi/2021/558"),
    ("/uksi/2021/558/made/data.xml", {"body": "<html><body>Service unavailable</body></html>",
                                      "content_type": "text/html"}, "expected CLML <Legislation>"),
    (UKPGA_1, {"body": "<html><body>Maintenance</body></html>", "content_type": "text/html"},
     "feed .*/ukpga/data.feed.* expected an Atom <feed>"),
])
def test_one_broken_response_is_partial(server, db_path, database, path, route, message):
    serve(server)
    server.add(path, route.pop("body"), **route)
    result = run(server, db_path)
    assert result.status == "partial"
    assert re.search(message, result.message), result.message
    assert "legislation:uksi/2026/852" in [r[0] for r in stored(database)]
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_both_feeds_failing_fails_the_run(server, db_path, database):
    server.add(UKSI_1, "boom", status=500, content_type="text/plain")
    server.add(UKPGA_1, "<rss/>", content_type="application/xml")
    result = run(server, db_path)
    assert result.status == "failed"
    assert "HTTP 500" in result.message and "expected an Atom <feed>" in result.message
    assert database["items"].count == 0


def test_politeness_settings_yield_to_explicit_run_overrides():
    assert LegislationSpider.custom_settings == {"DOWNLOAD_DELAY": 0.5, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    untouched = Settings({"DOWNLOAD_DELAY": 0.5, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}, priority="project")
    LegislationSpider.update_settings(untouched)
    assert untouched.getpriority("DOWNLOAD_DELAY") == untouched.getpriority("CONCURRENT_REQUESTS_PER_DOMAIN") == 30
    overridden = Settings({"DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}, priority="project")
    LegislationSpider.update_settings(overridden)
    assert (overridden.getfloat("DOWNLOAD_DELAY"), overridden.getint("CONCURRENT_REQUESTS_PER_DOMAIN")) == (0, 8)


def test_replay_of_the_snapshot_stores_every_listed_document(db_path, database):
    manifest = json.loads((SNAPSHOT / "legislation" / "manifest.json").read_text(encoding="utf-8"))
    documents = [r for r in manifest["responses"] if re.fullmatch(r"/\w+/\d{4}/\d+/(made|enacted)/data\.xml", r["path"])]
    [result] = crawl_mod.crawl(["legislation"], db_path, snapshot=str(SNAPSHOT))
    assert (result.status, result.message) == ("ok", None)
    assert database["items"].count == len(documents) == 6
    assert stored(database) == ALL_ROWS
