"""The briefing's stored sets (tracker.briefing.watch): consultations awaiting a government response and rolling
calls, kept current after classification, read only while current, and giving the briefing the live reads give."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from tracker.briefing import watch
from tracker.briefing.build import build_briefing
from tracker.classify import tagging
from tracker.cli import cli
from tracker.contract import TrackedItem
from tracker.store import db as db_module
from tracker.store import items as store

WEEK = "2026-W27"  # as of Mon 29 Jun 2026 07:30; overdue once closed before early April
STORED = "2026-02-01T09:00:00+00:00"


def _consultation(n: int, closes: str | None, status: str = "closed", kind: str = "consultation") -> TrackedItem:
    return TrackedItem(id=f"govuk:fraud-{n}", source="govuk", kind=kind, status=status, closes=closes,
                       title=f"Failure to prevent fraud offence: consultation {n}",
                       summary="Proposals to reform fraud and money laundering law",
                       url=f"https://www.gov.uk/government/consultations/fraud-{n}", published="2025-10-01")


#: 25 relevant consultations overdue a government response (20 listed, 5 more), one with its outcome
#: published, one rolling call for evidence, one unrelated consultation.
ITEMS = ([_consultation(n, f"2026-01-{n + 1:02d}") for n in range(25)]
         + [_consultation(90, "2026-01-15", status="outcome"),
            _consultation(91, None, status="open", kind="call_for_evidence"),
            TrackedItem(id="govuk:plants", source="govuk", kind="consultation", status="closed",
                        closes="2026-01-10", title="Plant health regulations", summary="Imports of plants",
                        url="https://www.gov.uk/government/consultations/plants")])


@pytest.fixture
def database(tmp_path):
    database = db_module.connect(tmp_path / "tracker.db")
    store.upsert_items(database, ITEMS, now=STORED)
    tagging.classify_stored(database, now=STORED)  # as after a crawl: the sets are refreshed
    yield database
    database.close()


def stale(database) -> None:
    database.execute("UPDATE derived_state SET counted_at = NULL WHERE name = 'briefing_watch'")
    database.conn.commit()


def test_the_sets_hold_what_the_live_reads_find(database):
    assert watch.is_current(database.conn)
    rows = database.execute("SELECT list, item_id FROM briefing_watch").fetchall()
    assert {i for list_, i in rows if list_ == watch.AWAITING} == {f"govuk:fraud-{n}" for n in range(25)}
    assert {i for list_, i in rows if list_ == watch.ROLLING} == {"govuk:fraud-91"}


def test_stored_and_live_give_the_same_briefing(database):
    # One more overdue consultation, first seen in the briefing's week: decided by the briefing itself, so left
    # out of the stored count and counted once.
    late = "2026-06-24T10:00:00+00:00"
    store.upsert_items(database, [_consultation(40, "2026-01-20")], now=late)
    tagging.classify_stored(database, now=late)
    stored = build_briefing(database, WEEK)
    assert (len(stored.overdue), stored.overdue_more) == (20, 6)
    assert [c.item.id for c in stored.rolling] == ["govuk:fraud-91"]
    stale(database)
    live = build_briefing(database, WEEK)
    assert live.content_hash == stored.content_hash


def test_the_briefing_reads_the_stored_sets_while_current(database):
    # A row taken out of the stored set (never done by the code) shows in the briefing: proof it is read.
    database.execute("DELETE FROM briefing_watch WHERE list = ? AND item_id = 'govuk:fraud-0'", [watch.AWAITING])
    database.execute("DELETE FROM briefing_watch WHERE list = ?", [watch.ROLLING])
    database.conn.commit()
    tampered = build_briefing(database, WEEK)
    assert tampered.overdue_more == 4 and tampered.rolling == ()
    stale(database)  # not current: read live, whatever the table holds
    assert build_briefing(database, WEEK).overdue_more == 5


def test_a_reviewers_decision_is_in_the_next_briefing_without_a_refresh(database):
    before = build_briefing(database, WEEK)
    # A reviewer rejects every tag of one overdue consultation: it is no longer relevant.
    database.execute("UPDATE item_priorities SET review_state = 'rejected', reviewed_at = ? "
                     "WHERE item_id = 'govuk:fraud-3'", ["2026-03-01T09:00:00+00:00"])
    database.conn.commit()
    assert not watch.is_current(database.conn)
    after = build_briefing(database, WEEK)
    assert after.overdue_more == before.overdue_more - 1
    watch.refresh(database)
    assert build_briefing(database, WEEK).content_hash == after.content_hash


def test_a_status_change_makes_the_sets_stale_and_classification_refreshes_them(database):
    store.upsert_items(database, [_consultation(4, "2026-01-05", status="outcome")],
                       now="2026-03-01T09:00:00+00:00")
    assert not watch.is_current(database.conn)
    tagging.classify_stored(database, now="2026-03-01T09:00:00+00:00")
    assert watch.is_current(database.conn)
    assert database.execute("SELECT count(*) FROM briefing_watch WHERE item_id = 'govuk:fraud-4'").fetchone()[0] == 0


def test_the_demo_briefing_is_the_same_read_either_way(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "demo" / "tracker.db"
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--db", str(path)])
    assert result.exit_code == 0, result.output
    database = db_module.connect(path)
    assert watch.is_current(database.conn)
    stored = build_briefing(database, "2026-W38")
    assert stored.overdue  # the MLR consultation's government response is overdue
    stale(database)
    assert build_briefing(database, "2026-W38").content_hash == stored.content_hash
    database.close()
