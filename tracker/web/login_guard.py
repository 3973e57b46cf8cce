"""Password checks that cannot stall the server or be guessed at speed.

- The 480,000-round hash runs in a worker thread, a few at a time, never in the event loop.
- Failed logins are limited per account name and per client address in a sliding window; past the limit a login
  is answered at once (HTTP 429 with Retry-After) without hashing anything.
- An unknown name costs the same hash as a real one, so the time taken does not say which names exist.
"""
from __future__ import annotations

import asyncio
import base64
import logging
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger(__name__)

ACCOUNT_LIMIT = 5
#: Higher than per account: an office behind one NAT address shares it.
ADDRESS_LIMIT = 10
WINDOW_SECONDS = 60.0
#: Logins waiting for a hash at once, beyond which new ones are turned away (a storm from many addresses).
MAX_WAITING = 32
#: Buckets kept before old ones are dropped, so a spray of names cannot grow memory without bound.
MAX_KEYS = 50_000
ITERATIONS = 480_000  # datasette-auth-passwords' default, as `seoc-tracker user add` prints


def _dummy_hash() -> str:
    """A hash of the same cost as a real one that no password matches (for unknown names)."""
    digest = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    return f"pbkdf2_sha256${ITERATIONS}${secrets.token_hex(16)}${digest}"


DUMMY_HASH = _dummy_hash()


def check_password(password: str, stored_hash: str | None) -> bool:
    """Whether `password` matches `stored_hash`; with no (or a malformed) hash, the same work is done and False
    returned. Blocking: call it through `verify`."""
    from datasette_auth_passwords.utils import verify_password

    from tracker.web.accounts import HASH_FORMAT
    usable = stored_hash if stored_hash and HASH_FORMAT.match(stored_hash.strip()) else None
    if stored_hash and usable is None:
        log.error("a configured password hash is not a pbkdf2_sha256 hash: make it again with `seoc-tracker user add`")
    matched = verify_password(password, usable or DUMMY_HASH)
    return bool(matched and usable)


@dataclass
class Attempt:
    """One login attempt counted against its account and address until it succeeds."""

    keys: tuple[tuple[str, str], ...]
    at: float


class TooManyAttempts(Exception):
    """Refused before any hashing; `retry_after` is in whole seconds."""

    def __init__(self, retry_after: int, reason: str):
        self.retry_after = retry_after
        super().__init__(reason)


class LoginGuard:
    """Per-process limits on login attempts (one uvicorn process serves the tracker)."""

    def __init__(self, *, account_limit: int = ACCOUNT_LIMIT, address_limit: int = ADDRESS_LIMIT,
                 window: float = WINDOW_SECONDS, max_waiting: int = MAX_WAITING,
                 hashing_at_once: int | None = None, clock: Callable[[], float] = time.monotonic,
                 checker: Callable[[str, str | None], bool] | None = None):
        self.limits = {"account": account_limit, "address": address_limit}
        self.window = window
        self.max_waiting = max_waiting
        # Leave a core for serving pages: on 2 cores, one hash at a time.
        self.hashing_at_once = hashing_at_once or max(1, (os.cpu_count() or 2) // 2)
        self.clock = clock
        self.checker = checker or check_password
        self._times: dict[tuple[str, str], deque[float]] = {}
        self._waiting = 0
        self._slots: asyncio.Semaphore | None = None

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._times.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._times[key]
        return times

    def begin(self, account: str, address: str) -> Attempt:
        """Count an attempt before checking its password (so concurrent attempts count too), or raise
        TooManyAttempts if the account or the address is over its limit."""
        now = self.clock()
        keys = (("account", account.casefold()[:200]), ("address", address))
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.limits[key[0]]:
                wait = max(1, int(times[0] + self.window - now + 0.999))
                raise TooManyAttempts(wait, f"too many failed logins for this {key[0]}")
        if self._waiting >= self.max_waiting:
            raise TooManyAttempts(5, "too many logins at once")
        if len(self._times) >= MAX_KEYS:
            for key in list(self._times):
                self._recent(key, now)
            if len(self._times) >= MAX_KEYS:
                raise TooManyAttempts(int(self.window), "too many logins at once")
        for key in keys:
            self._times.setdefault(key, deque()).append(now)
        return Attempt(keys, now)

    def succeeded(self, attempt: Attempt) -> None:
        """A correct password: the attempt is not a failure."""
        for key in attempt.keys:
            times = self._times.get(key)
            if times and attempt.at in times:
                times.remove(attempt.at)
                if not times:
                    del self._times[key]

    async def verify(self, password: str, stored_hash: str | None) -> bool:
        """Check the password in a worker thread (see `hash_in_worker`)."""
        return await self.hash_in_worker(self.checker, password, stored_hash)

    async def hash_in_worker(self, function: Callable, *args):
        """Run a password-hashing function in a worker thread, at most `hashing_at_once` at a time."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.hashing_at_once)
        self._waiting += 1
        try:
            async with self._slots:
                return await asyncio.to_thread(function, *args)
        finally:
            self._waiting -= 1
