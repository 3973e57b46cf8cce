"""Whether a derived table (facet_counts, briefing_watch) still describes the rows it was computed from.

Migration 0020_facet_counts keeps, per derived table, a tally of writes that can change it (`changes`, moved on
by triggers) and the tally when it was last computed (`counted_at`). A derived table is current while the two
are equal and its triggers still exist (a table rebuild drops triggers; then nothing is trusted).
"""
from __future__ import annotations

import sqlite3

from tracker.store.migrations import DERIVED_FROM


def _triggers(name: str) -> list[str]:
    return [f"{name}_{table}_{op}" for table in DERIVED_FROM[name] for op in ("ai", "ad", "au")]


def is_current(conn: sqlite3.Connection, name: str) -> bool:
    """Whether derived table `name` describes its sources as they are (False on a database not yet migrated)."""
    triggers = _triggers(name)
    try:
        row = conn.execute(
            "SELECT 1 FROM derived_state WHERE name = ? AND counted_at = changes AND (SELECT count(*) FROM "
            f"sqlite_master WHERE type = 'trigger' AND name IN ({', '.join('?' * len(triggers))})) = ?",
            [name, *triggers, len(triggers)]).fetchone()
    except sqlite3.OperationalError:  # no derived_state yet: an older schema
        return False
    return row is not None


def mark_computed(conn: sqlite3.Connection, name: str) -> None:
    """Record that `name` was just computed (call inside the transaction that computed it)."""
    conn.execute("UPDATE derived_state SET counted_at = changes WHERE name = ?", [name])


def exists(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'derived_state'").fetchone() \
        is not None
