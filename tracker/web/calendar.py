"""The forward calendar page's data: what is coming for relevant reforms in the next eight weeks, grouped by
week (Monday to Sunday by the London calendar), each event with its reform page. Editors also see the
register's internal response deadlines (staff data: never shown to readers)."""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from tracker.store.calendar import RESPONSE_DEADLINE, shown
from tracker.weeks import local_date, parse_instant

WEEKS = 8


def _day(value: str) -> date:
    """The London date of an event's start (a plain date is that date)."""
    return date.fromisoformat(value) if len(value) == 10 else local_date(parse_instant(value))


def load(conn: sqlite3.Connection, *, include_responses: bool, everything: bool = False,
         today: date | None = None) -> dict[str, Any]:
    """{"weeks": [{"monday", "label", "events": [...]}], "first", "last"} for the eight weeks from this week's
    Monday (`today` defaults to the database's today: the demo's moment, else the clock); `everything` shows the
    events of every tracked item, not only of relevant ones."""
    today = today or local_date(parse_instant(conn.execute("SELECT tracker_now()").fetchone()[0].replace(" ", "T")))
    monday = today - timedelta(days=today.weekday())
    end = monday + timedelta(weeks=WEEKS)
    # date() in SQL is the UTC date, at most a day off London's: it narrows the rows, `_day` decides the week.
    window = [(monday - timedelta(days=1)).isoformat(), (end + timedelta(days=1)).isoformat()]
    rows = conn.execute(
        "SELECT e.starts, e.ends, e.kind, e.title, e.house, e.reform_id, e.uid, e.item_id, e.cancelled, i.relevant "
        "FROM calendar_events e JOIN items i ON i.id = e.item_id "
        "WHERE e.cancelled = 0 AND date(e.starts) >= ? AND date(e.starts) <= ?", window).fetchall()
    relevant = {row[7] for row in rows if row[9] == 1 or everything}
    # Events left out as not relevant, counted so an empty page can say what "show everything" would add.
    others = sum(1 for row in rows if not shown({"item_id": row[7], "cancelled": row[8]}, relevant)
                 and monday <= _day(row[0]) < end)
    events = [{"starts": starts, "ends": ends, "kind": kind, "title": title, "house": house, "reform_id": reform_id,
               "uid": uid} for starts, ends, kind, title, house, reform_id, uid, item_id, cancelled, _ in rows
              if shown({"item_id": item_id, "cancelled": cancelled}, relevant)]
    if include_responses:
        responses = conn.execute(
            "SELECT r.internal_deadline, i.title, coalesce(f.reform_id, i.id), r.id FROM responses r "
            "JOIN items i ON i.id = r.item_id LEFT JOIN reforms f ON f.item_id = i.id "
            "WHERE r.internal_deadline IS NOT NULL AND r.status != 'submitted' "
            "AND date(r.internal_deadline) >= ? AND date(r.internal_deadline) <= ?", window).fetchall()
        events += [{"starts": deadline, "ends": None, "kind": RESPONSE_DEADLINE, "title": title, "house": None,
                    "reform_id": reform_id, "uid": f"response-{rid}"} for deadline, title, reform_id, rid in responses]
    weeks = [{"monday": monday + timedelta(weeks=n), "events": []} for n in range(WEEKS)]
    for event in sorted(events, key=lambda e: (_day(e["starts"]), e["starts"], e["kind"], e["title"])):
        day = _day(event["starts"])
        if monday <= day < end:
            event["day"] = day
            weeks[(day - monday).days // 7]["events"].append(event)
    for week in weeks:
        week["label"] = f"Week commencing {week['monday']:%-d %B %Y}"
    return {"weeks": weeks, "first": monday, "last": end - timedelta(days=1), "today": today,
            "everything": everything, "others": others,
            "shown": sum(len(week["events"]) for week in weeks)}
