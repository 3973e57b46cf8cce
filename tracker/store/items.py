"""Store items with full version history, bill stages, links and crawl runs."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import is_dataclass, asdict
from datetime import datetime, timezone
from typing import Any, Iterable, Literal

import sqlite_utils

from tracker.store.db import write_transaction
from tracker.store.migrations import CONTENT_FIELDS
from tracker.errors import StoreError
from tracker.contract import validate_item

Outcome = Literal["inserted", "updated", "unchanged"]
BATCH_SIZE = 50


def utc_now() -> str:
    """Now, as ISO 8601 UTC with offset (the one clock of the store)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_of(item: Any) -> dict[str, Any]:
    """The content fields of an item (TrackedItem or dict), details and stages as canonical JSON."""
    data = asdict(item) if is_dataclass(item) else dict(item)
    content = {field: data.get(field) for field in CONTENT_FIELDS}
    content["details"] = _canonical(data.get("details") or {})
    content["stages"] = _canonical(data.get("stages") or [])
    return content


def content_hash(content: dict[str, Any]) -> str:
    """A stable hash of the content fields."""
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


_ITEM_COLUMNS = ("id", *CONTENT_FIELDS, "content_hash", "version", "first_seen", "last_seen", "last_changed")
_INSERT_ITEM = (f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_ITEM_COLUMNS))})")
_UPDATE_ITEM = (f"UPDATE items SET {', '.join(f'{c} = ?' for c in CONTENT_FIELDS)}, content_hash = ?, "
                "version = ?, last_seen = ?, last_changed = ? WHERE id = ?")


def upsert_item(db: sqlite_utils.Database, item: Any, now: str | None = None) -> Outcome:
    """Insert, version-and-update, or touch one item; idempotent."""
    return next(iter(upsert_items(db, [item], now, batch_size=1).elements()))


def upsert_items(db: sqlite_utils.Database, items: Iterable[Any], now: str | None = None,
                 batch_size: int = BATCH_SIZE, *, validated: bool = False) -> Counter:
    """Upsert many items, committing every `batch_size` so readers and writers are never blocked long.

    Each batch is all or nothing. `validated=True` skips validation for items the pipeline checked.
    """
    now = now or utc_now()
    counts: Counter = Counter()
    batch: list[dict[str, Any]] = []
    for item in items:
        data = asdict(item) if is_dataclass(item) else dict(item)
        batch.append(data if validated else validate_item(data))
        if len(batch) >= batch_size:
            counts.update(_flush(db, batch, now))
            batch = []
    if batch:
        counts.update(_flush(db, batch, now))
    return counts


def _flush(db: sqlite_utils.Database, batch: list[dict[str, Any]], now: str) -> Counter:
    try:
        with write_transaction(db.conn) as conn:
            return _write_batch(conn, batch, now)
    except sqlite3.Error as exc:
        raise StoreError(f"could not store a batch of {len(batch)} items "
                         f"(first {batch[0].get('id')}): {exc}") from exc


def _write_batch(conn: sqlite3.Connection, batch: list[dict[str, Any]], now: str) -> Counter:
    ids = [data["id"] for data in batch]
    placeholders = ",".join("?" * len(ids))
    existing = {row[0]: row[1:] for row in conn.execute(
        f"SELECT id, content_hash, version, last_changed FROM items WHERE id IN ({placeholders})", ids)}
    counts: Counter = Counter()
    touched: list[tuple[str, str]] = []
    for data in batch:
        content = content_of(data)
        new_hash = content_hash(content)
        old = existing.get(data["id"])
        if old is None:
            conn.execute(_INSERT_ITEM, [data["id"], *content.values(), new_hash, 1, now, now, now])
            _write_stages(conn, data)
            outcome = "inserted"
        elif old[0] == new_hash:
            touched.append((now, data["id"]))
            counts["unchanged"] += 1
            continue
        else:
            old_hash, old_version, old_changed = old
            cursor = conn.execute(f"SELECT {', '.join(CONTENT_FIELDS)} FROM items WHERE id = ?", [data["id"]])
            previous = dict(zip(CONTENT_FIELDS, cursor.fetchone()))
            changed = [field for field in CONTENT_FIELDS if previous[field] != content[field]]
            conn.execute(
                "INSERT INTO item_versions (item_id, version, valid_from, valid_to, changed_fields, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [data["id"], old_version, old_changed, now, json.dumps(changed), _canonical(previous)])
            conn.execute(_UPDATE_ITEM, [*content.values(), new_hash, old_version + 1, now, now, data["id"]])
            if "stages" in changed:
                _write_stages(conn, data)
            outcome = "updated"
        # Items later in the same batch with the same id see this write.
        existing[data["id"]] = (new_hash, (old[1] + 1) if old else 1, now)
        _write_links(conn, data, now)
        counts[outcome] += 1
    if touched:
        conn.executemany("UPDATE items SET last_seen = ? WHERE id = ?", touched)
    return counts


def _write_stages(conn: sqlite3.Connection, data: dict[str, Any]) -> None:
    stages = data.get("stages") or []
    if not stages and data.get("kind") != "bill":
        return
    conn.execute("DELETE FROM bill_stages WHERE item_id = ?", [data["id"]])
    rows = []
    for stage in stages:
        dates = sorted(stage.get("sitting_dates") or [])
        rows.append((stage["bill_stage_id"], data["id"], stage.get("stage_type_id"), stage["stage"],
                     stage.get("house"), stage.get("abbreviation"), stage.get("session_id"),
                     stage.get("sort_order"), dates[0] if dates else None, dates[-1] if dates else None,
                     json.dumps(dates)))
    conn.executemany(
        "INSERT OR REPLACE INTO bill_stages (bill_stage_id, item_id, stage_type_id, stage, house, abbreviation, "
        "session_id, sort_order, first_sitting, last_sitting, sitting_dates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows)


def _write_links(conn: sqlite3.Connection, data: dict[str, Any], now: str) -> None:
    links = data.get("links") or []
    if links:
        conn.executemany(
            "INSERT INTO links (from_id, to_id, relation, evidence, method, created) "
            "VALUES (?, ?, ?, ?, 'source', ?) ON CONFLICT (from_id, to_id, relation) DO NOTHING",
            [(data["id"], link["to_id"], link["relation"], link.get("evidence", ""), now) for link in links])


def item_as_of(db: sqlite_utils.Database, item_id: str, when: str) -> dict[str, Any] | None:
    """The item's content as stored at `when` (ISO UTC), from the current row or its versions."""
    rows = list(db.query("SELECT * FROM items WHERE id = ?", [item_id]))
    if not rows or rows[0]["first_seen"] > when:
        return None
    current = rows[0]
    if current["last_changed"] <= when:
        return current
    for version in db.query(
        "SELECT * FROM item_versions WHERE item_id = ? AND valid_from <= ? AND valid_to > ? "
        "ORDER BY version DESC LIMIT 1", [item_id, when, when]
    ):
        return {**json.loads(version["data"]), "id": item_id, "version": version["version"]}
    return None


# --- runs -------------------------------------------------------------------------------------

def start_run(db: sqlite_utils.Database, source: str, mode: str = "live", now: str | None = None) -> int:
    """Record a crawl as running; returns the run id."""
    with write_transaction(db.conn) as conn:
        return conn.execute("INSERT INTO runs (source, started, status, mode) VALUES (?, ?, 'running', ?)",
                            [source, now or utc_now(), mode]).lastrowid


def close_interrupted_runs(db: sqlite_utils.Database, source: str, now: str | None = None) -> int:
    """Mark a source's runs still 'running' as failed: their process died without recording a result."""
    with write_transaction(db.conn) as conn:
        cursor = conn.execute(
            "UPDATE runs SET status = 'failed', finished = ?, error_message = 'interrupted: the crawl process "
            "ended without recording a result' WHERE source = ? AND status = 'running'", [now or utc_now(), source])
    return cursor.rowcount


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, now: str | None = None,
               **fields: Any) -> None:
    """Record how a crawl ended: status ok / partial / failed, counts and the error message."""
    values = {"status": status, "finished": now or utc_now(), **fields}
    with write_transaction(db.conn) as conn:
        conn.execute(f"UPDATE runs SET {', '.join(f'{key} = ?' for key in values)} WHERE id = ?",
                     [*values.values(), run_id])


def last_good_watermark(db: sqlite_utils.Database, source: str) -> str | None:
    """The watermark of the newest ok run: incremental crawls stop there (a failed run never moves it)."""
    row = db.execute(
        "SELECT watermark FROM runs WHERE source = ? AND status = 'ok' AND watermark IS NOT NULL "
        "ORDER BY id DESC LIMIT 1", [source]
    ).fetchone()
    return row[0] if row else None


def source_status(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per source: the last run, its outcome, and the last successful run."""
    return list(db.query(
        """
        SELECT r.source, r.status, r.started, r.finished, r.error_message, r.notes, r.items_seen,
               r.inserted, r.updated, r.unchanged,
               (SELECT max(finished) FROM runs ok WHERE ok.source = r.source AND ok.status = 'ok')
                 AS last_ok
        FROM runs r
        WHERE r.id = (SELECT max(id) FROM runs r2 WHERE r2.source = r.source)
        ORDER BY r.source
        """
    ))


def due_rechecks(db: sqlite_utils.Database, source: str, now: str | None = None) -> list[str]:
    """URLs of a source's items whose status depends on a date that has passed (open past closing,
    upcoming past opening): their listings do not change when that happens, so they are fetched again."""
    now = now or utc_now()
    return [row[0] for row in db.execute(
        "SELECT url FROM items WHERE source = ? AND ((status = 'open' AND closes IS NOT NULL AND closes <= ?) "
        "OR (status = 'upcoming' AND opens IS NOT NULL AND opens <= ?)) ORDER BY closes LIMIT 500",
        [source, now, now]).fetchall()]


def classified_not_relevant(db: sqlite_utils.Database, kind: str) -> list[str]:
    """Ids of items of `kind` the classifier has seen and found not relevant (unclassified ones are not)."""
    return [row[0] for row in db.execute(
        "SELECT i.id FROM items i WHERE i.kind = ? AND i.relevant = 0 "
        "AND EXISTS (SELECT 1 FROM classifications c WHERE c.item_id = i.id) ORDER BY i.id", [kind]).fetchall()]


#: The newest relevance decision of an item, by when it was made (then by id): 1, 0, or NULL (no decision in
#: force: the classifier's tags decide). The briefing reads the same rule as of a past instant (briefing.asof).
LATEST_OVERRIDE_SQL = ("SELECT relevant FROM relevance_overrides WHERE item_id = ? "
                       "ORDER BY at DESC, id DESC LIMIT 1")


def refresh_relevance(conn: sqlite3.Connection, item_id: str) -> None:
    """Recompute items.relevant and items.themes from the item's non-rejected tags, unless a reviewer's
    relevance decision is in force: "not relevant" wins over any tag, "relevant" holds with none."""
    themes = [row[0] for row in conn.execute(
        "SELECT priority_id FROM item_priorities WHERE item_id = ? AND review_state != 'rejected' "
        "ORDER BY review_state = 'confirmed' DESC, score DESC", [item_id])]
    override = conn.execute(LATEST_OVERRIDE_SQL, [item_id]).fetchone()
    decided = override[0] if override else None
    if decided == 0:
        relevant, themes = 0, []
    else:
        relevant = 1 if decided == 1 or themes else 0
    conn.execute("UPDATE items SET relevant = ?, themes = ? WHERE id = ?",
                 [relevant, json.dumps(themes), item_id])
