"""The briefing's forward look, read from the forward calendar as it stood at Monday 07:30: "Scrutiny periods ending
in the next 28 days" (ACTION NEEDED) and "Coming up in the next 7 days" (PARLIAMENT THIS WEEK).

Parliament's calendar here is real: the What's On events of Tuesday 21 March 2017 and Tuesday 18 April 2017
(tests/fixtures/parliament-calendar), so the briefing is week 2017-W12, as of Monday 20 March 2017 07:30. Test
values, not facts, are named where set: a bill id on one event, cancellations and moved dates. The statutory
instruments are test records (S.I. 2021/558's re-expressed detail moved to test numbers, dates and procedures).
"""
from __future__ import annotations

import email
import email.policy
import json
from datetime import date, datetime, timezone

import pytest

from scrapers.parsers import parliament_calendar, statutory_instruments
from tracker.briefing.build import build_briefing
from tracker.briefing.mailer import send_briefing
from tracker.briefing.model import ComingUp, ItemRef, ScrutinyEnding, datasette_links
from tracker.briefing.render import render, write_briefing
from tracker.contract import TrackedItem
from tracker.store import calendar
from tracker.store.items import upsert_item, upsert_items
from tracker.web import calendar as page

from .helpers import FIXTURES
from .helpers.briefing import classify
from .helpers.mail import plain_server, settings_for  # noqa: F401 - fixtures

WEEK = "2017-W12"  # Monday 20 March 2017; 07:30 London is 07:30 UTC (GMT)
AS_OF = datetime(2017, 3, 20, 7, 30, tzinfo=timezone.utc)
BASE = "https://tracker.example.org"
BEFORE = "2017-03-13T06:00:00+00:00"  # the crawl before the briefing's week
CANCELLED_BEFORE = "2017-03-17T18:00:00+00:00"  # a crawl in the week, before the briefing's instant
AFTER = "2017-03-20T09:00:00+00:00"  # a crawl after the briefing's instant
LATER = "2017-03-20T12:00:00+00:00"  # another, after the preview's instant (10:00)
THEMES = [("fraud", 0.9, ["fraud"])]


def events(name: str) -> dict[int, dict]:
    day = json.loads((FIXTURES / "parliament-calendar" / name).read_text(encoding="utf-8"))
    return {event["Id"]: event for event in day}


def event_item(event: dict) -> TrackedItem:
    return parliament_calendar.parse_event(event, "https://whatson.example.org/calendar/events/list.json")


def instrument(number: int, name: str, procedure: str, laid: str, period_end: str | None) -> TrackedItem:
    """S.I. 2021/558 as re-expressed (real facts), moved to a test number, dates and procedure: a test record."""
    detail = json.loads((FIXTURES / "statutory-instruments" / "si_2021_558_detail.json").read_text())
    detail["value"].update(paperNumber=number, paperYear="2017", name=name, commonsLayingDate=laid + "T00:00:00",
                           lordsLayingDate=laid + "T00:00:00", paperComingIntoForceDate=None,
                           procedure={"id": None, "name": procedure}, layingBody={"name": "HM Treasury"})
    return statutory_instruments.parse_instrument(detail, "u", period_end=period_end)


def relevant(db, item_id: str, when: str = BEFORE) -> None:
    """Classified relevant, with items.relevant set as tagging sets it (the page reads that)."""
    classify(db, item_id, THEMES, when=when)
    db.execute("UPDATE items SET relevant = 1 WHERE id = ?", [item_id])


def not_relevant(db, item_id: str, when: str = BEFORE) -> None:
    classify(db, item_id, [], relevant=False, when=when)


@pytest.fixture
def store(database):
    """The calendar as crawled before the week, changed in the week before Monday 07:30, and changed after it."""
    db = database
    march, april = events("events_both_houses.json"), events("events_commons.json")
    march[14880]["BillId"] = 3786  # test value: the 2026 API names the bill; these 2017 answers did not
    bill = TrackedItem(id="bill:3786", source="parliament-bills", kind="bill",  # a test record
                       title="Intellectual Property (Unjustified Threats) Bill [HL]",
                       url="https://bills.parliament.uk/bills/3786")
    kept = [e for e in [*march.values(), *april.values()] if parliament_calendar.what(e) and e["Id"] != 14805]
    upsert_items(db, [bill, *(event_item(e) for e in kept)], now=BEFORE)
    upsert_items(db, [
        instrument(901, "The Money Laundering Test Regulations 2017", "Made negative", "2017-02-27", "2017-04-07"),
        instrument(902, "The Proceeds of Crime Test Order 2017", "Made affirmative", "2017-02-20", "2017-03-22"),
        instrument(903, "The Fraud Test Regulations 2017", "Made negative", "2017-03-10", "2017-04-20"),
        instrument(904, "The Pensions Test Regulations 2017", "Made negative", "2017-02-17", "2017-03-30"),
        instrument(906, "The Bribery Test Regulations 2017", "Made negative", "2017-02-15", "2017-03-28"),
        # Laid, its praying period's end not yet given by Parliament.
        instrument(907, "The Asset Recovery Test Regulations 2017", "Made negative", "2017-03-08", None),
    ], now=BEFORE)
    for item_id in ("bill:3786", "whatson:14745", "whatson:14842", "whatson:14841", "whatson:14857",
                    "whatson:14799", "whatson:15271", "whatson:15213", "whatson:15258",
                    "si:2017/901", "si:2017/902", "si:2017/903", "si:2017/906", "si:2017/907"):
        relevant(db, item_id)
    for item_id in ("whatson:14769", "si:2017/904"):
        not_relevant(db, item_id)
    db.conn.commit()
    calendar.sync(db.conn, now=BEFORE)

    # In the week, before the instant: a sitting cancelled, one moved to 8 days after the briefing's Monday, and an
    # SI withdrawn (its period end no longer given).
    upsert_item(db, event_item({**march[14857], "CancelledDate": "2017-03-17T00:00:00"}),  # test value
                now=CANCELLED_BEFORE)
    upsert_item(db, event_item({**april[15258], "StartDate": "2017-03-28T00:00:00",  # test value
                                "EndDate": "2017-03-28T00:00:00"}), now=CANCELLED_BEFORE)
    upsert_item(db, instrument(906, "The Bribery Test Regulations 2017", "Made negative", "2017-02-15", None),
                now=CANCELLED_BEFORE)
    db.conn.commit()
    calendar.sync(db.conn, now=CANCELLED_BEFORE)

    # After the instant: a sitting cancelled, one moved out of the calendar's window and one into the week, a
    # period end moved (twice), a period end first given, and a sitting and an SI first seen.
    upsert_items(db, [
        event_item({**march[14799], "CancelledDate": "2017-03-20T00:00:00"}),  # test value
        event_item({**march[14841], "StartDate": "2017-05-02T00:00:00", "EndDate": "2017-05-02T00:00:00"}),  # test
        event_item({**april[15213], "StartDate": "2017-03-22T00:00:00", "EndDate": "2017-03-22T00:00:00"}),  # test
        event_item(march[14805]),
        instrument(901, "The Money Laundering Test Regulations 2017", "Made negative", "2017-02-27", "2017-04-12"),
        instrument(905, "The Economic Crime Test Order 2017", "Made negative", "2017-03-01", "2017-03-31"),
        instrument(907, "The Asset Recovery Test Regulations 2017", "Made negative", "2017-03-08", "2017-04-13"),
    ], now=AFTER)
    relevant(db, "whatson:14805", when=AFTER)
    relevant(db, "si:2017/905", when=AFTER)
    db.conn.commit()
    calendar.sync(db.conn, now=AFTER)
    upsert_item(db, instrument(901, "The Money Laundering Test Regulations 2017", "Made negative", "2017-02-27",
                               "2017-04-14"), now=LATER)
    upsert_item(db, instrument(907, "The Asset Recovery Test Regulations 2017", "Made negative", "2017-03-08",
                               "2017-04-16"), now=LATER)
    db.conn.commit()
    calendar.sync(db.conn, now=LATER)
    return db


def ref(item_id: str, title: str, source: str, kind: str, url: str, organisation: str = "") -> ItemRef:
    row, dossier = datasette_links(BASE, item_id)
    return ItemRef(id=item_id, title=title, source=source, kind=kind, organisation=organisation, url=url,
                   datasette_url=row, dossier_url=dossier)


def si_ref(number: int, title: str) -> ItemRef:
    return ref(f"si:2017/{number}", title, "statutory-instruments", "statutory_instrument",
               f"https://www.legislation.gov.uk/uksi/2017/{number}", "HM Treasury")


def sitting_ref(event_id: int, title: str, house: str) -> ItemRef:
    return ref(f"whatson:{event_id}", title, "parliament-calendar", "parliamentary_business",
               f"https://whatson.parliament.uk/event/cal{event_id}", f"{house} Select & Joint Committees")


def test_scrutiny_periods_ending_soonest_first_as_they_stood_at_the_instant(store):
    briefing = build_briefing(store, WEEK, None, BASE)
    assert briefing.as_of == AS_OF.isoformat()
    assert briefing.scrutiny_ending == (
        ScrutinyEnding(si_ref(902, "The Proceeds of Crime Test Order 2017"), "approval period ends",
                       "Made affirmative procedure", "22 Mar 2017", 2),
        # moved to 12 Apr after the instant: read as it was
        ScrutinyEnding(si_ref(901, "The Money Laundering Test Regulations 2017"), "praying period ends",
                       "Made negative procedure", "7 Apr 2017", 18),
    )
    # Left out: 903 ends in 31 days, 904 is not relevant, 906's period end was withdrawn before the instant,
    # 905 was first seen after it, and 907's period end was first given after it.


def test_a_preview_after_the_changes_reads_them(store):
    briefing = build_briefing(store, WEEK, AS_OF.replace(hour=10), BASE)
    assert [(s.item.id, s.on, s.days_left) for s in briefing.scrutiny_ending] == [
        ("si:2017/902", "22 Mar 2017", 2), ("si:2017/905", "31 Mar 2017", 11), ("si:2017/901", "12 Apr 2017", 23),
        ("si:2017/907", "13 Apr 2017", 24)]
    # At noon 901 and 907 moved again: each instant reads its own row.
    assert [(s.item.id, s.on) for s in build_briefing(store, WEEK, AS_OF.replace(hour=13), BASE).scrutiny_ending
            if s.item.id in ("si:2017/901", "si:2017/907")] == [("si:2017/901", "14 Apr 2017"),
                                                                ("si:2017/907", "16 Apr 2017")]
    assert [(c.item.id, c.on) for c in briefing.coming_up] == [
        ("bill:3786", "21 Mar 2017"), ("whatson:14745", "21 Mar 2017, 09:45"),
        ("whatson:14842", "21 Mar 2017, 14:15"), ("whatson:14805", "21 Mar 2017, 15:15"),
        ("whatson:15213", "22 Mar 2017, 16:30")]


def test_coming_up_in_the_next_seven_days_as_the_calendar_stood_at_the_instant(store):
    briefing = build_briefing(store, WEEK, None, BASE)
    justice = "Justice: oral evidence on Transforming Rehabilitation"
    science = ("Science and Technology Committee (Lords): oral evidence on UK Research and Innovation; "
               "Science and Technology and the Industrial Strategy")
    assert briefing.coming_up[0] == ComingUp(
        kind="bill stage", title="Intellectual Property (Unjustified Threats) Bill [HL] - Report stage",
        on="21 Mar 2017", house="Commons", url="https://whatson.parliament.uk/event/cal14880",
        item=ref("bill:3786", "Intellectual Property (Unjustified Threats) Bill [HL]", "parliament-bills", "bill",
                 "https://bills.parliament.uk/bills/3786"))
    assert briefing.coming_up[2] == ComingUp(
        kind="committee sitting", title=justice, on="21 Mar 2017, 09:45", house="Commons",
        url="https://whatson.parliament.uk/event/cal14745", item=sitting_ref(14745, justice, "Commons"))
    assert [(c.item.id, c.kind, c.on, c.house) for c in briefing.coming_up] == [
        ("bill:3786", "bill stage", "21 Mar 2017", "Commons"),
        ("whatson:14799", "committee sitting", "21 Mar 2017, 09:30", "Commons"),  # cancelled after the instant
        ("whatson:14745", "committee sitting", "21 Mar 2017, 09:45", "Commons"),
        ("whatson:14841", "committee sitting", "21 Mar 2017, 10:30", "Lords"),  # moved to 2 May after it
        ("whatson:14842", "committee sitting", "21 Mar 2017, 14:15", "Commons"),
    ]
    assert briefing.coming_up[3].title == science
    # Left out: 14857 cancelled before the instant, 14769 and 14881 not relevant (14881 names no tracked bill),
    # 14805 first seen after the instant, 15213 moved into the week after it, 15258 moved to 28 Mar (8 days on)
    # before it, 15271 on 18 Apr (29 days on).


def test_the_text_and_the_html_show_both_sections(store):
    html, text = render(build_briefing(store, WEEK, None, BASE))
    action = text.split("ACTION NEEDED\n=============\n")[1].split("\n\nNEW THIS WEEK")[0]
    scrutiny = action.split("Scrutiny periods ending in the next 28 days\n"
                            "-------------------------------------------\n")[1].split("\nGovernment responses")[0]
    assert scrutiny == (
        "* The Proceeds of Crime Test Order 2017\n"
        "    Approval period ends 22 Mar 2017 (2 days left). Made affirmative procedure\n"
        "    https://www.legislation.gov.uk/uksi/2017/902\n"
        f"    Tracker: {BASE}/tracker/items/si~3A2017~2F902\n"
        f"    Dossier: {BASE}/-/dossier/si:2017/902\n"
        "\n"
        "* The Money Laundering Test Regulations 2017\n"
        "    Praying period ends 7 Apr 2017 (18 days left). Made negative procedure\n"
        "    https://www.legislation.gov.uk/uksi/2017/901\n"
        f"    Tracker: {BASE}/tracker/items/si~3A2017~2F901\n"
        f"    Dossier: {BASE}/-/dossier/si:2017/901\n"
    )
    parliament = text.split("PARLIAMENT THIS WEEK\n====================\n")[1].split("\n\nRESPONSES")[0]
    coming = parliament.split("Coming up in the next 7 days\n----------------------------\n")[1]
    assert coming.startswith(
        "* Bill stage (21 Mar 2017, Commons): Intellectual Property (Unjustified Threats) Bill [HL] - Report stage\n"
        "    https://whatson.parliament.uk/event/cal14880\n"
        f"    Dossier: {BASE}/-/dossier/bill:3786\n"
        "* Committee sitting (21 Mar 2017, 09:30, Commons): Business, Energy and Industrial Strategy: oral evidence")
    assert coming.count("\n* ") + 1 == 5 and "Communications" not in coming and "Budget 2017" not in coming
    assert ">Scrutiny periods ending in the next 28 days</h3>" in html
    assert "Approval period ends 22 Mar 2017 \u00b7 Made affirmative procedure" in html
    assert ">Coming up in the next 7 days</h3>" in html
    assert ('<a class="title" href="https://whatson.parliament.uk/event/cal14745" style="' in html
            and ">Justice: oral evidence on Transforming Rehabilitation</a>" in html)
    assert ('<a class="title" href="https://whatson.parliament.uk/event/cal14880" style="' in html
            and ">Intellectual Property (Unjustified Threats) Bill [HL] - Report stage</a>" in html)
    assert "Hate crime" in html and "Communications Committee" not in html and "Budget 2017" not in html


def test_empty_sections_say_so(database):
    html, text = render(build_briefing(database, WEEK, None, BASE))
    assert ("Scrutiny periods ending in the next 28 days\n-------------------------------------------\n"
            "No relevant statutory instrument's praying or approval period ends in the next 28 days.\n") in text
    assert ("Coming up in the next 7 days\n----------------------------\n"
            "No relevant bill stage or committee sitting in the next 7 days.\n") in text
    assert "No relevant statutory instrument\u2019s praying or approval period ends in the next 28 days." in html
    assert "No relevant bill stage or committee sitting in the next 7 days." in html


def test_a_reviewer_marking_an_item_not_relevant_after_the_instant_does_not_change_the_week(store):
    """Relevance is the briefing's as of the instant: a later decision shows only in a later preview."""
    store["relevance_overrides"].insert({"item_id": "whatson:14842", "relevant": 0, "reason": "test",
                                         "reviewer": "ed", "at": AFTER})
    store.conn.commit()
    assert "whatson:14842" in [c.item.id for c in build_briefing(store, WEEK, None, BASE).coming_up]
    later = build_briefing(store, WEEK, AS_OF.replace(hour=10), BASE)
    assert "whatson:14842" not in [c.item.id for c in later.coming_up]


def test_the_forward_calendar_page_and_the_briefing_agree_on_relevance(store):
    """One rule (store.calendar.shown): the page now shows the same relevant events of 21 Mar as the preview."""
    weeks = page.load(store.conn, include_responses=False, today=date(2017, 3, 20))["weeks"]
    on_page = {e["uid"] for e in weeks[0]["events"] if e["kind"] in ("bill stage", "committee sitting")}
    preview = build_briefing(store, WEEK, AS_OF.replace(hour=10), BASE)
    assert on_page == {f"whatson:{c.url.rsplit('cal', 1)[1]}" for c in preview.coming_up}


def test_a_sitting_already_past_on_the_day_of_a_preview_is_left_out(store):
    """A preview on Tuesday 21 March at 10:00: the 09:30 and 09:45 sittings are over; the day's bill business
    (no time given) and the afternoon's sittings are not."""
    preview = build_briefing(store, WEEK, datetime(2017, 3, 21, 10, 0, tzinfo=timezone.utc), BASE)
    assert [(c.item.id, c.on) for c in preview.coming_up] == [
        ("bill:3786", "21 Mar 2017"), ("whatson:14842", "21 Mar 2017, 14:15"),
        ("whatson:14805", "21 Mar 2017, 15:15"), ("whatson:15213", "22 Mar 2017, 16:30")]


def test_the_email_carries_both_sections(store, tmp_path, plain_server):
    """Through a real SMTP server on 127.0.0.1: the text part and the HTML part list the same forward look."""
    write_briefing(store, build_briefing(store, WEEK, None, BASE), tmp_path / "reports",
                   now=datetime(2017, 3, 20, 7, 45, tzinfo=timezone.utc))
    controller, inbox = plain_server
    send_briefing(store, WEEK, settings_for(controller.port), now=datetime(2017, 3, 20, 7, 45, tzinfo=timezone.utc))
    [envelope] = inbox.envelopes
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert "    Approval period ends 22 Mar 2017 (2 days left). Made affirmative procedure\n" in text
    assert ("* Committee sitting (21 Mar 2017, 14:15, Commons): Home Affairs: oral evidence on Hate crime and its "
            "violent consequences\n") in text
    assert "Praying period ends 7 Apr 2017 \u00b7 Made negative procedure" in html
    assert ">Home Affairs: oral evidence on Hate crime and its violent consequences</a>" in html
