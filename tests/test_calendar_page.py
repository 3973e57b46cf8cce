"""The forward calendar page (/-/calendar) and the iCalendar feeds through real Datasette requests: the next
eight weeks by week, each event linked to its reform page, internal response deadlines for editors only (by
the page and by the feeds), and one calendar event per deadline across a moved date."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from tracker import config as config_mod
from tracker.classify import linking
from tracker.contract import ItemLink, TrackedItem
from tracker.store import db as db_module
from tracker.store import items as store
from tracker.store import register
from tracker.web.serve import build_datasette

from .helpers.auth import USERS, feed_token, session_cookie

CLOCK = datetime(2026, 9, 14, 6, 30, tzinfo=timezone.utc)  # Monday of 2026-W38; the weeks run to Sun 8 Nov
NOW = "2026-09-14T06:30:00+00:00"


def consultation(closes: str, item_id: str = "govuk:fraud-consultation", status: str = "open") -> TrackedItem:
    # Test records (not real ones): the page's behaviour, not any real deadline, is under test.
    return TrackedItem(id=item_id, source="govuk", kind="consultation", status=status, closes=closes,
                       title=f"Test consultation on fraud {item_id}",
                       url="https://www.gov.uk/x/" + item_id.split(":")[1],
                       organisation="Home Office")


def instrument() -> TrackedItem:
    return TrackedItem(
        id="si:2026/1", source="statutory-instruments", kind="statutory_instrument", status="laid",
        title="The Test Money Laundering (Amendment) Regulations 2026",
        url="https://www.legislation.gov.uk/uksi/2026/1",
        published="2026-09-15", details={"commons_laid": "2026-09-15", "lords_laid": "2026-09-15",
                                         "coming_into_force": "2026-12-01",
                                         "scrutiny_period": {"ends": "praying period ends", "runs_from": "2026-09-15",
                                                             "days": 40, "end_date": "2026-10-29"}},
        links=[ItemLink("govuk:fraud-consultation", "same_reform", "test")])


def relevant(database, *item_ids):
    for item_id in item_ids:
        database.execute("INSERT INTO item_priorities (item_id, priority_id, score, evidence, method, version, "
                         "review_state, created, updated) VALUES (?, 'fraud', 0.9, '[]', 'm', 'v', "
                         "'confirmed', 'now', 'now')", [item_id])
        register.refresh_relevance(database.conn, item_id)
    database.conn.commit()


@pytest.fixture
def tracker_db(tmp_path):
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    store.upsert_items(database, [
        consultation("2026-09-23T23:59:00+01:00"),
        consultation("2026-09-30T12:00:00+01:00", "govuk:not-relevant"),
        consultation("2026-12-30T12:00:00+00:00", "govuk:after-eight-weeks"),
        consultation("2026-09-24T12:00:00+01:00", "govuk:withdrawn", status="withdrawn"),
        instrument(),
    ], now=NOW)
    relevant(database, "govuk:fraud-consultation", "govuk:after-eight-weeks", "govuk:withdrawn", "si:2026/1")
    linking.suggest_links(database, now=NOW)
    register.save_response(database.conn, "ed", register.validate_response(
        {"item_id": "govuk:fraud-consultation", "decision": "respond", "status": "drafting",
         "owner_team": "SEOC policy", "internal_deadline": "2026-09-18", "position_summary": "SECRET-POSITION"}))
    database.close()
    return path


@pytest.fixture
def ds(tracker_db, monkeypatch):
    return build_datasette(tracker_db, config=config_mod.Config(), users=USERS, secret="test-secret", clock=CLOCK)


def weeks_of(html: str) -> dict[str, list[str]]:
    """Week heading -> its events' text, from the page."""
    found = {}
    for heading, body in re.findall(r'<h2 id="week-\d+">([^<]+)</h2>(.*?)</section>', html, re.S):
        found[heading] = [" ".join(re.sub(r"<[^>]+>", " ", li).split())
                          for li in re.findall(r"<li>(.*?)</li>", body, re.S)]
    return found


async def test_the_next_eight_weeks_by_week_for_a_reader(ds):
    page = await ds.client.get("/-/calendar", cookies=session_cookie(ds, "rita"))
    assert page.status_code == 200
    weeks = weeks_of(page.text)
    assert list(weeks)[0] == "Week commencing 14 September 2026" and len(weeks) == 8
    assert list(weeks)[-1] == "Week commencing 2 November 2026"
    assert weeks["Week commencing 14 September 2026"] == [
        "Tue 15 Sep SI laid : The Test Money Laundering (Amendment) Regulations 2026 (Commons and Lords)"]
    assert weeks["Week commencing 21 September 2026"] == [
        "Wed 23 Sep consultation closes : Test consultation on fraud govuk:fraud-consultation"]
    assert weeks["Week commencing 26 October 2026"] == [
        "Thu 29 Oct praying period ends : The Test Money Laundering (Amendment) Regulations 2026"]
    # Not relevant, withdrawn, or after the eight weeks: not shown. Staff deadlines: not for readers.
    assert "not-relevant" not in page.text and "after-eight-weeks" not in page.text and "withdrawn" not in page.text
    assert "our response deadline" not in page.text and "our_calendar" not in page.text
    # Each event links to its reform page (the SI and the consultation are one reform).
    reform = re.findall(r'href="(/-/dossier/[^"]+)"', page.text)
    assert reform and len(set(reform)) == 1
    assert (await ds.client.get(reform[0], cookies=session_cookie(ds, "rita"))).status_code == 200


async def test_editors_see_our_response_deadlines(ds):
    page = await ds.client.get("/-/calendar", cookies=session_cookie(ds, "ed"))
    weeks = weeks_of(page.text)
    assert weeks["Week commencing 14 September 2026"] == [
        "Tue 15 Sep SI laid : The Test Money Laundering (Amendment) Regulations 2026 (Commons and Lords)",
        "Fri 18 Sep our response deadline : Test consultation on fraud govuk:fraud-consultation"]
    assert "/tracker/our_calendar.ics" in page.text


async def test_anonymous_is_sent_to_log_in(ds):
    response = await ds.client.get("/-/calendar")
    assert response.status_code == 302 and response.headers["location"].endswith("/-/login")


def vevents(ics: str) -> list[dict[str, str]]:
    events = []
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", ics.replace("\r\n ", ""), re.S):
        events.append(dict(line.split(":", 1) for line in block.split("\r\n") if ":" in line))
    return events


async def test_feed_carries_what_is_coming_with_reform_links(ds):
    token = feed_token(ds, "outlook")
    ics = (await ds.client.get(f"/tracker/deadline_calendar.ics?_feed_token={token}")).text
    by_uid = {e["UID"]: e for e in vevents(ics)}
    assert set(by_uid) == {"govuk:fraud-consultation#closes@seoc-tracker", "si:2026/1#laid@seoc-tracker",
                           "si:2026/1#period-ends@seoc-tracker", "si:2026/1#in-force@seoc-tracker",
                           "govuk:after-eight-weeks#closes@seoc-tracker"}
    ends = by_uid["si:2026/1#period-ends@seoc-tracker"]
    assert ends["SUMMARY"] == "Praying period ends: The Test Money Laundering (Amendment) Regulations 2026"
    assert "DTSTART;TZID=Europe/London" in ics and "20261029T000000" in ics
    assert "Reform page: http://localhost/-/dossier/" in ends["DESCRIPTION"]
    assert "response" not in ics.lower() and "SECRET" not in ics


async def test_response_deadlines_feed_is_for_editors_only(ds):
    # A feed token reads as a reader, whoever holds it: the staff feed needs an editor's session.
    token = feed_token(ds, "ed-phone", owner="ed")
    assert (await ds.client.get(f"/tracker/our_calendar.ics?_feed_token={token}")).status_code == 403
    assert (await ds.client.get("/tracker/our_calendar.ics", cookies=session_cookie(ds, "rita"))).status_code == 403
    assert (await ds.client.get("/tracker/our_calendar.json", cookies=session_cookie(ds, "rita"))).status_code == 403
    ics = await ds.client.get("/tracker/our_calendar.ics", cookies=session_cookie(ds, "ed"))
    assert ics.status_code == 200
    [deadline] = [e for e in vevents(ics.text) if e["UID"].startswith("response-")]
    assert deadline["SUMMARY"] == "Our response deadline: Test consultation on fraud govuk:fraud-consultation"


async def test_a_moved_deadline_keeps_one_event_with_the_same_uid(ds, tracker_db):
    token = feed_token(ds, "outlook")
    before = vevents((await ds.client.get(f"/tracker/deadline_calendar.ics?_feed_token={token}")).text)
    database = db_module.connect(tracker_db)
    store.upsert_items(database, [consultation("2026-10-07T23:59:00+01:00")], now="2026-09-15T06:30:00+00:00")
    linking.suggest_links(database, now="2026-09-15T06:30:00+00:00")
    database.close()
    after = vevents((await ds.client.get(f"/tracker/deadline_calendar.ics?_feed_token={token}")).text)
    moved = [e for e in after if e["UID"] == "govuk:fraud-consultation#closes@seoc-tracker"]
    assert len(moved) == 1 and len(after) == len(before)
    assert "20261007T235900" in moved[0]["DTSTART;TZID=Europe/London"]
    page = await ds.client.get("/-/calendar", cookies=session_cookie(ds, "rita"))
    weeks = weeks_of(page.text)
    assert weeks["Week commencing 21 September 2026"] == []
    assert weeks["Week commencing 5 October 2026"] == [
        "Wed 7 Oct consultation closes : Test consultation on fraud govuk:fraud-consultation"]


async def test_everything_tracked_on_request(ds):
    page = await ds.client.get("/-/calendar?all=1", cookies=session_cookie(ds, "rita"))
    weeks = weeks_of(page.text)
    assert "Wed 30 Sep consultation closes : Test consultation on fraud govuk:not-relevant" in \
        weeks["Week commencing 28 September 2026"]
    assert "withdrawn" not in page.text  # cancelled events stay out


async def test_public_read_shows_the_calendar_without_staff_deadlines(tracker_db):
    ds = build_datasette(tracker_db, config=config_mod.Config(public_read=True), users=USERS, secret="test-secret",
                         clock=CLOCK)
    page = await ds.client.get("/-/calendar")
    assert page.status_code == 200
    assert weeks_of(page.text)["Week commencing 21 September 2026"] == [
        "Wed 23 Sep consultation closes : Test consultation on fraud govuk:fraud-consultation"]
    assert "our response deadline" not in page.text and "Fri 18 Sep" not in page.text
    assert (await ds.client.get("/tracker/our_calendar.ics")).status_code == 403


async def test_the_page_says_what_showing_everything_would_add(ds, tracker_db):
    page = (await ds.client.get("/-/calendar", cookies=session_cookie(ds, "rita"))).text
    assert ("3 dated events of relevant reforms in these eight weeks; 1 more of tracked items not (or not yet) "
            'relevant: <a href="/-/calendar?all=1">show everything</a>.') in page
    assert "more of tracked items" not in (await ds.client.get("/-/calendar?all=1",
                                                               cookies=session_cookie(ds, "rita"))).text
    # Nothing relevant left: said once at the top, with what the other view holds.
    database = db_module.connect(tracker_db)
    database.execute("DELETE FROM item_priorities")
    for item_id in ("govuk:fraud-consultation", "govuk:after-eight-weeks", "govuk:withdrawn", "si:2026/1"):
        register.refresh_relevance(database.conn, item_id)
    database.conn.commit()
    database.close()
    empty = (await ds.client.get("/-/calendar", cookies=session_cookie(ds, "rita"))).text
    assert "Nothing relevant is dated in these eight weeks; 4 more of tracked items not (or not yet) relevant" in empty
