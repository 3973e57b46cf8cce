"""Datasette hook implementations only; the pages and forms are in tracker.web.views, the data in
tracker.web.dossier and tracker.web.dashboard."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, unquote_plus

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import BadRequest, Response

from tracker.store.db import install_clock
from tracker import search_language as search
from tracker.web import cells, counts, dashboard, facets, search_order, watch_views
from tracker.web.auth import NEXT_COOKIE
from tracker.web.views import (add_theme, clock_of, db_name, dossier_page, is_editor, review_row, robots_txt, calendar_page,
                               save_response, set_relevance, set_triage, commitments_page, decide_commitment)
from tracker.web.views import decide_suggestion, scorecard_page, set_outcome, withdraw_response

def safe_url(value) -> str | None:
    """Only http(s) URLs ever become links: scraped `javascript:` and friends are dropped."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else None


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["safe_url"] = safe_url
    env.filters["quote_id"] = lambda value: quote(str(value), safe=":/")
    env.filters["tilde"] = lambda value: tilde_encode(str(value))
    env.filters["when"] = lambda value: cells.when(str(value or "")) or (value or "")
    env.filters["facet_label"] = cells.facet_label


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """Datasette's column and array facets, answered from stored counts where they can be (tracker.web.facets)."""
    outcome = yield
    outcome.force_result([[facets.REPLACEMENTS.get(cls, cls) for cls in classes]
                          for classes in outcome.get_result()])


@hookimpl
def register_routes():
    return [
        (r"^/-/dossier/(?P<item_id>.+)$", dossier_page),
        (r"^/-/calendar$", calendar_page),
        (r"^/-/responses/save$", save_response),
        (r"^/-/review$", review_row),
        (r"^/-/themes/add$", add_theme),
        (r"^/-/relevance$", set_relevance),
        (r"^/-/triage$", set_triage),
        (r"^/-/responses/withdraw$", withdraw_response),
        (r"^/-/asks/outcome$", set_outcome),
        (r"^/-/suggestions/decide$", decide_suggestion),
        (r"^/-/scorecard$", scorecard_page),
        (r"^/-/commitments$", commitments_page),
        (r"^/-/commitments/decide$", decide_commitment),
        (r"^/robots\.txt$", robots_txt),
        (r"^/-/watch/follow$", watch_views.follow),
        (r"^/-/watch/unfollow$", watch_views.unfollow),
        (r"^/-/watchlist$", watch_views.watchlist_page),
        (r"^/-/watchlist\.atom$", watch_views.watchlist_feed),
        (r"^/-/unsubscribe$", watch_views.unsubscribe_page),
    ]


@hookimpl
def register_magic_parameters(datasette):
    """`:_seoc_base` in saved queries: this instance's address, so feed events can link to reform pages."""
    def seoc(key, request):
        if key != "base":
            raise KeyError(key)
        return datasette.absolute_url(request, datasette.urls.path("")).rstrip("/")
    return [("seoc", seoc)]


@hookimpl
def extra_template_vars(template, datasette, request, database, table):
    async def inner():
        extra = {"seoc_is_editor": is_editor(request.actor if request else None)}
        if template == "index.html" and request is not None:
            db = datasette.get_database(db_name(datasette))
            # The needs-review card's "count them all" (`/?_count=all`) asks for the exact count: a second's work
            # at 200k, so only for the signed-in staff the card is shown to.
            exact = request.actor is not None and request.args.get("_count") == "all"
            load = (lambda conn: dashboard.load(conn, exact_review=True)) if exact else dashboard.load
            extra["dashboard"] = await db.execute_fn(load)
        if template == "table.html" and request is not None and _counts_capped(request.query_string):
            extra.update(await counts.template_vars(datasette, request, database, table))
        return extra
    return inner


SEARCH_PATH = re.compile(r"^/[^/]+/items(\.json|\.csv)?$")
#: What the items table page shows unless columns are asked for (`_col=`, `_nocol=`): the rest (text, address,
#: internal fields) is on each row page and in JSON and CSV.
SHOWN_COLUMNS = ("title", "kind", "organisation", "status", "published", "closes", "relevant", "themes", "summary")


def _is_search(key: str) -> bool:
    return key.startswith("_search") and key != "_searchmode"


def _blank_search(part: str) -> bool:
    key, _, value = part.partition("=")
    return _is_search(unquote_plus(key)) and not unquote_plus(value).strip()


def _items_page_defaults(scope):
    """The items table's defaults: the HTML page shows the columns people read unless columns are asked for; a
    full-text search skips the configured facets unless facets are asked for; a blank search is no search.

    Counting five facets over tens of thousands of matches made search pages 8x slower than a plain
    table page on a 200k-item archive; any facet is still one click away (column menu or `_facet=`).
    The table page's filter form always sends its search box: Datasette 0.65 hands a blank one to FTS5,
    which refuses it (a 400 for adding a column filter), so blank `_search` arguments are dropped.
    """
    if scope.get("type") != "http" or not SEARCH_PATH.match(scope.get("path", "")):
        return scope
    query = scope.get("query_string", b"").decode("latin-1")
    if scope["path"].endswith("/items") and "_col=" not in query and "_nocol=" not in query:
        # Rows that fit the page: the HTML table shows the columns people read (the others are one click away on
        # the row page, and JSON and CSV, which are untouched, keep them all).
        query = "&".join(filter(None, [query, *(f"_col={c}" for c in SHOWN_COLUMNS)]))
        scope = {**scope, "query_string": query.encode("latin-1")}
    parts = query.split("&")
    if any(_blank_search(part) for part in parts):
        query = "&".join(part for part in parts if not _blank_search(part))
        scope = {**scope, "query_string": query.encode("latin-1")}
    params = parse_qs(query, keep_blank_values=True)
    if not any(_is_search(key) for key in params):
        if _counts_capped(query):
            # The form carries the capped count's arguments on; with the search cleared, Datasette counts again.
            query = "&".join(p for p in query.split("&") if p not in ("_capcount=1", "_nocount=1"))
            scope = {**scope, "query_string": query.encode("latin-1")}
        return scope
    if scope["path"].endswith("/items") and "_nocount" not in params and not counts.wants_exact(params):
        # The HTML page counts matches only up to a cap (tracker.web.counts), unless `_count=all` asks for all.
        query += "&_nocount=1&_capcount=1"
        scope = {**scope, "query_string": query.encode("latin-1")}
    if "_facet" in params or "_nofacet" in params:
        return scope
    return {**scope, "query_string": (query + "&_nofacet=1").encode("latin-1")}


def _counts_capped(query_string: str) -> bool:
    """The items page whose count tracker.web.counts makes (marked by _items_page_defaults)."""
    return "_capcount=1" in query_string.split("&")


@hookimpl(trylast=True)
def prepare_connection(conn, datasette):
    """Every connection Datasette opens: tracker_now() in saved queries and pages reads the instance's clock (the
    demo's moment) or the real one; searches speak the search box's language (tracker.search_language), replacing
    Datasette's SQL function escape_fts (trylast, so after Datasette registers its own)."""
    install_clock(conn, clock_of(datasette))
    conn.create_function("escape_fts", 1, search.to_fts5, deterministic=True)


@hookimpl
def filters_from_request(request, database, table, datasette):
    """A search the box's language cannot read is a 400 that says why and how, before any SQL runs.

    `_searchmode=raw` still hands FTS5 syntax straight to SQLite, whose refusal Datasette answers with a 400.
    """
    async def inner():
        searches = [request.args[key] for key in request.args if _is_search(key)]
        if not searches:
            return None
        # As Datasette's own search filter decides whether to search and how (datasette/filters.py).
        table_metadata = datasette.table_metadata(database, table)
        raw = {"raw": True, "escaped": False}.get(request.args.get("_searchmode"),
                                                  table_metadata.get("searchmode") == "raw")
        fts_table = (request.args.get("_fts_table") or table_metadata.get("fts_table")
                     or await datasette.get_database(database).fts_table(table))
        if raw or not fts_table:
            return None
        for text in searches:
            try:
                search.to_fts5(text)
            except search.SearchError as exc:
                raise BadRequest(str(exc)) from exc
        return None
    return inner


@hookimpl
def asgi_wrapper():
    """Tell crawlers not to index any page, whatever robots.txt they read; keep searches fast."""
    def wrap(app):
        async def add_header(scope, receive, send):
            scope = _items_page_defaults(scope)
            async def wrapped_send(event):
                if event["type"] == "http.response.start":
                    headers = list(event.get("headers") or [])
                    headers.append((b"x-robots-tag", b"noindex, nofollow"))
                    event = {**event, "headers": headers}
                await send(event)
            await app(scope, receive, wrapped_send)
        return add_header
    return wrap


@hookimpl(hookwrapper=True, specname="filters_from_request")
def search_newest_first(request, database, table, datasette):
    """A common word's search walks the page's sort index instead of sorting every match
    (tracker.web.search_order); Datasette's own search filter is among the results wrapped."""
    outcome = yield
    if search_order.applies(request, table):
        outcome.force_result([search_order.newest_first(result, datasette, database)
                              for result in outcome.get_result()])


@hookimpl
def skip_csrf(datasette, scope):
    """The one-click unsubscribe (RFC 8058) is POSTed by mail clients, which hold no CSRF cookie: the signed link
    is its own proof, and it can only stop alerts."""
    return scope.get("type") == "http" and scope.get("path") == "/-/unsubscribe"


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
    links = [{"href": datasette.urls.path(f"/{db_name(datasette)}/deadlines"), "label": "Deadlines"},
             {"href": datasette.urls.path("/-/commitments"), "label": "Government commitments"},
             {"href": datasette.urls.path("/-/calendar"), "label": "Calendar: the next eight weeks"}]
    if is_editor(actor):
        links.append({"href": datasette.urls.path(f"/{db_name(datasette)}/closing_soon"),
                      "label": "Closing soon: our responses"})
        links.append({"href": datasette.urls.path("/-/scorecard"), "label": "Scorecard"})
    return links
