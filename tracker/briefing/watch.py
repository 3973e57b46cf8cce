"""The briefing's small stored sets, so that its cost follows the week and not the backlog.

Two sets of items, decided by SQL over current rows exactly as `reads` decides them live, are kept in
`briefing_watch` (migration 0020_facet_counts) and recomputed after each classification (every crawl ends with
one) when anything they are computed from has changed:
- `awaiting_response`: consultations and calls for evidence, classified relevant, with no reviewed tag and no
  reviewer's relevance decision, not finished, whose closing date is a dashed ISO date (the items
  `reads.settled_overdue` counts and reads the newest of), with that date;
- `rolling`: consultations open with no closing date that can be relevant at all (`reads.open_without_deadline`).

The briefing reads a set only while tracker.store.derived says it is current; otherwise it reads live, so a
briefing never depends on whether a set was refreshed.
"""
from __future__ import annotations

import sqlite3

import sqlite_utils

from tracker.contract import CONSULTATION_KINDS, FINISHED_STATUSES, GOVERNMENT_RESPONSE_KINDS, OPEN_STATUSES
from tracker.store import derived
from tracker.store.db import write_transaction

NAME = "briefing_watch"
AWAITING = "awaiting_response"
ROLLING = "rolling"
#: A stored date or datetime in the dashed ISO form, whose string order follows its date.
ISO_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"
#: SQL over `items i`: the item can be relevant as of some instant: classified relevant, with a confirmed tag, or
#: marked relevant by a reviewer (relevance as of any instant needs one of the three).
CAN_BE_RELEVANT = (
    "(EXISTS (SELECT 1 FROM classifications c WHERE c.item_id = i.id AND c.relevant != 0) "
    "OR EXISTS (SELECT 1 FROM item_priorities p WHERE p.item_id = i.id AND p.review_state = 'confirmed') "
    "OR EXISTS (SELECT 1 FROM relevance_overrides o WHERE o.item_id = i.id AND o.relevant = 1))")


def sql_list(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


#: Relevant by the classifier alone: relevant now and as of any instant, whatever reviewers did since (they did
#: nothing: no reviewed tag, no relevance decision).
SETTLED_RELEVANT = (
    "EXISTS (SELECT 1 FROM classifications c WHERE c.item_id = i.id AND c.relevant != 0) "
    "AND NOT EXISTS (SELECT 1 FROM item_priorities p WHERE p.item_id = i.id "
    "AND p.review_state IN ('confirmed', 'rejected')) "
    "AND NOT EXISTS (SELECT 1 FROM relevance_overrides o WHERE o.item_id = i.id)")

_SETS = {
    AWAITING: (f"SELECT '{AWAITING}', i.id, i.closes FROM items i "
               f"WHERE i.kind IN {sql_list(GOVERNMENT_RESPONSE_KINDS)} AND i.closes GLOB '{ISO_DATE_GLOB}' "
               f"AND (i.status IS NULL OR i.status NOT IN {sql_list(FINISHED_STATUSES)}) AND {SETTLED_RELEVANT}"),
    ROLLING: (f"SELECT '{ROLLING}', i.id, NULL FROM items i WHERE i.status IN {sql_list(OPEN_STATUSES)} "
              f"AND i.closes IS NULL AND i.kind IN {sql_list(CONSULTATION_KINDS)} AND {CAN_BE_RELEVANT}"),
}


def refresh(db: sqlite_utils.Database) -> None:
    """Recompute both sets in one transaction."""
    conn = db.conn
    with write_transaction(conn):
        conn.execute("DELETE FROM briefing_watch")
        for select in _SETS.values():
            conn.execute(f"INSERT INTO briefing_watch (list, item_id, closes) {select}")
        derived.mark_computed(conn, NAME)


def is_current(conn: sqlite3.Connection) -> bool:
    return derived.is_current(conn, NAME)


def refresh_if_stale(db: sqlite_utils.Database) -> bool:
    """Recompute unless current (a crawl that changed nothing costs one read); nothing on an older schema."""
    if not derived.exists(db.conn) or is_current(db.conn):
        return False
    refresh(db)
    return True
