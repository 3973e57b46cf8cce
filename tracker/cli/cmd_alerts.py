"""Commands for watchlists and alerts: watch (add, list, remove), alerts."""
from __future__ import annotations

import sys

import click

import tracker.cli as base
from tracker.cli import _config, _existing_db, cli, config_option, db_option
from tracker.store import db as tracker_db


@cli.command()
@db_option
@config_option
@click.option("--send", is_flag=True, help="Email each person and team their alert (else only say what is due).")
@click.option("--at", "at", default=None, metavar="DATETIME", callback=base.parse_instant_option,
              help="Run as of this moment instead of now (the demo stands on Mon 14 Sep 2026 07:30 London).")
def alerts(db_path, config_path, send, at):
    """Alert each person and team about what changed on what they follow since their last alert.

    Immediate watches cover up to now, daily ones up to the start of today, weekly ones up to Monday 00:00
    (London). A message is sent once; a failed one is sent again by the next run. Addresses come from
    [users.NAME] email and [teams.NAME] email in the config file.

    Example: seoc-tracker alerts --send --db data/tracker.db --config seoc-tracker.toml
    """
    from tracker import jobs
    path = _existing_db(db_path)
    config = _config(config_path)
    built, outcomes = jobs.alerts(path, config, now=at or base._now(), send=send)
    if not built:
        click.echo("No alerts due: nothing changed on what anyone follows.")
        return
    if not send:
        for alert in built:
            click.echo(f"{alert.owner} <{alert.address or 'no address'}>: {len(alert.keys)} change(s) on "
                       f"{len(alert.sections)} watch(es) (not sent; add --send)")
        return
    for outcome in outcomes:
        colour = {"sent": "green", "already sent": None}.get(outcome.status, "red")
        click.secho(outcome.message, fg=colour, err=colour == "red")
    if any(o.status in ("failed", "no address") for o in outcomes):
        sys.exit(1)


@cli.group()
def watch():
    """Follow and unfollow for a person or a team (the pages do the same for the signed-in person).

    Example: seoc-tracker watch add alice theme fraud --cadence daily
    """


@watch.command("add")
@click.argument("owner")
@click.argument("what", type=click.Choice(["reform", "item", "theme", "organisation", "search"]))
@click.argument("target")
@click.option("--kind", default="", help="A saved search's kind filter (e.g. consultation).")
@click.option("--source", default="", help="A saved search's source filter (e.g. govuk).")
@click.option("--theme", default="", help="A saved search's theme filter (a theme id, e.g. fraud).")
@click.option("--cadence", default="immediate", type=click.Choice(["immediate", "daily", "weekly"]),
              show_default=True)
@db_option
@config_option
def watch_add(owner, what, target, kind, source, theme, cadence, db_path, config_path):
    """OWNER (an account, or team:NAME) follows TARGET: an item or reform id, a theme id, an organisation, or a
    search.

    Example: seoc-tracker watch add team:fraud search "failure to prevent" --kind consultation
    """
    from tracker.alerts import watchlist
    config = _config(config_path)
    database = tracker_db.connect(_existing_db(db_path))
    watch_id = watchlist.follow(database.conn, "cli", {"owner": owner, "what": what, "target": target, "kind": kind,
                                                       "source": source, "theme": theme, "cadence": cadence},
                                teams=tuple(config.teams))
    click.echo(f"{owner} follows {what} {target} (watch {watch_id}, {cadence})")


@watch.command("list")
@click.argument("owner")
@db_option
def watch_list(owner, db_path):
    """List what OWNER follows.

    Example: seoc-tracker watch list alice
    """
    from tracker.alerts import watchlist
    database = tracker_db.connect(_existing_db(db_path))
    for item in watchlist.of_owner(database.conn, owner):
        click.echo(f"{item.id}\t{item.cadence}\t{item.label()}")


@watch.command("remove")
@click.argument("owner")
@click.argument("watch_id")
@db_option
def watch_remove(owner, watch_id, db_path):
    """Stop OWNER following watch WATCH_ID.

    Example: seoc-tracker watch remove alice 3
    """
    from tracker.alerts import watchlist
    database = tracker_db.connect(_existing_db(db_path))
    removed = watchlist.unfollow(database.conn, "cli", watch_id, owners=(owner,))
    click.echo(f"{owner} no longer follows {removed.label()}")


@cli.command("team-briefing")
@click.argument("team")
@db_option
@config_option
@click.option("--week", default=None, metavar="YYYY-Www", help="ISO week (default: the latest due).")
@click.option("--send", is_flag=True, help="Email it to the team's address (once per week; see --force).")
@click.option("--force", is_flag=True, help="Send again even if already sent this week.")
def team_briefing(team, db_path, config_path, week, send, force):
    """Show (or email) the Monday briefing for TEAM: its themes' reforms first, in full; everything else relevant in
    one line each; the team's own responses and deadlines. Teams are [teams.NAME] in the config file.

    Example: seoc-tracker team-briefing fraud --week 2026-W48 --send
    """
    from tracker import jobs
    path = _existing_db(db_path)
    config = _config(config_path)
    try:
        view, text, said = jobs.team_briefing(path, config, team, week=week, now=base._now(), send=send, force=force)
    except jobs.BriefingRequestError as exc:
        raise click.BadParameter(str(exc), param_hint="'--week'") from None
    click.echo(said if send else text)
