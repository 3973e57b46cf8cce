"""Reviewers correct anything: add a theme, remove a tag, mark an item relevant or not (with a reason); every
decision audited, kept through re-classification, honoured by the briefing as of when it was made; and the
"needs review" queue with its dashboard count."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from tracker.briefing.build import build_briefing
from tracker.classify import tagging
from tracker.contract import TrackedItem
from tracker.store import register
from tracker.store.items import upsert_item, upsert_items
from tracker.briefing import reads
from tracker.web import dashboard, dossier, metadata

from .helpers.briefing import AS_OF, UTC, WEEK, at, build_db, classify, consultation, rolling_call

NOW = "2026-12-01T10:00:00+00:00"


def _rows(db, sql: str, params: list | None = None) -> list[dict]:
    return list(db.query(sql, params or []))


def _item(db, item_id: str) -> tuple[int, list[str]]:
    relevant, themes = db.execute("SELECT relevant, themes FROM items WHERE id = ?", [item_id]).fetchone()
    return relevant, json.loads(themes)


def _tags(db, item_id: str) -> dict[str, tuple]:
    return {r["priority_id"]: (r["review_state"], r["reviewer"], r["review_note"], r["method"]) for r in _rows(
        db, "SELECT * FROM item_priorities WHERE item_id = ?", [item_id])}


def _audit(db) -> list[tuple]:
    return [(r["actor"], r["action"], r["table_name"], r["row_key"], json.loads(r["before"] or "null"),
             json.loads(r["after"] or "null")) for r in _rows(db, "SELECT * FROM audit_log ORDER BY id")]


def _reclassify(db) -> None:
    tagging.classify_stored(db, everything=True)
    db.conn.commit()


@pytest.fixture
def tracked(database):
    """A relevant consultation (fraud, money laundering suggested) and one the classifier found irrelevant."""
    upsert_items(database, [
        TrackedItem(id="govuk:fraud", source="govuk", kind="consultation",
                    title="Fraud and money laundering consultation", url="https://www.gov.uk/fraud", status="open"),
        TrackedItem(id="govuk:plants", source="govuk", kind="consultation", title="Plant health fees",
                    url="https://www.gov.uk/plants", status="open")])
    tagging.classify_stored(database)
    assert _item(database, "govuk:fraud") == (1, ["money_laundering", "fraud"])
    assert _item(database, "govuk:plants") == (0, [])
    return database


def test_a_reviewer_adds_a_theme_the_classifier_missed(tracked):
    tag_id = register.add_theme(tracked.conn, "ed", "govuk:plants", "sanctions_evasion",
                                "fees fund sanctions checks at the border", now=NOW)
    assert _tags(tracked, "govuk:plants") == {
        "sanctions_evasion": ("confirmed", "ed", "fees fund sanctions checks at the border", "reviewer")}
    evidence = json.loads(tracked.execute("SELECT evidence FROM item_priorities WHERE id = ?", [tag_id]).fetchone()[0])
    assert [(e["kind"], e["phrase"]) for e in evidence] == [("reviewer", "fees fund sanctions checks at the border")]
    assert _item(tracked, "govuk:plants") == (1, ["sanctions_evasion"])
    assert _audit(tracked) == [("ed", "add theme", "item_priorities", str(tag_id), None, {
        "item_id": "govuk:plants", "priority_id": "sanctions_evasion", "review_state": "confirmed",
        "reviewer": "ed", "reviewed_at": NOW, "review_note": "fees fund sanctions checks at the border"})]
    _reclassify(tracked)
    assert _tags(tracked, "govuk:plants")["sanctions_evasion"] == (
        "confirmed", "ed", "fees fund sanctions checks at the border", "reviewer")
    assert _item(tracked, "govuk:plants") == (1, ["sanctions_evasion"])


def test_adding_a_theme_the_classifier_suggested_confirms_it_and_keeps_its_evidence(tracked):
    register.add_theme(tracked.conn, "ed", "govuk:fraud", "fraud", "the heart of it", now=NOW)
    assert _tags(tracked, "govuk:fraud")["fraud"] == ("confirmed", "ed", "the heart of it",
                                                      "weighted phrase rules with context exclusions and subject rules")
    assert _audit(tracked)[0][4] == {"review_state": "suggested", "reviewer": None, "reviewed_at": None,
                                     "review_note": None}
    # Confirmed first in items.themes.
    assert _item(tracked, "govuk:fraud") == (1, ["fraud", "money_laundering"])


def test_a_reviewer_removes_a_tag_and_the_classifier_does_not_bring_it_back(tracked):
    tags = {r["priority_id"]: r["id"] for r in _rows(tracked, "SELECT * FROM item_priorities")}
    register.review(tracked.conn, "ed", "item_priorities", tags["money_laundering"], "rejected", "not about AML",
                    now=NOW, item_id="govuk:fraud")
    assert _item(tracked, "govuk:fraud") == (1, ["fraud"])
    register.review(tracked.conn, "ed", "item_priorities", tags["fraud"], "rejected", "", now=NOW,
                    item_id="govuk:fraud")
    assert _item(tracked, "govuk:fraud") == (0, [])
    _reclassify(tracked)
    assert {k: v[:2] for k, v in _tags(tracked, "govuk:fraud").items()} == {
        "money_laundering": ("rejected", "ed"), "fraud": ("rejected", "ed")}
    assert _item(tracked, "govuk:fraud") == (0, [])
    assert [a[1:4] for a in _audit(tracked)] == [("review", "item_priorities", str(tags["money_laundering"])),
                                                 ("review", "item_priorities", str(tags["fraud"]))]


def test_not_relevant_wins_over_every_tag_and_survives_reclassification(tracked):
    register.add_theme(tracked.conn, "ed", "govuk:fraud", "bribery_corruption", "bribes", now=NOW)
    register.set_relevance(tracked.conn, "ada", "govuk:fraud", "not relevant", "a trade body's notice, not policy",
                           now="2026-12-01T11:00:00+00:00")
    assert _item(tracked, "govuk:fraud") == (0, [])
    # The tags themselves are untouched: only relevance is overridden.
    assert {k: v[0] for k, v in _tags(tracked, "govuk:fraud").items()} == {
        "fraud": "suggested", "money_laundering": "suggested", "bribery_corruption": "confirmed"}
    assert _rows(tracked, "SELECT item_id, relevant, reason, reviewer, at FROM relevance_overrides") == [
        {"item_id": "govuk:fraud", "relevant": 0, "reason": "a trade body's notice, not policy", "reviewer": "ada",
         "at": "2026-12-01T11:00:00+00:00"}]
    assert _audit(tracked)[-1] == ("ada", "relevance", "relevance_overrides", "govuk:fraud", None, {
        "relevant": 0, "reason": "a trade body's notice, not policy", "reviewer": "ada",
        "at": "2026-12-01T11:00:00+00:00"})
    _reclassify(tracked)
    assert _item(tracked, "govuk:fraud") == (0, [])
    # A tag review after the decision does not undo it either.
    tag = tracked.execute("SELECT id FROM item_priorities WHERE priority_id = 'fraud'").fetchone()[0]
    register.review(tracked.conn, "ed", "item_priorities", tag, "confirmed", now="2026-12-01T12:00:00+00:00")
    assert _item(tracked, "govuk:fraud") == (0, [])
    # "As classified" hands the item back to its tags, and says what it replaced.
    register.set_relevance(tracked.conn, "ada", "govuk:fraud", "as classified", "asked again: it is policy",
                           now="2026-12-02T09:00:00+00:00")
    assert _item(tracked, "govuk:fraud") == (1, ["bribery_corruption", "fraud", "money_laundering"])
    assert _audit(tracked)[-1][4:] == (
        {"relevant": 0, "reason": "a trade body's notice, not policy", "reviewer": "ada",
         "at": "2026-12-01T11:00:00+00:00"},
        {"relevant": None, "reason": "asked again: it is policy", "reviewer": "ada", "at": "2026-12-02T09:00:00+00:00"})
    _reclassify(tracked)
    assert _item(tracked, "govuk:fraud") == (1, ["bribery_corruption", "fraud", "money_laundering"])


def test_relevant_holds_with_no_tags_and_survives_reclassification(tracked):
    register.set_relevance(tracked.conn, "ed", "govuk:plants", "relevant", "fees fund the fraud squad", now=NOW)
    assert _item(tracked, "govuk:plants") == (1, [])
    _reclassify(tracked)
    assert _item(tracked, "govuk:plants") == (1, [])
    assert _audit(tracked) == [("ed", "relevance", "relevance_overrides", "govuk:plants", None, {
        "relevant": 1, "reason": "fees fund the fraud squad", "reviewer": "ed", "at": NOW})]


def test_relevance_decisions_are_append_only(tracked):
    register.set_relevance(tracked.conn, "ed", "govuk:plants", "relevant", "why", now=NOW)
    for sql in ("UPDATE relevance_overrides SET relevant = 0", "DELETE FROM relevance_overrides"):
        with pytest.raises(Exception, match="append-only"):
            tracked.execute(sql)


@pytest.mark.parametrize("call, field", [
    (lambda c: register.add_theme(c, "ed", "govuk:plants", "not_a_theme", "why"), "priority_id"),
    (lambda c: register.add_theme(c, "ed", "govuk:plants", "", "why"), "priority_id"),
    (lambda c: register.add_theme(c, "ed", "govuk:nope", "fraud", "why"), "item_id"),
    (lambda c: register.add_theme(c, "ed", "govuk:plants", "fraud", "  "), "reason"),
    (lambda c: register.add_theme(c, "ed", "govuk:plants", "fraud", "x" * 2001), "reason"),
    (lambda c: register.set_relevance(c, "ed", "govuk:nope", "relevant", "why"), "item_id"),
    (lambda c: register.set_relevance(c, "ed", "govuk:plants", "maybe", "why"), "relevant"),
    (lambda c: register.set_relevance(c, "ed", "govuk:plants", "relevant", ""), "reason"),
    (lambda c: register.set_relevance(c, "ed", "govuk:plants", "relevant", "x" * 2001), "reason"),
    (lambda c: register.review(c, "ed", "item_priorities", 1, "rejected", item_id="govuk:plants"), "id"),
    (lambda c: register.review(c, "ed", "item_priorities", 1, "rejected", item_id="govuk:nope"), "item_id"),
])
def test_bad_review_input_is_refused_and_nothing_written(tracked, call, field):
    tables = ("item_priorities", "relevance_overrides", "audit_log", "items")
    before = [_rows(tracked, f"SELECT * FROM {t}") for t in tables]
    with pytest.raises(register.FormError) as refused:
        call(tracked.conn)
    assert field in refused.value.errors
    assert [_rows(tracked, f"SELECT * FROM {t}") for t in tables] == before


# --- the briefing reads decisions as of when they were made ---------------------------------------------------

def _closing(b) -> list[str]:
    return [d.item.id for d in b.closing]


def test_briefing_honours_relevance_decisions_as_of_when_they_were_made(database):
    build_db(database)
    # Irrelevant to the classifier and seen long before the window: only a decision can make them relevant.
    upsert_item(database, consultation("levy", "Levy rates", "2026-12-05"), now=at(1, month=10))
    upsert_item(database, rolling_call("7000", "Court fees"), now=at(1, month=10))
    classify(database, "govuk:levy", [], relevant=False, when=at(1, month=10))
    classify(database, "committees:7000", [], relevant=False, when=at(1, month=10))
    before = build_briefing(database, WEEK, None, "")
    assert "govuk:fraud-strategy" in _closing(before) and "govuk:plant-health" not in _closing(before)
    assert [o.item.id for o in before.overdue] == ["govuk:failure-to-prevent"]
    assert [r.item.id for r in before.rolling] == ["committees:8885"]
    # Before as_of: irrelevant consultations and a call marked relevant, the overdue one not relevant.
    register.set_relevance(database.conn, "ed", "govuk:plant-health", "relevant", "fees fund fraud work", now=at(20))
    register.set_relevance(database.conn, "ed", "govuk:levy", "relevant", "levy funds AML", now=at(10))
    register.set_relevance(database.conn, "ed", "committees:7000", "relevant", "fees fund fraud work", now=at(10))
    register.set_relevance(database.conn, "ed", "govuk:failure-to-prevent", "not relevant", "not ours", now=at(20))
    # After as_of: the fraud strategy marked not relevant.
    register.set_relevance(database.conn, "ed", "govuk:fraud-strategy", "not relevant", "duplicate", now=at(24))
    week = build_briefing(database, WEEK, None, "")
    assert _closing(week) == ["govuk:plant-health", "govuk:fraud-strategy", "govuk:levy", "govuk:aml-supervision"]
    assert [(r.item.id, r.themes) for r in week.rolling] == [("committees:7000", ()), ("committees:8885", ("Fraud",))]
    assert week.overdue == () and week.overdue_more == 0
    # As of the day before the decisions of the 20th, they had not been made.
    earlier = build_briefing(database, None, datetime(2026, 11, 20, 8, tzinfo=UTC), "")
    assert "govuk:plant-health" not in _closing(earlier) and "govuk:fraud-strategy" in _closing(earlier)
    assert [o.item.id for o in earlier.overdue] == ["govuk:failure-to-prevent"]
    # After the third: the fraud strategy is gone.
    later = build_briefing(database, None, AS_OF + timedelta(days=2), "")
    assert "govuk:fraud-strategy" not in _closing(later) and "govuk:plant-health" in _closing(later)
    # Handing an item back to its tags restores the classifier's decision from then on.
    register.set_relevance(database.conn, "ed", "govuk:fraud-strategy", "as classified", "not a duplicate",
                           now=at(26))
    assert "govuk:fraud-strategy" in _closing(build_briefing(database, None, AS_OF + timedelta(days=4), ""))
    assert build_briefing(database, WEEK, None, "") == week


def test_sql_never_settles_the_overdue_state_of_an_item_with_a_relevance_decision(database):
    """settled_overdue counts only what SQL can decide alone: not an item a reviewer decided on (its
    relevance as of an instant depends on when), even when the caller did not exclude it."""
    upsert_item(database, consultation("july", "Closed in July", "2026-07-01", status="closed"), now=at(1, month=6))
    classify(database, "govuk:july", [("fraud", 0.9, ["fraud"])])
    settle = dict(kinds=("consultation",), finished=("outcome",), closed_before="2026-09-01", exclude=(), newest=20)
    assert reads.settled_overdue(database, **settle) == (1, {"govuk:july"})
    register.set_relevance(database.conn, "ed", "govuk:july", "as classified", "checked", now=at(20))
    assert reads.settled_overdue(database, **settle) == (0, set())
    assert reads.reviewed_closed_before(database, ("consultation",), "2026-09-04") == {"govuk:july"}


def test_anonymous_readers_get_no_reviewer_reason_or_name_from_the_dossier(tracked):
    register.add_theme(tracked.conn, "reviewer-ed", "govuk:plants", "fraud", "THEME-REASON", now=NOW)
    register.set_relevance(tracked.conn, "reviewer-ed", "govuk:plants", "not relevant", "RELEVANCE-REASON", now=NOW)
    public = json.dumps(dossier.load(tracked.conn, "govuk:plants", include_responses=False, staff=False))
    staff = json.dumps(dossier.load(tracked.conn, "govuk:plants", include_responses=False, staff=True))
    for secret in ("THEME-REASON", "RELEVANCE-REASON", "reviewer-ed", NOW[:16]):
        assert secret not in public and secret in staff, secret
    assert '"relevant": 0' in public  # the decision itself is published


def test_an_older_item_marked_relevant_is_newly_relevant_that_week(database):
    old = dict(source="govuk", kind="policy_paper", published="2024-01-10T00:00:00+00:00")
    upsert_item(database, TrackedItem(id="govuk:marked", title="Marked", url="https://www.gov.uk/m", **old),
                now=at(1, month=10))
    upsert_item(database, TrackedItem(id="govuk:already", title="Already relevant", url="https://www.gov.uk/a",
                                      **old), now=at(1, month=10))
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    classify(database, "govuk:marked", [], relevant=False, when=at(1, month=10))
    classify(database, "govuk:already", [("fraud", 0.9, ["fraud"])], when=at(1, month=10))
    register.set_relevance(database.conn, "ed", "govuk:marked", "relevant", "a reviewer's call", now=at(19))
    register.set_relevance(database.conn, "ed", "govuk:already", "relevant", "belt and braces", now=at(19))
    b = build_briefing(database, WEEK, None, "")
    assert [(n.item.id, n.newly_relevant, n.themes) for n in b.newly_relevant] == [
        ("govuk:marked", "newly relevant: a reviewer marked it relevant", ())]
    assert build_briefing(database, "2026-W47", None, "").newly_relevant == ()


# --- the "needs review" queue -----------------------------------------------------------------------------------

def _soon(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture
def queue_db(database):
    """Items of every kind of impact, classified by the real classifier."""
    consultation_ = dict(source="govuk", kind="consultation", status="open")
    upsert_items(database, [
        TrackedItem(id="govuk:late", title="Fraud and money laundering consultation", url="https://www.gov.uk/l",
                    closes=_soon(30), **consultation_),
        TrackedItem(id="govuk:soon", title="Consultation on confiscation of criminal assets",
                    url="https://www.gov.uk/s", closes=_soon(5), **consultation_),
        TrackedItem(id="committees:rolling", source="committees", kind="committee_inquiry",
                    title="Fraud and money laundering inquiry", url="https://committees.parliament.uk/r",
                    status="open for evidence"),
        TrackedItem(id="govuk:closed", title="Fraud and money laundering consultation (closed)",
                    url="https://www.gov.uk/c", closes=_soon(-30), source="govuk", kind="consultation",
                    status="closed"),
        TrackedItem(id="bill:1", source="parliament-bills", kind="bill", title="Fraud and Money Laundering Bill",
                    url="https://bills.parliament.uk/bills/1", status="Commons: 2nd reading"),
        TrackedItem(id="govuk:borderline", title="Corporate fraud reporting", url="https://www.gov.uk/b",
                    closes=_soon(60), **consultation_),
        TrackedItem(id="govuk:plants", title="Plant health fees", url="https://www.gov.uk/p", closes=_soon(3),
                    **consultation_),
        TrackedItem(id="govuk:reviewed", title="Consultation on confiscation of criminal assets (reviewed)",
                    url="https://www.gov.uk/r", closes=_soon(2), **consultation_),
        TrackedItem(id="govuk:ruled-out", title="Fraud and money laundering consultation (ruled out)",
                    url="https://www.gov.uk/o", closes=_soon(1), **consultation_),
        TrackedItem(id="govuk:paper", source="govuk", kind="policy_paper",
                    title="Consultation on confiscation of criminal assets (paper)", url="https://www.gov.uk/pp"),
    ])
    tagging.classify_stored(database)
    tag = database.execute("SELECT id FROM item_priorities WHERE item_id = 'govuk:reviewed'").fetchone()[0]
    register.review(database.conn, "ed", "item_priorities", tag, "confirmed", now=NOW)
    register.set_relevance(database.conn, "ed", "govuk:ruled-out", "not relevant", "fees only", now=NOW)
    return database


def test_needs_review_lists_unreviewed_tags_and_borderline_scores_highest_impact_first(queue_db):
    scores = dict(queue_db.execute("SELECT item_id, score FROM classifications").fetchall())
    assert metadata.BORDERLINE[0] <= scores["govuk:borderline"] < 0.5  # not relevant, but close
    assert scores["govuk:plants"] == 0.0
    assert scores["govuk:paper"] > scores["govuk:closed"]
    assert _item(queue_db, "govuk:ruled-out")[0] == 0 and scores["govuk:ruled-out"] >= 0.5
    rows = _rows(queue_db, metadata.QUERIES_SQL["needs_review"]["sql"])
    assert [(r["id"], r["needs"]) for r in rows] == [
        ("govuk:soon", "confirm or remove the suggested themes"),  # open, closing in 5 days
        ("govuk:late", "confirm or remove the suggested themes"),  # open, closing in 30 days
        ("govuk:borderline", "score close to the threshold: decide relevance"),  # open, closing in 60 days
        ("committees:rolling", "confirm or remove the suggested themes"),  # open, no deadline
        ("bill:1", "confirm or remove the suggested themes"),
        ("govuk:paper", "confirm or remove the suggested themes"),  # the rest by score: 0.73
        ("govuk:closed", "confirm or remove the suggested themes"),  # 0.6
    ]
    assert rows[1]["suggested_themes"] == "Money laundering; Fraud"
    assert rows[2]["classifier"] == "not relevant" and rows[2]["suggested_themes"] is None
    # A decision takes an item off the queue; the dashboard counts the same rows.
    assert dashboard.load(queue_db.conn, date(2026, 12, 5))["counts"]["needs_review"] == 7
    register.set_relevance(queue_db.conn, "ed", "govuk:borderline", "as classified", "rightly left out")
    tags = [r["id"] for r in _rows(queue_db, "SELECT id FROM item_priorities WHERE item_id = 'govuk:soon'")]
    register.review(queue_db.conn, "ed", "item_priorities", tags[0], "confirmed")
    assert [r["id"] for r in _rows(queue_db, metadata.QUERIES_SQL["needs_review"]["sql"])] == [
        "govuk:late", "committees:rolling", "bill:1", "govuk:paper", "govuk:closed"]
    assert dashboard.load(queue_db.conn, date(2026, 12, 5))["counts"]["needs_review"] == 5
