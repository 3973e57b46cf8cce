"""Classify stored items and keep their priority tags, never overriding a reviewer's decision."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import sqlite_utils

from tracker.classify.rules import CLASSIFIER_VERSION, classify
from tracker.classify.priorities import Ruleset, load_ruleset
from tracker.briefing import watch
from tracker.store import facet_counts
from tracker.store.db import write_transaction
from tracker.store.items import refresh_relevance, utc_now

BATCH = 500


@dataclass
class TaggingResult:
    """Counts of one classification pass."""

    classified: int = 0
    relevant: int = 0
    tags_written: int = 0


def sync_priorities(db: sqlite_utils.Database, ruleset: Ruleset) -> None:
    """Load the priorities file into the `priorities` table (data for queries and the dossier)."""
    with write_transaction(db.conn):
        for priority in ruleset.priorities:
            db["priorities"].upsert({"id": priority.id, "name": priority.name, "grouping": priority.group,
                                     "description": priority.description,
                                     "strategies": json.dumps(list(priority.sources))}, pk="id")


def classify_stored(db: sqlite_utils.Database, *, everything: bool = False, ruleset: Ruleset | None = None,
                    now: str | None = None, progress: Callable[[int], None] | None = None) -> TaggingResult:
    """Classify items new or changed since their last classification (or all), in small transactions."""
    ruleset = ruleset or load_ruleset()
    now = now or utc_now()
    sync_priorities(db, ruleset)
    where = "" if everything else (
        "AND (c.item_id IS NULL OR c.content_hash != i.content_hash OR c.version != :version)")
    # One page of BATCH rows at a time, by id: memory stays one page whatever the archive's size.
    sql = (f"SELECT i.id, i.title, i.summary, i.body_text, i.organisation, i.kind, i.content_hash "
           f"FROM items i LEFT JOIN classifications c ON c.item_id = i.id WHERE {{after}} {where} "
           f"ORDER BY i.id LIMIT {BATCH}")
    first, following = sql.format(after="1"), sql.format(after="i.id > :after")
    params = {"version": ruleset.version + "|" + CLASSIFIER_VERSION}
    result = TaggingResult()
    done = 0
    while True:
        rows = db.execute(following if "after" in params else first, params).fetchall()
        if not rows:
            break
        with write_transaction(db.conn):
            for row in rows:
                item = dict(zip(("id", "title", "summary", "body_text", "organisation", "kind", "content_hash"), row))
                _apply(db, item, classify(item, ruleset), ruleset, now, result)
        done += len(rows)
        if progress:
            progress(done)
        if len(rows) < BATCH:
            break
        params["after"] = rows[-1][0]
    # Every crawl ends here (tracker.jobs, the crawl command), so the stored counts and sets readers use follow.
    facet_counts.refresh_if_stale(db)
    watch.refresh_if_stale(db)
    return result


def _apply(db, item, decision, ruleset: Ruleset, now: str, result: TaggingResult) -> None:
    version = ruleset.version + "|" + decision.version
    themes = decision.themes if decision.relevant else []
    db.execute(
        "INSERT INTO classifications (item_id, relevant, score, themes, evidence, method, version, content_hash, "
        "classified_at, relevant_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET "
        # relevant_since changes only when the item turns relevant, so a briefing can tell newly relevant items.
        "relevant_since = CASE WHEN excluded.relevant = 0 THEN NULL WHEN classifications.relevant = 1 "
        "THEN coalesce(classifications.relevant_since, excluded.classified_at) ELSE excluded.classified_at END, "
        "relevant = excluded.relevant, score = excluded.score, themes = excluded.themes, "
        "evidence = excluded.evidence, method = excluded.method, version = excluded.version, "
        "content_hash = excluded.content_hash, classified_at = excluded.classified_at",
        [item["id"], int(decision.relevant), decision.score, json.dumps([t.as_json() for t in themes]),
         json.dumps([e.as_json() for e in decision.evidence]), decision.method, version, item["content_hash"], now,
         now if decision.relevant else None],
    )
    suggested = {t.theme: t for t in themes}
    for theme, match in suggested.items():
        db.execute(
            "INSERT INTO item_priorities (item_id, priority_id, score, evidence, method, version, created, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id, priority_id) DO UPDATE SET "
            "score = excluded.score, evidence = excluded.evidence, method = excluded.method, "
            "version = excluded.version, updated = excluded.updated",
            [item["id"], theme, match.score, json.dumps([e.as_json() for e in match.evidence]), decision.method,
             version, now, now],
        )
        result.tags_written += 1
    # Tags the classifier no longer suggests go, unless a person has confirmed or rejected them.
    placeholders = ",".join("?" * len(suggested)) or "''"
    db.execute(f"DELETE FROM item_priorities WHERE item_id = ? AND review_state = 'suggested' "
               f"AND priority_id NOT IN ({placeholders})", [item["id"], *suggested])
    refresh_relevance(db.conn, item["id"])
    result.classified += 1
    result.relevant += int(decision.relevant)
