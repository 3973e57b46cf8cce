"""What's On API: the next WINDOWS x WINDOW_DAYS days of Parliament's calendar, one request per window (so a poll
costs at most 2), each kept event stored as an item keyed by the event's id.

Not incremental: every crawl reads the weeks ahead again, so a moved, re-described or cancelled event updates
its item (a new version) and its calendar row. A recess with no business is a real empty answer.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scrapers.parsers import parliament_calendar as parser
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

LONDON = ZoneInfo("Europe/London")
#: Eight weeks ahead, as the forward calendar shows.
WINDOWS = 2


class ParliamentCalendarSpider(TrackerSpider):
    name = "parliament-calendar"
    default_base_url = "https://whatson-api.parliament.uk"
    empty_result_possible = True

    def _today(self) -> date:
        clock = self.settings.get("TRACKER_CLOCK")
        now = datetime.fromisoformat(clock) if clock else datetime.now(LONDON)
        return now.astimezone(LONDON).date()

    async def start(self):
        first = self._today()
        for n in range(WINDOWS):
            start = first + timedelta(days=n * parser.WINDOW_DAYS)
            end = start + timedelta(days=parser.WINDOW_DAYS - 1)
            yield self.request(parser.list_url(self.base_url, start.isoformat(), end.isoformat()), self.parse_list,
                               listing=True)

    def parse_list(self, response):
        if response.status == 404 and "snapshot" in response.flags:
            # A replayed snapshot that did not record this window (the windows follow the clock): said, not
            # failed, as Hansard's searches. A live 404 is an error.
            self.note(f"{self.name}: {response.url}: this window is not in the snapshot and was not replayed")
            self.listing_ok = True
            return
        events = self.read(response, "events list",
                           lambda r: parser.parse_list(self.json_of(r, "events list"), r.url))
        if events is UNREAD:
            return
        self.listing_ok = True
        for event in events:
            if parser.what(event) is None:
                continue
            try:
                yield parser.parse_event(event, response.url)
            except ParseError as exc:
                self.record_error(str(exc))
