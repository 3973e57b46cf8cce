"""Committee businesses 8247 and 9437 (real CommitteeBusinessSummary and Committee objects, see
tests/fixtures/committees/SOURCES.md) in list pages assembled per test, with their details."""
from __future__ import annotations

import json
from pathlib import Path

from .. import FIXTURES

# Copies of the snapshot slice's bodies: the tests must not change when the snapshot is re-recorded.
SLICE = FIXTURES / "committees"
OPEN_CALLS = "/api/CommitteeBusiness?CurrentlyAcceptingEvidence=true&Skip={skip}&Take=50"
OPEN_NEWEST = "/api/CommitteeBusiness?Status=Open&SortOrder=DateOpenedNewest&Skip=0&Take=50"
DETAIL = "/api/CommitteeBusiness/{id}"
COMMITTEES = "/api/Committees?CommitteeBusinessId={id}"
#: Our published submissions: the search for the default organisation name, and one evidence's document.
EVIDENCE_SEARCH = "/api/WrittenEvidence?SearchTerm=Crown+Prosecution+Service&Skip={skip}&Take=50"
EVIDENCE_DOCUMENT = "/api/WrittenEvidence/{id}/Document/Html"
EVIDENCE_PAGE = SLICE / "written_evidence_search_crown_prosecution_service.json"
EVIDENCE_DOCUMENT_FILE = SLICE / "written_evidence_107622_document_html.json"


def business(business_id: int) -> dict:
    return json.loads((SLICE / f"business_{business_id}.json").read_text())


def committees_file(business_id: int) -> Path:
    """The /api/Committees answer for a business (8247 and 9437 share one: the Administration Committee's)."""
    name = "8247_and_9437" if business_id in (8247, 9437) else str(business_id)
    return SLICE / f"committees_for_{name}.json"


def page(*details: dict, total: int | None = None) -> str:
    return json.dumps({"items": list(details), "totalResults": len(details) if total is None else total,
                       "itemsPerPage": 50, "links": []})


def serve_committees(server, detail_9437: dict | None = None) -> str:
    """Open calls in two pages (8247, then 9437), newest open business (9437 again); returns the list path."""
    detail_9437 = detail_9437 or business(9437)
    server.add(OPEN_CALLS.format(skip=0), page(business(8247), total=2))
    server.add(OPEN_CALLS.format(skip=1), page(detail_9437, total=2))
    server.add(OPEN_NEWEST, page(detail_9437))
    server.add(DETAIL.format(id=8247), json.dumps(business(8247)))
    server.add(DETAIL.format(id=9437), json.dumps(detail_9437))
    for business_id in (8247, 9437):
        server.add_file(COMMITTEES.format(id=business_id), committees_file(business_id))
    # None of our evidence published (the evidence tests serve the CPS's FDF0004 instead).
    server.add(EVIDENCE_SEARCH.format(skip=0), page())
    return OPEN_CALLS.format(skip=0)


def serve_our_evidence(server, document: bool = True) -> None:
    """FDF0004 (re-expressed, see tests/fixtures/committees/SOURCES.md) found by the search, with its document."""
    server.add_file(EVIDENCE_SEARCH.format(skip=0), EVIDENCE_PAGE)
    if document:
        server.add_file(EVIDENCE_DOCUMENT.format(id=107622), EVIDENCE_DOCUMENT_FILE)
