"""Where a Datasette page's time goes: every SQL statement it runs, timed, slowest first.

    .venv/bin/python bench/trace_datasette.py bench/corpora/work/200000/tracker.db \
        "/tracker/items?_search=fraud" "/tracker/items?_nofacet=1&_size=50"
    # what a settings change would give (the production settings are not changed):
    .venv/bin/python bench/trace_datasette.py --set suggest_facets=false DB "/tracker/items?_search=fraud"

Needs a database kept by `bench/run.py --keep`. This is a diagnosis tool, not part of `make bench`.
"""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))


async def trace(db: str, paths: list[str], overrides: dict) -> None:
    from tracker.config import Config
    from tracker.web.serve import build_datasette

    from datasette.database import Database

    timings: list[tuple[float, str]] = []
    original = Database.execute

    async def timed(self, sql, *args, **kwargs):  # every query Datasette runs goes through here
        started = time.perf_counter()
        try:
            return await original(self, sql, *args, **kwargs)
        finally:
            timings.append(((time.perf_counter() - started) * 1000, sql))

    Database.execute = timed
    from tracker.store import sessions
    datasette = build_datasette(db, config=Config(), users={"bench-admin": "admin"}, secret="bench-trace")
    datasette._settings.update(overrides)
    # A fresh bench database: the account's session epoch is 0.
    cookie = sessions.sign(datasette, "bench-admin", epoch=0, issued=time.time())
    for path in paths:
        await datasette.client.get(path, cookies={"ds_actor": cookie})  # warm
        timings.clear()
        started = time.perf_counter()
        response = await datasette.client.get(path, cookies={"ds_actor": cookie})
        total = (time.perf_counter() - started) * 1000
        print(f"\n{path}: HTTP {response.status_code}, {total:.0f} ms, {len(timings)} SQL statements, "
              f"{sum(t for t, _ in timings):.0f} ms in SQL (wall time; facet queries run concurrently)")
        for ms, sql in sorted(timings, key=lambda t: -t[0])[:14]:
            sql = " ".join(str(sql).split())
            print(f"  {ms:8.1f} ms  {sql if FULL else sql[:190]}")


def main(argv: list[str]) -> None:
    overrides, full = {}, False
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--full-sql":
            full = True
        elif flag == "--set":
            key, _, value = argv.pop(0).partition("=")
            overrides[key] = {"true": True, "false": False}.get(value.lower(), int(value) if value.isdigit() else value)
    global FULL
    FULL = full
    asyncio.run(trace(argv[0], argv[1:], overrides))


FULL = False

if __name__ == "__main__":
    main(sys.argv[1:])
