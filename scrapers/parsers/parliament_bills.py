"""Parse UK Parliament Bills API payloads (https://bills-api.parliament.uk/api/v1).

Quirks handled (see tests/fixtures/parliament-bills/SOURCES.md): `lastUpdate` has up to 7 fractional
digits and no offset (treated as Europe/London); `formerShortTitle` is null or ""; enacted bills have
`currentHouse` "Unassigned"; `billWithdrawn` is a datetime, not a flag; publications carry documents as
`links`, and an "Act of Parliament" publication links to the Act on legislation.gov.uk when known.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from bs4 import BeautifulSoup

from tracker.contract import Amendment, BillStage, ItemLink, TrackedItem

from .dates import date_only, london_iso
from .errors import ParseError

SOURCE = "parliament-bills"
PAGE_SIZE = 25
STAGES_PAGE_SIZE = 100
AMENDMENTS_PAGE_SIZE = 100
_ACT_URL = re.compile(r"legislation\.gov\.uk/(?:id/)?(ukpga)/(\d{4})/(\d+)")


@dataclass(frozen=True)
class BillSummary:
    """One entry of the bill list: enough to decide whether to fetch the bill."""

    bill_id: int
    short_title: str
    last_update: str


def _ascending(ids: list) -> list:
    """Session ids in ascending order (the API's own order already, in every record seen); other values as given."""
    return sorted(ids) if all(isinstance(i, int) and not isinstance(i, bool) for i in ids) else list(ids)

def list_url(base_url: str, skip: int, take: int = PAGE_SIZE) -> str:
    """The bill list, most recently updated first."""
    query = urlencode({"SortOrder": "DateUpdatedDescending", "Skip": skip, "Take": take})
    return f"{base_url.rstrip('/')}/api/v1/Bills?{query}"


def bill_urls(base_url: str, bill_id: int) -> dict[str, str]:
    """Detail, stages and publications URLs of one bill."""
    root = f"{base_url.rstrip('/')}/api/v1/Bills/{bill_id}"
    return {
        "detail": root,
        "stages": f"{root}/Stages?{urlencode({'Skip': 0, 'Take': STAGES_PAGE_SIZE})}",
        "publications": f"{root}/Publications",
    }


def _require(payload: dict[str, Any], field: str, where: str) -> Any:
    if not isinstance(payload, dict) or field not in payload or payload[field] is None:
        raise ParseError(f"{SOURCE}: {where}: required field {field!r} is missing")
    return payload[field]


def _datetime(value: Any, field: str, where: str) -> str:
    try:
        return london_iso(value)
    except (TypeError, ValueError, AttributeError):
        raise ParseError(f"{SOURCE}: {where}: field {field!r} is not a date: {value!r}") from None


def parse_bill_list(payload: Any, url: str) -> tuple[list[BillSummary], int]:
    """A bill list page -> (summaries, totalResults)."""
    items = _require(payload, "items", url)
    if not isinstance(items, list):
        raise ParseError(f"{SOURCE}: {url}: field 'items' is not a list")
    summaries = []
    for entry in items:
        bill_id = _require(entry, "billId", url)
        where = f"bill {bill_id} in {url}"
        summaries.append(BillSummary(
            bill_id=int(bill_id),
            short_title=_require(entry, "shortTitle", where),
            last_update=_datetime(_require(entry, "lastUpdate", where), "lastUpdate", where),
        ))
    return summaries, int(payload.get("totalResults") or len(summaries))


def _text(html: str | None) -> str:
    if not html:
        return ""
    return " ".join(BeautifulSoup(html, "lxml").get_text(" ").split())


def parse_stages(payload: Any, bill_id: int) -> list[BillStage]:
    """A bill's stages payload -> BillStage list in order."""
    where = f"bill {bill_id} stages"
    stages = []
    for entry in _require(payload, "items", where):
        sittings = [date_only(s["date"]) for s in entry.get("stageSittings") or [] if s.get("date")]
        stages.append(BillStage(
            bill_stage_id=int(_require(entry, "id", where)),
            stage_type_id=int(_require(entry, "stageId", where)),
            stage=_require(entry, "description", where),
            house=entry.get("house") or "Unassigned",
            sort_order=int(entry.get("sortOrder") or 0),
            session_id=entry.get("sessionId"),
            abbreviation=entry.get("abbreviation"),
            sitting_dates=sorted(sittings),
        ))
    return sorted(stages, key=lambda s: (s.sort_order, s.bill_stage_id))


def parse_publications(payload: Any, bill_id: int) -> list[dict[str, Any]]:
    """A bill's publications payload -> compact dicts (title, type, date, links)."""
    where = f"bill {bill_id} publications"
    publications = []
    for entry in _require(payload, "publications", where):
        publications.append({
            "id": entry.get("id"),
            "title": entry.get("title"),
            "type": (entry.get("publicationType") or {}).get("name"),
            "date": date_only(entry["displayDate"]) if entry.get("displayDate") else None,
            "links": [link.get("url") for link in entry.get("links") or [] if link.get("url")],
        })
    return publications


def _status(detail: dict[str, Any]) -> str:
    if detail.get("billWithdrawn"):
        return "withdrawn"
    if detail.get("isDefeated"):
        return "defeated"
    stage = detail.get("currentStage") or {}
    description = stage.get("description") or "unknown stage"
    house = stage.get("house")
    if detail.get("isAct") or house in (None, "Unassigned", "Both"):
        return description
    return f"{house}: {description}"


def _act_links(publications: list[dict[str, Any]]) -> list[ItemLink]:
    for publication in publications:
        if publication.get("type") != "Act of Parliament":
            continue
        for url in publication["links"]:
            match = _ACT_URL.search(url)
            if match:
                act_id = "legislation:" + "/".join(match.groups())
                return [ItemLink(to_id=act_id, relation="enacted_as",
                                 evidence=f"Act of Parliament publication links to {url}")]
    return []


def parse_bill(detail: Any, stages_payload: Any, publications_payload: Any | None, url: str) -> TrackedItem:
    """Detail + stages (+ publications, when served) of one bill -> a TrackedItem."""
    bill_id = int(_require(detail, "billId", url))
    where = f"bill {bill_id}"
    title = _require(detail, "shortTitle", where)
    stages = parse_stages(stages_payload, bill_id)
    publications = parse_publications(publications_payload, bill_id) if publications_payload else []
    sponsors = []
    departments = []
    for sponsor in detail.get("sponsors") or []:
        member = sponsor.get("member") or {}
        organisation = (sponsor.get("organisation") or {}).get("name")
        if organisation and organisation not in departments:
            departments.append(organisation)
        sponsors.append({"name": member.get("name"), "party": member.get("party"),
                         "house": member.get("house"), "organisation": organisation})
    long_title = detail.get("longTitle") or ""
    summary_text = _text(detail.get("summary"))
    sittings = [d for stage in stages for d in stage.sitting_dates]
    current = detail.get("currentStage") or {}
    return TrackedItem(
        id=f"bill:{bill_id}",
        source=SOURCE,
        kind="bill",
        title=title,
        url=f"https://bills.parliament.uk/bills/{bill_id}",
        summary=summary_text or long_title or None,
        organisation="; ".join(departments) or None,
        status=_status(detail),
        published=min(sittings) if sittings else None,
        updated=_datetime(_require(detail, "lastUpdate", where), "lastUpdate", where),
        body_text="\n".join(part for part in (long_title, summary_text) if part) or None,
        details={
            "long_title": long_title,
            "former_short_title": detail.get("formerShortTitle") or None,
            "bill_type_id": detail.get("billTypeId"),
            "current_house": detail.get("currentHouse"),
            "originating_house": detail.get("originatingHouse"),
            # Ascending, so the last is the bill's newest session (contract.NEWEST_SESSION_SQL reads it so).
            "session_ids": _ascending(detail.get("includedSessionIds") or []),
            "is_act": bool(detail.get("isAct")),
            "withdrawn": date_only(detail["billWithdrawn"]) if detail.get("billWithdrawn") else None,
            "defeated": bool(detail.get("isDefeated")),
            "current_stage": {"stage": current.get("description"), "house": current.get("house"),
                              "bill_stage_id": current.get("id")},
            "sponsors": sponsors,
            "publications": publications,
        },
        stages=stages,
        links=_act_links(publications),
    )


# --- amendments ---------------------------------------------------------------------------------------------

def amendments_url(base_url: str, bill_id: int, bill_stage_id: int, skip: int,
                   take: int = AMENDMENTS_PAGE_SIZE) -> str:
    """One page of a bill stage's amendments (every decision)."""
    query = urlencode({"Skip": skip, "Take": take})
    return f"{base_url.rstrip('/')}/api/v1/Bills/{bill_id}/Stages/{bill_stage_id}/Amendments?{query}"


def _whole(value: Any, field: str, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ParseError(f"{SOURCE}: {where}: field {field!r} is not a whole number: {value!r}")
    return int(value)


def parse_amendments(payload: Any, bill_id: int, bill_stage_id: int, url: str) -> tuple[list[Amendment], int]:
    """A page of a stage's amendments -> (amendments, totalResults). `summaryText` lines say where the
    amendment bites ("Clause 1, page 1, line 6, leave out ..."); the listing has no explanatory text."""
    items = _require(payload, "items", url)
    if not isinstance(items, list):
        raise ParseError(f"{SOURCE}: {url}: field 'items' is not a list")
    amendments = []
    for entry in items:
        amendment_id = _whole(_require(entry, "amendmentId", url), "amendmentId", url)
        where = f"amendment {amendment_id} in {url}"
        sponsors = [{"name": s.get("name"), "party": s.get("party"), "house": s.get("house"),
                     "member_id": s.get("memberId"), "lead": bool(s.get("isLead"))}
                    for s in sorted(entry.get("sponsors") or [], key=lambda s: s.get("sortOrder") or 0)]
        summary = entry.get("summaryText") or []
        amendments.append(Amendment(
            amendment_id=amendment_id,
            bill_id=_whole(entry.get("billId") or bill_id, "billId", where),
            bill_stage_id=_whole(entry.get("billStageId") or bill_stage_id, "billStageId", where),
            number=entry.get("marshalledListText") or None,
            dnum=entry.get("dNum") or None,
            amendment_type=entry.get("amendmentType"),
            sponsors=sponsors,
            decision=_require(entry, "decision", where),
            decision_explanation=entry.get("decisionExplanation") or None,
            explanatory_text=_text(entry.get("explanatoryText")) or None,
            clause=_whole(entry.get("clause"), "clause", where),
            schedule=_whole(entry.get("schedule"), "schedule", where),
            summary="\n".join(_text(line) for line in summary if line) or None,
        ))
    return amendments, int(payload.get("totalResults") or len(amendments))


def amendment_url(base_url: str, bill_id: int, bill_stage_id: int, amendment_id: int) -> str:
    """One amendment's detail record (the only place with its explanatory text)."""
    return f"{base_url.rstrip('/')}/api/v1/Bills/{bill_id}/Stages/{bill_stage_id}/Amendments/{amendment_id}"


def parse_amendment_detail(payload: Any, listed: Amendment, url: str) -> Amendment:
    """An amendment's detail record -> the listed amendment with its explanatory text (prefix and text, as the
    Bills API splits "Member's explanatory statement" from the statement), from the detail."""
    amendment_id = _whole(_require(payload, "amendmentId", url), "amendmentId", url)
    if amendment_id != listed.amendment_id:
        raise ParseError(f"{SOURCE}: {url}: detail of amendment {amendment_id}, not {listed.amendment_id}")
    where = f"amendment {amendment_id} in {url}"
    text = " ".join(part for part in (_text(payload.get("explanatoryTextPrefix")),
                                      _text(payload.get("explanatoryText"))) if part)
    return replace(listed, explanatory_text=text or None, decision=_require(payload, "decision", where),
                   decision_explanation=payload.get("decisionExplanation") or listed.decision_explanation,
                   from_detail=True)
