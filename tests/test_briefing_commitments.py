"""The briefing's "Commitments due or overdue": open commitments (as decided by the briefing's instant, from the
audit log) due within 28 days or overdue, soonest first, in the HTML and the text."""
from __future__ import annotations


from tracker.briefing.build import build_briefing
from tracker.briefing.render import render
from tracker.contract import TrackedItem
from tracker.store import commitments as commitment_store
from tracker.store import db as db_module
from tracker.store import items as store

WEEK = "2026-W38"  # as of Monday 14 September 2026, 07:30 London (06:30 UTC)


def seed(path):
    database = db_module.connect(path)
    store.upsert_items(database, [TrackedItem(
        id="wms:1", source="written-statements", kind="written_statement", title="Economic crime update",
        url="https://questions-statements.parliament.uk/written-statements/detail/2026-06-01/HCWS1",
        organisation="Home Office", published="2026-06-01")])
    commitment_store.add_candidates(database.conn, [
        commitment_store.NewCommitment("wms:1", quote, "A Minister", "Home Office", "2026-06-01", due, None)
        for quote, due in (("We will publish the overdue strategy.", "2026-09-01"),
                           ("We will lay the regulations soon.", "2026-10-01"),
                           ("We will consult later.", "2026-12-31"),
                           ("We will respond, decided after the briefing.", "2026-09-20"),
                           ("We will write, dismissed.", "2026-09-20"))], now="2026-06-02T00:00:00+00:00")
    ids = [r[0] for r in database.execute("select id from commitments order by id").fetchall()]
    for commitment_id in ids[:3]:
        commitment_store.decide(database.conn, "ed", commitment_id, "confirm", now="2026-06-03T09:00:00+00:00")
    commitment_store.decide(database.conn, "ed", ids[3], "confirm", now="2026-09-14T09:00:00+00:00")
    commitment_store.decide(database.conn, "ed", ids[4], "dismiss", now="2026-06-03T09:00:00+00:00")
    # Delivered after the briefing's instant: still open as the briefing reads the week.
    commitment_store.decide(database.conn, "ed", ids[0], "delivered", evidence_item_id="wms:1",
                            now="2026-09-15T09:00:00+00:00")
    return database


def test_open_commitments_due_soon_or_overdue_as_they_stood(tmp_path):
    database = seed(tmp_path / "t.db")
    briefing = build_briefing(database, week=WEEK)
    assert [(c.quote, c.due, c.days, c.said_by, c.item.id) for c in briefing.commitments] == [
        ("We will publish the overdue strategy.", "1 Sep 2026", -13, "A Minister, Home Office", "wms:1"),
        ("We will lay the regulations soon.", "1 Oct 2026", 17, "A Minister, Home Office", "wms:1")]
    html, text = render(briefing)
    assert "Commitments due or overdue" in text and '* "We will publish the overdue strategy."' in text
    assert "Due 1 Sep 2026 (13 days overdue)" in text and "Due 1 Oct 2026 (in 17 days)" in text
    assert "“We will lay the regulations soon.”" in html and "13 days overdue" in html
    assert "We will consult later." not in text and "dismissed" not in text
    # A week later the delivered one has gone; the one confirmed on 14 September has come.
    later = build_briefing(database, week="2026-W39")
    assert [c.quote for c in later.commitments] == ["We will respond, decided after the briefing.",
                                                    "We will lay the regulations soon."]


def test_no_commitment_says_so(tmp_path):
    database = db_module.connect(tmp_path / "t.db")
    html, text = render(build_briefing(database, week=WEEK))
    assert "No confirmed government commitment is due in the next 28 days or overdue." in text
    assert "No confirmed government commitment is due" in html
