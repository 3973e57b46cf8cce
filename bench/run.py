"""`make bench`: scaled corpora from the snapshot; ingest, incremental crawl, Datasette, briefing,
classification and memory figures in one run; a table on stdout and bench/results.json.

    .venv/bin/python bench/run.py                      # 2k, 20k, 200k (about 10-12 minutes on 2 cores)
    .venv/bin/python bench/run.py --sizes 2000,20000   # quicker
    .venv/bin/python bench/run.py --profile            # also cProfile the slow paths (bench/corpora/profiles/)

See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from bench import corpus  # noqa: E402

WORK = corpus.CORPORA / "work"
RESULTS = BENCH / "results.json"
TARGETS = {
    "replay_seconds_max": 60,
    "incremental_request_ratio_max": 0.05,
    "search_p95_over_bare_max": 2.0,
    "facets_p95_over_bare_max": 2.0,
    "dossier_p95_over_bare_max": 2.0,
    "dashboard_p95_ms_max": 1000,
    "briefing_growth_max": 2.0,
    "maxrss_mb_max": 400,
    "robots_p95_during_login_storm_ms_max": 50,
    "total_minutes_max": 15,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rel(path: Path) -> str:
    return str(path.relative_to(PROJECT))


def step(name: str, **args) -> dict:
    """Run one step in its own process and return its JSON result."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(BENCH / "steps.py"), name, json.dumps(args)], cwd=PROJECT, env=env,
                          capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"bench step {name} {args} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1][len("BENCH-RESULT "):])
    log(f"{name} {({k: v for k, v in args.items() if k != 'db'})} done in {time.perf_counter() - started:.1f}s, "
        f"peak RSS {result['maxrss_mb']} MB")
    return result


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    from importlib.metadata import version
    info["versions"] = {p: version(p) for p in ("datasette", "scrapy", "sqlite-utils", "uvicorn")}
    try:
        info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True,
                                            text=True).stdout.strip() or None
    except OSError:
        info["git_commit"] = None
    return info


def run_size(size: int, args) -> dict:
    out: dict = {}
    t = time.perf_counter()
    path, built = corpus.ensure_corpus(size)
    out["corpus"] = {"file": rel(path), "built": built, "seconds": round(time.perf_counter() - t, 2),
                     "mb": round(path.stat().st_size / 1e6, 1)}
    log(f"corpus {size}: {'built' if built else 'cached'} ({out['corpus']['mb']} MB)")
    folder = WORK / str(size)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = folder / "tracker.db"
    if size <= args.diagnose_max:  # diagnosis only: plain json.loads + executemany, and into the real schema
        out["floor"] = step("floor", size=size, db=rel(folder / "floor.db"))
        out["floor_real_schema"] = step("floor", size=size, db=rel(folder / "floor-real.db"), real_schema=True)
        remove_db(folder / "floor.db")
        remove_db(folder / "floor-real.db")
    out["ingest"] = step("ingest", size=size, db=rel(db), verify=size <= 20_000)
    out["classify"] = step("classify", db=rel(db), passes=1 if size > args.reclassify_max else 2)
    out["week_changes"] = step("week_changes", db=rel(db))
    out["briefing"] = step("briefing", db=rel(db), reps=args.briefing_reps)
    out["alerts"] = step("alerts", db=rel(db))
    out["datasette"] = step("datasette", db=rel(db), reps=args.http_reps, max_seconds=args.http_seconds)
    if args.profile:
        out["profiles"] = {
            "ingest": step("ingest", size=min(size, 20_000), db=rel(folder / "profile.db"), profile=True)["profile"],
            "briefing": step("briefing", db=rel(db), reps=1, profile=True)["profile"],
        }
        remove_db(folder / "profile.db")
    out["db_mb"] = round(sum(p.stat().st_size for p in folder.glob("tracker.db*")) / 1e6, 1)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def table(results: dict, sizes: list[int]) -> tuple[list[list[str]], list[dict]]:
    rows: list[list[str]] = []
    verdicts: list[dict] = []

    def verdict(name: str, value, target: str, met: bool | None, why: str = "") -> None:
        verdicts.append({"target": name, "value": value, "wanted": target,
                         "met": met, "note": why})

    by = results["sizes"]
    for size in sizes:
        r = by[str(size)]
        real = r["ingest"]["items_per_s"]
        parse_share = r["ingest"]["parse_seconds"] / r["ingest"]["seconds"]
        floors = (f"; floor {r['floor']['items_per_s']:,.0f}/s, into the real schema "
                  f"{r['floor_real_schema']['items_per_s']:,.0f}/s" if "floor" in r else "")
        rows.append([f"{size:,}", "corpus load (parse+validate+store)", f"{real:,.0f} items/s",
                     f"parse {parse_share:.0%} of time{floors}; no target"])
        cl = r["classify"]["passes"]
        label = "re-classification (pass 2)" if len(cl) > 1 else "first full classification"
        rows.append([f"{size:,}", f"classify {label}", f"{cl[-1]['items_per_s']:,.0f} items/s",
                     f"{cl[-1]['seconds']:.1f} s"])
        b = r["briefing"]
        rows.append([f"{size:,}", "briefing build (median)", f"{b['median_s'] * 1000:,.0f} ms",
                     f"new {b['counts']['new']}, moved {b['counts']['moved']}, closing {b['closing']}"])
        if "alerts" in r:
            a = r["alerts"]
            rows.append([f"{size:,}", f"alerts build, {a['users']} people x {a['watches'] // a['users']} watches",
                         f"{a['median_s']:.2f} s", f"{a['messages']} messages, {a['changes_sent']} changes; "
                         "target: seconds, not minutes"])
        eps = r["datasette"]["endpoints"]
        for name, e in eps.items():
            rows.append([f"{size:,}", f"datasette {name}", f"p50 {e['p50_ms']:.0f} / p95 {e['p95_ms']:.0f} ms",
                         f"n={e['n']} {e['path']}"])
        for name in ("search", "facets", "dossier"):
            if name in eps:
                rows.append([f"{size:,}", f"datasette {name} p95 / bare items p95",
                             f"{eps[name]['p95_ms'] / eps['bare_items']['p95_ms']:.2f}", "target <= 2 at 200k"])
        mem = {"ingest": r["ingest"]["maxrss_mb"],
               "classify": r["classify"]["maxrss_mb"], "briefing": r["briefing"]["maxrss_mb"],
               "datasette server": r["datasette"]["server_maxrss_mb"]}
        rows.append([f"{size:,}", "peak RSS (MB)", ", ".join(f"{k} {v:.0f}" for k, v in mem.items()),
                     f"db {r['db_mb']:,.0f} MB"])
    for size, c in results["crawl"].items():
        rows.append([f"{int(size):,}", "crawl full (parliament-bills)",
                     f"{c['full']['requests']:,} requests, {c['full']['rows_written']:,} row writes",
                     f"{c['full']['seconds']:.1f} s, status {c['full']['status']}"])
        rows.append([f"{int(size):,}", f"crawl replay, {c['changed_bills']} bills changed (1%)",
                     f"{c['replay']['requests']:,} requests, {c['replay']['rows_written']:,} row writes",
                     f"{c['replay']['seconds']:.1f} s, status {c['replay']['status']}"])
        rows.append([f"{int(size):,}", "crawl replay/full requests", f"{c['request_ratio']:.4f}",
                     f"rows ratio {c['rows_ratio']:.4f}; target <= 0.05"])
        rows.append([f"{int(size):,}", "peak RSS (MB)", f"crawl step {c['maxrss_mb']:.0f}",
                     f"scrapy process {c['children_maxrss_mb']:.0f}"])

    replay = results.get("replay")
    if replay:
        for n, label in ((0, "into an empty database"), (1, "again, nothing new")):
            p = replay["passes"][n]
            rows.append(["-", f"snapshot replay + classification, {label}",
                         f"{p['seconds']:.1f} s, {p['items_per_s']:.1f} items/s",
                         f"{p['sources']} sources, {p['requests']} requests, {p['items_seen']} items seen, "
                         f"status {'/'.join(p['statuses'])}"])
    polls = results.get("poll_requests")
    if polls:
        for source, f in polls["sources"].items():
            rows.append(["-", f"poll with nothing new: {source}", f"{f['poll']['requests']} requests",
                         f"crawl {f['crawl']['requests']} requests; poll status {f['poll']['status']}; target <= 2"])
    latency = results.get("poll_latency")
    if latency:
        rows.append(["-", "document appears in a listing -> visible in Datasette",
                     f"{latency['appear_to_visible_s']} s at a {latency['interval_s']:.0f} s interval",
                     f"slowest poll {latency['poll_seconds_max']} s; at the real 30-minute interval at most "
                     f"{latency['worst_case_at_30_min_s']} s; target < {latency['target_s']} s"])
    storm = results.get("login_storm")
    if storm:
        rows.append(["-", f"/robots.txt while {storm['clients']} clients post failed logins",
                     f"p50 {storm['storm_p50_ms']:.0f} / p95 {storm['storm_p95_ms']:.0f} ms",
                     f"idle p95 {storm['idle_p95_ms']:.0f} ms; {storm['logins_per_s']} logins/s; target p95 <= 50 ms"])

    # Verdicts against the brief's targets.
    largest, smallest = str(max(sizes)), str(min(sizes))
    if replay:
        for n, label in ((0, "snapshot replay + classification (s)"), (1, "snapshot replay again, nothing new (s)")):
            p = replay["passes"][n]
            verdict(label, p["seconds"], f"<= {TARGETS['replay_seconds_max']}",
                    p["seconds"] <= TARGETS["replay_seconds_max"] and p["statuses"] == ["ok"])
    for size, c in results["crawl"].items():
        verdict(f"incremental requests replay/full at {int(size):,}", c["request_ratio"], "<= 0.05",
                c["request_ratio"] <= TARGETS["incremental_request_ratio_max"] and c["replay"]["status"] == "ok")
    eps = by[largest]["datasette"]["endpoints"]
    full = int(largest) >= 200_000
    for name in ("search", "facets", "dossier"):
        ratio = eps[name]["p95_ms"] / eps["bare_items"]["p95_ms"]
        verdict(f"{name} p95 / bare items p95 at {int(largest):,}", round(ratio, 2), "<= 2",
                ratio <= TARGETS[f"{name}_p95_over_bare_max"] if full else None, "" if full else "200k not run")
    dashboard = eps["dashboard"]["p95_ms"]
    verdict(f"dashboard p95 at {int(largest):,} (ms)", dashboard, f"<= {TARGETS['dashboard_p95_ms_max']}",
            dashboard <= TARGETS["dashboard_p95_ms_max"] if full else None, "" if full else "200k not run")
    growth = by[largest]["briefing"]["median_s"] / by[smallest]["briefing"]["median_s"]
    verdict(f"briefing {int(largest):,} / {int(smallest):,}", round(growth, 2), "<= 2",
            growth <= TARGETS["briefing_growth_max"] if int(largest) >= 200_000 else None)
    peak = max([by[largest][k]["maxrss_mb"] for k in ("ingest", "classify", "week_changes", "briefing",
                                                      "datasette")] + [by[largest]["datasette"]["server_maxrss_mb"]])
    worst = max(((k, by[largest][k]["maxrss_mb"]) for k in ("ingest", "classify", "briefing")),
                key=lambda kv: kv[1])
    verdict(f"peak RSS of any step at {int(largest):,}", peak, "< 400 MB", peak < TARGETS["maxrss_mb_max"]
            if int(largest) >= 200_000 else None, f"largest: {worst[0]} {worst[1]} MB")
    if polls:
        verdict("requests of a poll with nothing new, most of any source", polls["max_poll_requests"], "<= 2",
                polls["met"], "every poll ok" if polls["met"] else "a poll failed or cost more")
    if latency:
        verdict("publication -> visible in Datasette at the 30-minute poll interval (s)",
                latency["worst_case_at_30_min_s"], f"< {latency['target_s']} (one interval plus a minute)",
                latency["met"])
    if storm:
        verdict("/robots.txt p95 during a login storm (ms)", storm["storm_p95_ms"], "<= 50",
                storm["storm_p95_ms"] <= TARGETS["robots_p95_during_login_storm_ms_max"],
                f"idle {storm['idle_p95_ms']} ms")
    minutes = results["total_seconds"] / 60
    verdict("whole run", round(minutes, 1), "< 15 min", minutes < TARGETS["total_minutes_max"])
    return rows, verdicts


def render(rows: list[list[str]], verdicts: list[dict]) -> str:
    header = ["size", "measure", "figure", "notes"]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(4)]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in rows]
    out.append("")
    out.append("Targets:")
    for v in verdicts:
        mark = "MET" if v["met"] else ("n/a" if v["met"] is None else "MISSED")
        out.append(f"  [{mark:6}] {v['target']}: {v['value']} (wanted {v['wanted']}){'  ' + v['note'] if v['note'] else ''}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000,200000", help="corpus sizes (comma-separated)")
    parser.add_argument("--crawl-sizes", default="2000", help="bill counts for the incremental crawl")
    parser.add_argument("--reclassify-max", type=int, default=20_000,
                        help="sizes up to this get a timed second (re-)classification pass")
    parser.add_argument("--diagnose-max", type=int, default=0,
                        help="sizes up to this also get the ingest floors (plain json.loads + executemany, and into "
                             "the real schema), for diagnosing the store")
    parser.add_argument("--briefing-reps", type=int, default=3)
    parser.add_argument("--http-reps", type=int, default=40, help="requests per Datasette endpoint")
    parser.add_argument("--http-seconds", type=float, default=60.0,
                        help="stop a size's HTTP rounds after this long (at least 20 rounds)")
    parser.add_argument("--profile", action="store_true", help="also write cProfile reports of ingest and briefing")
    parser.add_argument("--keep", action="store_true", help="keep the databases under bench/corpora/work/")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    crawl_sizes = [int(s) for s in args.crawl_sizes.split(",") if s]
    started = time.perf_counter()
    results: dict = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
                     "settings": {"sizes": sizes, "crawl_sizes": crawl_sizes, "briefing_reps": args.briefing_reps,
                                  "http_reps": args.http_reps, "http_seconds": args.http_seconds,
                                  "reclassify_max": args.reclassify_max, "diagnose_max": args.diagnose_max, "corpus_version": corpus.CORPUS_VERSION},
                     "targets": TARGETS, "sizes": {}, "crawl": {}}
    WORK.mkdir(parents=True, exist_ok=True)
    for size in sizes:
        log(f"size {size:,}")
        results["sizes"][str(size)] = run_size(size, args)
    for size in crawl_sizes:
        folder = WORK / f"crawl-{size}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        results["crawl"][str(size)] = step("crawl", size=size, db=rel(folder / "crawl.db"))
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    folder = WORK / "replay"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    results["replay"] = step("replay", db=rel(folder / "tracker.db"))
    shutil.rmtree(folder, ignore_errors=True)
    # Fresh within the hour (issue 20): what a poll with nothing new costs each source, and how soon a document
    # that appears in a replayed listing is visible in Datasette (bench/polling.py).
    for name in ("poll_requests", "poll_latency"):
        folder = WORK / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        results[name] = step(name, db=rel(folder / "tracker.db"))
        shutil.rmtree(folder, ignore_errors=True)
    folder = WORK / "login-storm"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    results["login_storm"] = step("login_storm", db=rel(folder / "tracker.db"))
    shutil.rmtree(folder, ignore_errors=True)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    rows, verdicts = table(results, sizes)
    results["table"] = [dict(zip(("size", "measure", "figure", "notes"), r)) for r in rows]
    results["verdicts"] = verdicts
    Path(args.output).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(render(rows, verdicts))
    print(f"\nTotal {results['total_seconds'] / 60:.1f} min; results in {args.output if args.output != str(RESULTS) else rel(RESULTS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
