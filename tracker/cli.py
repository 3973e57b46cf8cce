"""The `seoc-tracker` command: a thin click layer over the tracker package (the only place that prints)."""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from tracker import crawl as crawl_mod
from tracker.store import db as tracker_db
from tracker.classify import linking
from tracker.store import items as store
from tracker.classify import tagging
from tracker.contract import SOURCE_NAMES
from tracker.errors import TrackerError

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
    results = crawl_mod.crawl(sources, tracker_db.resolve_path(db_path), snapshot=snapshot,
                              base_urls=base_urls, record=record, full=full, since=since,
                              progress=_Progress())
    _explain_if_offline(results)
    return results


def _explain_if_offline(results) -> None:
    """When no source could even be reached, say so once: the cause is the network, not the sources."""
    if results and all(r.status == "failed" and r.unreachable for r in results):
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
    results = run_crawl((), path, snapshot=str(BUNDLED_SNAPSHOT))
    failed = [r for r in results if r.status != "ok"]
    database = tracker_db.connect(path)
    tagged = tagging.classify_stored(database)
    linking.suggest_links(database)
    click.echo(f"Demo database {path}: {database['items'].count} items from {len(results)} sources; "
               f"{tagged.relevant} of {tagged.classified} relevant to SEOC priorities"
               + (f"; {len(failed)} source(s) not ok" if failed else ""))
    outcome = _demo_briefing(path, _now())
    click.echo(f"Briefing: {outcome.subject}\n  written to {outcome.paths[0]}\n  and {outcome.paths[1]}")
    if failed:
        sys.exit(1)
    if serve:
        click.echo(f"Serving on http://127.0.0.1:{port}/ (Ctrl+C to stop). Log in as demo-editor / "
                   "demo-editor-password (a demo-only account).")
        from tracker.web.serve import serve_datasette
        serve_datasette(path, host="127.0.0.1", port=port, demo=True)


def _demo_briefing(path: Path, now: datetime):
    """The demo's briefing: a preview as of `now`, into `reports/` beside the demo database.

    The demo database's history starts with its crawl, just now: the latest Monday's own briefing would read
    a database that did not exist yet and show nothing, so the demo writes only the preview of the last 7 days.
    """
    from tracker import config as config_mod
    from tracker import jobs
    return jobs.brief(path, config_mod.Config(), as_of=now, now=now)


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                             help="Config file (default: $SEOC_TRACKER_CONFIG, else ./seoc-tracker.toml).")


def _config(config_path):
    from tracker import config as config_mod
    return config_mod.load(config_path)


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
    from tracker.web.serve import serve_datasette
    from tracker.server_secret import check_configured_secret
    path = tracker_db.resolve_path(db_path)
    check_configured_secret(path)  # before anything is said or created (serve_datasette checks again)
    if not path.exists():
        # A fresh deployment serves before its first crawl; a mistyped --db should not pass unnoticed.
        click.secho(f"no database at {path} yet: serving a new, empty one until the first crawl fills it",
                    fg="yellow", err=True)
    serve_datasette(path, host=host, port=port, config=_config(config_path))


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
    from tracker.web.serve import hash_env_name, hash_password
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
    from tracker.store import feed_tokens
    from tracker.store import sessions
    database = tracker_db.connect(_existing_db(db_path))
    epoch = sessions.end_sessions(database.conn, name, "revoked with seoc-tracker user revoke")
    revoked = feed_tokens.revoke_owned_by(database.conn, name)
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
@click.option("--days", type=int, default=365, show_default=True, help="Days until the token expires (1-1095).")
@click.option("--user", "owner", default=None, help="The login this token is for: `user revoke USER` ends it too, "
                                                     "and it stops working if USER leaves the config.")
def feed_token_issue(name, db_path, days, owner):
    """Print a new feed token NAME; an earlier token of the same name is revoked.

    Example: seoc-tracker feed-token issue outlook-calendar --days 365 --user alice
    """
    from tracker.store import feed_tokens
    from tracker.server_secret import Signer, serving_secret
    path = tracker_db.resolve_path(db_path)
    # The secret serve will check: a token signed with an example secret could be forged by anyone.
    signer = Signer(serving_secret(path))
    database = tracker_db.connect(path)
    token, row, replaced = feed_tokens.issue(database.conn, signer, name, days=days, owner=owner)
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
    from tracker.store import feed_tokens
    database = tracker_db.connect(_existing_db(db_path))
    revoked = feed_tokens.revoke(database.conn, name)
    if not revoked:
        raise click.ClickException(f"no live feed token is named {name!r} (see `seoc-tracker feed-token list`)")
    click.echo(f"feed token {name} revoked")


@feed_token.command("list")
@db_option
def feed_token_list(db_path):
    """List feed tokens issued: name, owner, issued, expires, revoked (the tokens themselves are not stored).

    Example: seoc-tracker feed-token list
    """
    from tracker.store import feed_tokens
    database = tracker_db.connect(_existing_db(db_path))
    rows = feed_tokens.listing(database.conn)
    now = datetime.now(timezone.utc).isoformat()
    for row in rows:
        state = (f"revoked {row.revoked[:10]}" if row.revoked
                 else f"expired {row.expires[:10]}" if row.expires <= now else f"expires {row.expires[:10]}")
        click.echo(f"{row.name:<30} {row.owner or '-':<16} issued {row.issued[:10]}  {state}")


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True, help="Re-classify every item, not only new or changed ones.")
@click.option("--jsonl", "jsonl", type=click.File("r"), default=None,
              help="Classify JSON lines from FILE (- for stdin) and print results; touches no database. "
                   "A bad line prints {line, error} and the command exits with status 1.")
def classify(db_path, everything, jsonl):
    """Link items to the directorate's priorities (with evidence), or classify JSON lines.

    Example: seoc-tracker classify --jsonl items.jsonl
    """
    import json as json_mod

    from tracker.classify.rules import classify_jsonl
    if jsonl is not None:
        lines = bad = 0
        for result in classify_jsonl(jsonl):
            lines += 1
            bad += "error" in result
            click.echo(json_mod.dumps(result, ensure_ascii=False))
        if bad:
            raise click.ClickException(f"{bad} of {lines} lines were bad (see their error lines)")
        return
    database = tracker_db.connect(_existing_db(db_path))
    result = tagging.classify_stored(database, everything=everything,
                                     progress=lambda n: click.echo(f"classified {n} items", err=True))
    links = linking.suggest_links(database, everything=everything)
    click.echo(f"classified {result.classified} items: {result.relevant} relevant, {result.tags_written} tags; "
               f"{links.suggested} reform links suggested")


@cli.command()
@click.argument("labelled", nargs=-1, type=click.File("r"))
@click.option("--part", type=click.Choice(["all", "tune", "heldout"]), default="all", show_default=True,
              help="Evaluate on the files' rows together, or on one part of the project's deterministic split.")
@click.option("--reviewed", is_flag=True,
              help="Also evaluate against reviewers' decisions in the database (confirmed and rejected tags).")
@db_option
@click.option("--export-reviewed", "export", type=click.File("w"), default=None,
              help="With --reviewed: write the reviewed items as labelled JSON lines to FILE (- for stdout), "
                   "to add to a labelled set before re-fitting the phrase rules.")
@click.option("--phrases", is_flag=True,
              help="List the rules behind predicted themes, most often wrong first: where to re-fit.")
def evaluate(labelled, part, reviewed, db_path, export, phrases):
    """Print precision, recall and F1 for relevance and themes, beside a keyword baseline.

    Labelled files are read together (ids must be unique across them) and shown to the classifier as
    title, summary, organisation and kind only. --reviewed reads the reviews in the database instead
    of, or as well as, files.

    Example: seoc-tracker evaluate seoc_dev.jsonl seoc_extra.jsonl --part heldout
    """
    from tracker.classify import evaluate as evaluate_mod
    if not labelled and not reviewed:
        raise click.UsageError("give one or more labelled files, or --reviewed")
    if export is not None and not reviewed:
        raise click.UsageError("--export-reviewed needs --reviewed")
    out = []
    if labelled:
        rows = evaluate_mod.read_labelled_files(labelled)
        if part != "all":
            tune, heldout = evaluate_mod.split_dev(rows)
            rows = tune if part == "tune" else heldout
        out.append(f"Labelled files ({part}): {', '.join(f.name for f in labelled)}")
        out.append(evaluate_mod.format_report(evaluate_mod.evaluate(rows)))
        if phrases:
            out += ["", evaluate_mod.format_phrase_report(evaluate_mod.phrase_report(rows))]
    if reviewed:
        database = tracker_db.connect(_existing_db(db_path))
        got = evaluate_mod.reviewed_rows(database)
        if out:
            out.append("")
        out.append(f"Reviewed in the database: {len(got.rows)} items ({got.partly_reviewed} partly reviewed items "
                   f"left out); stored tags confirmed {got.confirmed}, rejected {got.rejected}. Items are read as "
                   f"tagging reads them, with their body.")
        if got.rows:
            out.append(evaluate_mod.format_report(evaluate_mod.evaluate(got.rows, evaluate_mod.stored_predict)))
            if phrases:
                counts = evaluate_mod.phrase_report(got.rows, evaluate_mod.STORED_FIELDS)
                out += ["", evaluate_mod.format_phrase_report(counts)]
        if export is not None:
            for row in got.rows:
                export.write(evaluate_mod.labelled_line(row) + "\n")
    click.echo("\n".join(out))


def _parse_as_of(ctx, param, value):
    if value is None:
        return None
    from tracker.weeks import parse_instant
    try:
        return parse_instant(value)
    except TrackerError as exc:
        raise click.BadParameter(str(exc)) from None


def _parse_week(ctx, param, value):
    if value is None:
        return None
    from tracker.weeks import parse_week
    try:
        parse_week(value)
    except TrackerError as exc:
        raise click.BadParameter(str(exc)) from None
    return value.strip()


#: jobs.BriefingRequestError.option -> the option a user typed.
_BRIEF_OPTIONS = {"week": "--week", "as_of": "--as-of", "send": "--send"}


@cli.command()
@db_option
@config_option
@click.option("--week", default=None, metavar="YYYY-Www", callback=_parse_week,
              help="ISO week, one that has started (default: the latest due, Monday 07:30 London).")
@click.option("--as-of", "as_of", default=None, metavar="DATETIME", callback=_parse_as_of,
              help="A preview as of this time (after the first crawl, not in the future): its own file, "
                   "never emailed. Exactly Monday 07:30 London gives that week's briefing.")
@click.option("--send", is_flag=True, help="Email it (once per week; see --force).")
@click.option("--to", "recipients", multiple=True, metavar="ADDR", help="Send to these addresses instead.")
@click.option("--force", is_flag=True, help="Send again even if this week's briefing was already sent.")
def brief(db_path, config_path, week, as_of, send, recipients, force):
    """Write a week's briefing to <week>.html and .txt in the database's reports folder; optionally email it.

    A week's briefing covers the 7 days before Monday 07:30 (Europe/London) of that week, read from the
    stored versions as they were then, so generating a past week again gives the same briefing. It is the
    only document written as <week>.html and the only one emailed. With --as-of another time, a preview is
    written beside it as <week>-preview-<YYYYMMDDTHHMM>.html (London time), titled "preview as of ...".
    The reports folder is reports/ beside the database, or [briefing] reports_dir in the config file.

    Example: seoc-tracker brief --week 2026-W48 --send
    """
    from tracker import jobs
    path = _existing_db(db_path)
    config = _config(config_path)
    try:
        outcome = jobs.brief(path, config, week=week, as_of=as_of, now=_now(), send=send or bool(recipients),
                             recipients=list(recipients) or None, force=force)
    except jobs.BriefingRequestError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{_BRIEF_OPTIONS[exc.option]}'") from None
    click.echo(f"{outcome.subject}\n  {outcome.paths[0]}\n  {outcome.paths[1]}\n  {outcome.message}")


@cli.command()
@db_option
@config_option
def schedule(db_path, config_path):
    """Run the schedule: crawls on weekdays, the Monday briefing, catch-up after downtime (Ctrl+C or SIGTERM stops).

    Example: seoc-tracker schedule --db data/tracker.db --config seoc-tracker.toml
    """
    import logging

    from tracker.scheduler import run_forever
    from tracker.server_secret import check_configured_secret
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _config(config_path)
    # The schedule shares serve's environment file: an example secret there is refused here too.
    check_configured_secret(tracker_db.resolve_path(db_path))
    run_forever(tracker_db.resolve_path(db_path), config)
    click.echo("schedule stopped", err=True)


@cli.command("run")
@db_option
@config_option
def run_once(db_path, config_path):
    """One full live cycle now: crawl every source, classify, and write a preview briefing as of now.

    The preview goes beside the week's briefing in the reports folder and is never emailed: the week's own
    briefing (as of Monday 07:30) is sent by `schedule`, or by `brief --send`.

    Example: seoc-tracker run --db data/tracker.db
    """
    from tracker import jobs
    from tracker.weeks import is_briefing_instant
    config = _config(config_path)
    path = tracker_db.resolve_path(db_path)
    results = jobs.crawl_and_classify(path, config, progress=_Progress())
    _explain_if_offline(results)
    # "Now": the briefing covers the 7 days up to this moment and reports this crawl's failures. Unless now is
    # exactly Monday 07:30 that is a preview, never emailed; the week's own briefing is the schedule's to send.
    now = _now()
    outcome = jobs.brief(path, config, as_of=now, now=now,
                         send=is_briefing_instant(now) and jobs.smtp_settings(config) is not None)
    click.echo(f"{outcome.subject}\n  {outcome.paths[0]}\n  {outcome.message}")
    failed = [r.source for r in results if r.status != "ok"]
    if failed:
        click.secho(f"sources not ok: {', '.join(failed)} (the briefing says so)", fg="red", err=True)
        sys.exit(1)


if __name__ == "__main__":
    cli()
