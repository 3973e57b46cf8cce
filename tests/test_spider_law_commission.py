"""The Law Commission spider through real Scrapy downloads against a local server, and snapshot replay.

Pages are the re-expressed real pages in tests/fixtures/law-commission/ (see SOURCES.md there); the REST
listings are assembled per test in the WordPress post shape.
"""
from __future__ import annotations

import json

import pytest

from tracker import crawl as crawl_mod

from .helpers import SNAPSHOT
from .helpers.spiders import FAST, LISTING_FAILURES, check_listing_failure
from .helpers.spiders.law_commission import LIST, PROJECT_PAGE, TITLES, serve_lawcom

ROW_KEYS = "id, source, kind, title, url, organisation, status, opens, closes, version"


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl(["law-commission"], db_path, base_urls={"law-commission": server.url},
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def key_rows(database) -> list[dict]:
    return list(database.query(f"select {ROW_KEYS} from items order by id"))


def expected(base: str) -> list[dict]:
    common = {"source": "law-commission", "organisation": "Law Commission", "version": 1}
    return [
        {"id": "lawcom:corporate-criminal-liability", **common, "kind": "law_commission_project",
         "title": "Corporate Criminal Liability", "url": f"{base}/project/corporate-criminal-liability/",
         "status": "Policy development", "opens": None, "closes": None},
        {"id": "lawcom:product-liability", **common, "kind": "law_commission_project",
         "title": "Product liability", "url": f"{base}/project/product-liability/",
         "status": None, "opens": None, "closes": None},
        {"id": "lawcom:search-warrants", **common, "kind": "law_commission_consultation",
         "title": "Search Warrants", "url": f"{base}/project/search-warrants/",
         "status": "Consultation", "opens": "2018-06-05", "closes": "2018-09-05"},
    ]


def test_crawl_lists_pages_and_stores_projects(server, db_path, database):
    serve_lawcom(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)  # publication's 404 is a note, not a failure
    assert key_rows(database) == expected(server.url)
    assert LIST.format(type="publication", page=1) in server.requests
    assert server.requested("/project/corporate-criminal-liability/") == [
        "/project/corporate-criminal-liability/"]  # listed and linked from news, fetched once
    run_row = database["runs"].get(result.run_id)
    assert (run_row["inserted"], run_row["watermark"]) == (3, "2025-03-01T10:00:00+00:00")
    # The 404 is kept in the run record as a note, where `status` and the source health query show it.
    assert run_row["notes"] == (f"law-commission: REST type 'publication' not exposed: "
                                f"{server.url}{LIST.format(type='publication', page=1)}: HTTP 404")


def test_second_crawl_stops_at_watermark_and_writes_nothing(server, db_path, database):
    serve_lawcom(server)
    run(server, db_path)
    before = len(server.requests)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    # Only the news post (no modified date) still leads to a page; nothing changed, so no version.
    assert sorted(p for p in server.requests[before:] if p != "/robots.txt") == sorted([
        LIST.format(type="project", page=1), LIST.format(type="news", page=1),
        LIST.format(type="publication", page=1), "/project/corporate-criminal-liability/"])
    assert database["item_versions"].count == 0
    assert key_rows(database) == expected(server.url)


def test_identical_full_crawl_writes_no_version(server, db_path, database):
    serve_lawcom(server)
    run(server, db_path)
    result = run(server, db_path, full=True)
    assert result.status == "ok"
    assert database["runs"].get(result.run_id)["unchanged"] == 3
    assert database["item_versions"].count == 0


def test_changed_project_is_versioned(server, db_path, database):
    serve_lawcom(server)
    run(server, db_path)
    serve_lawcom(server, sw_page="project_search-warrants.html", sw_modified="2025-06-01T09:00:00")
    result = run(server, db_path)
    assert result.status == "ok"
    [version] = database.query("select item_id, changed_fields from item_versions")
    assert version["item_id"] == "lawcom:search-warrants"
    assert set(json.loads(version["changed_fields"])) >= {"status", "kind", "opens", "closes", "details"}
    row = database["items"].get("lawcom:search-warrants")
    assert (row["status"], row["kind"], row["version"]) == ("Reported", "law_commission_project", 2)
    assert database["runs"].get(result.run_id)["watermark"] == "2025-06-01T10:00:00+01:00"  # London time


def test_project_page_without_structure_is_partial(server, db_path, database):
    serve_lawcom(server)
    server.add(PROJECT_PAGE.format(slug="product-liability"), "<html><body><p>Page not found</p></body></html>",
               content_type="text/html")
    result = run(server, db_path)
    assert result.status == "partial"
    assert "no <h1> title" in result.message and f"{server.url}/project/product-liability/" in result.message
    assert [r["id"] for r in key_rows(database)] == ["lawcom:corporate-criminal-liability", "lawcom:search-warrants"]
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_no_rest_type_exposed_fails_naming_the_urls(server, db_path, database):
    result = run(server, db_path)
    assert result.status == "failed"
    assert "no REST listing served" in result.message
    for post_type in ("project", "news", "publication"):
        assert f"{server.url}{LIST.format(type=post_type, page=1)}: HTTP 404" in result.message


def test_snapshot_replay_is_ok(db_path, database):
    [result] = crawl_mod.crawl(["law-commission"], db_path, snapshot=str(SNAPSHOT))
    assert (result.status, result.message) == ("ok", None)
    rows = key_rows(database)
    assert [(r["id"], r["status"]) for r in rows] == [("lawcom:corporate-criminal-liability", "Policy development"),
                                                     ("lawcom:product-liability", None),
                                                     ("lawcom:search-warrants", "Reported")]
    assert {r["url"] for r in rows} == {f"https://lawcom.gov.uk/project/{slug}/" for slug in TITLES}


@pytest.mark.parametrize("failure", LISTING_FAILURES)
def test_survives_project_listing_failure(server, db_path, database, failure):
    check_listing_failure(server, db_path, database, "law-commission", serve_lawcom, failure,
                          unexpected=("<html><body>Maintenance</body></html>", "text/html", "expected JSON"))
