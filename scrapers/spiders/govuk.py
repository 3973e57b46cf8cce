"""GOV.UK: Search API pages newest `public_timestamp` first, then the Content API item of each hit.

Paging stops at the floor: the last good crawl's watermark, else `since` (default 2023-01-01). The
organisations and document types searched come from spider arguments (comma-separated), else the
settings `GOVUK_ORGANISATIONS` / `GOVUK_DOCUMENT_TYPES` (a list or comma-separated text), else the
parser's defaults. `GOVUK_SEARCH_PAGE_SIZE` (default `SEARCH_PAGE_SIZE`, at most `SEARCH_MAX_COUNT`)
and the page cap (spider argument `max_pages`, else `GOVUK_MAX_PAGES`) bound the listing; a capped listing
ends the run partial, so the watermark stays and the documents beyond the cap are not skipped for good.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from scrapers.parsers import govuk as parser
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

DEFAULT_SINCE = "2023-01-01T00:00:00"
DEFAULT_MAX_PAGES = 50


def _names(value: Any) -> tuple[str, ...] | None:
    """A comma-separated string or a list of names -> a tuple of non-empty names; None when unset."""
    if value is None or value == "":
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    names = tuple(str(item).strip() for item in items if str(item).strip())
    return names or None


class GovukSpider(TrackerSpider):
    name = "govuk"
    default_base_url = "https://www.gov.uk"
    # Search is ordered by public_timestamp, which a major update moves: a listed document may have changed.
    listing_orders_by_update = True

    def __init__(self, organisations: str | None = None, document_types: str | None = None,
                 recheck: str | None = None, max_pages: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_pages_arg = max_pages
        # Closing (or opening) does not move public_timestamp, so the search listing never shows it:
        # stored items whose dates have passed are fetched again by base path.
        self.recheck = _names(recheck) or ()
        self.floor = london_iso(self.watermark or self.since or DEFAULT_SINCE)
        self.organisations_arg = _names(organisations)
        self.document_types_arg = _names(document_types)

    async def start(self):
        self.organisations = (self.organisations_arg or _names(self.settings.get("GOVUK_ORGANISATIONS"))
                              or parser.DEFAULT_ORGANISATIONS)
        self.document_types = (self.document_types_arg or _names(self.settings.get("GOVUK_DOCUMENT_TYPES"))
                               or parser.DEFAULT_DOCUMENT_TYPES)
        self.page_size = self.settings.getint("GOVUK_SEARCH_PAGE_SIZE", parser.SEARCH_PAGE_SIZE)
        self.max_pages = self.page_cap(self.max_pages_arg, "GOVUK_MAX_PAGES", DEFAULT_MAX_PAGES)
        if self.max_pages is None:
            return
        unknown = [t for t in self.document_types if t not in parser.KIND_BY_TYPE]
        if unknown:
            self.record_error(f"{self.name}: document types the parser cannot read: {', '.join(unknown)} "
                              f"(known: {', '.join(parser.KIND_BY_TYPE)})")
            return
        if not 1 <= self.page_size <= parser.SEARCH_MAX_COUNT:
            self.record_error(f"{self.name}: GOVUK_SEARCH_PAGE_SIZE must be 1..{parser.SEARCH_MAX_COUNT}, "
                              f"got {self.page_size}")
            return
        yield self.search_request(0, 1)
        for link in self.recheck:
            hit = parser.SearchHit(content_id=None, link=link, public_timestamp=None, document_type=None,
                                   title=None)
            yield self.request(parser.content_url(self.base_url, link), self.parse_content, cb_kwargs={"hit": hit})

    def search_request(self, start: int, page: int):
        url = parser.search_url(self.base_url, self.document_types, self.organisations, start, self.page_size)
        request = self.request(url, self.parse_search, listing=True, cb_kwargs={"start": start, "page": page})
        # A 422 body names the parameter the Search API refused: read it rather than fail blind.
        request.meta["handle_httpstatus_list"] = [404, 410, 422]
        return request

    def parse_search(self, response, start: int, page: int):
        if response.status == 422:
            self.record_error(f"{self.name}: search {response.url}: HTTP 422, the Search API refused the request: "
                              f"{_error_text(response.body)}")
            return
        page_read = self.read(response, "search", self.search_page)
        if page_read is UNREAD:
            return
        results, total = page_read
        if start == 0 and not results:
            # No date filter: the search always finds years of these organisations' documents.
            self.record_error(f"{self.name}: search {response.url}: the first page has no results (total {total}); "
                              f"the Search API or its filters have changed")
            return
        self.listing_ok = True
        reached_floor = False
        for i, result in enumerate(results):
            try:
                hit = parser.parse_search_hit(result, start + i, response.url)
            except ParseError as exc:
                self.record_error(str(exc))
                continue
            if hit.public_timestamp is None:
                # Unplaceable in the order, so it cannot move the watermark; fetch it all the same.
                self.record_error(f"{self.name}: search result {hit.link}: field 'public_timestamp' missing")
            elif _moment(hit.public_timestamp) <= _moment(self.floor):
                reached_floor = True
                break
            else:
                self.note_watermark(london_iso(hit.public_timestamp))
            yield self.request(parser.content_url(self.base_url, hit.link), self.parse_content,
                               cb_kwargs={"hit": hit})
        next_start = start + len(results)
        if reached_floor or not results or next_start >= total:
            return
        if page >= self.max_pages:
            self.page_cap_reached(f"stopped after {self.max_pages} search pages", "documents")
            return
        yield self.search_request(next_start, page + 1)

    def search_page(self, response) -> tuple[list, int]:
        """(results, total) of a Search API page."""
        payload = self.json_of(response, "search")
        return parser.search_results(payload, response.url), parser.search_total(payload)

    def parse_content(self, response, hit: parser.SearchHit):
        if response.status in (404, 410):
            self.record_error(f"{self.name}: {hit.link}: HTTP {response.status}, unpublished or removed "
                              f"(listed by search, content item {response.url})")
            return
        if response.status != 200:
            self.record_error(f"{self.name}: {hit.link}: content item {response.url}: HTTP {response.status}")
            return
        try:
            yield parser.parse_content(self.json_of(response, "content item"), response.url)
        except ParseError as exc:
            self.record_error(f"{exc} (document {hit.link})" if hit.link not in str(exc) else str(exc))


def _moment(value: str) -> datetime:
    """A comparable moment of an ISO date or datetime (a plain date is its London midnight)."""
    return datetime.fromisoformat(london_iso(value))


def _error_text(body: bytes, limit: int = 300) -> str:
    """The `error` of a Search API error body (`{"error": "..."}`), else the body's text, shortened."""
    text = body.decode("utf-8", "replace").strip()
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and payload.get("error"):
        error = payload["error"]
        text = error if isinstance(error, str) else json.dumps(error)
    text = " ".join(text.split())
    return (text[:limit] + "...") if len(text) > limit else (text or "(empty body)")
