"""The database as it stood at a briefing's `as_of`: relevance with reviews and reviewers' relevance decisions
made by then, responses rolled back through the audit log, source health from completed runs, and items through
their version history."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any, Iterable

import sqlite_utils

from tracker.briefing import reads
from tracker.briefing.model import ItemRef, Response, SourceProblem, clean, datasette_links
from tracker.errors import TrackerError
from tracker.weeks import day_label, local_date, parse_instant

STALE_AFTER = timedelta(days=3)


def json_value(value: Any, default: Any) -> Any:
    """A stored JSON text (or an already decoded value) decoded; unreadable or empty: `default`."""
    if isinstance(value, (list, dict)):
        return value
    try:
        return json.loads(value) if value else default
    except (TypeError, ValueError):
        return default


def at_or_before(value: str | None, as_of: datetime) -> bool:
    """Whether a stored timestamp is at or before as_of (missing or unreadable: no)."""
    try:
        moment = parse_instant(value)
    except TrackerError:
        return False
    return moment is not None and moment <= as_of


def evidence_phrases(entries: Any) -> list[str]:
    """The matched phrases of a tag's stored evidence (negative weights, i.e. exclusions, left out)."""
    phrases = []
    for entry in json_value(entries, []):
        if isinstance(entry, str):
            phrases.append(entry)
        elif isinstance(entry, dict) and entry.get("kind", "phrase") == "phrase" \
                and (entry.get("weight") or 0) >= 0:
            phrases.append(entry.get("text") or entry.get("phrase") or "")
    return [clean(p, 80) for p in phrases if clean(p)]


def decisions_as_of(rows: Iterable[dict[str, Any]], as_of: datetime) -> dict[str, int]:
    """Item id -> the reviewer's relevance decision in force at as_of (1 or 0), from relevance_overrides rows:
    the newest made at or before as_of (by time, then id); one that hands the item back to its tags, or
    none at all, leaves the item out."""
    newest: dict[str, tuple[datetime, int, Any]] = {}
    for row in rows:
        if not at_or_before(row["at"], as_of):
            continue
        key = (parse_instant(row["at"]), row["id"], row["relevant"])
        if row["item_id"] not in newest or key[:2] > newest[row["item_id"]][:2]:
            newest[row["item_id"]] = key
    return {item_id: key[2] for item_id, key in newest.items() if key[2] is not None}


def relevance_raw(db: sqlite_utils.Database, as_of: datetime,
                  ids: Iterable[str] | None = None) -> dict[str, list[tuple[str, Any]]]:
    """Relevant item id -> [(theme id, evidence as stored)], strongest first; reviews and reviewers' relevance
    decisions only up to as_of ("not relevant" wins over any tag, "relevant" holds with none).

    Only of `ids` when given (the briefing's candidates), else of every item.
    """
    if ids is None:
        review_rows = db.query("SELECT item_id, priority_id, score, evidence, review_state, reviewed_at, updated "
                               "FROM item_priorities WHERE review_state IN ('confirmed', 'rejected')")
        class_rows = db.query("SELECT item_id, relevant, themes FROM classifications")
        decided = decisions_as_of(reads.override_rows(db), as_of)
    else:
        ids = set(ids)
        review_rows, class_rows = reads.review_rows(db, ids), reads.classification_rows(db, ids)
        decided = decisions_as_of(reads.override_rows(db, ids), as_of)
    reviews: dict[str, dict[str, dict[str, Any]]] = {}
    for row in review_rows:
        if at_or_before(row["reviewed_at"] or row["updated"], as_of):
            reviews.setdefault(row["item_id"], {})[row["priority_id"]] = row
    classified = {row["item_id"]: row for row in class_rows}
    relevant: dict[str, list[tuple[str, list[str]]]] = {}
    for item_id in sorted(set(reviews) | set(classified) | set(decided)):
        if decided.get(item_id) == 0:
            continue  # a reviewer marked it not relevant
        tags = reviews.get(item_id, {})
        confirmed = sorted((r for r in tags.values() if r["review_state"] == "confirmed"),
                           key=lambda r: (-(r["score"] or 0), r["priority_id"]))
        rejected = {p for p, r in tags.items() if r["review_state"] == "rejected"}
        themes = [(r["priority_id"], r["evidence"]) for r in confirmed]
        row = classified.get(item_id)
        if row is not None and row["relevant"]:
            matches = [t for t in json_value(row["themes"], []) if isinstance(t, dict) and t.get("theme")]
            matches.sort(key=lambda t: -(t.get("score") or 0))
            kept = [t for t in matches if t["theme"] not in rejected]
            if matches and not kept and not confirmed and item_id not in decided:
                continue  # every theme the classifier gave was rejected by a reviewer
            seen = {theme for theme, _ in themes}
            themes += [(t["theme"], t.get("evidence")) for t in kept if t["theme"] not in seen]
        elif not confirmed and item_id not in decided:
            continue
        relevant[item_id] = themes
    return relevant


def theme_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Priority id -> name, in the taxonomy's order."""
    return {row["id"]: clean(row["name"]) for row in db.query("SELECT id, name FROM priorities ORDER BY rowid")}


def responses_as_of(db: sqlite_utils.Database, as_of: datetime) -> dict[str, list[dict[str, Any]]]:
    """Item id -> response rows as they stood at as_of, newest first."""
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in db.query("SELECT * FROM responses ORDER BY id"):
        if not at_or_before(row["created_at"], as_of):
            continue
        if not at_or_before(row["updated_at"], as_of):
            row = _response_before(db, row, as_of)
        if row.get("withdrawn_at") and at_or_before(row["withdrawn_at"], as_of):
            continue  # withdrawn by then (issue 16): no longer our response
        by_item.setdefault(row["item_id"], []).append(row)
    for rows in by_item.values():
        rows.sort(key=lambda r: (parse_instant(r["created_at"]), r["id"]), reverse=True)
    return by_item


def _response_before(db: sqlite_utils.Database, row: dict[str, Any], as_of: datetime) -> dict[str, Any]:
    """A response row edited after as_of, rolled back through the audit log's `before` where recorded."""
    edits = [a for a in db.query("SELECT at, before FROM audit_log WHERE table_name = 'responses' "
                                 "AND row_key = ? ORDER BY id", [str(row["id"])])
             if not at_or_before(a["at"], as_of)]
    before = json_value(edits[0]["before"], None) if edits else None
    return {**row, **before, "id": row["id"], "item_id": row["item_id"]} if isinstance(before, dict) else row


def response_of(row: dict[str, Any]) -> Response:
    """A response register row as the briefing shows it."""
    def when(value: Any) -> str:
        day = calendar_date(value)
        return day_label(day) if day else clean(value, 40)

    return Response(decision=clean(row.get("decision")), status=clean(row.get("status")),
                    owner=clean(row.get("owner_team")), internal_deadline=when(row.get("internal_deadline")),
                    submitted_on=when(row.get("submitted_on")), document_url=clean(row.get("document_url")))


def source_health(db: sqlite_utils.Database, as_of: datetime) -> tuple[int, list[SourceProblem]]:
    """(sources seen, problems): last completed run failed/partial, or no ok run in the last 3 days."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for row in db.query("SELECT * FROM runs ORDER BY id"):
        if at_or_before(row["started"], as_of):
            runs.setdefault(row["source"], []).append(row)
    problems = []
    for source in sorted(runs):
        # A run still going at as_of (or never finished) tells nothing yet; judge by completed runs.
        done = sorted((r for r in runs[source] if r["status"] != "running" and at_or_before(r["finished"], as_of)),
                      key=lambda r: (parse_instant(r["finished"]), r["id"]))
        last = done[-1] if done else None
        ok = [r for r in done if r["status"] == "ok"]
        found = []
        if last is not None and last["status"] in ("failed", "partial"):
            found.append(f"last run {last['status']}")
        last_ok = parse_instant(ok[-1]["finished"]) if ok else None
        if last_ok is None:
            found.append("no successful run recorded")
        elif as_of - last_ok > STALE_AFTER:
            found.append(f"stale: no successful run since {day_label(last_ok)}")
        if found:
            problems.append(SourceProblem(
                source=clean(source), problems=tuple(found),
                last_run=day_label(parse_instant(last["finished"])) if last else "",
                last_ok=day_label(last_ok) if last_ok else "",
                message=clean(last["error_message"], 300) if last and last["status"] != "ok" else ""))
    return len(runs), problems


def calendar_date(value: Any) -> date | None:
    """A stored date (or datetime) as a London calendar date; unreadable values count as none."""
    if not value:
        return None
    try:
        moment = parse_instant(str(value))
    except TrackerError:
        return None
    return local_date(moment) if moment else None


class Reader:
    """Items as of as_of (only the columns the briefing shows), cached, turned into ItemRefs."""

    def __init__(self, db: sqlite_utils.Database, as_of_iso: str, datasette_url: str):
        self.db, self.as_of_iso, self.base = db, as_of_iso, datasette_url
        self._cache: dict[str, dict[str, Any] | None] = {}
        self.first_seen: dict[str, str] = {}

    def prefetch(self, ids: Iterable[str]) -> None:
        """Read the states of many ids in a couple of statements."""
        wanted = {i for i in ids if i not in self._cache}
        if not wanted:
            return
        found = reads.read_items(self.db, wanted, self.as_of_iso)
        for item_id in wanted:
            seen, state = found.get(item_id, (None, None))
            self._cache[item_id] = state
            if seen is not None:
                self.first_seen[item_id] = seen

    def state(self, item_id: str, when: str | None = None) -> dict[str, Any] | None:
        if when is not None:
            return reads.read_items(self.db, [item_id], when).get(item_id, (None, None))[1]
        self.prefetch([item_id])
        return self._cache[item_id]

    def ref(self, item_id: str, state: dict[str, Any] | None = None) -> ItemRef:
        state = state if state is not None else (self.state(item_id) or {})
        row_url, dossier_url = datasette_links(self.base, item_id)
        return ItemRef(id=item_id, title=clean(state.get("title") or item_id, 400),
                       source=clean(state.get("source")), kind=clean(state.get("kind")),
                       organisation=clean(state.get("organisation"), 200), url=clean(state.get("url")),
                       datasette_url=row_url, dossier_url=dossier_url)

