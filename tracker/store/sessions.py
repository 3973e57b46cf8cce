"""Login sessions: a signed cookie that names the account, when it was issued and the account's session epoch.

The cookie carries no role: the role comes from the config on every request (tracker.accounts). A session ends
when it is older than `session_hours`, or when the account's epoch in `session_epochs` moves on, which logout
and `seoc-tracker user revoke` do: every session issued before that is refused on its next request.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from itsdangerous import BadData

from tracker.store.db import write_transaction

#: Datasette's cookie name, so its logout button and menu keep working.
COOKIE = "ds_actor"
#: Not Datasette's "actor" namespace: a cookie in Datasette's own format (with roles in it) grants nothing.
NAMESPACE = "seoc-session"
DEFAULT_HOURS = 12.0
#: A session issued this far in the future (clock moved back, or forged) is refused.
CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class Session:
    """What a valid signature vouches for; whether it is still live is decided per request."""

    account: str
    issued: int
    epoch: int

    def is_fresh(self, now: float, max_age_seconds: float) -> bool:
        """Issued less than `max_age_seconds` ago (and not in the future)."""
        return self.issued - CLOCK_SKEW_SECONDS <= now and now - self.issued < max_age_seconds


def sign(datasette: Any, account: str, *, epoch: int, issued: float) -> str:
    """The cookie value for a new session of `account`, signed with the instance's secret."""
    return datasette.sign({"u": account, "i": int(issued), "e": int(epoch)}, NAMESPACE)


def read(datasette: Any, value: str | None) -> Session | None:
    """The session a cookie value vouches for, or None if it is absent, forged or malformed."""
    if not value:
        return None
    try:
        data: Any = datasette.unsign(value, NAMESPACE)
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    account, issued, epoch = data.get("u"), data.get("i"), data.get("e")
    if not isinstance(account, str) or not account or type(issued) is not int or type(epoch) is not int:
        return None
    return Session(account, issued, epoch)


def current_epoch(conn: sqlite3.Connection, account: str) -> int:
    """The account's session epoch: 0 until its sessions are first ended."""
    row = conn.execute("SELECT epoch FROM session_epochs WHERE account = ?", [account]).fetchone()
    return int(row[0]) if row else 0


def end_sessions(conn: sqlite3.Connection, account: str, reason: str, now: str | None = None) -> int:
    """End every session of `account` issued so far (logout, revoke); returns the new epoch."""
    now = now or datetime.now(timezone.utc).isoformat(timespec="seconds")
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO session_epochs (account, epoch, changed_at, reason) VALUES (?, 1, ?, ?) "
            "ON CONFLICT (account) DO UPDATE SET epoch = epoch + 1, changed_at = excluded.changed_at, "
            "reason = excluded.reason", [account, now, reason])
        return current_epoch(conn, account)
