"""The Hansard searches as the API answers them: the re-expressed "economic crime" page for 11 Sep 2024 (see
tests/fixtures/hansard/SOURCES.md), every other phrase answered with no results."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from scrapers.parsers import hansard as parser

from .. import FIXTURES

PAGE = FIXTURES / "hansard" / "search-economic-crime-2024-09-11.re-expressed.json"
#: The crawl these tests run: first crawl since 11 Sep 2024, as of the next morning.
SINCE, CLOCK = "2024-09-11T00:00:00", "2024-09-12T06:00:00+01:00"
START, END = "2024-09-11", "2024-09-12"
EMPTY = {"SearchTerms": None, "SpokenResultCount": 0, "WrittenResultCount": 0, "CorrectionsResultCount": 0,
         "DivisionsResultCount": 0, "Results": [], "TotalResultCount": 0}


def path(phrase: str, skip: int = 0, start: str = START, end: str = END) -> str:
    url = urlsplit(parser.search_url("http://x", phrase, start, end, skip))
    return f"{url.path}?{url.query}"


def serve_searches(server, start: str = START, end: str = END) -> str:
    """Serve every phrase's search; returns the path of the one with results ("economic crime")."""
    for phrase in parser.SEARCH_PHRASES:
        server.add(path(phrase, 0, start, end), json.dumps(EMPTY))
    server.add_file(path("economic crime", 0, start, end), PAGE)
    return path("economic crime", 0, start, end)
