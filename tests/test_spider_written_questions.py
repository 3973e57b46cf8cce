"""The written questions spider through real Scrapy downloads against a local server: the three listings, paging,
the full record fetched where a listing cut the text, a holding answer then the answer then a correction as
versions of one item, and failures that lose nothing stored.

Questions and texts are real (tests/fixtures/written-questions/SOURCES.md); the holding answer and the
correction below are states built here from a real record, to drive the versioning.
"""
from __future__ import annotations

import json
import re

import pytest

from scrapers.failures import short_url
from tracker import crawl as crawl_mod

from .helpers import SNAPSHOT
from .helpers.spiders import FAST, stored
from .helpers.spiders.written_questions import (answered_record, detail_path, listing_path, page, serve_questions,
                                                tabled_records)

SOURCE = "written-questions"


def run(server, db_path, **kwargs):
    [result] = crawl_mod.crawl([SOURCE], db_path, base_urls={SOURCE: server.url},
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def test_crawl_stores_every_question_and_fetches_cut_ones_in_full(server, db_path, database):
    serve_questions(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert [r["id"] for r in database.query("select id from items order by id")] == [
        f"wq:{i}" for i in sorted(r["id"] for r in tabled_records())]
    # Only the three questions cut at 255 characters were fetched again, each once.
    assert sorted(server.requested("/api/writtenquestions/questions/")) == sorted(
        detail_path(i) for i in (1738688, 1738673, 1738672))
    item = database["items"].get("wq:1738673")
    full = answered_record(1738673)
    assert item["summary"] == full["questionText"] and len(item["summary"]) == 394
    assert item["status"] == "answered"
    assert "no conclusions should be drawn" in item["body_text"] and "<p>" not in item["body_text"]
    assert database["runs"].get(result.run_id)["watermark"] == "2024-11-01T00:00:00+00:00"


def test_listing_is_paged_to_its_total(server, db_path, database):
    records = tabled_records()
    serve_questions(server)
    server.add(listing_path("tabled"), page(records[:4], total=len(records)))
    server.add(listing_path("tabled", skip=4), page(records[4:], total=len(records)))
    assert run(server, db_path).status == "ok"
    assert database["items"].count == len(records)
    assert listing_path("tabled", skip=4) in server.requests


def test_holding_answer_then_answer_then_correction_are_versions_of_one_item(server, db_path, database):
    answered = {**answered_record(1738673), "answerIsHolding": False, "dateAnswered": "2024-11-12T00:00:00"}
    holding = {**answered, "answerText": None, "dateAnswered": None, "answerIsHolding": True,
               "dateHoldingAnswer": "2024-11-05T00:00:00"}
    serve_questions(server, tabled=[holding])
    assert run(server, db_path).status == "ok"
    assert database["items"].get("wq:1738673")["status"] == "holding answer"
    watermark = database.execute("select watermark from runs order by id desc limit 1").fetchone()[0]
    assert watermark == "2024-11-05T00:00:00+00:00"

    # Incremental: from a week before the watermark (records reach the API after the day they carry).
    serve_questions(server, day="2024-10-29", tabled=[], answered=[answered])
    server.add(detail_path(1738673), json.dumps({"value": answered, "links": []}))
    assert run(server, db_path).status == "ok"
    item = database["items"].get("wq:1738673")
    assert (item["status"], item["version"], item["updated"]) == ("answered", 2, "2024-11-12")
    assert "called in acquisition" in item["body_text"]

    corrected = {**answered, "answerIsCorrection": True, "dateAnswerCorrected": "2024-11-20T00:00:00",
                 "originalAnswerText": answered["answerText"]}
    serve_questions(server, day="2024-11-05", tabled=[], corrected=[corrected])
    server.add(detail_path(1738673), json.dumps({"value": corrected, "links": []}))
    assert run(server, db_path).status == "ok"
    assert database["items"].count == 1
    item = database["items"].get("wq:1738673")
    assert (item["status"], item["version"]) == ("answer corrected", 3)
    assert database["item_versions"].count == 2


def test_missing_full_record_names_its_url_and_loses_nothing(server, db_path, database):
    serve_questions(server)
    assert run(server, db_path).status == "ok"
    before = stored(database)
    server.routes.pop(detail_path(1738673))
    result = run(server, db_path, full=True)
    assert result.status in ("partial", "failed")
    assert server.url + detail_path(1738673) in result.message and "HTTP 404" in result.message
    assert stored(database) == before
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_renamed_field_fails_clearly_and_keeps_rows(server, db_path, database):
    listing = serve_questions(server)
    assert run(server, db_path).status == "ok"
    before = stored(database)
    renamed = [{("questionBody" if k == "questionText" else k): v for k, v in r.items()} for r in tabled_records()]
    server.add(listing, page(renamed))
    result = run(server, db_path, full=True)
    assert result.status == "failed"
    assert "'questionText'" in result.message and short_url(server.url + listing) in result.message
    assert stored(database) == before


@pytest.mark.parametrize("route, pattern", [
    ({"body": "boom", "status": 500, "content_type": "text/plain"}, "HTTP 500"),
    ({"body": page([]), "delay": FAST["DOWNLOAD_TIMEOUT"] + 1.0}, "timed out|took longer|Timeout"),
    ({"body": "<html><body>Service unavailable</body></html>", "content_type": "text/html"}, "expected JSON"),
    ({"body": '{"totalResults": 7, "results": [{"value": {"id": 17', "content_type": "application/json"},
     "malformed JSON"),
], ids=["http-500", "timeout", "unexpected-page", "cut-off-json"])
def test_listing_failure_fails_and_keeps_rows(server, db_path, database, route, pattern):
    # As check_listing_failure, but the listing's URL (over 160 characters) is named by its query's tail.
    listing = serve_questions(server)
    assert run(server, db_path).status == "ok"
    before = stored(database)
    server.add(listing, route.pop("body"), **route)
    result = run(server, db_path, full=True)
    assert result.status in ("failed", "partial"), result
    assert short_url(server.url + listing) in result.message and "tabledWhenFrom=2026-01-01" in result.message
    assert re.search(pattern, result.message), result.message
    assert stored(database) == before
    assert database["runs"].get(result.run_id)["watermark"] is None


def test_answering_bodies_come_from_the_config_and_a_bad_value_fails(server, db_path, database):
    bodies = "54,14,53,208,214,88"
    for listing in ("tabled", "answered", "corrected"):
        server.add(listing_path(listing).replace("answeringBodies=1&", ""), page(tabled_records()[5:6]))
    result = run(server, db_path, source_options={SOURCE: {"answering_bodies": bodies}})
    assert result.status == "ok" and database["items"].count == 1
    result = run(server, db_path, source_options={SOURCE: {"answering_bodies": "Home Office"}})
    assert result.status == "failed" and "answering_bodies" in result.message


def test_bundled_snapshot_replays_real_answered_questions_in_full(db_path, database):
    """The demo's slice (snapshot/written-questions): five real answered questions, each listing record cut by the
    API and completed from its full record, stored with their dates, uins, members and answering bodies."""
    [result] = crawl_mod.crawl([SOURCE], db_path, snapshot=str(SNAPSHOT), clock="2026-09-14T06:30:00+01:00")
    assert (result.status, result.message) == ("ok", None)
    rows = {r["id"]: (r["published"], r["updated"], r["status"], r["organisation"],
                      json.loads(r["details"])["uin"], json.loads(r["details"])["asking_member_id"],
                      json.loads(r["details"])["answering_member_id"])
            for r in database.query("select * from items")}
    assert rows == {
        "wq:1898291": ("2026-04-10", "2026-04-16", "answered", "Foreign, Commonwealth and Development Office",
                       "126237", 5361, 4253),
        "wq:1898703": ("2026-04-13", "2026-04-16", "answered", "Department for Business and Trade", "126579", 4368,
                       5076),
        "wq:1904711": ("2026-05-13", "2026-05-18", "answered", "Treasury", "633", 5341, 5282),
        "wq:1905135": ("2026-05-13", "2026-05-18", "answered", "Home Office", "1079", 5361, 4631),
        "wq:1904481": ("2026-05-13", "2026-05-18", "answered", "Home Office", "513", 5327, 4631),
    }
    # Every answer is whole: none ends as the listing cut it.
    answers = [json.loads(r["details"])["answer"] for r in database.query("select details from items")]
    assert all(len(a) > 255 and not a.endswith("...") for a in answers)
    assert database["runs"].get(result.run_id)["watermark"] == "2026-05-18T00:00:00+01:00"
