"""The Sentencing Council spider through real Scrapy downloads against a local server, and snapshot replay.

What is served is described in tests/helpers/spiders/sentencing_council.py.
"""
from __future__ import annotations

import json

import pytest

from tracker import crawl as crawl_mod

from .helpers import SNAPSHOT
from .helpers.spiders import FAST, LISTING_FAILURES, check_listing_failure
from .helpers.spiders.sentencing_council import ANCILLARY, FEED, IMPOSITION, PAGES, serve_sentencing

ROW_KEYS = "id, source, kind, title, url, organisation, status, published, opens, closes, version"


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl(["sentencing-council"], db_path, base_urls={"sentencing-council": server.url},
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def key_rows(database) -> list[dict]:
    return list(database.query(f"select {ROW_KEYS} from items order by id"))


def expected(base: str) -> list[dict]:
    common = {"source": "sentencing-council", "kind": "sentencing_consultation",
              "organisation": "Sentencing Council", "opens": None, "version": 1}
    return [
        {"id": "sentencing:ancillary-orders-consultation", **common, "title": "Ancillary Orders Consultation",
         "url": base + ANCILLARY, "status": "open", "published": "2024-09-11", "closes": "2024-12-04"},
        {"id": "sentencing:imposition-of-community-and-custodial-sentences-guideline-revised-consultation",
         **common, "title": "Imposition of community and custodial sentences guideline consultation",
         "url": base + IMPOSITION, "status": "closed", "published": "2023-11-29", "closes": "2024-02-21"},
    ]


def test_crawl_stores_the_feeds_consultations(server, db_path, database):
    serve_sentencing(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert key_rows(database) == expected(server.url)
    # News entries are not fetched; consultation links are rebuilt on the configured base.
    assert sorted(p for p in server.requests if p != "/robots.txt") == sorted([FEED, ANCILLARY, IMPOSITION])


def test_second_identical_crawl_writes_no_version(server, db_path, database):
    serve_sentencing(server)
    run(server, db_path)
    result = run(server, db_path)
    assert result.status == "ok"
    assert database["runs"].get(result.run_id)["unchanged"] == 2
    assert database["item_versions"].count == 0
    assert key_rows(database) == expected(server.url)


def test_consultation_closing_is_versioned(server, db_path, database):
    serve_sentencing(server)
    run(server, db_path)
    page = (PAGES / "consultation_ancillary-orders-consultation.html").read_bytes()
    serve_sentencing(server, page.replace(b"The consultation closes on", b"The consultation closed on"))
    assert run(server, db_path).status == "ok"
    [version] = database.query("select item_id, changed_fields from item_versions")
    assert version["item_id"] == "sentencing:ancillary-orders-consultation"
    assert set(json.loads(version["changed_fields"])) == {"status", "body_text", "details"}
    assert database["items"].get("sentencing:ancillary-orders-consultation")["status"] == "closed"


def test_page_without_closing_sentence_is_partial(server, db_path, database):
    serve_sentencing(server)
    server.add_file(IMPOSITION, PAGES / "consultation_imposition-revised-consultation_2023-open.html",
                    content_type="text/html")
    result = run(server, db_path)
    assert result.status == "partial"
    assert "no 'The consultation closes/closed on <date>' sentence" in result.message
    assert server.url + IMPOSITION in result.message
    assert [r["id"] for r in key_rows(database)] == ["sentencing:ancillary-orders-consultation"]


def test_feed_without_items_fails(server, db_path, database):
    server.add(FEED, '<?xml version="1.0"?><rss version="2.0"><channel><title>Sentencing Council</title>'
                     "</channel></rss>", content_type="application/rss+xml")
    result = run(server, db_path)
    assert result.status == "failed"
    assert result.message == f"sentencing-council: {server.url}{FEED}: feed has no <item>"


def test_feed_without_consultations_is_ok_and_empty(server, db_path, database):
    server.add_file(FEED, PAGES / "feed.xml", content_type="application/rss+xml")
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert database["items"].count == 0


def test_snapshot_replay_is_ok(db_path, database):
    [result] = crawl_mod.crawl(["sentencing-council"], db_path, snapshot=str(SNAPSHOT))
    assert (result.status, result.message) == ("ok", None)
    assert key_rows(database) == expected("https://www.sentencingcouncil.org.uk")


@pytest.mark.parametrize("failure", LISTING_FAILURES)
def test_survives_feed_failure(server, db_path, database, failure):
    check_listing_failure(server, db_path, database, "sentencing-council", serve_sentencing, failure,
                          unexpected=("<html><body><h1>Maintenance</h1></body></html>", "text/html",
                                      r"not an RSS 2\.0 document \(root <html>\)"))
