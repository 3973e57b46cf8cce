"""The Datasette pages alone, for measuring a page's fix without the whole `make bench` run: the `datasette` step
(bench/steps.py) on each size's database under bench/corpora/work/ (kept by `run.py --keep`; built by the same
steps as `run.py` when missing, and kept), printing each page's p50/p95, the ratios `run.py` judges and the
dashboard's target. Ratios are comparable only within one run (the machine may be shared).

    .venv/bin/python bench/pages.py --sizes 2000,200000
    .venv/bin/python bench/pages.py --sizes 200000 --reps 20
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH.parent) not in sys.path:
    sys.path.insert(0, str(BENCH.parent))

from bench import corpus  # noqa: E402
from bench.run import TARGETS, WORK, log, rel, step  # noqa: E402


def database(size: int) -> Path:
    """The size's classified database with the week's changes, as `run.py` builds it (built if missing)."""
    db = WORK / str(size) / "tracker.db"
    if not db.exists():
        corpus.ensure_corpus(size)
        db.parent.mkdir(parents=True, exist_ok=True)
        log(f"building the {size:,} database (kept in {rel(db.parent)})")
        step("ingest", size=size, db=rel(db), verify=False)
        step("classify", db=rel(db), passes=1)
        step("week_changes", db=rel(db))
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000", help="corpus sizes (comma-separated)")
    parser.add_argument("--reps", type=int, default=40, help="requests per page")
    args = parser.parse_args(argv)
    for size in [int(s) for s in args.sizes.split(",") if s]:
        pages = step("datasette", db=rel(database(size)), reps=args.reps)["endpoints"]
        bare = pages["bare_items"]["p95_ms"]
        print(f"{size:,} items")
        for name, page in pages.items():
            print(f"  {name:12} p50 {page['p50_ms']:8.1f} ms  p95 {page['p95_ms']:8.1f} ms  "
                  f"p95 / bare items {page['p95_ms'] / bare:5.2f}  (n={page['n']}, {page['path']})")
        dashboard, target = pages["dashboard"]["p95_ms"], TARGETS["dashboard_p95_ms_max"]
        print(f"  dashboard p95 {dashboard:,.0f} ms: {'met' if dashboard <= target else 'missed'} "
              f"(target <= {target:,} ms at 200k)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
