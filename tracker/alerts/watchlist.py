"""Follow and unfollow: validated, audited writes to `watches`, and one owner's list. Shared by the pages, the
CLI and the tests; every refusal is a FormError naming the field, and nothing is written."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from tracker.contract import KINDS, SOURCE_NAMES, clean_text
from tracker.store.db import write_transaction
from tracker.store.register import FormError, _audit, parse_id
from tracker import search_language as search

WHATS = ("reform", "item", "theme", "organisation", "search")
CADENCES = ("immediate", "daily", "weekly")
TEAM_PREFIX = "team:"
MAX_TARGET = 500


@dataclass(frozen=True)
class Watch:
    """One `watches` row."""

    id: int
    owner: str
    what: str
    target: str
    kind: str | None
    source: str | None
    theme: str | None
    cadence: str
    created: str
    created_by: str
    alerted_until: str | None

    def label(self, theme_names: Mapping[str, str] | None = None) -> str:
        """The watch in words, as a message names it. `theme_names` (see `names_for`) maps theme ids to names
        and followed items' ids to titles, so people read "reform "Economic Crime ... Act 2023"", not an id."""
        names = theme_names or {}
        if self.what == "search":
            filters = [f"{k} {v}" for k, v in (("kind", self.kind and self.kind.replace("_", " ")),
                                                  ("source", self.source),
                                                  ("theme", self.theme and names.get(self.theme, self.theme))) if v]
            return f'search "{self.target}"' + (f" ({', '.join(filters)})" if filters else "")
        if self.what == "theme":
            return f"theme {names.get(self.target, self.target)}"
        if self.what in ("reform", "item") and names.get(self.target):
            return f'{self.what} "{names[self.target]}"'
        return f"{self.what} {self.target}"


def names_for(conn: sqlite3.Connection, watches: list[Watch]) -> dict[str, str]:
    """What `Watch.label` needs to name watches in words: every theme's name and the followed items' titles."""
    names = {row[0]: row[1] for row in conn.execute("SELECT id, name FROM priorities")}
    ids = sorted({w.target for w in watches if w.what in ("reform", "item")})
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        names.update(conn.execute(f"SELECT id, title FROM items WHERE id IN ({', '.join('?' * len(chunk))})",
                                  chunk).fetchall())
    return names


COLUMNS = ("id", "owner", "what", "target", "kind", "source", "theme", "cadence", "created", "created_by",
           "alerted_until")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _one(conn: sqlite3.Connection, sql: str, params: list) -> Any:
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def validate(conn: sqlite3.Connection, form: Mapping[str, Any], teams: tuple[str, ...] = ()) -> dict[str, Any]:
    """A follow form checked against the database: the watch's fields, or FormError naming every bad one."""
    errors: dict[str, str] = {}
    text = {key: clean_text(str(form.get(key) or "")).strip() for key in
            ("owner", "what", "target", "kind", "source", "theme", "cadence")}
    what, target = text["what"], text["target"]
    cadence = text["cadence"] or "immediate"
    owner = text["owner"]
    if not owner:
        errors["owner"] = "say whose watch this is"
    elif owner.startswith(TEAM_PREFIX) and owner[len(TEAM_PREFIX):] not in teams:
        errors["owner"] = (f"no team is called {owner[len(TEAM_PREFIX):][:60]!r}; configured teams: "
                           f"{', '.join(teams) or 'none'} ([teams.NAME] in the config file)")
    if what not in WHATS:
        errors["what"] = f"must be one of: {', '.join(WHATS)}"
    if cadence not in CADENCES:
        errors["cadence"] = f"must be one of: {', '.join(CADENCES)}"
    if len(target) > MAX_TARGET:
        errors["target"] = f"is {len(target)} characters; the limit is {MAX_TARGET}"
    elif not target:
        errors["target"] = "say what to follow"
    elif what in ("reform", "item") and _one(conn, "SELECT 1 FROM items WHERE id = ?", [target]) is None:
        errors["target"] = f"no tracked {what} has id {target[:100]!r}"
    elif what == "theme" and _one(conn, "SELECT 1 FROM priorities WHERE id = ?", [target]) is None:
        errors["target"] = f"no priority theme has id {target[:100]!r}"
    elif what == "organisation" and _one(conn, "SELECT 1 FROM items WHERE organisation = ? LIMIT 1",
                                         [target]) is None:
        errors["target"] = f"no tracked item is from an organisation called {target[:100]!r}"
    elif what == "search":
        try:
            search.to_fts5(target)
        except search.SearchError as exc:
            errors["target"] = str(exc)
    filters = {"kind": text["kind"] or None, "source": text["source"] or None, "theme": text["theme"] or None}
    if what != "search" and any(filters.values()):
        errors["what"] = "only a saved search takes kind, source or theme filters"
    if filters["kind"] and filters["kind"] not in KINDS:
        errors["kind"] = f"no kind is called {filters['kind'][:60]!r}"
    if filters["source"] and filters["source"] not in SOURCE_NAMES:
        errors["source"] = f"no source is called {filters['source'][:60]!r}"
    if filters["theme"] and _one(conn, "SELECT 1 FROM priorities WHERE id = ?", [filters["theme"]]) is None:
        errors["theme"] = f"no priority theme has id {filters['theme'][:100]!r}"
    if errors:
        raise FormError(errors)
    return {"owner": owner, "what": what, "target": target, **filters, "cadence": cadence}


def follow(conn: sqlite3.Connection, actor: str, form: Mapping[str, Any], *, teams: tuple[str, ...] = (),
           now: str | None = None) -> int:
    """Add a watch (or change the cadence of the same one), audited; returns its id."""
    now = now or _now()
    with write_transaction(conn):
        watch = validate(conn, form, teams)
        existing = conn.execute(
            "SELECT id, cadence FROM watches WHERE owner = ? AND what = ? AND target = ? AND coalesce(kind, '') = ? "
            "AND coalesce(source, '') = ? AND coalesce(theme, '') = ?",
            [watch["owner"], watch["what"], watch["target"], watch["kind"] or "", watch["source"] or "",
             watch["theme"] or ""]).fetchone()
        if existing:
            if existing[1] != watch["cadence"]:
                conn.execute("UPDATE watches SET cadence = ? WHERE id = ?", [watch["cadence"], existing[0]])
                _audit(conn, actor, "update", "watches", str(existing[0]), {"cadence": existing[1]},
                       {"cadence": watch["cadence"]}, now)
            return existing[0]
        watch_id = conn.execute(
            "INSERT INTO watches (owner, what, target, kind, source, theme, cadence, created, created_by) "
            "VALUES (:owner, :what, :target, :kind, :source, :theme, :cadence, :now, :actor)",
            {**watch, "now": now, "actor": actor}).lastrowid
        _audit(conn, actor, "follow", "watches", str(watch_id), None, watch, now)
        return watch_id


def unfollow(conn: sqlite3.Connection, actor: str, watch_id: Any, *, owners: tuple[str, ...],
             now: str | None = None) -> Watch:
    """Remove a watch that belongs to one of `owners`, audited; FormError (nothing written) for anyone else's."""
    row_id = parse_id(watch_id, "watch")
    now = now or _now()
    with write_transaction(conn):
        watch = get(conn, row_id)
        if watch is None or watch.owner not in owners:
            raise FormError({"watch": f"you follow nothing with watch number {row_id}"})
        conn.execute("DELETE FROM watches WHERE id = ?", [row_id])
        _audit(conn, actor, "unfollow", "watches", str(row_id), _as_dict(watch), None, now)
        return watch


def _as_dict(watch: Watch) -> dict[str, Any]:
    return {k: getattr(watch, k) for k in ("owner", "what", "target", "kind", "source", "theme", "cadence")}


def get(conn: sqlite3.Connection, watch_id: int) -> Watch | None:
    row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM watches WHERE id = ?", [watch_id]).fetchone()
    return Watch(*row) if row else None


def of_owner(conn: sqlite3.Connection, owner: str) -> list[Watch]:
    """One owner's watches, oldest first."""
    return [Watch(*row) for row in conn.execute(
        f"SELECT {', '.join(COLUMNS)} FROM watches WHERE owner = ? ORDER BY id", [owner])]


def every(conn: sqlite3.Connection) -> list[Watch]:
    """Every watch, by owner then id."""
    return [Watch(*row) for row in conn.execute(f"SELECT {', '.join(COLUMNS)} FROM watches ORDER BY owner, id")]


def remove_by_link(conn: sqlite3.Connection, owner: str, watches: tuple[tuple[int, str], ...], *,
                   now: str | None = None) -> list[Watch]:
    """Remove the watches an unsubscribe link names (each still `owner`'s, with the same creation time), audited
    as the owner's act; returns those removed (none: already gone)."""
    now = now or _now()
    removed = []
    with write_transaction(conn):
        for watch_id, created in watches:
            watch = get(conn, watch_id)
            if watch is None or watch.owner != owner or watch.created != created:
                continue
            conn.execute("DELETE FROM watches WHERE id = ?", [watch_id])
            _audit(conn, f"{owner} (unsubscribe link)", "unfollow", "watches", str(watch_id), _as_dict(watch),
                   None, now)
            removed.append(watch)
    return removed
