"""Parse the Written Questions and Statements API's written questions
(https://questions-statements-api.parliament.uk/api/writtenquestions).

One question is one item: its holding answer, substantive answer and any correction are later states of the
same record (same id), so the store keeps them as versions. Listings cut `questionText` and `answerText` at
255 characters (real listings show the cut with no mark; the API's notes speak of "..." added): `is_cut` says
when the full record must be fetched, both ways. Texts are HTML: items hold clean text.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tracker.contract import TrackedItem

from .committees import html_to_text
from .dates import date_only, london_iso
from .errors import ParseError

SOURCE = "written-questions"
ID_PREFIX = "wq:"
PAGE_SIZE = 100
WEBSITE = "https://questions-statements.parliament.uk"
#: Listings cut long texts to this many characters (sometimes adding "...").
CUT_AT = 255
#: The listings an incremental crawl reads, each from the floor date: new questions, new answers, corrections.
LISTINGS = {"tabled": "tabledWhenFrom", "answered": "answeredWhenFrom", "corrected": "correctedWhenFrom"}
REQUIRED = ("id", "uin", "house", "dateTabled", "questionText", "answeringBodyId", "answeringBodyName")


def list_url(base_url: str, listing: str, since_day: str, bodies: tuple[int, ...], skip: int,
             take: int = PAGE_SIZE) -> str:
    """One page of questions tabled, answered or corrected since `since_day`, for the answering bodies."""
    # Which listing, from when and the page last: a long URL is shown in messages by its query's tail.
    query = [*(("answeringBodies", b) for b in bodies), ("expandMember", "true"), ("take", take), ("skip", skip),
             (LISTINGS[listing], since_day)]
    return f"{base_url.rstrip('/')}/api/writtenquestions/questions?{urlencode(query)}"


def detail_url(base_url: str, question_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/writtenquestions/questions/{question_id}?expandMember=true"


def is_cut(text: Any) -> bool:
    """Whether a listing may have cut this text: exactly 255 characters, or 255 and "...". A text that is
    255 characters whole costs one needless detail request, never a cut text stored."""
    if not isinstance(text, str):
        return False
    return len(text) == CUT_AT or (len(text) == CUT_AT + 3 and text.endswith("..."))


def record_of(entry: Any, url: str, source: str, noun: str, required: tuple[str, ...]) -> dict:
    """One record of the Written Questions and Statements API (`{"value": {...}}`), with its required fields
    checked: a missing one means the API has changed, and is said so. Shared by questions and statements."""
    value = entry.get("value") if isinstance(entry, dict) else None
    if not isinstance(value, dict):
        raise ParseError(f"{source}: {url}: a result has no 'value' object")
    for name in required:
        if name not in value:
            raise ParseError(f"{source}: {url}: {noun} {value.get('id', '?')} has no field {name!r} "
                             f"(the API has changed)")
    if not isinstance(value["id"], int):
        raise ParseError(f"{source}: {url}: field 'id' is not an integer: {value['id']!r}")
    return value


def records_of(payload: Any, url: str, source: str, noun: str, required: tuple[str, ...]) -> tuple[list[dict], int]:
    """A listing page of the same API -> (its records, totalResults)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise ParseError(f"{source}: {url}: field 'results' is missing or not a list (the API has changed)")
    total = payload.get("totalResults")
    if not isinstance(total, int):
        raise ParseError(f"{source}: {url}: field 'totalResults' is missing or not an integer")
    return [record_of(entry, url, source, noun, required) for entry in payload["results"]], total


def _record(entry: Any, url: str) -> dict:
    return record_of(entry, url, SOURCE, "question", REQUIRED)


def parse_list(payload: Any, url: str) -> tuple[list[dict], int]:
    """A listing page -> (question records, totalResults)."""
    return records_of(payload, url, SOURCE, "question", REQUIRED)


def parse_detail(payload: Any, url: str) -> dict:
    """`/api/writtenquestions/questions/{id}` -> the question record."""
    return _record(payload, url)


def needs_detail(record: dict) -> bool:
    return is_cut(record.get("questionText")) or is_cut(record.get("answerText"))


def _day(value: Any, name: str, where: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date_only(value)
    except (TypeError, ValueError, AttributeError):
        raise ParseError(f"{SOURCE}: {where}: field {name!r} is not a date: {value!r}") from None


def _member(value: Any) -> str | None:
    return value.get("name") if isinstance(value, dict) else None


def status_of(record: dict) -> str:
    """Where the question stands, in words."""
    if record.get("isWithdrawn"):
        return "withdrawn"
    if record.get("answerIsCorrection") or record.get("dateAnswerCorrected"):
        return "answer corrected"
    if record.get("answerIsHolding"):
        return "holding answer"
    if record.get("dateAnswered") or record.get("answerText"):
        return "answered"
    return "awaiting answer"


def parse_question(record: dict, url: str) -> TrackedItem:
    """A full question record -> its item (refuses a record whose texts are still cut)."""
    record = _record({"value": record}, url)
    where = f"question {record['id']} ({url})"
    if needs_detail(record):
        raise ParseError(f"{SOURCE}: {where}: text is cut at {CUT_AT} characters; the full record is needed")
    tabled = _day(record["dateTabled"], "dateTabled", where)
    answered = _day(record.get("dateAnswered"), "dateAnswered", where)
    corrected = _day(record.get("dateAnswerCorrected"), "dateAnswerCorrected", where)
    holding = _day(record.get("dateHoldingAnswer"), "dateHoldingAnswer", where)
    question = html_to_text(record["questionText"])
    answer = html_to_text(record.get("answerText"))
    if not question:
        raise ParseError(f"{SOURCE}: {where}: field 'questionText' is empty")
    heading = (record.get("heading") or "").strip()
    uin = record.get("uin")
    title = heading or (question if len(question) <= 150 else question[:147].rsplit(" ", 1)[0] + "...")
    page = f"{WEBSITE}/written-questions/detail/{tabled}/{uin}" if tabled and uin else \
        f"{WEBSITE}/written-questions?SearchTerm={record['id']}"
    body = f"Question: {question}" + (f"\n\nAnswer: {answer}" if answer else "")
    return TrackedItem(
        id=f"{ID_PREFIX}{record['id']}",
        source=SOURCE,
        kind="written_question",
        title=title,
        url=page,
        summary=question,
        organisation=record["answeringBodyName"],
        status=status_of(record),
        published=tabled,
        updated=max((d for d in (answered, corrected, holding) if d), default=None),
        body_text=body,
        details={
            "uin": uin,
            "house": record["house"],
            "answering_body_id": record["answeringBodyId"],
            "asking_member": _member(record.get("askingMember")),
            "answering_member": _member(record.get("answeringMember")),
            # Listings read without expandMember carry only the Members API ids: kept, so who asked is never lost.
            "asking_member_id": record.get("askingMemberId"),
            "answering_member_id": record.get("answeringMemberId"),
            "answer": answer,
            "date_for_answer": _day(record.get("dateForAnswer"), "dateForAnswer", where),
            "date_answered": answered,
            "date_holding_answer": holding,
            "date_answer_corrected": corrected,
            "answer_is_holding": record.get("answerIsHolding"),
            "answer_is_correction": record.get("answerIsCorrection"),
            "original_answer": html_to_text(record.get("originalAnswerText")),
            "withdrawn": bool(record.get("isWithdrawn")),
        },
    )


def watermark_of(record: dict) -> str | None:
    """The newest date the record carries (tabled, answered, held or corrected), as London midnight."""
    days = [record.get(k) for k in ("dateTabled", "dateAnswered", "dateHoldingAnswer", "dateAnswerCorrected")]
    stamps = []
    for day in days:
        try:
            stamps.append(london_iso(day)) if isinstance(day, str) and day else None
        except ValueError:
            continue
    return max(stamps, key=datetime.fromisoformat, default=None)
