"""A read-only copy of the public data for any number of readers: `seoc-tracker publish DIR`.

Only the tables and columns in PUBLIC are copied, into a new SQLite file built from nothing (never a copy
of the working file with rows removed, whose free pages could still hold them). A table or column not
listed is private: the response register, asks, triage, relevance decisions and their notes, reviewers'
names, accounts, sessions, feed tokens, the audit log and anything a later migration adds stay out until
someone lists them here. Beside it goes a metadata file without logins or permissions, for
`datasette serve --immutable` on any number of replicas, or `datasette publish`.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.errors import TrackerError
from tracker.store import db as tracker_db
from tracker.store.migrations import SEARCH_COLUMNS
from tracker.web import metadata as metadata_mod

#: Table -> the columns published. Everything else in the database is private.
PUBLIC: dict[str, tuple[str, ...]] = {
    "items": ("id", "source", "kind", "title", "summary", "url", "organisation", "status", "published", "updated",
              "opens", "closes", "body_text", "details", "stages", "content_hash", "version", "first_seen",
              "last_seen", "last_changed", "relevant", "themes", "theme_names"),
    "item_versions": ("id", "item_id", "version", "valid_from", "valid_to", "changed_fields", "data"),
    "bill_stages": ("bill_stage_id", "item_id", "stage_type_id", "stage", "house", "abbreviation", "session_id",
                    "sort_order", "first_sitting", "last_sitting", "sitting_dates"),
    "priorities": ("id", "name", "grouping", "description", "strategies"),
    "reforms": ("item_id", "reform_id"),
    # Bills' amendments and the calendar are read from public sources, like items.
    "amendments": ("amendment_id", "item_id", "bill_id", "bill_stage_id", "number", "dnum", "amendment_type",
                   "sponsors", "decision", "decision_explanation", "explanatory_text", "clause", "schedule", "summary",
                   "content_hash", "version", "first_seen", "last_seen", "last_changed", "decision_seen"),
    "amendment_versions": ("id", "amendment_id", "version", "valid_from", "valid_to", "changed_fields", "data"),
    "calendar_events": ("uid", "source", "kind", "title", "starts", "ends", "house", "item_id", "bill_id",
                        "committee_id", "reform_id", "url", "cancelled", "first_seen", "updated"),
    "calendar_event_versions": ("id", "uid", "data", "changed_fields", "replaced_at"),
    "runs": ("id", "source", "started", "finished", "status", "mode", "requests", "items_seen", "inserted",
             "updated", "unchanged", "errors", "error_message", "watermark", "notes"),
}
DATABASE_FILE = "tracker.db"
METADATA_FILE = "metadata.json"


class PublishError(TrackerError):
    """The copy could not be written; nothing was left half-written in its place."""


@dataclass
class Published:
    database: Path
    metadata: Path
    rows: dict[str, int]


def publish(db_path: str | os.PathLike, folder: str | os.PathLike) -> Published:
    """Write DIR/tracker.db (public tables and columns only, with full-text search) and DIR/metadata.json."""
    source_path = tracker_db.resolve_path(db_path)
    if not source_path.exists():
        raise PublishError(f"no database at {source_path}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target, partial = folder / DATABASE_FILE, folder / (DATABASE_FILE + ".partial")
    tracker_db.connect(source_path).close()  # migrated, so every listed column exists
    partial.unlink(missing_ok=True)
    try:
        rows = _copy(source_path, partial)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise PublishError(f"cannot publish {source_path} to {folder}: {exc}") from exc
    metadata_path = folder / METADATA_FILE
    metadata_path.write_text(json.dumps(public_metadata(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Published(target, metadata_path, rows)


def _copy(source_path: Path, target: Path) -> dict[str, int]:
    conn = sqlite3.connect(str(target))
    try:
        conn.execute("ATTACH DATABASE ? AS src", [f"file:{source_path}?mode=ro"])
    except sqlite3.Error:
        conn.close()
        raise
    rows = {}
    try:
        # One read transaction: every table as of the same moment, even while a crawl writes.
        conn.execute("BEGIN")
        for table, columns in PUBLIC.items():
            info = {row[1]: row for row in conn.execute(f"PRAGMA src.table_info({_quote(table)})")}
            definitions = []
            pk = [name for name in columns if info[name][5]]
            for name in columns:
                _, _, kind, notnull, _, _ = info[name]
                definitions.append(f"{_quote(name)} {kind}" + (" NOT NULL" if notnull else ""))
            if pk:
                definitions.append(f"PRIMARY KEY ({', '.join(map(_quote, pk))})")
            conn.execute(f"CREATE TABLE main.{_quote(table)} ({', '.join(definitions)})")
            names = ", ".join(map(_quote, columns))
            rows[table] = conn.execute(f"INSERT INTO main.{_quote(table)} ({names}) SELECT {names} "
                                       f"FROM src.{_quote(table)}").rowcount
            _copy_indexes(conn, table, set(columns))
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
        columns = ", ".join(SEARCH_COLUMNS)
        conn.execute(f"CREATE VIRTUAL TABLE items_fts USING FTS5 ({columns}, tokenize='porter', content=\"items\")")
        conn.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    return rows


def _copy_indexes(conn: sqlite3.Connection, table: str, published: set[str]) -> None:
    """The source's indexes on `table` whose columns are all published (readers filter and sort the same way)."""
    for _, name, unique, origin, _ in conn.execute(f"PRAGMA src.index_list({_quote(table)})").fetchall():
        if origin != "c":  # primary keys and UNIQUE constraints come with the table
            continue
        columns = [row[2] for row in conn.execute(f"PRAGMA src.index_info({_quote(name)})")]
        if columns and None not in columns and set(columns) <= published:
            conn.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX main.{_quote(name)} ON {_quote(table)} "
                         f"({', '.join(map(_quote, columns))})")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def public_metadata() -> dict[str, Any]:
    """Titles, licences, sources and the published tables' descriptions and display settings: no `allow`, no
    logins, no saved queries (they read the working database's own SQL function and private tables)."""
    described = metadata_mod.descriptive()
    configured = metadata_mod.configuration()["databases"][metadata_mod.DB]["tables"]
    tables: dict[str, Any] = {}
    for table, columns in PUBLIC.items():
        entry = {key: value for key, value in {**configured.get(table, {}), **described["tables"].get(table, {})}
                 .items() if key not in ("allow", "hidden")}
        if "columns" in entry:
            entry["columns"] = {k: v for k, v in entry["columns"].items() if k in columns}
        tables[table] = entry
    for hidden in ("items_fts", "items_fts_data", "items_fts_idx", "items_fts_docsize", "items_fts_config"):
        tables[hidden] = {"hidden": True}
    top = {key: value for key, value in described.items() if key != "tables"}
    top["description"] = ("A read-only published copy of the tracker's public data: the bills, consultations, "
                          "statutory instruments and other documents it follows, with their history.")
    return {**top, "databases": {metadata_mod.DB: {"title": "Tracked reforms", "tables": tables}}}
