"""Sentencing Council: the site's RSS feed, then the page of every consultation entry in it.

Every consultation in the feed is fetched each run (the feed is short, and a page changes from
"closes" to "closed" without a new entry); the store tells changed from unchanged by content hash.
A feed that is not RSS or has no `<item>` is a failure; a consultation page without the expected
title and closing sentence is a recorded error naming its URL (the run is then partial).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapers.parsers import sentencing_council as parser
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

SITE_HOST = "sentencingcouncil.org.uk"


class SentencingCouncilSpider(TrackerSpider):
    name = "sentencing-council"
    default_base_url = parser.BASE_URL
    #: A week's feed may carry no consultation at all.
    empty_result_possible = True

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.pages: set[str] = set()

    async def start(self):
        yield self.request(parser.feed_url(self.base_url), self.parse_feed, listing=True)

    def parse_feed(self, response):
        entries = self.read(response, "feed", lambda r: parser.parse_feed(r.body, r.url))
        if entries is UNREAD:
            return
        self.listing_ok = True
        for entry in entries:
            if not entry.is_consultation:
                continue
            url = self.on_base(entry.link)
            if url is None:
                self.logger.warning(f"{self.name}: consultation {entry.link} is not on the site; not fetched")
            elif url not in self.pages:
                self.pages.add(url)
                yield self.request(url, self.parse_consultation)

    def on_base(self, link: str) -> str | None:
        """A site link rebuilt on the configured base URL (feed links name www. or bare hosts alike)."""
        parts = urlsplit(link)
        host = parts.hostname or ""
        if host != SITE_HOST and not host.endswith("." + SITE_HOST):
            return None
        return self.base_url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def parse_consultation(self, response):
        if response.status != 200:
            self.record_error(f"{self.name}: consultation page {response.url}: HTTP {response.status}")
            return
        try:
            yield parser.parse_consultation_page(response.body, response.url)
        except ParseError as exc:
            self.record_error(f"{exc} ({response.url})")
