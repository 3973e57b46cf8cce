"""Bills API parsers on recorded real payloads."""
from __future__ import annotations

import json

import pytest

from tracker.contract import Amendment, BillStage, ItemLink, TrackedItem
from scrapers.parsers import parliament_bills as parser
from scrapers.parsers.errors import ParseError

from .helpers import FIXTURES

BILLS = FIXTURES / "parliament-bills"


def load(name: str):
    return json.loads((BILLS / name).read_text())


def test_bill_2818_whole_item():
    item = parser.parse_bill(load("bill_2818_detail.json"), load("bill_2818_stages.json"), None, "u")
    assert item == TrackedItem(
        id="bill:2818", source="parliament-bills", kind="bill", title="Abolition of Business Rates Bill",
        url="https://bills.parliament.uk/bills/2818",
        summary="A Bill to abolish business rates; and for connected purposes.",
        organisation=None, status="Commons: 2nd reading", published="2021-01-12",
        updated="2021-05-04T10:42:08+01:00",
        body_text="A Bill to abolish business rates; and for connected purposes.",
        details={
            "long_title": "A Bill to abolish business rates; and for connected purposes.",
            "former_short_title": None, "bill_type_id": 5, "current_house": "Commons",
            "originating_house": "Commons", "session_ids": [35], "is_act": False, "withdrawn": None,
            "defeated": False, "current_stage": {"stage": "2nd reading", "house": "Commons", "bill_stage_id": 12655},
            "sponsors": [{"name": "Kevin Hollinrake", "party": "Conservative", "house": "Commons",
                          "organisation": None}],
            "publications": [],
        },
        stages=[BillStage(12654, 6, "1st reading", "Commons", 1, 35, "1R", ["2021-01-12"]),
                BillStage(12655, 7, "2nd reading", "Commons", 2, 35, "2R", [])],
        links=[],
    )


def test_publications_and_act_link():
    publications = parser.parse_publications(load("bill_512_publications.json"), 512)
    assert len(publications) == 41
    assert publications[0] == {
        "id": 2756, "title": "Constitutional Reform and Governance Act 2010 c.25", "type": "Act of Parliament",
        "date": "2010-04-12",
        "links": ["http://www.opsi.gov.uk/acts/acts2010/pdf/ukpga_20100025_en.pdf",
                  "http://www.opsi.gov.uk/acts/acts2010/ukpga_20100025_en_1"],
    }
    # The 2010 links point to OPSI, not legislation.gov.uk: no Act link can be made from them.
    assert parser._act_links(publications) == []
    modern = [{"type": "Act of Parliament", "links": ["https://www.legislation.gov.uk/ukpga/2023/56/contents/enacted"]}]
    assert parser._act_links(modern) == [ItemLink("legislation:ukpga/2023/56", "enacted_as",
                                                  "Act of Parliament publication links to "
                                                  "https://www.legislation.gov.uk/ukpga/2023/56/contents/enacted")]


def test_list_pages_with_quirks():
    capture = load("bills_list_by_billids_house_combinations_2026-09-13.json")["response"]
    summaries, total = parser.parse_bill_list(capture, "u")
    assert total == capture["totalResults"]
    assert [s.bill_id for s in summaries] == [b["billId"] for b in capture["items"]]
    # 7-digit fractions and no offset: read as London time.
    assert summaries[0].last_update == "2026-09-11T17:29:44+01:00"
    one, _ = parser.parse_bill_list(load("bills_list.json"), "u")
    assert len(one) == 1


def test_status_withdrawn_defeated_and_act():
    detail = load("bill_2818_detail.json")
    assert parser._status({**detail, "billWithdrawn": "2021-06-01T00:00:00"}) == "withdrawn"
    assert parser._status({**detail, "isDefeated": True}) == "defeated"
    act = {**detail, "isAct": True, "currentStage": {"description": "Royal Assent", "house": "Unassigned"}}
    assert parser._status(act) == "Royal Assent"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("billId"), "required field 'billId'"),
    (lambda d: d.pop("shortTitle"), "bill 2818: required field 'shortTitle'"),
    (lambda d: d.update(lastUpdate="yesterday"), "bill 2818: field 'lastUpdate' is not a date"),
])
def test_bad_detail_names_bill_and_field(mutate, message):
    detail = load("bill_2818_detail.json")
    mutate(detail)
    with pytest.raises(ParseError, match=message):
        parser.parse_bill(detail, load("bill_2818_stages.json"), None, "u")


def test_bad_list_is_an_error_not_zero_bills():
    with pytest.raises(ParseError, match="required field 'items'"):
        parser.parse_bill_list({"results": []}, "https://x/api/v1/Bills")
    with pytest.raises(ParseError, match="required field 'items'"):
        parser.parse_bill_list(["not", "a", "page"], "https://x/api/v1/Bills")


def test_unknown_fields_are_ignored():
    detail = {**load("bill_2818_detail.json"), "someNewField": {"x": 1}}
    assert parser.parse_bill(detail, load("bill_2818_stages.json"), None, "u").id == "bill:2818"


# --- amendments ---------------------------------------------------------------------------------------------

def amendments_page(items=None, total=None):
    items = load("bill-3786-stage-20099-amendments.items.json") if items is None else items
    return {"items": items, "totalResults": len(items) if total is None else total, "itemsPerPage": 100}


def test_amendments_page_whole_first_and_last():
    amendments, total = parser.parse_amendments(amendments_page(), 3786, 20099, "u")
    assert total == 6 and len(amendments) == 6
    chope = [{"name": "Sir Christopher Chope", "party": "Conservative", "house": "Commons", "member_id": 242,
              "lead": True}]
    assert amendments[0] == Amendment(
        amendment_id=10025364, bill_id=3786, bill_stage_id=20099, number="1", dnum="hoc1",
        amendment_type="DeleteClauseOrSchedule", sponsors=chope, decision="NoDecision",
        decision_explanation="The House has not considered this amendment.", explanatory_text=None,
        clause=1, schedule=None, summary="Clause 1, page 1, line 6, leave out \u201cor attempts to enter\u201d")
    assert amendments[-1] == Amendment(
        amendment_id=10025365, bill_id=3786, bill_stage_id=20099, number="6", dnum="hoc6",
        amendment_type="EditBillBody", sponsors=chope, decision="NoDecision",
        decision_explanation="The House has not considered this amendment.", explanatory_text=None,
        clause=2, schedule=None,
        summary="Clause 2, page 2, line 3, leave out from \u201cforce\u201d to end of line 4 and insert \u201cat the end "
                "of the period of 2 months beginning with the day on which it is passed.\u201d")


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("amendmentId"), "required field 'amendmentId'"),
    (lambda a: a.pop("decision"), "amendment 10025364 .*required field 'decision'"),
    (lambda a: a.update(clause="one"), "field 'clause' is not a whole number"),
])
def test_amendment_with_a_missing_or_bad_field_names_it(change, message):
    items = load("bill-3786-stage-20099-amendments.items.json")
    change(items[0])
    with pytest.raises(ParseError, match=message):
        parser.parse_amendments(amendments_page(items), 3786, 20099, "u")


def test_amendments_listing_without_items_is_an_error():
    with pytest.raises(ParseError, match="required field 'items'"):
        parser.parse_amendments({"results": []}, 3786, 20099, "u")


def test_amendment_detail_adds_the_explanatory_text_and_checks_the_id():
    from dataclasses import replace
    from .helpers.spiders.parliament_bills import amendment_detail
    items = load("bill-3786-stage-20099-amendments.items.json")
    [listed, *_] = parser.parse_amendments(amendments_page(items), 3786, 20099, "u")[0]
    # Test data: an explanatory statement (no recorded detail record was found).
    detail = {**amendment_detail(items[0], "<p>This would narrow the offence.</p>"),
              "explanatoryTextPrefix": "Member's explanatory statement"}
    assert parser.parse_amendment_detail(detail, listed, "u") == replace(
        listed, explanatory_text="Member's explanatory statement This would narrow the offence.", from_detail=True)
    with pytest.raises(ParseError, match="detail of amendment 10025366, not 10025364"):
        parser.parse_amendment_detail(amendment_detail(items[1]), listed, "u")
