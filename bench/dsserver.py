"""Serve build_datasette(DB) with uvicorn on 127.0.0.1:PORT: `python bench/dsserver.py DB PORT SECRET [SETTINGS]`.

SETTINGS (JSON, optional) overrides Datasette settings, to measure a proposed change; `make bench` never passes it.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
#: The account the latency step logs in as (sessions name a configured account; roles come from here).
BENCH_USER = "bench-admin"
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))


def main() -> None:
    import uvicorn

    from tracker.config import Config
    from tracker.web.serve import build_datasette

    db, port, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    datasette = build_datasette(db, config=Config(), users={BENCH_USER: "admin"}, secret=secret)
    datasette._settings.update(json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})
    uvicorn.run(datasette.app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
