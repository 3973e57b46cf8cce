"""The crawl's own clock: a snapshot replayed as of the moment it describes is stamped with that moment."""
from __future__ import annotations

from tracker import crawl as crawl_mod
from tracker.store import db as tracker_db

from .helpers import SNAPSHOT


def test_a_replay_with_a_clock_stamps_runs_and_items_with_it(db_path):
    [result] = crawl_mod.crawl(["sentencing-council"], db_path, snapshot=str(SNAPSHOT),
                               clock="2026-09-14T06:30:00+01:00")
    assert result.status == "ok"
    database = tracker_db.connect(db_path)
    run = database.execute("SELECT started, finished FROM runs").fetchone()
    assert run == ("2026-09-14T05:30:00+00:00", "2026-09-14T05:30:00+00:00")
    seen = {row[0] for row in database.execute("SELECT DISTINCT first_seen || ' ' || last_seen FROM items")}
    assert seen == {"2026-09-14T05:30:00+00:00 2026-09-14T05:30:00+00:00"}
