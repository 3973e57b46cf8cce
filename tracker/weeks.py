"""ISO weeks and instants in Europe/London: which week a briefing covers and when it is 'as of'.

The briefing for ISO week W (for example "2026-W48") is generated on the Monday of W and is
*as of* 07:30 Europe/London that Monday; it covers the 7 days before that instant.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from tracker.errors import TrackerError

LONDON = ZoneInfo("Europe/London")
#: Local time on the Monday at which a week's briefing is taken.
BRIEFING_TIME = time(7, 30)
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class WeekError(TrackerError):
    """An ISO week or a timestamp could not be read."""


def parse_week(week: str) -> tuple[int, int]:
    """'2026-W48' -> (2026, 48), or WeekError."""
    match = _WEEK_RE.match((week or "").strip())
    if not match:
        raise WeekError(f"week {week!r} is not an ISO week like 2026-W48")
    year, number = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        raise WeekError(f"week {week!r} does not exist: {year} has no week {number}") from None
    return year, number


def week_monday(week: str) -> date:
    """The Monday (a calendar date) of an ISO week."""
    year, number = parse_week(week)
    return date.fromisocalendar(year, number, 1)


def week_of(when: datetime | date) -> str:
    """The ISO week ('2026-W48') containing an instant (taken in Europe/London) or a date."""
    day = local_date(when) if isinstance(when, datetime) else when
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def briefing_as_of(week: str) -> datetime:
    """The instant a week's briefing is taken: Monday of the week at 07:30 Europe/London, in UTC."""
    local = datetime.combine(week_monday(week), BRIEFING_TIME, tzinfo=LONDON)
    return local.astimezone(timezone.utc)


def latest_briefing_week(now: datetime) -> str:
    """The newest week whose briefing instant is at or before `now`."""
    week = week_of(now)
    if briefing_as_of(week) > now:
        week = week_of(week_monday(week) - timedelta(days=7))
    return week


def is_briefing_instant(when: datetime) -> bool:
    """Whether an instant is exactly its week's briefing instant (Monday 07:30 Europe/London), to the second."""
    when = require_aware(when, "time")
    return when.replace(microsecond=0) == briefing_as_of(week_of(when))


def require_aware(when: datetime, name: str = "as_of") -> datetime:
    """The datetime in UTC; a naive datetime is refused (it would silently mean the server's zone)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise WeekError(f"{name} {when.isoformat()} has no time zone")
    return when.astimezone(timezone.utc)


def utc_iso(when: datetime) -> str:
    """An aware datetime as the store writes instants: ISO 8601 UTC, seconds, '+00:00'."""
    return require_aware(when, "time").isoformat(timespec="seconds")


def parse_instant(value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or datetime string -> aware UTC datetime (None stays None).

    A naive datetime is read as UTC (the store's clock); a plain date is read in Europe/London,
    at its start, or its last second when `end_of_day` (a consultation 'closing 3 Dec' runs all day).
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = time(23, 59, 59) if end_of_day else time(0, 0)
            return datetime.combine(day, moment, tzinfo=LONDON).astimezone(timezone.utc)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise WeekError(f"{value!r} is not an ISO 8601 date or datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def local_date(when: datetime) -> date:
    """The Europe/London calendar date of an instant."""
    return require_aware(when, "time").astimezone(LONDON).date()


def day_label(when: date | datetime) -> str:
    """'23 Nov 2026' (the London date of an instant)."""
    day = local_date(when) if isinstance(when, datetime) else when
    return f"{day.day} {day:%b %Y}"


def minute_label(when: datetime) -> str:
    """'5 Dec 2026, 02:00' in Europe/London."""
    local = require_aware(when, "time").astimezone(LONDON)
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


def time_label(when: datetime) -> str:
    """'Mon 23 Nov 2026 07:30' in Europe/London."""
    local = require_aware(when, "time").astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"
