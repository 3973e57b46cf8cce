"""Reform threads: items joined by strong links (consultation -> outcome, bill -> Act, Act <- commencement
regulations, ...) are one reform, led by one item. Derived from `links`; rebuilt whole, which is cheap because
only linked items take part."""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from tracker.contract import STRONG_RELATIONS, reform_lead
from tracker.store.db import write_transaction

_STRONG = ", ".join(repr(r) for r in STRONG_RELATIONS)


def threads(pairs: list[tuple[str, str]]) -> list[set[str]]:
    """Connected groups of two or more ids, from undirected pairs (union-find)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[str, set[str]] = {}
    for x in parent:
        groups.setdefault(find(x), set()).add(x)
    return [g for g in groups.values() if len(g) > 1]


def recompute(conn: sqlite3.Connection) -> int:
    """Rebuild the reforms table from strong links that no reviewer rejected, between items that exist.

    Returns the number of threads."""
    pairs = conn.execute(
        f"SELECT l.from_id, l.to_id FROM links l JOIN items a ON a.id = l.from_id JOIN items b ON b.id = l.to_id "
        f"WHERE l.relation IN ({_STRONG}) AND l.review_state != 'rejected'").fetchall()
    groups = threads(pairs)
    members = {i for group in groups for i in group}
    info = {row[0]: {"id": row[0], "kind": row[1], "published": row[2]} for row in conn.execute(
        "SELECT id, kind, published FROM items WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(members))])}
    with write_transaction(conn):
        conn.execute("DELETE FROM reforms")
        for group in groups:
            lead = reform_lead([info[i] for i in group])
            conn.executemany("INSERT INTO reforms (item_id, reform_id) VALUES (?, ?)", [(i, lead) for i in group])
    return len(groups)


def members(conn: sqlite3.Connection, item_id: str) -> tuple[str, list[dict[str, Any]]]:
    """(the lead id, the thread's items as rows, lead first) for an item; an item in no thread is its own."""
    row = conn.execute("SELECT reform_id FROM reforms WHERE item_id = ?", [item_id]).fetchone()
    lead = row[0] if row else item_id
    cursor = conn.execute(
        "SELECT i.* FROM items i WHERE i.id = ? OR i.id IN (SELECT item_id FROM reforms WHERE reform_id = ?) "
        "ORDER BY i.id = ? DESC, i.published, i.id", [lead, lead, lead])
    names = [d[0] for d in cursor.description]
    return lead, [dict(zip(names, r)) for r in cursor.fetchall()]
