"""Hansard parser on the re-expressed search page (tests/fixtures/hansard/SOURCES.md) and on its faults."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tracker.classify.priorities import load_priorities
from tracker.contract import TrackedItem
from scrapers.parsers import hansard as parser
from scrapers.parsers.errors import ParseError

from .helpers import FIXTURES

PRIORITIES = Path(__file__).parent.parent / "tracker" / "classify" / "priorities.toml"
PAGE = FIXTURES / "hansard" / "search-economic-crime-2024-09-11.re-expressed.json"
EXT_ID = "D64F73B6-9913-40E0-BF78-A4C9B6C4D40B"
SENTENCE = ("I commend the hon. Member for York Outer (Mr Charters) for securing this debate on financial fraud and "
            "economic crime and for his professional expertise in this area.")


def page() -> dict:
    return json.loads(PAGE.read_text(encoding="utf-8"))


def test_search_page_to_one_debate_item_whole():
    contributions, total = parser.parse_search(page(), "economic crime", "u")
    assert total == 1
    assert parser.debate_items(contributions) == [TrackedItem(
        id=f"hansard:{EXT_ID}", source="hansard", kind="debate", title="Financial Fraud and Economic Crime",
        url=f"https://hansard.parliament.uk/Commons/2024-09-11/debates/{EXT_ID}/FinancialFraudAndEconomicCrime",
        summary="Commons: Westminster Hall, 2024-09-11: economic crime raised by Chris Coghlan (Dorking and Horley) (LD)",
        organisation="Commons: Westminster Hall", status="debated", published="2024-09-11",
        body_text=f"Chris Coghlan (Dorking and Horley) (LD): {SENTENCE}",
        details={"house": "Commons", "section": "Westminster Hall", "sitting_date": "2024-09-11",
                 "debate_section_ext_id": EXT_ID, "matched_phrases": ["economic crime"],
                 "contributions": [{"speaker": "Chris Coghlan", "attributed_to": "Chris Coghlan (Dorking and Horley) (LD)",
                                    "member_id": None, "contribution_id": None, "extract": SENTENCE,
                                    "phrases": ["economic crime"]}]},
    )]


def test_a_contribution_found_by_two_phrases_is_listed_once_with_both():
    first, _ = parser.parse_search(page(), "economic crime", "u")
    second, _ = parser.parse_search(page(), "fraud", "u")
    [item] = parser.debate_items(first + second)
    [contribution] = item.details["contributions"]
    assert contribution["phrases"] == ["economic crime", "fraud"]
    # The "fraud" search's sentences are added after the first search's.
    assert contribution["extract"].startswith(SENTENCE + " … " + SENTENCE)
    assert "national anti-fraud centre" in contribution["extract"]
    assert item.details["matched_phrases"] == ["economic crime", "fraud"]


@pytest.mark.parametrize("change, message", [
    (lambda p: p.pop("Results"), "required field 'Results'"),
    (lambda p: p["Results"][0].pop("DebateSectionExtId"), "result 0 of search for 'economic crime' u: required field 'DebateSectionExtId'"),
    (lambda p: p["Results"][0].update(SittingDate="yesterday"), "field 'SittingDate' is not a date"),
    (lambda p: p["Results"][0].update(House=None), "required field 'House'"),
])
def test_a_page_with_a_missing_or_bad_field_names_it(change, message):
    payload = page()
    change(payload)
    with pytest.raises(ParseError, match=message):
        parser.parse_search(payload, "economic crime", "u")


def test_extract_is_the_sentence_with_the_phrase_or_the_opening_capped():
    text = "First sentence. The Serious Fraud Office will act. Last one."
    assert parser.extract(text, "serious fraud office") == "The Serious Fraud Office will act."
    assert parser.extract("word " * 300, "absent").endswith("…") and len(parser.extract("word " * 300, "x")) <= 601


def test_searches_are_few_and_each_a_priority_phrase():
    assert len(parser.SEARCH_PHRASES) <= 12
    # A phrase of a priority or of the [context] list, a trailing wildcard dropped.
    phrases = {rule.phrase.lower().rstrip("*") for priority in load_priorities() for rule in priority.phrases.rules}
    phrases |= {phrase.lower().rstrip("*") for phrase in tomllib.loads(PRIORITIES.read_text())["context"]}
    assert [p for p in parser.SEARCH_PHRASES if p.lower() not in phrases] == []
