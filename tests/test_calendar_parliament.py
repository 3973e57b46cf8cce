"""Parliament's calendar events (parliament-calendar items, real events of 21 March 2017) on the forward calendar's
eight weeks: an event of a relevant bill shows, filed under the bill; events whose items are not relevant do not."""
from __future__ import annotations

import json
from datetime import date

from scrapers.parsers import parliament_calendar as parser
from tracker.contract import TrackedItem
from tracker.store import calendar
from tracker.store.items import upsert_items
from tracker.web import calendar as page

from .helpers import FIXTURES


def test_a_relevant_bills_stage_is_on_the_forward_calendar_and_the_rest_are_not(database):
    day = json.loads((FIXTURES / "parliament-calendar" / "events_both_houses.json").read_text(encoding="utf-8"))
    report = next(e for e in day if e["Id"] == 14880)
    report["BillId"] = 3786  # test value: the 2026 API names the bill; these 2017 answers did not
    items = [parser.parse_event(e, "u") for e in day if parser.what(e)]
    bill = TrackedItem(id="bill:3786", source="parliament-bills", kind="bill",  # a test record
                       title="Intellectual Property (Unjustified Threats) Bill [HL]",
                       url="https://bills.parliament.uk/bills/3786")
    upsert_items(database, [bill, *items], now="2017-03-20T07:00:00+00:00")
    database.execute("UPDATE items SET relevant = 1 WHERE id = 'bill:3786'")
    database.conn.commit()
    calendar.sync(database.conn, now="2017-03-20T07:00:00+00:00")
    weeks = page.load(database.conn, include_responses=False, today=date(2017, 3, 20))["weeks"]
    shown = [(e["uid"], e["kind"], e["title"], e["reform_id"]) for w in weeks for e in w["events"]]
    assert shown == [("whatson:14880", "bill stage",
                      "Intellectual Property (Unjustified Threats) Bill [HL] - Report stage", "bill:3786")]
    everything = page.load(database.conn, include_responses=False, today=date(2017, 3, 20), everything=True)
    assert len([e for w in everything["weeks"] for e in w["events"]]) == 16
