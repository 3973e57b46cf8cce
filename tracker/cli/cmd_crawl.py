"""Commands that fill the database: crawl, status, snapshot record, demo."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from tracker.cli import (BUNDLED_SNAPSHOT, DEMO_DB, _existing_db, _parse_base_urls, cli, db_option,
                         run_crawl)
from tracker.store import db as tracker_db
from tracker.classify import commitment_scan, linking, passages, tagging
from tracker.contract import SOURCE_NAMES
from tracker.store import items as store
from tracker.store import demo_register, reforms
from tracker.weeks import briefing_as_of, parse_instant, time_label, utc_iso, week_of


@cli.command()
@click.argument("sources", nargs=-1)
@db_option
@click.option("--snapshot", type=click.Path(file_okay=False, exists=True), default=None,
              help="Replay recorded responses from this snapshot folder instead of the network.")
@click.option("--base-url", "base_urls", multiple=True, metavar="SOURCE=URL",
              help="Point a source at another host (tests, mirrors, proxies). Repeatable.")
@click.option("--full", is_flag=True, help="Ignore the incremental watermark and crawl everything.")
@click.option("--since", default=None, metavar="DATE",
              help="On a first crawl, how far back to go (ISO date; each source has a default).")
def crawl(sources, db_path, snapshot, base_urls, full, since):
    """Crawl SOURCES (default: all) and store what changed; exits non-zero if any source failed.

    Example: seoc-tracker crawl parliament-bills --snapshot snapshot/
    """
    results = run_crawl(sources, db_path, snapshot=snapshot, base_urls=_parse_base_urls(base_urls), full=full,
                        since=since)
    if any(r.status != "ok" for r in results):
        sys.exit(1)


@cli.command()
@db_option
def status(db_path):
    """Show, per source, the last run, its outcome and how stale the data is.

    Example: seoc-tracker status --db data/tracker.db
    """
    database = tracker_db.connect(_existing_db(db_path))
    rows = store.source_status(database)
    known = {row["source"] for row in rows}
    now = datetime.now(timezone.utc)
    for row in rows:
        age = "never succeeded"
        if row["last_ok"]:
            hours = (now - datetime.fromisoformat(row["last_ok"])).total_seconds() / 3600
            age = f"last success {hours:.1f} h ago" if hours < 48 else f"last success {hours / 24:.1f} days ago"
        message = f" - {row['error_message']}" if row["error_message"] else ""
        click.echo(f"{row['source']:<20} {row['status']:<8} {row['started']}  {age}; "
                   f"{row['items_seen']} seen, {row['inserted']} new, {row['updated']} updated{message}")
        if row["notes"]:
            click.echo(f"{'':<20} note: {row['notes']}")
    for source in SOURCE_NAMES:
        if source not in known:
            click.echo(f"{source:<20} never run")


@cli.group()
def snapshot():
    """Record or inspect offline snapshots of the sources.

    Example: seoc-tracker snapshot record /tmp/snap
    """


@snapshot.command("record")
@click.argument("directory", type=click.Path(file_okay=False))
@click.argument("sources", nargs=-1)
@db_option
@click.option("--base-url", "base_urls", multiple=True, metavar="SOURCE=URL",
              help="Record from another host (a mirror). Repeatable.")
@click.option("--since", default=None, metavar="DATE", help="How far back to record (ISO date).")
def snapshot_record(directory, sources, db_path, base_urls, since):
    """Crawl the live sites and record every response into DIRECTORY (needs the internet).

    The crawl also stores into --db, so use a scratch database. Replay with `crawl --snapshot DIRECTORY`.

    Example: seoc-tracker snapshot record /tmp/snap parliament-bills --db /tmp/scratch.db
    """
    results = run_crawl(sources, db_path, record=directory, full=True, base_urls=_parse_base_urls(base_urls),
                        since=since)
    if any(r.status != "ok" for r in results):
        sys.exit(1)


@cli.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=str(DEMO_DB), show_default=True,
              help="Demo database file (rebuilt from scratch).")
@click.option("--serve/--no-serve", default=True, help="Serve Datasette when done.")
@click.option("--port", default=8001, show_default=True)
def demo(db_path, serve, port):
    """Build a database from the bundled snapshot of real data, run every step, and serve it.

    Example: seoc-tracker demo --no-serve
    """
    path = Path(db_path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    crawled, briefed = demo_moment(BUNDLED_SNAPSHOT)
    stamp = utc_iso(crawled)
    results = run_crawl((), path, snapshot=str(BUNDLED_SNAPSHOT), clock=stamp)
    failed = [r for r in results if r.status != "ok"]
    database = tracker_db.connect(path)
    tagged = tagging.classify_stored(database, now=stamp)
    linking.suggest_links(database, now=stamp)
    # The register's demo entry (a real submission, its asks, outcomes an editor recorded), then the loop.
    seeds = [(seed, demo_register.load(database.conn, seed, stamp))
             for seed in sorted((BUNDLED_SNAPSHOT / "register").glob("*.json"))]
    reforms.recompute(database.conn)
    passages.suggest(database, now=stamp)
    for seed, response_id in seeds:
        demo_register.decide(database.conn, seed, response_id, stamp)
    commitment_scan.scan(database, now=stamp)
    for seed in sorted((BUNDLED_SNAPSHOT / "register" / "commitments").glob("*.json")):
        demo_register.decide_commitments(database.conn, seed, stamp)
    click.echo(f"Demo database {path}: {database['items'].count} items from {len(results)} sources; "
               f"{tagged.relevant} of {tagged.classified} relevant to SEOC priorities"
               + (f"; {len(failed)} source(s) not ok" if failed else ""))
    click.echo(f"The demo stands on {time_label(briefed)} (London), the moment its snapshot describes "
               f"(snapshot/moment.json): pages, queries and the briefing read that as now.")
    outcome = _demo_briefing(path, briefed)
    click.echo(f"Briefing: {outcome.subject}\n  written to {outcome.paths[0]}\n  and {outcome.paths[1]}")
    config_file = _demo_watchlist(database, path, briefed)
    click.echo(f"Watchlist: {DEMO_WATCHER} follows {len(DEMO_WATCHES)} things (/-/watchlist when logged in). Their "
               f"alert for the demo's week, to a local SMTP server:\n  SEOC_SMTP_HOST=127.0.0.1 SEOC_SMTP_PORT=1025 "
               f"SEOC_SMTP_STARTTLS=false SEOC_BRIEFING_FROM=seoc-tracker@example.org seoc-tracker alerts --send "
               f"--db {path} --config {config_file} --at {briefed.isoformat()}")
    if failed:
        sys.exit(1)
    if serve:
        click.echo(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop). Log in as demo-editor / "
                   "demo-editor-password (a demo-only account).")
        from tracker.web.serve import serve_datasette
        serve_datasette(path, host="127.0.0.1", port=port, demo=True, clock=briefed)


#: The demo's watcher (its login) and what they follow from the start of the demo's week.
DEMO_WATCHER = "demo-editor"
DEMO_WATCHES = (
    {"what": "reform", "target": "legislation:ukpga/2023/56"},  # the Economic Crime and Corporate Transparency Act
    {"what": "search", "target": "online safety"},
    {"what": "search", "target": "bill", "kind": "bill"},
)


def _demo_watchlist(database, path: Path, briefed: datetime) -> Path:
    """The demo user's watchlist, followed at the start of the demo's week, and a config file beside the demo
    database giving them (a demo-only account) an address for alerts."""
    from tracker.alerts import watchlist
    followed = utc_iso(briefed - timedelta(days=7))
    for watch in DEMO_WATCHES:
        watchlist.follow(database.conn, DEMO_WATCHER, {"owner": DEMO_WATCHER, **watch}, now=followed)
    config_file = path.parent / "seoc-tracker.toml"
    config_file.write_text(f'# The demo\'s config: its demo-only account and where its alerts go.\n'
                           f'[users.{DEMO_WATCHER}]\nrole = "editor"\nemail = "{DEMO_WATCHER}@example.org"\n',
                           encoding="utf-8")
    return config_file


def demo_moment(snapshot: Path) -> tuple[datetime, datetime]:
    """(when the snapshot was crawled, the Monday 07:30 briefing after it) from the snapshot's moment.json."""
    try:
        crawled = parse_instant(json.loads((snapshot / "moment.json").read_text(encoding="utf-8"))["crawled"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise click.ClickException(f"the snapshot's moment.json cannot be read: {exc}") from None
    week = week_of(crawled)
    briefed = briefing_as_of(week)
    if briefed < crawled:  # crawled after that Monday's briefing: the next week's
        briefed = briefing_as_of(week_of(briefed + timedelta(days=7)))
    return crawled, briefed


def _demo_briefing(path: Path, briefed: datetime):
    """The demo's briefing: its week's own briefing (as of Monday 07:30 after the snapshot's crawl), into
    `reports/` beside the demo database."""
    from tracker import config as config_mod
    from tracker import jobs
    return jobs.brief(path, config_mod.Config(), week=week_of(briefed), now=briefed)
