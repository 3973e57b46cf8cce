"""One benchmark step per process: `python bench/steps.py STEP JSON-ARGS` prints one JSON result line.

Each step runs in its own process so its peak resident memory (ru_maxrss) is its own.
"""
from __future__ import annotations

import cProfile
import http.client
import io
import json
import os
import pstats
import resource
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from bench import corpus  # noqa: E402
from tests.helpers.http import free_port  # noqa: E402
from tracker.store import db as tracker_db  # noqa: E402
from tracker.store import items as store  # noqa: E402
from tracker.contract import validate_item  # noqa: E402

#: Every archive item is stored "now" = this instant (long before the briefing week).
ARCHIVE_NOW = "2026-03-02T09:00:00+00:00"
#: The benchmark's briefing week, and when its constant set of changes is stored.
WEEK = "2026-W27"
CHANGE_NOW = "2026-06-24T10:00:00+00:00"
WEEK_REPLICA = 999_999
SECRET = "bench-secret-not-for-production"


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux: kilobytes


def _profile_text(profiler: cProfile.Profile, limit: int = 25) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(limit)
    out.write("\n--- by own time ---\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def _save_profile(profiler: cProfile.Profile, name: str) -> str:
    folder = corpus.CORPORA / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(_profile_text(profiler), encoding="utf-8")
    return str(path.relative_to(PROJECT))


# --- ingest -------------------------------------------------------------------------------------

def ingest(size: int, db: str, verify: bool = False, profile: bool = False) -> dict:
    """Real path: parse the snapshot payloads, vary, validate (as StorePipeline does), upsert_items in batches."""
    payloads = corpus.load_payloads()
    database = tracker_db.connect(db)
    profiler = cProfile.Profile() if profile else None
    counts: Counter = Counter()
    buffer: list[dict] = []
    parse_s = 0.0
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for i in range(size):
        k, b = divmod(i, len(payloads))
        t = time.perf_counter()
        item = corpus.vary(asdict(corpus.parse_payload(payloads[b])), k)
        parse_s += time.perf_counter() - t
        validate_item(item)
        buffer.append(item)
        if len(buffer) >= store.BATCH_SIZE:
            counts.update(store.upsert_items(database, buffer, now=ARCHIVE_NOW))
            buffer = []
    if buffer:
        counts.update(store.upsert_items(database, buffer, now=ARCHIVE_NOW))
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()
    result = {"size": size, "seconds": round(elapsed, 3), "items_per_s": round(size / elapsed, 1),
              "parse_seconds": round(parse_s, 3), "counts": dict(counts),
              "rows": database.execute("select count(*) from items").fetchone()[0],
              "stage_rows": database.execute("select count(*) from bill_stages").fetchone()[0]}
    if verify:
        result["verified_against_corpus"] = _verify(database, size)
    if profiler:
        result["profile"] = _save_profile(profiler, f"ingest-{size}")
    database.close()
    return result


def _verify(database, size: int) -> bool:
    """The stored rows are the corpus rows: same ids and content hashes."""
    path, _ = corpus.ensure_corpus(size)
    stored = dict(database.execute("select id, content_hash from items").fetchall())
    expected = {item["id"]: store.content_hash(store.content_of(validate_item(item)))
                for item in corpus.read_corpus(path)}
    return stored == expected


FLOOR_COLUMNS = ("id", "source", "kind", "title", "summary", "url", "organisation", "status", "published",
                 "updated", "opens", "closes", "body_text")


def floor(size: int, db: str, real_schema: bool = False) -> dict:
    """Floor: json.loads each corpus line + sqlite3.executemany into a table of the items table's shape.

    real_schema=False: the same CREATE TABLE, no secondary indexes, no FTS (the plain floor).
    real_schema=True: the migrated tracker schema (7 indexes + FTS triggers), for diagnosis only.
    """
    path, _ = corpus.ensure_corpus(size)
    template = tracker_db.connect(Path(db).with_name("floor-template.db"))
    items_sql = template.execute("select sql from sqlite_master where name = 'items'").fetchone()[0]
    template.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(Path(db).with_name("floor-template.db")) + suffix).unlink(missing_ok=True)
    if real_schema:
        tracker_db.connect(db).close()
        conn = sqlite3.connect(db)
    else:
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(items_sql)
    conn.execute("PRAGMA synchronous = NORMAL")
    columns = FLOOR_COLUMNS + ("details", "stages", "content_hash", "version", "first_seen", "last_seen",
                               "last_changed")
    sql = f"INSERT INTO items ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    started = time.perf_counter()
    batch: list[tuple] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            batch.append((*(item.get(c) for c in FLOOR_COLUMNS), json.dumps(item["details"]),
                          json.dumps(item["stages"]), "", 1, ARCHIVE_NOW, ARCHIVE_NOW, ARCHIVE_NOW))
            if len(batch) >= 1000:
                with conn:
                    conn.executemany(sql, batch)
                batch = []
    if batch:
        with conn:
            conn.executemany(sql, batch)
    elapsed = time.perf_counter() - started
    rows = conn.execute("select count(*) from items").fetchone()[0]
    conn.close()
    return {"size": size, "seconds": round(elapsed, 3), "items_per_s": round(size / elapsed, 1), "rows": rows,
            "real_schema": real_schema}


# --- classification and the briefing week ---------------------------------------------------------

def classify(db: str, passes: int = 1, profile: bool = False) -> dict:
    """tagging.classify_stored(everything=True), `passes` times: pass 1 on an unclassified database is the
    first classification, pass 2 a full re-classification."""
    from tracker.classify import tagging
    database = tracker_db.connect(db)
    size = database.execute("select count(*) from items").fetchone()[0]
    out: dict = {"size": size, "passes": []}
    for n in range(passes):
        profiler = cProfile.Profile() if profile and n == passes - 1 else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = tagging.classify_stored(database, everything=True, now=ARCHIVE_NOW)
        if profiler:
            profiler.disable()
            out["profile"] = _save_profile(profiler, f"classify-{size}-pass{n + 1}")
        elapsed = time.perf_counter() - started
        out["passes"].append({"seconds": round(elapsed, 3), "items_per_s": round(size / elapsed, 1),
                              "classified": result.classified, "relevant": result.relevant,
                              "tags_written": result.tags_written})
    database.close()
    return out


CONSULTATION_KINDS = ("consultation", "call_for_evidence", "committee_inquiry", "sentencing_consultation",
                      "law_commission_consultation")


def week_changes(db: str) -> dict:
    """The briefing week's constant changes, through the real store: every base item again as a new item
    (replica WEEK_REPLICA) and every replica-0 item with a changed status (a new version)."""
    from tracker.classify import tagging
    payloads = corpus.load_payloads()
    new, moved = [], []
    for payload in payloads:
        new.append(corpus.vary(asdict(corpus.parse_payload(payload)), WEEK_REPLICA))
        item = asdict(corpus.parse_payload(payload))
        item["status"] = ("Lords: Report stage" if item["kind"] == "bill"
                          else "closed" if item["kind"] in CONSULTATION_KINDS else "revised")
        moved.append(item)
    database = tracker_db.connect(db)
    started = time.perf_counter()
    counts = store.upsert_items(database, [validate_item(i) for i in new + moved], now=CHANGE_NOW)
    tagged = tagging.classify_stored(database, now=CHANGE_NOW)
    elapsed = time.perf_counter() - started
    database.close()
    return {"counts": dict(counts), "classified": tagged.classified, "seconds": round(elapsed, 3)}


def briefing(db: str, reps: int = 3, profile: bool = False) -> dict:
    """Time build_briefing for the benchmark week (median of `reps`)."""
    from tracker.briefing.build import build_briefing
    database = tracker_db.connect(db)
    size = database.execute("select count(*) from items").fetchone()[0]
    times, result = [], None
    for _ in range(reps):
        started = time.perf_counter()
        result = build_briefing(database, WEEK, datasette_url="http://127.0.0.1:8001")
        times.append(time.perf_counter() - started)
    out = {"size": size, "seconds": [round(t, 3) for t in times], "median_s": round(sorted(times)[len(times) // 2], 3),
           "counts": result.counts, "closing": len(result.closing), "overdue": len(result.overdue) + result.overdue_more,
           "content_hash": result.content_hash}
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        build_briefing(database, WEEK, datasette_url="http://127.0.0.1:8001")
        profiler.disable()
        out["profile"] = _save_profile(profiler, f"briefing-{size}")
    database.close()
    return out


def alerts(db: str, users: int = 500, per_user: int = 20, reps: int = 3) -> dict:
    """Build every alert due the day after the week's changes, for `users` people with `per_user` watches each:
    searches (from a pool of the corpus' title words, so people share some and not others), themes,
    organisations, items and reforms, followed the day before the changes."""
    import random
    from datetime import datetime, timedelta

    from tracker.alerts import run as alerts_run
    from tracker.config import Config
    database = tracker_db.connect(db)
    size = database.execute("select count(*) from items").fetchone()[0]
    rng = random.Random(19)
    words = sorted({w.strip("(),:;'\"").lower() for (title,) in database.execute(
        "select title from items where rowid % 97 = 0 limit 5000") for w in title.split() if len(w) > 5})
    themes = [row[0] for row in database.execute("select id from priorities")]
    organisations = [row[0] for row in database.execute(
        "select distinct organisation from items where organisation is not null limit 200")]
    items = [row[0] for row in database.execute("select id from items where rowid % 1009 = 0 limit 2000")]
    followed = (datetime.fromisoformat(CHANGE_NOW) - timedelta(days=1)).isoformat()
    rows = []
    for user in range(users):
        for n in range(per_user):
            what = ("search", "search", "search", "search", "search", "search", "search", "search",
                    "theme", "theme", "theme", "theme", "organisation", "organisation", "organisation",
                    "item", "item", "item", "reform", "reform")[n % 20]
            target = {"search": lambda: " ".join(rng.sample(words, rng.choice((1, 1, 2)))),
                      "theme": lambda: rng.choice(themes), "organisation": lambda: rng.choice(organisations),
                      "item": lambda: rng.choice(items), "reform": lambda: rng.choice(items)}[what]()
            rows.append((f"user{user}", what, target, "immediate", followed, "bench"))
    with database.atomic():
        database.execute("delete from watches")
        database.conn.executemany("insert or ignore into watches (owner, what, target, cadence, created, created_by) "
                                  "values (?, ?, ?, ?, ?, ?)", rows)
    config = Config(users={f"user{u}": "reader" for u in range(users)},
                    emails={f"user{u}": f"user{u}@example.org" for u in range(users)})
    now = datetime.fromisoformat(CHANGE_NOW) + timedelta(hours=1)
    times, built = [], []
    for _ in range(reps):
        started = time.perf_counter()
        built = alerts_run.build(database, config, now)
        times.append(time.perf_counter() - started)
    watches = database.execute("select count(*) from watches").fetchone()[0]
    with database.atomic():
        database.execute("delete from watches")
    database.close()
    return {"size": size, "users": users, "watches": watches, "messages": len(built),
            "changes_sent": sum(len(a.keys) for a in built), "seconds": [round(t, 3) for t in times],
            "median_s": round(sorted(times)[len(times) // 2], 3)}


# --- Datasette ----------------------------------------------------------------------------------

ENDPOINTS = {
    "bare_runs": "/tracker/runs",
    "bare_items": "/tracker/items?_nofacet=1&_size=50",
    "search": "/tracker/items?_search=fraud",
    "facets": "/tracker/items?_facet=kind&_facet=source&_facet_array=themes",
    "deadlines": "/tracker/deadlines",
    # The reform page of the Economic Crime and Corporate Transparency Act (a real item, replica 0).
    "dossier": "/-/dossier/legislation:ukpga/2023/56",
    # The home page's figures, as a signed-in reader sees them (the needs-review card included).
    "dashboard": "/",
}
#: Pages too slow at 200k to sample 20 times within the budget: sampled SLOW_REPS times after the others (none
#: since the dashboard's reads were bounded; it took 7.8 s at 200k before).
SLOW_ENDPOINTS: dict[str, str] = {}
SLOW_REPS = 5


def _get(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[int, float, int]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"ds_actor={cookie}"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        text = " ".join(body.decode("utf-8", "replace").split())
        raise RuntimeError(f"{path}: HTTP {response.status}: {text[:600]}")
    return response.status, time.perf_counter() - started, len(body)


def _session(signer) -> str:
    """A session cookie for the bench's admin account (a fresh database: session epoch 0)."""
    from bench.dsserver import BENCH_USER
    from tracker.store import sessions
    return sessions.sign(signer, BENCH_USER, epoch=0, issued=time.time())


def _start_server(db: str, port: int, settings: dict | None = None) -> subprocess.Popen:
    """The bench's Datasette (bench/dsserver.py) on `port`, once it answers; `settings` override Datasette's."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))}
    server = subprocess.Popen([sys.executable, str(BENCH / "dsserver.py"), db, str(port), SECRET,
                               json.dumps(settings or {})], cwd=PROJECT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/robots.txt")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError("Datasette did not start: " + server.stderr.read().decode()[-2000:])
            time.sleep(0.2)


def _robots_times(port: int, n: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request("GET", "/robots.txt")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"/robots.txt: HTTP {response.status}")
        times.append(time.perf_counter() - started)
        time.sleep(0.02)  # a page's worth of spacing, so the sample spans the storm
    conn.close()
    return times


def login_storm(db: str, clients: int = 10, samples: int = 80) -> dict:
    """/robots.txt latency idle, then while `clients` anonymous clients post failed logins back to back.

    Each login names a different unknown account from a different client address (X-Forwarded-For from
    loopback, which uvicorn trusts as the proxy), so the per-account and per-address limits never stop the
    storm: every login costs a full password hash, as a distributed storm would.
    """
    import threading
    import urllib.parse

    tracker_db.connect(db).close()
    port = free_port()
    server = _start_server(db, port)
    outcomes: Counter = Counter()
    stop = threading.Event()

    def storm(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        n = 0
        while not stop.is_set():
            n += 1
            body = urllib.parse.urlencode({"username": f"nobody-{index}-{n}", "password": "wrong"})
            address = f"10.{index}.{n // 250 % 250}.{n % 250 + 1}"
            conn.request("POST", "/-/login", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address})
            response = conn.getresponse()
            response.read()
            outcomes[response.status] += 1
        conn.close()

    try:
        idle = _robots_times(port, samples)
        threads = [threading.Thread(target=storm, args=(i,), daemon=True) for i in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # let every client have a login in flight
        busy = _robots_times(port, samples)
        stop.set()
        for thread in threads:
            thread.join(120)
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    return {"clients": clients, "samples": samples,
            "idle_p50_ms": round(_percentile(idle, 0.5) * 1000, 1),
            "idle_p95_ms": round(_percentile(idle, 0.95) * 1000, 1),
            "storm_p50_ms": round(_percentile(busy, 0.5) * 1000, 1),
            "storm_p95_ms": round(_percentile(busy, 0.95) * 1000, 1),
            "logins": sum(outcomes.values()), "login_statuses": {str(k): v for k, v in outcomes.items()},
            "logins_per_s": round(sum(outcomes.values()) / seconds, 1)}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def datasette(db: str, reps: int = 40, warmup: int = 3, max_seconds: float = 90.0,
              settings: dict | None = None, extra: dict | None = None) -> dict:
    """p50/p95 over loopback of each endpoint, requests interleaved round-robin, one keep-alive client.

    `settings` overrides Datasette settings and `extra` adds endpoints: for trying a fix, never in `make bench`.
    """
    from datasette.app import Datasette
    endpoints = {**ENDPOINTS, **(extra or {})}
    port = free_port()
    server = _start_server(db, port, settings)
    cookie = _session(Datasette([], secret=SECRET))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        sizes: dict[str, int] = {}
        for _ in range(warmup):
            for name, path in endpoints.items():
                status, _, length = _get(conn, path, cookie)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}")
                sizes[name] = length
        samples: dict[str, list[float]] = {name: [] for name in endpoints}
        started = time.perf_counter()
        for _ in range(reps):
            for name, path in endpoints.items():
                status, seconds, _ = _get(conn, path, cookie)
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}")
                samples[name].append(seconds)
            if time.perf_counter() - started > max_seconds and len(samples["search"]) >= 20:
                break
        slow = {} if extra else SLOW_ENDPOINTS
        for name, path in slow.items():
            sizes[name] = _get(conn, path, cookie)[2]  # warm
            samples[name] = [_get(conn, path, cookie)[1] for _ in range(SLOW_REPS)]
        endpoints = {**endpoints, **slow}
        conn.close()
    finally:
        server.terminate()
        _, status, usage = os.wait4(server.pid, 0)
        server.returncode = status
    out = {"endpoints": {}, "server_maxrss_mb": round(usage.ru_maxrss / 1024, 1)}
    for name, values in samples.items():
        out["endpoints"][name] = {"path": endpoints[name], "n": len(values), "bytes": sizes[name],
                                  "p50_ms": round(_percentile(values, 0.5) * 1000, 1),
                                  "p95_ms": round(_percentile(values, 0.95) * 1000, 1)}
    return out


# --- incremental crawl -----------------------------------------------------------------------------

WRITE_TABLES = ("items", "item_versions", "bill_stages", "links", "runs")
CRAWL_SETTINGS = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 16,
                  # The project default of 2 per domain would cap a one-host crawl at 2 in flight.
                  "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "ROBOTSTXT_OBEY": False}


def _count_writes(db: str) -> None:
    """Triggers in the scratch database that count every row written, per table (rows, not statements)."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_writes (tbl TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    for table in WRITE_TABLES:
        conn.execute("INSERT OR IGNORE INTO bench_writes VALUES (?, 0)", [table])
        for op in ("INSERT", "UPDATE", "DELETE"):
            conn.execute(f"CREATE TRIGGER IF NOT EXISTS bench_{table}_{op.lower()} AFTER {op} ON {table} BEGIN "
                         f"UPDATE bench_writes SET n = n + 1 WHERE tbl = '{table}'; END")
    conn.commit()
    conn.close()


def _writes(db: str) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("select tbl, n from bench_writes").fetchall())
    finally:
        conn.close()


def crawl(size: int, db: str, every: int = 100) -> dict:
    """A full crawl of `size` bills, then a replay in which every `every`-th bill changed."""
    from bench.billserver import BillsServer
    from tracker import crawl as crawl_mod
    tracker_db.connect(db).close()
    _count_writes(db)
    out: dict = {"size": size}
    with BillsServer(size) as server:
        for phase in ("full", "replay"):
            if phase == "replay":
                out["changed_bills"] = len(server.api.change(every))
            before_requests, before_writes = len(server.requests), _writes(db)
            started = time.perf_counter()
            [result] = crawl_mod.crawl(["parliament-bills"], db, base_urls={"parliament-bills": server.url},
                                       since="1990-01-01T00:00:00", settings=CRAWL_SETTINGS)
            elapsed = time.perf_counter() - started
            after = _writes(db)
            writes = {t: after[t] - before_writes.get(t, 0) for t in after}
            conn = sqlite3.connect(db)
            run = dict(zip(("requests", "items_seen", "inserted", "updated", "unchanged", "errors"), conn.execute(
                "select requests, items_seen, inserted, updated, unchanged, errors from runs where id = ?",
                [result.run_id]).fetchone()))
            conn.close()
            out[phase] = {"status": result.status, "message": result.message, "seconds": round(elapsed, 2),
                          "requests": len(server.requests) - before_requests,
                          "rows_written": sum(n for t, n in writes.items() if t != "runs"),
                          "writes": writes, "run": run}
    out["children_maxrss_mb"] = maxrss_mb(resource.RUSAGE_CHILDREN)
    out["request_ratio"] = round(out["replay"]["requests"] / out["full"]["requests"], 4)
    out["rows_ratio"] = round(out["replay"]["rows_written"] / max(1, out["full"]["rows_written"]), 4)
    return out


# --- replay of the bundled snapshot ------------------------------------------------------------------

def replay(db: str, passes: int = 2) -> dict:
    """The bundled snapshot through the real spiders (one Scrapy process per source, as in production), then
    classification: pass 1 into an empty database, pass 2 again (nothing new: what a routine crawl costs)."""
    from tracker import crawl as crawl_mod
    from tracker.classify import tagging
    snapshot = PROJECT / "snapshot"
    clock = json.loads((snapshot / "moment.json").read_text(encoding="utf-8"))["crawled"]
    tracker_db.connect(db).close()
    out: dict = {"passes": []}
    for _ in range(passes):
        started = time.perf_counter()
        results = crawl_mod.crawl((), db, snapshot=str(snapshot), clock=clock)
        crawled = time.perf_counter() - started
        database = tracker_db.connect(db)
        tagging.classify_stored(database, now=clock)
        elapsed = time.perf_counter() - started
        runs = [dict(zip(("requests", "items_seen", "inserted", "updated"), database.execute(
            "select requests, items_seen, inserted, updated from runs where id = ?", [r.run_id]).fetchone()))
            for r in results]
        items = database.execute("select count(*) from items").fetchone()[0]
        database.close()
        seen = sum(r["items_seen"] or 0 for r in runs)
        out["passes"].append({"seconds": round(elapsed, 2), "crawl_seconds": round(crawled, 2),
                              "statuses": sorted({r.status for r in results}), "sources": len(results),
                              "requests": sum(r["requests"] or 0 for r in runs), "items_seen": seen,
                              "inserted": sum(r["inserted"] or 0 for r in runs), "items_stored": items,
                              "items_per_s": round(seen / elapsed, 1)})
    out["children_maxrss_mb"] = maxrss_mb(resource.RUSAGE_CHILDREN)
    return out


STEPS = {"replay": replay, "ingest": ingest, "floor": floor, "classify": classify, "week_changes": week_changes,
         "briefing": briefing, "datasette": datasette, "crawl": crawl, "login_storm": login_storm,
         "alerts": alerts}

# Issue 20 part 3: polls (bench/polling.py), added here so bench/run.py can call them as steps.
from bench import polling as _polling  # noqa: E402

STEPS.update(_polling.STEPS)


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    started = time.perf_counter()
    result = STEPS[name](**args)
    result["step_seconds"] = round(time.perf_counter() - started, 2)
    result["maxrss_mb"] = maxrss_mb()
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
