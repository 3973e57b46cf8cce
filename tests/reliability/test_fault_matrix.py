"""Every source x every listing fault: the run fails or is partial naming the URL, the other runs of the same
crawl call complete ok, and no stored row (items apart from last_seen, item_versions, bill_stages, links) is
lost or corrupted.

How the 48 cases stay fast (each crawl is a ~1 s subprocess):
- the faults are split over two lanes run in parallel; each lane has its own six local servers (one per
  source, serving the spider tests' recorded payloads) and its own database;
- each lane is ONE crawl() call: the six sources healthy (the seed), then for each of its faults the six
  sources in turn with their listing (first request) broken, then HEALTHY_TAIL healthy again. The progress
  callback (crawl's "done" event after each run) restores the finished run's listing, breaks the next one's
  and snapshots the guarded rows, so every case has its own before/after comparison.
The 48 tests then each assert one case's recorded outcome.

An empty first listing ends ok only where another listing of the same run still lists items, which are
stored unchanged (EMPTY_OK: legislation's ukpga feed, committees' open business list). Where the parser or
spider refuses an empty listing (law-commission, sentencing-council, and the Bills and GOV.UK listings, which
have no date filter and so always list something) it is a recorded error like any other fault. A run whose
every listing is empty is covered separately (test_a_run_with_every_listing_empty).
"""
from __future__ import annotations

import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .support import CATALOGUE, SETTINGS, SOURCES, crawl, snapshot_rows, start_servers

HTML_PAGE = "<html><body><h1>Service unavailable</h1><p>Back soon.</p></body></html>"
FAULTS = ("http-500", "http-429", "timeout", "reset", "truncated", "wrong-content-type", "renamed-field",
          "empty-result")
#: Faults the downloader retries (RETRY_TIMES=1: the listing is asked twice).
RETRIED = ("http-500", "http-429", "timeout", "reset", "truncated")
PATTERNS = {
    "http-500": "HTTP 500",
    "http-429": "HTTP 429",
    "timeout": r"did not answer within 1\.0 seconds \(timed out\)",
    "reset": r"the connection to 127\.0\.0\.1 was reset or dropped|cut short",
    "truncated": r"the response from 127\.0\.0\.1 was cut short|reset or dropped",
}
EMPTY_PATTERNS = {"law-commission": "listing has no posts", "sentencing-council": "feed has no <item>",
                  # Listings with no date filter are never empty: an empty first page is a changed API.
                  "parliament-bills": "the first page lists no bills", "govuk": "the first page has no results",
                  "statutory-instruments": "the first page lists no instruments"}
#: Where an empty first listing ends ok: the listing of the same run that still lists items, and how many
#: it stores (unchanged, as the seed stored them).
EMPTY_OK = {
    "legislation": ("the ukpga feed", 2),  # the uksi feed is empty
    "committees": ("the open business list", 1),  # no call open for evidence this week is real
    "written-questions": ("the answered listing", 1),  # no question tabled since the floor day is real
    "hansard": ("the other 11 searches", 0),  # no debate using a phrase in the window is real
    "parliament-calendar": ("the second window", 7),  # four weeks with no business (a recess) is real
}
#: Listings filtered by date where an empty answer is real and nothing else is read: ok, nothing stored.
NOTHING_NEW_OK = ("written-statements",)
#: A run whose every listing is empty: only a source that may find nothing new ends ok (storing nothing).
EVERY_LISTING_EMPTY = {
    "parliament-bills": ("failed", "the first page lists no bills"),
    "govuk": ("failed", "the first page has no results"),
    "legislation": ("ok", None),
    "committees": ("failed", "^no items where some were expected$"),
    "law-commission": ("failed", "listing has no posts"),
    "sentencing-council": ("failed", "feed has no <item>"),
    "written-questions": ("ok", None),
    "written-statements": ("ok", None),
    "hansard": ("ok", None),
    "statutory-instruments": ("failed", "the first page lists no instruments"),
    "parliament-calendar": ("ok", None),
}
HEALTHY_TAIL = ("parliament-bills", "govuk")


@dataclass
class Case:
    source: str
    fault: str
    result: object = None
    mark: int = 0
    asked: list[str] = field(default_factory=list)
    before: dict | None = None
    after: dict | None = None
    #: The run's inserted / updated / unchanged counts as recorded in `runs`.
    counts: dict | None = None


@dataclass
class Lane:
    """One crawl call: the six sources healthy (the seed), each fault on each source, HEALTHY_TAIL healthy."""

    cases: dict[tuple[str, str], Case]
    healthy: list


def break_listing(server, source, fault: str) -> None:
    """Replace the source's listing route (or make it reset) with the fault."""
    listing = source.listing
    good = server.routes[listing]
    if fault == "http-500":
        server.add(listing, "Internal Server Error", status=500, content_type="text/plain")
    elif fault == "http-429":
        server.add(listing, "Too Many Requests", status=429, content_type="text/plain",
                   headers={"Retry-After": "1"})
    elif fault == "timeout":
        server.add(listing, good.body, content_type=good.content_type, headers=good.headers,
                   delay=SETTINGS["DOWNLOAD_TIMEOUT"] + 0.5)
    elif fault == "reset":
        server.resets.add(listing)
    elif fault == "truncated":
        server.add(listing, good.body, content_type=good.content_type, headers=good.headers,
                   cut_after=len(good.body) // 2)
    elif fault == "wrong-content-type":
        server.add(listing, HTML_PAGE, content_type="text/html; charset=utf-8")
    elif fault == "renamed-field":
        server.add(listing, source.renamed(good.body), content_type=good.content_type, headers=good.headers)
    elif fault == "empty-result":
        server.add(listing, source.empty, content_type=source.empty_content_type,
                   headers={"X-WP-TotalPages": "0"} if source.name == "law-commission" else {})
    else:
        raise ValueError(fault)


def run_lane(faults: list[str], folder: Path) -> Lane:
    """Own servers and database; one crawl call whose progress callback moves the fault from run to run."""
    servers = start_servers()
    db_path = folder / "tracker.db"
    schedule = ([(name, None) for name in SOURCES] + [(name, fault) for fault in faults for name in SOURCES]
                + [(name, None) for name in HEALTHY_TAIL])
    cases = {(name, fault): Case(name, fault) for name, fault in schedule if fault}
    good = {}
    finished = 0

    def arm(name, fault):
        server, source, case = servers[name], CATALOGUE[name], cases[name, fault]
        good[name] = server.routes[source.listing]
        case.before, case.mark = snapshot_rows(db_path), len(server.requests)
        break_listing(server, source, fault)

    def disarm(name, fault):
        server, source, case = servers[name], CATALOGUE[name], cases[name, fault]
        server.routes[source.listing] = good.pop(name)
        server.resets.discard(source.listing)
        case.asked = [p for p in server.requests[case.mark:] if p == source.listing]
        case.after = snapshot_rows(db_path)

    def progress(event):
        nonlocal finished
        if event.get("event") != "done":
            return
        if schedule[finished][1]:
            disarm(*schedule[finished])
        finished += 1
        if finished < len(schedule) and schedule[finished][1]:
            arm(*schedule[finished])

    try:
        results = crawl([name for name, _ in schedule], db_path, servers, progress=progress)
    finally:
        for server in servers.values():
            server.stop()
    counts = run_counts(db_path)
    healthy = []
    for (name, fault), result in zip(schedule, results):
        if fault:
            cases[name, fault].result = result
            cases[name, fault].counts = counts[result.run_id]
        else:
            healthy.append((result.source, result.status, result.message))
    return Lane(cases, healthy)


def run_counts(db_path: Path) -> dict[int, dict]:
    conn = sqlite3.connect(db_path)
    try:
        return {row[0]: {"inserted": row[1], "updated": row[2], "unchanged": row[3]}
                for row in conn.execute("SELECT id, inserted, updated, unchanged FROM runs")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> dict[tuple[str, str], tuple[Case, list]]:
    """The cases the selected tests need, run in two parallel lanes: (name, fault) -> (case, healthy runs)."""
    wanted = {item.callspec.params["fault"] for item in request.session.items
              if item.module.__name__ == __name__ and "fault" in getattr(getattr(item, "callspec", None), "params", {})}
    faults = [f for f in FAULTS if f in wanted]
    lanes = [lane for lane in (faults[0::2], faults[1::2]) if lane]
    with ThreadPoolExecutor(len(lanes)) as pool:
        futures = [pool.submit(run_lane, lane, tmp_path_factory.mktemp(f"lane{i}")) for i, lane in enumerate(lanes)]
        done = [future.result() for future in futures]
    return {key: (case, lane.healthy) for lane in done for key, case in lane.cases.items()}


@pytest.fixture(scope="module")
def every_listing_empty(tmp_path_factory) -> dict[str, tuple[object, dict]]:
    """One crawl of the six sources on a fresh database, every listing of each well-formed but empty:
    name -> (result, run counts)."""
    servers = start_servers()
    db_path = tmp_path_factory.mktemp("empty") / "tracker.db"
    try:
        for name, source in CATALOGUE.items():
            for listing in (source.listing, *source.more_listings):
                servers[name].add(listing, source.empty, content_type=source.empty_content_type,
                                  headers={"X-WP-TotalPages": "0"} if name == "law-commission" else {})
        results = crawl(SOURCES, db_path, servers)
    finally:
        for server in servers.values():
            server.stop()
    counts = run_counts(db_path)
    return {result.source: (result, counts[result.run_id]) for result in results}


@pytest.mark.parametrize("name", SOURCES)
def test_a_run_with_every_listing_empty(every_listing_empty, name):
    """Only legislation may list nothing new and end ok; committees, whose open business list always lists
    something, fails as a run that stored nothing; the others refuse the empty listing itself."""
    result, counts = every_listing_empty[name]
    status, pattern = EVERY_LISTING_EMPTY[name]
    assert result.status == status, result
    if pattern is None:
        assert result.message is None
    else:
        assert re.search(pattern, result.message), result.message
    assert counts == {"inserted": 0, "updated": 0, "unchanged": 0}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("name", SOURCES)
def test_listing_fault(outcomes, name, fault):
    case, healthy = outcomes[name, fault]
    source, result = CATALOGUE[name], case.result
    assert result.source == name
    # The other runs of the same crawl call: the six healthy ones before, the HEALTHY_TAIL ones after.
    assert healthy == [(s, "ok", None) for s in list(SOURCES) + list(HEALTHY_TAIL)]
    assert len(case.asked) == (SETTINGS["RETRY_TIMES"] + 1 if fault in RETRIED else 1), case.asked
    if fault == "empty-result" and name in EMPTY_OK:
        assert (result.status, result.message) == ("ok", None)
        # Ok because the other listing was read and its items stored unchanged, not because nothing is fine.
        assert case.counts == {"inserted": 0, "updated": 0, "unchanged": EMPTY_OK[name][1]}, EMPTY_OK[name]
    elif fault == "empty-result" and name in NOTHING_NEW_OK:
        assert (result.status, result.message) == ("ok", None)
        assert case.counts == {"inserted": 0, "updated": 0, "unchanged": 0}
    else:
        assert result.status in ("failed", "partial"), result
        listing = CATALOGUE[name].listing
        # A very long URL (GOV.UK search) is shown as its path and its last (paging) parameters.
        shown = listing if len(listing) < 100 else listing.split("?")[0] + "?…&"
        assert shown in result.message and "http://127.0.0.1:" in result.message, result.message
        assert listing.rsplit("&", 1)[-1] in result.message
        pattern = {"wrong-content-type": source.html_pattern, "renamed-field": source.renamed_pattern,
                   "empty-result": EMPTY_PATTERNS.get(name)}.get(fault) or PATTERNS[fault]
        assert re.search(pattern, result.message), result.message
    assert case.before is not None and case.before["items"]
    assert case.after == case.before
