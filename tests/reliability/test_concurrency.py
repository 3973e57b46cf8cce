"""A crawl writing, editors logging responses and twenty readers, all at once for a bounded time.

Datasette runs under uvicorn on 127.0.0.1 (a real server, as deployed); editors post the plugin's response
form with its CSRF token over httpx; readers load item pages, dossiers, feeds and JSON. Meanwhile crawl()
re-crawls 300 bills whose titles change every cycle (each cycle updates every item and writes a version).
Checked afterwards: no reader or editor saw "database is locked" or any error page, every reader path was
loaded, every crawl run ended ok having written every bill (counts, versions and titles exact), responses
were saved while a crawl run was writing, and every posted response is stored once with its audit_log row.
"""
from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from tracker.contract import TrackedItem
from tracker import config as config_mod
from tracker import crawl as crawl_mod
from tracker.store import db as tracker_db
from tracker.store import register
from tracker.store import items as store
from tracker.web.serve import build_datasette

from ..helpers.feeds import atom_entries
from ..helpers.http import FaultServer, free_port
from .support import FIRST_BILL, SETTINGS, SINCE, serve_many_bills
from ..helpers.auth import session_cookie

WINDOW = 15.0
BILLS = 300
READERS = 20
EDITORS = 3
USERS = {"rita": "reader", "ed": "editor", "eve": "editor", "ezra": "editor"}
READER_PATHS = [
    "/", "/tracker", "/tracker/items", "/tracker/items.json?_size=100", "/tracker/items?_search=crime",
    "/tracker/items/bill~3A{n}", "/-/dossier/bill:{n}", "/tracker/item_versions.json?_size=50",
    "/tracker/bill_stages?item_id=bill:{n}", "/tracker/deadlines", "/tracker/new_relevant_items.atom",
    "/tracker/deadline_calendar.ics", "/tracker/source_health.json",
]
ERROR_TEXT = re.compile(r"database is locked|OperationalError|Internal Server Error|Traceback", re.I)


@pytest.fixture
def seeded(tmp_path):
    """A database with the first 30 bills stored (editors respond to them; the crawl then rewrites them)."""
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    store.upsert_items(database, [
        TrackedItem(id=f"bill:{FIRST_BILL + i}", source="parliament-bills", kind="bill", title=f"Seed bill {i}",
                    url=f"https://bills.parliament.uk/bills/{FIRST_BILL + i}") for i in range(30)])
    # Relevant, so the Atom feed lists them (with none it shows one placeholder entry: see
    # test_atom_feed_without_entries_is_not_an_error).
    database.execute("UPDATE items SET relevant = 1, themes = '[\"fraud\"]'")
    database.conn.commit()
    database.close()
    return path


@pytest.fixture
def served(seeded):
    """Datasette for the database under uvicorn on loopback; yields (base URL, Datasette)."""
    ds = build_datasette(seeded, config=config_mod.Config(), users=USERS, secret="concurrency-secret")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(ds.app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", timeout_keep_alive=30))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", ds
    server.should_exit = True
    thread.join(10)


def actor_cookie(ds, user: str) -> dict:
    return session_cookie(ds, user)


def read_loop(base, ds, index: int, stop: float, problems: list, counts: list) -> None:
    with httpx.Client(base_url=base, cookies=actor_cookie(ds, "rita" if index % 2 else "ed"), timeout=60) as client:
        i = index
        while time.monotonic() < stop:
            template = READER_PATHS[i % len(READER_PATHS)]
            path = template.format(n=FIRST_BILL + i % 30)
            i += 1
            response = client.get(path)
            counts.append(template)
            if response.status_code != 200 or ERROR_TEXT.search(response.text):
                problems.append((path, response.status_code, response.text[:300]))


def edit_loop(base, ds, user: str, stop: float, posted: list, problems: list) -> None:
    with httpx.Client(base_url=base, cookies=actor_cookie(ds, user), timeout=60) as client:
        page = client.get(f"/-/dossier/bill:{FIRST_BILL}")
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
        n = 0
        while time.monotonic() < stop:
            marker = f"{user}-{n}"
            n += 1
            response = client.post("/-/responses/save", data={
                "csrftoken": token, "item_id": f"bill:{FIRST_BILL + n % 30}", "decision": "respond",
                "status": "drafting", "owner_team": "Fraud policy", "position_summary": marker})
            if response.status_code == 302 and "Response saved" in response.headers.get("location", "").replace(
                    "%20", " "):
                posted.append(marker)
            else:
                problems.append((marker, response.status_code, response.text[:300]))


def crawl_loop(server, db_path, stop: float, results: list) -> None:
    revision = 0
    while time.monotonic() < stop:
        revision += 1
        serve_many_bills(server, BILLS, revision=revision)
        results.extend(crawl_mod.crawl(["parliament-bills"], db_path, base_urls={"parliament-bills": server.url},
                                       since=SINCE, full=True, settings=SETTINGS))


def test_crawl_editors_and_readers_together(served, seeded):
    base, ds = served
    bills_server = FaultServer().start()
    posted, problems, reads, crawls = [], [], [], []
    stop = time.monotonic() + WINDOW
    try:
        with ThreadPoolExecutor(READERS + EDITORS + 1) as pool:
            futures = [pool.submit(crawl_loop, bills_server, seeded, stop, crawls)]
            futures += [pool.submit(edit_loop, base, ds, user, stop, posted, problems)
                        for user in ("ed", "eve", "ezra")]
            futures += [pool.submit(read_loop, base, ds, i, stop, problems, reads) for i in range(READERS)]
            for future in futures:
                future.result()
    finally:
        bills_server.stop()

    assert problems == []
    assert set(reads) == set(READER_PATHS), set(READER_PATHS) - set(reads)
    # Every crawl run ends ok: writes take the lock up front (BEGIN IMMEDIATE) and wait for each other.
    assert crawls and all((r.status, r.message) == ("ok", None) for r in crawls), crawls
    conn = sqlite3.connect(seeded)
    try:
        runs = conn.execute("SELECT inserted, updated, unchanged, started, finished FROM runs ORDER BY id").fetchall()
        versions = conn.execute("SELECT count(*) FROM item_versions").fetchone()[0]
        items = conn.execute("SELECT version, count(*), min(title LIKE ?) FROM items GROUP BY version ORDER BY version",
                             [f"% [rev {len(crawls)}]"]).fetchall()
        summaries = [r[0] for r in conn.execute("SELECT position_summary FROM responses ORDER BY id")]
        saved_at = [r[0] for r in conn.execute("SELECT created_at FROM responses")]
        audited = [json.loads(r[0])["position_summary"] for r in conn.execute(
            "SELECT after FROM audit_log WHERE action = 'insert' AND table_name = 'responses' ORDER BY id")]
        responses_audit = conn.execute(
            "SELECT count(*) FROM responses r JOIN audit_log a ON a.table_name = 'responses' "
            "AND a.row_key = CAST(r.id AS TEXT) AND a.action = 'insert'").fetchone()[0]
    finally:
        conn.close()
    # Every cycle wrote every bill: the first inserts 270 and updates the 30 seeded, each later one updates all
    # 300 (new titles), each update keeping the previous version.
    cycles = len(crawls)
    assert [run[:3] for run in runs] == [(270, 30, 0)] + [(0, BILLS, 0)] * (cycles - 1)
    assert versions == 30 * cycles + (BILLS - 30) * (cycles - 1)
    assert items == [(cycles, BILLS - 30, 1), (cycles + 1, 30, 1)]  # all carry the last cycle's title
    # Editors and the crawl really overlapped: some response was saved while a crawl run was open.
    assert any(started <= when <= finished for when in saved_at for *_, started, finished in runs), (saved_at, runs)
    assert len(posted) >= 3 * EDITORS and len(reads) >= READERS * 3, (len(posted), len(reads))
    assert sorted(summaries) == sorted(posted) == sorted(audited)
    assert responses_audit == len(posted)
    print(f"{len(crawls)} crawls, {len(posted)} responses posted, {len(reads)} reads in {WINDOW:.0f} s")


async def test_atom_feed_without_entries_is_not_an_error(tmp_path):
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    store.upsert_items(database, [TrackedItem(id="bill:1", source="parliament-bills", kind="bill",
                                              title="Not relevant", url="https://bills.parliament.uk/bills/1")])
    database.close()
    ds = build_datasette(path, config=config_mod.Config(), users=USERS, secret="s")
    response = await ds.client.get("/tracker/new_relevant_items.atom", cookies=actor_cookie(ds, "rita"))
    assert response.status_code == 200
    # datasette-atom cannot render a feed with no rows: the query says so in one entry instead.
    assert [(e["id"], e["title"]) for e in atom_entries(response.text)] == [
        ("tag:seoc-tracker,2026:empty", "No relevant items yet")]


def _editor_thread(path, errors):
    def save():
        editor = tracker_db.connect(path)
        try:
            register.save_response(editor.conn, "ed", register.validate_response(
                {"item_id": "bill:0", "decision": "respond", "status": "planned", "owner_team": "Fraud policy"}))
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            editor.close()
    return threading.Thread(target=save)


def test_crawl_batch_survives_a_concurrent_write(tmp_path):
    """An editor saving while a crawl batch is open waits for the batch (BEGIN IMMEDIATE) and both land.

    Before the fix the batch used a deferred BEGIN: an editor committing between the batch's first read
    and first write made the whole batch fail at once with 'database is locked'.
    """
    path = tmp_path / "tracker.db"
    crawl_db = tracker_db.connect(path)
    bill = lambda i: TrackedItem(id=f"bill:{i}", source="parliament-bills", kind="bill",  # noqa: E731
                                 title=f"Bill {i}", url=f"https://bills.parliament.uk/bills/{i}")
    store.upsert_items(crawl_db, [bill(0)])
    errors, threads = [], []

    def editor_writes_during_batch(sql: str) -> None:
        if not threads and crawl_db.conn.in_transaction and sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            thread = _editor_thread(path, errors)
            threads.append(thread)
            thread.start()
            time.sleep(0.2)  # the editor is now waiting on the batch's write lock

    crawl_db.conn.set_trace_callback(editor_writes_during_batch)
    try:
        counts = store.upsert_items(crawl_db, [bill(i) for i in range(1, 51)])
    finally:
        crawl_db.conn.set_trace_callback(None)
    threads[0].join(timeout=30)
    assert counts == {"inserted": 50} and not errors
    assert crawl_db.execute("select count(*) from responses").fetchone()[0] == 1
    crawl_db.close()


def test_finish_run_survives_a_concurrent_write(tmp_path):
    """Recording a run's end while an editor writes: both land (the run keeps its counts and status)."""
    path = tmp_path / "tracker.db"
    worker_db = tracker_db.connect(path)
    store.upsert_items(worker_db, [TrackedItem(id="bill:0", source="parliament-bills", kind="bill", title="Bill 0",
                                               url="https://bills.parliament.uk/bills/0")])
    run_id = store.start_run(worker_db, "parliament-bills")
    errors, threads = [], []

    def editor_writes_during_update(sql: str) -> None:
        if not threads and worker_db.conn.in_transaction and sql.lstrip().upper().startswith("UPDATE"):
            thread = _editor_thread(path, errors)
            threads.append(thread)
            thread.start()
            time.sleep(0.2)

    worker_db.conn.set_trace_callback(editor_writes_during_update)
    try:
        store.finish_run(worker_db, run_id, "ok", inserted=1)
    finally:
        worker_db.conn.set_trace_callback(None)
    threads[0].join(timeout=30)
    assert not errors and worker_db["runs"].get(run_id)["status"] == "ok"
    assert worker_db.execute("select count(*) from responses").fetchone()[0] == 1
    worker_db.close()
