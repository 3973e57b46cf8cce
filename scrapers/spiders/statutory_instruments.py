"""Statutory Instruments API v2: the instrument list, each new instrument's detail and business items, and the
end of its praying or approval period from the What's On API's procedural dates.

The list has no date filter or order parameter; it comes newest first, so paging stops at the first page
whose instruments were all laid (or made) before the floor. The floor is the last good crawl's watermark less
SCRUTINY_LOOKBACK_DAYS: an instrument still in its scrutiny period is read again (a committee may report on it
later); the store keeps an unchanged one unchanged. An instrument is stored only whole: if its business items
or its period end cannot be read, it is not stored this run (the stored row stays) and the run is partial.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapers.parsers import statutory_instruments as parser
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

SCRUTINY_LOOKBACK_DAYS = 60


class StatutoryInstrumentsSpider(TrackerSpider):
    name = "statutory-instruments"
    default_base_url = "https://statutoryinstruments-api.parliament.uk"
    default_whats_on_url = "https://whatson-api.parliament.uk"

    def __init__(self, whats_on_url: str | None = None, max_pages: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.whats_on_url = (whats_on_url or self.default_whats_on_url).rstrip("/")
        self.allowed_domains.append(urlsplit(self.whats_on_url).hostname)
        self.max_pages_argument = max_pages
        if self.watermark:
            floor = datetime.fromisoformat(self.watermark) - timedelta(days=SCRUTINY_LOOKBACK_DAYS)
            self.floor = floor.date().isoformat()
        else:
            self.floor = (self.since or "2024-07-17")[:10]

    async def start(self):
        self.max_pages = self.page_cap(self.max_pages_argument, "STATUTORY_INSTRUMENTS_MAX_PAGES", 50)
        if self.max_pages is None:
            return
        yield self.request(parser.list_url(self.base_url, 0), self.parse_list, cb_kwargs={"skip": 0, "page": 1})

    def parse_list(self, response, skip: int, page: int):
        listing = self.read(response, "instrument list",
                            lambda r: parser.parse_list(self.json_of(r, "instrument list"), r.url))
        if listing is UNREAD:
            return
        summaries, total = listing
        if skip == 0 and not summaries:
            # The list holds every instrument ever laid, with no date filter: empty means the API changed.
            self.record_error(f"{self.name}: instrument list {response.url}: the first page lists no instruments "
                              f"(totalResults {total}); the API has changed or is misbehaving")
            return
        self.listing_ok = True
        recent = [s for s in summaries if s.first_date is None or s.first_date >= self.floor]
        for summary in recent:
            if summary.first_date:
                self.note_watermark(london_iso(summary.first_date + "T00:00:00"))
            if summary.instrument_id is None:
                # Only a re-expressed record lacks the id the detail is fetched by: store what the list gives.
                self.note(f"{self.name}: {response.url}: {summary.name} has no id; stored from the list entry")
                yield from self.emit({"value": summary.value}, response.url, [], None)
                continue
            yield self.request(parser.detail_url(self.base_url, summary.instrument_id), self.parse_detail)
        next_skip = skip + len(summaries)
        if not recent or not summaries or next_skip >= total:
            return
        if page >= self.max_pages:
            self.page_cap_reached(f"read {page} pages of the instrument list", "instruments")
            return
        yield self.request(parser.list_url(self.base_url, next_skip), self.parse_list,
                           cb_kwargs={"skip": next_skip, "page": page + 1})

    def parse_detail(self, response):
        detail = self.read(response, "instrument")
        if detail is UNREAD:
            return
        value = detail.get("value") if isinstance(detail, dict) else None
        instrument_id = (value or {}).get("id")
        if not instrument_id:
            # Nothing more to ask for without an id; the parser names what is missing.
            yield from self.finish(detail, response.url, [])
            return
        yield self.request(parser.business_url(self.base_url, instrument_id), self.parse_business,
                           cb_kwargs={"detail": detail, "detail_url": response.url})

    def parse_business(self, response, detail: dict, detail_url: str):
        reports: list[dict] = []
        if response.status == 200:
            try:
                reports = parser.parse_business_items(self.json_of(response, "business items"), response.url)
            except ParseError as exc:
                self.record_error(str(exc))
                return
        elif response.status not in (404, 410):  # an instrument with no business yet may have no list
            self.record_error(f"{self.name}: business items {response.url}: HTTP {response.status}")
            return
        yield from self.finish(detail, detail_url, reports)

    def finish(self, detail: dict, detail_url: str, reports: list[dict]):
        try:
            period = parser.scrutiny_period(detail.get("value") or {})
        except ParseError as exc:
            self.record_error(str(exc))
            return
        if period is None:
            yield from self.emit(detail, detail_url, reports, None)
            return
        _, runs_from, days = period
        yield self.request(parser.annulment_url(self.whats_on_url, runs_from, days), self.parse_period_end,
                           cb_kwargs={"detail": detail, "detail_url": detail_url, "reports": reports})

    def parse_period_end(self, response, detail: dict, detail_url: str, reports: list[dict]):
        end = self.read(response, "What's On period end",
                        lambda r: parser.parse_annulment_date(self.json_of(r, "What's On period end"), r.url))
        if end is UNREAD:
            return
        yield from self.emit(detail, detail_url, reports, end)

    def emit(self, detail: dict, detail_url: str, reports: list[dict], period_end: str | None):
        try:
            yield parser.parse_instrument(detail, detail_url, committee_reports=reports, period_end=period_end)
        except ParseError as exc:
            self.record_error(str(exc))
