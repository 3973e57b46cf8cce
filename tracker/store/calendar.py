"""The forward calendar's events (`calendar_events`), derived from the stored items after each crawl.

What is coming, not only what closes: consultation, call-for-evidence and inquiry closing dates, committees'
next oral evidence sessions, commencement and in-force dates, bills' stage sittings, statutory
instruments' laying dates and the ends of their praying or approval periods, and Parliament's own calendar
(What's On: bill business and committee sittings, `parliament-calendar` items, uid = the event's item id; an
event naming a tracked bill is that bill's, so it shows when the bill is relevant). Each event has a uid that names its item and what the date is (`<item id>#closes`,
`bill:3339#stage-17563`), never the date itself: a moved date updates the same row (and the same calendar
event for subscribers), and the row as it was is kept in `calendar_event_versions`.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Container, Iterable, Mapping

from tracker.contract import CONSULTATION_KINDS
from tracker.store.db import write_transaction
from tracker.store.items import utc_now

#: What an event is, as the page and the feed name it.
CLOSING_KINDS = {"consultation": "consultation closes", "call_for_evidence": "call for evidence closes",
                 "committee_inquiry": "evidence closes"}
DEFAULT_CLOSING_KIND = "consultation closes"
EVENT_KINDS = ("consultation closes", "call for evidence closes", "evidence closes", "in force", "bill stage",
               "committee sitting", "SI laid", "praying period ends", "approval period ends")
#: The register's internal deadlines: never stored here, shown to editors only (see web.calendar).
RESPONSE_DEADLINE = "our response deadline"


@dataclass
class CalendarEvent:
    """One dated event: a `calendar_events` row without its bookkeeping (first_seen, updated)."""

    uid: str
    source: str
    kind: str
    title: str
    starts: str
    ends: str | None = None
    house: str | None = None
    item_id: str | None = None
    bill_id: int | None = None
    committee_id: int | None = None
    reform_id: str | None = None
    url: str | None = None
    cancelled: int = 0


CONTENT = tuple(f.name for f in fields(CalendarEvent) if f.name != "uid")


def shown(event: Mapping[str, Any], relevant: Container[str]) -> bool:
    """The forward calendar's rule of what is relevant: an event not cancelled, filed under (`item_id`) an item in
    `relevant` (an SI's or inquiry's own item; for a bill stage, or a What's On event naming a tracked bill, the
    bill). The page passes the items relevant now; the briefing, those relevant at its instant."""
    return not event["cancelled"] and event["item_id"] in relevant


@dataclass
class SyncResult:
    inserted: int = 0
    moved: int = 0
    cancelled: int = 0
    unchanged: int = 0


def _number(item_id: str) -> int | None:
    tail = item_id.split(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _committee(details: dict[str, Any]) -> int | None:
    """The (first) committee of an inquiry, as the Committees API numbers it."""
    ids = [i for i in details.get("committee_ids") or [] if isinstance(i, int)]
    return ids[0] if ids else None


def derive(conn: sqlite3.Connection) -> list[CalendarEvent]:
    """Every event the stored items give, in uid order."""
    conn_rows = conn.execute(
        "SELECT i.id, i.source, i.kind, i.title, i.status, i.closes, i.details, i.url, "
        "coalesce(r.reform_id, i.id) FROM items i LEFT JOIN reforms r ON r.item_id = i.id "
        "WHERE i.closes IS NOT NULL OR i.kind IN ('statutory_instrument', 'commencement_order') "
        "OR (i.kind = 'committee_inquiry' AND i.details LIKE '%next_oral_evidence_session%') "
        "OR i.source = 'parliament-calendar'").fetchall()
    bills = dict(conn.execute("SELECT i.id, coalesce(r.reform_id, i.id) FROM items i "
                              "LEFT JOIN reforms r ON r.item_id = i.id WHERE i.kind = 'bill'").fetchall())
    events: list[CalendarEvent] = []
    parliament_in_force: set[tuple[str, str, str]] = set()
    legislation_instruments: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []
    for item_id, source, kind, title, status, closes, details_json, url, reform_id in conn_rows:
        common = {"source": source, "item_id": item_id, "reform_id": reform_id, "url": url}
        details = json.loads(details_json or "{}")
        if closes and kind in CONSULTATION_KINDS:
            events.append(CalendarEvent(
                f"{item_id}#closes", kind=CLOSING_KINDS.get(kind, DEFAULT_CLOSING_KIND), title=title, starts=closes,
                committee_id=_committee(details) if kind == "committee_inquiry" else None,
                cancelled=int((status or "") == "withdrawn"), **common))
        session = details.get("next_oral_evidence_session") if kind == "committee_inquiry" else None
        if isinstance(session, dict) and session.get("start"):
            # One event per inquiry: the next session replaces the last one (kept as a version), as a moved date.
            events.append(CalendarEvent(
                f"{item_id}#next-oral-evidence", kind="committee sitting", starts=session["start"],
                ends=session.get("end"), committee_id=_committee(details),
                title=f"{title}: {session.get('name') or 'oral evidence session'}", **common))
        if source == "parliament-calendar" and details.get("event") and details.get("starts"):
            events.append(_whats_on_event(item_id, title, details, common, bills))
        if kind == "commencement_order":
            for n, provision in enumerate(details.get("commences") or []):
                if provision.get("date"):
                    events.append(CalendarEvent(
                        f"{item_id}#in-force-{n}", kind="in force", starts=provision["date"],
                        title=f"{provision.get('provision') or 'provisions'} ({title})", **common))
        if kind == "statutory_instrument" and source == "statutory-instruments":
            events.extend(_instrument_events(item_id, title, details, common))
            if details.get("coming_into_force"):
                parliament_in_force.add((str(details.get("year")), str(details.get("number")),
                                         details["coming_into_force"]))
        elif kind == "statutory_instrument":
            legislation_instruments.append((item_id, title, details, common))
    # legislation.gov.uk's in-force dates of an SI, less those its Parliament record already gives.
    for item_id, title, details, common in legislation_instruments:
        dates = details.get("coming_into_force") or []
        for n, day in enumerate(dates if isinstance(dates, list) else [dates]):
            if isinstance(day, str) and (str(details.get("year")), str(details.get("number")),
                                         day) not in parliament_in_force:
                events.append(CalendarEvent(f"{item_id}#in-force-{n}", kind="in force", title=title, starts=day,
                                            **common))
    stages = conn.execute(
        "SELECT s.bill_stage_id, s.item_id, i.title, s.stage, s.house, s.first_sitting, s.last_sitting, i.source, "
        "i.url, coalesce(r.reform_id, i.id) FROM bill_stages s JOIN items i ON i.id = s.item_id "
        "LEFT JOIN reforms r ON r.item_id = i.id WHERE s.first_sitting IS NOT NULL").fetchall()
    for stage_id, item_id, title, stage, house, first, last, source, url, reform_id in stages:
        events.append(CalendarEvent(
            f"{item_id}#stage-{stage_id}", source=source, kind="bill stage", title=f"{title}: {stage}",
            starts=first, ends=last if last and last != first else None, house=house, item_id=item_id,
            bill_id=_number(item_id), reform_id=reform_id, url=url))
    return sorted((e for e in events if _dated(e.starts) and (e.ends is None or _dated(e.ends))), key=lambda e: e.uid)


def _dated(value: Any) -> bool:
    """An ISO date or datetime string (anything else from a source's details is left out of the calendar)."""
    if not isinstance(value, str):
        return False
    try:
        (date.fromisoformat if len(value) == 10 else datetime.fromisoformat)(value)
    except ValueError:
        return False
    return True


def _whats_on_event(item_id: str, title: str, details: dict[str, Any], common: dict[str, Any],
                    bills: dict[str, str]) -> CalendarEvent:
    bill = f"bill:{details['bill_id']}" if details.get("bill_id") else None
    if bill in bills:
        common = {**common, "item_id": bill, "reform_id": bills[bill]}
    return CalendarEvent(item_id, kind=details["event"], title=title, starts=details["starts"],
                         ends=details.get("ends"), house=details.get("house"), bill_id=details.get("bill_id"),
                         committee_id=details.get("committee_id"), cancelled=int(bool(details.get("cancelled"))),
                         **common)


def _instrument_events(item_id: str, title: str, details: dict[str, Any],
                       common: dict[str, Any]) -> Iterable[CalendarEvent]:
    commons, lords = details.get("commons_laid"), details.get("lords_laid")
    laid = min(d for d in (commons, lords) if d) if (commons or lords) else None
    if laid:
        houses = [h for h, d in (("Commons", commons), ("Lords", lords)) if d]
        yield CalendarEvent(f"{item_id}#laid", kind="SI laid", title=title, starts=laid,
                            house=" and ".join(houses), **common)
    period = details.get("scrutiny_period") or {}
    if period.get("end_date"):
        yield CalendarEvent(f"{item_id}#period-ends", kind=period.get("ends") or "praying period ends",
                            title=title, starts=period["end_date"], **common)
    if isinstance(details.get("coming_into_force"), str):
        yield CalendarEvent(f"{item_id}#in-force", kind="in force", title=title,
                            starts=details["coming_into_force"], **common)


def sync(conn: sqlite3.Connection, events: list[CalendarEvent] | None = None, *,
         now: str | None = None) -> SyncResult:
    """Make `calendar_events` hold `events` (default: `derive(conn)`): new ones inserted, changed ones updated in
    place with the old row kept as a version, ones no longer given marked cancelled (never deleted)."""
    now = now or utc_now()
    events = derive(conn) if events is None else events
    result = SyncResult()
    columns = ("uid",) + CONTENT + ("first_seen", "updated")
    with write_transaction(conn):
        stored = {row[0]: dict(zip(columns, row))
                  for row in conn.execute(f"SELECT {', '.join(columns)} FROM calendar_events")}
        given = set()
        for event in events:
            given.add(event.uid)
            row = vars(event)  # not asdict: its deep copies cost seconds on a large archive
            old = stored.get(event.uid)
            if old is None:
                conn.execute(f"INSERT INTO calendar_events ({', '.join(columns)}) VALUES "
                             f"({', '.join('?' for _ in columns)})",
                             [row[c] for c in ("uid",) + CONTENT] + [now, now])
                result.inserted += 1
            elif _replace(conn, old, row, now):
                result.moved += 1
            else:
                result.unchanged += 1
        for uid, old in stored.items():
            if uid not in given and not old["cancelled"]:
                _replace(conn, old, {**old, "cancelled": 1}, now)
                result.cancelled += 1
    return result


def _replace(conn: sqlite3.Connection, old: dict[str, Any], new: dict[str, Any], now: str) -> bool:
    changed = [c for c in CONTENT if old[c] != new[c]]
    if not changed:
        return False
    conn.execute("INSERT INTO calendar_event_versions (uid, data, changed_fields, replaced_at) VALUES (?, ?, ?, ?)",
                 [old["uid"], json.dumps({c: old[c] for c in CONTENT + ("first_seen", "updated")}),
                  json.dumps(changed), now])
    conn.execute(f"UPDATE calendar_events SET {', '.join(f'{c} = ?' for c in CONTENT)}, updated = ? WHERE uid = ?",
                 [new[c] for c in CONTENT] + [now, old["uid"]])
    return True
