"""Choose the weekly briefing's content: pure over a database and an `as_of` instant.

The briefing for ISO week W is taken as of Monday of W, 07:30 Europe/London (`weeks.briefing_as_of`),
and covers the 7 days before that instant: [as_of - 7 days, as_of). Everything is read as it was at
`as_of`: items through their version history (as `store.item_as_of` reads them), responses, runs, reviews
and links only from rows that existed then. So regenerating a past week gives the same `content_hash`.

Cost follows the week, not the archive: candidate ids come from indexed ranges first (first seen in
the window, versions ending in it, changed after as_of, closing soon, near the overdue threshold, reviewed),
and only those items' relevance and state are read (`briefing_reads`). Older overdue consultations, which
SQL can decide alone, are counted in SQL and only the newest are read.

Known limit: `classifications` holds only each item's latest decision (no history), so a past week
changes if an item's relevance or themes were later reclassified differently.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable
from urllib.parse import quote

import sqlite_utils
from datasette.utils import tilde_encode

from . import briefing_reads as reads
from .errors import TrackerError
from .weeks import (briefing_as_of, day_label, latest_briefing_week, local_date, parse_instant,
                    require_aware, utc_iso, week_monday, week_of)

CONSULTATION_KINDS = ("consultation", "call_for_evidence", "committee_inquiry",
                      "sentencing_consultation", "law_commission_consultation")
#: Kinds whose government response shows as status 'outcome' (GOV.UK consultations and calls for evidence).
GOVERNMENT_RESPONSE_KINDS = ("consultation", "call_for_evidence")
CLOSED_STATUSES = ("closed", "evidence closed")
#: Statuses after which nothing is left to respond to (overdue checks still read 'closed').
FINISHED_STATUSES = ("withdrawn", "outcome", "reported")
WINDOW = timedelta(days=7)
CLOSING_HORIZON = timedelta(days=28)
RESPONSE_EXPECTED_AFTER = timedelta(days=84)
RESPONSES_DUE_HORIZON = timedelta(days=14)
STALE_AFTER = timedelta(days=3)
SUMMARY_CHARS = 200
MAX_OVERDUE = 20
MAX_EVIDENCE = 8
OTHER_THEME = "Other relevant items"

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_WS_RE = re.compile(r"\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])(?<!\bNo\.)(?<!\bno\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bSt\.)"
                              r"(?<!\bMr\.)(?<!\bDr\.)(?<!\bc\.)(?<!\bs\.)\s+(?=[\"'(\u2018\u201cA-Z0-9])")


class BriefingError(TrackerError):
    """The briefing could not be built or written."""


@dataclass(frozen=True)
class ItemRef:
    """An item as the briefing links to it."""

    id: str
    title: str
    source: str
    kind: str
    organisation: str
    url: str
    datasette_url: str
    dossier_url: str


@dataclass(frozen=True)
class Response:
    """A row of the response register, as it stood at `as_of`."""

    decision: str
    status: str
    owner: str
    internal_deadline: str
    submitted_on: str
    document_url: str


@dataclass(frozen=True)
class Deadline:
    """A relevant consultation or call for evidence closing soon."""

    item: ItemRef
    closes: str
    days_left: int
    themes: tuple[str, ...]
    response: Response | None


@dataclass(frozen=True)
class Overdue:
    """A relevant consultation closed more than 12 weeks ago with no government response published."""

    item: ItemRef
    closed: str
    days_since_closed: int
    response_expected: str
    themes: tuple[str, ...]


@dataclass(frozen=True)
class NewItem:
    """A relevant item first seen this week."""

    item: ItemRef
    first_seen: str
    summary: str
    themes: tuple[str, ...]
    evidence: tuple[str, ...]
    responses: tuple[Response, ...]


@dataclass(frozen=True)
class ThemeGroup:
    """New items under their strongest priority theme."""

    theme: str
    items: tuple[NewItem, ...]


@dataclass(frozen=True)
class Move:
    """A change this week to a relevant item: stage, closure, outcome, deadline, withdrawal, commencement."""

    item: ItemRef
    change: str
    before: str
    after: str
    on: str
    act: ItemRef | None


@dataclass(frozen=True)
class ResponseEntry:
    """A response submitted this week or due soon."""

    item: ItemRef
    response: Response
    days: int


@dataclass(frozen=True)
class SourceProblem:
    """A source whose last run failed or was partial, or with no successful run for 3 days."""

    source: str
    problems: tuple[str, ...]
    last_run: str
    last_ok: str
    message: str


@dataclass(frozen=True)
class Briefing:
    """The week's content. Equal inputs give an equal `content_hash`; generation time is not part of it."""

    week: str
    week_commencing: str
    as_of: str
    window_start: str
    datasette_url: str
    sources_checked: int
    health: tuple[SourceProblem, ...]
    closing: tuple[Deadline, ...]
    overdue: tuple[Overdue, ...]
    overdue_more: int
    new: tuple[ThemeGroup, ...]
    moved: tuple[Move, ...]
    submitted: tuple[ResponseEntry, ...]
    due: tuple[ResponseEntry, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Numbers for the subject line."""
        return {"deadlines": len(self.closing), "new": sum(len(g.items) for g in self.new),
                "moved": len(self.moved)}

    @property
    def subject(self) -> str:
        """'SEOC reform briefing w/c 23 Nov 2026: 3 deadlines, 5 new, 2 moved'."""
        counts = self.counts
        deadlines = f"{counts['deadlines']} deadline{'' if counts['deadlines'] == 1 else 's'}"
        return (f"SEOC reform briefing w/c {self.week_commencing}: {deadlines}, "
                f"{counts['new']} new, {counts['moved']} moved")

    def as_json(self) -> dict[str, Any]:
        """The whole content as JSON-ready data."""
        return asdict(self)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the content."""
        canonical = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- text helpers ---------------------------------------------------------------------------

def clean(value: Any, limit: int | None = None) -> str:
    """Scraped text on one line: control and bidi characters removed, whitespace collapsed, capped."""
    text = _WS_RE.sub(" ", _CONTROL_RE.sub(" ", str(value or ""))).strip()
    if limit and len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        text = cut.rstrip(" ,;:") + "\u2026"
    return text


def first_sentence(value: Any, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence of a summary, capped at `limit` characters."""
    text = clean(value)
    return clean(_SENTENCE_END_RE.split(text, maxsplit=1)[0], limit)


def datasette_links(base: str, item_id: str) -> tuple[str, str]:
    """(row page, dossier page) of an item: row pks are tilde-encoded as Datasette 0.65 expects."""
    if not base:
        return "", ""
    return f"{base}/tracker/items/{tilde_encode(item_id)}", f"{base}/-/dossier/{quote(item_id, safe=':/')}"


def _json(value: Any, default: Any) -> Any:
    if isinstance(value, (list, dict)):
        return value
    try:
        return json.loads(value) if value else default
    except (TypeError, ValueError):
        return default


def _at_or_before(value: str | None, as_of: datetime) -> bool:
    """Whether a stored timestamp is at or before as_of (missing or unreadable: no)."""
    try:
        moment = parse_instant(value)
    except TrackerError:
        return False
    return moment is not None and moment <= as_of


# --- reading the database as of as_of ----------------------------------------------------------

def _evidence_phrases(entries: Any) -> list[str]:
    phrases = []
    for entry in _json(entries, []):
        if isinstance(entry, str):
            phrases.append(entry)
        elif isinstance(entry, dict) and entry.get("kind", "phrase") == "phrase" \
                and (entry.get("weight") or 0) >= 0:
            phrases.append(entry.get("text") or entry.get("phrase") or "")
    return [clean(p, 80) for p in phrases if clean(p)]


def _relevance(db: sqlite_utils.Database, as_of: datetime,
               ids: Iterable[str] | None = None) -> dict[str, list[tuple[str, list[str]]]]:
    """Relevant item id -> [(theme id, evidence phrases)], strongest first; reviews only up to as_of.

    Only of `ids` when given (the briefing's candidates), else of every item.
    """
    return {item_id: [(theme, _evidence_phrases(raw)) for theme, raw in themes]
            for item_id, themes in _relevance_raw(db, as_of, ids).items()}


def _relevance_raw(db: sqlite_utils.Database, as_of: datetime,
                   ids: Iterable[str] | None = None) -> dict[str, list[tuple[str, Any]]]:
    """As `_relevance`, with each theme's stored evidence not yet turned into phrases."""
    if ids is None:
        review_rows = db.query("SELECT item_id, priority_id, score, evidence, review_state, reviewed_at, updated "
                               "FROM item_priorities WHERE review_state IN ('confirmed', 'rejected')")
        class_rows = db.query("SELECT item_id, relevant, themes FROM classifications")
    else:
        ids = set(ids)
        review_rows, class_rows = reads.review_rows(db, ids), reads.classification_rows(db, ids)
    reviews: dict[str, dict[str, dict[str, Any]]] = {}
    for row in review_rows:
        if _at_or_before(row["reviewed_at"] or row["updated"], as_of):
            reviews.setdefault(row["item_id"], {})[row["priority_id"]] = row
    classified = {row["item_id"]: row for row in class_rows}
    relevant: dict[str, list[tuple[str, list[str]]]] = {}
    for item_id in sorted(set(reviews) | set(classified)):
        tags = reviews.get(item_id, {})
        confirmed = sorted((r for r in tags.values() if r["review_state"] == "confirmed"),
                           key=lambda r: (-(r["score"] or 0), r["priority_id"]))
        rejected = {p for p, r in tags.items() if r["review_state"] == "rejected"}
        themes = [(r["priority_id"], r["evidence"]) for r in confirmed]
        row = classified.get(item_id)
        if row is not None and row["relevant"]:
            matches = [t for t in _json(row["themes"], []) if isinstance(t, dict) and t.get("theme")]
            matches.sort(key=lambda t: -(t.get("score") or 0))
            kept = [t for t in matches if t["theme"] not in rejected]
            if matches and not kept and not confirmed:
                continue  # every theme the classifier gave was rejected by a reviewer
            seen = {theme for theme, _ in themes}
            themes += [(t["theme"], t.get("evidence")) for t in kept if t["theme"] not in seen]
        elif not confirmed:
            continue
        relevant[item_id] = themes
    return relevant


def _theme_names(db: sqlite_utils.Database) -> dict[str, str]:
    """Priority id -> name, in the taxonomy's order."""
    return {row["id"]: clean(row["name"]) for row in db.query("SELECT id, name FROM priorities ORDER BY rowid")}


def _responses(db: sqlite_utils.Database, as_of: datetime) -> dict[str, list[dict[str, Any]]]:
    """Item id -> response rows as they stood at as_of, newest first."""
    by_item: dict[str, list[dict[str, Any]]] = {}
    for row in db.query("SELECT * FROM responses ORDER BY id"):
        if not _at_or_before(row["created_at"], as_of):
            continue
        if not _at_or_before(row["updated_at"], as_of):
            row = _response_before(db, row, as_of)
        by_item.setdefault(row["item_id"], []).append(row)
    for rows in by_item.values():
        rows.sort(key=lambda r: (parse_instant(r["created_at"]), r["id"]), reverse=True)
    return by_item


def _response_before(db: sqlite_utils.Database, row: dict[str, Any], as_of: datetime) -> dict[str, Any]:
    """A response row edited after as_of, rolled back through the audit log's `before` where recorded."""
    edits = [a for a in db.query("SELECT at, before FROM audit_log WHERE table_name = 'responses' "
                                 "AND row_key = ? ORDER BY id", [str(row["id"])])
             if not _at_or_before(a["at"], as_of)]
    before = _json(edits[0]["before"], None) if edits else None
    return {**row, **before, "id": row["id"], "item_id": row["item_id"]} if isinstance(before, dict) else row


def _response(row: dict[str, Any]) -> Response:
    def when(value: Any) -> str:
        day = _date(value)
        return day_label(day) if day else clean(value, 40)

    return Response(decision=clean(row.get("decision")), status=clean(row.get("status")),
                    owner=clean(row.get("owner_team")), internal_deadline=when(row.get("internal_deadline")),
                    submitted_on=when(row.get("submitted_on")), document_url=clean(row.get("document_url")))


def _source_health(db: sqlite_utils.Database, as_of: datetime) -> tuple[int, list[SourceProblem]]:
    """(sources seen, problems): last completed run failed/partial, or no ok run in the last 3 days."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for row in db.query("SELECT * FROM runs ORDER BY id"):
        if _at_or_before(row["started"], as_of):
            runs.setdefault(row["source"], []).append(row)
    problems = []
    for source in sorted(runs):
        # A run still going at as_of (or never finished) tells nothing yet; judge by completed runs.
        done = sorted((r for r in runs[source] if r["status"] != "running" and _at_or_before(r["finished"], as_of)),
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


# --- building ----------------------------------------------------------------------------------

class _Reader:
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


def _moves(reader: _Reader, version: dict[str, Any], kind_now: str) -> list[Move]:
    """What one stored version change means for the briefing."""
    old = _json(version["data"], {})
    new = reader.state(version["item_id"], version["valid_to"]) or {}
    changed = set(_json(version["changed_fields"], []))
    kind = new.get("kind") or kind_now
    ref = reader.ref(version["item_id"], new)
    on = day_label(parse_instant(version["valid_to"]))
    moves = []
    if "status" in changed:
        before, after = clean(old.get("status")) or "none", clean(new.get("status")) or "none"
        if after == "withdrawn":
            change = "Withdrawn"
        elif kind == "bill":
            change = "Bill stage"
        elif after == "outcome":
            change = "Outcome published"
        elif kind in CONSULTATION_KINDS and after in CLOSED_STATUSES:
            change = "Consultation closed"
        else:
            change = "Status changed"
        moves.append(Move(ref, change, before, after, on, None))
    if "closes" in changed and old.get("closes") and new.get("closes") and kind in CONSULTATION_KINDS:
        moves.append(Move(ref, "Deadline moved", day_label(parse_instant(old["closes"], end_of_day=True)),
                          day_label(parse_instant(new["closes"], end_of_day=True)), on, None))
    return moves


@dataclass
class _Week:
    """What every section reads: the window, relevant items as of as_of, responses, theme names.

    `relevance`, `first_seen` and `states` hold the items loaded so far (`load`): the week's candidates,
    not the archive. Loading an id gives exactly what reading every item would have given for it.
    """

    db: sqlite_utils.Database
    as_of: datetime
    start: datetime
    reader: _Reader
    names: dict[str, str]
    responses: dict[str, list[dict[str, Any]]]
    relevance: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)  # evidence as stored
    first_seen: dict[str, datetime] = field(default_factory=dict)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)
    versions: list[dict[str, Any]] = field(default_factory=list)

    def load(self, ids: Iterable[str]) -> None:
        """Relevance, first_seen and state as of as_of of ids not loaded yet (a few statements)."""
        new = set(ids) - self.loaded
        if not new:
            return
        self.loaded |= new
        relevance = _relevance_raw(self.db, self.as_of, new)
        self.relevance.update(relevance)
        self.reader.prefetch(relevance)
        for item_id in sorted(relevance):
            seen = parse_instant(self.reader.first_seen[item_id]) if item_id in self.reader.first_seen else None
            if seen and seen <= self.as_of:
                self.first_seen[item_id] = seen
                if (state := self.reader.state(item_id)) is not None:
                    self.states[item_id] = state

    def themes(self, item_id: str) -> tuple[str, ...]:
        return tuple(self.names.get(t, t.replace("_", " ").capitalize()) for t, _ in self.relevance[item_id])

    def in_window(self, when: datetime | None) -> bool:
        return when is not None and self.start <= when < self.as_of

    def near_window(self) -> list[str]:
        """SQL bounds a day wider than the window: stored strings narrow the search, datetimes decide."""
        return [utc_iso(self.start - timedelta(days=1)), utc_iso(self.as_of + timedelta(days=1))]


def _action_needed(w: _Week, candidates: set[str]) -> tuple[list[Deadline], list[Overdue], int]:
    """(closing soon, the newest overdue, how many overdue in all).

    Every item that can be closing soon is a candidate; overdue ones are the candidates' plus those
    SQL decides alone (`reads.settled_overdue`), counted there and read only if among the newest.
    """
    threshold_day = local_date(w.as_of - RESPONSE_EXPECTED_AFTER)
    settled, newest = reads.settled_overdue(
        w.db, kinds=GOVERNMENT_RESPONSE_KINDS, finished=FINISHED_STATUSES,
        closed_before=(threshold_day - timedelta(days=3)).isoformat(), exclude=candidates, newest=MAX_OVERDUE)
    w.load(newest)
    closing, overdue = [], []
    for item_id in sorted(candidates | newest):
        state = w.states.get(item_id)
        if state is None:
            continue
        closes = parse_instant(state.get("closes"), end_of_day=True)
        status = state.get("status")
        if closes is None or state.get("kind") not in CONSULTATION_KINDS or status in FINISHED_STATUSES:
            continue
        if w.as_of < closes <= w.as_of + CLOSING_HORIZON and status not in CLOSED_STATUSES:
            latest = w.responses.get(item_id, [None])[0]
            closing.append(Deadline(w.reader.ref(item_id, state), day_label(closes),
                                    (local_date(closes) - local_date(w.as_of)).days, w.themes(item_id),
                                    _response(latest) if latest else None))
        elif state["kind"] in GOVERNMENT_RESPONSE_KINDS and closes <= w.as_of - RESPONSE_EXPECTED_AFTER:
            overdue.append((closes, Overdue(w.reader.ref(item_id, state), day_label(closes),
                                            (local_date(w.as_of) - local_date(closes)).days,
                                            day_label(closes + RESPONSE_EXPECTED_AFTER), w.themes(item_id))))
    closing.sort(key=lambda d: (d.response is not None, d.days_left, d.item.title, d.item.id))
    overdue.sort(key=lambda pair: (-pair[0].timestamp(), pair[1].item.title, pair[1].item.id))
    total = settled + sum(1 for _, o in overdue if o.item.id not in newest)
    return closing, [o for _, o in overdue], total


def _new_this_week(w: _Week) -> tuple[ThemeGroup, ...]:
    groups: dict[str, list[tuple[datetime, NewItem]]] = {}
    for item_id, seen in w.first_seen.items():
        state = w.states.get(item_id)
        if state is None or not w.in_window(seen) or state.get("kind") == "commencement_order":
            continue  # commencement orders are reported under 'Moved', with their Act
        themes = w.themes(item_id)
        evidence = list(dict.fromkeys(p for _, raw in w.relevance[item_id]
                                      for p in _evidence_phrases(raw)))[:MAX_EVIDENCE]
        new_item = NewItem(w.reader.ref(item_id, state), day_label(seen),
                           first_sentence(state.get("summary") or state.get("body_text")), themes,
                           tuple(evidence), tuple(_response(r) for r in w.responses.get(item_id, [])))
        groups.setdefault(themes[0] if themes else OTHER_THEME, []).append((seen, new_item))
    order = {name: i for i, name in enumerate(w.names.values())}
    return tuple(
        ThemeGroup(theme, tuple(n for _, n in sorted(groups[theme], key=lambda p: (p[0], p[1].item.title,
                                                                                  p[1].item.id))))
        for theme in sorted(groups, key=lambda t: (t == OTHER_THEME, order.get(t, len(order)), t)))


def _moved_this_week(w: _Week) -> tuple[Move, ...]:
    moved: list[tuple[datetime, Move]] = []
    for version in w.versions:
        when = parse_instant(version["valid_to"])
        if version["item_id"] in w.states and w.in_window(when):
            moved += [(when, m) for m in _moves(w.reader, version, w.states[version["item_id"]].get("kind", ""))]
    # Unary + keeps SQLite on the first_seen range rather than every commencement order.
    orders = list(w.db.query("SELECT id, first_seen FROM items WHERE +kind = 'commencement_order' "
                             "AND first_seen >= ? AND first_seen < ?", w.near_window()))
    w.reader.prefetch(row["id"] for row in orders)
    for row in orders:
        seen = parse_instant(row["first_seen"])
        state = w.reader.state(row["id"])
        if state is None or not w.in_window(seen):
            continue
        acts = [link["to_id"] for link in w.db.query(
            "SELECT to_id, created, review_state, reviewed_at FROM links WHERE from_id = ? "
            "AND relation = 'commences' ORDER BY to_id", [row["id"]])
            if _at_or_before(link["created"], w.as_of)
            and not (link["review_state"] == "rejected" and _at_or_before(link["reviewed_at"], w.as_of))]
        w.load(acts)
        relevant_acts = [a for a in acts if a in w.states]
        if not relevant_acts and row["id"] not in w.relevance:
            continue
        act_id = (relevant_acts or acts or [None])[0]
        act = w.reader.ref(act_id) if act_id else None
        moved.append((seen, Move(w.reader.ref(row["id"], state), "Commencement order", "",
                                 act.title if act else "", day_label(seen), act)))
    moved.sort(key=lambda pair: (pair[0], pair[1].item.title, pair[1].change))
    return tuple(m for _, m in moved)


def _response_deadlines(w: _Week) -> tuple[list[ResponseEntry], list[ResponseEntry]]:
    """(submitted in the window, due within 14 days), by London calendar date."""
    start_day, as_of_day = local_date(w.start), local_date(w.as_of)
    submitted, due = [], []
    w.reader.prefetch(w.responses)
    for item_id in sorted(w.responses):
        for row in w.responses[item_id]:
            day = _date(row.get("submitted_on"))
            if day and start_day <= day < as_of_day:
                submitted.append(ResponseEntry(w.reader.ref(item_id), _response(row), (as_of_day - day).days))
        latest = w.responses[item_id][0]
        deadline = _date(latest.get("internal_deadline"))
        if deadline and as_of_day <= deadline <= as_of_day + RESPONSES_DUE_HORIZON \
                and latest.get("status") != "submitted" and latest.get("decision") != "no response":
            due.append(ResponseEntry(w.reader.ref(item_id), _response(latest), (deadline - as_of_day).days))
    submitted.sort(key=lambda e: (e.days, e.item.title))
    due.sort(key=lambda e: (e.days, e.item.title))
    return submitted, due


def build_briefing(db: sqlite_utils.Database, week: str | None = None, as_of: datetime | None = None,
                   datasette_url: str = "", *, now: datetime | None = None) -> Briefing:
    """The briefing of ISO `week`, read as of `as_of` (default: Monday of the week, 07:30 Europe/London).

    With neither given: the newest week whose Monday 07:30 has passed at `now` (default: the clock).
    """
    if as_of is not None:
        as_of = require_aware(as_of)
        week = week or week_of(as_of)
    else:
        week = week or latest_briefing_week(require_aware(now or datetime.now(timezone.utc), "now"))
        as_of = briefing_as_of(week)
    base = (datasette_url or "").strip().rstrip("/")
    if base and not base.startswith(("https://", "http://")):
        raise BriefingError(f"datasette_url {datasette_url!r} is not an http(s) URL")
    reader = _Reader(db, utc_iso(as_of), base)
    w = _Week(db=db, as_of=as_of, start=as_of - WINDOW, reader=reader, names=_theme_names(db),
              responses=_responses(db, as_of))
    lo, hi = w.near_window()
    w.versions = reads.versions_between(db, lo, hi)
    threshold_day = local_date(as_of - RESPONSE_EXPECTED_AFTER)
    candidates = (
        reads.first_seen_from(db, lo)  # new this week (and commencement orders), or seen after as_of
        | {v["item_id"] for v in w.versions}  # moved this week
        | reads.changed_after(db, reader.as_of_iso)  # state as of as_of is in item_versions
        | reads.closing_between(db, CONSULTATION_KINDS, (local_date(as_of) - timedelta(days=2)).isoformat(),
                                (local_date(as_of + CLOSING_HORIZON) + timedelta(days=3)).isoformat())
        # overdue, where the closes string alone cannot tell, or reviewers changed relevance
        | reads.closing_between(db, GOVERNMENT_RESPONSE_KINDS, (threshold_day - timedelta(days=3)).isoformat(),
                                (threshold_day + timedelta(days=3)).isoformat())
        | reads.reviewed_closed_before(db, GOVERNMENT_RESPONSE_KINDS,
                                       (threshold_day + timedelta(days=3)).isoformat())
    )
    w.load(candidates)
    closing, overdue, overdue_total = _action_needed(w, candidates)
    submitted, due = _response_deadlines(w)
    sources_checked, health = _source_health(db, as_of)
    return Briefing(
        week=week, week_commencing=day_label(week_monday(week)), as_of=utc_iso(as_of),
        window_start=utc_iso(w.start), datasette_url=base, sources_checked=sources_checked, health=tuple(health),
        closing=tuple(closing), overdue=tuple(overdue[:MAX_OVERDUE]), overdue_more=max(0, overdue_total - MAX_OVERDUE),
        new=_new_this_week(w), moved=_moved_this_week(w), submitted=tuple(submitted), due=tuple(due),
    )


def _date(value: Any) -> date | None:
    """A stored date (or datetime) as a London calendar date; unreadable values count as none."""
    if not value:
        return None
    try:
        moment = parse_instant(str(value))
    except TrackerError:
        return None
    return local_date(moment) if moment else None
