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

from .db import CONTENT_FIELDS
from .errors import StoreError
from .validate import validate_item

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


def upsert_item(db: sqlite_utils.Database, item: Any, now: str | None = None) -> Outcome:
    """Insert, version-and-update, or touch an item; idempotent. Call inside db.atomic() for batches."""
    now = now or utc_now()
    data = validate_item(asdict(item) if is_dataclass(item) else dict(item))
    content = content_of(data)
    new_hash = content_hash(content)
    row = db.execute("SELECT * FROM items WHERE id = ?", [data["id"]]).fetchone()
    if row is None:
        db["items"].insert(
            {"id": data["id"], **content, "content_hash": new_hash, "version": 1,
             "first_seen": now, "last_seen": now, "last_changed": now}
        )
        _write_stages(db, data)
        _write_links(db, data, now)
        return "inserted"
    old = dict(zip([d[0] for d in db.execute("SELECT * FROM items LIMIT 0").description], row))
    if old["content_hash"] == new_hash:
        db.execute("UPDATE items SET last_seen = ? WHERE id = ?", [now, data["id"]])
        return "unchanged"
    changed = [field for field in CONTENT_FIELDS if old.get(field) != content[field]]
    db["item_versions"].insert(
        {"item_id": data["id"], "version": old["version"], "valid_from": old["last_changed"],
         "valid_to": now, "changed_fields": json.dumps(changed),
         "data": _canonical({field: old.get(field) for field in CONTENT_FIELDS})}
    )
    db["items"].update(
        data["id"],
        {**content, "content_hash": new_hash, "version": old["version"] + 1,
         "last_seen": now, "last_changed": now},
    )
    if "stages" in changed:
        _write_stages(db, data)
    _write_links(db, data, now)
    return "updated"


def upsert_items(db: sqlite_utils.Database, items: Iterable[Any], now: str | None = None,
                 batch_size: int = BATCH_SIZE) -> Counter:
    """Upsert many items, committing every `batch_size` so readers and writers are never blocked long."""
    counts: Counter = Counter()
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            counts.update(_flush(db, batch, now))
            batch = []
    if batch:
        counts.update(_flush(db, batch, now))
    return counts


def _flush(db: sqlite_utils.Database, batch: list[Any], now: str | None) -> Counter:
    try:
        with db.atomic():
            return Counter(upsert_item(db, item, now) for item in batch)
    except sqlite3.Error as exc:
        raise StoreError(f"could not store a batch of {len(batch)} items: {exc}") from exc


def _write_stages(db: sqlite_utils.Database, data: dict[str, Any]) -> None:
    stages = data.get("stages") or []
    if not stages and data.get("kind") != "bill":
        return
    db.execute("DELETE FROM bill_stages WHERE item_id = ?", [data["id"]])
    rows = []
    for stage in stages:
        dates = sorted(stage.get("sitting_dates") or [])
        rows.append({
            "bill_stage_id": stage["bill_stage_id"], "item_id": data["id"],
            "stage_type_id": stage.get("stage_type_id"), "stage": stage["stage"],
            "house": stage.get("house"), "abbreviation": stage.get("abbreviation"),
            "session_id": stage.get("session_id"), "sort_order": stage.get("sort_order"),
            "first_sitting": dates[0] if dates else None, "last_sitting": dates[-1] if dates else None,
            "sitting_dates": json.dumps(dates),
        })
    if rows:
        db["bill_stages"].upsert_all(rows, pk="bill_stage_id")


def _write_links(db: sqlite_utils.Database, data: dict[str, Any], now: str) -> None:
    for link in data.get("links") or []:
        db.execute(
            "INSERT INTO links (from_id, to_id, relation, evidence, method, created) "
            "VALUES (?, ?, ?, ?, 'source', ?) ON CONFLICT (from_id, to_id, relation) DO NOTHING",
            [data["id"], link["to_id"], link["relation"], link.get("evidence", ""), now],
        )


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
    with db.atomic():
        return db["runs"].insert({"source": source, "started": now or utc_now(), "status": "running",
                                  "mode": mode}).last_pk


def close_interrupted_runs(db: sqlite_utils.Database, source: str, now: str | None = None) -> int:
    """Mark a source's runs still 'running' as failed: their process died without recording a result."""
    with db.atomic():
        cursor = db.execute(
            "UPDATE runs SET status = 'failed', finished = ?, error_message = 'interrupted: the crawl process "
            "ended without recording a result' WHERE source = ? AND status = 'running'", [now or utc_now(), source])
    return cursor.rowcount


def finish_run(db: sqlite_utils.Database, run_id: int, status: str, now: str | None = None,
               **fields: Any) -> None:
    """Record how a crawl ended: status ok / partial / failed, counts and the error message."""
    with db.atomic():
        db["runs"].update(run_id, {"status": status, "finished": now or utc_now(), **fields})


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
        SELECT r.source, r.status, r.started, r.finished, r.error_message, r.items_seen,
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
