"""Staff writes: the response register, tag and link reviews, themes added by reviewers, relevance decisions,
triage; each appends to the audit log.

Pure validation plus functions over a sqlite3 connection, so Datasette forms, the CLI and tests share them.
"""
from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Mapping

from tracker.store.db import write_transaction
from tracker.store import reforms
from tracker.store.items import refresh_relevance
from tracker.errors import ValidationError
from tracker.contract import clean_text

DECISIONS = ("respond", "no response", "joint response", "nil return")
STATUSES = ("planned", "drafting", "in clearance", "submitted")
TRIAGE_STATES = ("new", "watching", "action", "no action")
REVIEW_STATES = ("confirmed", "rejected", "suggested")
#: A reviewer's relevance decision -> relevance_overrides.relevant ("as classified": the tags decide again).
RELEVANCE_DECISIONS = {"relevant": 1, "not relevant": 0, "as classified": None}
#: The method (and evidence kind) of a tag a reviewer added; its score: a person's decision, not a guess.
REVIEWER_METHOD = "reviewer"
REVIEWER_SCORE = 1.0
#: SQLite's largest rowid: a bigger id is a 400, not an overflow (and a 500) in the driver.
MAX_ROW_ID = 2**63 - 1
LIMITS = {"owner_team": 200, "position_summary": 5_000, "key_asks": 5_000, "document_url": 2_000, "note": 2_000}


class FormError(ValidationError):
    """A form was filled wrongly: `errors` maps field -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


def parse_id(value: Any, field: str) -> int:
    """A row id typed into a form: digits only, 1 to MAX_ROW_ID; else FormError naming the field."""
    text = str(value or "").strip()
    if not re.fullmatch(r"[0-9]{1,19}", text) or not 1 <= int(text) <= MAX_ROW_ID:
        raise FormError({field: f"must be a whole number from 1 to {MAX_ROW_ID}, got {text[:40]!r}"})
    return int(text)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def today_of(moment: datetime | None) -> date:
    """The tracker's today (UTC) for a fixed clock (the demo's), or the real one for None."""
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc).date()


def _date(value: str, field: str, errors: dict[str, str]) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        errors[field] = f"{value[:40]!r} is not a date (use YYYY-MM-DD)"
        return None


#: How far from today an internal deadline may plausibly be, either way (9999-12-31 and 1066-10-14 are typos).
DEADLINE_YEARS = 3
#: The earliest a submission may be dated when the item gives no opening or publication date.
SUBMITTED_YEARS_BACK = 10
#: Statuses that mean the response has gone: only these carry a submitted date.
SENT_STATUSES = ("submitted",)
#: Decisions that need a reason, typed in the summary of position.
NEEDS_REASON = ("no response",)
#: Fields any real entry fills at least one of; a form with none of them is blank.
SUBSTANCE = ("owner_team", "internal_deadline", "submitted_on", "position_summary", "key_asks", "document_url")


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class ResponseInput:
    """A validated response register entry."""

    item_id: str
    decision: str
    status: str
    owner_team: str
    internal_deadline: str | None
    submitted_on: str | None
    position_summary: str
    key_asks: str
    document_url: str


def validate_response(form: Mapping[str, Any], today: date | None = None, has_asks: bool = False) -> ResponseInput:
    """Check a submitted response form against `today` (the tracker's clock); raise FormError naming every bad
    field. Text over its limit is refused, never cut. `has_asks`: the form carries asks (so it is not blank)."""
    today = today or today_of(None)
    errors: dict[str, str] = {}
    # Staff text is cleaned as scraped text is (control characters and bidi overrides out, newlines kept).
    text = {key: clean_text(str(form.get(key) or "")).strip() for key in
            ("item_id", "decision", "status", "owner_team", "position_summary", "key_asks", "document_url")}
    if not text["item_id"]:
        errors["item_id"] = "choose the item this response is about"
    if not has_asks and not any(text.get(key) or str(form.get(key) or "").strip() for key in SUBSTANCE):
        errors["form"] = ("the form is blank: give at least the owning team, a deadline, a summary of the "
                          "position, an ask or the submitted document")
    if text["decision"] not in DECISIONS:
        errors["decision"] = f"must be one of: {', '.join(DECISIONS)}"
    if text["status"] not in STATUSES:
        errors["status"] = f"must be one of: {', '.join(STATUSES)}"
    for key, limit in LIMITS.items():
        if key in text and len(text[key]) > limit:
            errors[key] = f"is {len(text[key])} characters; the limit is {limit} (nothing was cut: shorten it)"
    if text["document_url"] and not text["document_url"].startswith(("https://", "http://")):
        errors["document_url"] = "must be an http(s) link"
    if text["decision"] in NEEDS_REASON and not text["position_summary"] and "position_summary" not in errors:
        errors["position_summary"] = f"say why ({text['decision']} needs a reason, in the summary of position)"
    deadline = _date(str(form.get("internal_deadline") or ""), "internal_deadline", errors)
    submitted = _date(str(form.get("submitted_on") or ""), "submitted_on", errors)
    if deadline and not _years_from(today, -DEADLINE_YEARS).isoformat() <= deadline \
            <= _years_from(today, DEADLINE_YEARS).isoformat():
        errors["internal_deadline"] = (f"{deadline} is not within {DEADLINE_YEARS} years of today "
                                       f"({today.isoformat()}): check the year")
    if submitted and submitted > today.isoformat():
        errors["submitted_on"] = f"{submitted} is after today ({today.isoformat()}): a submission date is in the past"
    elif submitted and submitted < _years_from(today, -SUBMITTED_YEARS_BACK).isoformat():
        errors["submitted_on"] = f"{submitted} is more than {SUBMITTED_YEARS_BACK} years ago: check the year"
    if text["status"] in SENT_STATUSES and not submitted and "submitted_on" not in errors:
        errors["submitted_on"] = "give the date the response was submitted"
    elif text["status"] in STATUSES and text["status"] not in SENT_STATUSES and submitted \
            and "submitted_on" not in errors:
        errors["submitted_on"] = (f"a response that is {text['status']} has not been submitted: clear the date "
                                  "or set the status to submitted")
    if errors:
        raise FormError(errors)
    return ResponseInput(text["item_id"], text["decision"], text["status"], text["owner_team"], deadline,
                         submitted, text["position_summary"], text["key_asks"], text["document_url"])


def _audit(conn: sqlite3.Connection, actor: str, action: str, table: str, key: str,
           before: Any, after: Any, now: str) -> None:
    conn.execute(
        "INSERT INTO audit_log (actor, at, action, table_name, row_key, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [actor, now, action, table, key, json.dumps(before) if before is not None else None,
         json.dumps(after) if after is not None else None],
    )


def _row(conn: sqlite3.Connection, sql: str, params: list) -> dict | None:
    cursor = conn.execute(sql, params)
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row)) if row else None


def _require_item(conn: sqlite3.Connection, item_id: str) -> None:
    if _row(conn, "SELECT id FROM items WHERE id = ?", [item_id]) is None:
        raise FormError({"item_id": f"no tracked item has id {item_id[:100]!r}"})


def save_response(conn: sqlite3.Connection, actor: str, entry: ResponseInput, response_id: int | None = None,
                  now: str | None = None) -> int:
    """Insert (or update `response_id`) a response and audit it, in one transaction."""
    now = now or _now()
    with write_transaction(conn):
        _require_item(conn, entry.item_id)
        _check_submitted_after_opening(conn, entry)
        values = {k: v for k, v in entry.__dict__.items()}
        if response_id is None:
            cursor = conn.execute(
                "INSERT INTO responses (item_id, decision, status, owner_team, internal_deadline, submitted_on, "
                "position_summary, key_asks, document_url, created_by, created_at, updated_by, updated_at) "
                "VALUES (:item_id, :decision, :status, :owner_team, :internal_deadline, :submitted_on, "
                ":position_summary, :key_asks, :document_url, :actor, :now, :actor, :now)",
                {**values, "actor": actor, "now": now},
            )
            new_id = cursor.lastrowid
            _audit(conn, actor, "insert", "responses", str(new_id), None, values, now)
            return new_id
        before = _row(conn, "SELECT * FROM responses WHERE id = ?", [response_id])
        if before is None:
            raise FormError({"response_id": f"no response has id {response_id}"})
        if before.get("withdrawn_at"):
            raise FormError({"response_id": f"response {response_id} was withdrawn on {before['withdrawn_at'][:10]} "
                                            "and can no longer be changed"})
        conn.execute(
            "UPDATE responses SET item_id = :item_id, decision = :decision, status = :status, "
            "owner_team = :owner_team, internal_deadline = :internal_deadline, submitted_on = :submitted_on, "
            "position_summary = :position_summary, key_asks = :key_asks, document_url = :document_url, "
            "updated_by = :actor, updated_at = :now WHERE id = :id",
            {**values, "actor": actor, "now": now, "id": response_id},
        )
        _audit(conn, actor, "update", "responses", str(response_id), before, values, now)
        return response_id


def _check_submitted_after_opening(conn: sqlite3.Connection, entry: ResponseInput) -> None:
    """A submission cannot predate the consultation (its opening date, else its publication)."""
    if not entry.submitted_on:
        return
    item = _row(conn, "SELECT opens, published FROM items WHERE id = ?", [entry.item_id]) or {}
    opened = (item.get("opens") or item.get("published") or "")[:10]
    if opened and entry.submitted_on < opened:
        raise FormError({"submitted_on": f"{entry.submitted_on} is before the consultation opened ({opened})"})


def withdraw_response(conn: sqlite3.Connection, actor: str, response_id: int, reason: str,
                      now: str | None = None) -> str:
    """Withdraw a response (kept, with its asks, marked withdrawn with who, when and why), audited. Returns the
    item id of the response."""
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    now = now or _now()
    with write_transaction(conn):
        before = _row(conn, "SELECT * FROM responses WHERE id = ?", [response_id])
        if before is None:
            errors["response_id"] = f"no response has id {response_id}"
        elif before.get("withdrawn_at"):
            errors["response_id"] = f"response {response_id} is already withdrawn"
        if errors:
            raise FormError(errors)
        after = {"withdrawn_by": actor, "withdrawn_at": now, "withdrawal_reason": reason}
        conn.execute("UPDATE responses SET withdrawn_by = ?, withdrawn_at = ?, withdrawal_reason = ?, "
                     "updated_by = ?, updated_at = ? WHERE id = ?", [actor, now, reason, actor, now, response_id])
        _audit(conn, actor, "withdraw", "responses", str(response_id), before, {**before, **after}, now)
        return before["item_id"]


def _check_state_and_note(state: str, allowed: tuple[str, ...], note: str) -> None:
    if state not in allowed:
        raise FormError({"state": f"must be one of: {', '.join(allowed)}"})
    if len(note) > LIMITS["note"]:
        raise FormError({"note": f"is {len(note)} characters; the limit is {LIMITS['note']}"})


def review(conn: sqlite3.Connection, actor: str, table: str, row_id: int, state: str, note: str = "",
           now: str | None = None, item_id: str | None = None) -> None:
    """Confirm or reject (remove) a tag (item_priorities) or link (links), and audit it. With `item_id`, the
    row must be one of that item's (the page the form was on), else FormError and nothing written."""
    if table not in ("item_priorities", "links"):
        raise FormError({"table": "can review only tags and links"})
    note = clean_text(note)
    _check_state_and_note(state, REVIEW_STATES, note)
    now = now or _now()
    with write_transaction(conn):
        before = _row(conn, f"SELECT * FROM {table} WHERE id = ?", [row_id])
        if before is None:
            raise FormError({"id": f"no {table} row has id {row_id}"})
        if item_id is not None:
            _require_item(conn, item_id)
            owners = (before["item_id"],) if table == "item_priorities" else (before["from_id"], before["to_id"])
            if item_id not in owners:
                raise FormError({"id": f"{table} row {row_id} is not about {item_id[:100]!r}"})
        conn.execute(f"UPDATE {table} SET review_state = ?, reviewer = ?, reviewed_at = ?, review_note = ? "
                     "WHERE id = ?", [state, actor, now, note, row_id])
        after = {"review_state": state, "reviewer": actor, "reviewed_at": now, "review_note": note}
        _audit(conn, actor, "review", table, str(row_id),
               {k: before[k] for k in after}, after, now)
        if table == "item_priorities":
            refresh_relevance(conn, before["item_id"])
        else:
            reforms.recompute(conn)  # a rejected link splits a thread, a confirmed one keeps it


def _reason(reason: str, errors: dict[str, str]) -> str:
    """A reviewer's reason: cleaned, required, at most LIMITS['note'] characters."""
    reason = clean_text(str(reason or "")).strip()
    if not reason:
        errors["reason"] = "say why (the reason is kept with the decision)"
    elif len(reason) > LIMITS["note"]:
        errors["reason"] = f"is {len(reason)} characters; the limit is {LIMITS['note']}"
    return reason


def add_theme(conn: sqlite3.Connection, actor: str, item_id: str, priority_id: str, reason: str,
              now: str | None = None) -> int:
    """A theme the classifier missed: the item's tag for `priority_id` confirmed by `actor` with `reason`
    (a new tag, or the classifier's suggested or rejected one), audited. Returns the tag's id."""
    errors: dict[str, str] = {}
    priority_id = str(priority_id or "").strip()
    reason = _reason(reason, errors)
    if not priority_id:
        errors["priority_id"] = "choose a theme"
    now = now or _now()
    with write_transaction(conn):
        _require_item(conn, item_id)
        if priority_id and _row(conn, "SELECT id FROM priorities WHERE id = ?", [priority_id]) is None:
            errors["priority_id"] = f"no priority theme has id {priority_id[:100]!r}"
        if errors:
            raise FormError(errors)
        before = _row(conn, "SELECT * FROM item_priorities WHERE item_id = ? AND priority_id = ?",
                      [item_id, priority_id])
        review = {"review_state": "confirmed", "reviewer": actor, "reviewed_at": now, "review_note": reason}
        if before is None:
            evidence = [{"phrase": reason, "field": "reviewer", "weight": REVIEWER_SCORE, "theme": priority_id,
                         "text": reason, "kind": REVIEWER_METHOD}]
            tag_id = conn.execute(
                "INSERT INTO item_priorities (item_id, priority_id, score, evidence, method, version, review_state, "
                "reviewer, reviewed_at, review_note, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [item_id, priority_id, REVIEWER_SCORE, json.dumps(evidence), REVIEWER_METHOD, REVIEWER_METHOD,
                 *review.values(), now, now]).lastrowid
            _audit(conn, actor, "add theme", "item_priorities", str(tag_id), None,
                   {"item_id": item_id, "priority_id": priority_id, **review}, now)
        else:
            tag_id = before["id"]
            conn.execute("UPDATE item_priorities SET review_state = ?, reviewer = ?, reviewed_at = ?, "
                         "review_note = ? WHERE id = ?", [*review.values(), tag_id])
            _audit(conn, actor, "add theme", "item_priorities", str(tag_id), {k: before[k] for k in review},
                   {"item_id": item_id, "priority_id": priority_id, **review}, now)
        refresh_relevance(conn, item_id)
        return tag_id


def set_relevance(conn: sqlite3.Connection, actor: str, item_id: str, decision: str, reason: str,
                  now: str | None = None) -> None:
    """Record a reviewer's relevance decision on an item ("relevant", "not relevant", or "as classified" to
    hand it back to the tags) with a reason, audited; items.relevant follows at once."""
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    if decision not in RELEVANCE_DECISIONS:
        errors["relevant"] = f"must be one of: {', '.join(RELEVANCE_DECISIONS)}"
    now = now or _now()
    with write_transaction(conn):
        _require_item(conn, item_id)
        if errors:
            raise FormError(errors)
        before = _row(conn, "SELECT relevant, reason, reviewer, at FROM relevance_overrides WHERE item_id = ? "
                            "ORDER BY at DESC, id DESC LIMIT 1", [item_id])
        after = {"relevant": RELEVANCE_DECISIONS[decision], "reason": reason, "reviewer": actor, "at": now}
        conn.execute("INSERT INTO relevance_overrides (item_id, relevant, reason, reviewer, at) "
                     "VALUES (?, ?, ?, ?, ?)", [item_id, *after.values()])
        _audit(conn, actor, "relevance", "relevance_overrides", item_id, before, after, now)
        refresh_relevance(conn, item_id)


def set_triage(conn: sqlite3.Connection, actor: str, item_id: str, state: str, note: str = "",
               now: str | None = None) -> None:
    """Set an item's triage state, and audit it."""
    note = clean_text(note)
    _check_state_and_note(state, TRIAGE_STATES, note)
    now = now or _now()
    with write_transaction(conn):
        _require_item(conn, item_id)
        before = _row(conn, "SELECT state, note FROM triage WHERE item_id = ?", [item_id])
        conn.execute("INSERT INTO triage (item_id, state, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT (item_id) DO UPDATE SET state = excluded.state, note = excluded.note, "
                     "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                     [item_id, state, note, actor, now])
        _audit(conn, actor, "triage", "triage", item_id, before, {"state": state, "note": note}, now)
