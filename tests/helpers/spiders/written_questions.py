"""Written questions as the Written Questions API lists and serves them: the three listings (tabled, answered,
corrected since the floor day) for the default answering bodies, and full records by id."""
from __future__ import annotations

import json

from scrapers.parsers import written_questions as parser
from scrapers.spiders.written_questions import DEFAULT_BODIES

from .. import FIXTURES

QUESTIONS = FIXTURES / "written-questions"
DEFAULT_DAY = "2026-01-01"


def listing_path(listing: str, day: str = DEFAULT_DAY, skip: int = 0, take: int = parser.PAGE_SIZE) -> str:
    return parser.list_url("", listing, day, DEFAULT_BODIES, skip, take)


def detail_path(question_id: int) -> str:
    return parser.detail_url("", question_id)


def page(records: list[dict], total: int | None = None) -> str:
    return json.dumps({"totalResults": len(records) if total is None else total,
                       "results": [{"value": r, "links": []} for r in records]})


def tabled_records() -> list[dict]:
    """Seven real Commons questions tabled on 1 November 2024, unanswered when listed."""
    return [r["value"] for r in json.loads((QUESTIONS / "tabled_2024-11-01.json").read_text())["results"]]


def answered_record(question_id: int) -> dict:
    return json.loads((QUESTIONS / f"question_{question_id}_answered.json").read_text())["value"]


def serve_questions(server, day: str = DEFAULT_DAY, tabled: list[dict] | None = None,
                    answered: list[dict] | None = None, corrected: list[dict] | None = None) -> str:
    """Serve the three listings (one page each) and the full record of every question whose text is cut;
    returns the tabled listing's path."""
    tabled = tabled_records() if tabled is None else tabled
    for listing, records in (("tabled", tabled), ("answered", answered or []), ("corrected", corrected or [])):
        server.add(listing_path(listing, day), page(records))
    for record in tabled + (answered or []) + (corrected or []):
        if parser.needs_detail(record):
            server.add(detail_path(record["id"]), json.dumps({"value": answered_record(record["id"]), "links": []}))
    return listing_path("tabled", day)
