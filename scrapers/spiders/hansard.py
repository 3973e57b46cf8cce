"""Hansard API: a fixed set of phrase searches over the sitting days since the last good crawl, one after another;
the contributions found become one item per debate section once every search has answered (or failed).

Incremental by date: the watermark is the last day a good crawl searched up to; the next crawl starts
LATE_DAYS before it, because Hansard publishes a day's text after the sitting (the Lords the next day).

Not polled: its SEARCH_PHRASES searches cannot fit a poll's two requests, and the text a poll could find is
read by the next twice-daily crawl; a poll of this source asks nothing, stores nothing and keeps the watermark.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scrapers.failures import describe, is_network_failure
from scrapers.parsers import hansard as parser

from .base import UNREAD, TrackerSpider

LONDON = ZoneInfo("Europe/London")
#: Days searched again before the watermark: Hansard text arrives after the sitting.
LATE_DAYS = 3
#: A first crawl with no `since` looks back this far.
FIRST_CRAWL_DAYS = 14


class HansardSpider(TrackerSpider):
    name = "hansard"
    default_base_url = "https://hansard-api.parliament.uk"

    def __init__(self, max_pages: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_pages_argument = max_pages
        self.contributions: list[parser.Contribution] = []
        self.queue: list[str] = []
        self.answered = 0
        self.not_in_snapshot: list[str] = []

    def _today(self) -> date:
        clock = self.settings.get("TRACKER_CLOCK")
        now = datetime.fromisoformat(clock) if clock else datetime.now(LONDON)
        return now.astimezone(LONDON).date()

    def _window(self) -> tuple[str, str]:
        end = self._today()
        if self.watermark:
            start = date.fromisoformat(self.watermark[:10]) - timedelta(days=LATE_DAYS)
        elif self.since:
            start = date.fromisoformat(self.since[:10])
        else:
            start = end - timedelta(days=FIRST_CRAWL_DAYS)
        return start.isoformat(), end.isoformat()

    async def start(self):
        if self.settings.getbool("POLL"):
            self.listing_ok = True  # nothing asked on purpose: an ok run that leaves the watermark where it was
            return
        self.max_pages = self.page_cap(self.max_pages_argument, "HANSARD_MAX_PAGES", 5)
        if self.max_pages is None:
            return
        self.start_day, self.end_day = self._window()
        self.floor = self.start_day
        self.queue = [parser.search_url(self.base_url, phrase, self.start_day, self.end_day, 0)
                      for phrase in parser.SEARCH_PHRASES]
        self.phrase_of = {url: phrase for url, phrase in zip(self.queue, parser.SEARCH_PHRASES)}
        for output in self._advance():
            yield output

    def _advance(self):
        """The next search, or, when none is left, the debates found (searches run one at a time)."""
        if self.queue:
            url = self.queue.pop(0)
            yield self.request(url, self.parse_search, errback=self.search_failed,
                               cb_kwargs={"phrase": self.phrase_of[url], "skip": 0, "page": 1})
            return
        if self.not_in_snapshot:
            self.note(f"{self.name}: {len(self.not_in_snapshot)} searches are not in the snapshot and were not "
                      f"replayed: {', '.join(repr(p) for p in self.not_in_snapshot)}")
        if self.answered:
            # Every search answered: the window was read, whatever it held.
            self.note_watermark(self.end_day)
        yield from parser.debate_items(self.contributions)

    def request(self, url: str, callback, errback=None, **kwargs: Any):
        request = super().request(url, callback, **kwargs)
        return request.replace(errback=errback) if errback else request

    def search_failed(self, failure):
        # As on_failure, naming the phrase: a long search URL is shortened in the run record.
        url = failure.request.url
        if is_network_failure(failure):
            self.network_failures += 1
        phrase = failure.request.cb_kwargs.get("phrase")
        self.record_error(f"{self.name}: search for {phrase!r} {url}: request failed: {describe(failure, url)}")
        return list(self._advance())

    def parse_search(self, response, phrase: str, skip: int, page: int):
        if response.status == 404 and "snapshot" in response.flags:
            # A replayed snapshot that did not record this search (another window, say: the window follows the
            # clock): said once at the end, not failed, and the watermark does not move for it. A live 404 is an error.
            self.not_in_snapshot.append(phrase)
            self.listing_ok = True
            yield from self._advance()
            return
        found = self.read(response, f"search for {phrase!r}",
                          lambda r: parser.parse_search(self.json_of(r, f"search for {phrase!r}"), phrase, r.url))
        if found is not UNREAD:
            self.listing_ok = True
            self.answered += 1
            contributions, total = found
            self.contributions.extend(contributions)
            next_skip = skip + len(contributions)
            if contributions and next_skip < total:
                if page >= self.max_pages:
                    self.page_cap_reached(f"the search for {phrase!r} stopped after {page} pages",
                                          f"contributions ({total - next_skip})")
                else:
                    url = parser.search_url(self.base_url, phrase, self.start_day, self.end_day, next_skip)
                    yield self.request(url, self.parse_search, errback=self.search_failed,
                                       cb_kwargs={"phrase": phrase, "skip": next_skip, "page": page + 1})
                    return
        yield from self._advance()
