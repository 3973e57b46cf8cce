"""Bounded reads for the weekly briefing: candidate ids through indexes, then only those rows and columns.

The briefing's cost must follow the week, not the archive. Every query here is either a range over an
indexed column bounded by the week (first_seen, valid_to, closes, last_changed > as_of), a lookup of
given ids (passed as one JSON array, read with json_each, so any number fits in one statement), or an
aggregate that SQLite answers without handing archive rows to Python.

Stored instants are ISO 8601 strings. String ranges here are a day or more wider than the instants they
stand for; the caller decides with parsed datetimes, as before.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

import sqlite_utils

from tracker.briefing import watch
from tracker.contract import (CONSULTATION_KINDS, FINISHED_STATUSES, GOVERNMENT_RESPONSE_KINDS, NEWEST_SESSION_SQL,
                              OPEN_STATUSES, SOURCE_DATE_SQL)

#: What the briefing reads of an item: never body_text unless the summary is empty (it is the fallback).
STATE_COLUMNS = ("id, source, kind, title, summary, url, organisation, status, published, updated, opens, closes, "
                 "first_seen, CASE WHEN kind = 'bill' THEN details END AS details, "
                 "last_changed, version, CASE WHEN summary IS NULL OR summary = '' THEN body_text END AS body_text")
_IDS = "(SELECT value FROM json_each(?))"
_ISO_DATE_GLOB = watch.ISO_DATE_GLOB


def id_list(ids: Iterable[str]) -> str:
    """Ids as one JSON array parameter (for `IN (SELECT value FROM json_each(?))`)."""
    return json.dumps(sorted(set(ids)))


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


#: SQL over `items i`: the item can be relevant as of some instant (see `closing_between`).
_CAN_BE_RELEVANT = watch.CAN_BE_RELEVANT


# --- candidate ids ------------------------------------------------------------------------------

def first_seen_from(db: sqlite_utils.Database, lo: str) -> set[str]:
    """Items first seen at or after lo (string bound): this week's, and any seen after as_of."""
    return {row[0] for row in db.execute("SELECT id FROM items WHERE first_seen >= ?", [lo])}


def dated_between(db: sqlite_utils.Database, lo: str, hi: str) -> set[str]:
    """Items the source dates (published, or opened) in [lo, hi) (string bounds a day wider than the window)."""
    return {row[0] for row in db.execute(
        "SELECT id FROM items WHERE published >= ? AND published < ? "
        "UNION SELECT id FROM items WHERE opens >= ? AND opens < ?", [lo, hi, lo, hi])}


def newly_relevant_between(db: sqlite_utils.Database, lo: str, hi: str) -> set[str]:
    """Items the classifier turned relevant, a reviewer confirmed a theme of, or a reviewer marked relevant, in
    [lo, hi) (string bounds)."""
    return {row[0] for row in db.execute(
        """
        SELECT item_id FROM classifications WHERE relevant_since >= :lo AND relevant_since < :hi
        UNION
        SELECT item_id FROM item_priorities INDEXED BY idx_item_priorities_priority
        WHERE priority_id IN (SELECT id FROM priorities) AND review_state = 'confirmed'
          AND reviewed_at >= :lo AND reviewed_at < :hi
        UNION
        SELECT item_id FROM relevance_overrides WHERE at >= :lo AND at < :hi AND relevant = 1""",
        {"lo": lo, "hi": hi})}


def first_seen_earlier(db: sqlite_utils.Database, start: str, end: str
                       ) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Items first seen in [start, end): (source -> how many the source dates more than a day before `start`,
    decided in SQL; the rest, dated near the window or not at all, as rows for the caller to decide)."""
    first_seen = "first_seen >= :start AND first_seen < :end"
    clearly = f"{SOURCE_DATE_SQL} IS NOT NULL AND datetime({SOURCE_DATE_SQL}) < datetime(:start, '-1 day')"
    counts = dict(db.execute(f"SELECT source, count(*) FROM items i WHERE {first_seen} AND {clearly} "
                             f"GROUP BY source", {"start": start, "end": end}).fetchall())
    rest = list(db.query(f"SELECT id, source, kind, published, opens FROM items i WHERE {first_seen} "
                         f"AND NOT ({clearly})", {"start": start, "end": end}))
    return counts, rest


def first_runs(db: sqlite_utils.Database) -> dict[str, str]:
    """Source -> when its first run started."""
    return dict(db.execute("SELECT source, min(started) FROM runs GROUP BY source").fetchall())


def changed_after(db: sqlite_utils.Database, when: str) -> set[str]:
    """Items whose current row is not their state at `when` (the exact test store.item_as_of makes)."""
    return {row[0] for row in db.execute("SELECT id FROM items WHERE last_changed > ?", [when])}


def versions_between(db: sqlite_utils.Database, lo: str, hi: str) -> list[dict[str, Any]]:
    """Stored versions that ended in [lo, hi), oldest first."""
    return list(db.query("SELECT * FROM item_versions WHERE valid_to >= ? AND valid_to < ? ORDER BY id", [lo, hi]))


def laid_between(db: sqlite_utils.Database, lo: str, hi: str) -> set[str]:
    """Statutory instruments the source dates (laid, else made) in [lo, hi) (string bounds a day wider)."""
    # Unary + keeps SQLite on the published range.
    return {row[0] for row in db.execute(
        "SELECT id FROM items WHERE published >= ? AND published < ? AND +kind = 'statutory_instrument'", [lo, hi])}


def said_in_parliament_between(db: sqlite_utils.Database, lo: str, hi: str) -> set[str]:
    """Written statements made and debates held in [lo, hi) by the source's date, and written questions answered
    (held, answered or corrected) in it (string bounds a day wider than the window)."""
    # Unary + keeps SQLite on the indexed date ranges (idx_items_published, idx_items_updated).
    return {row[0] for row in db.execute(
        "SELECT id FROM items WHERE published >= ? AND published < ? AND +kind IN ('written_statement', 'debate') "
        "UNION SELECT id FROM items WHERE updated >= ? AND updated < ? AND +kind = 'written_question'",
        [lo, hi, lo, hi])}


def details_as_of(db: sqlite_utils.Database, ids: Iterable[str], when: str) -> dict[str, dict[str, Any]]:
    """Id -> the item's `details` as stored at `when` (as read_items reads the other columns), for given ids."""
    out = {}
    for row in db.query(f"SELECT id, details, last_changed, first_seen FROM items WHERE id IN {_IDS}", [id_list(ids)]):
        if row["first_seen"] <= when and row["last_changed"] <= when:
            out[row["id"]] = json.loads(row["details"] or "{}")
    older = [i for i in ids if i not in out]
    if older:
        for version in db.query(
                f"SELECT item_id, data FROM item_versions WHERE item_id IN {_IDS} "
                f"AND +valid_from <= ? AND +valid_to > ? ORDER BY item_id, version DESC", [id_list(older), when, when]):
            data = json.loads(version["data"])
            details = data.get("details") or {}
            out.setdefault(version["item_id"], json.loads(details) if isinstance(details, str) else details)
    return out


def closing_between(db: sqlite_utils.Database, kinds: Iterable[str], lo: str, hi: str) -> set[str]:
    """Items of `kinds` whose current closes is in [lo, hi) (string bounds) that can be relevant at all:
    classified relevant, with a confirmed tag, or marked relevant by a reviewer (relevance as of any instant
    needs one of the three)."""
    # Unary + keeps SQLite on the closes range rather than every item of the kinds.
    return {row[0] for row in db.execute(
        f"SELECT id FROM items i WHERE +kind IN {_in(kinds)} AND closes >= ? AND closes < ? "
        f"AND {_CAN_BE_RELEVANT}",
        [lo, hi])}


def open_without_deadline(db: sqlite_utils.Database, kinds: Iterable[str], statuses: Iterable[str]) -> set[str]:
    """Items of `kinds` open now with no closing date (rolling calls for evidence) that can be relevant at
    all, as in `closing_between`. Found through the status index: open items are few."""
    if watch.is_current(db.conn) and (tuple(kinds), tuple(statuses)) == (CONSULTATION_KINDS, OPEN_STATUSES):
        # The same set, stored (tracker.briefing.watch): open rolling calls are few, open items are not.
        return {row[0] for row in db.execute("SELECT item_id FROM briefing_watch WHERE list = ?", [watch.ROLLING])}
    return {row[0] for row in db.execute(
        f"SELECT id FROM items i INDEXED BY idx_items_status WHERE status IN {_in(statuses)} AND closes IS NULL "
        f"AND kind IN {_in(kinds)} "
        f"AND {_CAN_BE_RELEVANT}")}


def reviewed_closed_before(db: sqlite_utils.Database, kinds: Iterable[str], hi: str) -> set[str]:
    """Items of `kinds` closing before `hi` (string) with a confirmed or rejected tag, or a reviewer's relevance
    decision (decisions are few: read whole).

    Reads item_priorities through its (priority_id, review_state) index: the distinct priority ids are
    found by skipping along the index, then each (priority, state) range is read.
    """
    return {row[0] for row in db.execute(
        f"""
        WITH RECURSIVE pid(id) AS (
            SELECT (SELECT min(priority_id) FROM item_priorities)
            UNION ALL
            SELECT (SELECT min(priority_id) FROM item_priorities WHERE priority_id > pid.id)
            FROM pid WHERE pid.id IS NOT NULL
        )
        SELECT DISTINCT p.item_id FROM item_priorities p CROSS JOIN items i ON i.id = p.item_id
        WHERE p.priority_id IN (SELECT id FROM pid WHERE id IS NOT NULL)
          AND p.review_state IN ('confirmed', 'rejected')
          AND i.kind IN {_in(kinds)} AND i.closes < :hi
        UNION
        SELECT o.item_id FROM relevance_overrides o CROSS JOIN items i ON i.id = o.item_id
        WHERE i.kind IN {_in(kinds)} AND i.closes < :hi""", {"hi": hi})}


def settled_overdue(db: sqlite_utils.Database, *, kinds: Iterable[str], finished: Iterable[str], closed_before: str,
                    exclude: Iterable[str], newest: int) -> tuple[int, set[str]]:
    """(count, ids of at least the `newest` latest-closing) of the overdue items SQL can decide alone.

    These are items of `kinds`, not finished, closing (dashed ISO form) before the date `closed_before`,
    classified relevant with no confirmed or rejected tag and no reviewer's relevance decision (so relevant as
    of any instant), and not in `exclude`. The caller excludes every item it decides itself, which must
    include every item first seen in or after its window or changed after as_of: so the current row is the
    item as of as_of. And `closed_before` must be far enough before the overdue threshold that every such
    instant is before it.

    One statement, reading indexes (items by relevant, kind, closes; by status) and each match's id: the
    count, and the items dated from 3 days before the `newest`-th latest closes string (no string dated
    earlier can be a later instant than it), so the caller reads only those.
    """
    if watch.is_current(db.conn) and (tuple(kinds), tuple(finished)) == (GOVERNMENT_RESPONSE_KINDS,
                                                                         FINISHED_STATUSES):
        # The same items, stored with their closing dates (tracker.briefing.watch): an index range, not the backlog.
        settled = ("SELECT item_id AS id, closes FROM briefing_watch INDEXED BY idx_briefing_watch_closes "
                   f"WHERE list = '{watch.AWAITING}' AND closes < :closed "
                   f"AND item_id NOT IN {_IDS.replace('?', ':exclude')}")
        # Not materialized: the newest and the rows near them walk the (list, closes) index from the top; the count
        # is the index range's, less the excluded ids in it (looked up one by one: they are the week's few).
        in_range = f"FROM briefing_watch WHERE list = '{watch.AWAITING}' AND closes < :closed"
        count = (f"((SELECT count(*) {in_range}) "
                 f"- (SELECT count(*) {in_range} AND item_id IN {_IDS.replace('?', ':exclude')}))")
        return _newest_settled(db, f"WITH s AS NOT MATERIALIZED ({settled})", closed_before, exclude, newest,
                               count=count)
    live = f"""
        WITH RECURSIVE rv(v) AS (  -- the distinct values of items.relevant, to read idx_items_relevant
            SELECT (SELECT min(relevant) FROM items)
            UNION ALL
            SELECT (SELECT min(relevant) FROM items WHERE relevant > rv.v) FROM rv WHERE rv.v IS NOT NULL
        ),
        s AS MATERIALIZED (
            SELECT i.id AS id, i.closes AS closes FROM items i
            WHERE i.relevant IN (SELECT v FROM rv WHERE v IS NOT NULL) AND i.kind IN {_in(kinds)}
              AND i.closes < :closed AND i.closes GLOB '{_ISO_DATE_GLOB}'
              AND i.rowid NOT IN (SELECT rowid FROM items INDEXED BY idx_items_status WHERE status IN {_in(finished)})
              AND i.id NOT IN {_IDS.replace('?', ':exclude')}
              AND EXISTS (SELECT 1 FROM classifications c WHERE c.item_id = i.id AND c.relevant != 0)
              AND NOT EXISTS (SELECT 1 FROM item_priorities p WHERE p.item_id = i.id
                              AND p.review_state IN ('confirmed', 'rejected'))
              AND NOT EXISTS (SELECT 1 FROM relevance_overrides o WHERE o.item_id = i.id)
        )"""
    return _newest_settled(db, live, closed_before, exclude, newest)


def _newest_settled(db: sqlite_utils.Database, settled: str, closed_before: str, exclude: Iterable[str],
                    newest: int, count: str = "(SELECT count(*) FROM s)") -> tuple[int, set[str]]:
    """settled_overdue's answer over `settled`, SQL that defines the set `s` (id, closes) in a WITH clause, and
    `count`, SQL for how many rows `s` holds."""
    rows = db.execute(
        f"""{settled},
        nth AS (SELECT closes FROM s ORDER BY closes DESC LIMIT 1 OFFSET :skip)
        SELECT {count}, s.id FROM s
        WHERE s.closes >= coalesce(date(substr((SELECT closes FROM nth), 1, 10), '-3 days'), '')""",
        {"closed": closed_before, "exclude": id_list(exclude), "skip": newest - 1}).fetchall()
    return (rows[0][0], {r[1] for r in rows}) if rows else (0, set())


# --- rows of given ids ------------------------------------------------------------------------------

def read_items(db: sqlite_utils.Database, ids: Iterable[str], when: str
               ) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """Id -> (current first_seen, the item as stored at `when` or None), for the ids that exist.

    The same answer as store.item_as_of, for many ids in two statements and without body_text (kept
    only as the fallback for an empty summary).
    """
    wanted = id_list(ids)
    current = {row["id"]: row for row in db.query(f"SELECT {STATE_COLUMNS} FROM items WHERE id IN {_IDS}",
                                                  [wanted])}
    out: dict[str, tuple[str, dict[str, Any] | None]] = {}
    older = []
    for item_id, row in current.items():
        if row["first_seen"] > when:
            out[item_id] = (row["first_seen"], None)
        elif row["last_changed"] <= when:
            out[item_id] = (row["first_seen"], row)
        else:
            out[item_id] = (row["first_seen"], None)
            older.append(item_id)
    if older:
        # Unary + keeps SQLite on the (item_id, version) index rather than a valid_to range.
        for version in db.query(
                f"SELECT item_id, version, data FROM item_versions WHERE item_id IN {_IDS} "
                f"AND +valid_from <= ? AND +valid_to > ? ORDER BY item_id, version DESC",
                [id_list(older), when, when]):
            item_id = version["item_id"]
            if out[item_id][1] is not None:
                continue  # the newest matching version is taken, as store.item_as_of does
            data = json.loads(version["data"])
            if data.get("summary"):
                data.pop("body_text", None)
            out[item_id] = (current[item_id]["first_seen"], {**data, "id": item_id, "version": version["version"]})
    return out


def relevant_since_rows(db: sqlite_utils.Database, ids: Iterable[str]) -> dict[str, str]:
    """Id -> when the classifier last turned it relevant, for the ids that are."""
    return dict(db.execute(f"SELECT item_id, relevant_since FROM classifications WHERE item_id IN {_IDS} "
                           "AND relevant_since IS NOT NULL", [id_list(ids)]).fetchall())


def reform_leads(db: sqlite_utils.Database, ids: Iterable[str]) -> dict[str, str]:
    """Id -> the lead item of its reform thread, for the ids in a thread of several items."""
    return dict(db.execute(f"SELECT item_id, reform_id FROM reforms WHERE item_id IN {_IDS}",
                           [id_list(ids)]).fetchall())


def review_rows(db: sqlite_utils.Database, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Confirmed and rejected tags of the ids."""
    return list(db.query("SELECT item_id, priority_id, score, evidence, review_state, reviewed_at, updated "
                         f"FROM item_priorities WHERE item_id IN {_IDS} AND review_state IN ('confirmed', 'rejected')",
                         [id_list(ids)]))


def override_rows(db: sqlite_utils.Database, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Reviewers' relevance decisions on the ids (or on every item), oldest first."""
    if ids is None:
        return list(db.query("SELECT id, item_id, relevant, at FROM relevance_overrides ORDER BY id"))
    return list(db.query(f"SELECT id, item_id, relevant, at FROM relevance_overrides WHERE item_id IN {_IDS} "
                         "ORDER BY id", [id_list(ids)]))


def classification_rows(db: sqlite_utils.Database, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Classifications of the ids."""
    return list(db.query(f"SELECT item_id, relevant, themes FROM classifications WHERE item_id IN {_IDS}",
                         [id_list(ids)]))


# --- our asks (the response register's editors' side) --------------------------------------------

def ask_outcomes_between(db: sqlite_utils.Database, lo: str, hi: str) -> list[dict[str, Any]]:
    """Outcomes editors decided in [lo, hi) (exact instants), from the audit log (so as of then), newest first:
    the ask's text now, its response's item, and the decision as recorded."""
    return [dict(row) for row in db.query("""
        SELECT a.id AS audit_id, a.row_key AS ask_id, a.at, a.actor, a.after, k.text, r.item_id, r.withdrawn_at
        FROM audit_log a
        JOIN asks k ON k.id = CAST(a.row_key AS INTEGER)
        JOIN responses r ON r.id = k.response_id
        WHERE a.table_name = 'asks' AND a.action IN ('outcome', 'accept suggestion') AND a.at >= ? AND a.at < ?
        ORDER BY a.id DESC""", [lo, hi])]


def ask_suggestions_between(db: sqlite_utils.Database, lo: str, hi: str) -> list[dict[str, Any]]:
    """Passages suggested for our asks in [lo, hi), with their decision (if any), the ask and its item."""
    return [dict(row) for row in db.query("""
        SELECT s.id, s.ask_id, s.item_id AS evidence_item_id, s.passage, s.rank, s.created_at, s.state,
               s.decided_at, k.text, r.item_id, r.withdrawn_at
        FROM ask_suggestions s JOIN asks k ON k.id = s.ask_id JOIN responses r ON r.id = k.response_id
        WHERE s.created_at >= ? AND s.created_at < ?
        ORDER BY r.item_id, k.position, s.rank, s.id""", [lo, hi])]
def commitments_open_due_by(db: sqlite_utils.Database, as_of_iso: str, due_by: str, limit: int) -> list[dict[str, Any]]:
    """Commitments that were open at `as_of_iso` (their last audited decision by then made them so) and are due
    on or before the day `due_by`, soonest due first, at most `limit`: the briefing's due-or-overdue list."""
    return list(db.query(
        "SELECT id, item_id, quote, speaker, department, due FROM ("
        "  SELECT c.*, (SELECT json_extract(a.after, '$.state') FROM audit_log a"
        "    WHERE a.table_name = 'commitments' AND a.row_key = CAST(c.id AS TEXT) AND a.at <= :as_of"
        "    ORDER BY a.at DESC, a.id DESC LIMIT 1) AS state_then"
        "  FROM commitments c WHERE c.due IS NOT NULL AND c.due <= :due_by)"
        " WHERE state_then = 'open' ORDER BY due, id LIMIT :limit",
        {"as_of": as_of_iso, "due_by": due_by, "limit": limit}))
# --- amendments ----------------------------------------------------------------------------------------------

def amendments_decided_between(db: sqlite_utils.Database, lo: str, hi: str, when: str) -> list[dict[str, Any]]:
    """Amendments as they stood at `when` whose decision a crawl first saw in [lo, hi) (string bounds), with
    `first_seen` and the sitting dates of their stage. Bounded by the decision_seen index and, for amendments
    changed since `when`, by their versions valid then."""
    current = list(db.query(
        "SELECT a.*, s.sitting_dates FROM amendments a LEFT JOIN bill_stages s ON s.bill_stage_id = a.bill_stage_id "
        "WHERE a.decision_seen >= ? AND a.decision_seen < ? AND a.last_changed <= ?", [lo, hi, when]))
    older = []
    for version in db.query(
            "SELECT v.amendment_id, v.data, a.first_seen, s.sitting_dates FROM amendment_versions v "
            "JOIN amendments a ON a.amendment_id = v.amendment_id "
            "LEFT JOIN bill_stages s ON s.bill_stage_id = a.bill_stage_id "
            "WHERE v.valid_to > ? AND v.valid_from <= ? AND a.last_changed > ?", [when, when, when]):
        data = json.loads(version["data"])
        if data.get("decision_seen") and lo <= data["decision_seen"] < hi:
            older.append({**data, "amendment_id": version["amendment_id"], "first_seen": version["first_seen"],
                          "sitting_dates": version["sitting_dates"]})
    return current + older


def newest_session(db: sqlite_utils.Database) -> int | None:
    """The newest parliamentary session of any tracked bill (a bill not carried into it fell at prorogation)."""
    row = db.execute(f"SELECT {NEWEST_SESSION_SQL}").fetchone()
    return row[0] if row else None


# --- the forward calendar ------------------------------------------------------------------------------------

def calendar_events_near(db: sqlite_utils.Database, lo: str, hi: str, when: str
                         ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """(calendar events stored now that start in [lo, hi) (string bounds a day wider than the caller's days) or
    changed after `when`; uid -> their rows as they were before each change after `when`, oldest first).

    A row changed after `when` may have started in the window then (a date moved since), so it is read whatever
    its date now; `calendar_events.updated` has no index, but the table holds one row per dated event, not the
    archive's text."""
    rows = list(db.query("SELECT * FROM calendar_events WHERE starts >= ? AND starts < ? "
                         "UNION SELECT * FROM calendar_events WHERE updated > ?", [lo, hi, when]))
    changed = [row["uid"] for row in rows if row["updated"] > when]
    earlier: dict[str, list[dict[str, Any]]] = {}
    for version in db.query(f"SELECT uid, data FROM calendar_event_versions WHERE uid IN {_IDS} "
                            "AND replaced_at > ? ORDER BY uid, replaced_at, id", [id_list(changed), when]):
        earlier.setdefault(version["uid"], []).append({**json.loads(version["data"]), "uid": version["uid"]})
    return rows, earlier
