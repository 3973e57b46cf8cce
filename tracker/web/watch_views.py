"""The watchlist pages: follow and unfollow (any signed-in person, for themselves), "my watchlist", and the
one-click unsubscribe link from an alert email (RFC 8058: a POST with no login and no CSRF token)."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from datasette.utils.asgi import Forbidden, Response
from markupsafe import escape

from tracker.alerts import run as alerts_run
from tracker.alerts import unsubscribe, watchlist
from tracker.errors import ValidationError
from tracker.store import feed_tokens
from tracker.web import http_guard
from tracker.web.views import clock_of, db_name

FEED_ACTOR_PREFIX = "feed:"
_TEAMS = "_seoc_teams"


def set_teams(datasette, teams: dict) -> None:
    """The configured teams ([teams.NAME]): their members follow and unfollow for the team too."""
    setattr(datasette, _TEAMS, dict(teams))


def teams_of(datasette, person: str) -> list:
    """The teams `person` is a member of, by name."""
    return sorted((t for t in getattr(datasette, _TEAMS, {}).values() if person in t.members), key=lambda t: t.name)


def _owners(datasette, person: str) -> tuple[str, ...]:
    """Whose watches `person` may change: their own and their teams'."""
    return (person, *(watchlist.TEAM_PREFIX + t.name for t in teams_of(datasette, person)))


def _person(request) -> str:
    """The signed-in person's account name; feeds and anonymous visitors have no watchlist."""
    actor = request.actor or {}
    name = actor.get("id")
    if not isinstance(name, str) or not name or name.startswith(FEED_ACTOR_PREFIX):
        raise Forbidden("Log in to follow reforms, themes and searches")
    return name


def _now(datasette) -> datetime:
    return clock_of(datasette) or datetime.now(timezone.utc)


def _back(datasette, form: dict, message: str) -> Response:
    """Back to the page the form was on (a local path only), or the watchlist, saying what was done."""
    target = str(form.get("next") or "")
    if not target.startswith("/") or target.startswith("//"):
        target = datasette.urls.path("/-/watchlist")
    return Response.redirect(target + ("&" if "?" in target else "?") + "message=" + quote(message))


async def follow(datasette, request):
    if request.method != "POST":
        return Response.text("Method not allowed", status=405)
    person = _person(request)
    form = dict((await request.post_vars()).items())
    # A person follows for themselves, or for a team they are a member of; never for anyone else.
    owners = _owners(datasette, person)
    wanted = str(form.get("owner") or person)
    if wanted not in owners:
        return Response.html(f"<p>Not followed: you can follow for yourself or your teams "
                             f"({escape(', '.join(owners))}), not for {escape(wanted[:100])}.</p>", status=400)
    form["owner"] = wanted
    teams = tuple(o[len(watchlist.TEAM_PREFIX):] for o in owners[1:])
    db = datasette.get_database(db_name(datasette))
    try:
        await db.execute_write_fn(lambda conn: watchlist.follow(conn, person, form, teams=teams), block=True)
    except ValidationError as exc:
        return Response.html(f"<p>Not followed: {escape(str(exc))}</p>", status=400)
    return _back(datasette, form, "Followed: you will hear of changes")


async def unfollow(datasette, request):
    if request.method != "POST":
        return Response.text("Method not allowed", status=405)
    person = _person(request)
    form = dict((await request.post_vars()).items())
    db = datasette.get_database(db_name(datasette))
    try:
        removed = await db.execute_write_fn(
            lambda conn: watchlist.unfollow(conn, person, form.get("watch_id"), owners=_owners(datasette, person)),
            block=True)
    except ValidationError as exc:
        return Response.html(f"<p>Not unfollowed: {escape(str(exc))}</p>", status=400)
    return _back(datasette, form, f"You no longer follow {removed.label()}")


async def watchlist_page(datasette, request):
    person = _person(request)
    db = datasette.get_database(db_name(datasette))
    now = _now(datasette)

    owners = _owners(datasette, person)

    def load(conn):
        import sqlite_utils
        database = sqlite_utils.Database(conn)
        watches = [w for owner in owners for w in watchlist.of_owner(conn, owner)]
        names = watchlist.names_for(conn, watches)
        changed = alerts_run.recent(database, watches, now)
        return [{"watch": w, "label": w.label(names), "changes": changed.get(w.id, [])} for w in watches], names

    entries, names = await db.execute_fn(load)
    html = await datasette.render_template("watchlist.html", {
        "entries": entries, "person": person, "themes": names, "message": request.args.get("message"),
        "cadences": watchlist.CADENCES, "owners": owners}, request=request)
    return Response.html(html)


async def unsubscribe_page(datasette, request):
    """GET: say what the link stops and offer the button; POST (the button, or a mail client's one-click):
    stop it. A forged, altered or expired link is a 400 that changes nothing."""
    token = request.args.get("t")
    db = datasette.get_database(db_name(datasette))
    try:
        claim = unsubscribe.read(datasette._secret, token, now=clock_of(datasette))
    except unsubscribe.LinkError as exc:
        return Response.html(await datasette.render_template(
            "unsubscribe.html", {"error": str(exc), "done": None, "pending": None, "token": ""}, request=request),
            status=400)
    if request.method == "POST":
        removed = await db.execute_write_fn(
            lambda conn: watchlist.remove_by_link(conn, claim.owner, claim.watches), block=True)
        context = {"error": None, "done": [w.label() for w in removed], "pending": None, "token": ""}
    else:
        def still_followed(conn):
            watches = [(watchlist.get(conn, watch_id), created) for watch_id, created in claim.watches]
            return [w.label() for w, created in watches
                    if w is not None and w.owner == claim.owner and w.created == created]

        pending = await db.execute_fn(still_followed)
        context = {"error": None, "done": None, "pending": pending, "token": token}
    return Response.html(await datasette.render_template("unsubscribe.html", context, request=request))


async def watchlist_feed(datasette, request):
    """A person's watchlist as a private Atom feed: what changed on what they follow in the last 30 days. Read
    with a feed token issued for them (`seoc-tracker feed-token NAME --user PERSON`), or signed in."""
    db = datasette.get_database(db_name(datasette))
    person = None
    claimed = feed_tokens.claim(datasette, request.scope.get(http_guard.FEED_TOKEN_SCOPE_KEY))
    actor_id = (request.actor or {}).get("id") or ""
    if claimed is not None and actor_id.startswith(FEED_ACTOR_PREFIX):
        token = await db.execute_fn(lambda conn: feed_tokens.live(conn, claimed))
        person = token.owner if token is not None else None
        if person is None:
            raise Forbidden("This feed token is not issued for a person: issue one with --user NAME")
    elif actor_id and not actor_id.startswith(FEED_ACTOR_PREFIX):
        person = actor_id
    if person is None:
        raise Forbidden("A watchlist feed needs a feed token issued for you (seoc-tracker feed-token NAME --user YOU)")
    now = _now(datasette)

    def load(conn):
        import sqlite_utils
        watches = watchlist.of_owner(conn, person)
        names = watchlist.names_for(conn, watches)
        changed = alerts_run.recent(sqlite_utils.Database(conn), watches, now)
        return [(w.label(names), c) for w in watches for c in changed.get(w.id, [])]

    entries = await db.execute_fn(load)
    return Response(atom(datasette, request, person, entries, now), content_type="application/atom+xml; charset=utf-8")


def atom(datasette, request, person: str, entries, now: datetime) -> str:
    """The Atom document: one entry per change and watch, newest first, each linking to its reform page."""
    from feedgen.feed import FeedGenerator
    from tracker.alerts.message import KIND_WORDS
    base = request.url.split("/-/", 1)[0]
    feed = FeedGenerator()
    feed.id(f"{base}/-/watchlist#{quote(person)}")
    feed.title(f"Watchlist of {person}")
    feed.link(href=f"{base}/-/watchlist", rel="alternate")
    feed.updated(now)
    for label, change in sorted(entries, key=lambda pair: (pair[1].at, pair[1].key), reverse=True):
        entry = feed.add_entry(order="append")
        entry.id(f"{base}/-/watchlist#{quote(person)}/{quote(change.key)}/{quote(label)}")
        entry.title(f"{KIND_WORDS[change.kind]}: {change.title}")
        entry.link(href=f"{base}{datasette.urls.path('/-/dossier/')}{quote(change.item_id, safe=':/')}")
        entry.summary(f"{change.detail} (because you follow {label})")
        entry.updated(datetime.fromisoformat(change.at))
    return feed.atom_str(pretty=True).decode("utf-8")
