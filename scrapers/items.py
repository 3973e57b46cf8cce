"""Typed items every parser returns and every pipeline validates.

The contract between parsers (scrapers/parsers/*) and storage (tracker/store.py):
- `TrackedItem.id` is stable and source-prefixed: `bill:3737`, `govuk:<content_id>`,
  `legislation:uksi/2024/123`, `committees:9437`, `lawcom:<slug>`, `sentencing:<slug>`.
- Dates are ISO 8601 strings. Datetimes carry an offset (Europe/London as published, or UTC);
  plain dates (`YYYY-MM-DD`) are allowed where the source gives only a date.
- `details` holds source-specific data (attachments, sponsors, document type...) as plain JSON.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Kinds of tracked thing, shared across sources (the classifier keys on them).
KINDS = (
    "bill",
    "act",
    "statutory_instrument",
    "commencement_order",
    "consultation",
    "call_for_evidence",
    "policy_paper",
    "strategy",
    "impact_assessment",
    "independent_report",
    "committee_inquiry",
    "law_commission_project",
    "law_commission_consultation",
    "sentencing_consultation",
)

#: Relations an item may have to another (the `links` table).
RELATIONS = ("commences", "enacted_as", "outcome_of", "consults_on", "mentions", "same_reform")


@dataclass
class BillStage:
    """One stage of a bill: a `bill_stages` row."""

    bill_stage_id: int
    stage_type_id: int
    stage: str
    house: str
    sort_order: int
    session_id: int | None = None
    abbreviation: str | None = None
    sitting_dates: list[str] = field(default_factory=list)


@dataclass
class ItemLink:
    """A relation from the item that carries it to another item id."""

    to_id: str
    relation: str
    evidence: str = ""


@dataclass
class TrackedItem:
    """One tracked thing from any source: an `items` row."""

    id: str
    source: str
    kind: str
    title: str
    url: str
    summary: str | None = None
    organisation: str | None = None
    status: str | None = None
    published: str | None = None
    updated: str | None = None
    opens: str | None = None
    closes: str | None = None
    body_text: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    stages: list[BillStage] = field(default_factory=list)
    links: list[ItemLink] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
