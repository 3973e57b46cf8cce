"""The briefing's forward look, from the forward calendar (`calendar_events`) as it stood at the briefing's instant:
statutory instruments whose praying or approval period ends within 28 days (an action section), and the bill
stages and committee sittings of the next 7 days (in "Parliament this week").

As of: an event first seen after the instant is left out, one changed since is read as it was then (its
earlier row in `calendar_event_versions`), and one cancelled by then is left out. Which events are relevant is
the forward calendar's own rule (`store.calendar.shown`) over the items relevant at the instant.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tracker.briefing import reads
from tracker.briefing.model import ComingUp, ScrutinyEnding, clean
from tracker.briefing.week import Week, instant
from tracker.store.calendar import shown
from tracker.weeks import day_label, local_date, minute_label

SCRUTINY_HORIZON = timedelta(days=28)
COMING_UP_DAYS = 7
SCRUTINY_KINDS = ("praying period ends", "approval period ends")
COMING_UP_KINDS = ("bill stage", "committee sitting")


def _as_of(row: dict[str, Any], earlier: list[dict[str, Any]], when: str) -> dict[str, Any] | None:
    """A calendar row as it stood at `when`: None if first seen after it; else the row itself, or, if it changed
    since, the first earlier row replaced after `when` (the row as it was until then)."""
    if row["first_seen"] > when:
        return None
    if row["updated"] <= when:
        return row
    return earlier[0] if earlier else None


def _day(starts: str) -> date | None:
    moment = instant(starts)
    return local_date(moment) if moment else None


def _events(w: Week, first: date, last: date) -> list[tuple[date, dict[str, Any]]]:
    """(London day, event) of the relevant events, as they stood at as_of, starting from `first` to `last`."""
    when = w.reader.as_of_iso
    rows, earlier = reads.calendar_events_near(w.db, (first - timedelta(days=1)).isoformat(),
                                               (last + timedelta(days=2)).isoformat(), when)
    events = []
    for row in rows:
        event = _as_of(row, earlier.get(row["uid"], []), when)
        day = _day(event["starts"]) if event else None
        if event is not None and day is not None and first <= day <= last and event["item_id"]:
            events.append((day, event))
    w.load({event["item_id"] for _, event in events})
    # w.states holds the items relevant at as_of (and seen by then) among those loaded.
    # A day's events without a time first, then by the instant (offsets differ across a clock change).
    return sorted(((day, e) for day, e in events if shown(e, w.states)),
                  key=lambda pair: (pair[0], len(pair[1]["starts"]) > 10, instant(pair[1]["starts"]),
                                    pair[1]["kind"], pair[1]["title"], pair[1]["uid"]))


def forward_look(w: Week) -> tuple[tuple[ScrutinyEnding, ...], tuple[ComingUp, ...]]:
    """(scrutiny periods ending in the next 28 days, soonest first; bill stages and committee sittings in the
    next 7 days, in date order)."""
    today = local_date(w.as_of)
    events = _events(w, today, today + SCRUTINY_HORIZON)
    ending = [(day, e) for day, e in events if e["kind"] in SCRUTINY_KINDS]
    details = reads.details_as_of(w.db, sorted({e["item_id"] for _, e in ending}), w.reader.as_of_iso)
    scrutiny = []
    for day, event in ending:
        procedure = details.get(event["item_id"], {}).get("procedure")
        scrutiny.append(ScrutinyEnding(
            item=w.reader.ref(event["item_id"], w.states[event["item_id"]]), ends=event["kind"],
            procedure=f"{clean(procedure, 80)} procedure" if procedure else "procedure not given",
            on=day_label(day), days_left=(day - today).days))
    coming = []
    for day, event in events:
        if event["kind"] not in COMING_UP_KINDS or (day - today).days >= COMING_UP_DAYS:
            continue
        moment = instant(event["starts"])
        if len(event["starts"]) > 10 and moment is not None and moment < w.as_of:
            continue  # earlier on the briefing's morning: already past
        coming.append(ComingUp(
            kind=event["kind"], title=clean(event["title"], 400),
            on=minute_label(moment) if len(event["starts"]) > 10 and moment else day_label(day),
            house=clean(event["house"], 40), url=clean(event["url"]),
            item=w.reader.ref(event["item_id"], w.states[event["item_id"]])))
    return tuple(scrutiny), tuple(coming)
