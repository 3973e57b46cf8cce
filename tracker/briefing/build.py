"""Choose the weekly briefing's content: pure over a database and an `as_of` instant.

The briefing for ISO week W is taken as of Monday of W, 07:30 Europe/London (`weeks.briefing_as_of`),
and covers the 7 days before that instant: [as_of - 7 days, as_of). Everything is read as it was at
`as_of`: items through their version history (as `store.item_as_of` reads them), responses, runs, reviews
and links only from rows that existed then. So regenerating a past week gives the same `content_hash`.

Cost follows the week, not the archive: candidate ids come from indexed ranges first (first seen in
the window, versions ending in it, changed after as_of, closing soon, near the overdue threshold, reviewed),
and only those items' relevance and state are read (`reads`). Older overdue consultations, which
SQL can decide alone, are counted in SQL and only the newest are read.

The content types are in `model`, the as-of readers (relevance, responses, source health, item states) in
`asof`, the indexed candidate queries in `reads`, what every section reads in `week`, the news sections (new,
newly relevant, archive, moved, one entry per reform) in `news`; this module picks the action sections and
puts the briefing together.

Known limit: `classifications` holds only each item's latest decision (no history), so a past week
changes if an item's relevance or themes were later reclassified differently.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import sqlite_utils

from tracker.briefing import asof
from tracker.briefing import reads
from tracker.briefing import news
from tracker.briefing import amendments
from tracker.briefing import parliament
from tracker.briefing import forward
from tracker.briefing.model import (Briefing, BriefingError, Deadline, MissedDeadline, Overdue, ParliamentEntry,
                                    ParliamentWeek, ResponseEntry, RollingCall)
from tracker.briefing.model import AskNews, CommitmentDue, clean
from tracker.briefing.week import WINDOW, Week, instant
from tracker.contract import (CLOSED_STATUSES, CONSULTATION_KINDS, FINISHED_STATUSES, GOVERNMENT_RESPONSE_KINDS,
                              OPEN_STATUSES, RESPONSE_EXPECTED_AFTER)
from tracker.weeks import (briefing_as_of, day_label, latest_briefing_week, local_date, parse_instant,
                    require_aware, utc_iso, week_monday, week_of)

CLOSING_HORIZON = timedelta(days=28)
RESPONSES_DUE_HORIZON = timedelta(days=14)
MAX_OVERDUE = 20
#: Commitments listed at most (soonest due first); the page /-/commitments has them all.
MAX_COMMITMENTS = 20


def _action_needed(w: Week, candidates: set[str]) -> tuple[list[Deadline], list[Overdue], int]:
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


def _rolling_calls(w: Week, ids: set[str]) -> tuple[RollingCall, ...]:
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


def _response_deadlines(w: Week) -> tuple[list[ResponseEntry], list[ResponseEntry], list[MissedDeadline]]:
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


def _commitments_due(w: Week) -> list[CommitmentDue]:
    """Open commitments due within CLOSING_HORIZON of the briefing, or overdue (as decided by then)."""
    as_of_day = local_date(w.as_of)
    rows = reads.commitments_open_due_by(w.db, w.reader.as_of_iso, (as_of_day + CLOSING_HORIZON).isoformat(),
                                         MAX_COMMITMENTS)
    w.reader.prefetch(row["item_id"] for row in rows)
    due = []
    for row in rows:
        day = date.fromisoformat(row["due"])
        said_by = ", ".join(clean(part, 200) for part in (row["speaker"], row["department"]) if part)
        due.append(CommitmentDue(w.reader.ref(row["item_id"]), clean(row["quote"], 1_000), said_by,
                                 day_label(day), (day - as_of_day).days))
    return due


def _instrument_entry(w: Week, item_id: str, details: dict) -> ParliamentEntry | None:
    """An SI laid (or made) in the window, with its procedure and the end of its praying or approval period."""
    state = w.states.get(item_id)
    laid = instant(state.get("published")) if state else None
    if not w.in_window(laid):
        return None
    procedure = details.get("procedure")
    parts = [f"{procedure} procedure" if procedure else "procedure not given"]
    period = details.get("scrutiny_period") or {}
    deadline = ""
    if period.get("end_date"):
        deadline = f"{period.get('ends') or 'period ends'} {day_label(instant(period['end_date']))}"
        parts.append(deadline)
    elif period:
        parts.append(f"{period.get('ends') or 'period ends'}: date not yet given by Parliament")
    if details.get("coming_into_force"):
        parts.append(f"in force {day_label(instant(details['coming_into_force']))}")
    if details.get("laying_body"):
        parts.append(f"laid by {details['laying_body']}")
    return ParliamentEntry("SI laid" if state.get("status") == "laid" else "SI made", w.reader.ref(item_id, state),
                           day_label(laid), "; ".join(parts), deadline)


def _parliament_week(w: Week, instrument_ids: set[str], said_ids: set[str]) -> ParliamentWeek:
    """What Parliament did this week with relevant items, in date order (statutory instruments laid here;
    statements, answers and debates in `parliament`)."""
    relevant = sorted(i for i in instrument_ids if i in w.states)
    details = reads.details_as_of(w.db, relevant, w.reader.as_of_iso)
    entries = [(instant(w.states[i].get("published")), e) for i in relevant
               if (e := _instrument_entry(w, i, details.get(i, {}))) is not None]
    entries += parliament.said_and_answered(w, said_ids)
    return ParliamentWeek(tuple(e for _, e in sorted(entries, key=lambda p: (p[0], p[1].kind, p[1].item.title))))


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
    w = Week(db=db, as_of=as_of, start=as_of - WINDOW, reader=reader, names=asof.theme_names(db),
              responses=asof.responses_as_of(db, as_of), first_runs=reads.first_runs(db),
              newest_session=reads.newest_session(db))
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
    laid = reads.laid_between(db, lo, hi)
    said = reads.said_in_parliament_between(db, lo, hi)
    w.load(candidates | laid | said)
    closing, overdue, overdue_total = _action_needed(w, candidates)
    submitted, due, missed = _response_deadlines(w)
    new, new_ids = news.new_this_week(w)
    moved = news.moved_this_week(w)
    new, moved = news.one_entry_per_reform(w, new, moved)
    scrutiny_ending, coming_up = forward.forward_look(w)
    sources_checked, health = asof.source_health(db, as_of)
    return Briefing(
        week=week, week_commencing=day_label(week_monday(week)), as_of=utc_iso(as_of),
        window_start=utc_iso(w.start), datasette_url=base, sources_checked=sources_checked, health=tuple(health),
        closing=tuple(closing), overdue=tuple(overdue[:MAX_OVERDUE]), overdue_more=max(0, overdue_total - MAX_OVERDUE),
        rolling=_rolling_calls(w, rolling | changed),
        new=new, moved=moved, submitted=tuple(submitted), due=tuple(due),
        newly_relevant=news.newly_relevant(w, candidates, new_ids), archived=news.archived(w),
        missed=tuple(missed), asks=_our_asks(w), commitments=tuple(_commitments_due(w)),
        amendments_decided=amendments.amendments_decided(w),
        parliament=_parliament_week(w, laid, said | changed),  # changed: as they stood at as_of
        scrutiny_ending=scrutiny_ending, coming_up=coming_up,
    )


#: The most suggested passages per ask the briefing lists (the rest are on the reform page).
SUGGESTIONS_PER_ASK = 2


def _our_asks(w: Week) -> tuple[AskNews, ...]:
    """Our asks this week: outcomes decided (the last decision on each ask, not reset to pending) and passages
    suggested and still open at as_of, for responses not withdrawn by then."""
    lo, hi = utc_iso(w.start), utc_iso(w.as_of)
    entries: list[AskNews] = []
    decided: set[str] = set()

    def live(row) -> bool:
        return not row["withdrawn_at"] or not asof.at_or_before(row["withdrawn_at"], w.as_of)

    for row in reads.ask_outcomes_between(w.db, lo, hi):
        if row["ask_id"] in decided or not live(row):
            continue
        decided.add(row["ask_id"])
        after = json.loads(row["after"] or "{}")
        if after.get("outcome") in (None, "pending"):
            continue
        evidence = after.get("evidence_item_id")
        entries.append(AskNews(item=w.reader.ref(row["item_id"]), ask=clean(row["text"], 400),
                               what=after["outcome"],
                               when=f"decided by {clean(row['actor'], 80)} on {_day(row['at'])}",
                               evidence=w.reader.ref(evidence) if evidence else None,
                               passage=clean(after.get("evidence_passage"), 400)))
    shown: dict[int, int] = {}
    for row in reads.ask_suggestions_between(w.db, lo, hi):
        still_open = row["state"] == "open" or not asof.at_or_before(row["decided_at"], w.as_of)
        if not still_open or not live(row) or shown.get(row["ask_id"], 0) >= SUGGESTIONS_PER_ASK:
            continue
        shown[row["ask_id"]] = shown.get(row["ask_id"], 0) + 1
        entries.append(AskNews(item=w.reader.ref(row["item_id"]), ask=clean(row["text"], 400), what="suggested",
                               when=f"suggested on {_day(row['created_at'])}",
                               evidence=w.reader.ref(row["evidence_item_id"]),
                               passage=clean(row["passage"], 400)))
    return tuple(entries)


def _day(instant: str) -> str:
    return day_label(local_date(parse_instant(instant)))
