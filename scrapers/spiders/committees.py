"""Parliament Committees API: open calls for evidence and newest open business, each fetched in full.

The API has no change field, so there is no watermark: every listed business is fetched each run and
the store tells changed from unchanged by content hash. An empty open-calls list is real (there are
weeks with no call open), but the open-business pass always lists something, so a run that stores
nothing fails (`empty_result_possible = False`); an unreadable list is a recorded error.
"""
from __future__ import annotations

from typing import Any

from scrapers.parsers import committees as parser
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

LISTS = {True: "open calls for evidence list", False: "open business list"}


class CommitteesSpider(TrackerSpider):
    name = "committees"
    default_base_url = "https://committees-api.parliament.uk"
    empty_result_possible = False
    # A poll reads the first page of each list (newly opened business leads the second); crawls read them all.
    poll_reads_first_pages_only = True

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.business_ids: set[int] = set()

    async def start(self):
        # Open calls for evidence, paged to the end; then one page of the newest opened open business.
        for open_only in (True, False):
            yield self.request(parser.list_url(self.base_url, 0, open_only=open_only), self.parse_list,
                               listing=True, cb_kwargs={"skip": 0, "open_only": open_only})

    def parse_list(self, response, skip: int, open_only: bool):
        what = LISTS[open_only]
        listing = self.read(response, what, lambda r: parser.parse_business_list(self.json_of(r, what), r.url))
        if listing is UNREAD:
            return
        summaries, total = listing
        self.listing_ok = True
        for summary in summaries:
            if summary.id in self.business_ids:
                continue
            self.business_ids.add(summary.id)
            yield self.request(parser.detail_url(self.base_url, summary.id), self.parse_detail,
                               cb_kwargs={"business_id": summary.id})
        next_skip = skip + len(summaries)
        if open_only and summaries and next_skip < total:
            yield self.request(parser.list_url(self.base_url, next_skip), self.parse_list, listing=True,
                               cb_kwargs={"skip": next_skip, "open_only": True})

    def parse_detail(self, response, business_id: int):
        detail = self.read(response, "business detail")
        if detail is UNREAD:
            return
        yield self.request(parser.committees_url(self.base_url, business_id), self.parse_committees,
                           cb_kwargs={"detail": detail, "detail_url": response.url})

    def parse_committees(self, response, detail: dict, detail_url: str):
        payload = self.read(response, "committees of business")
        if payload is UNREAD:
            return
        try:
            committees = parser.parse_committees(payload, response.url)
            yield parser.parse_business(detail, committees, detail_url)
        except ParseError as exc:
            self.record_error(str(exc))
