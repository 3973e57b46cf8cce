"""The briefing's news: what was published this week (by the source's date), older items that became relevant,
what the crawls added that was published before, what moved, and each reform once."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from tracker.briefing import asof
from tracker.briefing import reads
from tracker.briefing.model import ArchiveNote, ItemRef, Move, NewItem, ThemeGroup, clean, first_sentence
from tracker.briefing.week import Week, instant, source_date, state_label
from tracker.contract import CLOSED_STATUSES, CONSULTATION_KINDS
from tracker.weeks import day_label, parse_instant, utc_iso

MAX_EVIDENCE = 8
OTHER_THEME = "Other relevant items"


def moves_of(reader: asof.Reader, version: dict[str, Any], kind_now: str) -> list[Move]:
    """What one stored version change means for the briefing."""
    old = asof.json_value(version["data"], {})
    new = reader.state(version["item_id"], version["valid_to"]) or {}
    changed = set(asof.json_value(version["changed_fields"], []))
    kind = new.get("kind") or kind_now
    ref = reader.ref(version["item_id"], new)
    on = change_date(old, new, version)
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


def change_date(old: dict[str, Any], new: dict[str, Any], version: dict[str, Any]) -> str:
    """When a change happened: the source's own 'updated' date where it moved with the change and falls between
    the two crawls that saw it, else when the tracker saw it; the label says which."""
    seen = parse_instant(version["valid_to"])
    updated = instant(new.get("updated"))
    since = instant(version.get("valid_from"))
    if updated and new.get("updated") != old.get("updated") and since and since <= updated <= seen:
        return f"{day_label(updated)} at the source"
    return f"seen by the tracker {day_label(seen)}"


def new_item(w: Week, item_id: str, dated: str, newly_relevant: str = "") -> NewItem:
    state = w.states[item_id]
    evidence = list(dict.fromkeys(p for _, raw in w.relevance[item_id]
                                  for p in asof.evidence_phrases(raw)))[:MAX_EVIDENCE]
    return NewItem(w.reader.ref(item_id, state), dated, state_label(state, w.as_of, w.newest_session),
                   first_sentence(state.get("summary") or state.get("body_text")), w.themes(item_id),
                   tuple(evidence), tuple(asof.response_of(r) for r in w.responses.get(item_id, [])), newly_relevant)


def is_new(w: Week, item_id: str) -> tuple[bool, str]:
    """(new this week, its date label): published or opened in the window by the source's date; an undated item
    when first seen in the window from a source crawled before it (not a first crawl's back catalogue)."""
    state = w.states[item_id]
    word, when = source_date(state)
    if when is not None:
        return w.in_window(when), f"{word} {day_label(when)}"
    seen = w.first_seen[item_id]
    first_run = instant(w.first_runs.get(state.get("source")))
    return (w.in_window(seen) and first_run is not None and first_run < w.start,
            f"first seen {day_label(seen)} (no date at the source)")


def new_this_week(w: Week) -> tuple[tuple[ThemeGroup, ...], set[str]]:
    """(new items grouped by strongest theme, their ids)."""
    groups: dict[str, list[tuple[datetime, NewItem]]] = {}
    ids = set()
    for item_id, seen in w.first_seen.items():
        state = w.states.get(item_id)
        if state is None or state.get("kind") == "commencement_order":
            continue  # commencement orders are reported under 'Moved', with their Act
        new, dated = is_new(w, item_id)
        if not new:
            continue
        ids.add(item_id)
        entry = new_item(w, item_id, dated)
        when = source_date(state)[1] or seen
        groups.setdefault(entry.themes[0] if entry.themes else OTHER_THEME, []).append((when, entry))
    order = {name: i for i, name in enumerate(w.names.values())}
    return tuple(
        ThemeGroup(theme, tuple(n for _, n in sorted(groups[theme], key=lambda p: (p[0], p[1].item.title,
                                                                                  p[1].item.id))))
        for theme in sorted(groups, key=lambda t: (t == OTHER_THEME, order.get(t, len(order)), t))), ids


def newly_relevant(w: Week, candidates: set[str], new_ids: set[str]) -> tuple[NewItem, ...]:
    """Older items (seen before the window, not new) that became relevant in the window, and why."""
    older = {i for i in candidates if i in w.states and i not in new_ids and w.first_seen[i] < w.start}
    if not older:
        return ()
    reviewed: dict[str, list[str]] = {}
    for row in reads.review_rows(w.db, older):
        if row["review_state"] == "confirmed" and w.in_window(instant(row["reviewed_at"])):
            reviewed.setdefault(row["item_id"], []).append(w.names.get(row["priority_id"], row["priority_id"]))
    # Marked relevant by a reviewer in the window, and not relevant already when the window began.
    marked = {row["item_id"] for row in reads.override_rows(w.db, older)
              if row["relevant"] == 1 and w.in_window(instant(row["at"]))}
    if marked:
        marked -= set(asof.relevance_raw(w.db, w.start, marked))
    since = {i: instant(v) for i, v in reads.relevant_since_rows(w.db, older).items()}
    found = []
    for item_id in sorted(older):
        if item_id in reviewed:
            why = "newly relevant: a reviewer confirmed " + ", ".join(sorted(reviewed[item_id]))
        elif item_id in marked:
            why = "newly relevant: a reviewer marked it relevant"
        elif w.in_window(since.get(item_id)):
            why = "newly relevant: reclassified"
        else:
            continue
        word, when = source_date(w.states[item_id])
        dated = f"{word} {day_label(when)}" if when else f"first seen {day_label(w.first_seen[item_id])}"
        found.append(new_item(w, item_id, dated, why))
    found.sort(key=lambda n: (n.themes[:1], n.item.title, n.item.id))
    return tuple(found)


def archived(w: Week) -> tuple[ArchiveNote, ...]:
    """Per source, what it added this week that was published before the window (or is undated and came with
    the source's first crawl): a first crawl or a back-fill, in one line. Counted in SQL where the source date
    is clearly earlier, decided here near the window's start; relevant ones are among the loaded candidates
    (every relevant item first seen in the window is one)."""
    counts, rest = reads.first_seen_earlier(w.db, utc_iso(w.start), utc_iso(w.as_of))

    def earlier(row: dict[str, Any]) -> bool:
        when = source_date(row)[1]
        if when is not None:
            return when < w.start
        first = instant(w.first_runs.get(row["source"]))
        return first is not None and w.in_window(first)

    added = Counter(counts)
    added.update(row["source"] for row in rest if earlier(row))
    relevant = Counter(state.get("source") for item_id, state in w.states.items()
                       if w.in_window(w.first_seen.get(item_id)) and earlier(state))
    notes = []
    for source in sorted(added):
        if added[source] <= 0:
            continue
        first = instant(w.first_runs.get(source))
        url = f"{w.reader.base}/tracker/items?source={source}&_sort_desc=first_seen" if w.reader.base else ""
        notes.append(ArchiveNote(clean(source), added[source], relevant[source],
                                 first is not None and w.in_window(first), url))
    return tuple(notes)


def moved_this_week(w: Week) -> tuple[Move, ...]:
    moved: list[tuple[datetime, Move]] = []
    for version in w.versions:
        when = parse_instant(version["valid_to"])
        if version["item_id"] in w.states and w.in_window(when):
            moved += [(when, m) for m in moves_of(w.reader, version, w.states[version["item_id"]].get("kind", ""))]
    # Unary + keeps SQLite on the first_seen range rather than every commencement order.
    orders = list(w.db.query("SELECT id, first_seen FROM items WHERE +kind = 'commencement_order' "
                             "AND first_seen >= ? AND first_seen < ?", w.near_window()))
    w.reader.prefetch(row["id"] for row in orders)
    for row in orders:
        seen = parse_instant(row["first_seen"])
        state = w.reader.state(row["id"])
        made = instant(state.get("published")) if state else None
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
        moved.append((seen, Move(w.reader.ref(row["id"], state), "Commencement order", "",
                                 act.title if act else "", on, act)))
    moved.sort(key=lambda pair: (pair[0], pair[1].item.title, pair[1].change))
    return tuple(m for _, m in moved)


def one_entry_per_reform(w: Week, new: tuple[ThemeGroup, ...], moved: tuple[Move, ...]
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
