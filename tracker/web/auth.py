"""Datasette hooks for logins, sessions and feed tokens; the logic lives in tracker.accounts, tracker.sessions,
tracker.feed_tokens, tracker.login_guard and tracker.http_guard.

The actor is derived here on every request and nowhere else: from a session cookie, the account's role in the
current config and its session epoch in the database; or, on a feed URL, from a live feed token. What other
plugins would derive (Datasette's own `ds_actor` reader trusts any roles a signed cookie carries) is discarded.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response

from tracker.store import feed_tokens

from tracker.web import http_guard

from tracker.store import sessions
from tracker.web.accounts import Accounts
from tracker.web.login_guard import LoginGuard, TooManyAttempts

log = logging.getLogger(__name__)
FEED_EXTENSIONS = (".atom", ".ics")
_STATE = "_seoc_auth"


@dataclass
class AuthState:
    """What the hooks need about one Datasette instance; attached by tracker.serve.build_datasette."""

    accounts: Accounts
    session_hours: float = sessions.DEFAULT_HOURS
    https: bool = False
    demo: bool = False
    guard: LoginGuard = field(default_factory=LoginGuard)
    clock: Callable[[], float] = time.time


def attach(datasette, state: AuthState) -> None:
    """Give an instance its accounts and settings (an instance without them has no logged-in actor at all)."""
    setattr(datasette, _STATE, state)


def state_of(datasette) -> AuthState | None:
    """The instance's AuthState, or None."""
    return getattr(datasette, _STATE, None)


def _database(datasette):
    return next(db for name, db in datasette.databases.items() if name not in ("_internal", "_memory"))


async def _read(datasette, fn: Callable[[sqlite3.Connection], Any]) -> Any:
    try:
        return await _database(datasette).execute_fn(fn)
    except sqlite3.Error as exc:
        log.error("cannot read sessions or feed tokens, so nobody is logged in: %s", exc)
        return None


async def _session_actor(datasette, state: AuthState, request) -> dict | None:
    session = sessions.read(datasette, request.cookies.get(sessions.COOKIE))
    if session is None:
        return None
    role = state.accounts.role(session.account)
    if role is None or not session.is_fresh(state.clock(), state.session_hours * 3600):
        return None
    epoch = await _read(datasette, lambda conn: sessions.current_epoch(conn, session.account))
    if epoch != session.epoch:
        return None
    return {"id": session.account, "roles": [role]}


async def _feed_actor(datasette, state: AuthState, request) -> dict | None:
    claimed = feed_tokens.claim(datasette, request.scope.get(http_guard.FEED_TOKEN_SCOPE_KEY))
    if claimed is None or not request.path.endswith(FEED_EXTENSIONS):
        return None
    token = await _read(datasette, lambda conn: feed_tokens.live(conn, claimed))
    if token is None or (token.owner is not None and state.accounts.role(token.owner) is None):
        return None
    return {"id": f"feed:{token.name}", "roles": ["reader"]}


async def derive_actor(datasette, request) -> dict | None:
    """The request's actor under the project's rules, or None (anonymous)."""
    state = state_of(datasette)
    if state is None:
        return None
    return await _session_actor(datasette, state, request) or await _feed_actor(datasette, state, request)


@hookimpl(wrapper=True)
def actor_from_request(datasette, request):
    """Replace every other plugin's answer with the project's own derivation."""
    try:
        yield
    except Exception:  # e.g. datasette-auth-passwords on a malformed Basic header: its answer is unused anyway
        pass
    return [derive_actor(datasette, request)]


def _client_address(request) -> str:
    client = request.scope.get("client")
    return str(client[0]) if client else "unknown"


async def _login_page(datasette, request, error: str | None, status: int = 200, headers=None) -> Response:
    html = await datasette.render_template("password_login.html", {"error": error}, request=request)
    return Response.html(html, status=status, headers=headers or {})


#: The page an anonymous reader asked for before being sent to log in (signed; set by the forbidden hook).
NEXT_COOKIE = "seoc_next"


def _page_asked_for(datasette, request) -> str | None:
    """The signed page to return to after login: a path on this site only, never another host."""
    try:
        wanted = datasette.unsign(request.cookies.get(NEXT_COOKIE, ""), NEXT_COOKIE)
    except Exception:  # missing, forged or from another secret: go home
        return None
    if not isinstance(wanted, str) or not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted:
        return None
    return wanted


async def login(request, datasette):
    """datasette-auth-passwords' form, with the hash off the event loop, limits, and a session cookie."""
    if request.method not in ("GET", "POST"):
        return Response.text("Method not allowed", status=405)
    state = state_of(datasette)
    if request.method == "GET":
        return await _login_page(datasette, request, None)
    form = await request.post_vars()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    if state is None:
        return await _login_page(datasette, request, "Logins are not configured on this instance", 503)
    try:
        attempt = state.guard.begin(username, _client_address(request))
    except TooManyAttempts as exc:
        return await _login_page(datasette, request, f"Too many login attempts: try again in {exc.retry_after} "
                                 "seconds.", 429, {"Retry-After": str(exc.retry_after)})
    # Unknown names are checked against a dummy hash of the same cost (see tracker.login_guard).
    stored = state.accounts.password_hash(username) if state.accounts.role(username) else None
    if not await state.guard.verify(password, stored) or state.accounts.role(username) is None:
        return await _login_page(datasette, request, "Invalid username or password")
    state.guard.succeeded(attempt)
    epoch = await _read(datasette, lambda conn: sessions.current_epoch(conn, username))
    if epoch is None:
        return await _login_page(datasette, request, "Logins are unavailable: the database cannot be read", 503)
    response = Response.redirect(_page_asked_for(datasette, request) or datasette.urls.instance())
    response.set_cookie(NEXT_COOKIE, "", expires=0, max_age=0, httponly=True, samesite="lax")
    response.set_cookie(sessions.COOKIE, sessions.sign(datasette, username, epoch=epoch, issued=state.clock()),
                        max_age=int(state.session_hours * 3600), httponly=True, samesite="lax", secure=state.https)
    return response


async def logout(request, datasette):
    """Datasette's logout, which also ends the account's sessions on the server (a copied cookie dies too)."""
    if request.method == "GET":
        if not request.actor:
            return Response.redirect(datasette.urls.instance())
        return Response.html(await datasette.render_template("logout.html", {"actor": request.actor},
                                                             request=request))
    if request.method != "POST":
        return Response.text("Method not allowed", status=405)
    session = sessions.read(datasette, request.cookies.get(sessions.COOKIE))
    if session is not None and request.actor and request.actor.get("id") == session.account:
        await _database(datasette).execute_write_fn(
            lambda conn: sessions.end_sessions(conn, session.account, "logout"), block=True)
    response = Response.redirect(datasette.urls.instance())
    response.set_cookie(sessions.COOKIE, "", expires=0, max_age=0, httponly=True, samesite="lax")
    datasette.add_message(request, "You are now logged out", datasette.WARNING)
    return response


async def password_tool(request, datasette):
    """Only in the demo (elsewhere `seoc-tracker user add` prints hashes): hashes in a worker thread."""
    state = state_of(datasette)
    if state is None or not state.demo:
        raise NotFound("Not found")
    hashed = None
    if request.method == "POST":
        password = str((await request.post_vars()).get("password") or "")
        if password:
            from datasette_auth_passwords.utils import hash_password
            try:
                state.guard.begin("password-tool", _client_address(request))
            except TooManyAttempts as exc:
                return Response.text(f"Too many requests: try again in {exc.retry_after} seconds", status=429,
                                     headers={"Retry-After": str(exc.retry_after)})
            hashed = await state.guard.hash_in_worker(hash_password, password)
    return Response.html(await datasette.render_template("password_tool.html", {"hashed_password": hashed},
                                                         request=request))


async def not_served(request, datasette):
    """Debug listings not served: running tasks, and the database's path on the server."""
    raise NotFound("Not found")


@hookimpl(tryfirst=True)
def register_routes():
    # tryfirst: these come before datasette-auth-passwords' and Datasette's own routes for the same paths.
    return [
        (r"^/-/login$", login),
        (r"^/-/logout$", logout),
        (r"^/-/password-tool$", password_tool),
        (r"^/-/(threads|databases)(\.json)?$", not_served),
    ]


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        return http_guard.guard(app, https=lambda: bool(getattr(state_of(datasette), "https", False)))
    return wrap
