"""Commands for the web app and its logins: serve, user add/revoke, feed-token."""
from __future__ import annotations

from datetime import datetime, timezone

import click

from tracker.cli import _config, _existing_db, cli, config_option, db_option
from tracker.store import db as tracker_db


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
@config_option
@click.option("--days", type=int, default=365, show_default=True, help="Days until the token expires (1-1095).")
@click.option("--user", "owner", default=None, help="The login this token is for: `user revoke USER` ends it too, "
                                                     "and it stops working if USER leaves the config.")
def feed_token_issue(name, db_path, config_path, days, owner):
    """Print a new feed token NAME; an earlier token of the same name is revoked.

    Example: seoc-tracker feed-token issue outlook-calendar --days 365 --user alice
    """
    from tracker.store import feed_tokens
    from tracker.server_secret import Signer, serving_secret
    path = tracker_db.resolve_path(db_path)
    if owner is not None and owner not in _config(config_path).users:
        # Such a token would be refused on every request: say so now rather than when a calendar stays empty.
        raise click.BadParameter(f"{owner!r} is not a login in the config file's [users]", param_hint="--user")
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
@click.argument("folder", type=click.Path(file_okay=False))
@db_option
def publish(folder, db_path):
    """Write a read-only copy of the public data into FOLDER: tracker.db and metadata.json.

    Only listed public tables and columns are copied (tracker/publish.py): never the response register,
    triage, relevance decisions, reviewers' notes, accounts, sessions, feed tokens or the audit log. Serve
    the copy on any number of replicas with `datasette serve --immutable FOLDER/tracker.db -m
    FOLDER/metadata.json`, or `datasette publish`. Write each release to a new folder: an immutable
    database must not change while it is served.

    Example: seoc-tracker publish --db data/tracker.db public/2026-12-05
    """
    from tracker.publish import publish as publish_copy
    published = publish_copy(_existing_db(db_path), folder)
    counts = ", ".join(f"{table} {count}" for table, count in published.rows.items())
    click.echo(f"wrote {published.database} ({counts}) and {published.metadata}")
