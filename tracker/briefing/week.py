"""What every section of the briefing reads: the window, the relevant items as of as_of, and the words for an
item's date and state (by the source's clock where it has one, by tracker.contract's one definition of state)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

import sqlite_utils

from tracker.briefing import asof
from tracker.briefing.model import clean
from tracker.contract import CONSULTATION_KINDS, OPEN, bill_state, consultation_state
from tracker.errors import TrackerError
from tracker.weeks import day_label, parse_instant, utc_iso

WINDOW = timedelta(days=7)


def instant(value: Any, end_of_day: bool = False) -> datetime | None:
    """A stored date or datetime, or None when missing or unreadable."""
    try:
        return parse_instant(value, end_of_day=end_of_day)
    except TrackerError:
        return None


def source_date(state: dict[str, Any]) -> tuple[str, datetime | None]:
    """(word, instant) of the source's own date for an item: opened for a consultation that says, else published."""
    if state.get("kind") in CONSULTATION_KINDS and instant(state.get("opens")):
        return "opened", instant(state["opens"])
    return "published", instant(state.get("published"))


def state_label(state: dict[str, Any], as_of: datetime, newest_session: int | None = None) -> str:
    """Where an item stands at as_of, in words, by the one definition in tracker.contract (a bill's by
    `bill_state`: lapsed, carried over, withdrawn... given the newest session of any tracked bill)."""
    if state.get("kind") == "bill":
        details = state.get("details")
        try:
            details = json.loads(details) if isinstance(details, str) else (details or {})
        except ValueError:
            details = {}
        return clean(bill_state(details, state.get("status"), newest_session), 80)
    words = consultation_state(state.get("kind"), state.get("status"), state.get("closes"), as_of)
    if words == OPEN:
        closes = instant(state.get("closes"), end_of_day=True)
        return f"open until {day_label(closes)}" if closes else "open, no deadline"
    return clean(words or state.get("status"), 80)


@dataclass
class Week:
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
    #: The newest parliamentary session of any tracked bill: a bill not in it fell at prorogation.
    newest_session: int | None = None

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
