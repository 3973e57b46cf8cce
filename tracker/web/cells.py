"""How values read in HTML pages: item ids and titles link to the reform page, themes by name, relevance as
yes/no, instants in Europe/London ("5 Dec 2026", "21 Sep 2026, 16:00"). JSON and CSV keep the stored values."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from tracker.classify.priorities import load_priorities
from tracker.contract import is_item_id
from tracker.weeks import LONDON, parse_instant

#: Columns that hold an instant or a date, in any table or query.
DATE_COLUMNS = {"first_seen", "last_seen", "last_changed", "published", "updated", "opens", "closes", "started",
                "finished", "created", "created_at", "updated_at", "reviewed_at", "at", "valid_from", "valid_to",
                "classified_at", "relevant_since", "generated_at", "sent_at", "checked", "enacted",
                "latest_order_made", "internal_deadline", "submitted_on", "closed"}
#: Columns of long text: shown clipped, with the rest one click away.
LONG_COLUMNS = {"summary", "body_text", "details", "evidence", "data", "long_title", "error_message", "notes",
                "position_summary", "key_asks", "atom_content", "orders"}
CLIP = 90
SHOWN_IN_FULL = 3000
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?$")


@lru_cache(maxsize=1)
def theme_names() -> dict[str, str]:
    """Theme id -> name, from the priorities file."""
    return {p.id: p.name for p in load_priorities()}


def facet_label(value: str, column: str) -> str:
    """A facet's value as people read it: a theme id as its name, relevance as yes/no; others as stored."""
    if column in ("themes", "priority_id"):
        return theme_names().get(value, value)
    if column == "relevant" and value in ("0", "1"):
        return "yes" if value == "1" else "no"
    return value


def dossier_link(datasette, item_id: str, text: str) -> Markup:
    url = datasette.urls.path(f"/-/dossier/{quote(item_id, safe=':/')}")
    return Markup(f'<a href="{escape(url)}" title="Reform page">{escape(text)}</a>')


def when(value: str) -> str | None:
    """An ISO date or instant in words, London time; None if it is not one."""
    if not _ISO.match(value):
        return None
    try:
        moment = parse_instant(value)
    except Exception:  # noqa: BLE001 - anything unreadable is shown as stored
        return None
    if moment is None:
        return None
    if len(value) == 10:
        return f"{moment.astimezone(LONDON):%-d %b %Y}"
    return f"{moment.astimezone(LONDON):%-d %b %Y, %H:%M}"


def render(value: Any, column: str, table: str | None, row: Any, datasette) -> Markup | None:
    """The HTML for one cell, or None to leave it to Datasette."""
    keys = list(row.keys()) if hasattr(row, "keys") else []
    if column == "id" and isinstance(value, str) and is_item_id(value):
        return dossier_link(datasette, value, value)
    if column in ("title", "act_title") and isinstance(value, str):
        ref = "id" if column == "title" else "act"
        if ref in keys and isinstance(row[ref], str) and is_item_id(row[ref]):
            return dossier_link(datasette, row[ref], value)
        return None
    if column == "themes" and isinstance(value, str) and value.startswith("["):
        try:
            ids = json.loads(value)
        except ValueError:
            return None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return None  # not a list of theme ids (a classification's scored themes): shown as stored
        names = [theme_names().get(i, i) for i in ids]
        return Markup(escape(", ".join(names)) if names else '<span class="meta">none</span>')
    if column == "relevant" and value in (0, 1) and table in (None, "items", "classifications"):
        return Markup("yes" if value else "no")
    if column in LONG_COLUMNS and isinstance(value, str) and len(value) > CLIP + 20:
        rest = value[:SHOWN_IN_FULL] + (" … (the rest is in this row's JSON)" if len(value) > SHOWN_IN_FULL else "")
        return Markup(f'<details class="seoc-clip"><summary>{escape(value[:CLIP])}…</summary>{escape(rest)}'
                      f'</details>')
    if column in DATE_COLUMNS and isinstance(value, str):
        words = when(value.strip())
        return Markup(f'<span title="{escape(value)}">{escape(words)}</span>') if words else None
    return None
