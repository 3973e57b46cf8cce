"""The `seoc-tracker` command: a thin click layer over the tracker package (the only place that prints)."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from . import crawl as crawl_mod
from . import db as tracker_db
from . import linking, store, tagging
from .errors import TrackerError

BUNDLED_SNAPSHOT = crawl_mod.PROJECT_ROOT / "snapshot"
DEMO_DB = Path("data") / "demo" / "tracker.db"

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), default=None,
    help="Database file (default: $SEOC_TRACKER_DB, else data/tracker.db).",
)


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc)) from exc


def _existing_db(db_path) -> Path:
    """The database path, which must exist: commands that only read stored data must not create an empty
    database from a mistyped --db (and, say, email a briefing of nothing)."""
    path = tracker_db.resolve_path(db_path)
    if not path.exists():
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


@click.group()
@click.version_option(package_name="seoc-tracker")
def cli() -> None:
    """Track UK bills, consultations, calls for evidence, strategies and SIs for the SEOC directorate.

    Example: seoc-tracker demo --no-serve
    """
    # Everything this process (and its crawl subprocesses) creates is private: the database holds the response
    # register, and briefings quote it.
    from .file_modes import restrict_umask
    restrict_umask()


def _parse_base_urls(values: tuple[str, ...]) -> dict[str, str]:
    base_urls = {}
    for value in values:
        source, sep, url = value.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise click.BadParameter(f"expected SOURCE=URL, got {value!r}", param_hint="--base-url")
        base_urls[source] = url
    return base_urls


def run_crawl(sources, db_path, *, snapshot=None, base_urls=None, record=None, full=False, since=None) -> list:
    """Crawl and print progress; returns the run results."""
    try:
        results = crawl_mod.crawl(sources, tracker_db.resolve_path(db_path), snapshot=snapshot,
                                  base_urls=base_urls, record=record, full=full, since=since,
                                  progress=_Progress())
    except TrackerError as exc:
        _fail(exc)
        return []
    _explain_if_offline(results)
    return results


def _explain_if_offline(results) -> None:
    """When no source could even be reached, say so once: the cause is the network, not the sources."""
    def unreachable(message: str) -> bool:
        return crawl_mod.UNREACHABLE in message or crawl_mod.NO_ANSWER in message
    if results and all(r.status == "failed" and unreachable(r.message or "") for r in results):
        click.secho("No source could be reached: this machine looks offline, or a proxy or firewall blocks "
                    "it. Nothing already stored was changed or lost.", fg="red", err=True)


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
    try:
        database = tracker_db.connect(_existing_db(db_path))
    except TrackerError as exc:
        _fail(exc)
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
    for source in crawl_mod.available_sources():
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
    results = run_crawl((), path, snapshot=str(BUNDLED_SNAPSHOT))
    failed = [r for r in results if r.status != "ok"]
    database = tracker_db.connect(path)
    tagged = tagging.classify_stored(database)
    linking.suggest_links(database)
    click.echo(f"Demo database {path}: {database['items'].count} items from {len(results)} sources; "
               f"{tagged.relevant} of {tagged.classified} relevant to SEOC priorities"
               + (f"; {len(failed)} source(s) not ok" if failed else ""))
    from . import config as config_mod
    from . import jobs
    outcome = jobs.brief(path, config_mod.Config(), as_of=datetime.now(timezone.utc))
    click.echo(f"Briefing: {outcome.subject}\n  {outcome.paths[0]}\n  {outcome.paths[1]}")
    if failed:
        sys.exit(1)
    if serve:
        click.echo(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop). Log in as demo-editor / "
                   "demo-editor-password (a demo-only account).")
        from .serve import serve_datasette
        serve_datasette(path, host="127.0.0.1", port=port, demo=True)


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                             help="Config file (default: $SEOC_TRACKER_CONFIG, else ./seoc-tracker.toml).")


def _config(config_path):
    from . import config as config_mod
    try:
        return config_mod.load(config_path)
    except TrackerError as exc:
        _fail(exc)


@cli.command()
@db_option
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
def serve(db_path, config_path, host, port):
    """Serve the tracker in Datasette with its metadata, plugin, logins and settings.

    Set DATASETTE_SECRET to keep staff logged in across restarts, and SEOC_PASSWORD_HASH_<USER> for each
    user in the config file's [users] table (see `seoc-tracker user add`).

    Example: seoc-tracker serve --db data/tracker.db --port 8001
    """
    from .serve import serve_datasette
    from .server_secret import check_configured_secret
    path = tracker_db.resolve_path(db_path)
    try:
        check_configured_secret(path)  # before anything is said or created (serve_datasette checks again)
    except TrackerError as exc:
        _fail(exc)
    if not path.exists():
        # A fresh deployment serves before its first crawl; a mistyped --db should not pass unnoticed.
        click.secho(f"no database at {path} yet: serving a new, empty one until the first crawl fills it",
                    fg="yellow", err=True)
    try:
        serve_datasette(path, host=host, port=port, config=_config(config_path))
    except TrackerError as exc:
        _fail(exc)


@cli.group()
def user():
    """Manage Datasette logins.

    Example: seoc-tracker user add alice --role editor
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), default="reader", show_default=True)
@click.password_option(help="The password (prompted for if not given).")
def user_add(name, role, password):
    """Print the configuration that adds a login NAME with a role (nothing is stored by this command).

    Example: seoc-tracker user add alice --role editor
    """
    from .serve import hash_env_name, hash_password
    if not name.replace("-", "").replace("_", "").isalnum():
        raise click.BadParameter("use letters, digits, - and _ only", param_hint="NAME")
    click.echo("# 1. Add to the config file (seoc-tracker.toml):")
    click.echo(f'[users.{name}]\nrole = "{role}"\n')
    click.echo("# 2. Set in the environment of `seoc-tracker serve` (for example in its systemd unit):")
    click.echo(f"{hash_env_name(name)}='{hash_password(password)}'")


@user.command("revoke")
@click.argument("name")
@db_option
def user_revoke(name, db_path):
    """End every session of login NAME now, and revoke the feed tokens issued for NAME.

    Use it when someone leaves or a password may be known; remove them from the config file too, or they can
    log in again.

    Example: seoc-tracker user revoke alice --db /var/lib/seoc-tracker/tracker.db
    """
    from . import feed_tokens, sessions
    try:
        database = tracker_db.connect(_existing_db(db_path))
        epoch = sessions.end_sessions(database.conn, name, "revoked with seoc-tracker user revoke")
        revoked = feed_tokens.revoke_owned_by(database.conn, name)
    except TrackerError as exc:
        _fail(exc)
    click.echo(f"{name}: every session ended (session epoch now {epoch}); "
               f"{len(revoked)} feed token(s) revoked" + (": " + ", ".join(t.name for t in revoked) if revoked else ""))


class _IssueByDefault(click.Group):
    """`feed-token NAME ...` means `feed-token issue NAME ...` (the documented short form)."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands:
            args = ["issue", *args]
        return super().resolve_command(ctx, args)


@cli.group("feed-token", cls=_IssueByDefault)
def feed_token():
    """Tokens that let a calendar or feed reader (which cannot log in) read the .ics and .atom feeds.

    `feed-token NAME` issues one (same as `feed-token issue NAME`); `feed-token revoke NAME` ends it;
    `feed-token list` shows them all.

    Example: seoc-tracker feed-token outlook-calendar --days 365 --user alice
    """


@feed_token.command("issue")
@click.argument("name")
@db_option
@config_option
@click.option("--days", type=int, default=365, show_default=True, help="Days until the token expires (1-1095).")
@click.option("--user", "owner", default=None, help="The login this token is for: `user revoke USER` ends it too, "
                                                     "and it stops working if USER leaves the config.")
def feed_token_issue(name, db_path, config_path, days, owner):
    """Print a new feed token NAME; an earlier token of the same name is revoked.

    Example: seoc-tracker feed-token issue outlook-calendar --days 365 --user alice
    """
    from . import feed_tokens
    from .server_secret import Signer, serving_secret
    path = tracker_db.resolve_path(db_path)
    if owner is not None and owner not in _config(config_path).users:
        # Such a token would be refused on every request: say so now rather than when a calendar stays empty.
        raise click.BadParameter(f"{owner!r} is not a login in the config file's [users]", param_hint="--user")
    try:
        # The secret serve will check: a token signed with an example secret could be forged by anyone.
        signer = Signer(serving_secret(path))
        database = tracker_db.connect(path)
        token, row, replaced = feed_tokens.issue(database.conn, signer, name, days=days, owner=owner)
    except TrackerError as exc:
        _fail(exc)
    click.echo(token)
    click.echo(f"Append ?_feed_token=TOKEN to a .ics or .atom URL. It reads feeds as a reader until "
               f"{row.expires[:10]}; `seoc-tracker feed-token revoke {name}` ends it sooner."
               + (f" It replaces the previous token named {name}, now revoked." if replaced else ""), err=True)


@feed_token.command("revoke")
@click.argument("name")
@db_option
def feed_token_revoke(name, db_path):
    """Revoke feed token NAME: calendars and readers using it are refused from their next request.

    Example: seoc-tracker feed-token revoke outlook-calendar
    """
    from . import feed_tokens
    try:
        database = tracker_db.connect(_existing_db(db_path))
        revoked = feed_tokens.revoke(database.conn, name)
    except TrackerError as exc:
        _fail(exc)
    if not revoked:
        raise click.ClickException(f"no live feed token is named {name!r} (see `seoc-tracker feed-token list`)")
    click.echo(f"feed token {name} revoked")


@feed_token.command("list")
@db_option
def feed_token_list(db_path):
    """List feed tokens issued: name, owner, issued, expires, revoked (the tokens themselves are not stored).

    Example: seoc-tracker feed-token list
    """
    from . import feed_tokens
    try:
        database = tracker_db.connect(_existing_db(db_path))
        rows = feed_tokens.listing(database.conn)
    except TrackerError as exc:
        _fail(exc)
    now = datetime.now(timezone.utc).isoformat()
    for row in rows:
        state = (f"revoked {row.revoked[:10]}" if row.revoked
                 else f"expired {row.expires[:10]}" if row.expires <= now else f"expires {row.expires[:10]}")
        click.echo(f"{row.name:<30} {row.owner or '-':<16} issued {row.issued[:10]}  {state}")


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True, help="Re-classify every item, not only new or changed ones.")
@click.option("--jsonl", "jsonl", type=click.File("r"), default=None,
              help="Classify JSON lines from FILE (- for stdin) and print results; touches no database.")
def classify(db_path, everything, jsonl):
    """Link items to the directorate's priorities (with evidence), or classify JSON lines.

    Example: seoc-tracker classify --jsonl items.jsonl
    """
    import json as json_mod

    from .classify import classify_jsonl
    if jsonl is not None:
        for result in classify_jsonl(jsonl):
            click.echo(json_mod.dumps(result, ensure_ascii=False))
        return
    try:
        database = tracker_db.connect(_existing_db(db_path))
        result = tagging.classify_stored(database, everything=everything,
                                         progress=lambda n: click.echo(f"classified {n} items", err=True))
        links = linking.suggest_links(database, everything=everything)
    except TrackerError as exc:
        _fail(exc)
    click.echo(f"classified {result.classified} items: {result.relevant} relevant, {result.tags_written} tags; "
               f"{links.suggested} reform links suggested")


@cli.command()
@click.argument("labelled", type=click.File("r"))
@click.option("--part", type=click.Choice(["all", "tune", "heldout"]), default="all", show_default=True,
              help="Evaluate on the whole file or on one part of the project's deterministic split.")
def evaluate(labelled, part):
    """Print precision, recall and F1 for relevance and themes, beside a keyword baseline.

    Example: seoc-tracker evaluate seoc_dev.jsonl --part heldout
    """
    from . import evaluate as evaluate_mod
    try:
        rows = evaluate_mod.read_labelled(labelled)
    except TrackerError as exc:
        _fail(exc)
    if part != "all":
        tune, heldout = evaluate_mod.split_dev(rows)
        rows = tune if part == "tune" else heldout
    click.echo(evaluate_mod.format_report(evaluate_mod.evaluate(rows)))


def _parse_as_of(value):
    if value is None:
        return None
    from .weeks import parse_instant
    try:
        return parse_instant(value)
    except TrackerError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None


@cli.command()
@db_option
@config_option
@click.option("--week", default=None, metavar="YYYY-Www", help="ISO week (default: the latest due, Monday 07:30).")
@click.option("--as-of", "as_of", default=None, metavar="DATETIME",
              help="Show what the stored versions held at this time (reproduce a past briefing).")
@click.option("--send", is_flag=True, help="Email it (once per week; see --force).")
@click.option("--to", "recipients", multiple=True, metavar="ADDR", help="Send to these addresses instead.")
@click.option("--force", is_flag=True, help="Send again even if this week's briefing was already sent.")
def brief(db_path, config_path, week, as_of, send, recipients, force):
    """Write a week's briefing to reports/<week>.html and .txt, and optionally email it.

    A week's briefing covers the 7 days before Monday 07:30 (Europe/London) of that week, read from the
    stored versions as they were then, so generating a past week again gives the same briefing.

    Example: seoc-tracker brief --week 2026-W48 --send
    """
    from . import jobs
    path = _existing_db(db_path)
    config = _config(config_path)
    if week is None and as_of is None:
        from .weeks import latest_briefing_week
        week = latest_briefing_week(datetime.now(timezone.utc))
    try:
        outcome = jobs.brief(path, config, week=week, as_of=_parse_as_of(as_of),
                             send=send or bool(recipients), recipients=list(recipients) or None, force=force)
    except TrackerError as exc:
        _fail(exc)
    click.echo(f"{outcome.subject}\n  {outcome.paths[0]}\n  {outcome.paths[1]}\n  {outcome.message}")


@cli.command()
@db_option
@config_option
def schedule(db_path, config_path):
    """Run the schedule: crawls on weekdays, the Monday briefing, catch-up after downtime (Ctrl+C or SIGTERM stops).

    Example: seoc-tracker schedule --db data/tracker.db --config seoc-tracker.toml
    """
    import logging

    from .scheduler import run_forever
    from .server_secret import check_configured_secret
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _config(config_path)
    try:
        # The schedule shares serve's environment file: an example secret there is refused here too.
        check_configured_secret(tracker_db.resolve_path(db_path))
    except TrackerError as exc:
        _fail(exc)
    run_forever(tracker_db.resolve_path(db_path), config)
    click.echo("schedule stopped", err=True)


@cli.command("run")
@db_option
@config_option
def run_once(db_path, config_path):
    """One full live cycle now: crawl every source, classify, write the briefing, send it if configured.

    Example: seoc-tracker run --db data/tracker.db
    """
    from . import jobs
    config = _config(config_path)
    path = tracker_db.resolve_path(db_path)
    try:
        results = jobs.crawl_and_classify(path, config, progress=_Progress())
        _explain_if_offline(results)
        # "Now": the briefing covers the 7 days up to this moment and reports this crawl's failures.
        outcome = jobs.brief(path, config, as_of=datetime.now(timezone.utc),
                             send=jobs.smtp_settings(config) is not None)
    except TrackerError as exc:
        _fail(exc)
    click.echo(f"{outcome.subject}\n  {outcome.paths[0]}\n  {outcome.message}")
    failed = [r.source for r in results if r.status != "ok"]
    if failed:
        click.secho(f"sources not ok: {', '.join(failed)} (the briefing says so)", fg="red", err=True)
        sys.exit(1)


if __name__ == "__main__":
    cli()
