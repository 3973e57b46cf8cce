"""Datasette hook implementations only; the pages and forms are in tracker.web.views, the data in
tracker.web.dossier and tracker.web.dashboard."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from tracker.store.db import install_clock
from tracker.web import cells, dashboard
from tracker.web.auth import NEXT_COOKIE
from tracker.web.views import (add_theme, clock_of, db_name, dossier_page, is_editor, review_row, robots_txt,
                               save_response, set_relevance, set_triage)

def safe_url(value) -> str | None:
    """Only http(s) URLs ever become links: scraped `javascript:` and friends are dropped."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


@hookimpl
def prepare_connection(conn, datasette):
    """tracker_now() in every saved query and page: the instance's clock (the demo's moment) or the real one."""
    install_clock(conn, clock_of(datasette))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["safe_url"] = safe_url
    env.filters["quote_id"] = lambda value: quote(str(value), safe=":/")
    env.filters["tilde"] = lambda value: tilde_encode(str(value))
    env.filters["when"] = lambda value: cells.when(str(value or "")) or (value or "")


@hookimpl
def register_routes():
    return [
        (r"^/-/dossier/(?P<item_id>.+)$", dossier_page),
        (r"^/-/responses/save$", save_response),
        (r"^/-/review$", review_row),
        (r"^/-/themes/add$", add_theme),
        (r"^/-/relevance$", set_relevance),
        (r"^/-/triage$", set_triage),
        (r"^/robots\.txt$", robots_txt),
    ]


@hookimpl
def extra_template_vars(template, datasette, request):
    async def inner():
        extra = {"seoc_is_editor": is_editor(request.actor if request else None)}
        if template == "index.html" and request is not None:
            db = datasette.get_database(db_name(datasette))
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
        # Remember the page asked for, so the login lands there (tracker.web.auth reads it back).
        response = Response.redirect(datasette.urls.path("/-/login"))
        wanted = request.path + (f"?{request.query_string}" if request.query_string else "")
        response.set_cookie(NEXT_COOKIE, datasette.sign(wanted, NEXT_COOKIE), max_age=600, httponly=True,
                            samesite="lax")
        return response
    return None


@hookimpl
def render_cell(value, column, table, database, datasette, row):
    """Plain words in HTML pages (tracker.web.cells); JSON and CSV keep the stored values."""
    return cells.render(value, column, table, row, datasette)


@hookimpl
def menu_links(datasette, actor):
    if actor is None:
        return []
    links = [{"href": datasette.urls.path(f"/{db_name(datasette)}/deadlines"), "label": "Deadlines"}]
    if is_editor(actor):
        links.append({"href": datasette.urls.path(f"/{db_name(datasette)}/closing_soon"),
                      "label": "Closing soon: our responses"})
    return links
