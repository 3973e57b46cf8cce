"""A bill's reform page: its state told truthfully (lapsed, carried over), its amendments per stage with decisions
and their history, its publications; the same state words in SQL (saved queries, dashboard) and Python."""
from __future__ import annotations

import json

import pytest

from tracker import config as config_mod
from tracker.contract import BILL_STAGE_SQL, LAPSED, TrackedItem, bill_state
from tracker.store import db as db_module
from tracker.store import items as store
from tracker.store.amendments import upsert_amendments
from tracker.web.serve import build_datasette
from scrapers.parsers import parliament_bills as parser

from .helpers import FIXTURES
from .helpers.auth import session_cookie
from .helpers.spiders.parliament_bills import recorded_amendments

BILLS = FIXTURES / "parliament-bills"


def load(name: str):
    return json.loads((BILLS / name).read_text())


def newer_bill(session: int) -> TrackedItem:
    """A bill of a later session, so that bill 2818 (session 35 only) has fallen."""
    return TrackedItem(id="bill:9000", source="parliament-bills", kind="bill", title="A later bill",
                       url="https://bills.parliament.uk/bills/9000", status="Commons: 1st reading",
                       details={"session_ids": [session]})


@pytest.fixture
def bill_db(tmp_path):
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    bill = parser.parse_bill(load("bill_2818_detail.json"), load("bill_2818_stages.json"),
                             load("bill_512_publications.json"), "u")
    store.upsert_items(database, [bill, newer_bill(39)])
    amendments = [parser.parse_amendments({"items": recorded_amendments(), "totalResults": 6}, 2818, 12655, "u")][0][0]
    upsert_amendments(database, amendments, now="2026-09-07T05:30:00+00:00")
    # Test data: amendment 1 later negatived on division (the recorded file holds no decision).
    amendments[0].decision = "NegativedOnDivision"
    upsert_amendments(database, amendments, now="2026-09-14T05:30:00+00:00")
    database.close()
    return path


async def test_bill_page_shows_amendments_with_decisions_history_and_publications(bill_db):
    ds = build_datasette(bill_db, config=config_mod.Config(), users={"rita": "reader"}, secret="s")
    page = await ds.client.get("/-/dossier/bill:2818", cookies=session_cookie(ds, "rita"))
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert f"<strong>{LAPSED}</strong> · session 35" in text
    assert "fell at prorogation" in text
    assert "Commons: 2nd reading (6 amendments, 1 decided)" in text
    assert ("<td>1</td> <td>Clause 1, page 1, line 6, leave out “or attempts to enter”</td> "
            "<td>Sir Christopher Chope</td> <td>negatived on division<br><small>was no decision yet until") in text
    assert text.count("<td>no decision yet</td>") == 5
    assert "Publications" in text and "Explanatory Notes" in text


async def test_a_bill_of_the_newest_session_is_not_lapsed(bill_db):
    database = db_module.connect(bill_db)
    store.upsert_items(database, [newer_bill(35)])
    database.close()
    ds = build_datasette(bill_db, config=config_mod.Config(), users={"rita": "reader"}, secret="s")
    page = await ds.client.get("/-/dossier/bill:2818", cookies=session_cookie(ds, "rita"))
    assert "<strong>Commons: 2nd reading</strong>" in page.text and "prorogation" not in page.text


@pytest.mark.parametrize("details, status, newest, words", [
    ({"session_ids": [35]}, "Commons: 2nd reading", 39, LAPSED),
    ({"session_ids": [37, 38]}, "Lords: Committee stage", 38, "Lords: Committee stage (carried over from session 37)"),
    ({"session_ids": [37, 38], "is_act": True}, "Royal Assent", 39, "Royal Assent"),
    ({"session_ids": [39], "withdrawn": "2025-01-02"}, "withdrawn", 39, "withdrawn"),
    ({"session_ids": [39], "defeated": True}, "Commons: 2nd reading", 39, "defeated"),
    ({"session_ids": [39]}, "Commons: Report stage", 39, "Commons: Report stage"),
])
def test_bill_state_in_python_and_sql_agree(database, details, status, newest, words):
    assert bill_state(details, status, newest) == words
    store.upsert_items(database, [
        TrackedItem(id="bill:1", source="parliament-bills", kind="bill", title="t", url="https://x/1",
                    status=status, details=details),
        newer_bill(newest)])
    [row] = database.execute(f"select {BILL_STAGE_SQL} from items i where i.id = 'bill:1'").fetchall()
    assert row[0] == words


async def test_debate_page_lists_the_matching_contributions(tmp_path):
    from scrapers.parsers import hansard
    page = json.loads((FIXTURES / "hansard" / "search-economic-crime-2024-09-11.re-expressed.json").read_text())
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    contributions, _ = hansard.parse_search(page, "economic crime", "u")
    store.upsert_items(database, hansard.debate_items(contributions))
    database.close()
    ds = build_datasette(path, config=config_mod.Config(), users={"rita": "reader"}, secret="s")
    found = await ds.client.get("/-/dossier/hansard:D64F73B6-9913-40E0-BF78-A4C9B6C4D40B",
                                cookies=session_cookie(ds, "rita"))
    text = " ".join(found.text.split())
    assert found.status_code == 200
    assert ("<li><strong>Chris Coghlan (Dorking and Horley) (LD)</strong>: I commend the hon. Member for York Outer "
            "(Mr Charters) for securing this debate on financial fraud and economic crime") in text
    assert "Commons, Westminster Hall, sitting of" in text


def test_saved_query_lists_decided_amendments_of_relevant_bills_only(bill_db):
    from tracker.web import metadata
    database = db_module.connect(bill_db)
    sql = metadata.QUERIES_SQL["amendments_decided"]["sql"]
    assert list(database.query(sql)) == []  # bill 2818 is not relevant
    database.execute("UPDATE items SET relevant = 1 WHERE id = 'bill:2818'")
    rows = list(database.query(sql))
    assert [(r["bill"], r["stage"], r["number"], r["decision"]) for r in rows] == [
        ("Abolition of Business Rates Bill", "2nd reading", "1", "NegativedOnDivision")]


async def test_hostile_amendment_text_is_shown_as_text(bill_db):
    from dataclasses import replace
    database = db_module.connect(bill_db)
    [amendment] = parser.parse_amendments({"items": recorded_amendments()[:1], "totalResults": 1}, 2818, 12655, "u")[0]
    upsert_amendments(database, [replace(amendment, summary="<script>alert(1)</script>\u202e evil",
                                         sponsors=[{"name": "<img src=x onerror=alert(2)>"}])])
    database.close()
    ds = build_datasette(bill_db, config=config_mod.Config(), users={"rita": "reader"}, secret="s")
    page = await ds.client.get("/-/dossier/bill:2818", cookies=session_cookie(ds, "rita"))
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt; evil" in page.text
    assert "<img src=x" not in page.text and "\u202e" not in page.text
