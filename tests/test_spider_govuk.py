"""The GOV.UK spider through real Scrapy downloads against a local server: listing, incremental, failures, replay."""
from __future__ import annotations

import copy
import json
import re

import pytest

from scrapers.parsers import govuk as parser
from scrapers.spiders.govuk import GovukSpider
from tracker import crawl as crawl_mod

from .helpers import SNAPSHOT
from .helpers.spiders import FAST
from .helpers.spiders.govuk import hit, load, search_path, serve, three_docs

ROW_FIELDS = "id, kind, status, title, url, organisation, published, updated, opens, closes"


def run(server, db_path, since: str = "2000-01-01T00:00:00", **kwargs):
    [result] = crawl_mod.crawl(["govuk"], db_path, base_urls={"govuk": server.url}, since=since,
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def stored(database) -> list[tuple]:
    return [tuple(r.values()) for r in database.query(f"select {ROW_FIELDS} from items order by id")]


def expected_row(doc: dict) -> tuple:
    item = parser.parse_content(doc, "u")
    return tuple(getattr(item, f.strip()) for f in ROW_FIELDS.split(","))


def test_crawl_stores_every_listed_document(server, db_path, database):
    docs = three_docs()
    serve(server, docs)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert stored(database) == sorted(expected_row(d) for d in docs)
    assert [(r["id"], r["kind"], r["status"]) for r in database.query("select * from items order by id")] == [
        ("govuk:1aa96aac-d978-4de2-b717-0f54acb33883", "consultation", "closed"),
        ("govuk:5f5cdf9d-7631-11e4-a3cb-005056011aef", "strategy", "published"),
        ("govuk:bc6eceb8-377e-40f8-911f-f715bc2e5b93", "consultation", "withdrawn"),  # kept, never deleted
    ]
    run_row = database["runs"].get(result.run_id)
    assert (run_row["inserted"], run_row["errors"], run_row["watermark"]) == (3, 0, "2017-12-06T07:08:05+00:00")
    assert server.requested("/api/search.json") == [search_path(0)]


def test_second_crawl_stops_at_watermark_and_writes_nothing(server, db_path, database):
    serve(server, three_docs())
    run(server, db_path)
    before = len(server.requests)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert [p for p in server.requests[before:] if p != "/robots.txt"] == [search_path(0)]
    assert database["item_versions"].count == 0
    assert database["runs"].get(result.run_id)["watermark"] == "2017-12-06T07:08:05+00:00"


def test_consultation_status_history_across_three_crawls(server, db_path, database):
    opened = load("consultation__open_consultation.json")
    closed = {**copy.deepcopy(opened), "document_type": "closed_consultation",
              "public_updated_at": "2017-01-10T10:00:00+00:00"}
    outcome = copy.deepcopy(closed)
    outcome.update(document_type="consultation_outcome", public_updated_at="2017-06-01T09:30:00+01:00")
    outcome["details"].update(final_outcome_detail="<p>The government response.</p>",
                              final_outcome_publication_date="2017-06-01T09:30:00+01:00")
    for doc in (opened, closed, outcome):
        serve(server, [doc])
        assert run(server, db_path).status == "ok"
    item_id = f"govuk:{opened['content_id']}"
    assert [(r["id"], r["version"], r["status"]) for r in database.query("select * from items")] == [
        (item_id, 3, "outcome")]
    versions = list(database.query("select * from item_versions where item_id = ? order by version", [item_id]))
    assert [(v["version"], json.loads(v["data"])["status"], json.loads(v["data"])["updated"]) for v in versions] == [
        (1, "open", "2016-11-07T15:45:44+00:00"), (2, "closed", "2017-01-10T10:00:00+00:00")]
    assert all({"status", "updated"} <= set(json.loads(v["changed_fields"])) for v in versions)


def test_422_from_search_fails_run_naming_the_parameter(server, db_path, database):
    body = json.dumps({"error": "Unexpected parameters: filter_organisation"})
    server.add(search_path(0), body, status=422)
    result = run(server, db_path)
    assert result.status == "failed"
    assert "HTTP 422" in result.message and "Unexpected parameters: filter_organisation" in result.message
    assert database["items"].count == 0


def test_unpublished_documents_are_errors_and_the_rest_is_stored(server, db_path, database):
    docs = three_docs()
    serve(server, docs)
    server.add("/api/content" + docs[0]["base_path"], "gone", status=410, content_type="text/plain")
    server.add("/api/content" + docs[2]["base_path"], "not found", status=404, content_type="text/plain")
    result = run(server, db_path)
    assert result.status == "partial"
    assert docs[0]["base_path"] in result.message and docs[2]["base_path"] in result.message
    assert "HTTP 410, unpublished" in result.message and "HTTP 404, unpublished" in result.message
    assert stored(database) == [expected_row(docs[1])]
    assert database["runs"].get(result.run_id)["watermark"] is None  # a partial run never moves the watermark


def _truncated(doc):
    return json.dumps(doc)[:200], "application/json"


def _html(doc):
    return "<html><body><h1>GOV.UK is down for maintenance</h1></body></html>", "text/html"


def _renamed_field(doc):
    doc = copy.deepcopy(doc)
    doc["format"] = doc.pop("document_type")
    return json.dumps(doc), "application/json"


def _bad_date(doc):
    return json.dumps({**doc, "public_updated_at": "7th November 2016"}), "application/json"


@pytest.mark.parametrize("broken, message", [
    (_truncated, "malformed JSON"),
    (_html, "expected JSON, got text/html"),
    (_renamed_field, "required field 'document_type' missing"),
    (_bad_date, "field 'public_updated_at' is not an ISO 8601 date"),
])
def test_broken_content_item_is_partial(server, db_path, database, broken, message):
    docs = three_docs()
    serve(server, docs)
    body, content_type = broken(docs[1])
    server.add("/api/content" + docs[1]["base_path"], body, content_type=content_type)
    result = run(server, db_path)
    assert result.status == "partial"
    assert message in result.message and docs[1]["base_path"] in result.message, result.message
    assert stored(database) == sorted([expected_row(docs[0]), expected_row(docs[2])])


def test_a_broken_search_result_is_skipped_and_the_rest_stored(server, db_path, database):
    docs = three_docs()
    serve(server, docs)
    results = [hit(d) for d in docs]
    results[1]["public_timestamp"] = "last Tuesday"
    server.add(search_path(0), json.dumps({"results": results, "total": 3, "start": 0}))
    result = run(server, db_path)
    assert result.status == "partial"
    assert f"{docs[1]['base_path']}: field 'public_timestamp' is not an ISO 8601 date" in result.message
    assert stored(database) == sorted([expected_row(docs[0]), expected_row(docs[2])])


def test_paging_by_start_stops_at_the_since_floor(server, db_path, database):
    docs = three_docs() + [load("consultation__consultation_outcome.json"),  # 2016-10-18
                           load("publication__best-practice-impact-assessment.json")]  # 2014-03-14
    docs.sort(key=lambda d: parser.parse_content(d, "u").updated, reverse=True)
    serve(server, docs, page_size=2)
    result = run(server, db_path, since="2016-10-01T00:00:00", settings={"GOVUK_SEARCH_PAGE_SIZE": 2})
    assert (result.status, result.message) == ("ok", None)
    # The second page reaches the closed consultation (2016-09-05), older than the floor: no third page.
    assert server.requested("/api/search.json") == [search_path(0, 2), search_path(2, 2)]
    assert stored(database) == sorted(expected_row(d) for d in docs[:3])
    assert database["runs"].get(result.run_id)["watermark"] == "2017-12-06T07:08:05+00:00"

    before = len(server.requests)
    result = run(server, db_path, full=True, settings={"GOVUK_SEARCH_PAGE_SIZE": 2, "GOVUK_MAX_PAGES": 1})
    # Capped before the floor: the run is partial so the watermark stays where the last ok run left it.
    assert result.status == "partial"
    assert "incomplete: stopped after 1 search pages (the page cap)" in result.message
    assert "max_pages under [sources.govuk]" in result.message
    assert [p for p in server.requests[before:] if p.startswith("/api/search.json")] == [search_path(0, 2)]
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_organisations_and_document_types_are_configurable(server, db_path, database):
    doc = load("publication__best-practice-policy-paper.json")
    search = {"organisations": ("home-office", "serious-fraud-office"), "document_types": ("policy_paper",)}
    serve(server, [doc], **search)
    result = run(server, db_path, settings={"GOVUK_ORGANISATIONS": "home-office, serious-fraud-office",
                                            "GOVUK_DOCUMENT_TYPES": ["policy_paper"]})
    assert (result.status, result.message) == ("ok", None)
    assert server.requested("/api/search.json") == [search_path(0, **search)]
    assert stored(database) == [expected_row(doc)]

    result = run(server, db_path, settings={"GOVUK_DOCUMENT_TYPES": "policy_paper,guidance"})
    assert result.status == "failed" and "document types the parser cannot read: guidance" in result.message


def test_spider_arguments_are_comma_separated():
    spider = GovukSpider(organisations="home-office, ,hm-treasury", document_types="policy_paper")
    assert (spider.organisations_arg, spider.document_types_arg) == (("home-office", "hm-treasury"), ("policy_paper",))
    assert GovukSpider().organisations_arg is None
    assert GovukSpider().floor == "2023-01-01T00:00:00+00:00"


def test_replay_of_the_snapshot_stores_every_content_item(db_path, database):
    manifest = json.loads((SNAPSHOT / "govuk" / "manifest.json").read_text(encoding="utf-8"))
    content = [r for r in manifest["responses"] if r["path"].startswith("/api/content/")]
    [result] = crawl_mod.crawl(["govuk"], db_path, snapshot=str(SNAPSHOT))
    assert (result.status, result.message) == ("ok", None)
    assert database["items"].count == len(content) == 15
    assert {r["url"].removeprefix(parser.WEB_BASE) for r in database.query("select url from items")} == {
        re.sub(r"^/api/content", "", r["path"]) for r in content}


def test_open_consultation_past_its_closing_date_is_fetched_again(server, db_path, database):
    """Closing does not move public_timestamp, so the listing never shows it: the stored open item whose
    closing date has passed is re-fetched by base path on the next incremental crawl."""
    open_doc = load("consultation__open_consultation.json")
    open_doc["details"]["closing_date"] = "2016-12-16T16:00:00+00:00"  # stored as open, now past its close
    serve(server, [open_doc])
    assert run(server, db_path).status == "ok"
    assert database["items"].get("govuk:" + open_doc["content_id"])["status"] == "open"
    closed = {**copy.deepcopy(open_doc), "document_type": "closed_consultation"}
    serve(server, [open_doc])  # the listing still shows it, at or below the watermark: nothing new
    server.add("/api/content" + open_doc["base_path"], json.dumps(closed))
    before = len(server.requests)
    assert run(server, db_path).status == "ok"
    assert "/api/content" + open_doc["base_path"] in server.requests[before:]
    assert database["items"].get("govuk:" + open_doc["content_id"])["status"] == "closed"


def test_configured_organisations_reach_the_spider(server, db_path):
    """[sources.govuk] organisations in the config file become the search filter."""
    docs = three_docs()
    serve(server, docs, organisations=("home-office", "hm-treasury"))
    result = run(server, db_path, source_options={"govuk": {"organisations": ["home-office", "hm-treasury"]}})
    assert result.status == "ok", result.message
    [search] = server.requested("/api/search.json")
    assert "filter_organisations=home-office" in search and "filter_organisations=hm-treasury" in search
    assert "filter_organisations=serious-fraud-office" not in search
