"""The briefing's "Amendments decided this week": relevant bills' amendments whose decision the tracker first saw
in the window. The Bills API gives no decision date, so an amendment counts when a crawl in the window saw its
decision change, or saw it first, already decided, at a stage that sat in the window (an old decision found
by a first crawl is not this week's news)."""
from __future__ import annotations

import json

from tracker.briefing import reads
from tracker.briefing.model import AmendmentDecision, AmendmentsDecided, clean
from tracker.briefing.week import Week, instant
from tracker.contract import AMENDMENT_DECISIONS
from tracker.store.amendments import NO_DECISION
from tracker.weeks import local_date

#: Amendments listed per bill stage; the rest are counted.
MAX_PER_STAGE = 12


def _sat_in_window(w: Week, sitting_dates: str | None) -> bool:
    try:
        dates = json.loads(sitting_dates or "[]")
    except ValueError:
        return False
    first, last = local_date(w.start).isoformat(), local_date(w.as_of).isoformat()
    return any(isinstance(d, str) and first <= d[:10] <= last for d in dates)


def amendments_decided(w: Week) -> tuple[AmendmentsDecided, ...]:
    """One entry per relevant bill and stage, its decided amendments in number order."""
    lo, hi = w.near_window()
    rows = []
    for row in reads.amendments_decided_between(w.db, lo, hi, w.reader.as_of_iso):
        seen = instant(row.get("decision_seen"))
        if row.get("decision") in (None, NO_DECISION) or not w.in_window(seen):
            continue
        first = instant(row.get("first_seen"))
        if (first is not None and first < seen) or _sat_in_window(w, row.get("sitting_dates")):
            rows.append(row)
    w.load({row["item_id"] for row in rows})
    groups: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        if row["item_id"] in w.relevance and row["item_id"] in w.states:
            groups.setdefault((row["item_id"], row["bill_stage_id"]), []).append(row)
    stage_names = {row["bill_stage_id"]: row for row in w.db.query(
        "SELECT bill_stage_id, stage, house FROM bill_stages WHERE bill_stage_id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted({key[1] for key in groups}))])}
    out = []
    for (item_id, stage_id), members in groups.items():
        members.sort(key=lambda r: (int(r["number"]) if str(r.get("number") or "").isdigit() else 10**9,
                                    str(r.get("number") or ""), r["amendment_id"]))
        stage = stage_names.get(stage_id) or {}
        house = stage.get("house")
        stage_words = (f"{house}: " if house and house not in ("Unassigned", "Both") else "") + (
            stage.get("stage") or f"stage {stage_id}")
        decided = tuple(AmendmentDecision(
            number=clean(r.get("number") or r.get("dnum") or r["amendment_id"], 20),
            where=clean(r.get("summary"), 200),
            sponsors=clean(", ".join(s.get("name") or "" for s in json.loads(r.get("sponsors") or "[]")), 200),
            decision=AMENDMENT_DECISIONS.get(r["decision"], clean(r["decision"], 40)),
        ) for r in members[:MAX_PER_STAGE])
        out.append(AmendmentsDecided(w.reader.ref(item_id, w.states[item_id]), clean(stage_words, 120), decided,
                                     max(0, len(members) - MAX_PER_STAGE)))
    return tuple(sorted(out, key=lambda e: (e.item.title, e.stage)))
