"""Open the database (WAL, busy timeout, migrated) and write to it one transaction at a time."""
from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlite_utils

from tracker import file_modes
from tracker.errors import StoreError
from tracker.store.migrations import migrations

DEFAULT_DB = Path("data") / "tracker.db"
ENV_DB = "SEOC_TRACKER_DB"
BUSY_TIMEOUT_MS = 15_000


def resolve_path(path: str | os.PathLike | None = None) -> Path:
    """The database path: the argument, else $SEOC_TRACKER_DB, else data/tracker.db."""
    if path:
        return Path(path)
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    return DEFAULT_DB


def sql_now() -> str:
    """Now as SQLite's 'now' writes it (UTC, 'YYYY-MM-DD HH:MM:SS')."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def install_clock(conn: sqlite3.Connection, moment: datetime | None = None) -> None:
    """Give `conn` the SQL function tracker_now(), which every query uses instead of 'now': the real clock, or a
    fixed moment (the demo stands on the moment its snapshot describes, whatever day it is run)."""
    if moment is None:
        conn.create_function("tracker_now", 0, sql_now)
    else:
        fixed = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        conn.create_function("tracker_now", 0, lambda: fixed)


def connect(path: str | os.PathLike | None = None, *, migrate: bool = True,
            busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite_utils.Database:
    """Open (creating if needed) the database in WAL mode with a busy timeout, migrated."""
    db_path = resolve_path(path)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        file_modes.private_database(db_path)  # 0600 from creation, whatever the umask; -wal/-shm follow it
        conn = sqlite3.connect(str(db_path), timeout=busy_timeout_ms / 1000)
        install_clock(conn)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        db = sqlite_utils.Database(conn)
        if db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        if migrate:
            migrations.apply(db)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"cannot open database {db_path}: {exc}") from exc
    return db


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock up front (BEGIN IMMEDIATE).

    A deferred BEGIN that reads before it writes fails at once with "database is locked" if another
    writer committed in between; IMMEDIATE waits for the busy timeout instead. Nested use becomes a
    savepoint, so sqlite-utils calls inside keep working.
    """
    if conn.in_transaction:
        name = "seoc_" + secrets.token_hex(8)
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
