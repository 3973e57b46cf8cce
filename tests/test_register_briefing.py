"""The briefing's "Our asks: what happened this week" (issue 16 part 5): outcomes decided and passages suggested
in the week, read as of the briefing's instant (a later decision or withdrawal does not rewrite a past week)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from tracker.briefing import asof
from tracker.briefing.build import build_briefing
from tracker.briefing.render import render
from tracker.contract import TrackedItem
from tracker.store import asks as store_asks
from tracker.store import register
from tracker.store.items import upsert_items

from .helpers.briefing import AS_OF, BASE, WEEK, at, consultation

ANSWER = "The Government will extend the failure to prevent fraud offence to medium-sized organisations."


def _register(database) -> None:
    upsert_items(database, [
        consultation("fraud", "Failure to prevent fraud", at(1, month=6), status="closed", opens=at(1, month=3)),
        TrackedItem(id="govuk:fraud-response", source="govuk", kind="policy_paper",
                    title="Failure to prevent fraud: government response",
                    url="https://www.gov.uk/government/publications/fraud-response", published=at(17),
                    body_text=f"Summary. {ANSWER} It will not fund new disclosure teams.")])
    entry = register.validate_response({"item_id": "govuk:fraud", "decision": "respond", "status": "submitted",
                                        "submitted_on": "2026-05-20", "owner_team": "SEOC policy"},
                                       today=date(2026, 11, 1))
    form = {"ask-1-text": "Extend the offence to medium-sized organisations", "ask-2-text": "Fund disclosure teams",
            "ask-3-text": "Publish the impact assessment"}
    store_asks.save_response_with_asks(database.conn, "ed", entry, store_asks.parse_asks_form(form),
                                       now=at(1, month=10))
    # Ask 1: decided this week (shown). Ask 3: decided before the week (not shown).
    store_asks.set_outcome(database.conn, "ed", 3, "not adopted", "govuk:fraud-response", "", now=at(10))
    store_asks.set_outcome(database.conn, "ed", 1, "adopted", "govuk:fraud-response", ANSWER, now=at(18))
    # Suggestions: one this week still open at as_of; one dismissed before as_of; one made after as_of.
    for ask_id, passage, created in [(2, "It will not fund new disclosure teams.", at(19)),
                                     (2, ANSWER, at(19, 10)), (3, ANSWER, at(24))]:
        database.execute("INSERT INTO ask_suggestions (ask_id, item_id, passage, rank, score, created_at) "
                         "VALUES (?, 'govuk:fraud-response', ?, 1, 1.0, ?)", [ask_id, passage, created])
    database.conn.commit()
    store_asks.dismiss_suggestion(database.conn, "ed", 2, now=at(20))
    # After as_of: an editor changes ask 1's outcome; the past week's briefing still says adopted.
    store_asks.set_outcome(database.conn, "ada", 1, "partly adopted", "govuk:fraud-response", ANSWER, now=at(24))


def test_our_asks_this_week_lists_decisions_and_open_suggestions_as_of_the_briefing(database):
    _register(database)
    briefing = build_briefing(database, WEEK, datasette_url=BASE)
    assert [(a.item.id, a.ask, a.what, a.when, a.evidence.id if a.evidence else None, a.passage)
            for a in briefing.asks] == [
        ("govuk:fraud", "Extend the offence to medium-sized organisations", "adopted", "decided by ed on 18 Nov 2026",
         "govuk:fraud-response", ANSWER),
        ("govuk:fraud", "Fund disclosure teams", "suggested", "suggested on 19 Nov 2026", "govuk:fraud-response",
         "It will not fund new disclosure teams."),
    ]
    html, text = render(briefing)
    assert "Our asks: what happened this week" in html and "OUR ASKS: WHAT HAPPENED THIS WEEK" in text
    assert "Adopted" in text and "decided by ed on 18 Nov 2026" in text and ANSWER in text
    assert "Suggested evidence, for an editor to accept or dismiss" in html
    assert "Publish the impact assessment" not in text


def test_a_withdrawn_response_leaves_the_section_and_a_quiet_week_has_none(database):
    _register(database)
    register.withdraw_response(database.conn, "ed", 1, "Replaced", now=at(21))
    assert build_briefing(database, WEEK).asks == ()
    # Withdrawn by as_of: no longer our response anywhere in the briefing; the week before, it still was.
    assert asof.responses_as_of(database, AS_OF) == {}
    assert [r["id"] for r in asof.responses_as_of(database, datetime(2026, 11, 20, tzinfo=timezone.utc))[
        "govuk:fraud"]] == [1]
    html, text = render(build_briefing(database, "2026-W46"))
    assert "Our asks" not in html and "OUR ASKS" not in text
