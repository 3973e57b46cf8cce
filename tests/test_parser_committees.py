"""Tests for scrapers.parsers.committees on recorded Committees API payloads."""
import json
from pathlib import Path

import pytest

from tracker.contract import TrackedItem
from scrapers.parsers import committees
from scrapers.parsers.committees import (
    BusinessSummary,
    committees_url,
    detail_url,
    html_to_text,
    list_url,
    london_iso,
    parse_business,
    parse_business_list,
    parse_committees,
)
from scrapers.parsers.errors import ParseError

API = "https://committees-api.parliament.uk"
CAPTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "committees" / "oral_and_written_evidence_committee_2_trimmed.json").read_text()
)
ORAL = CAPTURE["oral"]["items"]
# Real CommitteeBusinessSummary and Committee objects embedded in the captured OralEvidence items.
B9437, B8247 = ORAL[0]["committeeBusinesses"][0], ORAL[1]["committeeBusinesses"][0]
COMMITTEE = ORAL[0]["committees"][0]


def test_urls() -> None:
    assert list_url(API) == f"{API}/api/CommitteeBusiness?CurrentlyAcceptingEvidence=true&Skip=0&Take=50"
    assert list_url(API + "/", 50, open_only=False) == (
        f"{API}/api/CommitteeBusiness?Status=Open&SortOrder=DateOpenedNewest&Skip=50&Take=50"
    )
    assert detail_url(API, 9437) == f"{API}/api/CommitteeBusiness/9437"
    assert committees_url(API, 9437) == f"{API}/api/Committees?CommitteeBusinessId=9437"


def test_business_without_close_date_or_open_call() -> None:
    item = parse_business(B9437, [COMMITTEE], f"{API}/api/CommitteeBusiness/9437")
    assert item == TrackedItem(
        id="committees:9437",
        source="committees",
        kind="committee_inquiry",
        title="General Election Planning",
        url="https://committees.parliament.uk/work/9437/",
        summary=None,
        organisation="Administration Committee",
        status="evidence closed",
        opens="2025-11-11T00:00:00+00:00",
        closes=None,
        details={
            "type": "Inquiry",
            "close_date": None,
            "rolling": False,
            "submission_periods": {"open": [], "closed": []},
            "latest_report": None,
            "related_links": [],
            "committee_ids": [2],
        },
    )


def test_closed_business_dates_carry_london_offset() -> None:
    # closeDate 2024-05-30T00:01:00 is British Summer Time; openDate 2024-02-15 is GMT.
    item = parse_business(B8247, ["Administration Committee"], "u")
    assert item == TrackedItem(
        id="committees:8247",
        source="committees",
        kind="committee_inquiry",
        title="Support for women working in construction in Parliament",
        url="https://committees.parliament.uk/work/8247/",
        organisation="Administration Committee",
        status="closed",
        opens="2024-02-15T00:00:00+00:00",
        closes=None,
        details={
            "type": "Non-inquiry session",
            "close_date": "2024-05-30T00:01:00+01:00",
            "rolling": False,
            "submission_periods": {"open": [], "closed": []},
            "latest_report": None,
            "related_links": [],
            "committee_ids": [],
        },
    )


def test_business_list() -> None:
    # The list wrapper is the real shape (as the captured WrittenEvidence list); its items are real summaries.
    payload = {"items": [B9437, {"value": B8247, "links": []}], "totalResults": 2, "itemsPerPage": 50, "links": []}
    assert parse_business_list(payload, "u") == (
        [
            BusinessSummary(id=9437, title="General Election Planning", type="Inquiry",
                            open_date="2025-11-11T00:00:00+00:00", close_date=None, open_submission_periods=[]),
            BusinessSummary(id=8247, title="Support for women working in construction in Parliament",
                            type="Non-inquiry session", open_date="2024-02-15T00:00:00+00:00",
                            close_date="2024-05-30T00:01:00+01:00", open_submission_periods=[]),
        ],
        2,
    )


def test_committees_list() -> None:
    payload = {"items": [COMMITTEE], "totalResults": 1, "itemsPerPage": 30, "links": []}
    assert parse_committees(payload, "u") == [COMMITTEE]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "list u has no items array"),
        ({"error": "x"}, "list u has no items array"),
        ({"items": []}, "list u field totalResults is missing"),
        # The captured WrittenEvidence list: real wrapper, but its items are evidence, not business.
        (CAPTURE["written"], "business 73025 in u has no title"),
        ({"items": [{"title": "x"}], "totalResults": 1}, "list u has an item without an integer id"),
        ({"items": [dict(B9437, openDate="11/11/2025")], "totalResults": 1},
         "business 9437 in u field openDate is not an ISO datetime"),
    ],
)
def test_list_errors(payload: object, message: str) -> None:
    with pytest.raises(ParseError, match="^committees: " + message):
        parse_business_list(payload, "u")


@pytest.mark.parametrize(
    ("detail", "message"),
    [
        (None, "business detail u has no integer id"),
        ({"id": "9437"}, "business detail u has no integer id"),
        (dict(B9437, title=""), r"business 9437 \(u\) has no title"),
        (dict(B9437, openSubmissionPeriods={}), ""),  # empty dict is falsy: treated as no periods
        (dict(B9437, openSubmissionPeriods={"id": 1}), r"business 9437 \(u\) field openSubmissionPeriods is not a list"),
    ],
)
def test_detail_errors(detail: object, message: str) -> None:
    if not message:
        assert parse_business(detail, None, "u").details["submission_periods"]["open"] == []
        return
    with pytest.raises(ParseError, match="^committees: " + message):
        parse_business(detail, None, "u")


def test_committees_error() -> None:
    with pytest.raises(ParseError, match="^committees: committees list u has a committee without a name"):
        parse_committees({"items": [{"id": 2}]}, "u")


def test_london_iso() -> None:
    assert london_iso("2026-07-09T09:00:40") == "2026-07-09T09:00:40+01:00"
    assert london_iso("2025-11-11T00:00:00") == "2025-11-11T00:00:00+00:00"
    assert london_iso(None) is None


def test_html_to_text() -> None:
    # Text from the real Health and Social Care Committee drugs policy terms of reference (work/2927), as HTML.
    scope = (
        "<p>The Committee sought written submissions on the health consequences of illicit drugs policy including on:</p>"
        "<p><strong>Health and harms:</strong>&nbsp;</p><ul><li>What is the extent of health harms resulting from drug "
        "use?&nbsp;</li></ul>"
    )
    assert html_to_text(scope) == (
        "The Committee sought written submissions on the health consequences of illicit drugs policy including on:\n\n"
        "Health and harms:\n\n- What is the extent of health harms resulting from drug use?"
    )
    assert html_to_text("") is None


def _with_periods(periods: list[dict]) -> dict:
    """The real business 9437 with open submission periods in the documented SubmissionPeriodSummary shape."""
    return dict(B9437, openSubmissionPeriods=periods)


def test_open_call_for_evidence_has_its_deadline() -> None:
    period = {"id": 501, "startDate": "2025-11-11T00:00:00", "endDate": "2026-01-09T23:59:00",
              "submissionType": "WrittenEvidence", "isPromoted": True, "statusMessage": None,
              "allowSubmissionsPastEndDate": False}
    item = parse_business(_with_periods([period]), [COMMITTEE], f"{API}/api/CommitteeBusiness/9437")
    assert (item.status, item.closes, item.details["rolling"]) == (
        "open for evidence", "2026-01-09T23:59:00+00:00", False)


def test_open_call_without_end_date_is_rolling() -> None:
    period = {"id": 502, "startDate": "2025-11-11T00:00:00", "endDate": None,
              "submissionType": "WrittenEvidence", "isPromoted": False, "statusMessage": None,
              "allowSubmissionsPastEndDate": False}
    item = parse_business(_with_periods([period]), [COMMITTEE], f"{API}/api/CommitteeBusiness/9437")
    assert (item.status, item.closes, item.details["rolling"]) == ("open for evidence", None, True)


# --- Our published submissions (written evidence) ------------------------------------------------------------

def _evidence_page() -> dict:
    return json.loads((Path(__file__).parent / "fixtures" / "committees"
                       / "written_evidence_search_crown_prosecution_service.json")
                      .read_text(encoding="utf-8"))


def test_evidence_list_keeps_only_our_organisations_whatever_the_case_and_spacing():
    payload = _evidence_page()
    ours, held, total = committees.parse_evidence_list(payload, "u", ["crown  prosecution service"])
    assert ([i["id"] for i in ours], held, total) == ([107622], 1, 1)
    assert committees.parse_evidence_list(payload, "u", ["Serious Fraud Office"])[0] == []


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p.pop("totalResults"), "totalResults is missing"),
    (lambda p: p["items"][0].pop("id"), "without an integer id"),
    (lambda p: p.pop("items"), "has no items array"),
])
def test_bad_evidence_list_names_the_problem(change, message):
    payload = _evidence_page()
    change(payload)
    with pytest.raises(ParseError, match=message):
        committees.parse_evidence_list(payload, "u", ["Crown Prosecution Service"])


@pytest.mark.parametrize("payload", [{}, {"data": ""}, {"data": "@@@"}, {"data": "//79"}, []])
def test_bad_evidence_document_is_a_parse_error(payload):
    with pytest.raises(ParseError, match="evidence document u"):
        committees.document_html(payload, "u")
def test_next_oral_evidence_session_is_kept_when_scheduled() -> None:
    # The captured OralEvidence item of 9437 (activity 38210, 7 Jul 2026 10:10) put in the documented
    # ActivitySummary shape of `nextOralEvidenceSession`; its name and end are not in the capture: null.
    activity = ORAL[0]
    session = {"id": activity["activityId"], "name": None, "startDate": activity["activityStartDate"],
               "endDate": None, "eventId": None, "isPrivate": False, "activityType": None, "attendees": None}
    item = parse_business(dict(B9437, nextOralEvidenceSession=session), [COMMITTEE], "u")
    assert item.details["next_oral_evidence_session"] == {"id": 38210, "name": None,
                                                          "start": "2026-07-07T10:10:00+01:00", "end": None}
    # None scheduled (as recorded): no key, so stored details stay as they were.
    assert "next_oral_evidence_session" not in parse_business(B9437, [COMMITTEE], "u").details
    with pytest.raises(ParseError, match="nextOralEvidenceSession.startDate"):
        parse_business(dict(B9437, nextOralEvidenceSession={**session, "startDate": "next Tuesday"}), None, "u")
