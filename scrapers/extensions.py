"""Progress lines (JSON on stdout) that the parent crawl process turns into a progress display."""
from __future__ import annotations

import json
import sys
import time

from scrapy import signals


class ProgressReporter:
    """Emits {"event": "progress", "requests": n, "items": m} at most every few seconds."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.every = crawler.settings.getfloat("PROGRESS_EVERY_SECONDS", 2.0)
        self.last = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.tick, signal=signals.response_received)
        crawler.signals.connect(extension.tick, signal=signals.item_scraped)
        return extension

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        stats = self.crawler.stats
        line = {"event": "progress", "source": self.crawler.spider.name,
                "requests": stats.get_value("downloader/request_count", 0),
                "items": stats.get_value("tracker/items_seen", 0)}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
