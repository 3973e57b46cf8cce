"""The items table's facet counts, kept in `facet_counts` so the unfiltered items page need not count every item.

`refresh` recounts (after a crawl and after classification); `current` gives the stored counts only while no
write to `items` has changed a counted column since (tracker.store.derived), so a reader never sees a stale
count: without them Datasette counts as it always did.
"""
from __future__ import annotations

import sqlite3

import sqlite_utils

from tracker.store import derived
from tracker.store.db import write_transaction
from tracker.store.migrations import COUNTED_FACETS

NAME = "facet_counts"


def _count_sql(column: str, kind: str) -> str:
    """As Datasette's column and array facets count (nulls left out; an array value once per item)."""
    if kind == "array":
        return (f"SELECT '{column}', j.value, count(DISTINCT i.rowid) FROM items i, json_each(i.[{column}]) j "
                f"WHERE i.[{column}] IS NOT NULL AND i.[{column}] != '' AND j.value IS NOT NULL GROUP BY j.value")
    return f"SELECT '{column}', [{column}], count(*) FROM items WHERE [{column}] IS NOT NULL GROUP BY [{column}]"


def refresh(db: sqlite_utils.Database) -> int:
    """Recount every counted facet in one transaction; returns how many (facet, value) rows are stored."""
    conn = db.conn
    with write_transaction(conn):
        conn.execute("DELETE FROM facet_counts")
        for column, kind in COUNTED_FACETS.items():
            conn.execute(f"INSERT INTO facet_counts (facet, value, count) {_count_sql(column, kind)}")
        derived.mark_computed(conn, NAME)
        return conn.execute("SELECT count(*) FROM facet_counts").fetchone()[0]


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether the stored counts describe `items` as it is."""
    return derived.is_current(conn, NAME)


def refresh_if_stale(db: sqlite_utils.Database) -> bool:
    """Recount unless the stored counts are current (a crawl that changed nothing costs one read); a database not
    yet migrated to 0020_facet_counts has nothing to recount."""
    if not derived.exists(db.conn) or is_current(db.conn):
        return False
    refresh(db)
    return True


def current(conn: sqlite3.Connection, facet: str, limit: int) -> list[tuple[str, int]] | None:
    """(value, count) of `facet`, most first (then by value), at most `limit`; None when not current."""
    if facet not in COUNTED_FACETS or not is_current(conn):
        return None
    return [tuple(row) for row in conn.execute(
        "SELECT value, count FROM facet_counts WHERE facet = ? ORDER BY count DESC, value LIMIT ?", [facet, limit])]
