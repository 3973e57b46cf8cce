"""The dashboard's bounded reads (tracker.web.dashboard) give the figures and rows its earlier whole-table reads
gave, on a generated database whose dates sit on every boundary the narrowing by date text could get wrong
(offsets either side of UTC, bare dates, midnights, week edges), and its needs-review count stops at the cap."""
from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from tracker import config as config_mod
from tracker.contract import BILL_STAGE_SQL, CONSULTATION_KINDS, SOURCE_DATE_SQL, TrackedItem
from tracker.contract import OPEN_NOW_SQL as OPEN_NOW
from tracker.store import db as tracker_db
from tracker.store.db import install_clock
from tracker.store.items import upsert_items
from tracker.web import dashboard
from tracker.web.metadata import NEEDS_REVIEW_SQL
from tracker.web.serve import build_datasette

from .helpers.auth import session_cookie

SEEN = "2026-12-01T09:00:00+00:00"
TODAY = date(2026, 12, 5)  # a Saturday; London is on GMT
SUMMER = date(2026, 6, 6)  # a Saturday in BST


# --- The dashboard's reads as they were before they were bounded (commit 21781ca), kept as the reference ------
def _all(conn, sql, params=None):
    return conn.execute(sql, params or []).fetchall()


def reference_load(conn: sqlite3.Connection, today: date) -> dict[str, Any]:
    week_ago = (today - timedelta(days=7)).isoformat()
    counts = dict(_all(conn, f"""
        SELECT 'items', count(*) FROM items UNION ALL
        SELECT 'relevant', count(*) FROM items WHERE relevant = 1 UNION ALL
        SELECT 'open', count(*) FROM items i WHERE relevant = 1 AND {OPEN_NOW} UNION ALL
        SELECT 'calls_open', count(*) FROM items i WHERE relevant = 1 AND kind = 'committee_inquiry' AND {OPEN_NOW}
        UNION ALL
        SELECT 'new_week', count(*) FROM items i WHERE relevant = 1 AND datetime({SOURCE_DATE_SQL}) >= ? UNION ALL
        SELECT 'needs_review', count(*) FROM ({NEEDS_REVIEW_SQL})""", [week_ago]))
    start = today - timedelta(days=7 * dashboard.WEEKS)
    by_theme = _all(conn, f"""
        SELECT coalesce(p.name, t.value) AS theme, count(*) FROM items i, json_each(i.themes) t
        LEFT JOIN priorities p ON p.id = t.value
        WHERE i.relevant = 1 AND datetime({SOURCE_DATE_SQL}) >= ? GROUP BY theme ORDER BY count(*) DESC, theme""",
                    [start.isoformat()])
    per_week = []
    for offset in range(dashboard.WEEKS - 1, -1, -1):
        week_start = today - timedelta(days=today.weekday(), weeks=offset)
        n = _all(conn, f"SELECT count(*) FROM items i WHERE relevant = 1 AND datetime({SOURCE_DATE_SQL}) >= ? "
                       f"AND datetime({SOURCE_DATE_SQL}) < ?",
                 [week_start.isoformat(), (week_start + timedelta(days=7)).isoformat()])[0][0]
        per_week.append((f"w/c {week_start:%d %b}", n))
    stages = _all(conn, f"""
        SELECT {BILL_STAGE_SQL} AS stage, count(*) FROM items i WHERE kind = 'bill' AND relevant = 1
        GROUP BY stage ORDER BY count(*) DESC LIMIT 12""")
    latest = [{"id": r[0], "title": r[1], "kind": r[2].replace("_", " "), "date": r[3]} for r in _all(conn, f"""
        SELECT id, title, kind, date({SOURCE_DATE_SQL}) FROM items i WHERE relevant = 1
        ORDER BY datetime({SOURCE_DATE_SQL}) IS NULL, datetime({SOURCE_DATE_SQL}) DESC, id
        LIMIT {dashboard.LATEST}""")]
    return {"latest": latest, "counts": counts, "new_per_week": dashboard._bars(per_week),
            "themes": dashboard._bars(by_theme), "bills_by_stage": dashboard._bars(stages),
            "deadlines": dashboard._bars(reference_deadline_weeks(conn, today))}


def reference_deadline_weeks(conn, today):
    from tracker.weeks import local_date, parse_instant
    monday = today - timedelta(days=today.weekday())
    end = monday + timedelta(weeks=dashboard.WEEKS)
    counts = {monday + timedelta(weeks=offset): 0 for offset in range(dashboard.WEEKS)}
    rows = _all(conn, """
        SELECT closes FROM items WHERE relevant = 1 AND closes IS NOT NULL AND coalesce(status, '') != 'withdrawn'
          AND date(closes) >= date(?, '-1 day') AND date(closes) < ?""", [monday.isoformat(), end.isoformat()])
    for (closes,) in rows:
        day = local_date(parse_instant(closes))
        if monday <= day < end:
            counts[day - timedelta(days=day.weekday())] += 1
    return [(f"w/c {week_start:%d %b}", n) for week_start, n in counts.items()]


# --- A generated database -----------------------------------------------------------------------------------
#: Times of day and offsets that put a stored date's text a day away from its UTC date, either way.
CLOCKS = ["T00:00:00+00:00", "T00:30:00+01:00", "T23:30:00-05:00", "T23:59:59+00:00", "T12:00:00+00:00",
          "T01:00:00+14:00", "T22:00:00-12:00", ""]
KINDS = [("govuk", "govuk:", k) for k in ("consultation", "call_for_evidence", "policy_paper", "strategy")] + [
    ("committees", "committees:", "committee_inquiry"), ("parliament-bills", "bill:", "bill")]
THEMES = ["fraud", "money-laundering", "bribery", "sanctions", "unknown-theme"]
STATUSES = ["open", "open for evidence", "closed", "outcome", "withdrawn", None, "Commons: 2nd reading"]


def _when(rng: random.Random, around: date, spread: int) -> str | None:
    if rng.random() < 0.08:
        return None
    day = around + timedelta(days=rng.randint(-spread, spread))
    return day.isoformat() + rng.choice(CLOCKS)


def generate(database, today: date, n: int = 1500, seed: int = 20, recent: float = 0.7) -> None:
    """n items, the share `recent` dated within ten weeks of today, the rest in the years before."""
    rng = random.Random(seed)
    items = []
    for k in range(n):
        source, prefix, kind = rng.choice(KINDS)
        # Most items near today's weeks (every boundary crossed), some years back (the archive).
        around, spread = (today, 70) if rng.random() < recent else (today - timedelta(days=1500), 1400)
        details = {}
        if kind == "bill":
            first = rng.choice([38, 39, 40])
            details = {"session_ids": [first] + ([first + 1] if rng.random() < 0.3 and first < 40 else []),
                       "is_act": rng.random() < 0.1, "withdrawn": "2026-10-01" if rng.random() < 0.05 else None,
                       "defeated": rng.random() < 0.05}
        items.append(TrackedItem(
            id=f"{prefix}gen-{k}", source=source, kind=kind, title=f"Generated item {k}",
            url=f"https://example.org/{k}", status=rng.choice(STATUSES), published=_when(rng, around, spread),
            opens=_when(rng, around, spread) if kind in CONSULTATION_KINDS and rng.random() < 0.7 else None,
            closes=_when(rng, around + timedelta(days=20), spread) if rng.random() < 0.6 else None,
            details=details))
    upsert_items(database, items, now=SEEN)
    conn = database.conn
    for theme in THEMES[:4]:  # named in the taxonomy; the fifth is not, and shows under its id
        conn.execute("INSERT INTO priorities (id, name, grouping, description) VALUES (?, ?, 'gen', 'gen')",
                     [theme, theme.replace("-", " ").title()])
    for k in range(n):
        item_id = items[k].id
        relevant = rng.random() < 0.6
        themes = rng.sample(THEMES, rng.randint(0, 3))
        conn.execute("UPDATE items SET relevant = ?, themes = ? WHERE id = ?",
                     [int(relevant), "[" + ", ".join(f'"{t}"' for t in themes) + "]", item_id])
        if rng.random() < 0.8:
            conn.execute("INSERT INTO classifications (item_id, relevant, score, method, version, content_hash, "
                         "classified_at) VALUES (?, ?, ?, 'rules', 'gen', 'x', ?)",
                         [item_id, int(relevant), rng.choice([0.1, 0.39, 0.4, 0.5, 0.59, 0.6, 0.9]), SEEN])
        for theme in themes[:2]:
            if theme != "unknown-theme":
                conn.execute("INSERT INTO item_priorities (item_id, priority_id, score, method, version, "
                             "review_state, created, updated) VALUES (?, ?, 1, 'rules', 'gen', ?, ?, ?)",
                             [item_id, theme, rng.choice(["suggested", "suggested", "confirmed", "rejected"]),
                              SEEN, SEEN])
        if rng.random() < 0.05:
            conn.execute("INSERT INTO relevance_overrides (item_id, relevant, reason, reviewer, at) "
                         "VALUES (?, 1, 'gen', 'rita', ?)", [item_id, SEEN])
    conn.commit()


@pytest.mark.parametrize("today", [TODAY, SUMMER, date(2026, 11, 30), date(2026, 3, 29)])
def test_bounded_reads_give_what_the_whole_table_reads_gave(database, today):
    generate(database, today)
    install_clock(database.conn, datetime(today.year, today.month, today.day, 12, tzinfo=timezone.utc))
    expected = reference_load(database.conn, today)
    assert expected["counts"]["needs_review"] <= dashboard.REVIEW_CAP  # under the cap: counted exactly, as before
    assert dashboard.load(database.conn, today) == {
        **expected, "counts": {**expected["counts"], "needs_review_more": False}}
    # Not trivially equal: real rows crossed every boundary above.
    counts = expected["counts"]
    assert all(bar["count"] for bar in expected["new_per_week"]) and counts["new_week"] and counts["open"]
    assert len(expected["latest"]) == dashboard.LATEST and sum(bar["count"] for bar in expected["deadlines"])
    assert expected["themes"] and expected["bills_by_stage"] and counts["needs_review"]


def test_the_newest_items_are_found_when_few_are_recent(database):
    """Only a handful dated in the last month: the window widens until it holds ten, and they are the newest."""
    generate(database, TODAY, n=800, recent=0.004, seed=7)
    in_month = database.execute(f"SELECT count(*) FROM items i WHERE relevant = 1 AND datetime({SOURCE_DATE_SQL}) "
                                "BETWEEN '2026-11-04' AND '2026-12-31'").fetchone()[0]
    assert 0 < in_month < dashboard.LATEST
    assert dashboard.load(database.conn, TODAY)["latest"] == reference_load(database.conn, TODAY)["latest"]


def test_needs_review_counts_to_the_cap_and_exactly_on_request(database, monkeypatch):
    generate(database, TODAY, n=300)
    exact = reference_load(database.conn, TODAY)["counts"]["needs_review"]
    monkeypatch.setattr(dashboard, "REVIEW_CAP", exact - 5)
    capped = dashboard.load(database.conn, TODAY)["counts"]
    assert (capped["needs_review"], capped["needs_review_more"]) == (exact - 5, True)
    asked = dashboard.load(database.conn, TODAY, exact_review=True)["counts"]
    assert (asked["needs_review"], asked["needs_review_more"]) == (exact, False)
    monkeypatch.setattr(dashboard, "REVIEW_CAP", exact)  # exactly at the cap: the exact figure, nothing more
    at_cap = dashboard.load(database.conn, TODAY)["counts"]
    assert (at_cap["needs_review"], at_cap["needs_review_more"]) == (exact, False)


async def test_the_card_says_more_than_the_cap_and_counts_them_all_on_request(db_path, monkeypatch):
    """A signed-in reader sees "more than N" past the cap, with a link that asks the home page for the exact count."""
    database = tracker_db.connect(db_path)
    generate(database, TODAY, n=300)
    exact = reference_load(database.conn, TODAY)["counts"]["needs_review"]
    database.close()
    monkeypatch.setattr(dashboard, "REVIEW_CAP", exact - 5)
    ds = build_datasette(db_path, config=config_mod.Config(), users={"rita": "reader"}, secret="test-secret")
    cookies = session_cookie(ds, "rita")
    home = (await ds.client.get("/", cookies=cookies)).text
    card = home[home.index('id="needs-review"'):].split("</div>")[0]
    assert card == (f'id="needs-review"><strong>more than {exact - 5:,}</strong><a href="/tracker/needs_review">'
                    'need review: suggested themes and borderline scores</a> '
                    '(<a href="/?_count=all#needs-review">count them all</a>)')
    counted = (await ds.client.get("/?_count=all", cookies=cookies)).text
    card = counted[counted.index('id="needs-review"'):].split("</div>")[0]
    assert card == (f'id="needs-review"><strong>{exact}</strong><a href="/tracker/needs_review">'
                    'need review: suggested themes and borderline scores</a>')


async def test_only_signed_in_staff_can_ask_for_the_exact_count(db_path, monkeypatch):
    """On a public instance an anonymous `/?_count=all` is the ordinary page: no exact count (a second's work at
    200k) for a visitor who is never shown the card."""
    database = tracker_db.connect(db_path)
    generate(database, TODAY, n=100)
    database.close()
    asked = []
    load = dashboard.load
    monkeypatch.setattr(dashboard, "load", lambda conn, **kw: asked.append(kw) or load(conn, **kw))
    ds = build_datasette(db_path, config=config_mod.Config(public_read=True), users={"rita": "reader"},
                         secret="test-secret")
    page = await ds.client.get("/?_count=all")
    assert page.status_code == 200 and 'id="needs-review"' not in page.text
    assert (await ds.client.get("/?_count=all", cookies=session_cookie(ds, "rita"))).status_code == 200
    assert asked == [{}, {"exact_review": True}]
