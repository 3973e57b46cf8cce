"""The dashboard's headline figures and the bills-by-stage query: relevant items only, dated by the source,
and bills that will go no further said to be so; deadlines counted in Monday-to-Sunday London weeks."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from tracker import config as config_mod
from tracker.contract import TrackedItem
from tracker.store import db as tracker_db
from tracker.store.db import install_clock
from tracker.store.items import upsert_item
from tracker.web import dashboard, metadata
from tracker.web.serve import build_datasette

from .helpers.auth import session_cookie

SEEN = "2026-12-01T09:00:00+00:00"


def bill(db, number: int, status: str, sessions: list[int], relevant: bool = True, **details) -> None:
    upsert_item(db, TrackedItem(id=f"bill:{number}", source="parliament-bills", kind="bill", title=f"Bill {number}",
                                url=f"https://bills.parliament.uk/bills/{number}", status=status,
                                details={"session_ids": sessions, "is_act": False, "withdrawn": None,
                                         "defeated": False, **details}), now=SEEN)
    db.execute("UPDATE items SET relevant = ? WHERE id = ?", [int(relevant), f"bill:{number}"])


def test_bills_by_stage_says_lapsed_withdrawn_and_enacted_and_lists_relevant_bills_only(database):
    bill(database, 2818, "Commons: 2nd reading", [35])  # fell at prorogation in 2021
    bill(database, 4280, "Commons: 2nd reading", [40])
    bill(database, 4100, "Lords: Committee stage", [39, 40])  # carried over into the current session
    bill(database, 3938, "Royal Assent", [40], is_act=True)
    bill(database, 4200, "Commons: 1st reading", [40], withdrawn="2026-10-01")
    bill(database, 4300, "Commons: 1st reading", [40], relevant=False)
    database.conn.commit()
    rows = {r[0]: r[2] for r in database.execute(metadata.QUERIES_SQL["bills_by_stage"]["sql"])}
    assert rows == {"bill:2818": "lapsed: fell at the end of its session", "bill:4280": "Commons: 2nd reading",
                    "bill:4100": "Lords: Committee stage (carried over from session 39)", "bill:3938": "Royal Assent",
                    "bill:4200": "withdrawn"}
    stages = {bar["label"]: bar["count"] for bar in dashboard.load(database.conn, date(2026, 12, 5))["bills_by_stage"]}
    assert stages == {"lapsed: fell at the end of its session": 1, "Commons: 2nd reading": 1,
                      "Lords: Committee stage (carried over from session 39)": 1, "Royal Assent": 1, "withdrawn": 1}


def test_headline_counts_are_of_relevant_items_published_this_week(database):
    for ident, published, relevant in [("new", "2026-12-02T10:00:00+00:00", True),
                                       ("old", "2019-05-01T00:00:00+01:00", True),  # first seen this week too
                                       ("other", "2026-12-03T10:00:00+00:00", False)]:
        upsert_item(database, TrackedItem(id=f"govuk:{ident}", source="govuk", kind="policy_paper", title=ident,
                                          url=f"https://www.gov.uk/{ident}", published=published), now=SEEN)
        database.execute("UPDATE items SET relevant = ?, themes = '[\"fraud\"]' WHERE id = ?",
                         [int(relevant), f"govuk:{ident}"])
    database.conn.commit()
    figures = dashboard.load(database.conn, date(2026, 12, 5))
    assert (figures["counts"]["items"], figures["counts"]["relevant"], figures["counts"]["new_week"]) == (3, 2, 1)
    assert figures["new_per_week"][-1] == {"label": "w/c 30 Nov", "count": 1, "percent": 100}
    assert figures["themes"] == [{"label": "fraud", "count": 1, "percent": 100}]


def deadline(db, ident: str, closes: str, relevant: bool = True, status: str = "open") -> None:
    upsert_item(db, TrackedItem(id=f"govuk:{ident}", source="govuk", kind="consultation", title=ident,
                                url=f"https://www.gov.uk/{ident}", status=status, closes=closes), now=SEEN)
    db.execute("UPDATE items SET relevant = ? WHERE id = ?", [int(relevant), f"govuk:{ident}"])
    db.conn.commit()


def test_deadline_buckets_are_weeks_from_this_weeks_monday(database):
    """On Saturday 5 Dec 2026 the first bucket is Monday 30 Nov to Sunday 6 Dec, the last ends Sunday 24 Jan."""
    for ident, closes in [("sun-before", "2026-11-29T23:59:00+00:00"),  # the Sunday before this week: not shown
                          ("mon-0000", "2026-11-30T00:00:00+00:00"), ("mon-date", "2026-11-30"),  # passed, this week
                          ("sat", "2026-12-05T12:00:00+00:00"), ("sun-2359", "2026-12-06T23:59:00+00:00"),
                          ("next-mon-0000", "2026-12-07T00:00:00+00:00"), ("next-mon", "2026-12-07"),
                          ("christmas", "2026-12-25"), ("last-sun", "2027-01-24T23:59:59+00:00"),
                          ("after", "2027-01-25T00:00:00+00:00"), ("after-date", "2027-01-25")]:
        deadline(database, ident, closes)
    deadline(database, "irrelevant", "2026-12-01", relevant=False)
    deadline(database, "withdrawn", "2026-12-01", status="withdrawn")
    bars = dashboard.load(database.conn, date(2026, 12, 5))["deadlines"]
    assert [(bar["label"], bar["count"]) for bar in bars] == [
        ("w/c 30 Nov", 4), ("w/c 07 Dec", 2), ("w/c 14 Dec", 0), ("w/c 21 Dec", 1), ("w/c 28 Dec", 0),
        ("w/c 04 Jan", 0), ("w/c 11 Jan", 0), ("w/c 18 Jan", 1)]
    assert [bar["percent"] for bar in bars] == [100, 50, 0, 25, 0, 0, 0, 25]
    # Any day of the week gives the same buckets; the next Monday starts the next eight.
    assert dashboard.load(database.conn, date(2026, 11, 30))["deadlines"] == bars
    assert dashboard.load(database.conn, date(2026, 12, 6))["deadlines"] == bars
    assert dashboard.load(database.conn, date(2026, 12, 7))["deadlines"][0] == {
        "label": "w/c 07 Dec", "count": 2, "percent": 100}


@pytest.mark.parametrize("closes, week", [
    ("2026-05-31T23:59:00+01:00", None),  # Sunday 23:59 BST: the week before
    ("2026-05-31T23:30:00+00:00", 0),  # Monday 00:30 BST, still Sunday in UTC
    ("2026-06-01", 0),
    ("2026-06-07T23:59:00+01:00", 0),  # Sunday 23:59 BST
    ("2026-06-07T22:59:59+00:00", 0),  # the same, a second earlier, written in UTC
    ("2026-06-08T00:00:00+01:00", 1),  # Monday 00:00 BST is Sunday 23:00 UTC
    ("2026-06-07T23:00:00+00:00", 1),  # the same instant written in UTC
    ("2026-06-08", 1),
    ("2026-07-26T23:59:00+01:00", 7),  # the last Sunday shown
    ("2026-07-26T23:30:00+00:00", None),  # Monday 27 Jul 00:30 BST: after the eighth week
])
def test_a_deadline_counts_in_its_london_week(database, closes, week):
    """Saturday 6 Jun 2026 (BST): weeks run Monday 00:00 to Sunday 23:59 London time, from Monday 1 Jun."""
    deadline(database, "one", closes)
    bars = dashboard.load(database.conn, date(2026, 6, 6))["deadlines"]
    assert [bar["label"] for bar in bars] == ["w/c 01 Jun", "w/c 08 Jun", "w/c 15 Jun", "w/c 22 Jun", "w/c 29 Jun",
                                              "w/c 06 Jul", "w/c 13 Jul", "w/c 20 Jul"]
    assert [bar["count"] for bar in bars] == [int(n == week) for n in range(8)]


async def test_home_page_shows_the_deadline_weeks(db_path, monkeypatch):
    """The home page draws the buckets under a heading that says whose weeks they are (today fixed: Sat 5 Dec)."""
    database = tracker_db.connect(db_path)
    deadline(database, "sun-2359", "2026-12-06T23:59:00+00:00")
    deadline(database, "next-mon-0000", "2026-12-07T00:00:00+00:00")
    database.close()
    load = dashboard.load
    monkeypatch.setattr(dashboard, "load", lambda conn: load(conn, date(2026, 12, 5)))
    ds = build_datasette(db_path, config=config_mod.Config(), users={"rita": "reader"}, secret="test-secret")
    response = await ds.client.get("/", cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200
    section = response.text.split('<section aria-label="Deadlines by week, this week and the next seven">')[1]
    rows = re.findall(r'<div class="seoc-bar-row"><span>([^<]*)</span>.*?<span>(\d+)</span></div>',
                      section.split("</section>")[0])
    assert rows == [("w/c 30 Nov", "1"), ("w/c 07 Dec", "1")] + [
        (f"w/c {label}", "0") for label in ("14 Dec", "21 Dec", "28 Dec", "04 Jan", "11 Jan", "18 Jan")]


def test_the_dashboards_today_is_the_london_date_of_the_databases_now(database):
    """Monday 00:30 BST is still Sunday in UTC: the weeks must start on that Monday, not the one before."""
    install_clock(database.conn, datetime(2026, 9, 13, 23, 30, tzinfo=timezone.utc))
    assert dashboard.load(database.conn)["deadlines"][0]["label"] == "w/c 14 Sep"
