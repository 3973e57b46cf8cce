"""scrapers.parsers.parliament_calendar on real calendar events (fixtures/parliament-calendar)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from scrapers.parsers import parliament_calendar as parser
from scrapers.parsers.errors import ParseError
from tracker.contract import TrackedItem, validate_item

FIXTURES = Path(__file__).parent / "fixtures" / "parliament-calendar"
DAY = json.loads((FIXTURES / "events_both_houses.json").read_text(encoding="utf-8"))


def event(event_id: int) -> dict:
    return next(e for e in DAY if e["Id"] == event_id)


def test_list_url_asks_for_one_window() -> None:
    assert parser.list_url("https://whatson-api.parliament.uk/", "2026-09-14", "2026-10-11") == (
        "https://whatson-api.parliament.uk/calendar/events/list.json?queryParameters.startDate=2026-09-14"
        "&queryParameters.endDate=2026-10-11")


def test_only_bill_business_and_evidence_sessions_are_kept() -> None:
    events = parser.parse_list(DAY, "u")
    kept = [(e["Id"], parser.what(e)) for e in events if parser.what(e)]
    assert len(events) == 55 and len(kept) == 16
    assert {what for _, what in kept} == {"bill stage", "committee sitting"}
    # Private meetings, a committee visit, questions, Westminster Hall and SI committees are not kept.
    assert parser.what(event(14930)) is None  # Communications Committee visit
    assert (14880, "bill stage") in kept and (14769, "bill stage") in kept and (14745, "committee sitting") in kept


def test_a_committee_sitting() -> None:
    item = parser.parse_event(event(14745), "u")
    assert item == TrackedItem(
        id="whatson:14745", source="parliament-calendar", kind="parliamentary_business",
        title="Justice: oral evidence on Transforming Rehabilitation",
        url="https://whatson.parliament.uk/event/cal14745",
        summary="Commons Select & Joint Committees, 2017-03-21: Justice: oral evidence on Transforming Rehabilitation",
        organisation="Commons Select & Joint Committees", status="scheduled",
        body_text="Dame Glenys Stacey, HM Chief Inspector of Probation\nMalcolm Richardson JP, Chair, Magistrates' "
                  "Association\nNathan Dick, Head of Policy and Communications, Clinks\nNicky Park, St Giles Trust\n"
                  "Yvonne Thomas, Director, Interserve Justice\nRich Gansheimer, CEO, MTCnovo",
        details={"event": "committee sitting", "starts": "2017-03-21T09:45:00+00:00", "ends": None,
                 "house": "Commons", "type": "Select & Joint Committees", "category": "Oral Evidence Session",
                 "committee_id": 26, "committee": "Justice", "inquiries": ["Transforming Rehabilitation"],
                 "bill_id": None, "bill_page": None, "cancelled": False})
    assert validate_item(item.as_dict())


def test_bill_business_with_and_without_a_time() -> None:
    report = parser.parse_event(event(14880), "u")
    assert (report.title, report.details["starts"], report.details["event"]) == (
        "Intellectual Property (Unjustified Threats) Bill [HL] - Report stage", "2017-03-21", "bill stage")
    committee = parser.parse_event(event(14769), "u")
    assert (committee.title, committee.details["starts"], committee.organisation) == (
        "Vehicle Technology and Aviation Bill: Public Bill Committee", "2017-03-21T09:25:00+00:00",
        "Commons General Committee")


def test_later_fields_when_present() -> None:
    # Test values on a real event: the 2026 API's BillId, BillName and CancelledDate, and an unreadable time.
    changed = {**event(14880), "BillId": 3786, "BillName": "Intellectual Property (Unjustified Threats) Bill [HL]",
               "CancelledDate": "2017-03-20T00:00:00", "StartTime": "TBC"}
    item = parser.parse_event(changed, "u")
    assert (item.status, item.details["cancelled"], item.details["bill_id"], item.details["starts"]) == (
        "cancelled", True, 3786, "2017-03-21")
    assert item.title == "Intellectual Property (Unjustified Threats) Bill [HL]: Intellectual Property " \
                         "(Unjustified Threats) Bill [HL] - Report stage"


@pytest.mark.parametrize("payload, message", [
    ({"events": []}, "expected a JSON list of events"),
    ([{**DAY[0], "Id": "14799"}], r"event \[0\]: field 'Id' is not an integer"),
    ([{k: v for k, v in DAY[0].items() if k != "StartDate"}], r"event \[0\] \(id 13557\) has no field 'StartDate'"),
])
def test_malformed_answers_name_the_url_and_field(payload, message) -> None:
    with pytest.raises(ParseError, match=f"parliament-calendar: https://x/list: {message}"):
        parser.parse_list(payload, "https://x/list")
