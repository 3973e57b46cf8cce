"""What changed in a period, as alerts say it: one `Change` per fact, each with a stable key so a fact is never
sent twice. The kinds are listed once (CHANGE_KINDS); each collector reads one kind of fact, and COLLECTORS
lists them: a new fact (our asks' outcomes, issue 16; scheduled stages, issue 18) is one function appended there.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import sqlite_utils

from tracker.contract import CONSULTATION_KINDS, OPEN_STATUSES, SOURCE_DATE_SQL
from tracker.weeks import day_label, parse_instant, utc_iso

#: Every kind of change an alert reports, in the order a message lists them.
CHANGE_KINDS = ("new", "stage", "outcome", "commencement", "deadline set", "deadline moved", "closing soon",
                "withdrawn", "status", "our ask")
#: How long before the period a source's date may be for an item first seen in it to count as new: sources
#: publish late, but an item dated earlier than this is back catalogue (a first crawl), not news.
NEW_SLACK = timedelta(days=7)
CLOSING_SOON = timedelta(days=7)


@dataclass(frozen=True)
class Change:
    """One fact about one item: `key` names it for good (sent once), `at` is when the tracker saw it."""

    key: str
    kind: str
    item_id: str
    title: str
    at: str
    detail: str
    #: From the response register (our asks' outcomes): only editors' and admins' alerts carry it.
    register: bool = False


Collector = Callable[[sqlite_utils.Database, datetime, datetime], list["Change"]]


def _label(value: str | None) -> str:
    try:
        moment = parse_instant(value, end_of_day=True)
    except Exception:  # an unreadable stored date is shown as stored
        return str(value)
    return day_label(moment) if moment else "none"


def version_changes(db: sqlite_utils.Database, since: datetime, until: datetime) -> list[Change]:
    """Stage, status, outcome, withdrawal and deadline changes: stored versions closed in the period."""
    found = []
    rows = db.query(
        "SELECT v.item_id, v.version, v.valid_to, v.changed_fields, v.data, i.kind, i.title, i.status, i.closes, "
        "(SELECT n.data FROM item_versions n WHERE n.item_id = v.item_id AND n.version = v.version + 1) AS next "
        "FROM item_versions v JOIN items i ON i.id = v.item_id WHERE v.valid_to > ? AND v.valid_to <= ? "
        "ORDER BY v.valid_to, v.item_id", [utc_iso(since), utc_iso(until)])
    for row in rows:
        old = json.loads(row["data"])
        new = json.loads(row["next"]) if row["next"] else {"status": row["status"], "closes": row["closes"],
                                                            "title": row["title"]}
        changed = set(json.loads(row["changed_fields"]))
        key = f"{row['item_id']}@{row['version']}"
        title = new.get("title") or row["title"]
        if "status" in changed:
            before, after = old.get("status") or "none", new.get("status") or "none"
            if after == "withdrawn":
                kind = "withdrawn"
            elif row["kind"] == "bill":
                kind = "stage"
            elif after in ("outcome", "reported"):
                kind = "outcome"
            else:
                kind = "status"
            found.append(Change(f"{key}:{kind}", kind, row["item_id"], title, row["valid_to"],
                                f"{before} -> {after}"))
        if "closes" in changed and new.get("closes"):
            kind = "deadline moved" if old.get("closes") else "deadline set"
            detail = (f"{_label(old['closes'])} -> {_label(new['closes'])}" if old.get("closes")
                      else f"closes {_label(new['closes'])}")
            found.append(Change(f"{key}:{kind}", kind, row["item_id"], title, row["valid_to"], detail))
    return found


def new_items(db: sqlite_utils.Database, since: datetime, until: datetime) -> list[Change]:
    """Items first seen in the period and published (by the source's own date) lately: not back catalogue."""
    found = []
    rows = db.query(
        f"SELECT i.id, i.kind, i.title, i.first_seen, {SOURCE_DATE_SQL} AS dated FROM items i "
        f"WHERE i.first_seen > ? AND i.first_seen <= ? AND {SOURCE_DATE_SQL} >= ? ORDER BY i.first_seen, i.id",
        [utc_iso(since), utc_iso(until), (since - NEW_SLACK).date().isoformat()])
    for row in rows:
        kind = "commencement" if row["kind"] == "commencement_order" else "new"
        word = "made" if kind == "commencement" else "published"
        found.append(Change(f"{row['id']}:new", kind, row["id"], row["title"], row["first_seen"],
                            f"{row['kind'].replace('_', ' ')}, {word} {_label(row['dated'])}"))
    return found


def closing_soon(db: sqlite_utils.Database, since: datetime, until: datetime) -> list[Change]:
    """Consultations and inquiries open now that close within 7 days (once per closing date: the key)."""
    kinds = ", ".join(repr(k) for k in CONSULTATION_KINDS)
    statuses = ", ".join(repr(s) for s in OPEN_STATUSES)
    # The plain range (a day wider each side, for offsets) lets SQLite use the closes index; date() decides.
    rows = db.query(
        f"SELECT id, title, closes FROM items WHERE closes >= ? AND closes < ? AND kind IN ({kinds}) "
        f"AND status IN ({statuses}) AND date(closes) >= date(?) AND date(closes) <= date(?) ORDER BY closes, id",
        [(until - timedelta(days=1)).date().isoformat(), (until + CLOSING_SOON + timedelta(days=2)).date().isoformat(),
         utc_iso(until), utc_iso(until + CLOSING_SOON)])
    return [Change(f"{row['id']}:closing:{row['closes']}", "closing soon", row["id"], row["title"], utc_iso(until),
                   f"closes {_label(row['closes'])}") for row in rows]


def ask_outcomes(db: sqlite_utils.Database, since: datetime, until: datetime) -> list[Change]:
    """Outcomes editors recorded for our asks in the period (from the audit log), on the response's item.
    Register data: marked so, for editors' alerts only. A withdrawn response's asks are left out."""
    rows = db.query(
        "SELECT a.id AS audit_id, a.at, a.after, k.id AS ask_id, k.text, r.item_id, i.title FROM audit_log a "
        "JOIN asks k ON k.id = CAST(a.row_key AS INTEGER) JOIN responses r ON r.id = k.response_id "
        "JOIN items i ON i.id = r.item_id WHERE a.table_name = 'asks' "
        "AND a.action IN ('outcome', 'accept suggestion') AND a.at > ? AND a.at <= ? AND r.withdrawn_at IS NULL "
        "ORDER BY a.at, a.id", [utc_iso(since), utc_iso(until)])
    found = []
    for row in rows:
        outcome = (json.loads(row["after"] or "{}") or {}).get("outcome") or "decided"
        text = row["text"] if len(row["text"]) <= 160 else row["text"][:159] + "…"
        found.append(Change(f"ask{row['ask_id']}@{row['audit_id']}:our ask", "our ask", row["item_id"],
                            row["title"], row["at"], f'"{text}": {outcome}', register=True))
    return found


#: Every collector, run in this order. Append new kinds of fact here (and their kind to CHANGE_KINDS).
COLLECTORS: list[Collector] = [new_items, version_changes, closing_soon, ask_outcomes]


def collect(db: sqlite_utils.Database, since: datetime, until: datetime) -> list[Change]:
    """Every change seen after `since` up to `until`, from every collector."""
    return [change for collector in COLLECTORS for change in collector(db, since, until)]
