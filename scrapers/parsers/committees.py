"""UK Parliament Committees API (committees-api.parliament.uk): committee business -> TrackedItem.

Request plan (the spider owns the requests; these helpers only build URLs):

1. `list_url(base, skip)`: `/api/CommitteeBusiness?CurrentlyAcceptingEvidence=true&Skip={skip}&Take=50`,
   with Skip += 50 while `skip + len(items) < totalResults` (the unfiltered list returns decades of
   closed business; this filter returns only calls for evidence open now).
   `list_url(base, skip, open_only=False)` adds the "recently opened" pass:
   `/api/CommitteeBusiness?Status=Open&SortOrder=DateOpenedNewest&Skip=0&Take=50`, which also finds
   inquiries that are running but not (or no longer) taking written evidence.
2. For each summary: `detail_url(base, id)` = `/api/CommitteeBusiness/{id}` (adds `scope`) and
   `committees_url(base, id)` = `/api/Committees?CommitteeBusinessId={id}` (neither list nor detail
   names the committee).
`parse_business(detail, committees, url)` builds the item; `parse_committees` reads step 2's second call.
Dates have no offset in the API; they are London wall-clock times and are emitted with the offset.
"""
from __future__ import annotations

import base64
import binascii
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from tracker.contract import TrackedItem
from scrapers.parsers import dates
from scrapers.parsers.errors import ParseError

SOURCE = "committees"
WEBSITE = "https://committees.parliament.uk"
PAGE_SIZE = 50


@dataclass
class BusinessSummary:
    """One CommitteeBusiness list entry: enough to decide whether to fetch the detail."""

    id: int
    title: str
    type: str | None
    open_date: str | None
    close_date: str | None
    open_submission_periods: list[dict[str, Any]] = field(default_factory=list)


def list_url(base_url: str, skip: int = 0, open_only: bool = True, take: int = PAGE_SIZE) -> str:
    """A page of committee business: open calls for evidence, or newest opened open business."""
    if open_only:
        params = {"CurrentlyAcceptingEvidence": "true", "Skip": skip, "Take": take}
    else:
        params = {"Status": "Open", "SortOrder": "DateOpenedNewest", "Skip": skip, "Take": take}
    return f"{base_url.rstrip('/')}/api/CommitteeBusiness?{urlencode(params)}"


def detail_url(base_url: str, business_id: int) -> str:
    """One committee business item with its scope."""
    return f"{base_url.rstrip('/')}/api/CommitteeBusiness/{business_id}"


def committees_url(base_url: str, business_id: int) -> str:
    """The committees that own one business item."""
    return f"{base_url.rstrip('/')}/api/Committees?{urlencode({'CommitteeBusinessId': business_id})}"


def london_iso(value: str | None, field_name: str = "date", where: str = "") -> str | None:
    """`2025-11-11T00:00:00` (London wall clock, no offset) -> `2025-11-11T00:00:00+00:00`; None stays None."""
    if not value:
        return None
    try:
        return dates.london_iso(value)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"{SOURCE}: {where} field {field_name} is not an ISO datetime: {value!r}") from exc


def _unwrap(item: Any) -> Any:
    # Some Parliament APIs wrap list items as {"value": {...}, "links": [...]}.
    return item.get("value", item) if isinstance(item, dict) and isinstance(item.get("value"), dict) else item


def _items(payload: Any, url: str) -> list[dict]:
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise ParseError(f"{SOURCE}: list {url} has no items array")
    return [_unwrap(i) for i in payload["items"]]


def _summary(item: Any, url: str) -> BusinessSummary:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise ParseError(f"{SOURCE}: list {url} has an item without an integer id")
    where = f"business {item['id']} in {url}"
    title = (item.get("title") or "").strip()
    if not title:
        raise ParseError(f"{SOURCE}: {where} has no title")
    periods = item.get("openSubmissionPeriods") or []
    if not isinstance(periods, list):
        raise ParseError(f"{SOURCE}: {where} field openSubmissionPeriods is not a list")
    return BusinessSummary(
        id=item["id"],
        title=title,
        type=(item.get("type") or {}).get("name"),
        open_date=london_iso(item.get("openDate"), "openDate", where),
        close_date=london_iso(item.get("closeDate"), "closeDate", where),
        open_submission_periods=periods,
    )


def parse_business_list(payload: Any, url: str) -> tuple[list[BusinessSummary], int]:
    """Parse a `/api/CommitteeBusiness` page into summaries and the reported total."""
    items = _items(payload, url)
    total = payload.get("totalResults")
    if not isinstance(total, int):
        raise ParseError(f"{SOURCE}: list {url} field totalResults is missing or not an integer")
    return [_summary(i, url) for i in items], total


def parse_committees(payload: Any, url: str) -> list[dict]:
    """Parse `/api/Committees?CommitteeBusinessId=` into committee objects."""
    committees = _items(payload, url)
    for committee in committees:
        if not isinstance(committee, dict) or not (committee.get("name") or "").strip():
            raise ParseError(f"{SOURCE}: committees list {url} has a committee without a name")
    return committees


class _Text(HTMLParser):
    """Collects text, turning block ends into paragraph breaks and list items into bullets."""

    BLOCKS = {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(value: str | None) -> str | None:
    """Scope HTML -> plain text with paragraph breaks kept."""
    if not value:
        return None
    parser = _Text()
    parser.feed(value)
    parser.close()
    text = html.unescape("".join(parser.parts)).replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text or None


def _period(p: dict, where: str) -> dict:
    return {
        "id": p.get("id"),
        "start": london_iso(p.get("startDate"), "startDate", where),
        "end": london_iso(p.get("endDate"), "endDate", where),
        "type": p.get("submissionType"),
        "status_message": p.get("statusMessage"),
    }


def _closes(periods: list[dict]) -> tuple[str | None, bool]:
    """Deadline of the open call: the earliest stated end; rolling when no open period has one."""
    ends = sorted(p["end"] for p in periods if p["end"])
    if ends:
        return ends[0], False
    return None, bool(periods)


def parse_business(detail: Any, committees: list | None, url: str) -> TrackedItem:
    """Build the TrackedItem for one `/api/CommitteeBusiness/{id}` detail and its committees."""
    if not isinstance(detail, dict) or not isinstance(detail.get("id"), int):
        raise ParseError(f"{SOURCE}: business detail {url} has no integer id")
    business_id = detail["id"]
    where = f"business {business_id} ({url})"
    title = (detail.get("title") or "").strip()
    if not title:
        raise ParseError(f"{SOURCE}: {where} has no title")
    for key in ("openSubmissionPeriods", "closedSubmissionPeriods"):
        if not isinstance(detail.get(key) or [], list):
            raise ParseError(f"{SOURCE}: {where} field {key} is not a list")
    open_periods = [_period(p, where) for p in detail.get("openSubmissionPeriods") or []]
    closed_periods = [_period(p, where) for p in detail.get("closedSubmissionPeriods") or []]
    closes, rolling = _closes(open_periods)
    report = detail.get("latestReport")
    close_date = london_iso(detail.get("closeDate"), "closeDate", where)
    if open_periods:
        status = "open for evidence"
    elif report:
        status = "reported"
    elif close_date:
        status = "closed"
    else:
        status = "evidence closed"

    names = []
    for committee in committees or []:
        name = committee if isinstance(committee, str) else (_unwrap(committee) or {}).get("name")
        if name and name not in names:
            names.append(name)

    details = {
        "type": (detail.get("type") or {}).get("name"),
        "close_date": close_date,
        "rolling": rolling,
        "submission_periods": {"open": open_periods, "closed": closed_periods},
        "latest_report": _report(report, where),
        "related_links": _related(detail.get("relatedInformation")),
        "committee_ids": [(_unwrap(c) or {}).get("id") for c in committees or [] if isinstance(c, dict)],
    }
    session = _session(detail.get("nextOralEvidenceSession"), where)
    if session:
        # Only when scheduled, so the stored details (and content hash) of every other inquiry stay as they were.
        details["next_oral_evidence_session"] = session
    return TrackedItem(
        id=f"{SOURCE}:{business_id}",
        source=SOURCE,
        kind="committee_inquiry",
        title=title,
        url=f"{WEBSITE}/work/{business_id}/",
        summary=html_to_text(detail.get("scope")),
        organisation="; ".join(names) or None,
        status=status,
        opens=london_iso(detail.get("openDate"), "openDate", where),
        closes=closes,
        details=details,
    )


def _session(session: Any, where: str) -> dict | None:
    """The next oral evidence session (an ActivitySummary) -> {id, name, start, end}, or None when none is set."""
    if not isinstance(session, dict) or not session.get("startDate"):
        return None
    return {"id": session.get("id"), "name": session.get("name"),
            "start": london_iso(session.get("startDate"), "nextOralEvidenceSession.startDate", where),
            "end": london_iso(session.get("endDate"), "nextOralEvidenceSession.endDate", where)}


def _report(report: Any, where: str) -> dict | None:
    if not isinstance(report, dict):
        return None
    return {
        "id": report.get("id"),
        "description": report.get("description"),
        "published": london_iso(report.get("publicationStartDate"), "latestReport.publicationStartDate", where),
        "type": (report.get("type") or {}).get("name"),
    }


def _related(value: Any) -> list[dict]:
    links = []
    for item in value or []:
        if isinstance(item, dict) and item.get("url"):
            links.append({"url": item["url"], "title": item.get("title") or item.get("description")})
    return links


# --- Our published submissions: written evidence under the directorate's organisation names -----------------

EVIDENCE_PAGE_SIZE = 50


def evidence_search_url(base_url: str, name: str, skip: int = 0) -> str:
    """Written evidence whose witnesses, organisations or reference match `name` (the API's SearchTerm)."""
    params = {"SearchTerm": name, "Skip": skip, "Take": EVIDENCE_PAGE_SIZE}
    return f"{base_url.rstrip('/')}/api/WrittenEvidence?{urlencode(params)}"


def evidence_document_url(base_url: str, evidence_id: int) -> str:
    """One piece of written evidence as HTML (a DocumentFileDetail whose `data` is base64)."""
    return f"{base_url.rstrip('/')}/api/WrittenEvidence/{evidence_id}/Document/Html"


def _folded(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def evidence_organisations(item: dict) -> list[str]:
    """The organisations (or, failing those, the witnesses' names) a piece of evidence is published under."""
    names: list[str] = []
    for witness in item.get("witnesses") or []:
        if not isinstance(witness, dict):
            continue
        for organisation in witness.get("organisations") or []:
            name = (organisation or {}).get("name") if isinstance(organisation, dict) else None
            if name and name.strip() not in names:
                names.append(name.strip())
        if not witness.get("organisations") and (witness.get("name") or "").strip():
            names.append(witness["name"].strip())
    return names


def parse_evidence_list(payload: Any, url: str, ours: list[str]) -> tuple[list[dict], int, int]:
    """(the items published under one of `ours`, how many items the page held, totalResults).

    SearchTerm matches loosely (any witness, organisation or reference containing the words), so the
    names are compared exactly, ignoring case and spacing: "Crown Prosecution Service Inspectorate" is not us."""
    items = _items(payload, url)
    total = payload.get("totalResults")
    if not isinstance(total, int):
        raise ParseError(f"{SOURCE}: written evidence list {url} field totalResults is missing or not an integer")
    wanted = {_folded(n) for n in ours}
    matched = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            raise ParseError(f"{SOURCE}: written evidence list {url} has an item without an integer id")
        if any(_folded(n) in wanted for n in evidence_organisations(item)):
            matched.append(item)
    return matched, len(items), total


def document_html(payload: Any, url: str) -> str:
    """The HTML inside a DocumentFileDetail (`data`, base64)."""
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, str) or not data:
        raise ParseError(f"{SOURCE}: evidence document {url} has no data")
    try:
        return base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ParseError(f"{SOURCE}: evidence document {url} field data is not base64 UTF-8 text: {exc}") from exc


def parse_evidence(item: dict, html_text: str | None, url: str) -> TrackedItem:
    """Build the TrackedItem for one piece of written evidence, with its text where the document was read."""
    evidence_id = item["id"]
    where = f"written evidence {evidence_id} ({url})"
    organisations = evidence_organisations(item)
    reference = (item.get("internalReference") or "").strip() or None
    who = "; ".join(organisations) or "Anonymous"
    title = f"{who} – Written evidence" + (f" ({reference})" if reference else "")
    business = item.get("committeeBusiness") if isinstance(item.get("committeeBusiness"), dict) else {}
    periods = [_period(p, where) for p in (business.get("closedSubmissionPeriods") or [])
               + (business.get("openSubmissionPeriods") or []) if isinstance(p, dict)]
    ends = sorted(p["end"] for p in periods if p["end"])
    committees = [c.get("name") for c in item.get("committees") or [] if isinstance(c, dict) and c.get("name")]
    body = html_to_text(html_text)
    # What it was evidence to, in words: the inquiry's title names the subject (often the only place it does,
    # as the evidence itself may open with who the witness is), so search and classification see it.
    inquiry = (business.get("title") or "").strip()
    to_whom = " and ".join(committees)
    summary = (f"Written evidence to {to_whom or 'a committee'}" + (f", inquiry: {inquiry}" if inquiry else "")
               if inquiry or to_whom else None)
    return TrackedItem(
        id=f"{SOURCE}:evidence-{evidence_id}",
        source=SOURCE,
        kind="written_evidence",
        title=title,
        url=f"{WEBSITE}/writtenevidence/{evidence_id}/html/",
        summary=summary,
        organisation=who,
        status="published",
        published=london_iso(item.get("publicationDate"), "publicationDate", where),
        body_text=body,
        details={
            "reference": reference,
            "committee_business": {"id": business.get("id"), "title": business.get("title")} if business else None,
            "committees": committees,
            # The call it answered closed then: a submission was in by this time (used when its date is unknown).
            "call_closed": ends[-1] if ends else None,
            "text_read": body is not None,
        },
    )
