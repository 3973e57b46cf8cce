"""Downloader middlewares: polite retries with backoff, snapshot replay and recording."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.response import response_status_message

from .snapshot import Snapshot, SnapshotRecorder


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, waiting before each retry: Retry-After if given, else exponential backoff."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0)
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            delay = self.backoff_base * (2 ** attempt)
        await asyncio.sleep(min(delay, self.backoff_max))
        reason = response_status_message(response.status)
        return self._retry(request, reason) or response


class OffsiteRedirectGuard:
    """A redirect to a host the spider does not allow is refused as an error of that request.

    Scrapy's offsite filter would drop it silently: the document would be lost with the run still 'ok'.
    """

    REDIRECTS = (301, 302, 303, 307, 308)

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response, spider=None):
        if response.status not in self.REDIRECTS or request.meta.get("dont_redirect"):
            return response
        location = response.headers.get(b"Location", b"").decode("latin-1")
        target = urljoin(request.url, location)
        allowed = getattr(spider or self.crawler.spider, "allowed_domains", None) or []
        host = urlsplit(target).hostname or ""
        if allowed and not any(host == domain or host.endswith("." + domain) for domain in allowed):
            raise IgnoreRequest(f"redirected off-site to {target[:200]}; not followed")
        return response


class SnapshotReplayMiddleware:
    """With SNAPSHOT_DIR set, answer every request from the recorded snapshot (no network)."""

    def __init__(self, folder: str | None):
        self.folder = Path(folder) if folder else None
        self.snapshots: dict[str, Snapshot] = {}

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler.settings.get("SNAPSHOT_DIR"))
        middleware.crawler = crawler
        return middleware

    def process_request(self, request, spider=None):
        if self.folder is None:
            return None
        source = request.meta.get("source") or self.crawler.spider.name
        snapshot = self.snapshots.setdefault(source, Snapshot(self.folder / source))
        found = snapshot.lookup(request.url)
        if found is None:
            return Response(url=request.url, status=404, request=request, body=b"not in snapshot",
                            headers={"Content-Type": "text/plain"}, flags=["snapshot"])
        entry, body = found
        return TextResponse(
            url=request.url, status=int(entry.get("status", 200)), body=body, request=request,
            headers={"Content-Type": entry.get("content_type", "application/octet-stream")},
            encoding="utf-8", flags=["snapshot"],
        )


class SnapshotRecordMiddleware:
    """With SNAPSHOT_RECORD_DIR set, write every successful live response into a snapshot."""

    def __init__(self, folder: str | None, crawler=None):
        self.folder = Path(folder) if folder else None
        self.crawler = crawler
        self.recorder: SnapshotRecorder | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("SNAPSHOT_RECORD_DIR"), crawler)

    def process_response(self, request, response, spider=None):
        if self.folder is None or response.status != 200 or request.url.endswith("/robots.txt"):
            return response
        spider = spider or self.crawler.spider
        if self.recorder is None:
            self.recorder = SnapshotRecorder(self.folder / spider.name, spider.name, spider.base_url)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        stamp = datetime.now(timezone.utc).date().isoformat()
        self.recorder.add(request.url, response.status, content_type, response.body, f"live capture {stamp}")
        return response
