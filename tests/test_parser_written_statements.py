"""scrapers.parsers.written_statements on a written statement re-expressed in the API's format
(fixtures/written-statements/SOURCES.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrapers.parsers import written_statements as parser
from scrapers.parsers.errors import ParseError
from tracker.contract import TrackedItem

API = "https://questions-statements-api.parliament.uk"
RECORD = json.loads((Path(__file__).parent / "fixtures" / "written-statements"
                     / "statement_psfa_2025-10-16.json").read_text())


def test_urls() -> None:
    assert parser.list_url(API, "2024-07-17", (53,), 0) == (
        f"{API}/api/writtenstatements/statements?answeringBodies=53&expandMember=true&take=100&skip=0"
        f"&madeWhenFrom=2024-07-17")
    assert parser.detail_url(API, 7) == f"{API}/api/writtenstatements/statements/7?expandMember=true"


def test_statement_becomes_one_item_of_clean_text() -> None:
    item = parser.parse_statement(parser.parse_detail(RECORD, "u"), "u")
    paragraphs = item.body_text.split("\n\n")
    assert item == TrackedItem(
        id="wms:9000001", source="written-statements", kind="written_statement",
        title="Public Sector Fraud Authority",
        # Its uin is unknown (null), so it links to the day's Hansard, not to a statement page it cannot name.
        url="https://hansard.parliament.uk/Commons/2025-10-16",
        summary=paragraphs[0], organisation="Cabinet Office", status="made", published="2025-10-16",
        body_text=item.body_text,
        details={"uin": None, "house": "Commons", "answering_body_id": 53, "member": "Josh Simons",
                 "member_role": None, "linked_statements": [], "attachments": []},
    )
    assert len(paragraphs) == 3 and paragraphs[0].startswith("Fraud remains one of the biggest challenges")
    assert "<" not in item.body_text


def test_a_statement_with_its_uin_links_to_its_own_page() -> None:
    record = {**RECORD["value"], "uin": "HCWS-TEST", "house": "Lords"}
    item = parser.parse_statement(record, "u")
    assert item.url == "https://questions-statements.parliament.uk/written-statements/detail/2025-10-16/HCWS-TEST"
    assert item.details["uin"] == "HCWS-TEST"
    blank = parser.parse_statement({**record, "uin": "  "}, "u")
    assert (blank.url, blank.details["uin"]) == ("https://hansard.parliament.uk/Lords/2025-10-16", None)


def test_detail_served_as_a_one_result_search_result() -> None:
    wrapped = {"totalResults": 1, "results": [RECORD]}
    assert parser.parse_detail(wrapped, "u") == RECORD["value"]
    with pytest.raises(ParseError, match="expected one statement"):
        parser.parse_detail({"totalResults": 2, "results": [RECORD, RECORD]}, "u")


def test_cut_text_is_refused_and_detected() -> None:
    cut = {**RECORD["value"], "text": RECORD["value"]["text"][:255]}
    assert parser.needs_detail(cut) and not parser.needs_detail(RECORD["value"])
    with pytest.raises(ParseError, match="cut at 255"):
        parser.parse_statement(cut, "u")


def test_renamed_field_is_a_clear_error() -> None:
    renamed = {("madeOn" if k == "dateMade" else k): v for k, v in RECORD["value"].items()}
    with pytest.raises(ParseError, match="statement 9000001 has no field 'dateMade'"):
        parser.parse_list({"totalResults": 1, "results": [{"value": renamed}]}, "http://x/list")
