"""Signed one-click unsubscribe links (RFC 8058): a link names one watch and its owner, signed with the server's
secret and dated, so a forged, altered or expired link is refused and removes nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from tracker.errors import ValidationError

NAMESPACE = "seoc-unsubscribe"
#: How long a link in an email works: long enough for a message read late, short enough that old mail dies.
MAX_AGE_DAYS = 90
PATH = "/-/unsubscribe"


class LinkError(ValidationError):
    """An unsubscribe link that is forged, altered, malformed or expired."""


@dataclass(frozen=True)
class Claim:
    """What a valid link asks: remove `owner`'s watches, each (id, created): a reused id is not the same watch."""

    owner: str
    watches: tuple[tuple[int, str], ...]


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=NAMESPACE)


def token(secret: str, owner: str, watches: list[tuple[int, str]]) -> str:
    return _serializer(secret).dumps({"o": owner, "w": [[w, c] for w, c in watches]})


def link(base_url: str, secret: str, owner: str, watches: list[tuple[int, str]]) -> str:
    return f"{base_url.rstrip('/')}{PATH}?t={token(secret, owner, watches)}"


def read(secret: str, value: str | None, now: datetime | None = None) -> Claim:
    """The claim a link makes, or LinkError saying why it is refused."""
    if not value:
        raise LinkError("This unsubscribe link is incomplete: open the link from the email again.")
    serializer = _serializer(secret)
    try:
        if now is None:
            data = serializer.loads(value, max_age=MAX_AGE_DAYS * 86400)
        else:  # a fixed clock (tests, the demo): the age is measured from it
            data, signed = serializer.loads(value, return_timestamp=True)
            if (now - signed).total_seconds() > MAX_AGE_DAYS * 86400:
                raise SignatureExpired("expired")
    except SignatureExpired:
        raise LinkError(f"This unsubscribe link has expired (links work for {MAX_AGE_DAYS} days): unfollow from "
                        "your watchlist page instead.") from None
    except BadData:
        raise LinkError("This unsubscribe link is not valid (it was altered or not made by this tracker); "
                        "nothing was changed.") from None
    watches = data.get("w") if isinstance(data, dict) else None
    if not (isinstance(data.get("o"), str) and isinstance(watches, list) and watches and all(
            isinstance(w, list) and len(w) == 2 and type(w[0]) is int and isinstance(w[1], str) for w in watches)):
        raise LinkError("This unsubscribe link is not valid; nothing was changed.")
    return Claim(data["o"], tuple((w, c) for w, c in watches))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
