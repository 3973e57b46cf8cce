"""The newest parliamentary session (for "fell at prorogation") comes from an index, and bills' session ids are
stored ascending so that index's "last id" is each bill's newest."""
from __future__ import annotations

from dataclasses import replace

from scrapers.parsers.parliament_bills import _ascending
from tracker.contract import BILL_STAGE_SQL, NEWEST_SESSION_SQL, TrackedItem
from tracker.store import db as tracker_db
from tracker.store import items as store


def _bill(bill_id: int, sessions: list[int]) -> TrackedItem:
    return TrackedItem(id=f"bill:{bill_id}", source="parliament-bills", kind="bill", title=f"Bill {bill_id}",
                       url=f"https://bills.parliament.uk/bills/{bill_id}", status="Commons: 2nd reading",
                       details={"session_ids": sessions})


def test_session_ids_are_kept_ascending():
    assert _ascending([39, 37, 38]) == [37, 38, 39]
    assert _ascending([]) == []
    assert _ascending([38, "x"]) == [38, "x"]  # not ids: left as given, for validation to judge


def test_newest_session_is_read_through_the_index_and_decides_lapsed(tmp_path):
    database = tracker_db.connect(tmp_path / "t.db")
    store.upsert_items(database, [_bill(1, [37, 38]), _bill(2, [39]), _bill(3, [38, 39])])
    assert database.execute(f"SELECT {NEWEST_SESSION_SQL}").fetchone()[0] == 39
    plan = " ".join(row[3] for row in database.execute(f"EXPLAIN QUERY PLAN SELECT {NEWEST_SESSION_SQL}"))
    assert "USING INDEX idx_bills_newest_session" in plan and "SCAN" not in plan.replace("SCAN CONSTANT ROW", "")
    stages = dict(database.execute(f"SELECT id, {BILL_STAGE_SQL} FROM items i ORDER BY id").fetchall())
    assert stages == {"bill:1": "lapsed: fell at the end of its session", "bill:2": "Commons: 2nd reading",
                      "bill:3": "Commons: 2nd reading (carried over from session 38)"}
    store.upsert_items(database, [replace(_bill(4, [40]), status="Lords: 1st reading")])  # a new session opens
    assert database.execute(f"SELECT {NEWEST_SESSION_SQL}").fetchone()[0] == 40
    database.close()
