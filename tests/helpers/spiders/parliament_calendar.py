"""Parliament's calendar as the What's On API answers it: two 28-day windows from the crawl's day, the first
answered with the real events of 21 March 2017 and the second with those of 18 April 2017 (both recorded
from the API's earlier host, see tests/fixtures/parliament-calendar/SOURCES.md)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scrapers.parsers import parliament_calendar as parser

from .. import FIXTURES

CALENDAR = FIXTURES / "parliament-calendar"
#: The crawl's clock: Monday 20 March 2017, so both recorded days fall in the two windows asked for.
CLOCK = "2017-03-20T08:00:00+00:00"
DAY = "2017-03-20"


def paths(day: str) -> tuple[str, str]:
    """The two windows a crawl on `day` asks for."""
    first = date.fromisoformat(day)
    starts = [first, first + timedelta(days=parser.WINDOW_DAYS)]
    return tuple(parser.list_url("", s.isoformat(), (s + timedelta(days=parser.WINDOW_DAYS - 1)).isoformat())
                 for s in starts)


def today() -> str:
    """The day a crawl with no clock asks from (London)."""
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


FIRST, SECOND = paths(DAY)


def events(name: str) -> list[dict]:
    return json.loads((CALENDAR / f"{name}.json").read_text(encoding="utf-8"))


def serve(server, first: list[dict] | None = None, second: list[dict] | None = None, day: str = DAY) -> None:
    """The two windows of a crawl on `day` (default the CLOCK's), answered with the recorded days' events."""
    first_path, second_path = paths(day)
    server.add(first_path, json.dumps(events("events_both_houses") if first is None else first))
    server.add(second_path, json.dumps(events("events_commons") if second is None else second))
