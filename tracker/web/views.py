"""The project's own pages: the dossier (a reform's page) and the staff forms that write to the register.

Every form goes through `staff_form`: POST only, editors and admins only, and one way of refusing bad input
(a 400 that says what was wrong, the dossier shown again with the form as typed where there is one).
"""
from __future__ import annotations

from datetime import datetime
from typing import Awaitable, Callable
from urllib.parse import quote, unquote

from datasette.utils import tilde_decode
from datasette.utils.asgi import Forbidden, NotFound, Response
from markupsafe import escape

from tracker.errors import ValidationError
from tracker.store import register
from tracker.web import calendar, dossier

EDITOR_ROLES = {"editor", "admin"}
_CLOCK = "_seoc_clock"


def set_clock(datasette, moment: datetime | None) -> None:
    """Fix the instance's now (None: the real clock); pages and tracker_now() in SQL read it."""
    setattr(datasette, _CLOCK, moment)


def clock_of(datasette) -> datetime | None:
    """The instance's fixed now, or None for the real clock."""
    return getattr(datasette, _CLOCK, None)


def db_name(datasette) -> str:
    """The tracker database's name in this instance."""
    return next(name for name in datasette.databases if name != "_internal" and name != "_memory")


def is_editor(actor: dict | None) -> bool:
    """Editors and admins may write and read the response register."""
    roles = (actor or {}).get("roles") or []
    return bool(EDITOR_ROLES.intersection(roles if isinstance(roles, list) else [roles]))


async def _can_view(datasette, request) -> None:
    db = db_name(datasette)
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
    db = datasette.get_database(db_name(datasette))
    editor = is_editor(request.actor)
    # Anonymous readers (public_read) see published data only: no triage, reviewer names or review notes.
    staff = request.actor is not None
    data = await db.execute_fn(lambda conn: dossier.load(conn, item_id, include_responses=editor, staff=staff,
                                                         now=clock_of(datasette)))
    if data is None:
        raise NotFound(f"No tracked item has id {item_id}")
    return await _render_dossier(datasette, request, data, editor)


async def calendar_page(datasette, request):
    """The next eight weeks of what is coming, by week; editors also see our internal response deadlines."""
    await _can_view(datasette, request)
    editor = is_editor(request.actor)
    db = datasette.get_database(db_name(datasette))
    everything = request.args.get("all") == "1"
    data = await db.execute_fn(lambda conn: calendar.load(conn, include_responses=editor, everything=everything))
    context = {**data, "is_editor": editor, "database": db_name(datasette)}
    return Response.html(await datasette.render_template("calendar.html", context, request=request))


async def _render_dossier(datasette, request, data, editor, errors=None, form=None, status=200, failed=None):
    # `failed` names the form whose errors are shown, beside its own fields ("Response", "Theme", ...).
    context = {**data, "is_editor": editor, "errors": errors or {}, "form": form or {}, "failed": failed,
               "decisions": register.DECISIONS, "statuses": register.STATUSES,
               "triage_states": register.TRIAGE_STATES, "relevance_decisions": list(register.RELEVANCE_DECISIONS),
               "database": db_name(datasette),
               "message": request.args.get("message")}
    html = await datasette.render_template("dossier.html", context, request=request)
    return Response.html(html, status=status)


def _redirect_to_dossier(datasette, item_id: str, message: str) -> Response:
    return Response.redirect(datasette.urls.path(f"/-/dossier/{quote(item_id, safe=':/')}")
                             + "?message=" + quote(message))


#: A form's work: (the database, the editor's id, the form) -> the id of the item whose dossier to show next.
FormHandler = Callable[..., Awaitable[str]]


def staff_form(what: str, *, redisplay: bool = False) -> Callable[[FormHandler], Callable]:
    """Make `handler(db, actor, form)` a staff form view: POST only, editors only; on success back to the
    item's dossier with "<what> saved"; a ValidationError is a 400 naming what was wrong, nothing written.
    With `redisplay`, a form error shows the dossier again with the errors beside the fields and the form as
    typed."""
    def decorate(handler: FormHandler) -> Callable:
        async def view(datasette, request):
            if request.method != "POST":
                return Response.text("Method not allowed", status=405)
            actor = _require_editor(request)
            form = dict((await request.post_vars()).items())
            db = datasette.get_database(db_name(datasette))
            try:
                item_id = await handler(db, actor, form)
            except ValidationError as exc:
                item_id = str(form.get("item_id") or "")
                data = None
                if redisplay and isinstance(exc, register.FormError):
                    data = await db.execute_fn(lambda conn: dossier.load(conn, item_id, include_responses=True,
                                                                         now=clock_of(datasette)))
                if data is None:
                    return Response.html(f"<p>{escape(what)} not saved: {escape(str(exc))}</p>", status=400)
                return await _render_dossier(datasette, request, data, True, errors=exc.errors, form=form,
                                             status=400, failed=what)
            return _redirect_to_dossier(datasette, item_id, f"{what} saved")
        return view
    return decorate


@staff_form("Response", redisplay=True)
async def save_response(db, actor: str, form: dict) -> str:
    response_id = register.parse_id(form["response_id"], "response_id") if form.get("response_id") else None
    entry = register.validate_response(form)
    await db.execute_write_fn(lambda conn: register.save_response(conn, actor, entry, response_id), block=True)
    return entry.item_id


@staff_form("Review")
async def review_row(db, actor: str, form: dict) -> str:
    table = {"tag": "item_priorities", "link": "links"}.get(form.get("what", ""), "")
    row_id = register.parse_id(form.get("id", ""), "id")
    item_id = str(form.get("item_id", ""))
    await db.execute_write_fn(lambda conn: register.review(
        conn, actor, table, row_id, form.get("state", ""), form.get("note", ""), item_id=item_id), block=True)
    return item_id


@staff_form("Theme", redisplay=True)
async def add_theme(db, actor: str, form: dict) -> str:
    item_id = str(form.get("item_id", ""))
    await db.execute_write_fn(lambda conn: register.add_theme(
        conn, actor, item_id, str(form.get("priority_id", "")), str(form.get("reason", ""))), block=True)
    return item_id


@staff_form("Relevance decision", redisplay=True)
async def set_relevance(db, actor: str, form: dict) -> str:
    item_id = str(form.get("item_id", ""))
    await db.execute_write_fn(lambda conn: register.set_relevance(
        conn, actor, item_id, str(form.get("relevant", "")), str(form.get("reason", ""))), block=True)
    return item_id


@staff_form("Triage")
async def set_triage(db, actor: str, form: dict) -> str:
    item_id = str(form.get("item_id", ""))
    await db.execute_write_fn(lambda conn: register.set_triage(
        conn, actor, item_id, form.get("state", ""), form.get("note", "")), block=True)
    return item_id


async def robots_txt():
    return Response.text("User-agent: *\nDisallow: /\n")
