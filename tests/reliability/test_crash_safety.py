"""A crawl killed with SIGKILL at seeded random points leaves a sound database, and a rerun converges.

The worker (`python -m scrapers.run parliament-bills ...`, exactly what tracker.crawl starts) crawls 200
bills built from the recorded bill 2818 (distinct ids and stage ids; 600 requests) and is killed after a
seeded fraction of the time an uninterrupted run takes, twenty times in a row on the same database. After
each kill: PRAGMA integrity_check is ok and every stored bill has all its stages (items and stages are
written in one transaction per batch). Then crawl() reruns the source: it closes the killed runs as failed
and the content (item ids, content hashes, bill stages) equals an uninterrupted run into a fresh
database, with no duplicates and no spurious versions.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from tracker import crawl as crawl_mod
from tracker.store import db as tracker_db
from tracker.store import items as store

from ..helpers.http import FaultServer
from .support import SETTINGS, SINCE, integrity, serve_many_bills

BILLS = 200
KILLS = 20
SEED = 20_260_601
SOURCE = "parliament-bills"


@pytest.fixture(scope="module")
def bills_server():
    server = FaultServer().start()
    ids = serve_many_bills(server, BILLS)
    yield server, ids
    server.stop()


def worker(db_path, run_id: int, base_url: str) -> subprocess.Popen:
    """The crawl worker as tracker.crawl starts it (same module, arguments and environment)."""
    command = [sys.executable, "-m", "scrapers.run", SOURCE, "--db", str(db_path), "--run-id", str(run_id),
               "--base-url", base_url, "--since", SINCE, "--full"]
    for key, value in SETTINGS.items():
        command += ["--set", f"{key}={json.dumps(value)}"]
    root = str(crawl_mod.PROJECT_ROOT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
           "SCRAPY_SETTINGS_MODULE": "scrapers.settings"}
    return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def content(db_path) -> dict:
    conn = sqlite3.connect(db_path)
    try:
        return {
            "items": conn.execute("SELECT id, content_hash, version FROM items ORDER BY id").fetchall(),
            "stages": conn.execute("SELECT * FROM bill_stages ORDER BY bill_stage_id").fetchall(),
            "versions": conn.execute("SELECT count(*) FROM item_versions").fetchone()[0],
        }
    finally:
        conn.close()


def stages_complete(db_path) -> tuple[int, list]:
    """(bills stored, bills whose stage rows are not exactly their two stages)."""
    conn = sqlite3.connect(db_path)
    try:
        stored = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        broken = conn.execute(
            "SELECT i.id, count(s.bill_stage_id) FROM items i LEFT JOIN bill_stages s ON s.item_id = i.id "
            "GROUP BY i.id HAVING count(s.bill_stage_id) != 2").fetchall()
        orphans = conn.execute("SELECT count(*) FROM bill_stages WHERE item_id NOT IN (SELECT id FROM items)"
                               ).fetchone()[0]
        return stored, broken + ([("orphan stages", orphans)] if orphans else [])
    finally:
        conn.close()


def test_killed_crawls_leave_a_sound_database_and_a_rerun_converges(bills_server, tmp_path):
    server, ids = bills_server
    reference = tmp_path / "reference.db"
    started = time.monotonic()
    [clean] = crawl_mod.crawl([SOURCE], reference, base_urls={SOURCE: server.url}, since=SINCE, settings=SETTINGS)
    duration = time.monotonic() - started
    assert (clean.status, clean.message) == ("ok", None)
    expected = content(reference)
    assert [row[0] for row in expected["items"]] == sorted(ids)
    assert len(expected["stages"]) == 2 * BILLS and expected["versions"] == 0

    db_path = tmp_path / "tracker.db"
    database = tracker_db.connect(db_path)
    rng = random.Random(SEED)
    killed, stored_at_kill = [], []
    for _ in range(2 * KILLS):
        if len(killed) == KILLS:
            break
        run_id = store.start_run(database, SOURCE)
        process = worker(db_path, run_id, server.url)
        # Later runs find the bills stored and go faster than the first: kill within 60% of its time.
        time.sleep(rng.uniform(0.05, 0.6) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        if process.returncode == -signal.SIGKILL:
            killed.append(run_id)
        else:  # finished before the kill: a normal run, not counted
            assert process.returncode == 0
        assert integrity(db_path) == "ok"
        stored, broken = stages_complete(db_path)
        assert broken == []
        stored_at_kill.append(stored)
    assert len(killed) == KILLS, f"only {len(killed)} workers were still running when killed"
    # Some kills landed while bills were being inserted (later runs find them stored and rewrite last_seen).
    assert any(0 < n < BILLS for n in stored_at_kill), stored_at_kill
    print("bills stored at each kill:", stored_at_kill)
    statuses = Counter(row[0] for row in database.execute("SELECT status FROM runs WHERE id IN (%s)"
                                                           % ",".join(map(str, killed))))
    assert statuses == {"running": KILLS}  # nothing marks a killed run until the source is crawled again

    [rerun] = crawl_mod.crawl([SOURCE], db_path, base_urls={SOURCE: server.url}, since=SINCE, settings=SETTINGS)
    assert (rerun.status, rerun.message) == ("ok", None)
    assert integrity(db_path) == "ok"
    assert content(db_path) == expected
    assert database.execute("SELECT count(*), count(DISTINCT id) FROM items").fetchone() == (BILLS, BILLS)
    closed = list(database.query(f"SELECT status, error_message FROM runs WHERE id IN ({','.join(map(str, killed))})"))
    assert {(r["status"], r["error_message"]) for r in closed} == {
        ("failed", "interrupted: the crawl process ended without recording a result")}
    assert database.execute("SELECT count(*) FROM runs WHERE status = 'running'").fetchone()[0] == 0
    database.close()
