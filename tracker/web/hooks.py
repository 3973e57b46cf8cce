"""Datasette hook implementations only; the logic lives in tracker.register, tracker.dossier, tracker.dashboard."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, unquote

from datasette import hookimpl
from markupsafe import escape
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Forbidden, NotFound, Response

from tracker.web import dashboard

from tracker.web import dossier

from tracker.store import register
from tracker.errors import ValidationError

EDITOR_ROLES = {"editor", "admin"}


def _db_name(datasette) -> str:
    return next(name for name in datasette.databases if name != "_internal" and name != "_memory")


def is_editor(actor: dict | None) -> bool:
    """Editors and admins may write and read the response register."""
    roles = (actor or {}).get("roles") or []
    return bool(EDITOR_ROLES.intersection(roles if isinstance(roles, list) else [roles]))


def safe_url(value) -> str | None:
    """Only http(s) URLs ever become links: scraped `javascript:` and friends are dropped."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["safe_url"] = safe_url
    env.filters["quote_id"] = lambda value: quote(str(value), safe=":/")
    env.filters["tilde"] = lambda value: tilde_encode(str(value))


async def _can_view(datasette, request) -> None:
    db = _db_name(datasette)
    allowed = await datasette.permission_allowed(request.actor, "view-instance", default=True)
    allowed = allowed and await datasette.permission_allowed(request.actor, "view-database", db, default=True)
    allowed = allowed and await datasette.permission_allowed(
        request.actor, "view-table", (db, "items"), default=True)
    if not allowed:
        raise Forbidden("You need to log in to see this page")


def _require_editor(request) -> str:
    if not is_editor(request.actor):
        raise Forbidden("Only editors and admins can change the register, tags, links or triage")
    return request.actor["id"]


async def dossier_page(datasette, request):
    await _can_view(datasette, request)
    raw = request.url_vars["item_id"]
    # Datasette redirects %-encoded paths to its tilde encoding; accept both, and plain ids.
    item_id = tilde_decode(raw) if "~" in raw else unquote(raw)
    db = datasette.get_database(_db_name(datasette))
    editor = is_editor(request.actor)
    # Anonymous readers (public_read) see published data only: no triage, reviewer names or review notes.
    staff = request.actor is not None
    data = await db.execute_fn(lambda conn: dossier.load(conn, item_id, include_responses=editor, staff=staff))
    if data is None:
        raise NotFound(f"No tracked item has id {item_id}")
    return await _render_dossier(datasette, request, data, editor)


async def _render_dossier(datasette, request, data, editor, errors=None, form=None, status=200):
    context = {**data, "is_editor": editor, "errors": errors or {}, "form": form or {},
               "decisions": register.DECISIONS, "statuses": register.STATUSES,
               "triage_states": register.TRIAGE_STATES, "database": _db_name(datasette),
               "message": request.args.get("message")}
    html = await datasette.render_template("dossier.html", context, request=request)
    return Response.html(html, status=status)


def _redirect_to_dossier(datasette, item_id: str, message: str) -> Response:
    return Response.redirect(datasette.urls.path(f"/-/dossier/{quote(item_id, safe=':/')}")
                             + "?message=" + quote(message))


async def save_response(datasette, request):
    if request.method != "POST":
        return Response.text("Method not allowed", status=405)
    actor = _require_editor(request)
    form = dict((await request.post_vars()).items())
    db = datasette.get_database(_db_name(datasette))
    try:
        response_id = register.parse_id(form["response_id"], "response_id") if form.get("response_id") else None
        entry = register.validate_response(form)
        await db.execute_write_fn(lambda conn: register.save_response(
            conn, actor, entry, response_id), block=True)
    except register.FormError as exc:
        errors = exc.errors
        item_id = str(form.get("item_id") or "")
        data = await db.execute_fn(lambda conn: dossier.load(conn, item_id, include_responses=True))
        if data is None:
            return Response.html(f"<p>Response not saved: {escape(str(exc))}</p>", status=400)
        return await _render_dossier(datasette, request, data, True, errors=errors, form=form, status=400)
    return _redirect_to_dossier(datasette, entry.item_id, "Response saved")


async def review_row(datasette, request):
    if request.method != "POST":
        return Response.text("Method not allowed", status=405)
    actor = _require_editor(request)
    form = await request.post_vars()
    db = datasette.get_database(_db_name(datasette))
    table = {"tag": "item_priorities", "link": "links"}.get(form.get("what", ""), "")
    try:
        row_id = register.parse_id(form.get("id", ""), "id")
        await db.execute_write_fn(lambda conn: register.review(
            conn, actor, table, row_id, form.get("state", ""), form.get("note", "")), block=True)
    except ValidationError as exc:
        return Response.text(f"Review not saved: {exc}", status=400)
    return _redirect_to_dossier(datasette, form.get("item_id", ""), "Review saved")


async def set_triage(datasette, request):
    if request.method != "POST":
        return Response.text("Method not allowed", status=405)
    actor = _require_editor(request)
    form = await request.post_vars()
    db = datasette.get_database(_db_name(datasette))
    item_id = form.get("item_id", "")
    try:
        await db.execute_write_fn(lambda conn: register.set_triage(
            conn, actor, item_id, form.get("state", ""), form.get("note", "")), block=True)
    except ValidationError as exc:
        return Response.text(f"Triage not saved: {exc}", status=400)
    return _redirect_to_dossier(datasette, item_id, "Triage saved")


async def robots_txt():
    return Response.text("User-agent: *\nDisallow: /\n")


@hookimpl
def register_routes():
    return [
        (r"^/-/dossier/(?P<item_id>.+)$", dossier_page),
        (r"^/-/responses/save$", save_response),
        (r"^/-/review$", review_row),
        (r"^/-/triage$", set_triage),
        (r"^/robots\.txt$", robots_txt),
    ]


@hookimpl
def extra_template_vars(template, datasette, request):
    async def inner():
        extra = {"seoc_is_editor": is_editor(request.actor if request else None)}
        if template == "index.html" and request is not None:
            db = datasette.get_database(_db_name(datasette))
            extra["dashboard"] = await db.execute_fn(dashboard.load)
        return extra
    return inner


SEARCH_PATH = re.compile(r"^/[^/]+/items(\.json|\.csv)?$")


def _search_without_default_facets(scope):
    """A full-text search of items skips the configured facets unless facets are asked for.

    Counting five facets over tens of thousands of matches made search pages 8x slower than a plain
    table page on a 200k-item archive; any facet is still one click away (column menu or `_facet=`).
    """
    if scope.get("type") != "http" or not SEARCH_PATH.match(scope.get("path", "")):
        return scope
    query = scope.get("query_string", b"").decode("latin-1")
    params = parse_qs(query, keep_blank_values=True)
    if not any(key.startswith("_search") for key in params) or "_facet" in params or "_nofacet" in params:
        return scope
    return {**scope, "query_string": (query + "&_nofacet=1").encode("latin-1")}


@hookimpl
def asgi_wrapper():
    """Tell crawlers not to index any page, whatever robots.txt they read; keep searches fast."""
    def wrap(app):
        async def add_header(scope, receive, send):
            scope = _search_without_default_facets(scope)
            async def wrapped_send(event):
                if event["type"] == "http.response.start":
                    headers = list(event.get("headers") or [])
                    headers.append((b"x-robots-tag", b"noindex, nofollow"))
                    event = {**event, "headers": headers}
                await send(event)
            await app(scope, receive, wrapped_send)
        return add_header
    return wrap


@hookimpl
def forbidden(datasette, request, message):
    """Send people who are not logged in to the login page; machines (JSON, CSV, feeds) get the 403."""
    if request.actor is None and not request.path.endswith((".json", ".csv", ".atom", ".ics")):
        return Response.redirect(datasette.urls.path("/-/login"))
    return None


@hookimpl
def menu_links(datasette, actor):
    if actor is None:
        return []
    links = [{"href": datasette.urls.path(f"/{_db_name(datasette)}/deadlines"), "label": "Deadlines"}]
    if is_editor(actor):
        links.append({"href": datasette.urls.path(f"/{_db_name(datasette)}/closing_soon"),
                      "label": "Closing soon: our responses"})
    return links
