"""The project's own pages: the dossier (a reform's page) and the staff forms that write to the register.

Every form goes through `staff_form`: POST only, editors and admins only, and one way of refusing bad input
(a 400 that says what was wrong, the dossier shown again with the form as typed where there is one).
"""
from __future__ import annotations

import inspect
from datetime import datetime
from typing import Awaitable, Callable
from urllib.parse import quote, unquote

from datasette.utils import tilde_decode
from datasette.utils.asgi import Forbidden, NotFound, Response
from markupsafe import escape

from tracker.errors import ValidationError
from tracker.store import asks as store_asks
from tracker.store import commitments as commitment_store
from tracker.store import register
from tracker.web import calendar
from tracker.web import commitments as commitments_data
from tracker.web import dossier, scorecard

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
    # Commitments are read by whoever may read their table (signed-in staff), as on /-/commitments.
    pledges = staff and await datasette.permission_allowed(
        request.actor, "view-table", (db_name(datasette), "commitments"), default=True)
    data = await db.execute_fn(lambda conn: dossier.load(conn, item_id, include_responses=editor, staff=staff,
                                                         now=clock_of(datasette), include_commitments=pledges))
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
               "outcomes": store_asks.OUTCOMES, "ask_priorities": store_asks.PRIORITIES,
               "ask_rows": dossier.ask_rows,
               "database": db_name(datasette),
               "message": request.args.get("message")}
    html = await datasette.render_template("dossier.html", context, request=request)
    return Response.html(html, status=status)


def _redirect_to_dossier(datasette, item_id: str, message: str) -> Response:
    return Response.redirect(datasette.urls.path(f"/-/dossier/{quote(item_id, safe=':/')}")
                             + "?message=" + quote(message))


#: A form's work: (the database, the editor's id, the form) -> the id of the item whose dossier to show next.
FormHandler = Callable[..., Awaitable[str]]


def _takes_today(handler: FormHandler) -> bool:
    return "today" in inspect.signature(handler).parameters


def staff_form(what: str, *, redisplay: bool = False, back: str | None = None) -> Callable[[FormHandler], Callable]:
    """Make `handler(db, actor, form)` a staff form view: POST only, editors only; on success back to the
    item's dossier (or to the page `back`) with "<what> saved"; a ValidationError is a 400 naming what was
    wrong, nothing written. With `redisplay`, a form error shows the dossier again with the errors beside the
    fields and the form as typed."""
    def decorate(handler: FormHandler) -> Callable:
        async def view(datasette, request):
            if request.method != "POST":
                return Response.text("Method not allowed", status=405)
            actor = _require_editor(request)
            form = dict((await request.post_vars()).items())
            db = datasette.get_database(db_name(datasette))
            try:
                # Dates are judged against the tracker's clock (the demo's frozen moment, or now).
                kwargs = {"today": register.today_of(clock_of(datasette))} if _takes_today(handler) else {}
                item_id = await handler(db, actor, form, **kwargs)
            except ValidationError as exc:
                item_id = str(form.get("item_id") or "")
                data = None
                if redisplay and isinstance(exc, register.FormError):
                    # An editor: the page as they saw it, commitments included.
                    data = await db.execute_fn(lambda conn: dossier.load(conn, item_id, include_responses=True,
                                                                         now=clock_of(datasette),
                                                                         include_commitments=True))
                if data is None:
                    return Response.html(f"<p>{escape(what)} not saved: {escape(str(exc))}</p>", status=400)
                return await _render_dossier(datasette, request, data, True, errors=exc.errors, form=form,
                                             status=400, failed=what)
            if back:
                return Response.redirect(datasette.urls.path(back) + "?message=" + quote(f"{what} saved"))
            return _redirect_to_dossier(datasette, item_id, f"{what} saved")
        return view
    return decorate


@staff_form("Response", redisplay=True)
async def save_response(db, actor: str, form: dict, today=None) -> str:
    response_id = register.parse_id(form["response_id"], "response_id") if form.get("response_id") else None
    errors: dict[str, str] = {}
    asks: list = []
    try:
        asks = store_asks.parse_asks_form(form)
    except register.FormError as exc:
        errors.update(exc.errors)
    try:
        entry = register.validate_response(form, today=today, has_asks=bool(asks))
    except register.FormError as exc:
        errors = {**exc.errors, **errors}
    if errors:
        raise register.FormError(errors)
    await db.execute_write_fn(lambda conn: store_asks.save_response_with_asks(conn, actor, entry, asks, response_id),
                              block=True)
    return entry.item_id


@staff_form("Withdrawal", redisplay=True)
async def withdraw_response(db, actor: str, form: dict, today=None) -> str:
    response_id = register.parse_id(form.get("response_id"), "response_id")
    await db.execute_write_fn(lambda conn: register.withdraw_response(
        conn, actor, response_id, str(form.get("reason", ""))), block=True)
    return str(form.get("item_id", ""))


@staff_form("Outcome", redisplay=True)
async def set_outcome(db, actor: str, form: dict, today=None) -> str:
    ask_id = register.parse_id(form.get("ask_id"), "ask_id")
    await db.execute_write_fn(lambda conn: store_asks.set_outcome(
        conn, actor, ask_id, str(form.get("outcome", "")), str(form.get("evidence_item_id", "")),
        str(form.get("evidence_passage", "")), str(form.get("outcome_note", ""))), block=True)
    return str(form.get("item_id", ""))


@staff_form("Suggestion", redisplay=True)
async def decide_suggestion(db, actor: str, form: dict, today=None) -> str:
    suggestion_id = register.parse_id(form.get("suggestion_id"), "suggestion_id")
    decision = form.get("decision")
    if decision == "accept":
        write = lambda conn: store_asks.accept_suggestion(  # noqa: E731
            conn, actor, suggestion_id, str(form.get("outcome", "")), str(form.get("outcome_note", "")))
    elif decision == "dismiss":
        write = lambda conn: store_asks.dismiss_suggestion(conn, actor, suggestion_id)  # noqa: E731
    else:
        raise register.FormError({"decision": "must be accept or dismiss"})
    await db.execute_write_fn(write, block=True)
    return str(form.get("item_id", ""))


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


async def commitments_page(datasette, request):
    """/-/commitments: open and overdue commitments by theme, candidates to confirm; signed-in staff only."""
    db = db_name(datasette)
    if request.actor is None or not await datasette.permission_allowed(
            request.actor, "view-table", (db, "commitments"), default=True):
        raise Forbidden("You need to log in to see the government's commitments")
    data = await datasette.get_database(db).execute_fn(commitments_data.load)
    html = await datasette.render_template(
        "commitments.html", {**data, "is_editor": is_editor(request.actor), "database": db,
                             "message": request.args.get("message")}, request=request)
    return Response.html(html)


@staff_form("Commitment", back="/-/commitments")
async def decide_commitment(db, actor: str, form: dict) -> str:
    commitment_id = register.parse_id(form.get("id", ""), "id")
    await db.execute_write_fn(lambda conn: commitment_store.decide(
        conn, actor, commitment_id, str(form.get("action", "")), str(form.get("note", "")),
        str(form.get("evidence_item_id", "")) or None), block=True)
    return ""


async def robots_txt():
    return Response.text("User-agent: *\nDisallow: /\n")


async def scorecard_page(datasette, request):
    """The directorate's scorecard: editors and admins only (it reads the response register)."""
    await _can_view(datasette, request)
    if not is_editor(request.actor):
        raise Forbidden("The scorecard reads the response register: editors and admins only")
    db = datasette.get_database(db_name(datasette))
    tables = await db.execute_fn(scorecard.load)
    html = await datasette.render_template("scorecard.html", {"tables": tables, "database": db_name(datasette)},
                                           request=request)
    return Response.html(html)
