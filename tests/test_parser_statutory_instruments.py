"""Statutory Instruments API parsers on the re-expressed records (real facts of two instruments; see SOURCES.md)."""
from __future__ import annotations

import json

import pytest

from scrapers.parsers import statutory_instruments as parser
from scrapers.parsers.errors import ParseError
from tracker.contract import ItemLink, TrackedItem, validate_item

from .helpers import FIXTURES

SIS = FIXTURES / "statutory-instruments"


def load(name: str):
    return json.loads((SIS / name).read_text())


def test_list_page():
    # The fixtures keep the unknown API ids null; a live listing always has them: give them test ids.
    page = load("si_list_page1.json")
    for n, entry in enumerate(page["items"]):
        entry["value"]["id"] = f"tst{n}"
    summaries, total = parser.parse_list(page, "u")
    assert (summaries, total) == ([
        parser.InstrumentSummary("tst0", "The Capital Requirements Regulation (Amendment) (EU Exit) Regulations 2021",
                                 "2021-05-10"),
        parser.InstrumentSummary("tst1", "The Terrorism Act 2000 (Proscribed Organisations) (Amendment) Order 2017",
                                 "2017-12-21"),  # never laid in this record: the made date
    ], 2)


def test_list_entry_without_id_or_number_is_an_error():
    summaries, _ = parser.parse_list(load("si_list_page1.json"), "u")  # re-expressed: numbers, null ids
    assert [s.instrument_id for s in summaries] == [None, None]
    page = load("si_list_page1.json")
    page["items"][0]["value"]["paperNumber"] = None
    with pytest.raises(ParseError, match=r"statutory-instruments: u: an instrument has neither 'id' nor"):
        parser.parse_list(page, "u")


def test_renamed_items_field_is_an_error():
    page = load("si_list_page1.json")
    page["results"] = page.pop("items")
    with pytest.raises(ParseError, match="required field 'items' is missing"):
        parser.parse_list(page, "http://x/list")


def test_negative_instrument_whole_item():
    detail = load("si_2021_558_detail.json")
    detail["value"]["procedure"] = {"id": None, "name": "Negative"}  # test value: the record's procedure is unknown
    item = parser.parse_instrument(detail, "u", period_end="2021-06-28")
    assert item == TrackedItem(
        id="si:2021/558", source="statutory-instruments", kind="statutory_instrument",
        title="The Capital Requirements Regulation (Amendment) (EU Exit) Regulations 2021",
        url="https://www.legislation.gov.uk/uksi/2021/558",
        summary="Negative procedure", organisation=None, status="laid", published="2021-05-10",
        body_text="The Capital Requirements Regulation (Amendment) (EU Exit) Regulations 2021",
        details={
            "api_id": None, "prefix": "SI", "number": 558, "year": "2021", "procedure": "Negative",
            "procedure_id": None, "made": "2021-05-07", "commons_laid": "2021-05-10", "lords_laid": "2021-05-10",
            "coming_into_force": "2021-06-01", "coming_into_force_note": None, "laying_body": None,
            "enabling_acts": [], "legislation_url": "https://www.legislation.gov.uk/uksi/2021/558",
            "preceded_by": None, "followed_by": None,
            "scrutiny_period": {"ends": "praying period ends", "runs_from": "2021-05-10", "days": 40,
                                "end_date": "2021-06-28"},
            "committee_reports": [],
        },
        links=[ItemLink("legislation:uksi/2021/558", "same_reform", "the same instrument, S.I. 2021/558")],
    )
    assert validate_item(item.as_dict())["id"] == "si:2021/558"


def test_recorded_unknown_procedure_has_no_period():
    item = parser.parse_instrument(load("si_2021_558_detail.json"), "u")
    assert (item.summary, item.details["procedure"], item.details["scrutiny_period"]) == (None, None, None)


def test_draft_affirmative_made_instrument():
    item = parser.parse_instrument(load("si_2017_1325_detail.json"), "u")
    assert (item.id, item.status, item.published, item.summary) == ("si:2017/1325", "made", "2017-12-21",
                                                                    "Draft affirmative procedure")
    assert item.details["scrutiny_period"] is None  # an affirmative is approved by a vote, not by a deadline
    assert item.details["enabling_acts"] == ["Terrorism Act 2000"]
    assert item.details["coming_into_force_note"] == "Coming into force in accordance with article 1(1)"
    assert item.body_text.endswith("Made under the Terrorism Act 2000")  # the linker finds the Act by title


@pytest.mark.parametrize("procedure, commons, lords, expected", [
    ("Made negative", "2026-07-30T00:00:00", "2026-07-30T00:00:00", ("praying period ends", "2026-07-30", 40)),
    # Laid before the Houses on different days: the period runs from the later one (SIA 1946 s.7).
    ("Draft negative", "2026-07-01T00:00:00", "2026-07-02T00:00:00", ("praying period ends", "2026-07-02", 40)),
    ("Made affirmative", "2026-07-01T00:00:00", None, ("approval period ends", "2026-07-01", 28)),
    ("Draft affirmative", "2026-07-01T00:00:00", None, None),
    ("Proposed negative", "2026-07-01T00:00:00", None, None),
    ("Made negative", None, None, None),
])
def test_scrutiny_period(procedure, commons, lords, expected):
    value = {"procedure": {"name": procedure}, "commonsLayingDate": commons, "lordsLayingDate": lords}
    assert parser.scrutiny_period(value) == expected


def test_draft_without_number_is_keyed_by_api_id():
    detail = load("si_2017_1325_detail.json")
    detail["value"].update(id="tstDraft1", paperNumber=None)
    item = parser.parse_instrument(detail, "u")
    assert (item.id, item.links, item.url) == (
        "si:paper/tstDraft1", [], "https://statutoryinstruments.parliament.uk/instrument/tstDraft1/")


def test_no_id_and_no_number_is_an_error():
    detail = load("si_2017_1325_detail.json")
    detail["value"]["paperNumber"] = None
    with pytest.raises(ParseError, match="neither 'id' nor 'paperNumber'"):
        parser.parse_instrument(detail, "u")


def test_bad_date_names_the_field():
    detail = load("si_2021_558_detail.json")
    detail["value"]["commonsLayingDate"] = "10th May"
    with pytest.raises(ParseError, match=r"field 'commonsLayingDate' is not a date: '10th May'"):
        parser.parse_instrument(detail, "u")


def test_annulment_date():
    assert parser.parse_annulment_date("2021-06-28T00:00:00", "u") == "2021-06-28"
    with pytest.raises(ParseError, match="expected a date string"):
        parser.parse_annulment_date({"date": "2021-06-28"}, "u")


def test_business_items_keep_committee_scrutiny_only():
    # Constructed business items (no real list was found): the step wording is the committees' names.
    items = [
        {"id": "b1", "steps": ["Laid before the House of Commons"], "itemDate": "2026-07-30T00:00:00",
         "houses": ["Commons"], "link": None},
        {"id": "b2", "steps": ["Secondary Legislation Scrutiny Committee report"], "itemDate": "2026-09-08T00:00:00",
         "houses": ["Lords"], "link": "https://committees.parliament.uk/x"},
        {"id": "b3", "steps": ["JCSI scrutiny: instrument reported"], "itemDate": "2026-09-02T00:00:00",
         "houses": ["Commons", "Lords"], "link": None},
    ]
    assert parser.parse_business_items(items, "u") == [
        {"committee": "JCSI", "step": "JCSI scrutiny: instrument reported", "date": "2026-09-02",
         "houses": ["Commons", "Lords"], "link": None},
        {"committee": "SLSC", "step": "Secondary Legislation Scrutiny Committee report", "date": "2026-09-08",
         "houses": ["Lords"], "link": "https://committees.parliament.uk/x"},
    ]
    with pytest.raises(ParseError, match="expected a list of business items"):
        parser.parse_business_items({"items": []}, "u")
