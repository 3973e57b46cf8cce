"""Commitments end to end: found after classification in a relevant statement, decided by editors through the
form (audited), suggested delivery evidence that decides nothing, overdue computed from the clock, and access by
every route (signed-in staff read; editors and admins change; anonymous readers get nothing)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from scrapers.parsers.written_statements import parse_statement
from tracker import config as config_mod
from tracker.classify import commitment_scan, tagging
from tracker.contract import TrackedItem
from tracker.store import commitments as commitment_store
from tracker.store import db as db_module
from tracker.store import items as store
from tracker.web.accounts import Accounts
from tracker.web.serve import build_datasette

from .helpers.auth import FAST_HASH, SECRET, USERS, session_cookie

STATEMENT = json.loads((Path(__file__).parent / "fixtures" / "written-statements"
                        / "statement_psfa_2025-10-16.json").read_text())["value"]
QUOTE = "The UK intends to license this technology internationally."
#: A real answer (written question 1898703, fixtures/written-questions) whose commitment names no date.
ANSWER = json.loads((Path(__file__).parent / "fixtures" / "written-questions" / "answered_2026_full.json")
                    .read_text())["results"][0]["value"]


def seed(path: Path) -> Path:
    from scrapers.parsers.written_questions import parse_question
    database = db_module.connect(path)
    question = parse_question(ANSWER, "u")
    irrelevant = TrackedItem(id="wq:1", source="written-questions", kind="written_question",
                             title="Wine cellar", url="https://example.org/1", organisation="Cabinet Office",
                             body_text="Question: wine.\n\nAnswer: We will publish the list of wines.",
                             details={"answer": "We will publish the list of wines."})
    store.upsert_items(database, [parse_statement(STATEMENT, "u"), question, irrelevant])
    tagging.classify_stored(database)
    database.close()
    return path


@pytest.fixture
def tracker_db(tmp_path):
    return seed(tmp_path / "tracker.db")


def build(path, *, public_read=False, clock=None):
    accounts = Accounts(USERS, hashes={user: FAST_HASH for user in USERS})
    return build_datasette(path, config=config_mod.Config(public_read=public_read), secret=SECRET,
                           accounts=accounts, clock=clock)


def rows(path) -> list[dict]:
    database = db_module.connect(path)
    try:
        return list(database.query("select * from commitments order by id"))
    finally:
        database.close()


def scan(path):
    database = db_module.connect(path)
    try:
        return commitment_scan.scan(database, now="2026-09-14T05:30:00+00:00")
    finally:
        database.close()


def test_scan_stores_candidates_from_relevant_items_only_and_keeps_decisions(tracker_db):
    assert scan(tracker_db).new_candidates == 2
    found = rows(tracker_db)
    assert [(r["item_id"], r["quote"], r["speaker"], r["department"], r["said_on"], r["state"]) for r in found] == [
        ("wms:9000001", QUOTE, "Josh Simons", "Cabinet Office", "2025-10-16", "candidate"),
        ("wq:1898703", "The Government is currently reviewing the legislation’s impact and will publish findings "
                       "once complete.", None, "Department for Business and Trade", None, "candidate")]
    database = db_module.connect(tracker_db)
    commitment_store.decide(database.conn, "ed", found[0]["id"], "dismiss", "not a reform")
    database.close()
    assert scan(tracker_db).new_candidates == 0
    assert [r["state"] for r in rows(tracker_db)] == ["dismissed", "candidate"]


async def _form(ds, cookies):
    page = await ds.client.get("/-/commitments", cookies=cookies)
    assert page.status_code == 200
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return {**cookies, "ds_csrftoken": page.cookies.get("ds_csrftoken") or ""}, token


async def test_editor_confirms_then_marks_delivered_with_evidence_audited(tracker_db):
    scan(tracker_db)
    ds = build(tracker_db)
    cookies, token = await _form(ds, session_cookie(ds, "ed"))
    first = rows(tracker_db)[0]["id"]
    confirmed = await ds.client.post("/-/commitments/decide", cookies=cookies,
                                     data={"csrftoken": token, "id": str(first), "action": "confirm"})
    assert confirmed.status_code == 302 and "/-/commitments?message=Commitment" in confirmed.headers["location"]
    # Delivered needs the item that shows it, and that item must exist; nothing is written otherwise.
    for data, message in (({}, "give the id of the item"), ({"evidence_item_id": "govuk:nothing"}, "no tracked item")):
        refused = await ds.client.post("/-/commitments/decide", cookies=cookies,
                                       data={"csrftoken": token, "id": str(first), "action": "delivered", **data})
        assert refused.status_code == 400 and message in refused.text
    assert rows(tracker_db)[0]["state"] == "open"
    delivered = await ds.client.post("/-/commitments/decide", cookies=cookies, data={
        "csrftoken": token, "id": str(first), "action": "delivered", "evidence_item_id": "wq:1898703",
        "note": "licensed \u202eabroad"})
    assert delivered.status_code == 302
    row = rows(tracker_db)[0]
    assert (row["state"], row["decided_by"], row["evidence_item_id"], row["note"]) == (
        "delivered", "ed", "wq:1898703", "licensed abroad")
    database = db_module.connect(tracker_db)
    audit = list(database.query("select actor, action, row_key, before, after from audit_log "
                                "where table_name = 'commitments' order by id"))
    database.close()
    assert [(a["actor"], a["action"], a["row_key"]) for a in audit] == [
        ("ed", "commitment confirm", str(first)), ("ed", "commitment delivered", str(first))]
    assert json.loads(audit[1]["before"])["state"] == "open" and json.loads(audit[1]["after"])["state"] == "delivered"
    # A delivered commitment cannot be dropped afterwards.
    again = await ds.client.post("/-/commitments/decide", cookies=cookies,
                                 data={"csrftoken": token, "id": str(first), "action": "dropped"})
    assert again.status_code == 400 and "cannot be marked dropped" in again.text


async def test_readers_cannot_decide_and_see_no_forms(tracker_db):
    scan(tracker_db)
    ds = build(tracker_db)
    page = await ds.client.get("/-/commitments", cookies=session_cookie(ds, "rita"))
    assert page.status_code == 200 and QUOTE in page.text and "/-/commitments/decide" not in page.text
    _, token = await _form(ds, session_cookie(ds, "ed"))
    for account in ("rita", None):
        response = await ds.client.post("/-/commitments/decide", cookies=session_cookie(ds, account),
                                        data={"csrftoken": token, "id": "1", "action": "confirm"})
        assert response.status_code in (302, 403) and "commitments?message" not in response.headers.get("location", "")
    assert [r["state"] for r in rows(tracker_db)] == ["candidate", "candidate"]


@pytest.mark.parametrize("public_read", [False, True])
async def test_anonymous_gets_nothing_by_any_route(tracker_db, public_read):
    scan(tracker_db)
    ds = build(tracker_db, public_read=public_read)
    for path in ("/tracker/commitments.json", "/tracker/commitments.csv", "/tracker/commitments",
                 "/tracker/commitments/1.json", "/tracker/commitments_by_theme.json",
                 "/tracker/commitments_overdue.json", "/tracker/commitments_overdue.csv",
                 "/tracker.json?sql=select+quote+from+commitments",
                 "/tracker/items.json?_where=id+in+(select+item_id+from+commitments)"):
        response = await ds.client.get(path)
        assert response.status_code in (302, 403), path
        assert "license this technology" not in response.text, path
    page = await ds.client.get("/-/commitments")
    assert page.status_code in (302, 403) and QUOTE not in page.text
    # Signed in, the same routes answer.
    cookies = session_cookie(ds, "rita")
    for path in ("/tracker/commitments.json", "/tracker/commitments_by_theme.json", "/tracker/commitments_overdue.json"):
        assert (await ds.client.get(path, cookies=cookies)).status_code == 200, path


async def test_overdue_follows_the_clock_and_shows_first(tracker_db):
    scan(tracker_db)
    database = db_module.connect(tracker_db)
    first = rows(tracker_db)[0]["id"]
    database.execute("update commitments set due = '2026-03-31', due_phrase = 'by March 2026' where id = ?", [first])
    database.conn.commit()
    commitment_store.decide(database.conn, "ed", first, "confirm")
    database.close()
    before = build(tracker_db, clock=datetime(2026, 3, 30, 12, tzinfo=timezone.utc))
    after = build(tracker_db, clock=datetime(2026, 4, 2, 12, tzinfo=timezone.utc))
    cookies = session_cookie(before, "rita")
    overdue_before = (await before.client.get("/tracker/commitments_overdue.json?_shape=array", cookies=cookies)).json()
    overdue_after = (await after.client.get("/tracker/commitments_overdue.json?_shape=array",
                                            cookies=session_cookie(after, "rita"))).json()
    assert overdue_before == [] and [r["id"] for r in overdue_after] == [first]
    page = (await after.client.get("/-/commitments", cookies=session_cookie(after, "rita"))).text
    assert "Overdue (1)" in page and page.index(QUOTE) < page.index("Open, by theme")
    by_theme = (await after.client.get("/tracker/commitments_by_theme.json?_shape=array",
                                       cookies=session_cookie(after, "rita"))).json()
    assert {r["state"] for r in by_theme} == {"overdue"} and by_theme[0]["theme"]


def test_a_later_document_is_suggested_as_evidence_never_decided(tracker_db):
    scan(tracker_db)
    database = db_module.connect(tracker_db)
    commitment = next(r for r in rows(tracker_db) if r["item_id"] == "wq:1898703")
    database.execute("update commitments set quote = ? where id = ?",
                     ["We will publish the Register of Overseas Entities review in the spring.", commitment["id"]])
    database.conn.commit()
    commitment_store.decide(database.conn, "ed", commitment["id"], "confirm")
    store.upsert_items(database, [TrackedItem(
        id="govuk:roe-review", source="govuk", kind="independent_report",
        title="Register of Overseas Entities review: findings", url="https://www.gov.uk/x",
        published="2026-10-01"), TrackedItem(
        # Published before the commitment was found: it cannot be what delivered it.
        id="govuk:roe-old", source="govuk", kind="independent_report",
        title="Register of Overseas Entities review: terms of reference", url="https://www.gov.uk/y",
        published="2024-01-01")])
    assert commitment_store.suggest_deliveries(database.conn) == 1
    database.close()
    row = next(r for r in rows(tracker_db) if r["id"] == commitment["id"])
    assert (row["suggested_item_id"], row["state"], row["evidence_item_id"]) == ("govuk:roe-review", "open", None)
    assert "Register of Overseas Entities" in row["suggested_because"]


def test_a_later_document_of_the_same_reform_thread_is_suggested_first(tracker_db):
    scan(tracker_db)
    database = db_module.connect(tracker_db)
    statement = next(r for r in rows(tracker_db) if r["item_id"] == "wms:9000001")
    commitment_store.decide(database.conn, "ed", statement["id"], "confirm")
    store.upsert_items(database, [TrackedItem(
        id="govuk:psfa-strategy", source="govuk", kind="strategy", title="Public sector fraud strategy",
        url="https://www.gov.uk/z", published="2026-02-01")])
    # Threads are derived from links (store.reforms); here the thread is written as recompute would leave it.
    database.execute("insert into reforms (item_id, reform_id) values ('wms:9000001', 'govuk:psfa-strategy'), "
                     "('govuk:psfa-strategy', 'govuk:psfa-strategy')")
    database.conn.commit()
    commitment_store.suggest_deliveries(database.conn)
    database.close()
    row = next(r for r in rows(tracker_db) if r["id"] == statement["id"])
    assert (row["suggested_item_id"], row["suggested_because"], row["state"]) == (
        "govuk:psfa-strategy", "a later document in the same reform thread", "open")


DEMO_DECISIONS = Path(__file__).parent.parent / "snapshot" / "register" / "commitments" / "wq-1898703.json"


def test_the_demo_editor_confirms_the_seeded_commitment_through_the_register(tracker_db):
    from tracker.store import demo_register
    scan(tracker_db)
    database = db_module.connect(tracker_db)
    try:
        assert demo_register.decide_commitments(database.conn, DEMO_DECISIONS, "2026-09-14T05:30:00+00:00") == 1
        decided = {r["item_id"]: (r["state"], r["decided_by"]) for r in database.query("select * from commitments")}
        assert decided == {"wms:9000001": ("candidate", None), "wq:1898703": ("open", "demo-editor")}
        assert [r["action"] for r in database.query(
            "select action from audit_log where table_name = 'commitments'")] == ["commitment confirm"]
    finally:
        database.close()


def test_a_demo_decision_whose_quote_is_not_a_candidate_decides_nothing(tracker_db, tmp_path):
    from tracker.errors import StoreError
    from tracker.store import demo_register
    scan(tracker_db)
    seed_file = json.loads(DEMO_DECISIONS.read_text())
    real = seed_file["decisions"][0]
    # A good decision first: it must not be applied when a later one is refused.
    seed_file["decisions"] = [{**real, "item_id": "wms:9000001", "quote": QUOTE, "note": ""},
                              {**real, "quote": "We will publish nothing."}]
    broken = tmp_path / "decisions.json"
    broken.write_text(json.dumps(seed_file))
    database = db_module.connect(tracker_db)
    try:
        with pytest.raises(StoreError, match="no candidate commitment of wq:1898703 quotes 'We will publish"):
            demo_register.decide_commitments(database.conn, broken, "2026-09-14T05:30:00+00:00")
        assert {r["state"] for r in database.query("select state from commitments")} == {"candidate"}
    finally:
        database.close()


@pytest.mark.parametrize("public_read", [False, True])
async def test_the_reform_page_shows_its_commitments_to_signed_in_staff_only(tracker_db, public_read):
    scan(tracker_db)
    database = db_module.connect(tracker_db)
    by_item = {r["item_id"]: r["id"] for r in database.query("select id, item_id from commitments")}
    commitment_store.decide(database.conn, "ed", by_item["wq:1898703"], "confirm")
    commitment_store.decide(database.conn, "ed", by_item["wms:9000001"], "dismiss")
    database.close()
    ds = build(tracker_db, public_read=public_read)
    answer = "/-/dossier/wq:1898703"
    anonymous = await ds.client.get(answer)
    assert 'id="commitments"' not in anonymous.text
    page = (await ds.client.get(answer, cookies=session_cookie(ds, "rita"))).text
    section = page[page.index('id="commitments"'):]
    assert "will publish findings once complete" in section
    assert "<strong>open</strong> (ed," in section and "no due date stated" in section
    # A dismissed candidate is not shown on its statement's page.
    statement = (await ds.client.get("/-/dossier/wms:9000001", cookies=session_cookie(ds, "rita"))).text
    assert 'id="commitments"' not in statement


async def test_a_document_that_delivered_a_commitment_shows_it_on_its_page(tracker_db):
    scan(tracker_db)
    database = db_module.connect(tracker_db)
    commitment = next(iter(database.query("select id from commitments where item_id = 'wq:1898703'")))["id"]
    commitment_store.decide(database.conn, "ed", commitment, "confirm")
    commitment_store.decide(database.conn, "ed", commitment, "delivered", evidence_item_id="wms:9000001")
    database.close()
    ds = build(tracker_db)
    page = (await ds.client.get("/-/dossier/wms:9000001", cookies=session_cookie(ds, "rita"))).text
    section = page[page.index('id="commitments"'):]
    assert "will publish findings once complete" in section and "<strong>delivered</strong>" in section
    assert 'href="/-/dossier/wq:1898703"' in section


async def test_a_question_page_shows_its_answer_and_a_statement_page_its_text(tracker_db):
    database = db_module.connect(tracker_db)
    # A holding answer in hostile markup: said so, and shown as text.
    database.execute("update items set details = json_set(details, '$.answer_is_holding', json('true'), "
                     "'$.answer', ?) where id = ?", ["<script>alert(1)</script> I will reply shortly.", "wq:1"])
    database.conn.commit()
    database.close()
    ds = build(tracker_db, public_read=True)
    question = (await ds.client.get("/-/dossier/wq:1898703")).text
    section = question[question.index('id="answer"'):]
    assert "Commons" in section and "asked by a member (not named in the record)" in section
    assert "Answer by Department for Business and Trade:" in section
    assert "The Government is currently reviewing the legislation’s impact" in section
    # With the members' ids the API gives (names only when asked with expandMember), their pages are linked.
    database = db_module.connect(tracker_db)
    database.execute("update items set details = json_set(details, '$.asking_member_id', 5327, "
                     "'$.answering_member_id', 4631) where id = 'wq:1898703'")
    database.conn.commit()
    database.close()
    linked = (await ds.client.get("/-/dossier/wq:1898703")).text
    assert ('asked by <a href="https://members.parliament.uk/member/5327" rel="noopener noreferrer">member 5327</a>'
            in linked)
    assert 'Answer by <a href="https://members.parliament.uk/member/4631"' in linked
    assert "(named in Parliament's record) for Department for Business and Trade" in linked.replace("&#39;", "'")
    holding = (await ds.client.get("/-/dossier/wq:1")).text
    assert "Holding answer by Cabinet Office" in holding and "<script>alert(1)" not in holding
    assert "&lt;script&gt;alert(1)" in holding
    statement = (await ds.client.get("/-/dossier/wms:9000001")).text
    text = statement[statement.index('id="statement"'):]
    assert "made by Josh Simons, 16 Oct 2025" in text and text.count("<p>") >= 4
    assert "The UK intends to license this technology internationally." in text
    assert 'href="https://hansard.parliament.uk/Commons/2025-10-16"' in statement
