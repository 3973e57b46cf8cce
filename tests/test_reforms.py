"""Reform threads: items joined by strong links are one reform, with one page and one briefing entry."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from tracker.briefing.build import build_briefing
from tracker.contract import BillStage, ItemLink, TrackedItem
from tracker.store import reforms, register
from tracker.store.items import upsert_item
from tracker.web import dossier

UTC = timezone.utc
ACT = "legislation:ukpga/2023/56"
ORDER = "legislation:uksi/2023/1206"
#: The Economic Crime and Corporate Transparency Bill's stages as the Bills API snapshot records them
#: (snapshot/parliament-bills): no Lords stages between the Commons 3rd reading and the Lords 3rd reading.
ECCT_STAGES = [("1st reading", "Commons", "2022-09-22"), ("2nd reading", "Commons", "2022-10-13"),
               ("Committee stage", "Commons", "2022-10-25"), ("Report stage", "Commons", "2023-01-24"),
               ("3rd reading", "Commons", "2023-01-25"), ("3rd reading", "Lords", "2023-07-04"),
               ("Consideration of Commons amendments", "Lords", "2023-10-18"),
               ("Royal Assent", "Unassigned", "2023-10-26")]


def at(day: int, month: int = 11, hour: int = 9) -> str:
    return datetime(2026, month, day, hour, tzinfo=UTC).isoformat(timespec="seconds")


def bill(status: str, stages: int) -> TrackedItem:
    return TrackedItem(
        id="bill:3339", source="parliament-bills", kind="bill", status=status, published="2022-09-22",
        title="Economic Crime and Corporate Transparency Act 2023", url="https://bills.parliament.uk/bills/3339",
        stages=[BillStage(n, n, stage, house, n, sitting_dates=[day])
                for n, (stage, house, day) in enumerate(ECCT_STAGES[:stages], start=1)])


def act(published: str = "2023-10-26") -> TrackedItem:
    return TrackedItem(id=ACT, source="legislation", kind="act", status="enacted", published=published,
                       title="Economic Crime and Corporate Transparency Act 2023",
                       url="https://www.legislation.gov.uk/ukpga/2023/56")


def order(published: str = "2023-11-13") -> TrackedItem:
    return TrackedItem(id=ORDER, source="legislation", kind="commencement_order", status="made", published=published,
                       title="The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 1) "
                             "Regulations 2023",
                       url="https://www.legislation.gov.uk/uksi/2023/1206",
                       links=[ItemLink(ACT, "commences", "made under s. 219")])


def link(db, from_id: str, to_id: str, relation: str) -> int:
    return db["links"].insert({"from_id": from_id, "to_id": to_id, "relation": relation, "evidence": "",
                               "method": "test", "score": 1.0, "created": at(1)}).last_pk


def test_threads_are_connected_groups_of_two_or_more():
    groups = reforms.threads([("a", "b"), ("c", "b"), ("d", "e"), ("f", "f")])
    assert sorted(map(sorted, groups)) == [["a", "b", "c"], ["d", "e"]]


def test_strong_links_make_one_reform_led_by_the_act_and_a_rejected_link_splits_it(database):
    upsert_item(database, bill("Royal Assent", 8), now=at(1))
    upsert_item(database, act(), now=at(1))
    upsert_item(database, order(), now=at(1))  # its commences link comes from the source
    enacted = link(database, "bill:3339", ACT, "enacted_as")
    upsert_item(database, TrackedItem(id="govuk:paper", source="govuk", kind="policy_paper", title="Paper",
                                      url="https://www.gov.uk/p", links=[ItemLink(ACT, "mentions", "")]), now=at(1))
    assert reforms.recompute(database.conn) == 1
    rows = {r["item_id"]: r["reform_id"] for r in database.query("SELECT * FROM reforms")}
    assert rows == {"bill:3339": ACT, ACT: ACT, ORDER: ACT}  # a mention is not a thread
    register.review(database.conn, "editor", "links", enacted, "rejected", "different bill")
    rows = {r["item_id"]: r["reform_id"] for r in database.query("SELECT * FROM reforms")}
    assert rows == {ACT: ACT, ORDER: ACT}


def test_the_dossier_is_the_reform_page_with_one_timeline_and_its_gaps(database):
    upsert_item(database, bill("Royal Assent", 8), now=at(1))
    upsert_item(database, act(), now=at(1))
    upsert_item(database, order(), now=at(1))
    link(database, "bill:3339", ACT, "enacted_as")
    reforms.recompute(database.conn)
    page = dossier.load(database.conn, ORDER, include_responses=False)
    assert page["reform"]["lead"] == ACT
    assert [m["id"] for m in page["reform"]["items"]] == [ACT, "bill:3339", ORDER]
    labels = [(e["date"], e["label"], e["ref"]) for e in page["timeline"]]
    assert ("2023-07-04", "Lords: 3rd reading", "bill:3339") in labels  # the bill's stages, on the order's page
    assert labels[-1][0] == "2023-11-13" and labels[-1][2] is None  # this item's own event
    assert page["gaps"] == ["Economic Crime and Corporate Transparency Act 2023: stages not recorded between "
                            "Commons: 3rd reading (25 Jan 2023) and Lords: 3rd reading (4 Jul 2023)"]
    # An item in no thread keeps its own timeline; a complete record has no gap.
    alone = dossier.stage_gaps([{"stage": s, "house": h, "first_sitting": d} for s, h, d in ECCT_STAGES[:5]])
    assert alone == []


def test_the_briefing_lists_a_reform_once_with_this_weeks_steps(database):
    """Royal Assent, the Act and its commencement regulations in one week: one entry, named by the reform."""
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    upsert_item(database, bill("Lords: Consideration of Commons amendments", 7), now=at(1, month=10))
    upsert_item(database, bill("Royal Assent", 8), now=at(17))
    upsert_item(database, act(published="2026-11-18"), now=at(18))
    upsert_item(database, order(published="2026-11-19"), now=at(19))
    link(database, "bill:3339", ACT, "enacted_as")
    reforms.recompute(database.conn)
    for item_id in ("bill:3339", ACT):
        database["classifications"].insert({
            "item_id": item_id, "relevant": 1, "score": 0.9, "evidence": "[]", "method": "t", "version": "t",
            "content_hash": "x", "classified_at": at(1), "relevant_since": at(1),
            "themes": json.dumps([{"theme": "fraud", "score": 0.9, "evidence": []}])})
    b = build_briefing(database, "2026-W48", None, "")
    assert b.new == ()  # the Act is a step of the reform's entry, not a second entry
    [entry] = b.moved
    assert (entry.item.id, entry.change, entry.after) == ("bill:3339", "Bill stage", "Royal Assent")
    assert entry.also == (
        "Commencement order (made 19 Nov 2026): The Economic Crime and Corporate Transparency Act 2023 "
        "(Commencement No. 1) Regulations 2023",
        "Act published 18 Nov 2026: Economic Crime and Corporate Transparency Act 2023",
    )
    assert entry.reform is not None and entry.reform.id == ACT
