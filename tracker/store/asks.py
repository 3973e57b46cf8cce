"""Staff writes on a response's asks: the asks one by one (add, edit, reorder, remove), their outcomes with
evidence, and editors' decisions on suggested passages; each appends to the audit log.

Pure validation plus functions over a sqlite3 connection, as tracker.store.register.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Mapping

from tracker.contract import clean_text
from tracker.store.db import write_transaction
from tracker.store.register import (FormError, ResponseInput, _audit, _now, _row, parse_id, save_response)

PRIORITIES = ("high", "normal", "low")
OUTCOMES = ("pending", "adopted", "partly adopted", "not adopted", "overtaken")
#: Outcomes that say the government did (some of) what we asked: the passage that shows it is required.
#: "Not adopted" and "overtaken" may rest on a document's silence, so for them the item alone will do.
PASSAGE_NEEDED = ("adopted", "partly adopted")
LIMITS = {"text": 2_000, "target": 200, "outcome_note": 2_000, "passage": 5_000}
#: The most asks one response form may carry (the form's rows are numbered ask-1- ... ask-50-).
MAX_ASKS = 50
_ASK_FIELD = re.compile(r"^ask-([0-9]{1,3})-(id|text|theme|target|priority|position|remove)$")
_FIELDS = ("position", "text", "theme", "target", "priority")


@dataclass
class AskInput:
    """One row of the response form's asks: a new ask (ask_id None), an edit, or a removal."""

    row: int
    ask_id: int | None
    position: int
    text: str
    theme: str | None
    target: str
    priority: str
    remove: bool = False


def _limit(value: str, limit: int, field: str, errors: dict[str, str]) -> None:
    if len(value) > limit:
        errors[field] = f"is {len(value)} characters; the limit is {limit} (nothing was cut: shorten it)"


def parse_asks_form(form: Mapping[str, Any]) -> list[AskInput]:
    """The asks typed into a response form (fields ask-N-text, -theme, -target, -priority, -position, -id,
    -remove), in the order their positions give, renumbered 1, 2, 3...; blank new rows are skipped. Raises
    FormError naming every bad field."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        match = _ASK_FIELD.match(str(key))
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = clean_text(str(value or "")).strip()
    errors: dict[str, str] = {}
    if len(rows) > MAX_ASKS:
        raise FormError({"asks": f"a response may have at most {MAX_ASKS} asks; this form has {len(rows)}"})
    asks: list[AskInput] = []
    for row, fields in sorted(rows.items()):
        ask_id = None
        if fields.get("id"):
            try:
                ask_id = parse_id(fields["id"], f"ask-{row}-id")
            except FormError as exc:
                errors.update(exc.errors)
                continue
        text = fields.get("text", "")
        remove = bool(fields.get("remove"))
        if ask_id is None and (remove or not text):
            continue  # an empty row of the form, or a new row ticked for removal: nothing to save
        if not text and not remove:
            errors[f"ask-{row}-text"] = "write the ask, or tick remove to take it out"
        _limit(text, LIMITS["text"], f"ask-{row}-text", errors)
        _limit(fields.get("target", ""), LIMITS["target"], f"ask-{row}-target", errors)
        priority = fields.get("priority") or "normal"
        if priority not in PRIORITIES:
            errors[f"ask-{row}-priority"] = f"must be one of: {', '.join(PRIORITIES)}"
        position_text = fields.get("position") or str(row)
        if not re.fullmatch(r"[0-9]{1,3}", position_text):
            errors[f"ask-{row}-position"] = f"the order is a number from 1 to 999, got {position_text[:20]!r}"
            position_text = str(row)
        asks.append(AskInput(row, ask_id, int(position_text), text, fields.get("theme") or None,
                             fields.get("target", ""), priority, remove))
    if errors:
        raise FormError(errors)
    kept = sorted((a for a in asks if not a.remove), key=lambda a: (a.position, a.row))
    for position, ask in enumerate(kept, start=1):
        ask.position = position
    return kept + [a for a in asks if a.remove]


def save_asks(conn: sqlite3.Connection, actor: str, response_id: int, asks: list[AskInput],
              now: str | None = None) -> None:
    """Apply the form's asks to response `response_id`: insert new ones, update changed ones, remove those ticked
    (their earlier text stays in the audit log), all audited, all or nothing."""
    now = now or _now()
    with write_transaction(conn):
        existing = {row["id"]: row for row in _rows(conn, "SELECT * FROM asks WHERE response_id = ?",
                                                     [response_id])}
        themes = {row[0] for row in conn.execute("SELECT id FROM priorities")}
        errors: dict[str, str] = {}
        for ask in asks:
            if ask.ask_id is not None and ask.ask_id not in existing:
                errors[f"ask-{ask.row}-id"] = f"response {response_id} has no ask with id {ask.ask_id}"
            if ask.theme and ask.theme not in themes:
                errors[f"ask-{ask.row}-theme"] = f"no priority theme has id {ask.theme[:100]!r}"
        if errors:
            raise FormError(errors)
        for ask in asks:
            values = {"response_id": response_id, "position": ask.position, "text": ask.text, "theme": ask.theme,
                      "target": ask.target, "priority": ask.priority}
            if ask.remove:
                before = existing[ask.ask_id]
                conn.execute("DELETE FROM ask_suggestions WHERE ask_id = ?", [ask.ask_id])
                conn.execute("DELETE FROM asks WHERE id = ?", [ask.ask_id])
                _audit(conn, actor, "delete", "asks", str(ask.ask_id), before, None, now)
            elif ask.ask_id is None:
                new_id = conn.execute(
                    "INSERT INTO asks (response_id, position, text, theme, target, priority, created_by, created_at, "
                    "updated_by, updated_at) VALUES (:response_id, :position, :text, :theme, :target, :priority, "
                    ":actor, :now, :actor, :now)", {**values, "actor": actor, "now": now}).lastrowid
                _audit(conn, actor, "insert", "asks", str(new_id), None, values, now)
            else:
                before = existing[ask.ask_id]
                if all(before[key] == values[key] for key in _FIELDS):
                    continue
                conn.execute("UPDATE asks SET position = :position, text = :text, theme = :theme, target = :target, "
                             "priority = :priority, updated_by = :actor, updated_at = :now WHERE id = :id",
                             {**values, "actor": actor, "now": now, "id": ask.ask_id})
                _audit(conn, actor, "update", "asks", str(ask.ask_id), before, values, now)


def save_response_with_asks(conn: sqlite3.Connection, actor: str, entry: ResponseInput, asks: list[AskInput],
                            response_id: int | None = None, now: str | None = None) -> int:
    """Save a response (new, or `response_id` edited) and its asks in one transaction; returns its id."""
    now = now or _now()
    with write_transaction(conn):
        saved = save_response(conn, actor, entry, response_id, now=now)
        save_asks(conn, actor, saved, asks, now=now)
        return saved


def normalise(text: str) -> str:
    """Text compared as a reader sees it: runs of whitespace are one space."""
    return " ".join(clean_text(text or "").split())


def passage_in_item(conn: sqlite3.Connection, item_id: str, passage: str) -> bool:
    """Whether `passage` is in the item's title, summary or text (whitespace normalised)."""
    item = _row(conn, "SELECT title, summary, body_text FROM items WHERE id = ?", [item_id]) or {}
    wanted = normalise(passage)
    return bool(wanted) and any(wanted in normalise(item.get(field) or "") for field in
                                ("title", "summary", "body_text"))


def _ask(conn: sqlite3.Connection, ask_id: int, errors: dict[str, str]) -> dict | None:
    ask = _row(conn, "SELECT a.*, r.item_id AS response_item_id FROM asks a JOIN responses r ON r.id = a.response_id "
                     "WHERE a.id = ?", [ask_id])
    if ask is None:
        errors["ask_id"] = f"no ask has id {ask_id}"
    return ask


def _record_outcome(conn: sqlite3.Connection, actor: str, ask: dict, outcome: str, item_id: str, passage: str,
                    note: str, now: str, action: str) -> None:
    after = {"outcome": outcome, "outcome_by": actor, "outcome_at": now, "outcome_note": note,
             "evidence_item_id": item_id or None, "evidence_passage": passage or None}
    conn.execute("UPDATE asks SET outcome = :outcome, outcome_by = :outcome_by, outcome_at = :outcome_at, "
                 "outcome_note = :outcome_note, evidence_item_id = :evidence_item_id, "
                 "evidence_passage = :evidence_passage, updated_by = :outcome_by, updated_at = :outcome_at "
                 "WHERE id = :id", {**after, "id": ask["id"]})
    _audit(conn, actor, action, "asks", str(ask["id"]), {key: ask[key] for key in after},
           {"response_id": ask["response_id"], **after}, now)


def _check_evidence(conn: sqlite3.Connection, outcome: str, item_id: str, passage: str, note: str,
                    errors: dict[str, str]) -> None:
    if outcome not in OUTCOMES:
        errors["outcome"] = f"must be one of: {', '.join(OUTCOMES)}"
    _limit(passage, LIMITS["passage"], "evidence_passage", errors)
    _limit(note, LIMITS["outcome_note"], "outcome_note", errors)
    if outcome == "pending" or "outcome" in errors:
        return
    if not item_id:
        errors["evidence_item_id"] = f"give the id of the item that shows the ask was {outcome}"
    elif _row(conn, "SELECT id FROM items WHERE id = ?", [item_id]) is None:
        errors["evidence_item_id"] = f"no tracked item has id {item_id[:100]!r}"
    elif passage and "evidence_passage" not in errors and not passage_in_item(conn, item_id, passage):
        errors["evidence_passage"] = f"this passage is not in the text of {item_id[:100]} (copy it from the item)"
    elif not passage and outcome in PASSAGE_NEEDED:
        errors["evidence_passage"] = f"quote the passage of {item_id[:100]} that shows the ask was {outcome}"


def set_outcome(conn: sqlite3.Connection, actor: str, ask_id: int, outcome: str, evidence_item_id: str = "",
                evidence_passage: str = "", note: str = "", now: str | None = None) -> str:
    """Set an ask's outcome with its evidence (who and when recorded), audited; "pending" clears the evidence.
    Returns the item id of the ask's response (the page to show next). FormError, nothing written, on bad input."""
    outcome = str(outcome or "").strip()
    item_id = clean_text(str(evidence_item_id or "")).strip()
    passage = normalise(str(evidence_passage or ""))
    note = clean_text(str(note or "")).strip()
    now = now or _now()
    errors: dict[str, str] = {}
    with write_transaction(conn):
        ask = _ask(conn, ask_id, errors)
        _check_evidence(conn, outcome, item_id, passage, note, errors)
        if errors:
            raise FormError(errors)
        if outcome == "pending":
            item_id, passage = "", ""
        _record_outcome(conn, actor, ask, outcome, item_id, passage, note, now, "outcome")
        return ask["response_item_id"]


def _open_suggestion(conn: sqlite3.Connection, suggestion_id: int) -> dict:
    suggestion = _row(conn, "SELECT * FROM ask_suggestions WHERE id = ?", [suggestion_id])
    if suggestion is None:
        raise FormError({"suggestion_id": f"no suggestion has id {suggestion_id}"})
    if suggestion["state"] != "open":
        raise FormError({"suggestion_id": f"suggestion {suggestion_id} was already {suggestion['state']}"})
    return suggestion


def accept_suggestion(conn: sqlite3.Connection, actor: str, suggestion_id: int, outcome: str, note: str = "",
                      now: str | None = None) -> str:
    """Accept a suggested passage as the evidence for its ask with the editor's `outcome` (not pending), audited;
    returns the item id of the ask's response."""
    outcome = str(outcome or "").strip()
    note = clean_text(str(note or "")).strip()
    now = now or _now()
    with write_transaction(conn):
        suggestion = _open_suggestion(conn, suggestion_id)
        errors: dict[str, str] = {}
        if outcome == "pending":
            errors["outcome"] = "choose what the passage shows: " + ", ".join(OUTCOMES[1:])
        ask = _ask(conn, suggestion["ask_id"], errors)
        if not errors:
            _check_evidence(conn, outcome, suggestion["item_id"], suggestion["passage"], note, errors)
        if errors:
            raise FormError(errors)
        _record_outcome(conn, actor, ask, outcome, suggestion["item_id"], normalise(suggestion["passage"]), note,
                        now, "accept suggestion")
        _decide(conn, actor, suggestion, "accepted", now)
        return ask["response_item_id"]


def dismiss_suggestion(conn: sqlite3.Connection, actor: str, suggestion_id: int, now: str | None = None) -> str:
    """Dismiss a suggested passage, audited; returns the item id of the ask's response."""
    now = now or _now()
    with write_transaction(conn):
        suggestion = _open_suggestion(conn, suggestion_id)
        errors: dict[str, str] = {}
        ask = _ask(conn, suggestion["ask_id"], errors)
        if errors:
            raise FormError(errors)
        _decide(conn, actor, suggestion, "dismissed", now)
        return ask["response_item_id"]


def _decide(conn: sqlite3.Connection, actor: str, suggestion: dict, state: str, now: str) -> None:
    conn.execute("UPDATE ask_suggestions SET state = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                 [state, actor, now, suggestion["id"]])
    _audit(conn, actor, state, "ask_suggestions", str(suggestion["id"]), {"state": suggestion["state"]},
           {"ask_id": suggestion["ask_id"], "state": state, "decided_by": actor, "decided_at": now}, now)


def history(conn: sqlite3.Connection, response_id: int) -> list[dict[str, Any]]:
    """Every change to a response and its asks (including removed ones), newest first, from the audit log."""
    return _rows(conn, """
        SELECT id, actor, at, action, table_name, row_key, before, after FROM audit_log
        WHERE (table_name = 'responses' AND row_key = :key)
           OR (table_name = 'asks' AND json_extract(coalesce(after, before), '$.response_id') = :id)
        ORDER BY id DESC""", {"key": str(response_id), "id": response_id})


def _rows(conn: sqlite3.Connection, sql: str, params: Any) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
