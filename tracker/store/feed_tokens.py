"""Feed tokens: how a calendar or feed reader, which cannot log in, reads the .ics and .atom feeds as a reader.

Each token is a row of `feed_tokens` (name, owner, issued, expires, revoked) plus a signed value naming the row
and a random nonce, so a token works only while its row says so: until it expires or is revoked, by name
(`seoc-tracker feed-token revoke NAME`) or with its owner (`seoc-tracker user revoke OWNER`).
"""
from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from itsdangerous import BadData

from tracker.store.db import write_transaction
from tracker.errors import ValidationError

NAMESPACE = "seoc-feed-token"
DEFAULT_DAYS = 365
MAX_DAYS = 3 * 365
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


@dataclass(frozen=True)
class FeedToken:
    """One issued token as stored."""

    id: int
    name: str
    owner: str | None
    issued: str
    expires: str
    revoked: str | None


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)


def _token(row: tuple) -> FeedToken:
    return FeedToken(*row)


def issue(conn: sqlite3.Connection, signer: Any, name: str, *, days: int = DEFAULT_DAYS, owner: str | None = None,
          now: datetime | None = None) -> tuple[str, FeedToken, list[FeedToken]]:
    """A new token for `name`, valid `days` days; an earlier live token of the same name is revoked (names pick
    out one token, so one can be revoked alone). Returns the token, its row, and the rows it replaced."""
    if not NAME.match(name or ""):
        raise ValidationError(f"feed token name {name[:60]!r}: use up to 100 letters, digits, and . _ @ -")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"feed token {name}: --days must be a whole number from 1 to {MAX_DAYS}, got {days!r}")
    moment = _now(now)
    nonce = secrets.token_urlsafe(12)
    with write_transaction(conn):
        replaced = revoke(conn, name, now=moment)
        cursor = conn.execute(
            "INSERT INTO feed_tokens (name, owner, nonce, issued, expires) VALUES (?, ?, ?, ?, ?)",
            [name, owner, nonce, moment.isoformat(), (moment + timedelta(days=days)).isoformat()])
        row = conn.execute("SELECT id, name, owner, issued, expires, revoked FROM feed_tokens WHERE id = ?",
                           [cursor.lastrowid]).fetchone()
    return signer.sign({"t": cursor.lastrowid, "n": nonce}, NAMESPACE), _token(row), replaced


def revoke(conn: sqlite3.Connection, name: str, *, now: datetime | None = None) -> list[FeedToken]:
    """Revoke the live tokens named `name`; returns them."""
    return _revoke_where(conn, "name = ?", [name], now)


def revoke_owned_by(conn: sqlite3.Connection, owner: str, *, now: datetime | None = None) -> list[FeedToken]:
    """Revoke the live tokens issued for `owner` (with --user) or named after them."""
    return _revoke_where(conn, "(owner = ? OR name = ?)", [owner, owner], now)


def _revoke_where(conn: sqlite3.Connection, where: str, params: list, now: datetime | None) -> list[FeedToken]:
    moment = _now(now).isoformat()
    with write_transaction(conn):
        rows = conn.execute(f"SELECT id, name, owner, issued, expires, revoked FROM feed_tokens "
                            f"WHERE {where} AND revoked IS NULL ORDER BY id", params).fetchall()
        conn.execute(f"UPDATE feed_tokens SET revoked = ? WHERE {where} AND revoked IS NULL", [moment, *params])
    return [FeedToken(*row[:5], moment) for row in rows]


def listing(conn: sqlite3.Connection) -> list[FeedToken]:
    """Every token ever issued, newest first."""
    return [_token(row) for row in conn.execute(
        "SELECT id, name, owner, issued, expires, revoked FROM feed_tokens ORDER BY id DESC")]


def claim(signer: Any, token: str | None) -> tuple[int, str] | None:
    """The (row id, nonce) a token's signature vouches for, or None if it is absent, forged or malformed."""
    if not token:
        return None
    try:
        data: Any = signer.unsign(token, NAMESPACE)
    except BadData:
        return None
    if not isinstance(data, dict) or type(data.get("t")) is not int or not isinstance(data.get("n"), str):
        return None
    return data["t"], data["n"]


def live(conn: sqlite3.Connection, claimed: tuple[int, str], now: datetime | None = None) -> FeedToken | None:
    """The token's row if it exists, matches, is not revoked and has not expired; else None."""
    row = conn.execute("SELECT id, name, owner, issued, expires, revoked FROM feed_tokens "
                       "WHERE id = ? AND nonce = ? AND revoked IS NULL", list(claimed)).fetchone()
    if row is None:
        return None
    token = _token(row)
    return token if datetime.fromisoformat(token.expires) > _now(now) else None
