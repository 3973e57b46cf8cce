"""Load the demo's register entry (snapshot/register/*.json): a real submission, its asks and recorded outcomes.

Two steps, as an editor works: `load` logs the response and its asks (all pending); after the tracker has
suggested passages (classify.passages), `decide` records the outcomes, accepting the suggestion that holds the
evidence passage. Plain SQL in write transactions, an audit log row per write, as the demo-only editor. Demo
use only; the register's own functions take over when they exist.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tracker.errors import StoreError
from tracker.store import commitments
from tracker.store.db import write_transaction

ASK_FIELDS = ("position", "text", "theme", "target", "priority")
OUTCOME_FIELDS = ("outcome", "outcome_note", "evidence_item_id", "evidence_passage")
RESPONSE_FIELDS = ("item_id", "decision", "status", "owner_team", "internal_deadline", "submitted_on",
                   "position_summary", "document_url")


def _audit(conn: sqlite3.Connection, actor: str, now: str, action: str, table: str, key: Any, after: Any) -> None:
    conn.execute("INSERT INTO audit_log (actor, at, action, table_name, row_key, before, after) "
                 "VALUES (?, ?, ?, ?, ?, NULL, ?)", [actor, now, action, table, str(key), json.dumps(after)])


def _text_of(conn: sqlite3.Connection, item_id: str) -> str:
    row = conn.execute("SELECT coalesce(summary, '') || ' ' || coalesce(body_text, '') FROM items WHERE id = ?",
                       [item_id]).fetchone()
    if row is None:
        raise StoreError(f"demo register: item {item_id} is not in the database")
    return " ".join(row[0].split())


def load(conn: sqlite3.Connection, path: Path, now: str) -> int:
    """Insert one seed file's response, links and asks (pending); returns the response id.

    Refuses, writing nothing, if an item is missing or an evidence passage is not in its evidence item."""
    seed = json.loads(path.read_text(encoding="utf-8"))
    editor = seed["editor"]
    response = {name: seed["response"].get(name) for name in RESPONSE_FIELDS}
    _text_of(conn, response["item_id"])
    for ask in seed["asks"]:
        if ask.get("evidence_passage") and " ".join(ask["evidence_passage"].split()) not in _text_of(
                conn, ask["evidence_item_id"]):
            raise StoreError(f"demo register: ask {ask['position']}'s passage is not in {ask['evidence_item_id']}")
    with write_transaction(conn):
        values = {**{k: v if v is not None or k in ("internal_deadline", "submitted_on") else "" for k, v in
                     response.items()}, "key_asks": "\n".join(a["text"] for a in seed["asks"]),
                  "created_by": editor, "created_at": now, "updated_by": editor, "updated_at": now}
        response_id = conn.execute(
            f"INSERT INTO responses ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
            list(values.values())).lastrowid
        _audit(conn, editor, now, "insert", "responses", response_id, values)
        for link in seed.get("links", []):
            row = {**link, "method": "editor", "score": 1.0, "review_state": "confirmed", "reviewer": editor,
                   "reviewed_at": now, "created": now}
            link_id = conn.execute(f"INSERT INTO links ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                                   list(row.values())).lastrowid
            _audit(conn, editor, now, "insert", "links", link_id, row)
        for ask in seed["asks"]:
            row = {**{k: ask.get(k) for k in ASK_FIELDS}, "response_id": response_id,
                   "created_by": editor, "created_at": now, "updated_by": editor, "updated_at": now}
            row["target"] = row["target"] or ""
            ask_id = conn.execute(f"INSERT INTO asks ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                                  list(row.values())).lastrowid
            _audit(conn, editor, now, "insert", "asks", ask_id, row)
    return response_id


def decide(conn: sqlite3.Connection, path: Path, response_id: int, now: str) -> int:
    """Record the seed's decided outcomes on the response's asks; returns how many suggestions were accepted.

    The suggestion holding the evidence passage is accepted and the ask's other open suggestions from that
    item dismissed, as an editor accepting a suggestion would; with none, the outcome is recorded by hand."""
    seed = json.loads(path.read_text(encoding="utf-8"))
    editor = seed["editor"]
    accepted = 0
    with write_transaction(conn):
        for ask in seed["asks"]:
            if ask["outcome"] == "pending":
                continue
            ask_id = conn.execute("SELECT id FROM asks WHERE response_id = ? AND position = ?",
                                  [response_id, ask["position"]]).fetchone()[0]
            values = {**{k: ask.get(k) for k in OUTCOME_FIELDS}, "outcome_by": editor, "outcome_at": now,
                      "updated_by": editor, "updated_at": now}
            values["outcome_note"] = values["outcome_note"] or ""
            conn.execute(f"UPDATE asks SET {', '.join(f'{k} = ?' for k in values)} WHERE id = ?",
                         [*values.values(), ask_id])
            _audit(conn, editor, now, "outcome", "asks", ask_id, values)
            for suggestion_id, passage in conn.execute(
                    "SELECT id, passage FROM ask_suggestions WHERE ask_id = ? AND item_id = ? AND state = 'open'",
                    [ask_id, ask["evidence_item_id"]]).fetchall():
                state = "accepted" if passage == ask["evidence_passage"] else "dismissed"
                accepted += state == "accepted"
                conn.execute("UPDATE ask_suggestions SET state = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                             [state, editor, now, suggestion_id])
                _audit(conn, editor, now, state, "ask_suggestions", suggestion_id, {"state": state})
    return accepted


def decide_commitments(conn: sqlite3.Connection, path: Path, now: str) -> int:
    """Apply the seed's decisions on candidate commitments (after the finder has run), through the register's own
    `commitments.decide`, as the seed's editor; returns how many were decided.

    Refuses, deciding nothing, if a quote is not among its item's candidates (the finder or the data changed)."""
    seed = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for decision in seed["decisions"]:
        row = conn.execute("SELECT id FROM commitments WHERE item_id = ? AND quote = ? AND state = 'candidate'",
                           [decision["item_id"], decision["quote"]]).fetchone()
        if row is None:
            raise StoreError(f"demo register: no candidate commitment of {decision['item_id']} quotes "
                             f"{decision['quote'][:80]!r}")
        found.append((row[0], decision))
    for commitment_id, decision in found:
        commitments.decide(conn, seed["editor"], commitment_id, decision["action"], decision.get("note", ""),
                           now=now)
    return len(found)
