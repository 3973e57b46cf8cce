"""The items page's facets from counts stored after each crawl and classification (tracker.store.facet_counts,
tracker.web.facets): the same facets as Datasette counts, never stale; real Datasette requests."""
from __future__ import annotations

import pytest

from tracker import config as config_mod
from tracker.classify import tagging
from tracker.contract import TrackedItem
from tracker.store import db as db_module
from tracker.store import facet_counts
from tracker.store import items as store
from tracker.web.serve import build_datasette

from .helpers.auth import session_cookie

USERS = {"rita": "reader"}
FACETS = "/tracker/items.json?_facet=kind&_facet=source&_facet_array=themes&_size=1"


def _item(id_: str, title: str, kind: str, organisation: str | None = "Home Office") -> TrackedItem:
    source = id_.split(":")[0]
    return TrackedItem(id=id_, source=source, kind=kind, title=title, summary=title, organisation=organisation,
                       url=f"https://www.gov.uk/{id_.split(':')[1]}", status="open" if kind == "consultation" else None)


ITEMS = [
    _item("govuk:ftp", "Failure to prevent fraud offence: guidance for organisations", "policy_paper"),
    _item("govuk:app", "Authorised push payment fraud: reimbursing victims", "consultation"),
    _item("govuk:sars", "Suspicious activity reports reform: money laundering", "consultation", None),
    _item("govuk:bribery", "Bribery Act 2010: guidance on adequate procedures", "policy_paper", "Ministry of Justice"),
    _item("govuk:plant", "Plant health regulations", "consultation", "Defra"),
]


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    store.upsert_items(database, ITEMS)
    tagging.classify_stored(database)  # as after a crawl
    database.close()
    return path


@pytest.fixture
def ds(path):
    return build_datasette(path, config=config_mod.Config(), users=USERS, secret="test-secret")


async def facets(ds, url: str = FACETS) -> dict:
    response = await ds.client.get(url, cookies=session_cookie(ds, "rita"))
    assert response.status_code == 200, response.text[:500]
    return response.json()["facet_results"]


def values(result: dict, name: str) -> dict:
    return {v["value"]: v["count"] for v in result[name]["results"]}


def run(path, sql: str, params=()) -> None:
    database = db_module.connect(path)
    try:
        database.execute(sql, list(params))
        database.conn.commit()
    finally:
        database.close()


def is_current(path) -> bool:
    database = db_module.connect(path)
    try:
        return facet_counts.is_current(database.conn)
    finally:
        database.close()


async def test_stored_facets_are_the_facets_datasette_counts(ds, path):
    assert is_current(path)  # classification counted them
    stored = await facets(ds)
    # Not current: Datasette counts them itself.
    run(path, "UPDATE derived_state SET counted_at = NULL WHERE name = 'facet_counts'")
    counted = await facets(ds)
    assert stored == counted  # values, counts, order, links, hideable: all the same
    assert values(stored, "kind") == {"consultation": 3, "policy_paper": 2}
    assert values(stored, "organisation") == {"Home Office": 2, "Ministry of Justice": 1, "Defra": 1}
    assert values(stored, "themes")["fraud"] == 2


async def test_the_unfiltered_page_reads_the_stored_counts(ds, path):
    # A count written into the table shows: the page did not count the items (proof the stored path is used).
    run(path, "UPDATE facet_counts SET count = 41 WHERE facet = 'kind' AND value = 'policy_paper'")
    assert values(await facets(ds), "kind")["policy_paper"] == 41
    # A filtered or searched page is counted by Datasette, over what it shows.
    assert values(await facets(ds, FACETS + "&kind=policy_paper"), "kind") == {"policy_paper": 2}
    assert values(await facets(ds, FACETS + "&_search=fraud"), "kind") == {"policy_paper": 1, "consultation": 1}


async def test_a_write_to_items_makes_them_stale_until_the_next_classification(ds, path):
    database = db_module.connect(path)
    store.upsert_items(database, [_item("govuk:new", "Economic crime plan consultation", "consultation")])
    assert not facet_counts.is_current(database.conn)
    run(path, "UPDATE facet_counts SET count = 41 WHERE facet = 'kind' AND value = 'consultation'")
    assert values(await facets(ds), "kind") == {"consultation": 4, "policy_paper": 2}  # counted, not the stale 41
    tagging.classify_stored(database)  # after the crawl
    assert facet_counts.is_current(database.conn)
    database.close()
    assert values(await facets(ds), "kind") == {"consultation": 4, "policy_paper": 2}


async def test_a_changed_status_or_theme_makes_them_stale_and_an_unchanged_crawl_does_not(path):
    database = db_module.connect(path)
    store.upsert_items(database, ITEMS)  # the same items again: nothing counted changes
    assert facet_counts.is_current(database.conn)
    database.execute("UPDATE items SET last_seen = '2030-01-01T00:00:00+00:00'")
    assert facet_counts.is_current(database.conn)
    database.execute("UPDATE items SET status = 'closed' WHERE id = 'govuk:app'")
    assert not facet_counts.is_current(database.conn)
    facet_counts.refresh(database)
    database.execute("UPDATE items SET themes = '[]' WHERE id = 'govuk:app'")
    assert not facet_counts.is_current(database.conn)
    facet_counts.refresh(database)
    database.execute("DROP TRIGGER facet_counts_items_au")  # as a table rebuild would: nothing is trusted any more
    assert not facet_counts.is_current(database.conn)
    database.close()


async def test_refresh_counts_as_datasette_does(path):
    database = db_module.connect(path)
    database.execute("UPDATE items SET organisation = NULL WHERE id = 'govuk:plant'")
    database.execute("""UPDATE items SET themes = '["fraud", "fraud"]' WHERE id = 'govuk:plant'""")
    facet_counts.refresh(database)
    stored = dict(((f, v), n) for f, v, n in database.execute("SELECT facet, value, count FROM facet_counts"))
    database.close()
    assert ("organisation", None) not in stored  # nulls are left out, as Datasette leaves them out
    assert stored[("themes", "fraud")] == 3  # an item counts once per theme, however often listed
