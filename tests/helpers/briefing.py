"""The briefing scenario the briefing, render and mail tests read (week 2026-W48, as of 23 Nov 2026 07:30),
and the rows it is made of."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from tracker.contract import BillStage, ItemLink, TrackedItem
from tracker.store.items import finish_run, start_run, upsert_item

UTC = timezone.utc
WEEK = "2026-W48"  # Monday 23 Nov 2026; 07:30 London is 07:30 UTC (GMT)
AS_OF = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)
BASE = "https://tracker.example.org"


def at(day: int, hour: int = 9, month: int = 11) -> str:
    """A store timestamp in November 2026 (UTC)."""
    return datetime(2026, month, day, hour, tzinfo=UTC).isoformat(timespec="seconds")


def consultation(ident: str, title: str, closes: str, status: str = "open", **extra) -> TrackedItem:
    fields = {"organisation": "Home Office", **extra}
    return TrackedItem(id=f"govuk:{ident}", source="govuk", kind="consultation", title=title,
                       url=f"https://www.gov.uk/government/consultations/{ident}", status=status, closes=closes,
                       **fields)


def classify(db, item_id: str, themes: list[tuple[str, float, list[str]]], relevant: bool = True,
             when: str | None = None, since: str | None = None) -> None:
    """A classifications row shaped as tracker.classify writes it (relevant since `since`, default `when`)."""
    db["classifications"].upsert({
        "relevant_since": (since or when or at(1)) if relevant else None,
        "item_id": item_id, "relevant": int(relevant), "score": max([s for _, s, _ in themes], default=0.0),
        "themes": json.dumps([{"theme": t, "score": s, "evidence": [
            {"phrase": p, "field": "title", "weight": 1.0, "theme": t, "text": p, "kind": "phrase"} for p in phrases
        ] + [{"phrase": "pensions", "field": "title", "weight": -1.0, "theme": t, "text": "pensions",
              "kind": "exclusion"}]} for t, s, phrases in themes]),
        "evidence": "[]", "method": "test", "version": "test", "content_hash": "x",
        "classified_at": when or at(1),
    }, pk="item_id")


def respond(db, item_id: str, created: str, **fields) -> None:
    row = {"item_id": item_id, "decision": "respond", "status": "drafting", "owner_team": "Fraud policy",
           "created_by": "alice", "created_at": created, "updated_by": "alice", "updated_at": created}
    db["responses"].insert({**row, **fields})


def record_run(db, source: str, started: str, status: str, message: str | None = None) -> None:
    run_id = start_run(db, source, now=started)
    finish_run(db, run_id, status, now=started, error_message=message)


def build_db(db) -> None:
    """The scenario every briefing test reads (week 2026-W48, as of 23 Nov 2026 07:30)."""
    db["priorities"].insert_all([
        {"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""},
        {"id": "money_laundering", "name": "Money laundering", "grouping": "theme", "description": ""},
        {"id": "corporate_liability", "name": "Corporate criminal liability", "grouping": "theme",
         "description": ""},
    ])
    # Closing in 10 days, no response; seen before the window.
    upsert_item(db, consultation("fraud-strategy", "Fraud strategy: consultation", "2026-12-03T23:59:00+00:00",
                                 summary="We seek views on fraud. A second sentence."), now=at(2))
    classify(db, "govuk:fraud-strategy", [("fraud", 0.9, ["fraud"])])
    # New this week, closing in 21 days, with a response being drafted (due in 8 days).
    upsert_item(db, consultation("aml-supervision", "AML supervision reform", "2026-12-14", opens="2026-11-18",
                                 summary="Reforming anti-money laundering supervision.  It closes soon."),
                now=at(18))
    classify(db, "govuk:aml-supervision", [("money_laundering", 0.95, ["money laundering", "supervision"]),
                                           ("fraud", 0.4, ["fraud"])])
    respond(db, "govuk:aml-supervision", at(19), owner_team="Economic crime policy",
            internal_deadline="2026-12-01")
    # A bill whose stage moved this week.
    bill = TrackedItem(id="bill:4000", source="parliament-bills", kind="bill", title="Crime and Policing Bill",
                       url="https://bills.parliament.uk/bills/4000", status="Commons: 2nd reading",
                       stages=[BillStage(1, 7, "2nd reading", "Commons", 2)])
    upsert_item(db, bill, now=at(1, month=10))
    bill.status = "Commons: Committee stage"
    bill.stages = [BillStage(1, 7, "2nd reading", "Commons", 2), BillStage(2, 8, "Committee stage", "Commons", 3)]
    upsert_item(db, bill, now=at(20))
    classify(db, "bill:4000", [("fraud", 0.7, ["fraud"])])
    # Closed in July, no outcome: the government response is overdue.
    upsert_item(db, consultation("failure-to-prevent", "Failure to prevent offences", "2026-07-01",
                                 status="closed"), now=at(1, month=6))
    classify(db, "govuk:failure-to-prevent", [("corporate_liability", 0.8, ["failure to prevent"])])
    # Irrelevant, new this week.
    upsert_item(db, consultation("plant-health", "Plant health fees", "2026-12-01"), now=at(17))
    classify(db, "govuk:plant-health", [], relevant=False)
    # A relevant Act and a commencement order for it made this week.
    upsert_item(db, TrackedItem(id="legislation:ukpga/2023/56", source="legislation", kind="act",
                                title="Economic Crime and Corporate Transparency Act 2023",
                                url="https://www.legislation.gov.uk/ukpga/2023/56", status="enacted"), now=at(1))
    classify(db, "legislation:ukpga/2023/56", [("fraud", 0.9, ["economic crime"])])
    upsert_item(db, TrackedItem(
        id="legislation:uksi/2026/1200", source="legislation", kind="commencement_order",
        title="The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 9) Regulations 2026",
        url="https://www.legislation.gov.uk/uksi/2026/1200", status="made", published="2026-11-19",
        links=[ItemLink("legislation:ukpga/2023/56", "commences", "made under s. 219")]), now=at(19))
    # A response submitted this week on an older consultation, and one a reviewer confirmed.
    upsert_item(db, consultation("sanctions", "Sanctions enforcement", "2026-11-20", status="closed"), now=at(3))
    db["item_priorities"].insert({
        "item_id": "govuk:sanctions", "priority_id": "fraud", "score": 0.5, "evidence": '["sanctions evasion"]',
        "method": "test", "version": "t", "review_state": "confirmed", "reviewer": "bob", "reviewed_at": at(4),
        "created": at(3), "updated": at(4)})
    respond(db, "govuk:sanctions", at(5), status="submitted", submitted_on="2026-11-19")
    # A committee's rolling call for evidence (open, no deadline), relevant, seen before the window, unanswered.
    upsert_item(db, rolling_call("8885", "Economic crime enforcement"), now=at(2))
    classify(db, "committees:8885", [("fraud", 0.8, ["economic crime"])])
    # Sources: govuk fresh; legislation failed last and has no ok run since 15 Nov.
    record_run(db, "govuk", at(23, 6), "ok")
    record_run(db, "legislation", at(15), "ok")
    record_run(db, "legislation", at(22), "failed", "HTTP 503 from legislation.gov.uk")
    start_run(db, "committees", now=at(20))  # never finished: no successful run recorded
    record_run(db, "govuk", at(23, 8), "failed")  # after as_of: not seen by this week's briefing


def rolling_call(ident: str, title: str, closes: str | None = None) -> TrackedItem:
    return TrackedItem(id=f"committees:{ident}", source="committees", kind="committee_inquiry", title=title,
                       url=f"https://committees.parliament.uk/work/{ident}/", status="open for evidence",
                       closes=closes, organisation="Treasury Committee")
