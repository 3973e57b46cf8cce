"""Searching items: the search box's language, theme names in the full-text index, the items-by-theme query."""
from __future__ import annotations

import dataclasses
import json

import pytest

from tracker import config as config_mod
from tracker.classify import tagging
from tracker.contract import TrackedItem
from tracker.store import db as db_module
from tracker.store import items as store
from tracker.search_language import SearchError, to_fts5
from tracker.web.serve import build_datasette

from .helpers.auth import session_cookie

USERS = {"rita": "reader", "ed": "editor"}
ECCTA = "legislation:ukpga/2023/56"


def _item(id_: str, title: str, summary: str, kind: str = "consultation") -> TrackedItem:
    source = id_.split(":")[0]
    return TrackedItem(id=id_, source=source, kind=kind, title=title, summary=summary,
                       url=f"https://www.gov.uk/{id_.split(':')[1]}", status="open" if kind == "consultation" else None)


ITEMS = [
    # Tagged Fraud, Money laundering and more by its subject (the Act's title); its text names neither.
    _item(ECCTA, "Economic Crime and Corporate Transparency Act 2023",
          "An Act to make provision about Companies House, limited partnerships and cryptoassets", kind="act"),
    _item("govuk:app", "Authorised push payment scams: reimbursing victims",
          "Proposals to reimburse victims of APP fraud and to pursue fraudsters"),
    _item("govuk:ftp", "Failure to prevent fraud offence: guidance for organisations",
          "How large organisations can show reasonable fraud prevention procedures"),
    _item("govuk:bribery", "Bribery Act 2010: guidance on adequate procedures",
          "Procedures commercial organisations can put in place to stop persons associated with them bribing"),
    # Tagged Money laundering by "suspicious activity reports"; the words "money laundering" appear nowhere.
    _item("govuk:sars", "Suspicious activity reports reform",
          "Changes to how the regulated sector files suspicious activity reports with the National Crime Agency"),
    # Says "fraud", but its subject is the levy (a global exclusion): found by the word, not by a tag.
    _item("govuk:levy", "Economic Crime Levy: changes to the charging bands",
          "The levy funds work against fraud and other economic crime"),
    # "failure" and "prevent", but not the phrase.
    _item("govuk:courts", "Court listing: failure of the scheduling system",
          "Measures to prevent delays in listing criminal trials"),
    _item("govuk:plant", "Plant health regulations", "Controls on imports of plants and plant products"),
]


def _tagged(path, theme: str) -> set[str]:
    database = db_module.connect(path)
    try:
        return {r["id"] for r in database.query(
            "select i.id from items i, json_each(i.themes) t where t.value = ?", [theme])}
    finally:
        database.close()


@pytest.fixture
def search_db(tmp_path):
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    store.upsert_items(database, ITEMS)
    tagging.classify_stored(database)  # the real classifier and priorities.toml
    database.close()
    return path


@pytest.fixture
def ds(search_db):
    return build_datasette(search_db, config=config_mod.Config(), users=USERS, secret="test-secret")


async def found(ds, query: str, **args) -> set[str]:
    response = await ds.client.get("/tracker/items.json", params={"_search": query, "_shape": "objects", **args},
                                   cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200, response.text[:500]
    return {row["id"] for row in response.json()["rows"]}


def test_fixture_is_tagged_as_the_tests_assume(search_db):
    """The real classifier's tags these tests build on (if priorities.toml changes, fix the fixture, not the code)."""
    assert _tagged(search_db, "fraud") == {ECCTA, "govuk:app", "govuk:ftp"}
    assert _tagged(search_db, "money_laundering") == {ECCTA, "govuk:sars"}
    assert _tagged(search_db, "bribery_corruption") == {"govuk:bribery"}


async def test_fraud_finds_every_item_tagged_fraud(ds, search_db):
    tagged = _tagged(search_db, "fraud")
    assert "fraud" not in " ".join([ITEMS[0].title, ITEMS[0].summary]).lower()  # found only by its theme
    assert await found(ds, "fraud") == tagged | {"govuk:levy"}  # and the levy item, which says "fraud"
    assert await found(ds, "Fraud") == tagged | {"govuk:levy"}


async def test_theme_name_finds_every_item_tagged_with_it(ds, search_db):
    assert await found(ds, "money laundering") == _tagged(search_db, "money_laundering") == {ECCTA, "govuk:sars"}
    assert await found(ds, '"proceeds of crime"') == _tagged(search_db, "proceeds_of_crime") == {ECCTA}
    assert await found(ds, "corporate criminal liability") == _tagged(search_db, "corporate_liability")


@pytest.mark.parametrize("query, expected", [
    ("fraud OR bribery", {ECCTA, "govuk:app", "govuk:ftp", "govuk:levy", "govuk:bribery"}),
    ('"failure to prevent"', {"govuk:ftp"}),
    ("failure prevent", {"govuk:ftp", "govuk:courts"}),
    ("fraud -levy", {ECCTA, "govuk:app", "govuk:ftp"}),
    ("fraud NOT levy", {ECCTA, "govuk:app", "govuk:ftp"}),
    ("fraud AND guidance", {"govuk:ftp"}),
    ('guidance -"failure to prevent"', {"govuk:bribery"}),
    ("guidance fraud OR bribery", {"govuk:ftp", "govuk:bribery"}),
    ("launder", {ECCTA, "govuk:sars"}),  # stemmed: launder finds the theme name "Money laundering"
    ("anti-fraud: (scams)", set()),  # punctuation is never FTS5 syntax
])
async def test_boolean_and_phrase_search(ds, query, expected):
    assert await found(ds, query) == expected


async def test_csv_export_searches_the_same_way(ds):
    response = await ds.client.get("/tracker/items.csv", params={"_search": "fraud OR bribery -levy", "_size": "max"},
                                   cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200
    ids = {line.split(",")[0] for line in response.text.splitlines()[1:]}
    assert ids == await found(ds, "fraud OR bribery -levy") == {ECCTA, "govuk:app", "govuk:ftp", "govuk:bribery"}


@pytest.mark.parametrize("query, says", [
    ("fraud AND", "AND at the end needs a word"),
    ("OR bribery", "OR needs a word or \"phrase\" on each side"),
    ("-levy", "only says what to leave out; add a word to find, as in fraud -levy"),
    ("fraud OR -levy", "OR joins words to find, not words to leave out"),
    ('"" -', "has no word to look for"),
])
async def test_a_search_that_cannot_be_read_is_a_400_that_says_how(ds, query, says):
    cookies = session_cookie(ds, "rita")
    for path in ("/tracker/items.json", "/tracker/items", "/tracker/items.csv"):
        response = await ds.client.get(path, params={"_search": query}, cookies=cookies)
        assert response.status_code == 400, (path, response.text[:300])
        text = response.json()["error"] if path.endswith(".json") else response.text.replace("&#34;", '"')
        assert "Search not understood: " in text and says in text, (path, text[:500])
        assert 'fraud OR bribery for either, -levy to leave out' in text, path


async def test_raw_fts5_mode_refuses_bad_syntax_with_a_400(ds):
    cookies = session_cookie(ds, "rita")
    response = await ds.client.get("/tracker/items.json", params={"_search": "fraud AND", "_searchmode": "raw"},
                                   cookies=cookies)
    assert response.status_code == 400
    assert response.json()["error"] == 'fts5: syntax error near ""'
    assert await found(ds, "fraud OR bribery", _searchmode="raw") == await found(ds, "fraud OR bribery")


async def test_a_blank_search_box_is_no_search(ds):
    """The table page's filter form always sends the search box: filtering with it empty must still work."""
    response = await ds.client.get("/tracker/items.json?_search=+&kind=act&_shape=objects",
                                   cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert [row["id"] for row in body["rows"]] == [ECCTA]
    assert "kind" in body["facet_results"]  # browsing, not searching: the table's facets are back


async def test_search_follows_theme_changes(ds, search_db):
    assert "govuk:plant" not in await found(ds, "firearms")
    database = db_module.connect(search_db)
    database.execute("INSERT INTO item_priorities (item_id, priority_id, score, evidence, method, version, "
                     "review_state, created, updated) VALUES ('govuk:plant', 'firearms', 1, '[]', 'review', 'v', "
                     "'confirmed', 'now', 'now')")
    store.refresh_relevance(database.conn, "govuk:plant")
    database.conn.commit()
    assert await found(ds, "firearms") == {"govuk:plant"}
    database.execute("UPDATE item_priorities SET review_state = 'rejected' WHERE item_id = 'govuk:plant'")
    store.refresh_relevance(database.conn, "govuk:plant")
    database.conn.commit()
    database.close()
    assert await found(ds, "firearms") == set()


async def test_a_renamed_theme_is_found_by_its_new_name(ds, search_db):
    database = db_module.connect(search_db)
    database.execute("UPDATE priorities SET name = 'Bribery and kleptocracy' WHERE id = 'bribery_corruption'")
    database.conn.commit()
    database.close()
    assert await found(ds, "kleptocracy") == {"govuk:bribery"}
    assert await found(ds, "corruption") == set()


async def test_items_page_says_how_to_search_and_keeps_what_was_typed(ds):
    page = await ds.client.get("/tracker/items", params={"_search": 'fraud OR "failure to prevent"'},
                               cookies=session_cookie(ds, "rita"))
    assert page.status_code == 200
    # The box shows the search as typed, not the FTS5 it became.
    assert '<input id="_search" type="search" name="_search" value="fraud OR &#34;failure to prevent&#34;">' in page.text
    for example in ("<code>fraud OR bribery</code>", '<code>"failure to prevent"</code>', "<code>fraud -levy</code>",
                    "A theme's name finds every item tagged with it"):
        assert example in page.text, example


async def items_by_theme(ds, theme: str) -> list[dict]:
    response = await ds.client.get("/tracker/items_by_theme.json",
                                   params={"theme": theme, "_shape": "objects"}, cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200, response.text[:500]
    return response.json()["rows"]


@pytest.mark.parametrize("theme", ["Fraud", "fraud", " FRAUD ", "fra"])
async def test_items_by_theme_takes_a_name(ds, search_db, theme):
    rows = await items_by_theme(ds, theme)
    assert {r["id"] for r in rows} == _tagged(search_db, "fraud") == {ECCTA, "govuk:app", "govuk:ftp"}
    assert {r["theme"] for r in rows} == {"Fraud"}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


async def test_items_by_theme_prefers_a_whole_name_and_leaves_out_rejected_tags(ds, search_db):
    assert {r["id"] for r in await items_by_theme(ds, "money")} == {ECCTA, "govuk:sars"}
    assert await items_by_theme(ds, "") == []
    assert await items_by_theme(ds, "Espionage") == []
    database = db_module.connect(search_db)
    # One name the beginning of another: the whole name picks its theme alone.
    database.execute("UPDATE priorities SET name = 'Fraud and bribery abroad' WHERE id = 'bribery_corruption'")
    database.conn.commit()
    assert {r["theme"] for r in await items_by_theme(ds, "fraud")} == {"Fraud"}
    assert {r["id"] for r in await items_by_theme(ds, "fraud and")} == {"govuk:bribery"}
    database.execute("UPDATE item_priorities SET review_state = 'rejected' "
                     "WHERE item_id = 'govuk:app' AND priority_id = 'fraud'")
    database.conn.commit()
    database.close()
    assert {r["id"] for r in await items_by_theme(ds, "Fraud")} == {ECCTA, "govuk:ftp"}


async def test_items_by_theme_offers_the_names(ds):
    page = await ds.client.get("/tracker/items_by_theme", cookies=session_cookie(ds, "rita"))
    assert page.status_code == 200
    assert '<a href="?theme=fraud">Fraud</a>' in page.text
    assert '<a href="?theme=money_laundering">Money laundering</a>' in page.text


# --- the language, and the index underneath -------------------------------------------------------------

@pytest.mark.parametrize("query, fts5", [
    ("fraud", '"fraud"'),
    ("money laundering", '"money" AND "laundering"'),
    ("fraud OR bribery", '("fraud" OR "bribery")'),
    ('"failure to prevent"', '"failure to prevent"'),
    ('"failure to   prevent', '"failure to prevent"'),
    ("fraud -levy", '("fraud") NOT ("levy")'),
    ('sanctions fraud OR bribery AND NOT levy -"economic crime levy"',
     '("sanctions" AND ("fraud" OR "bribery")) NOT ("levy" OR "economic crime levy")'),
    ("anti-money (laundering) bill:x & or", '"anti-money" AND "laundering" AND "bill:x" AND "or"'),
])
def test_the_search_language_in_fts5(query, fts5):
    assert to_fts5(query) == fts5


@pytest.mark.parametrize("query", ["", "fraud AND", "AND fraud", "fraud OR OR bribery", "fraud NOT", "NOT NOT fraud",
                                   "-levy", "NOT levy", "-levy OR fraud", "fraud OR NOT levy", '"" & -'])
def test_what_the_search_language_refuses(query):
    with pytest.raises(SearchError, match="^Search not understood: "):
        to_fts5(query)


def _fts_blocks(database) -> list:
    return database.execute("select id, block from items_fts_data order by id").fetchall()


def test_index_is_rewritten_only_when_indexed_text_changes(search_db):
    database = db_module.connect(search_db)
    try:
        before = _fts_blocks(database)
        tagging.classify_stored(database, everything=True)  # every item re-tagged, no theme changes
        item = ITEMS[-1]
        store.upsert_items(database, [dataclasses.replace(item, status="closed")])  # a new version, same text
        assert database.execute("select version from items where id = ?", [item.id]).fetchone()[0] == 2
        assert _fts_blocks(database) == before
        database.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        database.close()


def test_upgrade_indexes_the_themes_of_items_already_stored(tmp_path):
    path = tmp_path / "old.db"
    database = db_module.connect(path, migrate=False)
    db_module.migrations.apply(database, stop_before="0013_search_theme_names")
    store.upsert_items(database, ITEMS)
    tagging.classify_stored(database)
    assert "theme_names" not in database["items"].columns_dict
    db_module.migrations.apply(database)
    names = dict(database.execute("select id, theme_names from items").fetchall())
    assert names["govuk:sars"] == "Money laundering"
    assert names["govuk:plant"] == ""
    themes = json.loads(database.execute(f"select themes from items where id = '{ECCTA}'").fetchone()[0])
    by_id = dict(database.execute("select id, name from priorities").fetchall())
    assert names[ECCTA] == "; ".join(by_id[t] for t in themes)
    hits = {r[0] for r in database.execute(
        "select i.id from items i join items_fts f on f.rowid = i.rowid where items_fts match '\"fraud\"'")}
    assert hits == {ECCTA, "govuk:app", "govuk:ftp", "govuk:levy"}
    database.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
    database.close()
