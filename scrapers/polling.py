"""Cheap polls: conditional listing requests, robots.txt reused for up to a day, no refetch of known details.

A poll (setting `POLL`, `scrapers.run --poll`) differs from a crawl only here, in downloader middlewares, so
every spider gets it without code of its own:

- A start request (the first listing page) carries the ETag / Last-Modified the last good crawl stored for
  its URL; a 304 ends that listing as "nothing new" (`NotModified`, which the base spider's errback
  counts as a listing read).
- robots.txt stored by an earlier crawl is reused for up to 24 hours (RFC 9309 section 2.4 allows this),
  so a poll spends its requests on listings only.
- A listing that answered 404 or 410 in the last good crawl (a type the source does not expose) is not
  asked again by a poll.
- A spider whose listings are in no useful order for news (`poll_reads_first_pages_only`) has only their
  first pages read.
- When a spider's listing is not ordered by last update (`listing_orders_by_update` False: the listing
  shows new items, not changed ones), a detail URL fetched before is not fetched again; the scheduled
  crawls still fetch every detail and catch changes to known items.

What was learnt is written back by `scrapers.run` after the run is judged: validators and known URLs only
after an ok run (like the watermark), robots.txt always.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.misc import build_from_crawler

from tracker.store import db as tracker_db
from tracker.store import http_validators
from tracker.store.http_validators import Validator

ROBOTS_FRESH_FOR = timedelta(hours=24)


class NotModified(IgnoreRequest):
    """The listing answered 304: nothing changed since the last good crawl."""


class SkippedByPoll(IgnoreRequest):
    """A poll skipped a detail page fetched before, a listing known absent, or a later page of a listing in no
    useful order (the scheduled crawls ask for all of them)."""


ABSENT = (404, 410)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _is_robots(url: str) -> bool:
    return urlsplit(url).path == "/robots.txt"


class HttpMemory:
    """One crawl's view of `http_validators` for its source, and what it learnt, kept on the crawler."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.poll = crawler.settings.getbool("POLL")
        self.source = crawler.spidercls.name
        self.db_path = crawler.settings.get("TRACKER_DB")
        self._known: dict[str, Validator] | None = None
        self.learnt: dict[str, Validator] = {}
        self.robots: dict[str, Validator] = {}

    @classmethod
    def of(cls, crawler) -> "HttpMemory":
        memory = getattr(crawler, "tracker_http_memory", None)
        if memory is None:
            memory = crawler.tracker_http_memory = cls(crawler)
        return memory

    @property
    def known(self) -> dict[str, Validator]:
        if self._known is None:
            self._known = {}
            if self.db_path:
                database = tracker_db.connect(self.db_path)
                try:
                    self._known = http_validators.load(database, self.source)
                finally:
                    database.close()
        return self._known

    def learn(self, url: str, status: int, etag: str | None = None, last_modified: str | None = None) -> None:
        self.learnt[url] = Validator(url, self.source, _now().isoformat(timespec="seconds"), status, etag,
                                     last_modified)

    def learn_robots(self, url: str, body: bytes) -> None:
        self.robots[url] = Validator(url, self.source, _now().isoformat(timespec="seconds"), body=body)

    def fresh_robots(self, url: str) -> bytes | None:
        stored = self.known.get(url)
        if stored is None or stored.body is None:
            return None
        if _now() - datetime.fromisoformat(stored.fetched_at) > ROBOTS_FRESH_FOR:
            return None
        return stored.body

    def save(self, database, run_ok: bool) -> int:
        """Write robots.txt always; validators and known URLs only when the run was ok."""
        rows = list(self.robots.values()) + (list(self.learnt.values()) if run_ok else [])
        return http_validators.save(database, rows)


def _header(response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class ConditionalRequestMiddleware:
    """In a poll: conditional start requests, a 304 as NotModified, known details skipped. Always: remember
    each fetched URL's validators (saved after an ok run)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.memory = HttpMemory.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        if not self.memory.poll or _is_robots(request.url):
            return None
        spider = spider or self.crawler.spider
        stored = self.memory.known.get(request.url)
        if request.meta.get("is_start_request"):
            if stored is not None and stored.status in ABSENT:
                self.crawler.stats.inc_value("tracker/known_skipped")
                raise SkippedByPoll(f"{request.url}: answered {stored.status} in the last good crawl; not asked")
            if stored is not None and (stored.etag or stored.last_modified):
                if stored.etag:
                    request.headers[b"If-None-Match"] = stored.etag.encode("latin-1")
                if stored.last_modified:
                    request.headers[b"If-Modified-Since"] = stored.last_modified.encode("latin-1")
                request.meta["conditional"] = True
            return None
        if request.meta.get("listing") and getattr(spider, "poll_reads_first_pages_only", False):
            self.crawler.stats.inc_value("tracker/known_skipped")
            raise SkippedByPoll(f"{request.url}: a later listing page; a poll reads first pages only")
        changed = request.meta.get("listed_as_changed", getattr(spider, "listing_orders_by_update", False))
        if stored is not None and not request.meta.get("listing") and not changed:
            self.crawler.stats.inc_value("tracker/known_skipped")
            raise SkippedByPoll(f"{request.url}: fetched before; a poll does not fetch it again")
        return None

    def process_response(self, request, response, spider=None):
        if response.status == 304 and request.meta.get("conditional"):
            self.crawler.stats.inc_value("tracker/not_modified")
            raise NotModified(f"{request.url}: not modified since the last good crawl")
        if response.status == 200 and "snapshot" not in response.flags and not _is_robots(request.url):
            etag, last_modified = _header(response, b"ETag"), _header(response, b"Last-Modified")
            for url in {request.url, *request.meta.get("redirect_urls", [])}:
                self.memory.learn(url, 200, etag, last_modified)
        elif response.status in ABSENT and request.meta.get("is_start_request"):
            self.memory.learn(request.url, response.status)
        return response


class StoredRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware; a poll reuses a robots.txt fetched in the last 24 hours, and every
    fetched one (an absent one, 4xx, as empty: allow all, RFC 9309 2.3.1.3) is remembered."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.memory = HttpMemory.of(crawler)

    async def robot_parser(self, request):
        url = urlsplit(request.url)
        if self.memory.poll and url.netloc not in self._parsers:
            body = self.memory.fresh_robots(f"{url.scheme}://{url.netloc}/robots.txt")
            if body is not None:
                self._parsers[url.netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value("robotstxt/stored")
        return await super().robot_parser(request)

    async def _parse_robots(self, response, netloc, request):
        # Stored under the URL asked for (robots_parser looks it up so), even if it was redirected.
        url = f"{urlsplit(request.url).scheme}://{netloc}/robots.txt"
        if response.status == 200 and "snapshot" not in response.flags:
            self.memory.learn_robots(url, response.body)
        elif 400 <= response.status < 500:
            self.memory.learn_robots(url, b"")
        await super()._parse_robots(response, netloc, request)
