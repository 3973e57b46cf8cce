"""legislation.gov.uk: per-type Atom feeds newest published first, then the CLML of each new entry.

A feed is followed through `rel="next"` (its host rewritten to the configured base URL) until an entry
is older than the floor (the last good crawl's watermark, else `since`, default 2023-01-01) or the
page cap (spider argument `max_pages`, else `LEGISLATION_MAX_PAGES`) is reached; a capped feed ends the
run partial, so the watermark stays and nothing between the cap and the floor is skipped for good. The
watermark is the newest `published` seen (the feeds' sort key; `updated` stands in when an entry has no
`published`).

The feeds' `published` is a day (midnight UTC), so more items may appear on the watermark's own day
after a crawl: entries of that day are fetched again (stored as unchanged) and paging stops at the
first entry older than the watermark. The spider argument `types` (comma-separated, default
ukpga,uksi) chooses the feeds.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapers import settings as project_settings
from scrapers.parsers import legislation as parser
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

DEFAULT_SINCE = "2023-01-01T00:00:00"
DEFAULT_MAX_PAGES = 20
FIRST_CRAWL_MAX_PAGES = 300


class LegislationSpider(TrackerSpider):
    name = "legislation"
    default_base_url = "https://www.legislation.gov.uk"
    # legislation.gov.uk's fair use is 3,000 requests per 5 minutes per client: stay far below it.
    custom_settings = {"DOWNLOAD_DELAY": 0.5, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}

    @classmethod
    def update_settings(cls, settings) -> None:
        """Apply `custom_settings` only where the run left the project value alone.

        Spider settings outrank the per-run overrides scrapers.run applies at project priority
        (`--set`, snapshot replay), which must still win: a run that sets DOWNLOAD_DELAY keeps it.
        """
        for key, value in cls.custom_settings.items():
            if settings.get(key) == getattr(project_settings, key, None):
                settings.set(key, value, priority="spider")

    def __init__(self, types: str | None = None, max_pages: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_pages_arg = max_pages
        self.floor = london_iso(self.watermark or self.since or DEFAULT_SINCE)
        self.doc_types = tuple(t.strip() for t in types.split(",") if t.strip()) if types else parser.DOC_TYPES

    async def start(self):
        # A first crawl back-fills to `since`, which takes far more pages than keeping up does.
        default_pages = DEFAULT_MAX_PAGES if self.watermark else FIRST_CRAWL_MAX_PAGES
        self.max_pages = self.page_cap(self.max_pages_arg, "LEGISLATION_MAX_PAGES", default_pages)
        if self.max_pages is None:
            return
        for doc_type in self.doc_types:
            yield self.request(parser.feed_url(self.base_url, doc_type, 1), self.parse_feed, listing=True,
                               cb_kwargs={"doc_type": doc_type, "page": 1})

    def on_base(self, url: str) -> str:
        """The same path and query on the configured base URL (the site links to its own host)."""
        parts = urlsplit(url)
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def parse_feed(self, response, doc_type: str, page: int):
        feed = self.read(response, f"{doc_type} feed", lambda r: parser.parse_feed(r.body, r.url))
        if feed is UNREAD:
            return
        self.listing_ok = True
        reached_floor = False
        for entry in feed.entries:
            stamp = entry.published or entry.updated
            try:
                moment = london_iso(stamp) if stamp else None
            except ValueError:
                self.record_error(f"{self.name}: feed {response.url} entry {entry.id}: "
                                  f"<published> is not an ISO 8601 date: {stamp!r}")
                continue
            if moment is None:
                self.record_error(f"{self.name}: feed {response.url} entry {entry.id}: no <published> or <updated>")
            elif datetime.fromisoformat(moment) < datetime.fromisoformat(self.floor):
                reached_floor = True
                break
            else:
                self.note_watermark(moment)
            yield self.request(self.on_base(entry.data_xml_url), self.parse_document, cb_kwargs={"entry": entry})
        if reached_floor or not feed.next_url:
            return
        if page >= self.max_pages:
            self.page_cap_reached(f"the {doc_type} feed stopped after {self.max_pages} pages", "entries")
            return
        yield self.request(self.on_base(feed.next_url), self.parse_feed, listing=True,
                           cb_kwargs={"doc_type": doc_type, "page": page + 1})

    def parse_document(self, response, entry: parser.FeedEntry):
        if response.status != 200:
            self.record_error(f"{self.name}: {entry.id}: CLML {response.url}: HTTP {response.status}")
            return
        try:
            yield parser.parse_clml(response.body, response.url)
        except ParseError as exc:
            self.record_error(f"{exc} (feed entry {entry.id})")
