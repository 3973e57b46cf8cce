"""scrapers.parsers.written_questions on real Written Questions API records (fixtures/written-questions)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrapers.parsers import written_questions as parser
from scrapers.parsers.errors import ParseError
from tracker.contract import TrackedItem

API = "https://questions-statements-api.parliament.uk"
FIXTURES = Path(__file__).parent / "fixtures" / "written-questions"
LISTING = json.loads((FIXTURES / "tabled_2024-11-01.json").read_text())
ANSWERED = json.loads((FIXTURES / "question_1738673_answered.json").read_text())
ANSWERED_2026 = json.loads((FIXTURES / "answered_2026_full.json").read_text())


def test_list_url_names_the_bodies_and_ends_with_the_listing_and_day() -> None:
    assert parser.list_url(API, "answered", "2026-09-01", (1, 54), 100) == (
        f"{API}/api/writtenquestions/questions?answeringBodies=1&answeringBodies=54&expandMember=true"
        f"&take=100&skip=100&answeredWhenFrom=2026-09-01")
    assert parser.detail_url(API, 1738673) == f"{API}/api/writtenquestions/questions/1738673?expandMember=true"


def test_listing_page_and_the_cut_texts() -> None:
    records, total = parser.parse_list(LISTING, "u")
    assert total == 7 and [r["id"] for r in records][:2] == [1738745, 1738742]
    # Real listings cut at 255 characters: those three need their full record.
    assert [r["id"] for r in records if parser.needs_detail(r)] == [1738688, 1738673, 1738672]
    assert parser.is_cut("x" * 252 + "...") and not parser.is_cut("x" * 254) and not parser.is_cut(None)


def test_unanswered_question_from_a_listing() -> None:
    record = LISTING["results"][0]["value"]
    assert parser.parse_question(record, "u") == TrackedItem(
        id="wq:1738745", source="written-questions", kind="written_question",
        title="To ask the Secretary of State for the Home Department, what steps she is taking to tackle knife "
              "crime in late night venues.",
        url="https://questions-statements.parliament.uk/written-questions/detail/2024-11-01/12348",
        summary="To ask the Secretary of State for the Home Department, what steps she is taking to tackle knife "
                "crime in late night venues.",
        organisation="Home Office", status="awaiting answer", published="2024-11-01", updated=None,
        body_text="Question: To ask the Secretary of State for the Home Department, what steps she is taking to "
                  "tackle knife crime in late night venues.",
        details={"uin": "12348", "house": "Commons", "answering_body_id": 1, "asking_member": None,
                 "answering_member": None, "answer": None, "date_for_answer": "2024-11-11", "date_answered": None,
                 "date_holding_answer": None, "date_answer_corrected": None, "answer_is_holding": None,
                 "answer_is_correction": None, "original_answer": None, "withdrawn": False,
                 "asking_member_id": 5122, "answering_member_id": None},
    )


def test_answered_full_record_holds_clean_question_and_answer() -> None:
    item = parser.parse_question(parser.parse_detail(ANSWERED, "u"), "u")
    assert item.status == "answered" and item.summary.endswith("from 81 statutory working days to 34 statutory working days.")
    assert item.body_text.startswith("Question: To ask the Minister for the Cabinet Office")
    assert "\n\nAnswer: The time taken to issue a final order" in item.body_text
    assert "<p>" not in item.body_text and "’" in item.details["answer"]


def test_html_entities_and_tables_become_text() -> None:
    record = next(r["value"] for r in ANSWERED_2026["results"] if r["value"]["id"] == 1918174)
    item = parser.parse_question(record, "u")
    assert "HM Revenue & Customs (HMRC)" in item.body_text and "&amp;" not in item.body_text
    assert item.published is None and item.organisation == "Home Office"
    assert item.url == "https://questions-statements.parliament.uk/written-questions?SearchTerm=1918174"


def test_states_of_one_question() -> None:
    base = ANSWERED["value"]
    assert parser.status_of({**base, "answerIsHolding": True}) == "holding answer"
    assert parser.status_of({**base, "answerIsCorrection": True}) == "answer corrected"
    assert parser.status_of({**base, "isWithdrawn": True}) == "withdrawn"
    assert parser.status_of({**base, "answerText": None}) == "awaiting answer"


def test_cut_record_is_refused_rather_than_stored_cut() -> None:
    with pytest.raises(ParseError, match="cut at 255"):
        parser.parse_question(LISTING["results"][3]["value"], "u")


@pytest.mark.parametrize("payload, message", [
    ({"items": []}, "'results'"),
    ({"results": [], "totalResults": "7"}, "'totalResults'"),
    ({"results": [{"valu": {}}], "totalResults": 1}, "no 'value'"),
    ({"results": [{"value": {k: v for k, v in LISTING["results"][0]["value"].items() if k != "dateTabled"}}],
      "totalResults": 1}, "question 1738745 has no field 'dateTabled'"),
])
def test_changed_listing_is_a_clear_error(payload, message) -> None:
    with pytest.raises(ParseError, match=message):
        parser.parse_list(payload, "http://x/list")


def test_bad_date_names_field_and_question() -> None:
    with pytest.raises(ParseError, match="question 1738745 .*'dateTabled' is not a date"):
        parser.parse_question({**LISTING["results"][0]["value"], "dateTabled": "1st Nov"}, "u")


def test_watermark_is_the_newest_date_of_the_record() -> None:
    record = {**LISTING["results"][0]["value"], "dateAnswered": "2024-11-12T00:00:00"}
    assert parser.watermark_of(record) == "2024-11-12T00:00:00+00:00"


def test_attorney_generals_office_is_a_default_body_as_real_records_name_it() -> None:
    """A real 2024 question to the Solicitor General on the SFO: the API's body 88, "Attorney General"."""
    from scrapers.spiders.written_questions import DEFAULT_BODIES
    listing = json.loads((FIXTURES / "attorney_general_1723633.json").read_text())
    (record,), total = parser.parse_list(listing, "u")
    assert total == 1 and record["answeringBodyId"] in DEFAULT_BODIES
    assert record["answeringBodyName"] == "Attorney General" and "Serious Fraud Office" in record["questionText"]
    assert "answeringBodies=88&" in parser.list_url(API, "answered", "2026-09-01", DEFAULT_BODIES, 0)
    # The listing cut its answer at 255 characters and "...": the spider fetches the full record.
    assert parser.needs_detail(record)
    with pytest.raises(ParseError, match="question 1723633"):
        parser.parse_question(record, "u")
