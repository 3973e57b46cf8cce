"""The long-running schedule (APScheduler 3, Europe/London): crawls on weekdays, the Monday briefing,
retries of an unsent briefing, and a catch-up at start decided from our own tables.

Jobs are built apart from starting the scheduler, so tests can inspect triggers under a frozen clock.
Weekday names, never numbers: APScheduler 3 counts 0 = Monday.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from tracker import jobs
from tracker.config import Config, busy_hours
from tracker.errors import TrackerError

LONDON = ZoneInfo("Europe/London")
log = logging.getLogger("seoc_tracker.schedule")
RETRY_MINUTES = 30
POLL_CRAWL_MARGIN = timedelta(minutes=5)


def crawl_triggers(config: Config) -> list[CronTrigger]:
    """One cron trigger per configured crawl time on the configured days."""
    triggers = []
    for value in config.crawl_times:
        hour, minute = value.split(":")
        triggers.append(CronTrigger(day_of_week=config.crawl_days, hour=int(hour), minute=int(minute),
                                    timezone=LONDON))
    return triggers


def poll_trigger(config: Config) -> OrTrigger:
    """Every `poll_quiet_minutes` all week, and every `poll_busy_minutes` within the busy hours of the busy days."""
    start, end = busy_hours(config.poll_busy_hours)

    def minutes(every: int) -> str:
        return "0" if every == 60 else f"*/{every}"

    return OrTrigger([
        CronTrigger(minute=minutes(config.poll_quiet_minutes), timezone=LONDON),
        CronTrigger(day_of_week=config.poll_busy_days, hour=f"{start}-{end - 1}",
                    minute=minutes(config.poll_busy_minutes), timezone=LONDON),
    ])


def crawl_covers(config: Config, moment: datetime) -> bool:
    """Whether a scheduled crawl starts within a few minutes of `moment` (a poll then would only collide with it)."""
    local = moment.astimezone(LONDON)
    return any(trigger.get_next_fire_time(None, local - POLL_CRAWL_MARGIN) <= local + POLL_CRAWL_MARGIN
               for trigger in crawl_triggers(config))


def briefing_trigger(config: Config) -> CronTrigger:
    """The weekly briefing trigger (default Monday 07:30 Europe/London)."""
    hour, minute = config.briefing_time.split(":")
    return CronTrigger(day_of_week=config.briefing_day, hour=int(hour), minute=int(minute), timezone=LONDON)


def _safely(name: str, fn: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except TrackerError as exc:
            log.error("%s: %s", name, exc)
        except Exception:  # a job must never take the scheduler down
            log.exception("%s failed unexpectedly", name)
    run.__name__ = name
    return run


def build_scheduler(db_path: Path, config: Config, scheduler: BaseScheduler | None = None) -> BaseScheduler:
    """A scheduler with every job added (not started)."""
    scheduler = scheduler or BlockingScheduler(timezone=LONDON)
    scheduler.configure(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
                        timezone=LONDON)
    def crawl_then_alert() -> None:
        jobs.crawl_and_classify(db_path, config)
        jobs.alerts_job(db_path, config)  # immediate alerts follow each crawl

    crawl = _safely("crawl", crawl_then_alert)
    for n, trigger in enumerate(crawl_triggers(config)):
        scheduler.add_job(crawl, trigger, id=f"crawl-{n}", name=f"crawl at {config.crawl_times[n]}")
    if config.poll:
        def poll() -> None:
            # The crawl at this time reads everything a poll would: leave the crawl lock to it.
            if not crawl_covers(config, datetime.now(timezone.utc)):
                jobs.poll_and_classify(db_path, config)
                jobs.alerts_job(db_path, config)  # what a poll found reaches its followers within the hour

        scheduler.add_job(_safely("poll", poll), poll_trigger(config), id="poll", name="poll for news")

    def brief_everyone() -> None:
        try:
            jobs.briefing_job(db_path, config)
        finally:  # each team's briefing goes out even if the weekly one failed
            jobs.team_briefings_job(db_path, config)

    brief = _safely("briefing", brief_everyone)
    scheduler.add_job(brief, briefing_trigger(config), id="briefing", name="weekly briefing")

    def retry_unsent() -> None:
        now = datetime.now(timezone.utc)
        if jobs.briefing_due(db_path, config, now) is not None:
            jobs.briefing_job(db_path, config, now)

    scheduler.add_job(_safely("briefing-retry", retry_unsent), IntervalTrigger(minutes=RETRY_MINUTES),
                      id="briefing-retry", name="send a briefing that is due and unsent")
    # Daily and weekly digests fall due at midnight, and a failed alert is sent again: both on this round.
    scheduler.add_job(_safely("alerts", lambda: jobs.alerts_job(db_path, config)),
                      IntervalTrigger(minutes=RETRY_MINUTES), id="alerts", name="send alerts that are due")
    return scheduler


def catch_up(db_path: Path, config: Config, now: datetime | None = None) -> str | None:
    """At start: if a briefing was due while we were down (or its send failed), run it once now."""
    now = now or datetime.now(timezone.utc)
    week = jobs.briefing_due(db_path, config, now)
    if week is None:
        return None
    log.info("catching up the briefing for %s", week)
    _safely("briefing-catch-up", lambda: jobs.briefing_job(db_path, config, now))()
    return week


def run_forever(db_path: Path, config: Config, stop_event: threading.Event | None = None) -> None:
    """Catch up, then run the schedule until SIGTERM or SIGINT, stopping between jobs.

    Jobs run in the background scheduler's threads while the main thread waits for a signal; on one,
    shutdown(wait=True) lets a running job finish and starts no other.
    """
    stop_event = stop_event or threading.Event()
    scheduler = build_scheduler(db_path, config, BackgroundScheduler(timezone=LONDON))

    def stop(signum, frame):
        log.info("signal %s: stopping after the running job", signum)
        stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start(paused=True)
    for job in scheduler.get_jobs():
        log.info("scheduled %s (next %s)", job.name, job.next_run_time)
    catch_up(db_path, config)
    scheduler.resume()
    while not stop_event.wait(1.0):
        pass
    scheduler.shutdown(wait=True)
    log.info("schedule stopped")
