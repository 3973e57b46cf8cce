"""Validate each item (drop and count loudly), then store it through tracker.store in small batches."""
from __future__ import annotations

from dataclasses import asdict, is_dataclass

from scrapy.exceptions import DropItem

from tracker.store import db as tracker_db
from tracker.store import amendments as amendment_store
from tracker.store import items as store
from tracker.errors import TrackerError
from tracker.contract import Amendment, validate_item


class StorePipeline:
    """Buffers validated items and upserts them `store.BATCH_SIZE` at a time."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("TRACKER_DB")
        self.buffer: list[dict] = []
        self.amendments: list[Amendment] = []
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        if self.db_path:
            self.db = tracker_db.connect(self.db_path)

    def process_item(self, item, spider=None):
        spider = spider or self.crawler.spider
        if isinstance(item, Amendment):
            # Stored beside items (the `amendments` table) after the crawl's items, with their own counts.
            try:
                amendment_store.validate_amendment(asdict(item))
            except TrackerError as exc:
                spider.record_error(f"invalid amendment: {exc}")
                raise DropItem(str(exc)) from None
            self.amendments.append(item)
            return item
        stats = self.crawler.stats
        data = asdict(item) if is_dataclass(item) else dict(item)
        stats.inc_value("tracker/items_seen")
        try:
            validate_item(data)
        except TrackerError as exc:
            spider.record_error(f"invalid item: {exc}")
            raise DropItem(str(exc)) from None
        self.buffer.append(data)
        if len(self.buffer) >= store.BATCH_SIZE:
            self._flush(spider)
        return item

    def _flush(self, spider) -> None:
        batch, self.buffer = self.buffer, []
        if not batch or self.db is None:
            return
        try:
            counts = store.upsert_items(self.db, batch, validated=True,
                                        now=self.crawler.settings.get("TRACKER_CLOCK"))
        except TrackerError as exc:
            spider.record_error(str(exc))
            return
        for outcome, count in counts.items():
            self.crawler.stats.inc_value(f"tracker/{outcome}", count)

    def close_spider(self, spider=None):
        self._flush(spider or self.crawler.spider)
        self._flush_amendments(spider or self.crawler.spider)
        if self.db is not None:
            self.db.close()

    def _flush_amendments(self, spider) -> None:
        batch, self.amendments = self.amendments, []
        if not batch or self.db is None:
            return
        try:
            counts = amendment_store.upsert_amendments(self.db, batch, now=self.crawler.settings.get("TRACKER_CLOCK"))
        except TrackerError as exc:
            spider.record_error(str(exc))
            return
        for outcome, count in counts.items():
            self.crawler.stats.inc_value(f"tracker/amendments_{outcome}", count)
