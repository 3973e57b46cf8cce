"""The briefing's "Parliament this week" beyond statutory instruments: relevant written statements made, written
questions answered (a holding answer, the answer or its correction) and debates held in the window, each by
the date Parliament gives it, read as the week stood at the briefing's instant."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from tracker.briefing import reads
from tracker.briefing.model import ParliamentEntry, clean, first_sentence
from tracker.briefing.week import Week, instant
from tracker.weeks import day_label

#: A written question's status (scrapers/parsers/written_questions.py) -> the entry's kind; others are not news.
ANSWER_KINDS = {"answered": "Written answer", "holding answer": "Holding answer",
                "answer corrected": "Answer corrected"}


def _statement(state: dict[str, Any], details: dict[str, Any]) -> tuple[datetime | None, str, str]:
    made = instant(state.get("published"))
    by = ", ".join(clean(part, 120) for part in (details.get("member"), details.get("member_role")) if part)
    where = f"{details['house']}: " if details.get("house") else ""
    said = first_sentence(state.get("summary"), 300)
    return made, "Written statement", f"{where}made by {by or 'a minister (not named)'}" + (
        f". {said}" if said else "")


def _answer(state: dict[str, Any], details: dict[str, Any]) -> tuple[datetime | None, str, str] | None:
    kind = ANSWER_KINDS.get(state.get("status") or "")
    if kind is None:
        return None
    parts = [f"asked by {clean(details['asking_member'], 120)}" if details.get("asking_member") else "",
             f"answered by {clean(details['answering_member'], 120)}" if details.get("answering_member") else "",
             f"tabled {day_label(instant(state['published']))}" if instant(state.get("published")) else ""]
    detail = "; ".join(p for p in parts if p) or "answer published"
    answer = first_sentence(details.get("answer"), 300)
    return instant(state.get("updated")), kind, detail + (f". Answer: {answer}" if answer else "")


def _debate(state: dict[str, Any], details: dict[str, Any]) -> tuple[datetime | None, str, str]:
    # The summary names the House, the sitting day, the phrases raised and by whom (scrapers/parsers/hansard.py).
    return instant(state.get("published")), "Debate", clean(state.get("summary"), 400)


READERS = {"written_statement": _statement, "written_question": _answer, "debate": _debate}


def said_and_answered(w: Week, ids: set[str]) -> list[tuple[datetime, ParliamentEntry]]:
    """(when, entry) for the relevant statements, answers and debates among `ids` that fall in the window."""
    relevant = sorted(i for i in ids if i in w.states and w.states[i].get("kind") in READERS)
    details = reads.details_as_of(w.db, relevant, w.reader.as_of_iso)
    out = []
    for item_id in relevant:
        state = w.states[item_id]
        found = READERS[state["kind"]](state, details.get(item_id, {}))
        if found is None or not w.in_window(found[0]):
            continue
        when, kind, detail = found
        out.append((when, ParliamentEntry(kind, w.reader.ref(item_id, state), day_label(when), detail)))
    return out
