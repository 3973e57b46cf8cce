"""At-a-glance figures for the home page: counts (and what needs review), new relevant items per week by theme,
bills by stage, deadlines per week (Monday to Sunday) this week and the next seven. Pure reads; the template
draws them as bars.

At 200,000 items the page must still answer within a second: the dated figures and the newest items narrow the
rows by the stored date's text (`published`, `opens`, `closes`, all indexed) before SQLite computes the exact
date of the few rows left, the open count starts from the status index, and the needs-review figure counts no
further than a cap. Bills by stage still reads every relevant bill.
"""
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
#: The needs-review card counts this many rows at most and says "more than" past it; its link counts them all.
REVIEW_CAP = 1_000
#: How far a stored date's text (ISO 8601, as the contract validates it) can be from its UTC date (an offset moves
#: it a day at most), with a day spare: an indexed range on the text this much wider keeps every row the exact
#: date test can accept.
MARGIN = timedelta(days=2)
#: The newest items are looked for among items dated within these many days of today, widest last.
LATEST_WINDOWS = (31, 92, 365, 2 * 365, 4 * 365)
#: The saved query's rows without its ordering and per-row columns: the card counts exactly the rows it lists.
NEEDS_REVIEW_ROWS = "select 1 from " + NEEDS_REVIEW_SQL.split("\nfrom ", 1)[1].split("\norder by ", 1)[0]


def _all(conn: sqlite3.Connection, sql: str, params: list | None = None) -> list[tuple]:
    return conn.execute(sql, params or []).fetchall()


def _bars(pairs: list[tuple[str, int]]) -> list[dict[str, Any]]:
    top = max((n for _, n in pairs), default=0) or 1
    return [{"label": label, "count": n, "percent": round(100 * n / top)} for label, n in pairs]


def _dated_from(since: date, until: date | None = None) -> tuple[str, list[str]]:
    """SQL over `items i` (and its parameters) true of every item whose source date (SOURCE_DATE_SQL) falls on or
    after `since` (and before `until`), and of few others: a range of the `published` or `opens` index."""
    low = (since - MARGIN).isoformat()
    if until is None:
        return "(i.published >= ? OR i.opens >= ?)", [low, low]
    high = (until + MARGIN).isoformat()
    return ("((i.published >= ? AND i.published < ?) OR (i.opens >= ? AND i.opens < ?))", [low, high, low, high])


def _relevant_dated(since: date, until: date | None = None) -> tuple[str, list[str]]:
    """SQL over `items i`: relevant, with the source's date on or after `since` (and before `until`), exactly as
    datetime() compares; the date ranges choose the index (`+` keeps SQLite off the relevant index)."""
    narrow, params = _dated_from(since, until)
    exact = f"datetime({SOURCE_DATE_SQL}) >= ?" + ("" if until is None else f" AND datetime({SOURCE_DATE_SQL}) < ?")
    bounds = [since.isoformat()] + ([] if until is None else [until.isoformat()])
    return f"+i.relevant = 1 AND {narrow} AND {exact}", params + bounds


def load(conn: sqlite3.Connection, today: date | None = None, exact_review: bool = False) -> dict[str, Any]:
    """Figures for the dashboard, as of `today` (default: the database's today). The needs-review count stops
    past REVIEW_CAP (`counts["needs_review_more"]` then says so) unless `exact_review`."""
    # The London date of the database's now (tracker_now(): the demo's moment, else the clock).
    today = today or local_date(parse_instant(_all(conn, "SELECT tracker_now()")[0][0].replace(" ", "T")))
    week_ago = today - timedelta(days=7)
    new_week, new_week_params = _relevant_dated(week_ago)
    review_limit = "" if exact_review else f" LIMIT {REVIEW_CAP + 1}"
    # Open: the few items with an open status (indexed), not every relevant item.
    counts = dict(_all(conn, f"""
        SELECT 'items', count(*) FROM items UNION ALL
        SELECT 'relevant', count(*) FROM items WHERE relevant = 1 UNION ALL
        SELECT 'open', count(*) FROM items i WHERE +relevant = 1 AND {OPEN_NOW} UNION ALL
        SELECT 'calls_open', count(*) FROM items i WHERE relevant = 1 AND kind = 'committee_inquiry' AND {OPEN_NOW}
        UNION ALL
        SELECT 'new_week', count(*) FROM items i WHERE {new_week} UNION ALL
        SELECT 'needs_review', count(*) FROM ({NEEDS_REVIEW_ROWS}{review_limit})""", new_week_params))
    counts["needs_review_more"] = counts["needs_review"] > REVIEW_CAP and not exact_review
    if counts["needs_review_more"]:
        counts["needs_review"] = REVIEW_CAP
    start = today - timedelta(days=7 * WEEKS)
    recent, recent_params = _relevant_dated(start)
    # Relevant items by the source's own date (what the briefing calls new), themes named as the taxonomy does.
    by_theme = _all(conn, f"""
        SELECT coalesce(p.name, t.value) AS theme, count(*) FROM items i, json_each(i.themes) t
        LEFT JOIN priorities p ON p.id = t.value
        WHERE {recent} GROUP BY theme ORDER BY count(*) DESC, theme""", recent_params)
    per_week = []
    for offset in range(WEEKS - 1, -1, -1):
        week_start = today - timedelta(days=today.weekday(), weeks=offset)
        in_week, params = _relevant_dated(week_start, week_start + timedelta(days=7))
        n = _all(conn, f"SELECT count(*) FROM items i WHERE {in_week}", params)[0][0]
        per_week.append((f"w/c {week_start:%d %b}", n))
    stages = _all(conn, f"""
        SELECT {BILL_STAGE_SQL} AS stage, count(*) FROM items i WHERE kind = 'bill' AND relevant = 1
        GROUP BY stage ORDER BY count(*) DESC LIMIT 12""")
    latest = [{"id": r[0], "title": r[1], "kind": r[2].replace("_", " "), "date": r[3]} for r in newest(conn, today)]
    return {"latest": latest, "counts": counts, "new_per_week": _bars(per_week), "themes": _bars(by_theme),
            "bills_by_stage": _bars(stages), "deadlines": _bars(deadline_weeks(conn, today))}


def newest(conn: sqlite3.Connection, today: date) -> list[tuple]:
    """The LATEST newest relevant items by the source's date (undated last, then by id): (id, title, kind, date).

    Looked for among items dated within a window of today, widened until it holds LATEST of them: every item
    outside the window is older than every one inside, so the window's newest are the newest of all."""
    select = f"SELECT i.id, i.title, i.kind, date({SOURCE_DATE_SQL}) FROM items i"
    order = (f"ORDER BY datetime({SOURCE_DATE_SQL}) IS NULL, datetime({SOURCE_DATE_SQL}) DESC, i.id "
             f"LIMIT {LATEST}")
    for days in LATEST_WINDOWS:
        window, params = _relevant_dated(today - timedelta(days=days))
        rows = _all(conn, f"{select} WHERE {window} {order}", params)
        if len(rows) == LATEST:
            return rows
    return _all(conn, f"{select} WHERE i.relevant = 1 {order}")


def deadline_weeks(conn: sqlite3.Connection, today: date) -> list[tuple[str, int]]:
    """Relevant deadlines per week, Monday to Sunday by the London calendar, for the eight weeks from the Monday
    of `today`'s week: [('w/c 30 Nov', 2), ...]."""
    monday = today - timedelta(days=today.weekday())
    end = monday + timedelta(weeks=WEEKS)
    counts = {monday + timedelta(weeks=offset): 0 for offset in range(WEEKS)}
    # SQLite's date() is the UTC date, a day behind London's at most: it only narrows the rows down; each
    # deadline's London date decides its week (Monday 00:00 BST is still Sunday in UTC). The range on the text
    # of `closes` (indexed) comes first, wide enough to keep every row date() accepts.
    rows = _all(conn, """
        SELECT closes FROM items WHERE closes >= ? AND closes < ? AND +relevant = 1
          AND coalesce(status, '') != 'withdrawn' AND date(closes) >= date(?, '-1 day') AND date(closes) < ?""",
                [(monday - timedelta(days=1) - MARGIN).isoformat(), (end + MARGIN).isoformat(),
                 monday.isoformat(), end.isoformat()])
    for (closes,) in rows:
        day = local_date(parse_instant(closes))
        if monday <= day < end:
            counts[day - timedelta(days=day.weekday())] += 1
    return [(f"w/c {week_start:%d %b}", n) for week_start, n in counts.items()]
