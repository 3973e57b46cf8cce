"""The editable register (issue 16, parts 1 to 3): validation a policy officer expects, edits and withdrawal
kept as versions in the audit log, asks one by one (add, edit, reorder, remove) and outcomes with evidence."""
from __future__ import annotations

import json
from datetime import date

import pytest

from tracker.classify.priorities import load_ruleset
from tracker.classify.tagging import sync_priorities
from tracker.contract import TrackedItem
from tracker.store import asks as store_asks
from tracker.store import register
from tracker.store.items import upsert_items

TODAY = date(2026, 9, 14)
NOW = "2026-09-14T05:30:00+00:00"
BASE = {"item_id": "govuk:fraud", "decision": "respond", "status": "drafting", "owner_team": "SEOC policy"}
ANSWER = ("The Government will extend the failure to prevent fraud offence to\n  medium-sized organisations "
          "from 2027.")


@pytest.fixture
def db(database):
    upsert_items(database, [
        TrackedItem(id="govuk:fraud", source="govuk", kind="consultation", title="Failure to prevent fraud",
                    url="https://www.gov.uk/government/consultations/fraud", status="closed",
                    opens="2026-03-02T00:00:00+00:00", closes="2026-05-25T23:59:00+01:00",
                    summary="Consultation on the failure to prevent fraud offence", organisation="Home Office"),
        TrackedItem(id="govuk:fraud-outcome", source="govuk", kind="policy_paper",
                    title="Failure to prevent fraud: government response",
                    url="https://www.gov.uk/government/consultations/fraud/outcome",
                    published="2026-09-01T09:00:00+01:00", summary="The government's response",
                    body_text=ANSWER + " It will not create a new register.", organisation="Home Office")])
    sync_priorities(database, load_ruleset())
    database.conn.commit()
    return database


def _refused(form: dict, field: str, says: str, today: date = TODAY) -> None:
    with pytest.raises(register.FormError) as caught:
        register.validate_response(form, today=today)
    assert field in caught.value.errors, caught.value.errors
    assert says in caught.value.errors[field], caught.value.errors


def test_a_blank_form_is_refused():
    _refused({"item_id": "govuk:fraud", "decision": "respond", "status": "planned"}, "form", "the form is blank")
    # Spaces are blank too; one real field is enough.
    _refused({"item_id": "govuk:fraud", "decision": "respond", "status": "planned", "owner_team": "   "}, "form",
             "blank")
    assert register.validate_response({**BASE}, today=TODAY).owner_team == "SEOC policy"
    assert register.validate_response({"item_id": "govuk:fraud", "decision": "respond", "status": "planned"},
                                      today=TODAY, has_asks=True).decision == "respond"


@pytest.mark.parametrize("deadline", ["9999-12-31", "1066-10-14", "2030-01-01", "2023-09-13"])
def test_internal_deadlines_far_from_today_are_refused(deadline):
    _refused({**BASE, "internal_deadline": deadline}, "internal_deadline", "is not within 3 years of today")


@pytest.mark.parametrize("deadline", ["2029-09-14", "2023-09-14", "2026-10-01"])
def test_plausible_internal_deadlines_are_kept(deadline):
    assert register.validate_response({**BASE, "internal_deadline": deadline}, today=TODAY).internal_deadline \
        == deadline


def test_the_clock_decides_today():
    # The demo's frozen clock: a date plausible on its day is refused three years later.
    form = {**BASE, "internal_deadline": "2026-10-01"}
    assert register.validate_response(form, today=TODAY).internal_deadline == "2026-10-01"
    _refused(form, "internal_deadline", "today (2029-10-02)", today=date(2029, 10, 2))


@pytest.mark.parametrize("submitted, says", [
    ("2026-09-15", "is after today (2026-09-14)"),
    ("1900-01-01", "more than 10 years ago"),
    ("2026-02-30", "is not a date"),
])
def test_submitted_dates_must_be_real_and_past(submitted, says):
    _refused({**BASE, "status": "submitted", "submitted_on": submitted}, "submitted_on", says)


def test_status_and_submitted_date_agree():
    _refused({**BASE, "status": "submitted"}, "submitted_on", "give the date the response was submitted")
    for status in ("planned", "drafting", "in clearance"):
        _refused({**BASE, "status": status, "submitted_on": "2026-05-20"}, "submitted_on", "has not been submitted")
    assert register.validate_response({**BASE, "status": "submitted", "submitted_on": "2026-09-14"},
                                      today=TODAY).submitted_on == "2026-09-14"


def test_no_response_needs_a_reason():
    _refused({**BASE, "decision": "no response"}, "position_summary", "no response needs a reason")
    assert register.validate_response({**BASE, "decision": "no response", "position_summary": "Outside our remit"},
                                      today=TODAY).decision == "no response"


@pytest.mark.parametrize("field, limit", [("position_summary", 5000), ("owner_team", 200), ("key_asks", 5000)])
def test_over_long_text_is_refused_with_its_limit_never_cut(field, limit):
    _refused({**BASE, field: "x" * (limit + 1)}, field, f"is {limit + 1} characters; the limit is {limit}")
    assert len(getattr(register.validate_response({**BASE, field: "x" * limit}, today=TODAY), field)) == limit


def test_submitted_before_the_consultation_opened_is_refused_and_nothing_written(db):
    entry = register.validate_response({**BASE, "status": "submitted", "submitted_on": "2026-03-01"}, today=TODAY)
    with pytest.raises(register.FormError, match="before the consultation opened \\(2026-03-02\\)"):
        register.save_response(db.conn, "ed", entry, now=NOW)
    assert db.execute("select count(*) from responses").fetchone()[0] == 0
    assert db.execute("select count(*) from audit_log").fetchone()[0] == 0
    entry.submitted_on = "2026-03-02"
    assert register.save_response(db.conn, "ed", entry, now=NOW) == 1


def _save(db, form: dict, response_id: int | None = None, now: str = NOW, actor: str = "ed") -> int:
    entry = register.validate_response(form, today=TODAY, has_asks=True)
    return store_asks.save_response_with_asks(db.conn, actor, entry, store_asks.parse_asks_form(form), response_id,
                                              now=now)


def _asks(db, response_id: int) -> list[tuple]:
    return [tuple(row) for row in db.execute(
        "select position, text, theme, target, priority from asks where response_id = ? order by position",
        [response_id])]


TWO_ASKS = {**BASE, "ask-1-text": "Extend the offence to medium-sized organisations", "ask-1-theme": "fraud",
            "ask-1-target": "Question 4", "ask-1-priority": "high",
            "ask-2-text": "Fund prosecutors' disclosure work", "ask-2-target": "Proposal 7",
            "ask-3-text": "", "ask-3-target": ""}


def test_asks_are_saved_one_by_one_with_the_response(db):
    response_id = _save(db, TWO_ASKS)
    assert _asks(db, response_id) == [
        (1, "Extend the offence to medium-sized organisations", "fraud", "Question 4", "high"),
        (2, "Fund prosecutors' disclosure work", None, "Proposal 7", "normal")]
    actions = [tuple(r) for r in db.execute("select action, table_name from audit_log order by id")]
    assert actions == [("insert", "responses"), ("insert", "asks"), ("insert", "asks")]


def test_an_edit_is_a_new_version_with_who_and_when_and_asks_reorder_and_remove(db):
    response_id = _save(db, TWO_ASKS)
    first, second = [r[0] for r in db.execute("select id from asks order by position")]
    edited = {**BASE, "owner_team": "Economic crime policy", "ask-1-id": str(first), "ask-1-position": "2",
              "ask-1-text": "Extend the offence to medium-sized organisations", "ask-1-theme": "fraud",
              "ask-1-target": "Question 4", "ask-1-priority": "high",
              "ask-2-id": str(second), "ask-2-position": "1", "ask-2-text": "Fund prosecutors' disclosure work",
              "ask-2-target": "Proposal 7", "ask-2-remove": "on",
              "ask-3-text": "Publish the impact assessment", "ask-3-position": "1"}
    assert _save(db, edited, response_id, now="2026-09-14T06:00:00+00:00", actor="ada") == response_id
    row = next(db.query("select * from responses where id = ?", [response_id]))
    assert (row["owner_team"], row["created_by"], row["updated_by"], row["updated_at"]) == (
        "Economic crime policy", "ed", "ada", "2026-09-14T06:00:00+00:00")
    assert _asks(db, response_id) == [(1, "Publish the impact assessment", None, "", "normal"),
                                      (2, "Extend the offence to medium-sized organisations", "fraud", "Question 4",
                                       "high")]
    history = store_asks.history(db.conn, response_id)
    assert [(h["actor"], h["action"], h["table_name"]) for h in history] == [
        ("ada", "delete", "asks"), ("ada", "update", "asks"), ("ada", "insert", "asks"),
        ("ada", "update", "responses"),
        ("ed", "insert", "asks"), ("ed", "insert", "asks"), ("ed", "insert", "responses")]
    removed = next(h for h in history if h["action"] == "delete")
    assert json.loads(removed["before"])["text"] == "Fund prosecutors' disclosure work"
    update = next(h for h in history if h["table_name"] == "responses" and h["action"] == "update")
    assert json.loads(update["before"])["owner_team"] == "SEOC policy"
    assert json.loads(update["after"])["owner_team"] == "Economic crime policy"


def test_bad_asks_are_refused_and_nothing_is_written(db):
    response_id = _save(db, TWO_ASKS)
    audit = db.execute("select count(*) from audit_log").fetchone()[0]
    for form, field, says in [
        ({"ask-1-text": "x" * 2001}, "ask-1-text", "the limit is 2000"),
        ({"ask-1-text": "An ask", "ask-1-priority": "urgent"}, "ask-1-priority", "must be one of: high"),
        ({"ask-1-text": "An ask", "ask-1-position": "first"}, "ask-1-position", "the order is a number"),
        ({"ask-1-id": "1", "ask-1-text": ""}, "ask-1-text", "write the ask"),
    ]:
        with pytest.raises(register.FormError) as caught:
            store_asks.parse_asks_form(form)
        assert says in caught.value.errors[field]
    entry = register.validate_response(BASE, today=TODAY)
    for form, field, says in [({"ask-1-text": "An ask", "ask-1-theme": "astrology"}, "ask-1-theme", "no priority"),
                              ({"ask-1-id": "999", "ask-1-text": "An ask"}, "ask-1-id", "has no ask with id 999")]:
        with pytest.raises(register.FormError) as caught:
            store_asks.save_response_with_asks(db.conn, "ed", entry, store_asks.parse_asks_form(form), response_id)
        assert says in caught.value.errors[field]
    assert db.execute("select count(*) from audit_log").fetchone()[0] == audit
    assert db.execute("select owner_team from responses").fetchone()[0] == "SEOC policy"


def test_withdrawal_keeps_the_response_and_says_who_when_why(db):
    response_id = _save(db, TWO_ASKS)
    with pytest.raises(register.FormError, match="say why"):
        register.withdraw_response(db.conn, "ed", response_id, "  ")
    assert register.withdraw_response(db.conn, "ed", response_id, "Superseded by the joint response",
                                      now=NOW) == "govuk:fraud"
    row = next(db.query("select withdrawn_by, withdrawn_at, withdrawal_reason from responses"))
    assert row == {"withdrawn_by": "ed", "withdrawn_at": NOW, "withdrawal_reason": "Superseded by the joint response"}
    assert len(_asks(db, response_id)) == 2
    with pytest.raises(register.FormError, match="already withdrawn"):
        register.withdraw_response(db.conn, "ed", response_id, "again")
    with pytest.raises(register.FormError, match="withdrawn on 2026-09-14 and can no longer be changed"):
        _save(db, BASE, response_id)
    with pytest.raises(register.FormError, match="no response has id 77"):
        register.withdraw_response(db.conn, "ed", 77, "reason")
    assert store_asks.history(db.conn, response_id)[0]["action"] == "withdraw"


def test_outcome_with_evidence_quoted_from_the_item(db):
    _save(db, TWO_ASKS)
    ask = db.execute("select id from asks where position = 1").fetchone()[0]
    # The passage as an editor copies it: line breaks and spacing differ from the stored text.
    quoted = "The Government will extend the failure to prevent fraud offence to medium-sized   organisations"
    assert store_asks.set_outcome(db.conn, "ed", ask, "adopted", "govuk:fraud-outcome", quoted, "Clause 3",
                                  now=NOW) == "govuk:fraud"
    row = next(db.query("select outcome, outcome_by, outcome_at, evidence_item_id, evidence_passage, outcome_note "
                        "from asks where id = ?", [ask]))
    assert row == {"outcome": "adopted", "outcome_by": "ed", "outcome_at": NOW,
                   "evidence_item_id": "govuk:fraud-outcome", "outcome_note": "Clause 3",
                   "evidence_passage": " ".join(quoted.split())}
    audit = next(db.query("select action, before, after from audit_log order by id desc limit 1"))
    assert audit["action"] == "outcome" and json.loads(audit["before"])["outcome"] == "pending"


@pytest.mark.parametrize("ask_id, outcome, item, passage, field, says", [
    (1, "accepted in full", "govuk:fraud-outcome", "The Government", "outcome", "must be one of: pending, adopted"),
    (999, "adopted", "govuk:fraud-outcome", "The Government", "ask_id", "no ask has id 999"),
    (1, "adopted", "govuk:nothing", "The Government", "evidence_item_id", "no tracked item has id 'govuk:nothing'"),
    (1, "adopted", "govuk:fraud-outcome", "The Government will abolish juries", "evidence_passage",
     "is not in the text of govuk:fraud-outcome"),
    (1, "adopted", "", "", "evidence_item_id", "give the id of the item that shows the ask was adopted"),
    (1, "partly adopted", "govuk:fraud-outcome", "", "evidence_passage", "quote the passage"),
    (1, "adopted", "govuk:fraud-outcome", "x" * 5001, "evidence_passage", "the limit is 5000"),
])
def test_bad_outcomes_are_refused_and_nothing_written(db, ask_id, outcome, item, passage, field, says):
    _save(db, TWO_ASKS)
    audit = db.execute("select count(*) from audit_log").fetchone()[0]
    with pytest.raises(register.FormError) as caught:
        store_asks.set_outcome(db.conn, "ed", ask_id, outcome, item, passage)
    assert says in caught.value.errors[field], caught.value.errors
    assert db.execute("select count(*) from audit_log").fetchone()[0] == audit
    assert db.execute("select outcome from asks where id = 1").fetchone()[0] == "pending"


def test_not_adopted_may_rest_on_the_item_alone_and_pending_clears_evidence(db):
    _save(db, TWO_ASKS)
    store_asks.set_outcome(db.conn, "ed", 2, "not adopted", "govuk:fraud-outcome", "")
    assert db.execute("select outcome, evidence_item_id from asks where id = 2").fetchone() == (
        "not adopted", "govuk:fraud-outcome")
    store_asks.set_outcome(db.conn, "ed", 2, "pending")
    assert db.execute("select outcome, evidence_item_id, evidence_passage from asks where id = 2").fetchone() == (
        "pending", None, None)


def _suggest(db, ask_id: int, passage: str) -> int:
    suggestion = db.execute("insert into ask_suggestions (ask_id, item_id, passage, rank, score, created_at) "
                            "values (?, 'govuk:fraud-outcome', ?, 1, 3.2, ?)", [ask_id, passage, NOW]).lastrowid
    db.conn.commit()
    return suggestion


def test_accepting_a_suggestion_sets_the_outcome_with_its_passage(db):
    _save(db, TWO_ASKS)
    suggestion = _suggest(db, 1, ANSWER)
    with pytest.raises(register.FormError, match="choose what the passage shows"):
        store_asks.accept_suggestion(db.conn, "ed", suggestion, "pending")
    assert store_asks.accept_suggestion(db.conn, "ed", suggestion, "partly adopted", now=NOW) == "govuk:fraud"
    assert db.execute("select outcome, outcome_by, evidence_item_id, evidence_passage from asks where id = 1"
                      ).fetchone() == ("partly adopted", "ed", "govuk:fraud-outcome", " ".join(ANSWER.split()))
    assert db.execute("select state, decided_by, decided_at from ask_suggestions").fetchone() == (
        "accepted", "ed", NOW)
    with pytest.raises(register.FormError, match="was already accepted"):
        store_asks.dismiss_suggestion(db.conn, "ed", suggestion)


def test_dismissing_a_suggestion_leaves_the_ask_pending(db):
    _save(db, TWO_ASKS)
    suggestion = _suggest(db, 2, "It will not create a new register.")
    store_asks.dismiss_suggestion(db.conn, "ada", suggestion, now=NOW)
    assert db.execute("select state, decided_by from ask_suggestions").fetchone() == ("dismissed", "ada")
    assert db.execute("select outcome from asks where id = 2").fetchone()[0] == "pending"
    with pytest.raises(register.FormError, match="no suggestion has id 42"):
        store_asks.accept_suggestion(db.conn, "ed", 42, "adopted")


def test_a_suggestion_whose_passage_left_the_item_is_refused(db):
    _save(db, TWO_ASKS)
    suggestion = _suggest(db, 1, "A sentence the government later removed.")
    with pytest.raises(register.FormError, match="is not in the text"):
        store_asks.accept_suggestion(db.conn, "ed", suggestion, "adopted")
    assert db.execute("select state from ask_suggestions").fetchone()[0] == "open"
