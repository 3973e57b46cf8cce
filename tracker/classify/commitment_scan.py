"""After classification: find commitments in what ministers said in relevant items and store them as
candidates, then suggest delivery evidence for open ones. Which text of an item is the government speaking
depends on its kind (`SPOKEN`): an answer's answer (not the question), a statement's whole text. A debate
source adds its kind here with the ministers' contributions."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import sqlite_utils

from tracker.classify.commitments import find_commitments
from tracker.store import commitments as store


@dataclass(frozen=True)
class Spoken:
    """What the government said in an item: the text, who said it, and the day."""

    text: str | None
    speaker: str | None
    said_on: str | None


def _answer(item: dict[str, Any], details: dict[str, Any]) -> Spoken:
    return Spoken(details.get("answer"), details.get("answering_member"),
                  details.get("date_answered") or item.get("updated") or item.get("published"))


def _statement(item: dict[str, Any], details: dict[str, Any]) -> Spoken:
    return Spoken(item.get("body_text"), details.get("member"), item.get("published"))


SPOKEN: dict[str, Callable[[dict, dict], Spoken]] = {"written_question": _answer, "written_statement": _statement}


@dataclass
class ScanResult:
    items: int = 0
    new_candidates: int = 0
    suggestions: int = 0


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def scan(db: sqlite_utils.Database, now: str | None = None) -> ScanResult:
    """Find and store candidates in every relevant item of a SPOKEN kind (stored quotes are kept as decided),
    then suggest delivery evidence."""
    result = ScanResult()
    kinds = ", ".join("?" * len(SPOKEN))
    found: list[store.NewCommitment] = []
    for item in db.query(f"SELECT id, kind, organisation, published, updated, body_text, details FROM items "
                         f"WHERE relevant = 1 AND kind IN ({kinds}) ORDER BY id", list(SPOKEN)):
        result.items += 1
        spoken = SPOKEN[item["kind"]](item, json.loads(item["details"] or "{}"))
        said_on = _day(spoken.said_on)
        for c in find_commitments(spoken.text, speaker=spoken.speaker, department=item["organisation"],
                                  item_id=item["id"], said_on=said_on):
            found.append(store.NewCommitment(c.item_id, c.quote, c.speaker, c.department,
                                             said_on.isoformat() if said_on else None, c.due, c.due_phrase))
    result.new_candidates = store.add_candidates(db.conn, found, now)
    result.suggestions = store.suggest_deliveries(db.conn)
    return result
