"""The forward calendar's events derived from stored items: one row per event, a moved date updates it (the same
uid) and keeps the old row as a version, a withdrawn consultation's event is kept cancelled."""
from __future__ import annotations

import json

from scrapers.parsers import govuk, parliament_bills, statutory_instruments
from tracker.classify import linking
from tracker.store import calendar
from tracker.store import items as store

from .helpers import FIXTURES

NOW = "2026-09-14T05:30:00+00:00"
LATER = "2026-09-15T05:30:00+00:00"


def consultation():
    """GOV.UK's recorded open consultation (a real record; it closes 16 Dec 2216 as published)."""
    return govuk.parse_content(json.loads((FIXTURES / "govuk" / "consultation__open_consultation.json").read_text()),
                               "https://www.gov.uk/x")


def instrument(period_end="2021-06-28"):
    detail = json.loads((FIXTURES / "statutory-instruments" / "si_2021_558_detail.json").read_text())
    detail["value"]["procedure"] = {"id": None, "name": "Negative"}  # test value: the procedure is not known
    return statutory_instruments.parse_instrument(detail, "u", period_end=period_end)


def bill():
    bills = FIXTURES / "parliament-bills"
    return parliament_bills.parse_bill(json.loads((bills / "bill_2818_detail.json").read_text()),
                                       json.loads((bills / "bill_2818_stages.json").read_text()), None, "u")


def events(database):
    return {r["uid"]: r for r in database.query("select * from calendar_events order by uid")}


def test_events_from_a_consultation_an_instrument_and_a_bill(database):
    store.upsert_items(database, [consultation(), instrument(), bill()], now=NOW)
    result = calendar.sync(database.conn, now=NOW)
    rows = events(database)
    consultation_id = consultation().id
    assert {uid: (r["kind"], r["starts"], r["ends"], r["house"], r["cancelled"]) for uid, r in rows.items()} == {
        f"{consultation_id}#closes": ("consultation closes", "2216-12-16T15:00:00+00:00", None, None, 0),
        "si:2021/558#laid": ("SI laid", "2021-05-10", None, "Commons and Lords", 0),
        "si:2021/558#period-ends": ("praying period ends", "2021-06-28", None, None, 0),
        "si:2021/558#in-force": ("in force", "2021-06-01", None, None, 0),
        "bill:2818#stage-12654": ("bill stage", "2021-01-12", None, "Commons", 0),
    }
    assert rows["bill:2818#stage-12654"]["title"] == "Abolition of Business Rates Bill: 1st reading"
    assert rows["bill:2818#stage-12654"]["bill_id"] == 2818
    assert rows["si:2021/558#laid"]["reform_id"] == "si:2021/558"
    assert (result.inserted, result.moved, result.cancelled) == (5, 0, 0)


def test_a_moved_date_updates_the_same_event_and_keeps_the_old_one(database):
    store.upsert_items(database, [consultation(), instrument()], now=NOW)
    calendar.sync(database.conn, now=NOW)
    moved = consultation()
    moved.closes = "2216-12-23T15:00:00+00:00"  # test value: the deadline is extended a week
    store.upsert_items(database, [moved, instrument(period_end="2021-07-05")], now=LATER)
    result = calendar.sync(database.conn, now=LATER)
    assert (result.inserted, result.moved) == (0, 2)
    rows = events(database)
    closes = rows[f"{moved.id}#closes"]
    assert (closes["starts"], closes["first_seen"], closes["updated"]) == ("2216-12-23T15:00:00+00:00", NOW, LATER)
    assert len([uid for uid in rows if uid.startswith(moved.id)]) == 1  # one event per deadline
    versions = {r["uid"]: r for r in database.query("select * from calendar_event_versions")}
    assert json.loads(versions[f"{moved.id}#closes"]["data"])["starts"] == "2216-12-16T15:00:00+00:00"
    assert json.loads(versions[f"{moved.id}#closes"]["changed_fields"]) == ["starts"]
    assert json.loads(versions["si:2021/558#period-ends"]["data"])["starts"] == "2021-06-28"


def test_unchanged_sync_writes_nothing(database):
    store.upsert_items(database, [consultation(), bill()], now=NOW)
    calendar.sync(database.conn, now=NOW)
    result = calendar.sync(database.conn, now=LATER)
    assert (result.moved, result.unchanged) == (0, 2)
    assert database["calendar_event_versions"].count == 0
    assert {r["updated"] for r in database.query("select updated from calendar_events")} == {NOW}


def test_withdrawn_consultation_is_cancelled_and_an_event_no_longer_given_is_kept(database):
    store.upsert_items(database, [consultation(), instrument()], now=NOW)
    calendar.sync(database.conn, now=NOW)
    withdrawn = consultation()
    withdrawn.status = "withdrawn"
    store.upsert_items(database, [withdrawn, instrument(period_end=None)], now=LATER)
    result = calendar.sync(database.conn, now=LATER)
    rows = events(database)
    assert rows[f"{withdrawn.id}#closes"]["cancelled"] == 1
    assert rows["si:2021/558#period-ends"]["cancelled"] == 1  # no longer given: kept, cancelled
    assert result.cancelled == 1 and result.moved == 1
    assert database["calendar_events"].count == 4


def test_linking_pass_keeps_the_calendar(database):
    store.upsert_items(database, [consultation()], now=NOW)
    linking.suggest_links(database, now=NOW)
    assert list(events(database)) == [f"{consultation().id}#closes"]


def test_legislation_in_force_dates_less_those_parliament_gives(database):
    """legislation.gov.uk's record of S.I. 2021/558 (real CLML) lists its in-force date; the Parliament record
    giving the same date makes it one event, not two."""
    from scrapers.parsers import legislation
    clml = (FIXTURES / "legislation" / "clml_uksi_2021_558_metadata.xml").read_bytes()
    made = legislation.parse_clml(clml, "https://www.legislation.gov.uk/uksi/2021/558/made/data.xml")
    store.upsert_items(database, [made], now=NOW)
    calendar.sync(database.conn, now=NOW)
    assert [(r["uid"], r["starts"]) for r in events(database).values()] == [
        ("legislation:uksi/2021/558#in-force-0", "2021-06-01")]
    store.upsert_items(database, [instrument()], now=LATER)  # the Parliament record: in force 1 June 2021 too
    calendar.sync(database.conn, now=LATER)
    rows = events(database)
    in_force = [uid for uid, r in rows.items() if r["kind"] == "in force" and not r["cancelled"]]
    assert in_force == ["si:2021/558#in-force"]
    assert rows["legislation:uksi/2021/558#in-force-0"]["cancelled"] == 1  # kept, never deleted


def test_undated_values_in_details_are_left_out(database):
    odd = instrument()
    odd.details["coming_into_force"] = "on the day after the day on which it is made"  # hostile/odd text
    odd.details["scrutiny_period"]["end_date"] = ["2021-06-28"]
    store.upsert_items(database, [odd], now=NOW)
    calendar.sync(database.conn, now=NOW)
    assert list(events(database)) == ["si:2021/558#laid"]


def test_a_committees_next_oral_evidence_session(database):
    """The captured OralEvidence activity of inquiry 9437 (7 Jul 2026 10:10) as its next session."""
    from scrapers.parsers import committees
    capture = json.loads((FIXTURES / "committees" / "oral_and_written_evidence_committee_2_trimmed.json").read_text())
    activity = capture["oral"]["items"][0]
    business = dict(activity["committeeBusinesses"][0], nextOralEvidenceSession={
        "id": activity["activityId"], "name": None, "startDate": activity["activityStartDate"], "endDate": None})
    item = committees.parse_business(business, activity["committees"], "u")
    store.upsert_items(database, [item], now=NOW)
    calendar.sync(database.conn, now=NOW)
    row = events(database)["committees:9437#next-oral-evidence"]
    assert (row["kind"], row["starts"], row["committee_id"], row["title"]) == (
        "committee sitting", "2026-07-07T10:10:00+01:00", 2, "General Election Planning: oral evidence session")
