"""Commands for the briefing and the schedule: brief, schedule, run."""
from __future__ import annotations

import sys

import click

import tracker.cli as base
from tracker.cli import (_config, _existing_db, _explain_if_offline, _Progress, cli, config_option,
                         db_option)
from tracker.errors import TrackerError
from tracker.store import db as tracker_db


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
@click.option("--as-of", "as_of", default=None, metavar="DATETIME", callback=base.parse_instant_option,
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
        outcome = jobs.brief(path, config, week=week, as_of=as_of, now=base._now(), send=send or bool(recipients),
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
    now = base._now()
    outcome = jobs.brief(path, config, as_of=now, now=now,
                         send=is_briefing_instant(now) and jobs.smtp_settings(config) is not None)
    click.echo(f"{outcome.subject}\n  {outcome.paths[0]}\n  {outcome.message}")
    failed = [r.source for r in results if r.status != "ok"]
    if failed:
        click.secho(f"sources not ok: {', '.join(failed)} (the briefing says so)", fg="red", err=True)
        sys.exit(1)
