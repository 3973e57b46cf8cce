"""Search pages at scale: matches counted up to a cap (tracker.web.counts: "more than N rows" past it, the exact
count on request with `_count=all`, JSON and CSV untouched) and a common word read newest first along the sort
index (tracker.web.search_order), with the same rows; real Datasette requests."""
from __future__ import annotations

import re

import pytest

from tracker import config as config_mod
from tracker.contract import TrackedItem
from tracker.store import db as db_module
from tracker.store import items as store
from tracker.web import counts, search_order
from tracker.web.serve import build_datasette

from .helpers.auth import session_cookie

USERS = {"rita": "reader"}


def _item(n: int, title: str, kind: str = "consultation") -> TrackedItem:
    return TrackedItem(id=f"govuk:doc-{n}", source="govuk", kind=kind, title=title,
                       summary=f"Document {n} on {title.lower()}", url=f"https://www.gov.uk/doc-{n}", status="open")


#: Five items say "fraud" (three of them bills), two say "bribery".
ITEMS = ([_item(n, "Fraud prevention", kind="bill" if n < 3 else "consultation") for n in range(5)]
         + [_item(n, "Bribery guidance") for n in range(5, 7)])


@pytest.fixture
def ds(tmp_path):
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    for n, item in enumerate(ITEMS):  # each changed at its own time: the page's order has no ties
        store.upsert_items(database, [item], now=f"2026-11-{n + 1:02d}T09:00:00+00:00")
    database.close()
    return build_datasette(path, config=config_mod.Config(), users=USERS, secret="test-secret")


async def page(ds, query: str) -> str:
    response = await ds.client.get(f"/tracker/items?{query}", cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200, response.text[:500]
    return response.text


def heading(html: str) -> str:
    return " ".join(re.search(r"<h3>(.*?)</h3>", html, re.S).group(1).split())


def capped(html: str) -> str | None:
    found = re.search(r'<p class="capped-count">(.*?)</p>', html, re.S)
    return " ".join(found.group(1).split()) if found else None


async def test_past_the_cap_the_page_says_more_than_and_links_to_the_exact_count(ds, monkeypatch):
    monkeypatch.setattr(counts, "CAP", 3)
    html = await page(ds, "_search=fraud")
    note = capped(html)
    assert note is not None and note.startswith("<strong>More than 3 rows</strong> match.")
    assert "rows where" not in heading(html)  # Datasette did not count them
    assert "more than 3 rows" in re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    link = re.search(r'href="([^"]+)">Count them all', note).group(1).replace("&amp;", "&")
    assert "_count=all" in link and "_nocount" not in link and "_capcount" not in link
    exact = await page(ds, link.split("?", 1)[1])
    assert heading(exact).startswith("5 rows where search matches")
    assert capped(exact) is None


async def test_under_the_cap_the_count_is_exact_and_follows_the_filters(ds, monkeypatch):
    monkeypatch.setattr(counts, "CAP", 3)
    assert heading(await page(ds, "_search=bribery")).startswith("2 rows where search matches")
    # A column filter as well as the search: counted through both (3 fraud bills is not more than 3).
    html = await page(ds, "_search=fraud&kind=bill")
    assert heading(html).startswith("3 rows where search matches")
    assert capped(html) is None
    assert heading(await page(ds, "_search=fraud&kind=consultation")).startswith("2 rows where")


async def test_without_a_search_and_in_json_datasette_counts_as_always(ds, monkeypatch):
    monkeypatch.setattr(counts, "CAP", 3)
    assert heading(await page(ds, "")).startswith("7 rows")
    response = await ds.client.get("/tracker/items.json?_search=fraud", cookies=session_cookie(ds, "rita"))
    assert response.json()["filtered_table_rows_count"] == 5
    # The search form carries the capped count's arguments on: with the search cleared, the page counts again.
    assert heading(await page(ds, "_search=&_nocount=1&_capcount=1")).startswith("7 rows")
    # Asking Datasette not to count is still obeyed: no count, no note.
    html = await page(ds, "_search=fraud&_nocount=1")
    assert capped(html) is None and "rows where" not in heading(html)


async def test_a_hostile_search_is_still_a_400_not_a_count_error(ds):
    response = await ds.client.get("/tracker/items?_search=AND", cookies=session_cookie(ds, "rita"))
    assert response.status_code == 400


async def searched(ds, query: str) -> tuple[list[str], str]:
    response = await ds.client.get(f"/tracker/items.json?{query}", cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200, response.text[:500]
    data = response.json()
    return [row[0] for row in data["rows"]], data["query"]["sql"]


async def test_a_common_word_walks_the_sort_index_and_finds_the_same_rows(ds, monkeypatch):
    monkeypatch.setattr(search_order, "THRESHOLD", 10)
    rare_ids, rare_sql = await searched(ds, "_search=fraud")
    assert "+rowid in" not in rare_sql and len(rare_ids) == 5
    monkeypatch.setattr(search_order, "THRESHOLD", 3)  # five matches: now a common word
    common_ids, common_sql = await searched(ds, "_search=fraud")
    assert "+rowid in (select rowid from" in common_sql
    assert common_ids == rare_ids  # the same rows in the same order
    assert (await searched(ds, "_search=bribery"))[1].count("+rowid") == 0  # two matches: still looked up
    # Another order may have no index to walk: left to SQLite.
    assert "+rowid" not in (await searched(ds, "_search=fraud&_sort=title"))[1]
    # The filters still apply, and the capped count reads the same clause.
    assert len((await searched(ds, "_search=fraud&kind=bill"))[0]) == 3
    assert heading(await page(ds, "_search=fraud")).startswith("5 rows where search matches")
