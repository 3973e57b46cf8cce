"""Choose the weekly briefing's content: pure over a database and an `as_of` instant.

The briefing for ISO week W is taken as of Monday of W, 07:30 Europe/London (`weeks.briefing_as_of`),
and covers the 7 days before that instant: [as_of - 7 days, as_of). Everything is read as it was at
`as_of`: items through their version history (as `store.item_as_of` reads them), responses, runs, reviews
and links only from rows that existed then. So regenerating a past week gives the same `content_hash`.

Cost follows the week, not the archive: candidate ids come from indexed ranges first (first seen in
the window, versions ending in it, changed after as_of, closing soon, near the overdue threshold, reviewed),
and only those items' relevance and state are read (`briefing_reads`). Older overdue consultations, which
SQL can decide alone, are counted in SQL and only the newest are read.

The content types are in `briefing_model`, the as-of readers (relevance, responses, source health, item
states) in `briefing_asof`, the indexed candidate queries in `briefing_reads`; this module picks the sections.

Known limit: `classifications` holds only each item's latest decision (no history), so a past week
changes if an item's relevance or themes were later reclassified differently.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import sqlite_utils

from tracker.briefing import asof
from tracker.briefing import reads
from tracker.briefing.model import (ArchiveNote, Briefing, BriefingError, Deadline, ItemRef, MissedDeadline, Move,
                                    NewItem, Overdue, ResponseEntry, RollingCall, ThemeGroup, clean, first_sentence)
from tracker.contract import (CLOSED_STATUSES, CONSULTATION_KINDS, FINISHED_STATUSES, GOVERNMENT_RESPONSE_KINDS, OPEN,
                              OPEN_STATUSES, RESPONSE_EXPECTED_AFTER, consultation_state)
from tracker.errors import TrackerError
from tracker.weeks import (briefing_as_of, day_label, latest_briefing_week, local_date, parse_instant,
                    require_aware, utc_iso, week_monday, week_of)

WINDOW = timedelta(days=7)
CLOSING_HORIZON = timedelta(days=28)
RESPONSES_DUE_HORIZON = timedelta(days=14)
MAX_OVERDUE = 20
MAX_EVIDENCE = 8
OTHER_THEME = "Other relevant items"


def _moves(reader: asof.Reader, version: dict[str, Any], kind_now: str) -> list[Move]:
    """What one stored version change means for the briefing."""
    old = asof.json_value(version["data"], {})
    new = reader.state(version["item_id"], version["valid_to"]) or {}
    changed = set(asof.json_value(version["changed_fields"], []))
    kind = new.get("kind") or kind_now
    ref = reader.ref(version["item_id"], new)
    on = _change_date(old, new, version)
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


def _instant(value: Any, end_of_day: bool = False) -> datetime | None:
    """A stored date or datetime, or None when missing or unreadable."""
    try:
        return parse_instant(value, end_of_day=end_of_day)
    except TrackerError:
        return None


def _change_date(old: dict[str, Any], new: dict[str, Any], version: dict[str, Any]) -> str:
    """When a change happened: the source's own 'updated' date where it moved with the change and falls between
    the two crawls that saw it, else when the tracker saw it; the label says which."""
    seen = parse_instant(version["valid_to"])
    updated = _instant(new.get("updated"))
    since = _instant(version.get("valid_from"))
    if updated and new.get("updated") != old.get("updated") and since and since <= updated <= seen:
        return f"{day_label(updated)} at the source"
    return f"seen by the tracker {day_label(seen)}"


def _source_date(state: dict[str, Any]) -> tuple[str, datetime | None]:
    """(word, instant) of the source's own date for an item: opened for a consultation that says, else published."""
    if state.get("kind") in CONSULTATION_KINDS and _instant(state.get("opens")):
        return "opened", _instant(state["opens"])
    return "published", _instant(state.get("published"))


def _state_label(state: dict[str, Any], as_of: datetime) -> str:
    """Where an item stands at as_of, in words, by the one definition in tracker.contract."""
    words = consultation_state(state.get("kind"), state.get("status"), state.get("closes"), as_of)
    if words == OPEN:
        closes = _instant(state.get("closes"), end_of_day=True)
        return f"open until {day_label(closes)}" if closes else "open, no deadline"
    return clean(words or state.get("status"), 80)


@dataclass
class _Week:
    """What every section reads: the window, relevant items as of as_of, responses, theme names.

    `relevance`, `first_seen` and `states` hold the items loaded so far (`load`): the week's candidates,
    not the archive. Loading an id gives exactly what reading every item would have given for it.
    """

    db: sqlite_utils.Database
    as_of: datetime
    start: datetime
    reader: asof.Reader
    names: dict[str, str]
    responses: dict[str, list[dict[str, Any]]]
    relevance: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)  # evidence as stored
    first_seen: dict[str, datetime] = field(default_factory=dict)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)
    versions: list[dict[str, Any]] = field(default_factory=list)
    first_runs: dict[str, str] = field(default_factory=dict)
    #: Commencement orders listed under Moved (so not counted as back catalogue).
    listed_orders: set[str] = field(default_factory=set)

    def load(self, ids: Iterable[str]) -> None:
        """Relevance, first_seen and state as of as_of of ids not loaded yet (a few statements)."""
        new = set(ids) - self.loaded
        if not new:
            return
        self.loaded |= new
        relevance = asof.relevance_raw(self.db, self.as_of, new)
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
                                    asof.response_of(latest) if latest else None))
        elif state["kind"] in GOVERNMENT_RESPONSE_KINDS and closes <= w.as_of - RESPONSE_EXPECTED_AFTER:
            overdue.append((closes, Overdue(w.reader.ref(item_id, state), day_label(closes),
                                            (local_date(w.as_of) - local_date(closes)).days,
                                            day_label(closes + RESPONSE_EXPECTED_AFTER), w.themes(item_id))))
    closing.sort(key=lambda d: (d.response is not None, d.days_left, d.item.title, d.item.id))
    overdue.sort(key=lambda pair: (-pair[0].timestamp(), pair[1].item.title, pair[1].item.id))
    total = settled + sum(1 for _, o in overdue if o.item.id not in newest)
    return closing, [o for _, o in overdue], total


def _rolling_calls(w: _Week, ids: set[str]) -> tuple[RollingCall, ...]:
    """Relevant calls open at as_of with no deadline (a committee's rolling call), unanswered first."""
    calls = []
    for item_id in sorted(ids):
        state = w.states.get(item_id)
        if (state is None or state.get("closes") or state.get("status") not in OPEN_STATUSES
                or state.get("kind") not in CONSULTATION_KINDS):
            continue
        latest = w.responses.get(item_id, [None])[0]
        calls.append(RollingCall(w.reader.ref(item_id, state), w.themes(item_id),
                                 asof.response_of(latest) if latest else None))
    calls.sort(key=lambda c: (c.response is not None, c.item.title, c.item.id))
    return tuple(calls)


def _new_item(w: _Week, item_id: str, dated: str, newly_relevant: str = "") -> NewItem:
    state = w.states[item_id]
    evidence = list(dict.fromkeys(p for _, raw in w.relevance[item_id]
                                  for p in asof.evidence_phrases(raw)))[:MAX_EVIDENCE]
    return NewItem(w.reader.ref(item_id, state), dated, _state_label(state, w.as_of),
                   first_sentence(state.get("summary") or state.get("body_text")), w.themes(item_id),
                   tuple(evidence), tuple(asof.response_of(r) for r in w.responses.get(item_id, [])), newly_relevant)


def _is_new(w: _Week, item_id: str) -> tuple[bool, str]:
    """(new this week, its date label): published or opened in the window by the source's date; an undated item
    when first seen in the window from a source crawled before it (not a first crawl's back catalogue)."""
    state = w.states[item_id]
    word, when = _source_date(state)
    if when is not None:
        return w.in_window(when), f"{word} {day_label(when)}"
    seen = w.first_seen[item_id]
    first_run = _instant(w.first_runs.get(state.get("source")))
    return (w.in_window(seen) and first_run is not None and first_run < w.start,
            f"first seen {day_label(seen)} (no date at the source)")


def _new_this_week(w: _Week) -> tuple[tuple[ThemeGroup, ...], set[str]]:
    """(new items grouped by strongest theme, their ids)."""
    groups: dict[str, list[tuple[datetime, NewItem]]] = {}
    ids = set()
    for item_id, seen in w.first_seen.items():
        state = w.states.get(item_id)
        if state is None or state.get("kind") == "commencement_order":
            continue  # commencement orders are reported under 'Moved', with their Act
        new, dated = _is_new(w, item_id)
        if not new:
            continue
        ids.add(item_id)
        new_item = _new_item(w, item_id, dated)
        when = _source_date(state)[1] or seen
        groups.setdefault(new_item.themes[0] if new_item.themes else OTHER_THEME, []).append((when, new_item))
    order = {name: i for i, name in enumerate(w.names.values())}
    return tuple(
        ThemeGroup(theme, tuple(n for _, n in sorted(groups[theme], key=lambda p: (p[0], p[1].item.title,
                                                                                  p[1].item.id))))
        for theme in sorted(groups, key=lambda t: (t == OTHER_THEME, order.get(t, len(order)), t))), ids


def _newly_relevant(w: _Week, candidates: set[str], new_ids: set[str]) -> tuple[NewItem, ...]:
    """Older items (seen before the window, not new) that became relevant in the window, and why."""
    older = {i for i in candidates if i in w.states and i not in new_ids and w.first_seen[i] < w.start}
    if not older:
        return ()
    reviewed: dict[str, list[str]] = {}
    for row in reads.review_rows(w.db, older):
        if row["review_state"] == "confirmed" and w.in_window(_instant(row["reviewed_at"])):
            reviewed.setdefault(row["item_id"], []).append(w.names.get(row["priority_id"], row["priority_id"]))
    since = {i: _instant(v) for i, v in reads.relevant_since_rows(w.db, older).items()}
    found = []
    for item_id in sorted(older):
        if item_id in reviewed:
            why = "newly relevant: a reviewer confirmed " + ", ".join(sorted(reviewed[item_id]))
        elif w.in_window(since.get(item_id)):
            why = "newly relevant: reclassified"
        else:
            continue
        word, when = _source_date(w.states[item_id])
        dated = f"{word} {day_label(when)}" if when else f"first seen {day_label(w.first_seen[item_id])}"
        found.append(_new_item(w, item_id, dated, why))
    found.sort(key=lambda n: (n.themes[:1], n.item.title, n.item.id))
    return tuple(found)


def _archived(w: _Week, listed: set[str]) -> tuple[ArchiveNote, ...]:
    """Per source, what it added this week that was published earlier: counted in SQL, relevant ones from the
    loaded candidates (every relevant item first seen in the window is one), minus what the briefing lists."""
    added = reads.first_seen_counts(w.db, utc_iso(w.start), utc_iso(w.as_of))
    in_window = {i for i, seen in w.first_seen.items() if w.in_window(seen)}
    # Listed items first seen in the window (a commencement order may itself be irrelevant, so not in states).
    listed_by_source = Counter((w.reader.state(i) or {}).get("source") for i in listed
                               if w.in_window(_instant(w.reader.first_seen.get(i))))
    relevant = Counter(w.states[i].get("source") for i in in_window - listed if i in w.states)
    notes = []
    for source in sorted(added):
        count = added[source] - listed_by_source[source]
        if count <= 0:
            continue
        first = _instant(w.first_runs.get(source))
        url = f"{w.reader.base}/tracker/items?source={source}&_sort_desc=first_seen" if w.reader.base else ""
        notes.append(ArchiveNote(clean(source), count, relevant[source],
                                 first is not None and w.in_window(first), url))
    return tuple(notes)


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
        made = _instant(state.get("published")) if state else None
        # An order is news when it was made this week; one made earlier and first seen now is back catalogue.
        if state is None or not w.in_window(seen) or (made is not None and not w.in_window(made)):
            continue
        acts = [link["to_id"] for link in w.db.query(
            "SELECT to_id, created, review_state, reviewed_at FROM links WHERE from_id = ? "
            "AND relation = 'commences' ORDER BY to_id", [row["id"]])
            if asof.at_or_before(link["created"], w.as_of)
            and not (link["review_state"] == "rejected" and asof.at_or_before(link["reviewed_at"], w.as_of))]
        w.load(acts)
        relevant_acts = [a for a in acts if a in w.states]
        if not relevant_acts and row["id"] not in w.relevance:
            continue
        act_id = (relevant_acts or acts or [None])[0]
        act = w.reader.ref(act_id) if act_id else None
        on = f"made {day_label(made)}" if made else f"seen by the tracker {day_label(seen)}"
        w.listed_orders.add(row["id"])
        moved.append((seen, Move(w.reader.ref(row["id"], state), "Commencement order", "",
                                 act.title if act else "", on, act)))
    moved.sort(key=lambda pair: (pair[0], pair[1].item.title, pair[1].change))
    return tuple(m for _, m in moved)


def _response_deadlines(w: _Week) -> tuple[list[ResponseEntry], list[ResponseEntry], list[MissedDeadline]]:
    """(submitted in the window, due within 14 days, our deadlines missed), by London calendar date.

    A response not submitted and not marked 'no response' is missed once its internal deadline has passed, or
    once the consultation has closed while it is still being prepared; it stays listed until one of those changes.
    """
    start_day, as_of_day = local_date(w.start), local_date(w.as_of)
    submitted, due, missed = [], [], []
    w.reader.prefetch(w.responses)
    for item_id in sorted(w.responses):
        for row in w.responses[item_id]:
            day = asof.calendar_date(row.get("submitted_on"))
            if day and start_day <= day < as_of_day:
                submitted.append(ResponseEntry(w.reader.ref(item_id), asof.response_of(row), (as_of_day - day).days))
        latest = w.responses[item_id][0]
        if latest.get("status") == "submitted" or latest.get("decision") == "no response":
            continue
        deadline = asof.calendar_date(latest.get("internal_deadline"))
        closes = asof.calendar_date((w.reader.state(item_id) or {}).get("closes"))
        if deadline and as_of_day <= deadline <= as_of_day + RESPONSES_DUE_HORIZON:
            due.append(ResponseEntry(w.reader.ref(item_id), asof.response_of(latest), (deadline - as_of_day).days))
        elif deadline and deadline < as_of_day:
            missed.append(MissedDeadline(w.reader.ref(item_id), asof.response_of(latest), "our internal deadline",
                                         (as_of_day - deadline).days))
        elif closes and closes < as_of_day:
            missed.append(MissedDeadline(w.reader.ref(item_id), asof.response_of(latest),
                                         "the consultation's closing date", (as_of_day - closes).days))
    submitted.sort(key=lambda e: (e.days, e.item.title))
    due.sort(key=lambda e: (e.days, e.item.title))
    missed.sort(key=lambda e: (e.days_ago, e.item.title))
    return submitted, due, missed


def _one_entry_per_reform(w: _Week, new: tuple[ThemeGroup, ...], moved: tuple[Move, ...]
                          ) -> tuple[tuple[ThemeGroup, ...], tuple[Move, ...]]:
    """Each reform once: items of one thread share an entry, the first move (or first new item) of the reform,
    which names the reform; the others become its 'also this week' steps."""
    listed = [m.item.id for m in moved] + [n.item.id for g in new for n in g.items]
    leads = reads.reform_leads(w.db, listed)
    if not leads:
        return new, moved
    steps: dict[str, list[str]] = {}
    kept_moves, seen = [], {}
    for move in moved:
        key = leads.get(move.item.id, move.item.id)
        if key in seen:
            steps.setdefault(key, []).append(f"{move.change} ({move.on}): {move.item.title}")
            continue
        seen[key] = "moved"
        kept_moves.append(move)
    groups = []
    for group in new:
        items = []
        for entry in group.items:
            key = leads.get(entry.item.id, entry.item.id)
            if key in seen:
                steps.setdefault(key, []).append(f"{entry.item.kind.replace('_', ' ').capitalize()} "
                                                 f"{entry.dated}: {entry.item.title}")
                continue
            seen[key] = "new"
            items.append(entry)
        if items:
            groups.append(ThemeGroup(group.theme, tuple(items)))

    def reform_of(item_id: str) -> ItemRef | None:
        lead = leads.get(item_id)
        return w.reader.ref(lead) if lead and lead != item_id else None

    kept_moves = [replace(m, reform=reform_of(m.item.id), also=tuple(steps.get(leads.get(m.item.id, m.item.id), ())))
                  for m in kept_moves]
    groups = [ThemeGroup(g.theme, tuple(replace(n, reform=reform_of(n.item.id),
                                                also=tuple(steps.get(leads.get(n.item.id, n.item.id), ())))
                                        for n in g.items)) for g in groups]
    return tuple(groups), tuple(kept_moves)


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
    reader = asof.Reader(db, utc_iso(as_of), base)
    w = _Week(db=db, as_of=as_of, start=as_of - WINDOW, reader=reader, names=asof.theme_names(db),
              responses=asof.responses_as_of(db, as_of), first_runs=reads.first_runs(db))
    lo, hi = w.near_window()
    w.versions = reads.versions_between(db, lo, hi)
    threshold_day = local_date(as_of - RESPONSE_EXPECTED_AFTER)
    rolling = reads.open_without_deadline(db, CONSULTATION_KINDS, OPEN_STATUSES)
    changed = reads.changed_after(db, reader.as_of_iso)
    candidates = (
        rolling  # open with no deadline now; one that was at as_of but changed since is in `changed`
        | reads.first_seen_from(db, lo)  # new this week (and commencement orders), or seen after as_of
        | reads.dated_between(db, lo, hi)  # published or opened this week by the source's date
        | reads.newly_relevant_between(db, lo, hi)  # older items that became relevant this week
        | {v["item_id"] for v in w.versions}  # moved this week
        | changed  # state as of as_of is in item_versions
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
    submitted, due, missed = _response_deadlines(w)
    new, new_ids = _new_this_week(w)
    moved = _moved_this_week(w)
    new, moved = _one_entry_per_reform(w, new, moved)
    sources_checked, health = asof.source_health(db, as_of)
    return Briefing(
        week=week, week_commencing=day_label(week_monday(week)), as_of=utc_iso(as_of),
        window_start=utc_iso(w.start), datasette_url=base, sources_checked=sources_checked, health=tuple(health),
        closing=tuple(closing), overdue=tuple(overdue[:MAX_OVERDUE]), overdue_more=max(0, overdue_total - MAX_OVERDUE),
        rolling=_rolling_calls(w, rolling | changed),
        new=new, moved=moved, submitted=tuple(submitted), due=tuple(due),
        newly_relevant=_newly_relevant(w, candidates, new_ids), archived=_archived(w, new_ids | w.listed_orders),
        missed=tuple(missed),
    )
