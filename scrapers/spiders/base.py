"""What every tracker spider shares: a configurable base URL, error recording, JSON decoding."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from scrapers.failures import describe, is_network_failure, shorten_urls
from scrapers.polling import SkippedByPoll, NotModified
from scrapers.parsers.errors import ParseError

MAX_ERRORS_KEPT = 50
#: What `read` returns when a response gave nothing usable (the reason is already recorded).
UNREAD = object()


class TrackerSpider(scrapy.Spider):
    """Base spider: `base_url` and `watermark` arguments; errors are recorded, never swallowed."""

    default_base_url = ""
    #: Whether an incremental crawl may legitimately find nothing new.
    empty_result_possible = True
    #: Whether the listing is ordered by last update, so that a listed item above the watermark has changed and
    #: its detail must be fetched again even in a poll (scrapers/polling.py); False: polls skip known details.
    listing_orders_by_update = False
    #: Whether a poll reads only the first page of each listing (listings in no useful order, and no watermark
    #: to stop at: the scheduled crawls read them to the end).
    poll_reads_first_pages_only = False

    def __init__(self, base_url: str | None = None, watermark: str | None = None,
                 since: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.since = since
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.watermark = watermark or None
        self.allowed_domains = [urlsplit(self.base_url).hostname]
        self.errors: list[str] = []
        #: Worth knowing but not a failure; kept in the run record beside the errors.
        self.notes: list[str] = []
        self.new_watermark: str | None = None
        #: Set once the source answered with a well-formed listing (so an empty result is real).
        self.listing_ok = False
        #: Requests that failed because the host was unreachable or silent (not because it answered badly).
        self.network_failures = 0

    def record_error(self, message: str) -> None:
        """Keep an error for the run record (the first MAX_ERRORS_KEPT) and count it."""
        self.crawler.stats.inc_value("tracker/errors")
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(shorten_urls(message))
        self.logger.error(message)  # the log keeps whole URLs

    def note(self, message: str) -> None:
        """Keep something worth knowing that is not a failure (the first MAX_ERRORS_KEPT) and log it."""
        self.crawler.stats.inc_value("tracker/notes")
        if len(self.notes) < MAX_ERRORS_KEPT:
            self.notes.append(shorten_urls(message))
        self.logger.warning(message)

    def page_cap(self, argument: str | None, setting: str, default: int) -> int | None:
        """The most listing pages to read: the `max_pages` argument, else the setting; None (and an error
        recorded) when it is not a whole number of at least 1."""
        value = argument if argument not in (None, "") else self.settings.get(setting, default)
        try:
            pages = int(value)
        except (TypeError, ValueError):
            pages = 0
        if pages < 1:
            self.record_error(f"{self.name}: max_pages ({setting}) must be a whole number of at least 1, "
                              f"got {value!r}")
            return None
        return pages

    def request(self, url: str, callback, *, listing: bool = False, changed: bool | None = None,
                **kwargs: Any) -> scrapy.Request:
        """A request whose failures (HTTP errors, timeouts, resets) are recorded against the source. `listing`
        marks a listing page, which a poll never skips as a known detail; `changed` says whether the listing
        shows this detail's item changed (default: `listing_orders_by_update`), so a poll fetches it again."""
        meta = {"source": self.name, "handle_httpstatus_list": [404, 410], "listing": listing}
        if changed is not None:
            meta["listed_as_changed"] = changed
        return scrapy.Request(url, callback=callback, errback=self.on_failure, meta=meta, **kwargs)

    def on_failure(self, failure: Failure) -> None:
        if failure.check(NotModified):
            # A poll's conditional listing: the source answered, and nothing changed since the last good crawl.
            self.listing_ok = True
            return
        if failure.check(SkippedByPoll):
            return
        url = failure.request.url
        if is_network_failure(failure):
            self.network_failures += 1
        self.record_error(f"{self.name}: {url}: request failed: {describe(failure, url)}")

    def json_of(self, response: Response, what: str) -> Any:
        """Decode a JSON body or raise ParseError naming the URL (HTML where JSON was expected, truncated...)."""
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if "json" not in content_type and not response.body.lstrip().startswith((b"{", b"[")):
            raise ParseError(f"{self.name}: {what} {response.url}: expected JSON, got {content_type or 'no content type'}")
        try:
            return json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"{self.name}: {what} {response.url}: malformed JSON ({exc})") from None

    def read(self, response: Response, what: str, parse: Callable[[Response], Any] | None = None) -> Any:
        """`parse(response)` (default: the JSON body) of a 200 response, or UNREAD after recording why not
        (HTTP status, not JSON, malformed, or any ParseError of `parse`)."""
        if response.status != 200:
            self.record_error(f"{self.name}: {what} {response.url}: HTTP {response.status}")
            return UNREAD
        try:
            return parse(response) if parse else self.json_of(response, what)
        except ParseError as exc:
            self.record_error(str(exc))
            return UNREAD

    def page_cap_reached(self, stopped: str, unread: str) -> None:
        """Record that a listing `stopped` at the page cap before the floor. An error on purpose: an ok run
        would move the watermark past the `unread` items, losing them for good."""
        self.record_error(f"{self.name}: incomplete: {stopped} (the page cap) before reaching {self.floor}; older "
                          f"{unread} were not read. Raise the cap with max_pages under [sources.{self.name}] in the "
                          f"config file, then crawl again")

    @property
    def unreachable(self) -> bool:
        """The source's listing never arrived because its host could not be reached or never answered."""
        return not self.listing_ok and self.network_failures > 0

    def note_watermark(self, value: str | None) -> None:
        if value and (self.new_watermark is None
                      or datetime.fromisoformat(value) > datetime.fromisoformat(self.new_watermark)):
            self.new_watermark = value
