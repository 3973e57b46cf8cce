"""Date helpers shared by parsers: sources publish UK local times, we store ISO 8601 with offset."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def london_iso(value: str) -> str:
    """ISO datetime (naive = Europe/London, or aware; any fractional precision) -> ISO with offset."""
    text = _FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LONDON)
    return parsed.astimezone(LONDON).isoformat(timespec="seconds")


def date_only(value: str) -> str:
    """The calendar date (Europe/London) of an ISO datetime, as YYYY-MM-DD."""
    return london_iso(value)[:10]
