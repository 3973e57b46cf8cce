"""Written questions and answers for the configured answering bodies, incremental by date.

Three listings from the floor day (the last good crawl's watermark, else `since`, default 2026-01-01): questions
tabled, answered and corrected since then, so a question reappears when its holding answer, substantive answer or
correction arrives and the store versions it. The API's dates are days, and a question can reach the API a day or
two after the date it was tabled, so an incremental crawl reads again from REREAD before the watermark
(stored as unchanged). A poll reads only the answered and tabled listings (POLL_LISTINGS). A record whose text the listing cut is fetched in full; a missing full record is an error
naming its URL, and nothing is stored for that question.

Spider argument `answering_bodies` (comma-separated ids, `[sources.written-questions]` in the config) chooses
the departments; the default ids were read from real API records (tests/fixtures/written-questions/SOURCES.md).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scrapers.parsers import written_questions as parser
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

DEFAULT_SINCE = "2026-01-01T00:00:00"
#: Statements are few: a first crawl reads them back to the start of the 2024-26 session.
STATEMENTS_SINCE = "2024-07-17T00:00:00"
#: Home Office, Ministry of Justice, Treasury, Cabinet Office, FCDO, Department for Business and Trade and the
#: Attorney General's Office (88, which the API names "Attorney General"), ids as real API records give them.
DEFAULT_BODIES = (1, 54, 14, 53, 208, 214, 88)
#: What a poll reads (scrapers/polling.py: at most 2 requests a source when nothing changed): new answers and new
#: questions. Corrections are rarer and less urgent; the twice-daily crawls read them.
POLL_LISTINGS = ("answered", "tabled")
#: How far before the watermark an incremental crawl reads again: records reach the API a day or two after the
#: date they carry; re-read ones are stored as unchanged.
REREAD = timedelta(days=7)


def floor_day(watermark: str | None, since: str | None, default: str) -> str:
    """The first day the listings ask for: REREAD before the last good crawl's watermark, else `since`."""
    if watermark:
        return (datetime.fromisoformat(london_iso(watermark)) - REREAD).date().isoformat()
    return london_iso(since or default)[:10]


def answering_bodies(spider: TrackerSpider, value: str | None) -> tuple[int, ...] | None:
    """The answering body ids from the spider argument, else the default; None (error recorded) if unreadable."""
    if value in (None, ""):
        return DEFAULT_BODIES
    try:
        bodies = tuple(int(part) for part in str(value).split(",") if part.strip())
    except ValueError:
        bodies = ()
    if not bodies:
        spider.record_error(f"{spider.name}: answering_bodies must be comma-separated answering body ids, "
                            f"got {value!r}")
        return None
    return bodies


class QuestionsStatementsSpider(TrackerSpider):
    """What written questions and written statements share (one API): listings for the answering bodies from the
    floor day, paged by `skip`; each record stored once; a record whose listing text was cut fetched in full.
    A subclass names its parser module, the noun of its records, its first crawl's default day and listings."""

    default_base_url = "https://questions-statements-api.parliament.uk"
    parser: Any = None
    noun = ""
    default_since = DEFAULT_SINCE

    def __init__(self, answering_bodies: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.bodies_arg = answering_bodies
        self.floor_day = floor_day(self.watermark, self.since, self.default_since)
        self.seen: set[int] = set()

    def listings(self) -> tuple[str, ...]:
        raise NotImplementedError

    def list_url(self, listing: str, skip: int) -> str:
        raise NotImplementedError

    def parse_record(self, record: dict, url: str):
        raise NotImplementedError

    async def start(self):
        self.bodies = answering_bodies(self, self.bodies_arg)
        if self.bodies is None:
            return
        for listing in self.listings():
            yield self.list_request(listing, 0)

    def list_request(self, listing: str, skip: int):
        return self.request(self.list_url(listing, skip), self.parse_list, cb_kwargs={"listing": listing, "skip": skip})

    def parse_list(self, response, listing: str, skip: int):
        what = f"{listing} {self.noun}s list".lstrip()
        page = self.read(response, what, lambda r: self.parser.parse_list(self.json_of(r, what), r.url))
        if page is UNREAD:
            return
        records, total = page
        self.listing_ok = True
        for record in records:
            if record["id"] in self.seen:
                continue
            self.seen.add(record["id"])
            if self.parser.needs_detail(record):
                yield self.request(self.parser.detail_url(self.base_url, record["id"]), self.parse_detail,
                                   cb_kwargs={"record_id": record["id"]})
            else:
                yield from self.item(record, response.url)
        next_skip = skip + len(records)
        if records and next_skip < total:
            yield self.list_request(listing, next_skip)

    def parse_detail(self, response, record_id: int):
        record = self.read(response, f"full record of {self.noun} {record_id} (its listing text was cut)",
                           lambda r: self.parser.parse_detail(self.json_of(r, f"{self.noun} detail"), r.url))
        if record is not UNREAD:
            yield from self.item(record, response.url)

    def item(self, record: dict, url: str):
        try:
            item = self.parse_record(record, url)
        except ParseError as exc:
            self.record_error(str(exc))
            return
        self.note_watermark(self.parser.watermark_of(record))
        yield item


class WrittenQuestionsSpider(QuestionsStatementsSpider):
    name = "written-questions"
    parser = parser
    noun = "question"

    def listings(self) -> tuple[str, ...]:
        return POLL_LISTINGS if self.settings.getbool("POLL") else tuple(parser.LISTINGS)

    def list_url(self, listing: str, skip: int) -> str:
        return parser.list_url(self.base_url, listing, self.floor_day, self.bodies, skip)

    def parse_record(self, record: dict, url: str):
        return parser.parse_question(record, url)
