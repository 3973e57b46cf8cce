"""GOV.UK Search API and Content API: request URLs and pure parsers to `TrackedItem`.

The spider pages through `/api/search.json` (newest `public_timestamp` first) filtered to the
document types and organisations below, then fetches `/api/content<link>` for each hit.

Assumptions:
- GOV.UK has no strategy document type (the publication schema enum has none); strategies are
  published as `policy_paper`, so a policy paper whose title contains the word "Strategy" or
  "Plan" gets kind `strategy`.
- `withdrawn_notice` counts only when it is a non-empty object (GOV.UK serves `{}` when not
  withdrawn); a withdrawn item has status `withdrawn` whatever its document type.
- `published` is `first_published_at`, falling back to `details.first_public_at` (older content
  items omit the former).
- Datetimes are re-expressed in Europe/London to whole seconds; a datetime without an offset is
  taken as London wall time; a plain `YYYY-MM-DD` is kept as a date.
- `details.attachments` lists every attachment; the document's own are those in
  `featured_attachments` when given, else those not claimed by the outcome or public feedback.
  Legacy items carry attachments as HTML (`documents`, `final_outcome_documents`, ...), read
  from the title links. Calls for evidence use the same `final_outcome_*` keys as consultations.
- Document types outside `KIND_BY_TYPE` (guidance, notice...) raise `ParseError`: the search
  filter should never return them, so one arriving means the source changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Iterator
from urllib.parse import urlencode

from bs4 import BeautifulSoup, CData, NavigableString, Tag

from tracker.contract import TrackedItem
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

SOURCE = "govuk"
WEB_BASE = "https://www.gov.uk"
SEARCH_PAGE_SIZE = 100
SEARCH_MAX_COUNT = 1500
BODY_TEXT_LIMIT = 100_000

KIND_BY_TYPE = {
    "consultation": "consultation",
    "open_consultation": "consultation",
    "closed_consultation": "consultation",
    "consultation_outcome": "consultation",
    "call_for_evidence": "call_for_evidence",
    "open_call_for_evidence": "call_for_evidence",
    "closed_call_for_evidence": "call_for_evidence",
    "call_for_evidence_outcome": "call_for_evidence",
    "policy_paper": "policy_paper",
    "impact_assessment": "impact_assessment",
    "independent_report": "independent_report",
}
STATUS_BY_TYPE = {
    "consultation": "upcoming",
    "call_for_evidence": "upcoming",
    "open_consultation": "open",
    "open_call_for_evidence": "open",
    "closed_consultation": "closed",
    "closed_call_for_evidence": "closed",
    "consultation_outcome": "outcome",
    "call_for_evidence_outcome": "outcome",
}
DEFAULT_DOCUMENT_TYPES = (
    "open_consultation",
    "closed_consultation",
    "consultation_outcome",
    "consultation",
    "open_call_for_evidence",
    "closed_call_for_evidence",
    "call_for_evidence_outcome",
    "call_for_evidence",
    "policy_paper",
    "impact_assessment",
    "independent_report",
)
DEFAULT_ORGANISATIONS = (
    "home-office",
    "hm-treasury",
    "ministry-of-justice",
    "attorney-generals-office",
    "crown-prosecution-service",
    "serious-fraud-office",
    "national-crime-agency",
    "cabinet-office",
    "department-for-business-and-trade",
    "department-for-science-innovation-and-technology",
    "companies-house",
    "hm-revenue-customs",
    "ofcom",
    "financial-conduct-authority",
)
SEARCH_FIELDS = (
    "content_id",
    "link",
    "title",
    "description",
    "public_timestamp",
    "content_store_document_type",
    "organisations",
)
_STRATEGY_TITLE = re.compile(r"\b(strategy|plan)\b", re.IGNORECASE)
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!]|&#?[a-zA-Z0-9]+;")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Elements whose content reads as a paragraph of its own (GOV.UK's govspeak: paragraphs, headings, list items,
#: table rows, definition lists, quotes): each becomes a block of the stored text, blocks separated by a blank line.
_BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
))
#: Marks block edges while the tree is flattened: a control character, which clean_text would drop anyway.
_BLOCK_EDGE = "\x1e"
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")


@dataclass(frozen=True)
class SearchHit:
    """One result of a Search API page."""

    content_id: str | None
    link: str
    public_timestamp: str | None
    document_type: str | None
    title: str | None


def search_url(
    base_url: str,
    document_types: Iterable[str] = DEFAULT_DOCUMENT_TYPES,
    organisations: Iterable[str] = DEFAULT_ORGANISATIONS,
    start: int = 0,
    count: int = SEARCH_PAGE_SIZE,
    fields: Iterable[str] = SEARCH_FIELDS,
) -> str:
    """Build the Search API URL for one page; parameters sorted by name then value."""
    if not 0 <= count <= SEARCH_MAX_COUNT:
        raise ValueError(f"count must be 0..{SEARCH_MAX_COUNT}, got {count}")
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    params = {("order", "-public_timestamp"), ("start", str(start)), ("count", str(count))}
    params |= {("filter_content_store_document_type", t) for t in document_types}
    params |= {("filter_organisations", o) for o in organisations}
    params |= {("fields", f) for f in fields}
    return f"{base_url.rstrip('/')}/api/search.json?{urlencode(sorted(params))}"


def content_url(base_url: str, link: str) -> str:
    """Build the Content API URL for a base path such as `/government/consultations/x`."""
    if not link.startswith("/"):
        raise ValueError(f"GOV.UK link must start with '/', got {link!r}")
    return f"{base_url.rstrip('/')}/api/content{link}"


def search_total(payload: dict) -> int:
    """Return the total number of results a Search API response reports."""
    total = payload.get("total") if isinstance(payload, dict) else None
    if not isinstance(total, int) or isinstance(total, bool):
        raise ParseError(f"{SOURCE}: search response: field 'total' missing or not an integer")
    return total


def parse_search(payload: dict, url: str) -> list[SearchHit]:
    """Parse one Search API page into hits, in the order served."""
    return [parse_search_hit(result, i, url) for i, result in enumerate(search_results(payload, url))]


def search_results(payload: dict, url: str) -> list:
    """The raw `results` list of a Search API page (so a caller can parse hit by hit)."""
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise ParseError(f"{SOURCE}: search {url}: field 'results' missing or not a list")
    return results


def parse_search_hit(result: Any, index: int, url: str) -> SearchHit:
    """Parse the result at `index` of a Search API page."""
    link = result.get("link") if isinstance(result, dict) else None
    if not isinstance(link, str) or not link.startswith("/"):
        raise ParseError(f"{SOURCE}: search {url}: results[{index}]: field 'link' missing or not a path")
    return SearchHit(
        content_id=result.get("content_id"),
        link=link,
        public_timestamp=_date(result.get("public_timestamp"), "public_timestamp", link),
        document_type=result.get("content_store_document_type"),
        title=_text(result.get("title")),
    )


def parse_content(payload: dict, url: str) -> TrackedItem:
    """Parse one Content API content item into a `TrackedItem`."""
    if not isinstance(payload, dict):
        raise ParseError(f"{SOURCE}: {url}: content item is not a JSON object")
    doc = payload.get("base_path") or payload.get("content_id") or url
    content_id = _required(payload, "content_id", doc)
    base_path = _required(payload, "base_path", doc)
    title = _text(_required(payload, "title", doc))
    document_type = _required(payload, "document_type", doc)
    kind = KIND_BY_TYPE.get(document_type)
    if kind is None:
        raise ParseError(f"{SOURCE}: {doc}: field 'document_type' has unsupported value {document_type!r}")
    if kind == "policy_paper" and _STRATEGY_TITLE.search(title or ""):
        kind = "strategy"
    d = payload.get("details")
    if not isinstance(d, dict):
        raise ParseError(f"{SOURCE}: {doc}: field 'details' missing or not an object")

    withdrawn = payload.get("withdrawn_notice")
    if withdrawn is not None and not isinstance(withdrawn, dict):
        raise ParseError(f"{SOURCE}: {doc}: field 'withdrawn_notice' is not an object")
    status = "withdrawn" if withdrawn else STATUS_BY_TYPE.get(document_type, "published")

    everything = {a.get("id"): a for a in _list(d, "attachments", doc) if isinstance(a, dict)}
    outcome_ids = _list(d, "final_outcome_attachments", doc)
    feedback_ids = _list(d, "public_feedback_attachments", doc)
    own_ids = _list(d, "featured_attachments", doc) or [
        i for i in everything if i not in outcome_ids and i not in feedback_ids
    ]
    details: dict[str, Any] = {
        "document_type": document_type,
        "schema_name": payload.get("schema_name"),
        "attachments": _attachments(everything, own_ids, d, "documents", doc),
        "ways_to_respond": d.get("ways_to_respond"),
    }
    if d.get("held_on_another_website_url"):
        details["held_on_another_website_url"] = d["held_on_another_website_url"]
    if document_type.endswith("_outcome") or any(k.startswith("final_outcome_") for k in d):
        details["outcome"] = {
            "date": _date(d.get("final_outcome_publication_date"), "details.final_outcome_publication_date", doc),
            "detail_text": _block_text(d.get("final_outcome_detail")),
            "attachments": _attachments(everything, outcome_ids, d, "final_outcome_documents", doc),
        }
    if any(k.startswith("public_feedback_") for k in d):
        details["public_feedback"] = {
            "date": _date(d.get("public_feedback_publication_date"), "details.public_feedback_publication_date", doc),
            "detail_text": _block_text(d.get("public_feedback_detail")),
            "attachments": _attachments(everything, feedback_ids, d, "public_feedback_documents", doc),
        }
    if withdrawn:
        details["withdrawn"] = {
            "at": _date(withdrawn.get("withdrawn_at"), "withdrawn_notice.withdrawn_at", doc),
            "explanation_text": _block_text(withdrawn.get("explanation")),
        }
    details["change_history_latest_note"] = _latest_note(_list(d, "change_history", doc), doc)
    details["government"] = _government(payload, d)

    links = payload.get("links") if isinstance(payload.get("links"), dict) else {}
    organisations = []
    for i, org in enumerate(links.get("organisations") or []):
        if not isinstance(org, dict) or not org.get("title"):
            raise ParseError(f"{SOURCE}: {doc}: field 'links.organisations[{i}].title' missing")
        organisations.append(_text(org["title"]))
    body = _block_text(d.get("body"))

    return TrackedItem(
        id=f"{SOURCE}:{content_id}",
        source=SOURCE,
        kind=kind,
        title=title,
        url=WEB_BASE + base_path,
        summary=_text(payload.get("description")),
        organisation="; ".join(organisations) or None,
        status=status,
        published=_date(payload.get("first_published_at"), "first_published_at", doc)
        or _date(d.get("first_public_at"), "details.first_public_at", doc),
        updated=_date(payload.get("public_updated_at"), "public_updated_at", doc),
        opens=_date(d.get("opening_date"), "details.opening_date", doc),
        closes=_date(d.get("closing_date"), "details.closing_date", doc),
        body_text=body[:BODY_TEXT_LIMIT] if body else None,
        details=details,
    )


def _required(payload: dict, field: str, doc: str) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"{SOURCE}: {doc}: required field '{field}' missing or empty")
    return value


def _list(details: dict, field: str, doc: str) -> list:
    value = details.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{SOURCE}: {doc}: field 'details.{field}' is not a list")
    return value


def _text(value: Any) -> str | None:
    """Plain text of a string that may hold HTML, whitespace collapsed; None when empty."""
    if value is None:
        return None
    text = str(value)
    if _LOOKS_LIKE_HTML.search(text):
        text = BeautifulSoup(text, "lxml").get_text(" ")
    text = " ".join(text.split())
    return text or None


def _block_text(value: Any) -> str | None:
    """Plain text of block HTML with its structure kept: each paragraph, heading, list item or table row a block of
    its own, blocks separated by a blank line, whitespace collapsed within a block; None when empty.

    Bullets and numbers are not added: a block boundary is what the passage and sentence splitters need. Text
    that is not HTML keeps the paragraphs its blank lines mark."""
    if value is None:
        return None
    text = str(value)
    if _LOOKS_LIKE_HTML.search(text):
        text = "".join(_flatten(BeautifulSoup(text, "lxml")))
    else:
        text = _BLANK_LINE.sub(_BLOCK_EDGE, text)
    blocks = (" ".join(part.split()) for part in text.split(_BLOCK_EDGE))
    return "\n\n".join(block for block in blocks if block) or None


def _flatten(soup: BeautifulSoup) -> Iterator[str]:
    """The document's text in order, a block edge where a block element opens or closes. One pass over the tree,
    keeping the open elements on a stack: hostile nesting costs linear time (bs4's insert_after is quadratic in
    depth). Like get_text(), it leaves out comments, scripts, styles and templates."""
    open_tags: list[Tag] = []
    for node in soup.descendants:
        while open_tags and open_tags[-1] is not node.parent:
            closed = open_tags.pop()
            if closed.name in _BLOCK_TAGS:
                yield _BLOCK_EDGE
            elif closed.name in ("td", "th"):
                yield " "  # cells of a row stay one block but never run together
        if isinstance(node, Tag):
            open_tags.append(node)
            if node.name in _BLOCK_TAGS:
                yield _BLOCK_EDGE
        elif type(node) in (NavigableString, CData):
            yield str(node)


def _date(value: Any, field: str, doc: str) -> str | None:
    """ISO 8601 in Europe/London (seconds precision), a plain date as given, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if _DATE_ONLY.fullmatch(value):
            return value
        try:
            return london_iso(value)
        except ValueError:
            pass
    raise ParseError(f"{SOURCE}: {doc}: field '{field}' is not an ISO 8601 date: {value!r}")


def _absolute(url: str) -> str:
    return WEB_BASE + url if url.startswith("/") else url


def _attachments(everything: dict, ids: list, details: dict, legacy: str, doc: str) -> list[dict]:
    """Resolve attachment ids to {title, url}, then add any legacy HTML attachment blocks."""
    out = []
    for attachment_id in ids:
        attachment = everything.get(attachment_id)
        if attachment is None:
            raise ParseError(f"{SOURCE}: {doc}: attachment id {attachment_id!r} not in 'details.attachments'")
        if not attachment.get("url"):
            raise ParseError(f"{SOURCE}: {doc}: field 'details.attachments[{attachment_id}].url' missing")
        out.append({"title": _text(attachment.get("title")), "url": _absolute(attachment["url"])})
    for block in _list(details, legacy, doc):
        soup = BeautifulSoup(str(block), "lxml")
        link = soup.select_one("h2.title a[href]") or soup.select_one("a[href]")
        if link is not None:
            out.append({"title": _text(link.get_text(" ")), "url": _absolute(link["href"])})
    return out


def _latest_note(history: list, doc: str) -> str | None:
    dated = []
    for i, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise ParseError(f"{SOURCE}: {doc}: field 'details.change_history[{i}]' is not an object")
        when = _date(entry.get("public_timestamp"), f"details.change_history[{i}].public_timestamp", doc)
        moment = datetime.fromisoformat(when if not when or "T" in when else when + "T00:00:00+00:00") if when else None
        dated.append((moment is not None, moment.timestamp() if moment else 0.0, -i, entry))
    if not dated:
        return None
    # Newest first; on a tie the entry listed first wins, as GOV.UK lists newest first.
    return _text(max(dated, key=lambda t: t[:3])[3].get("note"))


def _government(payload: dict, details: dict) -> str | None:
    government = details.get("government")
    if isinstance(government, dict) and government.get("title"):
        return government["title"]
    linked = (payload.get("links") or {}).get("government") or []
    if linked and isinstance(linked[0], dict):
        return linked[0].get("title")
    return None
