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


# Real 2026 records with every field the API gave them (fixtures/written-questions/SOURCES.md): the listing as
# mysociety/uk-parl-written-questions stored it, and five full records (the listed record, full texts joined in).
LISTED_2026 = json.loads((FIXTURES / "commons_2026_listed.json").read_text())
FULL_2026 = {qid: json.loads((FIXTURES / f"question_{qid}_full_2026.json").read_text())
             for qid in (1898291, 1898703, 1904711, 1905135, 1904481)}


def listed_2026(question_id: int) -> dict:
    return next(r["value"] for r in LISTED_2026["results"] if r["value"]["id"] == question_id)


def test_real_2026_listing_cuts_every_answer_and_the_long_questions() -> None:
    records, total = parser.parse_list(LISTED_2026, "u")
    assert total == len(records) == 17
    # Every answered record's answer is cut (255 characters and "..."); 1924763 is unanswered but its question
    # is cut at 255 with no mark. The three short unanswered ones are whole.
    assert [r["id"] for r in records if parser.needs_detail(r)] == [
        1898291, 1898703, 1904711, 1904482, 1904814, 1905135, 1904481,
        1923759, 1923864, 1922767, 1924377, 1924430, 1923032, 1924763]
    assert [r["id"] for r in records if not parser.needs_detail(r)] == [1925058, 1923859, 1923857]
    assert {len(r["answerText"]) for r in records if r["dateAnswered"]} == {258}


def test_real_answered_question_from_its_full_record() -> None:
    question = ("To ask the Secretary of State for the Home Department, what recent estimate she has made of the number "
                "of incidents reported to Report Fraud that are not then referred on to a UK police force to consider "
                "an investigation; and what percentage this equals of the total number of incidents reported to "
                "Report Fraud.")
    answer = ("Report Fraud is the new and improved national police reporting service for fraud and cybercrime which "
              "launched on 4 December 2025. Report Fraud uses the latest technology to enhance the reporting "
              "experience, providing report updates for victims, and improves the speed and quality of information "
              "shared with police, increasing the chances of successful investigation by police forces and "
              "prosecution.\n\nThe Home Office regularly reviews the performance of Report Fraud with the City of "
              "London Police and will continue to engage with them to ensure the service is delivering improved "
              "outcomes for victims and strengthening the national response to fraud. The service offers better "
              "management information to track and monitor service performance and a new performance dashboard "
              "which supports the Home Office in monitoring outcomes and identifying emerging fraud threats.")
    item = parser.parse_question(parser.parse_detail(FULL_2026[1904481], "u"), "u")
    assert item == TrackedItem(
        id="wq:1904481", source="written-questions", kind="written_question", title="Fraud",
        url="https://questions-statements.parliament.uk/written-questions/detail/2026-05-13/513",
        summary=question, organisation="Home Office", status="answered", published="2026-05-13",
        updated="2026-05-18", body_text=f"Question: {question}\n\nAnswer: {answer}",
        details={"uin": "513", "house": "Commons", "answering_body_id": 1, "asking_member": None,
                 "answering_member": None, "asking_member_id": 5327, "answering_member_id": 4631, "answer": answer,
                 "date_for_answer": "2026-05-18", "date_answered": "2026-05-18", "date_holding_answer": None,
                 "date_answer_corrected": None, "answer_is_holding": False, "answer_is_correction": False,
                 "original_answer": None, "withdrawn": False},
    )


@pytest.mark.parametrize("question_id, uin, body_id, body, asked_by, answered_by, tabled, answered", [
    (1898291, "126237", 208, "Foreign, Commonwealth and Development Office", 5361, 4253, "2026-04-10", "2026-04-16"),
    (1898703, "126579", 214, "Department for Business and Trade", 4368, 5076, "2026-04-13", "2026-04-16"),
    (1904711, "633", 14, "Treasury", 5341, 5282, "2026-05-13", "2026-05-18"),
    (1905135, "1079", 1, "Home Office", 5361, 4631, "2026-05-13", "2026-05-18"),
])
def test_real_2026_records_keep_dates_uin_members_and_body(question_id, uin, body_id, body, asked_by, answered_by,
                                                           tabled, answered) -> None:
    item = parser.parse_question(parser.parse_detail(FULL_2026[question_id], "u"), "u")
    assert (item.published, item.updated, item.status, item.organisation) == (tabled, answered, "answered", body)
    assert {k: item.details[k] for k in ("uin", "answering_body_id", "asking_member_id", "answering_member_id",
                                         "date_answered")} == {
        "uin": uin, "answering_body_id": body_id, "asking_member_id": asked_by, "answering_member_id": answered_by,
        "date_answered": answered}
    assert item.url == f"https://questions-statements.parliament.uk/written-questions/detail/{tabled}/{uin}"


def _plain(text: str) -> str:
    """Text as a listing shows it: the detail's non-breaking hyphens and paragraph breaks flattened."""
    return " ".join(text.replace("\u2011", "-").split())


@pytest.mark.parametrize("question_id", sorted(FULL_2026))
def test_full_record_completes_the_listed_one(question_id) -> None:
    """The detail merge: the listed record is refused as cut; its full record is the same question, whole."""
    listed = listed_2026(question_id)
    with pytest.raises(ParseError, match=f"question {question_id} .*cut at 255"):
        parser.parse_question(listed, "u")
    full = parser.parse_detail(FULL_2026[question_id], "u")
    assert {k: v for k, v in full.items() if k not in ("questionText", "answerText")} == {
        k: v for k, v in listed.items() if k not in ("questionText", "answerText")}
    item = parser.parse_question(full, "u")
    assert len(item.summary) > parser.CUT_AT and len(item.details["answer"]) > parser.CUT_AT
    assert _plain(item.summary).startswith(_plain(listed["questionText"]))
    assert _plain(item.details["answer"]).startswith(_plain(listed["answerText"].removesuffix("...")))
    assert "<p>" not in item.body_text and "<a " not in item.body_text


def test_real_unanswered_2026_question_from_its_listing() -> None:
    item = parser.parse_question(listed_2026(1923857), "u")
    assert (item.title, item.status, item.published, item.updated) == ("Visas: Fraud", "awaiting answer",
                                                                      "2026-07-03", None)
    assert item.body_text == ("Question: To ask the Secretary of State for the Home Department, what assessment has "
                              "been made of the effectiveness of the UK’s visa application system in preventing fraud.")
    assert (item.details["answer"], item.details["date_for_answer"], item.details["asking_member_id"]) == (
        None, "2026-07-07", 4131)
