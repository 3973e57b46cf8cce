"""A bill's detail for its reform page: its state told truthfully, its amendments per stage with their decisions
(and how a decision changed), and its publications. Pure reads over a sqlite3 connection."""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from tracker.contract import AMENDMENT_DECISIONS, NEWEST_SESSION_SQL, bill_state

#: Amendments shown per stage; the amendments table holds them all.
AMENDMENTS_PER_STAGE = 200


def _rows(conn: sqlite3.Connection, sql: str, params: list) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def newest_session(conn: sqlite3.Connection) -> int | None:
    """The newest parliamentary session any tracked bill belongs to (the current one, as far as we know)."""
    row = conn.execute(f"SELECT {NEWEST_SESSION_SQL}").fetchone()
    return row[0] if row else None


def decision_words(decision: str | None) -> str:
    return AMENDMENT_DECISIONS.get(decision or "", decision or "unknown")


def load(conn: sqlite3.Connection, item: dict[str, Any]) -> dict[str, Any] | None:
    """The bill section of `item`'s page (None for other kinds); `item["details"]` already decoded."""
    if item.get("kind") != "bill":
        return None
    details = item.get("details") or {}
    sessions = details.get("session_ids") or []
    stage_names = {row["bill_stage_id"]: row for row in _rows(
        conn, "SELECT bill_stage_id, stage, house, sort_order FROM bill_stages WHERE item_id = ?", [item["id"]])}
    amendments = _rows(conn, "SELECT * FROM amendments WHERE item_id = ? ORDER BY bill_stage_id, "
                             "CAST(number AS INTEGER), number, amendment_id", [item["id"]])
    history = {}
    for row in _rows(conn, "SELECT v.amendment_id, v.data, v.valid_to FROM amendment_versions v "
                           "JOIN amendments a ON a.amendment_id = v.amendment_id WHERE a.item_id = ? "
                           "ORDER BY v.amendment_id, v.version", [item["id"]]):
        before = json.loads(row["data"]).get("decision")
        history.setdefault(row["amendment_id"], []).append({"decision": decision_words(before),
                                                            "until": row["valid_to"]})
    stages: dict[int, dict[str, Any]] = {}
    for amendment in amendments:
        stage_id = amendment["bill_stage_id"]
        stage = stage_names.get(stage_id, {})
        group = stages.setdefault(stage_id, {
            "stage": stage.get("stage") or f"stage {stage_id}", "house": stage.get("house"),
            "sort_order": stage.get("sort_order") or 0, "amendments": [], "count": 0, "decided": 0})
        group["count"] += 1
        group["decided"] += amendment["decision"] not in (None, "NoDecision")
        if len(group["amendments"]) < AMENDMENTS_PER_STAGE:
            sponsors = json.loads(amendment["sponsors"] or "[]")
            group["amendments"].append({
                **amendment, "decision_words": decision_words(amendment["decision"]),
                "sponsor_names": ", ".join(s.get("name") or "?" for s in sponsors),
                "history": history.get(amendment["amendment_id"], [])})
    return {
        "state": bill_state(details, item.get("status"), newest_session(conn)),
        "sessions": sessions,
        "carried_over": len(sessions) > 1,
        "stages": sorted(stages.values(), key=lambda g: g["sort_order"]),
        "publications": sorted(details.get("publications") or [], key=lambda p: p.get("date") or "", reverse=True),
    }
