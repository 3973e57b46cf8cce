"""Bench steps for polls (issue 20 part 3), run by bench/steps.py like every other step.

`poll_requests`: each source's bundled snapshot served over real HTTP by a local replay server
(tests/helpers/http.py), a crawl, then a poll with nothing new: the requests the poll made, counted at
the server. Target: at most 2 per source. A dated listing (written questions and statements ask "...WhenFrom=
<day>", the day following the last crawl's watermark; the calendar's windows start today) is answered with the
one recorded for another day, as a source with nothing new would answer; `hansard` is not polled (0 requests: its phrase searches are left to
the crawls).

`poll_latency`: all six sources replayed; the newest bill of the snapshot's Bills API listing is withheld,
the tracker crawled and served by Datasette, then polls run every `interval` seconds (jobs.poll_and_classify,
the scheduler's own job) and the bill is put back into the listing between two polls: the seconds from that
moment until Datasette shows it. With the real 30-minute interval the worst case is the interval plus the
longer of the poll-to-visible time and the longest whole poll measured here. Target: the interval plus under a minute.
"""
from __future__ import annotations

import http.client
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import quote

from scrapers.snapshot import Snapshot, request_key
from tests.helpers.http import LocalServer, Route
from tracker import crawl as crawl_mod
from tracker import jobs
from tracker.config import Config
from tracker.contract import SOURCE_NAMES
from tracker.store import db as tracker_db

PROJECT = Path(__file__).resolve().parent.parent
SNAPSHOT = PROJECT / "snapshot"
#: No politeness delay against 127.0.0.1, but robots.txt obeyed: what it costs a poll is part of the figure.
SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
            "DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 1}
REAL_INTERVAL_S = 30 * 60
BILLS_LIST = "/api/v1/Bills?SortOrder=DateUpdatedDescending&Skip=0&Take=25"


class ReplayServer(LocalServer):
    """One source's snapshot over HTTP/1.1 (keep-alive, as the sources speak); absent paths answer 404.
    `withhold_newest` leaves the first entry out of the Bills API's first listing page until `reveal()`."""

    def __init__(self, source: str):
        self.snapshot = Snapshot(SNAPSHOT / source)
        self.undated = {_undated(key): key for key in self.snapshot.entries}
        self.withheld = False
        super().__init__(fallback=self._answer, keep_alive=True)

    def _answer(self, path: str) -> Route | None:
        found = self.snapshot.lookup("http://replay" + path)
        if found is None and _undated(path) in self.undated:
            found = self.snapshot.lookup("http://replay" + self.undated[_undated(path)])
        if found is None:
            return None
        entry, body = found
        if self.withheld and path == BILLS_LIST:
            page = json.loads(body)
            page["items"], page["totalResults"] = page["items"][1:], page["totalResults"] - 1
            body = json.dumps(page).encode()
        return Route(body=body, status=int(entry.get("status", 200)),
                     content_type=entry.get("content_type", "application/octet-stream"))

    def newest_bill_id(self) -> str:
        _, body = self.snapshot.lookup("http://replay" + BILLS_LIST)
        return f"bill:{json.loads(body)['items'][0]['billId']}"


def _undated(path: str) -> str:
    """A listing's request key with its floor day left out."""
    return re.sub(r"(WhenFrom=|startDate=|endDate=)[0-9-]+", r"\1*", request_key("http://replay" + path))


def poll_requests(db: str) -> dict:
    """Per source: requests of a crawl, then of a poll with nothing new, counted at the replay server."""
    out: dict = {"sources": {}}
    for source in SOURCE_NAMES:
        db_path = Path(db).with_name(f"{Path(db).stem}-{source}.db")
        with ReplayServer(source) as server:
            figures = {}
            for phase, poll in (("crawl", False), ("poll", True)):
                before = len(server.requests)
                started = time.perf_counter()
                # What's On (an SI's period end) is replayed from the same snapshot.
                [result] = crawl_mod.crawl([source], db_path, base_urls={source: server.url, "whats-on": server.url},
                                           since="1990-01-01T00:00:00", settings=SETTINGS, poll=poll)
                figures[phase] = {"status": result.status, "requests": len(server.requests) - before,
                                  "seconds": round(time.perf_counter() - started, 2),
                                  "paths": server.requests[before:] if poll else None}
        out["sources"][source] = figures
    out["max_poll_requests"] = max(f["poll"]["requests"] for f in out["sources"].values())
    out["met"] = out["max_poll_requests"] <= 2 and all(f["poll"]["status"] == "ok" for f in out["sources"].values())
    return out


def _visible(port: int, cookie: str, database: str, item_id: str) -> bool:
    """Whether Datasette's items table shows `item_id` (anything but a 200 is an error, never "not yet")."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/{database}/items.json?_shape=array&_nofacet=1&id={quote(item_id)}",
                     headers={"Cookie": f"ds_actor={cookie}"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"Datasette answered HTTP {response.status}: {body[:300]!r}")
        return bool(json.loads(body))
    finally:
        conn.close()


def poll_latency(db: str, interval: float = 20.0, reveal_after: float = 7.0, timeout: float = 300.0) -> dict:
    """Seconds from a bill appearing in the replayed listing to Datasette showing it, with polls every `interval`."""
    from datasette.app import Datasette

    from bench.steps import SECRET, _session, _start_server
    from tests.helpers.http import free_port

    servers = {source: ReplayServer(source).start() for source in SOURCE_NAMES}
    bills = servers["parliament-bills"]
    bills.withheld = True
    item_id = bills.newest_bill_id()
    base_urls = {source: server.url for source, server in servers.items()}
    db_path = Path(db)
    tracker_db.connect(db_path).close()
    crawl_mod.crawl((), db_path, base_urls=base_urls, since="1990-01-01T00:00:00", settings=SETTINGS)
    port = free_port()
    datasette = _start_server(str(db_path), port)
    cookie = _session(Datasette([], secret=SECRET))
    polls: list[dict] = []
    stop = threading.Event()

    def poll_loop() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            results = jobs.poll_and_classify(db_path, Config(), base_urls=base_urls, settings=SETTINGS)
            polls.append({"at": started, "seconds": round(time.perf_counter() - started, 2),
                          "statuses": sorted({r.status for r in results})})
            stop.wait(max(0.0, interval - (time.perf_counter() - started)))

    try:
        assert not _visible(port, cookie, db_path.stem, item_id), "the withheld bill is visible before it appeared"
        thread = threading.Thread(target=poll_loop, daemon=True)
        thread.start()
        time.sleep(reveal_after)
        bills.withheld = False
        appeared = time.perf_counter()
        visible_after = None
        while time.perf_counter() - appeared < timeout:
            if _visible(port, cookie, db_path.stem, item_id):
                visible_after = time.perf_counter() - appeared
                break
            time.sleep(0.25)
        stop.set()
        thread.join(timeout=120)
    finally:
        datasette.terminate()
        datasette.wait()
        for server in servers.values():
            server.stop()
    catching = [p for p in polls if p["at"] >= appeared]
    poll_to_visible = None
    if visible_after is not None and catching:
        poll_to_visible = round(visible_after - (catching[0]["at"] - appeared), 2)
    # A document from the last source polled waits for the whole poll: count the longest poll, if longer.
    slowest = max([poll_to_visible, *(p["seconds"] for p in polls)]) if poll_to_visible is not None else None
    worst = REAL_INTERVAL_S + slowest if slowest is not None else None
    return {"item": item_id, "interval_s": interval, "appear_to_visible_s": round(visible_after, 2)
            if visible_after is not None else None, "poll_to_visible_s": poll_to_visible,
            "polls": len(polls), "poll_seconds_max": max((p["seconds"] for p in polls), default=None),
            "poll_statuses": sorted({s for p in polls for s in p["statuses"]}),
            "worst_case_at_30_min_s": worst, "target_s": REAL_INTERVAL_S + 60,
            "met": worst is not None and worst < REAL_INTERVAL_S + 60}


STEPS = {"poll_requests": poll_requests, "poll_latency": poll_latency}
