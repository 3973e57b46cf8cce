"""Polls through the real spiders against local servers: what a poll costs, counted at the server.

A poll (crawl(poll=True)) sends the last good crawl's validators with each first listing page, reuses
robots.txt for a day, and fetches no detail it fetched before unless the listing is ordered by update.
"""
from __future__ import annotations

import json
import re

import pytest

from tracker import crawl as crawl_mod
from tracker.store import http_validators

from .helpers.http import free_port
from .helpers.spiders import FAST
from .helpers.spiders import govuk as govuk_served
from .helpers.spiders import legislation as legislation_served
from .helpers.spiders.committees import serve_committees
from .helpers.spiders.law_commission import serve_lawcom
from .helpers.spiders.parliament_bills import DETAIL, LIST, STAGES, serve_bill
from .helpers.spiders.sentencing_council import ANCILLARY, FEED, IMPOSITION, PAGES, serve_sentencing
from .helpers.spiders import hansard as hansard_served
from .helpers.spiders import parliament_calendar as calendar_served
from .helpers.spiders import statutory_instruments as instruments_served
from .helpers.spiders import written_questions as questions_served
from .helpers.spiders import written_statements as statements_served

SINCE = "2000-01-01T00:00:00"


def from_any_day(server, day: str) -> None:
    """Answer a listing asked from any floor day as the one served from `day`: a poll's floor follows the
    crawl's watermark (less the re-read), the crawl's is `since`."""
    server.fallback = lambda path: server.routes.get(re.sub(r"(WhenFrom=)[0-9-]+", rf"\g<1>{day}", path))


def serve_questions(server) -> None:
    questions_served.serve_questions(server, SINCE[:10])
    from_any_day(server, SINCE[:10])


def serve_statements(server) -> None:
    statements_served.serve_statements(server, SINCE[:10])
    from_any_day(server, SINCE[:10])


SERVE = {
    "parliament-bills": serve_bill,
    "govuk": lambda server: govuk_served.serve(server, govuk_served.three_docs()),
    "legislation": legislation_served.serve,
    "committees": serve_committees,
    "law-commission": serve_lawcom,
    "sentencing-council": serve_sentencing,
    "written-questions": serve_questions,
    "written-statements": serve_statements,
    "statutory-instruments": instruments_served.serve,
    # Its windows follow the day: served for today's (the polls here run with no clock).
    "parliament-calendar": lambda server: calendar_served.serve(server, day=calendar_served.today()),
}


def run(source: str, server_url: str, db_path, poll: bool, **kwargs):
    # What's On (an SI's period end) is served by the same local server.
    [result] = crawl_mod.crawl([source], db_path, base_urls={source: server_url, "whats-on": server_url},
                               since=SINCE, settings=FAST, poll=poll, **kwargs)
    return result


def versions_and_items(database) -> tuple[int, list[dict]]:
    rows = [{k: v for k, v in row.items() if k != "last_seen"} for row in database.query("select * from items")]
    return database["item_versions"].count, rows


@pytest.mark.parametrize("source", sorted(SERVE))
def test_no_change_poll_costs_at_most_two_requests(source, server, db_path, database):
    SERVE[source](server)
    assert run(source, server.url, db_path, poll=False).status == "ok"
    before, stored = len(server.requests), versions_and_items(database)
    result = run(source, server.url, db_path, poll=True)
    asked = server.requests[before:]
    assert (result.status, result.message) == ("ok", None)
    assert 1 <= len(asked) <= 2, asked
    assert "/robots.txt" not in asked  # reused from the crawl, not asked again
    assert versions_and_items(database) == stored
    run_row = database["runs"].get(result.run_id)
    assert (run_row["mode"], run_row["inserted"], run_row["updated"]) == ("poll", 0, 0)


def test_a_crawl_still_fetches_every_detail(server, db_path):
    # Polls skip known details; the scheduled crawls must not, or a consultation closing would never show.
    serve_sentencing(server)
    run("sentencing-council", server.url, db_path, poll=False)
    before = len(server.requests)
    run("sentencing-council", server.url, db_path, poll=False)
    assert sorted(p for p in server.requests[before:] if p != "/robots.txt") == sorted([FEED, ANCILLARY, IMPOSITION])


def test_a_304_is_honoured(server, db_path, database):
    serve_bill(server)
    server.routes[LIST].headers = {"ETag": '"bills-v1"'}
    server.routes[LIST].honour_validators = True
    assert run("parliament-bills", server.url, db_path, poll=False).status == "ok"
    watermark = database.execute("select watermark from runs").fetchone()[0]
    before = len(server.requests)
    result = run("parliament-bills", server.url, db_path, poll=True)
    assert (result.status, result.message) == ("ok", None)
    assert server.requests[before:] == [LIST] and server.not_modified == [LIST]
    last = database["runs"].get(result.run_id)
    assert (last["watermark"], last["items_seen"]) == (watermark, 0)


def test_if_modified_since_is_honoured(server, db_path):
    serve_sentencing(server)
    server.routes[FEED].headers = {"Last-Modified": "Tue, 01 Dec 2026 09:00:00 GMT"}
    server.routes[FEED].honour_validators = True
    run("sentencing-council", server.url, db_path, poll=False)
    before = len(server.requests)
    assert run("sentencing-council", server.url, db_path, poll=True).status == "ok"
    assert server.requests[before:] == [FEED] and server.not_modified == [FEED]


def test_a_changed_listing_is_read_in_full_with_its_new_etag(server, db_path, database):
    serve_bill(server)
    server.routes[LIST].headers = {"ETag": '"bills-v1"'}
    server.routes[LIST].honour_validators = True
    run("parliament-bills", server.url, db_path, poll=False)
    # The bill moves on: a new lastUpdate in the listing and a new ETag.
    detail = json.loads(server.routes[DETAIL].body)
    detail["lastUpdate"] = "2030-01-01T09:00:00"
    serve_bill(server, detail)
    server.routes[LIST].headers = {"ETag": '"bills-v2"'}
    server.routes[LIST].honour_validators = True
    before = len(server.requests)
    result = run("parliament-bills", server.url, db_path, poll=True)
    assert result.status == "ok"
    asked = server.requests[before:]
    assert asked[0] == LIST and DETAIL in asked and STAGES in asked and server.not_modified == []
    [stored] = [v for v in http_validators.load(database, "parliament-bills").values() if v.url.endswith(LIST)]
    assert stored.etag == '"bills-v2"'


def test_a_changed_first_page_fetches_only_the_new_details(server, db_path, database):
    # The feed as it was before the imposition consultation was listed: its <item> removed.
    feed = (PAGES / "snapshot_feed.xml").read_bytes()
    start = feed.rindex(b"<item>", 0, feed.index(IMPOSITION.rstrip("/").encode()))
    end = feed.index(b"</item>", start) + len(b"</item>")
    serve_sentencing(server)
    server.add(FEED, feed[:start] + feed[end:], content_type="application/rss+xml; charset=UTF-8")
    assert run("sentencing-council", server.url, db_path, poll=False).status == "ok"
    assert database["items"].count == 1
    serve_sentencing(server)  # the full feed: the imposition consultation appears
    before = len(server.requests)
    result = run("sentencing-council", server.url, db_path, poll=True)
    assert (result.status, result.message) == ("ok", None)
    assert server.requests[before:] == [FEED, IMPOSITION]
    assert database["items"].count == 2


def test_a_failed_run_keeps_the_old_validators(server, db_path, database):
    serve_bill(server)
    server.routes[LIST].headers = {"ETag": '"bills-v1"'}
    run("parliament-bills", server.url, db_path, poll=False)
    kept = http_validators.load(database, "parliament-bills")
    detail = json.loads(server.routes[DETAIL].body)
    detail["lastUpdate"] = "2030-01-01T09:00:00"
    serve_bill(server, detail)
    server.routes[LIST].headers = {"ETag": '"bills-v2"'}
    server.add(DETAIL, "boom", status=500, content_type="text/plain")
    assert run("parliament-bills", server.url, db_path, poll=True).status == "failed"
    assert http_validators.load(database, "parliament-bills") == kept  # the next poll asks again


def test_a_poll_without_a_network_fails_clearly_and_keeps_everything(server, db_path, database):
    serve_bill(server)
    run("parliament-bills", server.url, db_path, poll=False)
    stored, validators = versions_and_items(database), http_validators.load(database, "parliament-bills")
    result = run("parliament-bills", f"http://127.0.0.1:{free_port()}", db_path, poll=True)
    assert (result.status, result.unreachable) == ("failed", True)
    assert "request failed" in result.message and "Connection" in result.message
    assert versions_and_items(database) == stored
    assert http_validators.load(database, "parliament-bills") == validators


def test_the_poll_job_polls_and_classifies_only_what_it_stored(tmp_path, db_path, database):
    from tracker import jobs
    from tracker.config import Config
    from .helpers.http import LocalServer

    servers = {source: LocalServer().start() for source in SERVE}
    try:
        for source, server in servers.items():
            SERVE[source](server)
        feed = (PAGES / "snapshot_feed.xml").read_bytes()
        start = feed.rindex(b"<item>", 0, feed.index(IMPOSITION.rstrip("/").encode()))
        end = feed.index(b"</item>", start) + len(b"</item>")
        servers["sentencing-council"].add(FEED, feed[:start] + feed[end:], content_type="application/rss+xml")
        base_urls = {source: server.url for source, server in servers.items()}
        crawl_mod.crawl(tuple(SERVE), db_path, base_urls=base_urls, since="2000-01-01T00:00:00", settings=FAST)
        quiet = jobs.poll_and_classify(db_path, Config(), base_urls=base_urls, settings=FAST, sources=tuple(SERVE))
        assert {r.status for r in quiet} == {"ok"}
        assert database["classifications"].count == 0  # nothing new: nothing classified
        serve_sentencing(servers["sentencing-council"])
        jobs.poll_and_classify(db_path, Config(), base_urls=base_urls, settings=FAST, sources=tuple(SERVE))
        assert database["classifications"].count == database["items"].count  # the new item and the rest
        assert [r["status"] for r in database.query("select status from job_runs where job = 'poll'")] == ["ok", "ok"]
    finally:
        for server in servers.values():
            server.stop()


def test_a_written_questions_poll_reads_new_answers_and_questions_not_corrections(server, db_path, database):
    serve_questions(server)
    assert run("written-questions", server.url, db_path, poll=False).status == "ok"
    crawled = server.requests[:]
    assert sum("correctedWhenFrom" in p for p in crawled) == 1  # the crawls read corrections
    before = len(server.requests)
    assert run("written-questions", server.url, db_path, poll=True).status == "ok"
    asked = server.requests[before:]
    assert [re.search(r"(\w+)WhenFrom", p).group(1) for p in asked] == ["answered", "tabled"], asked


def test_hansard_is_not_polled_and_keeps_its_watermark(server, db_path, database):
    # Its phrase searches cannot fit a poll's two requests; the twice-daily crawls read Hansard.
    hansard_served.serve_searches(server)
    crawl = crawl_mod.crawl(["hansard"], db_path, base_urls={"hansard": server.url}, since=hansard_served.SINCE,
                            clock=hansard_served.CLOCK, settings=FAST)
    assert crawl[0].status == "ok" and database["items"].count >= 1
    before, stored = len(server.requests), versions_and_items(database)
    [result] = crawl_mod.crawl(["hansard"], db_path, base_urls={"hansard": server.url}, clock=hansard_served.CLOCK,
                               settings=FAST, poll=True)
    assert (result.status, result.message) == ("ok", None)
    assert server.requests[before:] == []
    assert versions_and_items(database) == stored
    crawl_row, poll_row = database["runs"].get(crawl[0].run_id), database["runs"].get(result.run_id)
    assert poll_row["mode"] == "poll" and poll_row["watermark"] == crawl_row["watermark"] is not None
