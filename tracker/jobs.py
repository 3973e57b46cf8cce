"""The scheduled work, callable by hand or by the scheduler: crawl + classify, and brief + send.

Every job records itself in `job_runs`; a crawl holds a lock file so two crawls never overlap, even
across processes (`seoc-tracker run` while `seoc-tracker schedule` is running).
"""
from __future__ import annotations

import fcntl
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlite_utils

from tracker import crawl as crawl_mod
from tracker import weeks
from tracker.store import db as tracker_db
from tracker.briefing import watch
from tracker.classify import linking
from tracker.classify import passages
from tracker.classify import tagging
from tracker.classify import commitment_scan
from tracker.config import Config
from tracker.errors import CrawlError, TrackerError

log = logging.getLogger("seoc_tracker.jobs")


@contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock file, or raise CrawlError at once if another process holds it."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CrawlError(f"another job holds {lock_path.name}; skipped") from None
        handle.write(str(os.getpid()))
        handle.flush()
        yield


@contextmanager
def recorded(db_path: Path, job: str) -> Iterator[None]:
    """Record a job's start and end (ok / failed with message) in job_runs, and log both."""
    database = tracker_db.connect(db_path)
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with database.atomic():
        job_id = database["job_runs"].insert({"job": job, "started": started, "status": "running"}).last_pk
    log.info("job %s started", job)
    try:
        yield
    except Exception as exc:
        database["job_runs"].update(job_id, {"status": "failed", "message": str(exc)[:1000],
                                             "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        log.error("job %s failed: %s", job, exc)
        raise
    else:
        database["job_runs"].update(job_id, {"status": "ok",
                                             "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        log.info("job %s finished", job)
    finally:
        database.close()


def crawl_and_classify(db_path: Path, config: Config, *, progress=None) -> list[crawl_mod.RunResult]:
    """Crawl every source (one failing never stops the others), then classify what changed."""
    with recorded(db_path, "crawl"), exclusive(db_path.parent / ".crawl.lock"):
        results = crawl_mod.crawl((), db_path, progress=progress, source_options=config.sources,
                                  settings=config.crawl_settings)
        database = tracker_db.connect(db_path)
        try:
            tagging.classify_stored(database)
            linking.suggest_links(database)
            passages.suggest(database)  # after the threads are rebuilt: asks meet newly arrived documents
            commitment_scan.scan(database)
        finally:
            database.close()
        if progress is None:  # a progress callback has already shown each outcome
            for result in results:
                if result.status != "ok":
                    log.warning("source %s: %s %s", result.source, result.status, result.message or "")
        return results


def poll_and_classify(db_path: Path, config: Config, *, base_urls: dict[str, str] | None = None,
                      settings: dict[str, object] | None = None, sources: tuple[str, ...] = ()
                      ) -> list[crawl_mod.RunResult]:
    """A poll of every source (conditional listings, no known detail fetched again; see scrapers/polling.py),
    then classify what it stored; `sources` narrows it (default: every source). Skipped, with CrawlError, while a crawl or another poll holds the lock."""
    with recorded(db_path, "poll"), exclusive(db_path.parent / ".crawl.lock"):
        results = crawl_mod.crawl(sources, db_path, poll=True, base_urls=base_urls, source_options=config.sources,
                                  settings={**config.crawl_settings, **(settings or {})})
        database = tracker_db.connect(db_path)
        try:
            ids = [result.run_id for result in results]
            written = database.execute(f"SELECT coalesce(sum(inserted + updated), 0) FROM runs WHERE id IN "
                                       f"({', '.join('?' * len(ids))})", ids).fetchone()[0] if ids else 0
            if written:  # a poll that found nothing new leaves the classification as it is
                tagging.classify_stored(database)
                linking.suggest_links(database)
        finally:
            database.close()
        for result in results:
            if result.status != "ok":
                log.warning("poll of %s: %s %s", result.source, result.status, result.message or "")
        return results


@dataclass
class BriefingOutcome:
    """What the briefing job did."""

    week: str
    paths: tuple[str, str]
    subject: str
    sent: bool
    message: str
    preview: bool = False


class BriefingRequestError(TrackerError):
    """A briefing asked for a week or an instant it cannot be taken at; `option` names what was wrong
    ("week", "as_of" or "send"). Raised before anything is written."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option


def briefing_target(db: sqlite_utils.Database, *, week: str | None = None, as_of: datetime | None = None,
                    now: datetime) -> tuple[str, datetime]:
    """(week, as_of) of the briefing asked for, or BriefingRequestError.

    With `as_of`: a preview of the week containing it, unless it is exactly that week's Monday 07:30;
    refused in the future, before the first crawl, or outside `week` when both are given. Without: the
    week's own briefing (default the latest due), refused if the week's Monday 07:30 is still to come.
    """
    now = weeks.require_aware(now, "now")
    if week is not None:
        try:
            weeks.parse_week(week)
        except weeks.WeekError as exc:
            raise BriefingRequestError("week", str(exc)) from None
    if as_of is None:
        week = week or weeks.latest_briefing_week(now)
        taken = weeks.briefing_as_of(week)
        if taken > now:
            raise BriefingRequestError("week", f"week {week} has not started: its briefing is taken on "
                                               f"{weeks.time_label(taken)} (London)")
        return week, taken
    as_of = weeks.require_aware(as_of).replace(microsecond=0)  # the store keeps whole seconds
    if as_of > now:
        raise BriefingRequestError("as_of", f"{weeks.time_label(as_of)} (London) is in the future")
    if week is not None and weeks.week_of(as_of) != week:
        raise BriefingRequestError("as_of", f"{weeks.time_label(as_of)} (London) is in week "
                                            f"{weeks.week_of(as_of)}, not {week}")
    first = next(iter(db.query("SELECT min(started) AS started FROM runs")))["started"]
    if first is None:
        raise BriefingRequestError("as_of", "no crawl has run yet: a briefing as of any time would show nothing")
    if weeks.parse_instant(first) > as_of:
        raise BriefingRequestError("as_of", f"{weeks.time_label(as_of)} (London) is before the first crawl "
                                            f"({weeks.time_label(weeks.parse_instant(first))} London): "
                                            "the database held nothing then")
    return weeks.week_of(as_of), as_of


def smtp_settings(config: Config, environ: dict[str, str] | None = None, *, for_alerts: bool = False):
    """SMTP settings from the config file's [email] table, overridden by the environment; None if unset.

    The password is read from the environment only, never from the file. Alerts go to each person's own
    address, so `for_alerts` needs no briefing recipients.
    """
    from tracker.briefing.mailer import ENV, SmtpSettings
    environ = dict(os.environ if environ is None else environ)
    merged: dict[str, str] = {}
    file_keys = {"host": "host", "port": "port", "starttls": "starttls", "user": "user", "from": "sender",
                 "to": "recipients", "timeout": "timeout"}
    for key, name in file_keys.items():
        value = config.smtp.get(key)
        if isinstance(value, list):
            merged[ENV[name]] = ",".join(value)
        elif isinstance(value, bool):
            merged[ENV[name]] = "true" if value else "false"
        elif value is not None:
            merged[ENV[name]] = str(value)
    merged.update({k: v for k, v in environ.items() if k in ENV.values()})
    if not merged.get(ENV["host"]):
        return None
    if for_alerts:
        merged[ENV["recipients"]] = merged.get(ENV["sender"], "")
    return SmtpSettings.from_env(merged)


def brief(db_path: Path, config: Config, *, week: str | None = None, as_of: datetime | None = None,
          now: datetime | None = None, send: bool = False, recipients: list[str] | None = None,
          force: bool = False) -> BriefingOutcome:
    """Build and write a briefing into the database's reports folder; send it if asked (once per week unless
    forced). A week's own briefing is recorded in `briefings`; a preview (`as_of` another instant than the
    week's Monday 07:30) only gets its own files and is never sent. See `briefing_target` for what is refused.
    """
    from dataclasses import replace

    from tracker.briefing.build import build_briefing
    from tracker.briefing.mailer import send_briefing
    from tracker.briefing.render import write_briefing

    now = now or datetime.now(timezone.utc)
    database = tracker_db.connect(db_path)
    try:
        week, as_of = briefing_target(database, week=week, as_of=as_of, now=now)
        watch.refresh_if_stale(database)  # reviewers' work since the crawl: its stored sets read, not the backlog
        briefing = build_briefing(database, week=week, as_of=as_of, datasette_url=config.datasette_url)
        if briefing.preview and send:  # refused before anything is written
            raise BriefingRequestError("send", f"a preview (as of {weeks.time_label(as_of)} London) is never "
                                               f"emailed; only a week's own briefing is (--week {week})")
        paths = write_briefing(database, briefing, config.reports_folder(db_path), now=now, replace_sent=force)
        outcome = BriefingOutcome(briefing.week, (str(paths[0]), str(paths[1])), briefing.subject, False,
                                  "preview written; a preview is never emailed" if briefing.preview
                                  else "written; not sent", briefing.preview)
        if send:
            settings = smtp_settings(config)
            if settings is None:
                raise TrackerError("cannot send: no SMTP host configured (SEOC_SMTP_HOST or [email] host)")
            if recipients:
                settings = replace(settings, recipients=tuple(recipients)).validated()
            result = send_briefing(database, briefing.week, settings, force=force)
            outcome.sent, outcome.message = result.sent, result.message
        return outcome
    finally:
        database.close()


def briefing_job(db_path: Path, config: Config, now: datetime | None = None) -> BriefingOutcome | None:
    """The Monday job and its catch-up: build the latest due week's own briefing and send it once if configured.

    Only a week's own briefing (as of its Monday 07:30) is built here, never a preview.
    """
    now = now or datetime.now(timezone.utc)
    week = weeks.latest_briefing_week(now)
    # The lock keeps the Monday job, its retry and a catch-up from ever sending the same week twice.
    with recorded(db_path, "briefing"), exclusive(db_path.parent / ".briefing.lock"):
        send = smtp_settings(config) is not None
        return brief(db_path, config, week=week, now=now, send=send)


def briefing_due(db_path: Path, config: Config, now: datetime) -> str | None:
    """The week whose briefing should have gone out by `now` but has not (decided from our own tables)."""
    week = weeks.latest_briefing_week(now)
    database = tracker_db.connect(db_path)
    try:
        row = next(iter(database.query("SELECT sent_at FROM briefings WHERE week = ?", [week])), None)
    finally:
        database.close()
    if row is None:
        return week
    if smtp_settings(config) is not None and not row["sent_at"]:
        return week
    return None


def _sending_settings(config: Config, send: bool, refusal: str):
    """SMTP settings for messages to people's own addresses when sending, else None; no host is an error then."""
    if not send:
        return None
    settings = smtp_settings(config, for_alerts=True)
    if settings is None:
        raise TrackerError(f"{refusal}: no SMTP host configured (SEOC_SMTP_HOST or [email] host)")
    return settings


def alerts(db_path: Path, config: Config, *, now: datetime | None = None, send: bool = False,
           ssl_context=None) -> tuple[list, list]:
    """Build every alert due now (alerts.run); send them if asked. Returns (alerts, outcomes of sending)."""
    from tracker.alerts import run as alerts_run
    from tracker.server_secret import persistent_secret

    now = now or datetime.now(timezone.utc)
    settings = _sending_settings(config, send, "cannot send alerts")
    database = tracker_db.connect(db_path)
    try:
        quiet: list = []
        built = alerts_run.build(database, config, now, quiet)
        if not send:
            return built, []
        alerts_run.advance_quiet(database, quiet)
        # Links are signed with the secret the server checks them with.
        return built, alerts_run.send(database, built, settings, base_url=config.datasette_url,
                                      secret=persistent_secret(db_path), now=now, ssl_context=ssl_context)
    finally:
        database.close()


def alerts_job(db_path: Path, config: Config, now: datetime | None = None) -> list:
    """The scheduled alerts: after each crawl, and every half hour (daily and weekly digests, retries)."""
    # The crawl's lock: a crawl still writing would have changes stamped before now that this run cannot see yet.
    with recorded(db_path, "alerts"), exclusive(db_path.parent / ".crawl.lock"):
        if smtp_settings(config, for_alerts=True) is None:
            log.info("alerts: no SMTP host configured; nothing sent")
            return []
        built, outcomes = alerts(db_path, config, now=now, send=True)
        for outcome in outcomes:
            (log.warning if outcome.status in ("failed", "no address") else log.info)("alerts: %s", outcome.message)
        return outcomes


def team_briefing(db_path: Path, config: Config, team_name: str, *, week: str | None = None,
                  now: datetime | None = None, send: bool = False, force: bool = False, ssl_context=None):
    """The week's briefing for one team ([teams.NAME]); sent once per team and week if asked.
    Returns (the team briefing, its text, what sending did or "")."""
    from tracker.briefing import team as team_mod
    from tracker.briefing.build import build_briefing

    team = config.teams.get(team_name)
    if team is None:
        raise TrackerError(f"no team is called {team_name!r}; configured teams: {', '.join(config.teams) or 'none'} "
                           "([teams.NAME] in the config file)")
    now = now or datetime.now(timezone.utc)
    settings = _sending_settings(config, send, "cannot send")
    database = tracker_db.connect(db_path)
    try:
        week, as_of = briefing_target(database, week=week, now=now)
        briefing = build_briefing(database, week=week, as_of=as_of, datasette_url=config.datasette_url)
        view = team_mod.for_team(database, briefing, team)
        text, _ = team_mod.render(view)
        said = team_mod.send(database, view, team, settings, now=now, force=force, ssl_context=ssl_context) if send else ""
        return view, text, said
    finally:
        database.close()


def team_briefings_job(db_path: Path, config: Config, now: datetime | None = None) -> list[str]:
    """The Monday job's second half: each configured team's briefing, once; one team failing stops no other."""
    said = []
    if not config.teams or smtp_settings(config, for_alerts=True) is None:
        return said
    with recorded(db_path, "team briefings"):
        for name in config.teams:
            try:
                said.append(team_briefing(db_path, config, name, now=now, send=True)[2])
            except TrackerError as exc:
                log.error("team briefing %s: %s", name, exc)
                said.append(str(exc))
    return said
