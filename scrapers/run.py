"""Run one spider in this process and record its run: `python -m scrapers.run SOURCE --db PATH --run-id N`.

tracker.crawl starts this in a subprocess per source, because a Twisted reactor cannot restart and a
crash must not take other sources down. Success is judged from the crawl's stats, never from Scrapy's
exit code (which is 0 even when every request failed).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from scrapers.polling import HttpMemory
from tracker.store import db as tracker_db
from tracker.store import amendments as amendment_store
from tracker.store import items as store


#: Scrapy finish reasons other than "finished", in words (the worker's log has any traceback).
EARLY_ENDS = {
    "start_error": "the spider failed while starting, a bug or a bad setting (start_error; see the log)",
    "shutdown": "it was stopped (shutdown)",
    "closespider_timeout": "it ran out of time (closespider_timeout)",
    "memusage_exceeded": "it used too much memory (memusage_exceeded)",
}


def judge(stats: dict[str, Any], errors: list[str], listing_ok: bool, empty_ok: bool) -> tuple[str, str | None]:
    """(status, message) of a finished crawl from its stats and recorded errors."""
    reason = stats.get("finish_reason")
    stored = sum(stats.get(f"tracker/{k}", 0) for k in ("inserted", "updated", "unchanged"))
    message = "; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else "") or None
    if reason not in ("finished", None):
        why = EARLY_ENDS.get(reason, reason)
        return "failed", f"crawl ended early: {why}" + (f"; {message}" if message else "")
    if not listing_ok:
        return "failed", message or "the source's listing was never read"
    if errors:
        return ("partial" if stored else "failed"), message
    if stored == 0 and not empty_ok:
        return "failed", "no items where some were expected"
    return "ok", None


def run(source: str, db_path: str, run_id: int, *, base_url: str | None, snapshot: str | None,
        record: str | None, settings_overrides: dict[str, Any], full: bool = False,
        since: str | None = None, spider_args: dict[str, str] | None = None, clock: str | None = None,
        poll: bool = False) -> str:
    settings = get_project_settings()
    settings.set("POLL", poll, priority="cmdline")
    settings.set("TRACKER_DB", db_path)
    settings.set("TRACKER_CLOCK", clock)
    if snapshot:
        # Replay touches no network: no politeness needed, whatever a spider's custom_settings say.
        for key, value in {"SNAPSHOT_DIR": snapshot, "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0,
                           "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}.items():
            settings.set(key, value, priority="cmdline")
    if record:
        settings.set("SNAPSHOT_RECORD_DIR", record)
    for key, value in settings_overrides.items():
        settings.set(key, value, priority="cmdline")
    database = tracker_db.connect(db_path)
    watermark = None if full else store.last_good_watermark(database, source)
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(source)
    kwargs: dict[str, Any] = {"watermark": watermark}
    if since:
        kwargs["since"] = since
    elif snapshot:
        # A snapshot holds what it holds, however old: replay all of it on a first crawl.
        kwargs["since"] = "1990-01-01T00:00:00"
    if base_url:
        kwargs["base_url"] = base_url
    kwargs.update(spider_args or {})
    if source == "govuk" and not snapshot and not poll:  # rechecks are the scheduled crawls' work
        paths = [urlsplit(url).path for url in store.due_rechecks(database, source)]
        if paths:
            kwargs["recheck"] = ",".join(paths)
    if source == "parliament-bills":
        kwargs.setdefault("skip_amendments", ",".join(
            item_id.removeprefix("bill:") for item_id in store.classified_not_relevant(database, "bill")))
        kwargs.setdefault("details_read", amendment_store.detail_read(database))
    process.crawl(crawler, **kwargs)
    process.start()
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    # A poll that finds nothing new is the usual case, whatever the source.
    status, message = judge(stats, spider.errors, spider.listing_ok, spider.empty_result_possible or poll)
    HttpMemory.of(crawler).save(database, run_ok=status == "ok")
    store.finish_run(
        database, run_id, status, now=clock,
        requests=stats.get("downloader/request_count", 0),
        items_seen=stats.get("tracker/items_seen", 0),
        inserted=stats.get("tracker/inserted", 0),
        updated=stats.get("tracker/updated", 0),
        unchanged=stats.get("tracker/unchanged", 0),
        errors=stats.get("tracker/errors", 0),
        error_message=message,
        notes="; ".join(spider.notes) or None,
        watermark=(spider.new_watermark or watermark) if status == "ok" else None,
    )
    counts = {key: stats.get(f"tracker/{key}", 0) for key in ("items_seen", "inserted", "updated", "unchanged")}
    sys.stdout.write(json.dumps({"event": "done", "source": source, "status": status, "message": message,
                                 "notes": spider.notes, "unreachable": status == "failed" and spider.unreachable,
                                 "requests": stats.get("downloader/request_count", 0), **counts}) + "\n")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--base-url")
    parser.add_argument("--snapshot")
    parser.add_argument("--record")
    parser.add_argument("--since", help="on a first crawl, go back to this date (ISO)")
    parser.add_argument("--full", action="store_true", help="ignore the watermark")
    parser.add_argument("--poll", action="store_true",
                        help="a cheap poll: conditional listings, no refetch of known details (scrapers/polling.py)")
    parser.add_argument("--clock", help="stamp the run and the items with this ISO instant (snapshot replay)")
    parser.add_argument("--arg", action="append", default=[], help="spider argument KEY=VALUE")
    parser.add_argument("--set", action="append", default=[], help="SETTING=JSON value")
    args = parser.parse_args(argv)
    overrides = {}
    for pair in args.set:
        key, _, value = pair.partition("=")
        overrides[key] = json.loads(value)
    status = run(args.source, args.db, args.run_id, base_url=args.base_url, snapshot=args.snapshot,
                 record=args.record, settings_overrides=overrides, full=args.full,
                 since=args.since, spider_args=dict(pair.partition("=")[::2] for pair in args.arg),
                 clock=args.clock, poll=args.poll)
    return 0 if status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
