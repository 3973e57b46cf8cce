"""The `commitments` table: candidates from the finder, editors' decisions (audited, like every staff write in
store.register), and suggested delivery evidence. Nothing here decides a commitment on its own: a suggestion
waits for an editor."""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Iterable

from tracker.contract import COMMITMENT_ACTIONS, clean_text
from tracker.store.db import write_transaction
from tracker.store.register import LIMITS, FormError, _audit, _now, _row

#: Kinds that can show a commitment was kept: the document promised, or the law made.
DELIVERY_KINDS = ("strategy", "policy_paper", "consultation", "call_for_evidence", "impact_assessment",
                  "independent_report", "statutory_instrument", "commencement_order", "act", "bill",
                  "written_statement")
_DECIDED = ("state", "decided_by", "decided_at", "note", "evidence_item_id")


@dataclass(frozen=True)
class NewCommitment:
    """A candidate to store: what the finder found, and the day it was said (ISO date or None)."""

    item_id: str
    quote: str
    speaker: str | None
    department: str | None
    said_on: str | None
    due: str | None
    due_phrase: str | None


def add_candidates(conn: sqlite3.Connection, found: Iterable[NewCommitment], now: str | None = None) -> int:
    """Store new candidates (a quote already stored for its item is left as it is, decisions and all).
    Returns how many were new."""
    now = now or _now()
    added = 0
    with write_transaction(conn):
        for c in found:
            cursor = conn.execute(
                "INSERT INTO commitments (item_id, quote, speaker, department, said_on, due, due_phrase, found_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id, quote) DO NOTHING",
                [c.item_id, c.quote, c.speaker, c.department, c.said_on, c.due, c.due_phrase, now])
            added += cursor.rowcount
    return added


def decide(conn: sqlite3.Connection, actor: str, commitment_id: int, action: str, note: str = "",
           evidence_item_id: str | None = None, now: str | None = None) -> str:
    """Confirm or dismiss a candidate, or mark an open commitment delivered (with the item that shows it) or
    dropped; audited. Returns the new state; a wrong move raises FormError naming the field."""
    note = clean_text(note or "").strip()
    errors: dict[str, str] = {}
    if action not in COMMITMENT_ACTIONS:
        errors["action"] = f"choose one of: {', '.join(COMMITMENT_ACTIONS)}"
    if len(note) > LIMITS["note"]:
        errors["note"] = f"is {len(note)} characters; the limit is {LIMITS['note']}"
    evidence = (evidence_item_id or "").strip() or None
    if action == "delivered" and not evidence:
        errors["evidence_item_id"] = "give the id of the item that shows it was delivered"
    if action != "delivered" and evidence:
        errors["evidence_item_id"] = "evidence is given only when marking a commitment delivered"
    if errors:
        raise FormError(errors)
    before_state, after_state = COMMITMENT_ACTIONS[action]
    now = now or _now()
    with write_transaction(conn):
        before = _row(conn, f"SELECT {', '.join(_DECIDED)} FROM commitments WHERE id = ?", [commitment_id])
        if before is None:
            raise FormError({"commitment_id": f"no commitment has id {commitment_id}"})
        if before["state"] != before_state:
            raise FormError({"action": f"a commitment that is {before['state']} cannot be marked {action}"})
        if evidence and _row(conn, "SELECT id FROM items WHERE id = ?", [evidence]) is None:
            raise FormError({"evidence_item_id": f"no tracked item has id {evidence[:100]!r}"})
        after = {"state": after_state, "decided_by": actor, "decided_at": now, "note": note,
                 "evidence_item_id": evidence}
        conn.execute("UPDATE commitments SET state = ?, decided_by = ?, decided_at = ?, note = ?, "
                     "evidence_item_id = ? WHERE id = ?", [*after.values(), commitment_id])
        _audit(conn, actor, f"commitment {action}", "commitments", str(commitment_id), before, after, now)
    return after_state


#: Capitalised names in a quote ("the Fraud Strategy", "Representation of the People Bill") that a later
#: document's title would carry.
_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of|and|for|the|on|to|[A-Z][\w’'-]*))*\s+[A-Z][\w’'-]*")
_NOT_NAMES = {"The Government", "The UK", "The Department", "His Majesty", "Her Majesty", "Secretary of State",
              "The Government’s", "House of Commons", "House of Lords"}


def _names(quote: str) -> list[str]:
    names = []
    for match in _NAME.finditer(quote):
        name = re.sub(r"^(?:The|A|An|Our|This|We|I)\s+", "", match.group(0)).strip()
        if name not in _NOT_NAMES and len(name.split()) >= 2 and name not in names:
            names.append(name)
    return names


def suggest_deliveries(conn: sqlite3.Connection) -> int:
    """For open commitments with no evidence, point at a later item that may show delivery: one in the same
    reform thread as the item it was said in, else one whose title carries a name from the quote. A
    suggestion only: an editor confirms it by marking the commitment delivered. Returns how many were set."""
    kinds = ", ".join("?" * len(DELIVERY_KINDS))
    rows = conn.execute("SELECT id, item_id, quote, coalesce(said_on, substr(found_at, 1, 10)) FROM commitments "
                        "WHERE state = 'open' AND evidence_item_id IS NULL AND suggested_item_id IS NULL").fetchall()
    suggested = 0
    with write_transaction(conn):
        for commitment_id, item_id, quote, since in rows:
            found = conn.execute(
                f"SELECT i.id FROM reforms r JOIN reforms o ON o.reform_id = r.reform_id AND o.item_id != r.item_id "
                f"JOIN items i ON i.id = o.item_id WHERE r.item_id = ? AND i.kind IN ({kinds}) "
                f"AND coalesce(i.published, i.first_seen) >= ? ORDER BY coalesce(i.published, i.first_seen), i.id "
                f"LIMIT 1", [item_id, *DELIVERY_KINDS, since]).fetchone()
            because = "a later document in the same reform thread"
            for name in ([] if found else _names(quote)):
                found = conn.execute(
                    f"SELECT id FROM items WHERE kind IN ({kinds}) AND id != ? AND instr(lower(title), lower(?)) > 0 "
                    f"AND coalesce(published, first_seen) >= ? ORDER BY coalesce(published, first_seen), id LIMIT 1",
                    [*DELIVERY_KINDS, item_id, name, since]).fetchone()
                because = f"a later document titled with “{name}”"
                if found:
                    break
            if found:
                conn.execute("UPDATE commitments SET suggested_item_id = ?, suggested_because = ? WHERE id = ?",
                             [found[0], because, commitment_id])
                suggested += 1
    return suggested
