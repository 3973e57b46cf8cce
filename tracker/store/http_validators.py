"""What earlier crawls learnt about each URL: its status, ETag / Last-Modified to send back, robots.txt bodies."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import sqlite_utils

from .db import write_transaction

COLUMNS = ("url", "source", "fetched_at", "status", "etag", "last_modified", "body")


@dataclass(frozen=True)
class Validator:
    """One URL's row: the HTTP `status` it answered, `etag` / `last_modified` as the server sent them; `body`
    kept for robots.txt only."""

    url: str
    source: str
    fetched_at: str
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None


def load(db: sqlite_utils.Database, source: str) -> dict[str, Validator]:
    """Every stored URL of `source`, by URL."""
    rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM http_validators WHERE source = ?", [source]).fetchall()
    return {row[0]: Validator(*row) for row in rows}


def save(db: sqlite_utils.Database, validators: Iterable[Validator]) -> int:
    """Insert or replace each row, all in one transaction; returns how many were written."""
    rows = [tuple(getattr(v, column) for column in COLUMNS) for v in validators]
    if rows:
        with write_transaction(db.conn) as conn:
            conn.executemany(f"INSERT OR REPLACE INTO http_validators ({', '.join(COLUMNS)}) "
                             f"VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    return len(rows)
