"""What's On API (Parliament's calendar): scheduled bill business and public committee sittings -> items.

`GET /calendar/events/list.json?queryParameters.startDate=D&queryParameters.endDate=E` answers a JSON list of
events (the API serves at most 31 days a call). Only what the forward calendar needs is kept: bill business
(a Legislation or Public Bill Committee sitting, or any event that names a bill) and committees' oral evidence
sessions; private meetings, visits, questions and adjournment debates are left out. The event's `Id` is the
item's id, so a moved or cancelled event updates the same item (and the same calendar row).
"""
from __future__ import annotations

from typing import Any

from tracker.contract import TrackedItem

from .committees import html_to_text
from .dates import london_iso
from .errors import ParseError

SOURCE = "parliament-calendar"
ID_PREFIX = "whatson:"
#: The longest span one call may ask for (the API's own limit is 31 days).
WINDOW_DAYS = 28
REQUIRED = ("Id", "StartDate", "House", "Type", "Category")
BILL_CATEGORIES = ("Legislation", "Public Bill Committee")
SITTING_CATEGORIES = ("Oral Evidence Session", "Oral evidence")
WEBSITE = "https://whatson.parliament.uk"


def list_url(base_url: str, start_day: str, end_day: str) -> str:
    return (f"{base_url.rstrip('/')}/calendar/events/list.json?queryParameters.startDate={start_day}"
            f"&queryParameters.endDate={end_day}")


def parse_list(payload: Any, url: str) -> list[dict]:
    """The events of one answer, each checked for the fields every event has."""
    if not isinstance(payload, list):
        raise ParseError(f"{SOURCE}: {url}: expected a JSON list of events, got {type(payload).__name__}")
    for n, event in enumerate(payload):
        if not isinstance(event, dict):
            raise ParseError(f"{SOURCE}: {url}: event [{n}] is not an object")
        missing = [field for field in REQUIRED if field not in event]
        if missing:
            raise ParseError(f"{SOURCE}: {url}: event [{n}] (id {event.get('Id')}) has no field '{missing[0]}'")
        if not isinstance(event["Id"], int):
            raise ParseError(f"{SOURCE}: {url}: event [{n}]: field 'Id' is not an integer")
    return payload


def what(event: dict) -> str | None:
    """'bill stage', 'committee sitting', or None for an event the calendar does not keep."""
    if event.get("BillId") or event.get("Category") in BILL_CATEGORIES:
        return "bill stage"
    if event.get("Category") in SITTING_CATEGORIES and isinstance(event.get("Committee"), dict):
        return "committee sitting"
    return None


def _text(value: Any) -> str:
    return " ".join((html_to_text(str(value or "")) or "").split())


def starts(event: dict, url: str) -> tuple[str, str | None]:
    """(start, end): London datetimes where the event gives times, else its day."""
    try:
        day = london_iso(str(event["StartDate"]))[:10]
        end_day = london_iso(str(event.get("EndDate") or event["StartDate"]))[:10]
    except ValueError as exc:
        raise ParseError(f"{SOURCE}: {url}: event {event['Id']}: unreadable StartDate or EndDate ({exc})") from exc

    def at(on: str, time: Any) -> str | None:
        clock = str(time or "").strip()[:5]
        try:
            return london_iso(f"{on}T{clock}:00") if clock else None
        except ValueError:
            return None  # "TBC" and the like: the day alone

    start = at(day, event.get("StartTime")) or day
    end = at(end_day, event.get("EndTime"))
    return start, end


def parse_event(event: dict, url: str) -> TrackedItem:
    """A kept event -> its item (`what(event)` must not be None)."""
    kind_of = what(event)
    committee = event.get("Committee") if isinstance(event.get("Committee"), dict) else None
    inquiries = [_text(i.get("Description")) for i in (committee or {}).get("Inquiries") or []
                 if isinstance(i, dict) and i.get("Description")]
    description = _text(event.get("Description"))
    # Witnesses of a sitting are listed one a line; kept so in the body.
    witnesses = (html_to_text(str(event.get("Description") or "")) or "").replace("\r", "")
    if kind_of == "bill stage":
        title = _text(event.get("BillName")) or description or _text(event.get("Category"))
        if event.get("BillName") and description and description != title:
            title = f"{title}: {description}"
        if event.get("Category") == "Public Bill Committee":
            title = f"{title}: Public Bill Committee"
    else:
        title = f"{_text(committee.get('Description'))}: oral evidence" + (
            f" on {'; '.join(inquiries)}" if inquiries else "")
    start, end = starts(event, url)
    place = " ".join(p for p in (_text(event.get("House")), _text(event.get("Type"))) if p)
    return TrackedItem(
        id=f"{ID_PREFIX}{event['Id']}",
        source=SOURCE,
        kind="parliamentary_business",
        title=title,
        url=f"{WEBSITE}/event/cal{event['Id']}",
        summary=f"{place}, {start[:10]}: {title}",
        organisation=place or None,
        status="cancelled" if event.get("CancelledDate") else "scheduled",
        body_text=witnesses or None,
        details={
            "event": kind_of, "starts": start, "ends": end, "house": event.get("House"),
            "type": event.get("Type"), "category": event.get("Category"),
            "committee_id": committee.get("Id") if committee else None,
            "committee": _text(committee.get("Description")) if committee else None,
            "inquiries": inquiries, "bill_id": event.get("BillId"),
            "bill_page": event.get("BillPageLink"), "cancelled": bool(event.get("CancelledDate")),
        },
    )
