"""Parse the Written Questions and Statements API's written ministerial statements
(https://questions-statements-api.parliament.uk/api/writtenstatements).

A statement is one item; a listing cuts `text` at 255 characters plus "..." (`needs_detail`), so the full
statement is fetched where cut. Text is HTML: items hold clean text.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tracker.contract import TrackedItem

from .committees import html_to_text
from .dates import date_only, london_iso
from .errors import ParseError
from .written_questions import PAGE_SIZE, WEBSITE, is_cut, record_of, records_of

SOURCE = "written-statements"
ID_PREFIX = "wms:"
#: Hansard's sitting-day pages (https://hansard.parliament.uk/Commons/2025-10-16).
HANSARD = "https://hansard.parliament.uk"
REQUIRED = ("id", "uin", "house", "dateMade", "title", "text", "answeringBodyId", "answeringBodyName")


def list_url(base_url: str, since_day: str, bodies: tuple[int, ...], skip: int, take: int = PAGE_SIZE) -> str:
    """One page of statements made since `since_day` by the answering bodies."""
    query = [*(("answeringBodies", b) for b in bodies), ("expandMember", "true"), ("take", take), ("skip", skip),
             ("madeWhenFrom", since_day)]
    return f"{base_url.rstrip('/')}/api/writtenstatements/statements?{urlencode(query)}"


def detail_url(base_url: str, statement_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/writtenstatements/statements/{statement_id}?expandMember=true"


def _record(entry: Any, url: str) -> dict:
    return record_of(entry, url, SOURCE, "statement", REQUIRED)


def parse_list(payload: Any, url: str) -> tuple[list[dict], int]:
    """A listing page -> (statement records, totalResults)."""
    return records_of(payload, url, SOURCE, "statement", REQUIRED)


def parse_detail(payload: Any, url: str) -> dict:
    """`/api/writtenstatements/statements/{id}` -> the statement record (served wrapped in `value`, or as a
    one-result search result, as the OpenAPI document describes it)."""
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        records, _ = parse_list(payload, url)
        if len(records) != 1:
            raise ParseError(f"{SOURCE}: {url}: expected one statement, got {len(records)}")
        return records[0]
    return _record(payload, url)


def needs_detail(record: dict) -> bool:
    return is_cut(record.get("text"))


def parse_statement(record: dict, url: str) -> TrackedItem:
    """A full statement record -> its item (refuses a record whose text is still cut)."""
    record = _record({"value": record}, url)
    where = f"statement {record['id']} ({url})"
    if needs_detail(record):
        raise ParseError(f"{SOURCE}: {where}: text is cut at 255 characters; the full record is needed")
    try:
        made = date_only(record["dateMade"])
    except (TypeError, ValueError, AttributeError):
        raise ParseError(f"{SOURCE}: {where}: field 'dateMade' is not a date: {record['dateMade']!r}") from None
    title = (record.get("title") or "").strip()
    text = html_to_text(record["text"])
    if not title or not text:
        raise ParseError(f"{SOURCE}: {where}: field {'title' if not title else 'text'!r} is empty")
    uin = (record["uin"] or "").strip() or None
    house = record["house"]
    member = record.get("member")
    return TrackedItem(
        id=f"{ID_PREFIX}{record['id']}",
        source=SOURCE,
        kind="written_statement",
        title=title,
        # Without its uin (a record re-expressed from a published page) the statement's own page cannot be
        # named: the day's Hansard, which prints it, is linked instead of a broken address.
        url=f"{WEBSITE}/written-statements/detail/{made}/{uin}" if uin else f"{HANSARD}/{house}/{made}",
        summary=text.split("\n\n", 1)[0],
        organisation=record["answeringBodyName"],
        status="made",
        published=made,
        body_text=text,
        details={
            "uin": uin,
            "house": house,
            "answering_body_id": record["answeringBodyId"],
            "member": member.get("name") if isinstance(member, dict) else None,
            "member_role": record.get("memberRole"),
            "linked_statements": record.get("linkedStatements") or [],
            "attachments": [{"title": a.get("title"), "url": a.get("url")}
                            for a in record.get("attachments") or [] if isinstance(a, dict)],
        },
    )


def watermark_of(record: dict) -> str | None:
    try:
        return london_iso(record["dateMade"])
    except (TypeError, ValueError, AttributeError, KeyError):
        return None
