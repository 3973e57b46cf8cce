"""Written statements as the API lists and serves them (the listing for the default answering bodies and the
full record by id)."""
from __future__ import annotations

import json

from scrapers.parsers import written_statements as parser
from scrapers.spiders.written_questions import DEFAULT_BODIES

from .. import FIXTURES
from .written_questions import page

STATEMENTS = FIXTURES / "written-statements"
DEFAULT_DAY = "2024-07-17"


def listing_path(day: str = DEFAULT_DAY, skip: int = 0, take: int = parser.PAGE_SIZE) -> str:
    return parser.list_url("", day, DEFAULT_BODIES, skip, take)


def detail_path(statement_id: int) -> str:
    return parser.detail_url("", statement_id)


def statement() -> dict:
    """The Public Sector Fraud Authority statement of 16 October 2025 (re-expressed; see SOURCES.md)."""
    return json.loads((STATEMENTS / "statement_psfa_2025-10-16.json").read_text())["value"]


def cut(record: dict) -> dict:
    """The record as a listing shows it: text cut at 255 characters."""
    return {**record, "text": record["text"][:255]}


def serve_statements(server, day: str = DEFAULT_DAY, records: list[dict] | None = None) -> str:
    """Serve the listing (the statement cut, as listings cut it) and the full record; returns the listing path."""
    full = statement()
    records = [cut(full)] if records is None else records
    server.add(listing_path(day), page(records))
    server.add(detail_path(full["id"]), json.dumps({"value": full, "links": []}))
    return listing_path(day)
