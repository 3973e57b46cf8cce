"""The `seoc-tracker` command: a thin click layer over the tracker package (the only place that prints).

The group and what every command shares are here; the commands are in cmd_crawl (crawl, status, snapshot, demo),
cmd_web (serve, user, feed-token), cmd_classify (classify, evaluate), cmd_brief (brief, schedule, run) and
cmd_alerts (alerts, watch).
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from tracker import crawl as crawl_mod
from tracker.errors import TrackerError
from tracker.store import db as tracker_db

BUNDLED_SNAPSHOT = crawl_mod.PROJECT_ROOT / "snapshot"
DEMO_DB = Path("data") / "demo" / "tracker.db"


def _now() -> datetime:
    """The clock of the commands that brief (tests replace it)."""
    return datetime.now(timezone.utc)


db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="Database file (default: $SEOC_TRACKER_DB, else data/tracker.db).",
)


def _existing_db(db_path) -> Path:
    """The database path, which must exist: commands that only read stored data must not create an empty
    database from a mistyped --db (and, say, email a briefing of nothing)."""
    path = tracker_db.resolve_path(db_path)
    if not path.exists():
        if DEMO_DB.exists() and path.resolve() != DEMO_DB.resolve():
            # After `make demo` the only database is the demo's: say where it is.
            raise click.ClickException(f"no database at {path}; the demo's is at {DEMO_DB}: add --db {DEMO_DB}")
        raise click.ClickException(
            f"no database at {path}: check --db or SEOC_TRACKER_DB, or fill one first with `seoc-tracker crawl` "
            f"(or `seoc-tracker demo` for the bundled snapshot)")
    return path


class _Progress:
    """Prints one progress line per source, updated in place on a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, event: dict) -> None:
        source = event.get("source", "?")
        if event.get("event") == "progress":
            line = f"{source}: {event.get('requests', 0)} requests, {event.get('items', 0)} items"
            click.echo(("\r" + line) if self.tty else line, err=True, nl=not self.tty)
        elif event.get("event") == "done":
            if self.tty:
                click.echo("", err=True)
            message = f" - {event['message']}" if event.get("message") else ""
            if "requests" in event:
                message = (f" ({event['requests']} requests; {event.get('items_seen', 0)} items: "
                           f"{event.get('inserted', 0)} new, {event.get('updated', 0)} updated, "
                           f"{event.get('unchanged', 0)} unchanged)") + message
            colour = {"ok": "green", "partial": "yellow"}.get(event["status"], "red")
            click.secho(f"{source}: {event['status']}{message}", err=True, fg=colour)
            for note in event.get("notes") or []:
                click.secho(f"  note: {note}", err=True, fg="yellow")


class TrackerGroup(click.Group):
    """The one error funnel: any TrackerError from a command becomes its message and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=TrackerGroup)
@click.version_option(package_name="seoc-tracker")
def cli() -> None:
    """Track UK bills, consultations, calls for evidence, strategies and SIs for the SEOC directorate.

    Example: seoc-tracker demo --no-serve
    """
    # Everything this process (and its crawl subprocesses) creates is private: the database holds the response
    # register, and briefings quote it.
    from tracker.file_modes import restrict_umask
    restrict_umask()


def parse_instant_option(ctx, param, value):
    """A click callback: an ISO 8601 instant with its offset (--at, --as-of), or a usage error saying why."""
    if value is None:
        return None
    from tracker.errors import TrackerError
    from tracker.weeks import parse_instant
    try:
        return parse_instant(value)
    except TrackerError as exc:
        raise click.BadParameter(str(exc)) from None


def _parse_base_urls(values: tuple[str, ...]) -> dict[str, str]:
    base_urls = {}
    for value in values:
        source, sep, url = value.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise click.BadParameter(f"expected SOURCE=URL, got {value!r}", param_hint="--base-url")
        base_urls[source] = url
    return base_urls


def run_crawl(sources, db_path, *, snapshot=None, base_urls=None, record=None, full=False, since=None,
              clock=None) -> list:
    """Crawl and print progress; returns the run results."""
    results = crawl_mod.crawl(sources, tracker_db.resolve_path(db_path), snapshot=snapshot,
                              base_urls=base_urls, record=record, full=full, since=since,
                              progress=_Progress(), clock=clock)
    _explain_if_offline(results)
    return results


def _explain_if_offline(results) -> None:
    """When no source could even be reached, say so once: the cause is the network, not the sources."""
    if results and all(r.status == "failed" and r.unreachable for r in results):
        click.secho("No source could be reached: this machine looks offline, or a proxy or firewall blocks "
                    "it. Nothing already stored was changed or lost.", fg="red", err=True)


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                             help="Config file (default: $SEOC_TRACKER_CONFIG, else ./seoc-tracker.toml).")


def _config(config_path):
    from tracker import config as config_mod
    return config_mod.load(config_path)


# The commands register themselves on `cli` (imported last: they import the group from here).
from tracker.cli import cmd_alerts, cmd_brief, cmd_classify, cmd_crawl, cmd_web  # noqa: E402,F401  (they register)
