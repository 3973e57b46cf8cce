"""Law Commission: WordPress REST listings (newest modified first), then every project page they lead to.

A REST type the site does not expose answers 404: that is a note, not a failure, as long as at least
one listing served. A project page without the expected structure is a recorded error naming its URL
(the run is then partial), never an item silently lost.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import scrapy

from scrapers.parsers import law_commission as parser
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider


class LawCommissionSpider(TrackerSpider):
    name = "law-commission"
    default_base_url = parser.BASE_URL
    #: An incremental crawl may find no post modified since the last good one.
    empty_result_possible = True
    # Listings are ordered by modified: a listed post above the watermark changed, so its project page may have.
    listing_orders_by_update = True

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.floor = self.watermark or (london_iso(self.since) if self.since else None)
        self.project_slugs: set[str] = set()

    async def start(self):
        for post_type in parser.WP_TYPES:
            yield self.list_request(post_type, 1)

    def list_request(self, post_type: str, page: int) -> scrapy.Request:
        request = self.request(parser.wp_list_url(post_type, page, self.base_url), self.parse_list,
                               listing=True, cb_kwargs={"post_type": post_type, "page": page})
        if page > 1:
            # WordPress answers 400 rest_post_invalid_page_number past the last page.
            request.meta["handle_httpstatus_list"] = [400, 404, 410]
        return request

    def parse_list(self, response, post_type: str, page: int):
        what = f"{post_type} listing"
        if response.status in (404, 410) and page == 1:
            self.note(f"{self.name}: REST type {post_type!r} not exposed: {response.url}: HTTP {response.status}")
            return
        if response.status == 400 and page > 1:
            return
        entries = self.read(response, what, lambda r: parser.parse_wp_list(self.json_of(r, what), r.url))
        if entries is UNREAD:
            return
        self.listing_ok = True
        reached_floor = False
        for entry in entries:
            if self.floor and entry.modified and \
                    datetime.fromisoformat(entry.modified) <= datetime.fromisoformat(self.floor):
                reached_floor = True
                break
            self.note_watermark(entry.modified)
            for link in entry.project_urls:
                slug = parser.project_slug(link)
                if slug and slug not in self.project_slugs:
                    self.project_slugs.add(slug)
                    # Rebuilt on the configured base: links name www. or bare hosts alike.
                    # An entry without `modified` is listed every time: a poll need not fetch its page again.
                    yield self.request(parser.project_url(slug, self.base_url), self.parse_project,
                                       changed=entry.modified is not None)
        if not reached_floor and self._more_pages(response, page, len(entries)):
            yield self.list_request(post_type, page + 1)

    @staticmethod
    def _more_pages(response, page: int, count: int) -> bool:
        total = response.headers.get(b"X-WP-TotalPages")
        if total and total.decode("latin-1").strip().isdigit():
            return page < int(total.decode("latin-1"))
        return count >= parser.PER_PAGE

    def parse_project(self, response):
        if response.status != 200:
            self.record_error(f"{self.name}: project page {response.url}: HTTP {response.status}")
            return
        try:
            yield parser.parse_project_page(response.body, response.url)
        except ParseError as exc:
            self.record_error(f"{exc} ({response.url})")

    def closed(self, reason: str) -> None:
        if not self.listing_ok and not self.errors and self.notes:
            self.record_error(f"{self.name}: no REST listing served: " + "; ".join(self.notes))
