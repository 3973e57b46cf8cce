"""Real documents for the influence-loop tests: the CPS's written evidence FDF0004 (re-expressed Committees API
payloads, tests/fixtures/committees/SOURCES.md) and the GOV.UK Fraud Strategy (tests/fixtures/govuk), as items."""
from __future__ import annotations

import json

from scrapers.parsers import committees, govuk
from tracker.contract import TrackedItem

from . import FIXTURES

EVIDENCE_ID = "committees:evidence-107622"
NOW = "2026-09-14T05:30:00+00:00"
#: The Fraud Strategy's words that answer the demo's first ask.
ANSWER = "put more fraudsters behind bars through better investigation and prosecution processes"


def fdf0004() -> TrackedItem:
    listing = json.loads((FIXTURES / "committees" / "written_evidence_search_crown_prosecution_service.json")
                         .read_text(encoding="utf-8"))
    document = json.loads((FIXTURES / "committees" / "written_evidence_107622_document_html.json")
                          .read_text(encoding="utf-8"))
    return committees.parse_evidence(listing["items"][0], committees.document_html(document, "u"), "u")


def fraud_strategy() -> TrackedItem:
    payload = json.loads((FIXTURES / "govuk" / "content__fraud-strategy.json").read_text(encoding="utf-8"))
    return govuk.parse_content(payload, "https://www.gov.uk/api/content/government/publications/fraud-strategy")
