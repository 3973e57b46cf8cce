"""Parliament Bills API: the bill list newest-updated first, stopping at the last good crawl's watermark."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapers.parsers import parliament_bills as parser
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider


class ParliamentBillsSpider(TrackerSpider):
    name = "parliament-bills"
    default_base_url = "https://bills-api.parliament.uk"
    # The list is ordered by lastUpdate: a bill above the watermark changed, so its detail is fetched again.
    listing_orders_by_update = True

    def __init__(self, skip_amendments: str | None = None, details_read: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        # Amendments whose detail record (the explanatory text) is stored already: listed, not fetched again.
        self.details_read = set(details_read or ())
        # Bills the classifier found not relevant (ids, comma-separated, from the store): their amendments are
        # not fetched. Every other bill's are, so a new bill has them before its first classification.
        self.skip_amendments = {int(i) for i in (skip_amendments or "").split(",") if i.strip().isdigit()}
        # A first crawl goes back only to `since` (default: start of the 2024-26 session).
        self.floor = self.watermark or london_iso(self.since or "2024-07-17T00:00:00")

    async def start(self):
        yield self.request(parser.list_url(self.base_url, 0), self.parse_list, listing=True, cb_kwargs={"skip": 0})

    def parse_list(self, response, skip: int):
        listing = self.read(response, "bill list",
                            lambda r: parser.parse_bill_list(self.json_of(r, "bill list"), r.url))
        if listing is UNREAD:
            return
        summaries, total = listing
        if skip == 0 and not summaries:
            # The list covers every bill ever introduced, newest first: empty means the API changed.
            self.record_error(f"{self.name}: bill list {response.url}: the first page lists no bills "
                              f"(totalResults {total}); the API has changed or is misbehaving")
            return
        self.listing_ok = True
        reached_floor = False
        for summary in summaries:
            if datetime.fromisoformat(summary.last_update) <= datetime.fromisoformat(self.floor):
                reached_floor = True
                break
            self.note_watermark(summary.last_update)
            urls = parser.bill_urls(self.base_url, summary.bill_id)
            yield self.request(urls["detail"], self.parse_detail, cb_kwargs={"urls": urls})
        next_skip = skip + len(summaries)
        if not reached_floor and summaries and next_skip < total:
            yield self.request(parser.list_url(self.base_url, next_skip), self.parse_list, listing=True,
                               cb_kwargs={"skip": next_skip})

    def parse_detail(self, response, urls: dict[str, str]):
        detail = self.read(response, "bill detail")
        if detail is UNREAD:
            return
        yield self.request(urls["stages"], self.parse_stages, cb_kwargs={"urls": urls, "detail": detail})

    def parse_stages(self, response, urls: dict[str, str], detail: dict):
        stages = self.read(response, "bill stages")
        if stages is UNREAD:
            return
        bill_id = int(detail.get("billId") or 0)
        if bill_id and bill_id not in self.skip_amendments:
            try:
                stage_ids = [stage.bill_stage_id for stage in parser.parse_stages(stages, bill_id)]
            except (ParseError, TypeError, ValueError, KeyError, AttributeError):
                stage_ids = []  # parse_bill below records what is wrong with the stages
            for stage_id in stage_ids:
                yield self.request(parser.amendments_url(self.base_url, bill_id, stage_id, 0), self.parse_amendments,
                                   cb_kwargs={"bill_id": bill_id, "stage_id": stage_id, "skip": 0})
        yield self.request(urls["publications"], self.parse_publications,
                           cb_kwargs={"detail": detail, "stages": stages})

    def parse_publications(self, response, detail: dict, stages: dict):
        publications = None
        if response.status == 200:
            try:
                publications = self.json_of(response, "bill publications")
            except ParseError as exc:
                self.record_error(str(exc))
                return
        elif response.status not in (404, 410):
            self.record_error(f"{self.name}: bill publications {response.url}: HTTP {response.status}")
            return
        try:
            yield parser.parse_bill(detail, stages, publications, response.url)
        except ParseError as exc:
            self.record_error(str(exc))

    def parse_amendments(self, response, bill_id: int, stage_id: int, skip: int):
        if response.status in (404, 410):
            return  # a stage that takes no amendments (or a snapshot without them)
        page = self.read(response, "bill amendments",
                         lambda r: parser.parse_amendments(self.json_of(r, "bill amendments"), bill_id, stage_id,
                                                           r.url))
        if page is UNREAD:
            return
        amendments, total = page
        for amendment in amendments:
            if amendment.amendment_id in self.details_read:
                yield amendment
            else:
                yield self.request(parser.amendment_url(self.base_url, bill_id, stage_id, amendment.amendment_id),
                                   self.parse_amendment_detail, cb_kwargs={"listed": amendment})
        next_skip = skip + len(amendments)
        if amendments and next_skip < total:
            yield self.request(parser.amendments_url(self.base_url, bill_id, stage_id, next_skip),
                               self.parse_amendments,
                               cb_kwargs={"bill_id": bill_id, "stage_id": stage_id, "skip": next_skip})

    def parse_amendment_detail(self, response, listed):
        detail = self.read(response, "amendment detail",
                           lambda r: parser.parse_amendment_detail(self.json_of(r, "amendment detail"), listed, r.url))
        # Without its detail the amendment is still stored as listed (the run is partial, so it is asked again).
        yield listed if detail is UNREAD else detail
