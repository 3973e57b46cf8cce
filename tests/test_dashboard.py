"""The dashboard's headline figures and the bills-by-stage query: relevant items only, dated by the source,
and bills that will go no further said to be so."""
from __future__ import annotations

from datetime import date

from tracker.contract import TrackedItem
from tracker.store.items import upsert_item
from tracker.web import dashboard, metadata

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
                    "bill:4100": "Lords: Committee stage", "bill:3938": "Royal Assent", "bill:4200": "withdrawn"}
    stages = {bar["label"]: bar["count"] for bar in dashboard.load(database.conn, date(2026, 12, 5))["bills_by_stage"]}
    assert stages == {"lapsed: fell at the end of its session": 1, "Commons: 2nd reading": 1,
                      "Lords: Committee stage": 1, "Royal Assent": 1, "withdrawn": 1}


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
