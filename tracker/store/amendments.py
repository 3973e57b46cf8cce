"""Store bill amendments with their history: a changed decision (or any other field) keeps the old state."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import asdict, is_dataclass
from typing import Any, Iterable

import sqlite_utils

from tracker.contract import clean_text
from tracker.errors import StoreError, ValidationError
from tracker.store.db import write_transaction
from tracker.store.items import content_hash, utc_now

#: Columns that carry an amendment's content: a change in any of them is a new version.
CONTENT_FIELDS = ("item_id", "bill_id", "bill_stage_id", "number", "dnum", "amendment_type", "sponsors", "decision",
                  "decision_explanation", "explanatory_text", "clause", "schedule", "summary")
TEXT_FIELDS = ("number", "dnum", "amendment_type", "decision", "decision_explanation", "explanatory_text", "summary")
NO_DECISION = "NoDecision"


def validate_amendment(data: dict[str, Any]) -> dict[str, Any]:
    """The amendment as a row's content, or ValidationError naming the amendment and the field."""
    where = f"amendment {data.get('amendment_id', '<no id>')}"
    for name in ("amendment_id", "bill_id", "bill_stage_id"):
        if not isinstance(data.get(name), int) or isinstance(data.get(name), bool):
            raise ValidationError(f"{where}: field {name!r} must be a whole number, got {data.get(name)!r}")
    row = {"amendment_id": data["amendment_id"], "item_id": f"bill:{data['bill_id']}"}
    for name in CONTENT_FIELDS[1:]:
        value = data.get(name)
        if name in TEXT_FIELDS and value is not None:
            if not isinstance(value, str):
                raise ValidationError(f"{where}: field {name!r} must be text, got {type(value).__name__}")
            value = clean_text(value)
        row[name] = value
    if not isinstance(row["sponsors"] or [], list):
        raise ValidationError(f"{where}: field 'sponsors' must be a list")
    row["sponsors"] = json.dumps(row["sponsors"] or [], sort_keys=True, ensure_ascii=False)
    row["from_detail"] = bool(data.get("from_detail"))
    return row


def detail_read(db: sqlite_utils.Database) -> set[int]:
    """Ids of the amendments whose detail record (with the explanatory text) has been read."""
    return {row[0] for row in db.execute("SELECT amendment_id FROM amendments WHERE detail_read IS NOT NULL")}


def upsert_amendments(db: sqlite_utils.Database, amendments: Iterable[Any], now: str | None = None) -> Counter:
    """Insert, version-and-update, or touch amendments, all in one transaction; counts by outcome."""
    now = now or utc_now()
    rows = [validate_amendment(asdict(a) if is_dataclass(a) else dict(a)) for a in amendments]
    if not rows:
        return Counter()
    try:
        with write_transaction(db.conn) as conn:
            return _write(conn, rows, now)
    except sqlite3.Error as exc:
        raise StoreError(f"could not store {len(rows)} amendments (first {rows[0].get('bill_id')}/"
                         f"{rows[0].get('number')}): {exc}") from exc


def _write(conn: sqlite3.Connection, rows: list[dict[str, Any]], now: str) -> Counter:
    counts: Counter = Counter()
    columns = ", ".join(CONTENT_FIELDS)
    for row in rows:
        amendment_id = row.pop("amendment_id")
        from_detail = row.pop("from_detail")
        stored_text = conn.execute("SELECT explanatory_text FROM amendments WHERE amendment_id = ?",
                                   [amendment_id]).fetchone()
        if not from_detail and stored_text and stored_text[0] is not None:
            # A stage listing has no explanatory text: the one read from the detail record stands.
            row["explanatory_text"] = stored_text[0]
        new_hash = content_hash(row)
        decided = row["decision"] not in (None, NO_DECISION)
        old = conn.execute(f"SELECT {columns}, content_hash, version, last_changed, decision_seen FROM amendments "
                           "WHERE amendment_id = ?", [amendment_id]).fetchone()
        if old is None:
            conn.execute(
                f"INSERT INTO amendments (amendment_id, {columns}, content_hash, version, first_seen, last_seen, "
                f"last_changed, decision_seen, detail_read) "
                f"VALUES (?, {', '.join('?' * len(CONTENT_FIELDS))}, ?, 1, ?, ?, ?, ?, ?)",
                [amendment_id, *row.values(), new_hash, now, now, now, now if decided else None,
                 now if from_detail else None])
            counts["inserted"] += 1
            continue
        previous = dict(zip(CONTENT_FIELDS, old[:len(CONTENT_FIELDS)]))
        old_hash, old_version, old_changed, decision_seen = old[len(CONTENT_FIELDS):]
        if from_detail:
            conn.execute("UPDATE amendments SET detail_read = ? WHERE amendment_id = ?", [now, amendment_id])
        if old_hash == new_hash:
            conn.execute("UPDATE amendments SET last_seen = ? WHERE amendment_id = ?", [now, amendment_id])
            counts["unchanged"] += 1
            continue
        changed = [name for name in CONTENT_FIELDS if previous[name] != row[name]]
        conn.execute("INSERT INTO amendment_versions (amendment_id, version, valid_from, valid_to, changed_fields, "
                     "data) VALUES (?, ?, ?, ?, ?, ?)",
                     [amendment_id, old_version, old_changed, now, json.dumps(changed),
                      json.dumps({**previous, "decision_seen": decision_seen}, sort_keys=True, ensure_ascii=False)])
        if "decision" in changed:
            decision_seen = now if decided else None
        conn.execute(f"UPDATE amendments SET {', '.join(f'{c} = ?' for c in CONTENT_FIELDS)}, content_hash = ?, "
                     "version = ?, last_seen = ?, last_changed = ?, decision_seen = ? WHERE amendment_id = ?",
                     [*row.values(), new_hash, old_version + 1, now, now, decision_seen, amendment_id])
        counts["updated"] += 1
    return counts

