"""Store: insert / update-with-version / unchanged, history as of a time, runs and watermarks."""
from __future__ import annotations

import json

import pytest

from tracker.contract import BillStage, ItemLink, TrackedItem
from tracker.store import db as tracker_db
from tracker.store import items as store
from tracker.errors import StoreError, ValidationError

T1, T2, T3 = "2026-11-01T09:00:00+00:00", "2026-11-08T09:00:00+00:00", "2026-11-15T09:00:00+00:00"


def consultation(**changes) -> TrackedItem:
    item = TrackedItem(
        id="govuk:5e0d2ff4-7631-11e4-a3cb-005056011aef", source="govuk", kind="consultation",
        title="Failure to prevent fraud guidance", url="https://www.gov.uk/government/consultations/x",
        summary="We are consulting", status="open", closes="2026-12-01T23:59:00+00:00",
        details={"document_type": "open_consultation"},
    )
    for key, value in changes.items():
        setattr(item, key, value)
    return item


def test_insert_then_unchanged_writes_only_last_seen(database):
    assert store.upsert_item(database, consultation(), T1) == "inserted"
    assert store.upsert_item(database, consultation(), T2) == "unchanged"
    row = database["items"].get(consultation().id)
    assert (row["first_seen"], row["last_seen"], row["last_changed"], row["version"]) == (T1, T2, T1, 1)
    assert database["item_versions"].count == 0


def test_update_keeps_previous_version_with_changed_fields(database):
    store.upsert_item(database, consultation(), T1)
    moved = consultation(status="closed", closes="2026-12-15T23:59:00+00:00")
    assert store.upsert_item(database, moved, T2) == "updated"
    versions = list(database.query("select * from item_versions"))
    assert len(versions) == 1
    assert json.loads(versions[0]["changed_fields"]) == ["status", "closes"]
    old = json.loads(versions[0]["data"])
    assert (old["status"], old["closes"]) == ("open", "2026-12-01T23:59:00+00:00")
    assert (versions[0]["valid_from"], versions[0]["valid_to"]) == (T1, T2)
    row = database["items"].get(moved.id)
    assert (row["status"], row["version"], row["last_changed"]) == ("closed", 2, T2)


def test_item_as_of_reads_history(database):
    store.upsert_item(database, consultation(), T1)
    store.upsert_item(database, consultation(status="closed"), T2)
    store.upsert_item(database, consultation(status="outcome"), T3)
    assert store.item_as_of(database, consultation().id, "2026-10-01T00:00:00+00:00") is None
    assert store.item_as_of(database, consultation().id, "2026-11-05T00:00:00+00:00")["status"] == "open"
    assert store.item_as_of(database, consultation().id, "2026-11-10T00:00:00+00:00")["status"] == "closed"
    assert store.item_as_of(database, consultation().id, "2026-11-20T00:00:00+00:00")["status"] == "outcome"


def test_full_text_search_follows_updates(database):
    store.upsert_item(database, consultation(), T1)
    store.upsert_item(database, consultation(summary="Ransomware payments proposals"), T2)
    hits = list(database.query(
        "select items.id from items join items_fts on items.rowid = items_fts.rowid where items_fts match 'ransomware'"))
    assert [h["id"] for h in hits] == [consultation().id]


def test_bill_stages_and_links_written(database):
    bill = TrackedItem(
        id="bill:3339", source="parliament-bills", kind="bill", title="Economic Crime and Corporate Transparency Bill",
        url="https://bills.parliament.uk/bills/3339", status="Royal Assent",
        stages=[BillStage(1, 6, "1st reading", "Commons", 1, sitting_dates=["2022-09-22"]),
                BillStage(2, 7, "2nd reading", "Commons", 2, sitting_dates=["2022-10-13"])],
        links=[ItemLink("legislation:ukpga/2023/56", "enacted_as", "Act publication")],
    )
    store.upsert_item(database, bill, T1)
    stages = list(database.query("select stage, first_sitting from bill_stages order by sort_order"))
    assert stages == [{"stage": "1st reading", "first_sitting": "2022-09-22"},
                      {"stage": "2nd reading", "first_sitting": "2022-10-13"}]
    links = list(database.query("select from_id, to_id, relation, review_state from links"))
    assert links == [{"from_id": "bill:3339", "to_id": "legislation:ukpga/2023/56", "relation": "enacted_as",
                      "review_state": "suggested"}]
    store.upsert_item(database, bill, T2)
    assert database["links"].count == 1


@pytest.mark.parametrize("change, message", [
    ({"title": ""}, "'title' is missing"),
    ({"id": "bill:1"}, "must start with 'govuk:'"),
    ({"kind": "podcast"}, "unknown kind"),
    ({"closes": "next Tuesday"}, "'closes' is not an ISO 8601 date"),
    ({"closes": "2026-12-01T23:59:00"}, "no UTC offset"),
    ({"url": "javascript:alert(1)"}, r"not an http\(s\) URL"),
])
def test_invalid_items_refused_and_nothing_written(database, change, message):
    store.upsert_item(database, consultation(), T1)
    before = list(database.query("select * from items"))
    with pytest.raises(ValidationError, match=message):
        store.upsert_item(database, consultation(**change), T2)
    assert list(database.query("select * from items")) == before


def test_invalid_item_refuses_the_batch_before_any_write(database):
    good = [consultation(id=f"govuk:{n}") for n in range(3)]
    with pytest.raises(ValidationError):
        store.upsert_items(database, good + [consultation(id="govuk:bad", title="")], T1, batch_size=10)
    assert database["items"].count == 0
    assert store.upsert_items(database, good, T1, batch_size=2) == {"inserted": 3}


def refuse_writes_of(database, item_id: str) -> None:
    """A trigger that makes any insert or update of `item_id` fail, after earlier statements of its batch ran."""
    for event in ("INSERT", "UPDATE"):
        database.execute(f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON items WHEN NEW.id = '{item_id}' "
                         "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END")
    database.conn.commit()


def everything_stored(database) -> dict[str, list[dict]]:
    """Every row the store writes for items, in a stable order."""
    tables = {"items": "id", "item_versions": "id", "bill_stages": "bill_stage_id", "links": "id"}
    rows = {table: list(database.query(f"select * from {table} order by {key}")) for table, key in tables.items()}
    # What full-text search finds (the index, not the external content table it points at).
    rows["fts_ransomware"] = list(database.query("select rowid from items_fts where items_fts match 'ransomware'"))
    return rows


def bill(**changes) -> TrackedItem:
    item = TrackedItem(
        id="bill:3339", source="parliament-bills", kind="bill", title="Economic Crime and Corporate Transparency Bill",
        url="https://bills.parliament.uk/bills/3339", status="Royal Assent",
        stages=[BillStage(1, 6, "1st reading", "Commons", 1, sitting_dates=["2022-09-22"])],
        links=[ItemLink("legislation:ukpga/2023/56", "enacted_as", "Act publication")])
    for key, value in changes.items():
        setattr(item, key, value)
    return item


def test_a_batch_failing_part_way_writes_nothing_of_it(database):
    """An update with its version, an insert with stages and links, all written before the failing item of
    the same batch, are rolled back; the batch before it stays committed and the batch after never runs."""
    store.upsert_item(database, consultation(id="govuk:old"), T1)
    refuse_writes_of(database, "govuk:refused")
    before = everything_stored(database)
    committed = [consultation(id=f"govuk:new-{n}") for n in (1, 2, 3)]
    failing = [consultation(id="govuk:old", status="closed", summary="Ransomware payments proposals"), bill(),
               consultation(id="govuk:refused")]
    with pytest.raises(StoreError, match=r"could not store a batch of 3 items \(first govuk:old\): "
                                         r"refused by the test trigger"):
        store.upsert_items(database, committed + failing + [consultation(id="govuk:after")], T2, batch_size=3)
    after = everything_stored(database)
    assert [r["id"] for r in after["items"]] == ["govuk:new-1", "govuk:new-2", "govuk:new-3", "govuk:old"]
    assert after["items"][-1] == before["items"][0]  # not updated, not even last_seen
    assert (after["item_versions"], after["bill_stages"], after["links"]) == ([], [], [])
    assert after["fts_ransomware"] == []


def test_a_failing_batch_inside_a_transaction_rolls_back_to_its_savepoint(database):
    """Called inside a caller's transaction, a failing batch undoes only its own writes (a savepoint)."""
    refuse_writes_of(database, "govuk:refused")
    with tracker_db.write_transaction(database.conn):
        store.upsert_item(database, consultation(id="govuk:kept"), T1)
        with pytest.raises(StoreError, match="refused by the test trigger"):
            store.upsert_items(database, [bill(), consultation(id="govuk:refused")], T1)
        assert database.conn.in_transaction  # the caller's transaction goes on
    after = everything_stored(database)
    assert [r["id"] for r in after["items"]] == ["govuk:kept"]
    assert (after["bill_stages"], after["links"]) == ([], [])


def test_watermark_comes_from_last_ok_run_only(database):
    ok = store.start_run(database, "parliament-bills")
    store.finish_run(database, ok, "ok", watermark="2026-11-01T10:00:00+00:00")
    failed = store.start_run(database, "parliament-bills")
    store.finish_run(database, failed, "failed", error_message="HTTP 500")
    assert store.last_good_watermark(database, "parliament-bills") == "2026-11-01T10:00:00+00:00"
    assert store.last_good_watermark(database, "govuk") is None


def test_migrations_are_recorded_and_idempotent(db_path):
    first = tracker_db.connect(db_path)
    applied = [m.name for m in tracker_db.migrations.applied(first)]
    assert applied[0] == "0001_core"
    again = tracker_db.connect(db_path)
    assert [m.name for m in tracker_db.migrations.applied(again)] == applied
    assert again.journal_mode == "wal"


def test_unwritable_database_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="cannot open database"):
        tracker_db.connect(blocker / "tracker.db")


def test_interrupted_runs_are_closed_as_failed(database):
    killed = store.start_run(database, "govuk")
    other = store.start_run(database, "parliament-bills")
    assert store.close_interrupted_runs(database, "govuk") == 1
    row = database["runs"].get(killed)
    assert (row["status"], row["error_message"]) == ("failed", "interrupted: the crawl process ended without "
                                                               "recording a result")
    assert database["runs"].get(other)["status"] == "running"


def test_locked_database_is_a_clear_error_and_writes_nothing(db_path):
    import sqlite3
    tracker_db.connect(db_path).close()
    holder = sqlite3.connect(str(db_path))
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for longer than we wait
    try:
        database = tracker_db.connect(db_path, busy_timeout_ms=200)
        with pytest.raises(StoreError, match="database is locked"):
            store.upsert_items(database, [consultation()], T1)
    finally:
        holder.rollback()
        holder.close()
    assert tracker_db.connect(db_path)["items"].count == 0
