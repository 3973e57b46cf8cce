"""The scorecard's numbers (issue 16 part 5), read straight from its SQL on the tracker's fixed clock: withdrawn
responses left out, the government's response found in the reform thread, the median over answered responses."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tracker.classify.priorities import load_ruleset
from tracker.classify.tagging import sync_priorities
from tracker.contract import ItemLink, TrackedItem
from tracker.store import asks as store_asks
from tracker.store import reforms, register
from tracker.store.db import install_clock
from tracker.store.items import upsert_items
from tracker.web import scorecard

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
SUBMITTED = date(2025, 6, 2)


def _day(offset: int) -> str:
    return (SUBMITTED + timedelta(days=offset)).isoformat()


def _consultation(ident: str, **extra) -> TrackedItem:
    return TrackedItem(id=f"govuk:{ident}", source="govuk", kind="consultation", title=f"Consultation {ident}",
                       url=f"https://www.gov.uk/government/consultations/{ident}", status="closed",
                       opens="2025-03-01T00:00:00+00:00", closes="2025-06-30T23:59:00+01:00", **extra)


def _answer(ident: str, answers: str, offset: int) -> TrackedItem:
    return TrackedItem(id=f"govuk:{ident}", source="govuk", kind="policy_paper", title=f"Response {ident}",
                       url=f"https://www.gov.uk/government/publications/{ident}",
                       published=f"{_day(offset)}T09:00:00+01:00", links=[ItemLink(answers, "outcome_of")])


@pytest.fixture
def db(database):
    upsert_items(database, [
        _consultation("a"), _answer("a-answer", "govuk:a", 10),
        # A GOV.UK consultation whose outcome is published on its own page (details.outcome.date).
        _consultation("b", details={"outcome": {"date": _day(20)}}),
        # Two outcomes in the thread: the first after our submission counts.
        _consultation("c"), _answer("c-answer", "govuk:c", 30), _answer("c-later", "govuk:c", 90),
        _consultation("d"), _answer("d-answer", "govuk:d", 100),
        _consultation("e"), _answer("e-answer", "govuk:e", 5),  # our response to it is withdrawn
        # The government answered before we submitted: not an answer to us.
        _consultation("f"), _answer("f-answer", "govuk:f", -3),
        _consultation("g"),  # closed, relevant, no response from us
    ])
    sync_priorities(database, load_ruleset())
    database.execute("UPDATE items SET relevant = 1, themes = '[\"fraud\"]' WHERE kind = 'consultation'")
    reforms.recompute(database.conn)
    for ident in "abcdef":
        entry = register.validate_response({"item_id": f"govuk:{ident}", "decision": "respond", "status": "submitted",
                                            "submitted_on": SUBMITTED.isoformat(), "owner_team": "SEOC"},
                                           today=NOW.date())
        store_asks.save_response_with_asks(database.conn, "ed", entry, store_asks.parse_asks_form(
            {"ask-1-text": f"Ask on {ident}"}), now="2025-06-02T10:00:00+00:00")
    register.withdraw_response(database.conn, "ed", 5, "Sent in error")
    store_asks.set_outcome(database.conn, "ed", 1, "adopted", "govuk:a-answer", "Response a")
    install_clock(database.conn, NOW)
    database.conn.commit()
    return database


def _table(db, name: str) -> list[dict]:
    return next(t for t in scorecard.load(db.conn) if t["name"] == name)["rows"]


def test_median_days_to_the_government_response(db):
    days = {r["item_id"]: (r["government_response_on"], r["days"])
            for r in _table(db, "scorecard_days_to_government_response")}
    assert days == {"govuk:a": (_day(10), 10), "govuk:b": (_day(20), 20), "govuk:c": (_day(30), 30),
                    "govuk:d": (_day(100), 100), "govuk:f": (None, None)}
    assert _table(db, "scorecard_median_days") == [{"answered_responses": 4, "median_days": 25.0}]


def test_asks_by_outcome_share_and_pending_leave_out_withdrawn_responses(db):
    assert {r["outcome"]: (r["asks"], r["percent"]) for r in _table(db, "scorecard_asks_by_outcome")} == {
        "adopted": (1, 20.0), "partly adopted": (0, 0.0), "not adopted": (0, 0.0), "overtaken": (0, 0.0),
        "pending": (4, 80.0)}
    assert _table(db, "scorecard_response_share") == [
        {"year": "2025", "relevant_closed": 7, "responded": 5, "percent": 71.4}]
    assert [r["ask"] for r in _table(db, "scorecard_pending_asks")] == [f"Ask on {x}" for x in "bcdf"]
    assert _table(db, "scorecard_responses") == [{"year": "2025", "theme": "Fraud", "responses": 5,
                                                  "submitted": 5}]


def test_a_submission_of_unknown_date_is_not_counted_in_the_year_it_was_logged(db):
    # As the demo records the CPS's FDF0004: submitted by a call's deadline, on a day that was never published.
    db.execute("INSERT INTO responses (item_id, decision, status, owner_team, created_by, created_at, updated_by, "
               "updated_at) VALUES ('govuk:g', 'respond', 'submitted', 'SEOC', 'ed', '2026-11-30T10:00:00+00:00', "
               "'ed', '2026-11-30T10:00:00+00:00')")
    assert _table(db, "scorecard_responses") == [
        {"year": "date not recorded", "theme": "Fraud", "responses": 1, "submitted": 1},
        {"year": "2025", "theme": "Fraud", "responses": 5, "submitted": 5}]
