"""Written ministerial statements by the configured answering bodies, made since the floor day (a week before the
last good crawl's watermark, as for written questions, else `since`, default 2024-07-17, the session's start);
statements read again are stored as unchanged.
A statement whose listing text was cut is fetched in full; a missing full record is an error naming its URL.
Spider argument `answering_bodies` as for written-questions.
"""
from __future__ import annotations

from typing import Any

from scrapers.parsers import written_statements as parser
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider
from .written_questions import STATEMENTS_SINCE, answering_bodies, floor_day


class WrittenStatementsSpider(TrackerSpider):
    name = "written-statements"
    default_base_url = "https://questions-statements-api.parliament.uk"

    def __init__(self, answering_bodies: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.bodies_arg = answering_bodies
        self.floor_day = floor_day(self.watermark, self.since, STATEMENTS_SINCE)

    async def start(self):
        self.bodies = answering_bodies(self, self.bodies_arg)
        if self.bodies is None:
            return
        yield self.list_request(0)

    def list_request(self, skip: int):
        url = parser.list_url(self.base_url, self.floor_day, self.bodies, skip)
        return self.request(url, self.parse_list, cb_kwargs={"skip": skip})

    def parse_list(self, response, skip: int):
        page = self.read(response, "statements list",
                         lambda r: parser.parse_list(self.json_of(r, "statements list"), r.url))
        if page is UNREAD:
            return
        records, total = page
        self.listing_ok = True
        for record in records:
            if parser.needs_detail(record):
                yield self.request(parser.detail_url(self.base_url, record["id"]), self.parse_detail,
                                   cb_kwargs={"statement_id": record["id"]})
            else:
                yield from self.item(record, response.url)
        next_skip = skip + len(records)
        if records and next_skip < total:
            yield self.list_request(next_skip)

    def parse_detail(self, response, statement_id: int):
        record = self.read(response, f"full record of statement {statement_id} (its listing text was cut)",
                           lambda r: parser.parse_detail(self.json_of(r, "statement detail"), r.url))
        if record is not UNREAD:
            yield from self.item(record, response.url)

    def item(self, record: dict, url: str):
        try:
            item = parser.parse_statement(record, url)
        except ParseError as exc:
            self.record_error(str(exc))
            return
        self.note_watermark(parser.watermark_of(record))
        yield item
