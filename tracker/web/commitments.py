"""What the commitments page shows: overdue first, then open ones by theme, candidates waiting for an editor,
and the latest decided."""
from __future__ import annotations

import sqlite3
from typing import Any

from tracker.contract import COMMITMENT_STATE_SQL

_COLUMNS = (f"c.id, c.item_id, c.quote, c.speaker, c.department, c.said_on, c.due, c.due_phrase, c.state, "
            f"{COMMITMENT_STATE_SQL} AS shown_state, c.decided_by, c.decided_at, c.note, c.evidence_item_id, "
            f"c.suggested_item_id, c.suggested_because, i.title AS said_in, s.title AS suggested_title, "
            f"e.title AS evidence_title")
_FROM = ("FROM commitments c JOIN items i ON i.id = c.item_id LEFT JOIN items s ON s.id = c.suggested_item_id "
         "LEFT JOIN items e ON e.id = c.evidence_item_id")
RECENT_DECIDED = 50


def _rows(conn: sqlite3.Connection, sql: str) -> list[dict[str, Any]]:
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load(conn: sqlite3.Connection) -> dict[str, Any]:
    """The page's rows (tracker_now() decides what is overdue)."""
    open_rows = _rows(conn, f"SELECT {_COLUMNS}, coalesce((SELECT group_concat(coalesce(p.name, t.value), '; ') "
                            f"FROM json_each(i.themes) t LEFT JOIN priorities p ON p.id = t.value), '') AS themes "
                            f"{_FROM} WHERE c.state = 'open' ORDER BY c.due IS NULL, c.due, c.id")
    by_theme: dict[str, list[dict]] = {}
    for row in open_rows:
        for theme in row["themes"].split("; ") if row["themes"] else ["No theme"]:
            by_theme.setdefault(theme, []).append(row)
    return {
        "overdue": [r for r in open_rows if r["shown_state"] == "overdue"],
        "by_theme": dict(sorted(by_theme.items())),
        "candidates": _rows(conn, f"SELECT {_COLUMNS} {_FROM} WHERE c.state = 'candidate' "
                                  f"ORDER BY c.said_on DESC, c.id"),
        "decided": _rows(conn, f"SELECT {_COLUMNS} {_FROM} WHERE c.state IN ('delivered', 'dropped', 'dismissed') "
                               f"ORDER BY c.decided_at DESC, c.id LIMIT {RECENT_DECIDED}"),
    }


def of_reform(conn: sqlite3.Connection, item_ids: list[str]) -> list[dict[str, Any]]:
    """The commitments a reform page shows: those said in any of its items, or whose delivery one of them shows
    or may show; dismissed candidates left out. Open and overdue first, then candidates, then the decided."""
    if not item_ids:
        return []
    marks = ", ".join("?" for _ in item_ids)
    cursor = conn.execute(
        f"SELECT {_COLUMNS} {_FROM} WHERE c.state != 'dismissed' AND (c.item_id IN ({marks}) "
        f"OR c.evidence_item_id IN ({marks}) OR c.suggested_item_id IN ({marks})) "
        f"ORDER BY CASE c.state WHEN 'open' THEN 0 WHEN 'candidate' THEN 1 ELSE 2 END, c.due IS NULL, c.due, c.id",
        item_ids * 3)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
