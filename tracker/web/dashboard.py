"""At-a-glance figures for the home page: counts (and what needs review), new relevant items per week by theme,
bills by stage, deadlines per week (Monday to Sunday) this week and the next seven. Pure reads; the template
draws them as bars."""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from tracker.contract import BILL_STAGE_SQL, SOURCE_DATE_SQL
from tracker.contract import OPEN_NOW_SQL as OPEN_NOW
from tracker.weeks import local_date, parse_instant
from tracker.web.metadata import NEEDS_REVIEW_SQL

WEEKS = 8
LATEST = 10


def _all(conn: sqlite3.Connection, sql: str, params: list | None = None) -> list[tuple]:
    return conn.execute(sql, params or []).fetchall()


def _bars(pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:
    top = max((n for _, n in pairs), default=0) or 1
    return [{"label": label, "count": n, "percent": round(100 * n / top)} for label, n in pairs]


def load(conn: sqlite3.Connection, today: date | None = None) -> dict[str, Any]:
    """Figures for the dashboard, as of `today` (default: the database's today)."""
    # The London date of the database's now (tracker_now(): the demo's moment, else the clock).
    today = today or local_date(parse_instant(_all(conn, "SELECT tracker_now()")[0][0].replace(" ", "T")))
    week_ago = (today - timedelta(days=7)).isoformat()
    counts = dict(_all(conn, f"""
        SELECT 'items', count(*) FROM items UNION ALL
        SELECT 'relevant', count(*) FROM items WHERE relevant = 1 UNION ALL
        SELECT 'open', count(*) FROM items i WHERE relevant = 1 AND {OPEN_NOW} UNION ALL
        SELECT 'calls_open', count(*) FROM items i WHERE relevant = 1 AND kind = 'committee_inquiry' AND {OPEN_NOW}
        UNION ALL
        SELECT 'new_week', count(*) FROM items i WHERE relevant = 1 AND datetime({SOURCE_DATE_SQL}) >= ? UNION ALL
        SELECT 'needs_review', count(*) FROM ({NEEDS_REVIEW_SQL})""",
        [week_ago]))
    start = today - timedelta(days=7 * WEEKS)
    # Relevant items by the source's own date (what the briefing calls new), themes named as the taxonomy does.
    by_theme = _all(conn, f"""
        SELECT coalesce(p.name, t.value) AS theme, count(*) FROM items i, json_each(i.themes) t
        LEFT JOIN priorities p ON p.id = t.value
        WHERE i.relevant = 1 AND datetime({SOURCE_DATE_SQL}) >= ? GROUP BY theme ORDER BY count(*) DESC, theme""",
                    [start.isoformat()])
    per_week = []
    for offset in range(WEEKS - 1, -1, -1):
        week_start = today - timedelta(days=today.weekday(), weeks=offset)
        n = _all(conn, f"SELECT count(*) FROM items i WHERE relevant = 1 AND datetime({SOURCE_DATE_SQL}) >= ? "
                       f"AND datetime({SOURCE_DATE_SQL}) < ?",
                 [week_start.isoformat(), (week_start + timedelta(days=7)).isoformat()])[0][0]
        per_week.append((f"w/c {week_start:%d %b}", n))
    stages = _all(conn, f"""
        SELECT {BILL_STAGE_SQL} AS stage, count(*) FROM items i WHERE kind = 'bill' AND relevant = 1
        GROUP BY stage ORDER BY count(*) DESC LIMIT 12""")
    # The newest relevant items by the source's date: every one a click from its reform page.
    latest = [{"id": r[0], "title": r[1], "kind": r[2].replace("_", " "), "date": r[3]} for r in _all(conn, f"""
        SELECT id, title, kind, date({SOURCE_DATE_SQL}) FROM items i WHERE relevant = 1
        ORDER BY datetime({SOURCE_DATE_SQL}) IS NULL, datetime({SOURCE_DATE_SQL}) DESC, id LIMIT {LATEST}""")]
    return {"latest": latest, "counts": counts, "new_per_week": _bars(per_week), "themes": _bars(by_theme),
            "bills_by_stage": _bars(stages), "deadlines": _bars(deadline_weeks(conn, today))}


def deadline_weeks(conn: sqlite3.Connection, today: date) -> list[tuple[str, int]]:
    """Relevant deadlines per week, Monday to Sunday by the London calendar, for the eight weeks from the Monday
    of `today`'s week: [('w/c 30 Nov', 2), ...]."""
    monday = today - timedelta(days=today.weekday())
    end = monday + timedelta(weeks=WEEKS)
    counts = {monday + timedelta(weeks=offset): 0 for offset in range(WEEKS)}
    # SQLite's date() is the UTC date, a day behind London's at most: it only narrows the rows down; each
    # deadline's London date decides its week (Monday 00:00 BST is still Sunday in UTC).
    rows = _all(conn, """
        SELECT closes FROM items WHERE relevant = 1 AND closes IS NOT NULL AND coalesce(status, '') != 'withdrawn'
          AND date(closes) >= date(?, '-1 day') AND date(closes) < ?""", [monday.isoformat(), end.isoformat()])
    for (closes,) in rows:
        day = local_date(parse_instant(closes))
        if monday <= day < end:
            counts[day - timedelta(days=day.weekday())] += 1
    return [(f"w/c {week_start:%d %b}", n) for week_start, n in counts.items()]
