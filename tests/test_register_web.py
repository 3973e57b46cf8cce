"""The register in Datasette (issue 16): editors log, edit and withdraw responses with their asks, set outcomes
with evidence, accept or dismiss suggestions, and read the scorecard; bad input is a 400 that keeps what was
typed; readers, anonymous visitors and feed tokens see none of it by any route."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tracker import config as config_mod
from tracker.classify.priorities import load_ruleset
from tracker.classify.tagging import sync_priorities
from tracker.contract import ItemLink, TrackedItem
from tracker.store import db as db_module
from tracker.store import items as store
from tracker.store import reforms
from tracker.web.serve import build_datasette

from .helpers.auth import feed_token, session_cookie

USERS = {"rita": "reader", "ed": "editor", "ada": "admin"}
ANSWER = "The Government will extend the failure to prevent fraud offence to medium-sized organisations."
ASK_TEXT = "ASK-MARKER extend failure to prevent fraud to medium-sized organisations"


def _ago(days: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).replace(microsecond=0).isoformat()


def _day(days_ago: int) -> str:
    return _ago(days_ago)[:10]


@pytest.fixture
def tracker_db(tmp_path):
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    store.upsert_items(database, [
        TrackedItem(id="govuk:fraud", source="govuk", kind="consultation", title="Failure to prevent fraud",
                    url="https://www.gov.uk/government/consultations/fraud", status="closed",
                    opens=_ago(500), closes=_ago(420), summary="Consultation on failure to prevent fraud",
                    organisation="Home Office"),
        TrackedItem(id="govuk:fraud-response", source="govuk", kind="policy_paper",
                    title="Failure to prevent fraud: government response",
                    url="https://www.gov.uk/government/publications/fraud-response", published=_ago(300),
                    summary="The government's response", body_text=f"Summary. {ANSWER} Other matters.",
                    links=[ItemLink(relation="outcome_of", to_id="govuk:fraud")])])
    sync_priorities(database, load_ruleset())
    database.execute("UPDATE items SET relevant = 1, themes = '[\"fraud\"]' WHERE id = 'govuk:fraud'")
    reforms.recompute(database.conn)
    database.conn.commit()
    database.close()
    return path


@pytest.fixture
def ds(tracker_db):
    return build_datasette(tracker_db, config=config_mod.Config(), users=USERS, secret="test-secret")


def _query(path, sql, params=()):
    database = db_module.connect(path)
    try:
        return [tuple(row) for row in database.execute(sql, list(params)).fetchall()]
    finally:
        database.close()


async def _csrf(ds, user="ed"):
    cookies = session_cookie(ds, user)
    page = await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return {**cookies, "ds_csrftoken": page.cookies.get("ds_csrftoken") or ds.sign({}, "csrftoken")}, token


def _form(token, **extra):
    return {"csrftoken": token, "item_id": "govuk:fraud", "decision": "respond", "status": "submitted",
            "owner_team": "SEOC policy", "submitted_on": _day(410), "position_summary": "We support the offence",
            "ask-1-text": ASK_TEXT, "ask-1-theme": "fraud", "ask-1-target": "Question 4", "ask-1-priority": "high",
            "ask-2-text": "Fund disclosure work", "ask-2-target": "Proposal 7", "ask-3-text": "", **extra}


async def _log(ds, tracker_db):
    cookies, token = await _csrf(ds)
    saved = await ds.client.post("/-/responses/save", cookies=cookies, data=_form(token))
    assert saved.status_code == 302, saved.text[:500]
    return cookies, token


async def test_editor_logs_a_response_with_two_asks_and_sees_them(ds, tracker_db):
    cookies, _ = await _log(ds, tracker_db)
    assert _query(tracker_db, "select position, text, theme, target, priority from asks order by position") == [
        (1, ASK_TEXT, "fraud", "Question 4", "high"), (2, "Fund disclosure work", None, "Proposal 7", "normal")]
    page = (await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)).text
    assert ASK_TEXT in page and "Outcome: pending" in page and "logged the response" in page


@pytest.mark.parametrize("change, says", [
    ({"owner_team": "", "position_summary": "", "submitted_on": "", "status": "planned", "ask-1-text": "",
      "ask-2-text": ""}, "the form is blank"),
    ({"position_summary": "p" * 5001}, "is 5001 characters; the limit is 5000"),
    ({"submitted_on": "1900-01-01"}, "more than 10 years ago"),
    ({"submitted_on": _day(501)}, "before the consultation opened"),
    ({"status": "planned"}, "has not been submitted"),
    ({"internal_deadline": "9999-12-31"}, "is not within 3 years of today"),
    ({"decision": "no response", "position_summary": ""}, "no response needs a reason"),
    ({"ask-2-priority": "urgent"}, "must be one of: high, normal, low"),
    ({"ask-1-theme": "astrology"}, "no priority theme has id"),
])
async def test_a_bad_response_is_a_400_nothing_written_and_the_form_keeps_what_was_typed(ds, tracker_db, change,
                                                                                         says):
    cookies, token = await _csrf(ds)
    refused = await ds.client.post("/-/responses/save", cookies=cookies,
                                   data=_form(token, **{"ask-2-text": "TYPED-ASK kept", **change}))
    assert refused.status_code == 400
    assert says in refused.text
    if change.get("ask-2-text", "TYPED-ASK kept"):
        assert "TYPED-ASK kept" in refused.text  # the editor's typing is shown again, not lost
    assert _query(tracker_db, "select count(*) from responses") == [(0,)]
    assert _query(tracker_db, "select count(*) from asks") == [(0,)]
    assert _query(tracker_db, "select count(*) from audit_log") == [(0,)]


async def test_edit_reorder_remove_and_withdraw_keep_their_history(ds, tracker_db):
    cookies, token = await _log(ds, tracker_db)
    (first,), (second,) = _query(tracker_db, "select id from asks order by position")
    edit = _form(token, response_id="1", owner_team="Economic crime policy", **{
        "ask-1-id": str(first), "ask-1-position": "2", "ask-2-id": str(second), "ask-2-remove": "on",
        "ask-3-text": "Publish the impact assessment", "ask-3-position": "1"})
    assert (await ds.client.post("/-/responses/save", cookies=session_cookie(ds, "ada") | {
        "ds_csrftoken": cookies["ds_csrftoken"]}, data=edit)).status_code == 302
    assert _query(tracker_db, "select owner_team, created_by, updated_by from responses") == [
        ("Economic crime policy", "ed", "ada")]
    assert _query(tracker_db, "select position, text from asks order by position") == [
        (1, "Publish the impact assessment"), (2, ASK_TEXT)]
    withdrawn = await ds.client.post("/-/responses/withdraw", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:fraud", "response_id": "1", "reason": "Replaced by a joint response"})
    assert withdrawn.status_code == 302
    page = (await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)).text
    assert "Withdrawn by ed" in page and "Replaced by a joint response" in page
    for words in ("ada edited the response", "owner team: SEOC policy -&gt; Economic crime policy",
                  "ada removed an ask", "was: Fund disclosure work", "ed withdrew the response"):
        assert words in page, words
    # A withdrawn response cannot be changed any more; its form is gone and a direct post is refused.
    again = await ds.client.post("/-/responses/save", cookies=cookies, data=_form(token, response_id="1"))
    assert again.status_code == 400 and "can no longer be changed" in again.text


async def test_outcome_with_evidence_and_its_refusals(ds, tracker_db):
    cookies, token = await _log(ds, tracker_db)
    ask = _query(tracker_db, "select id from asks where position = 1")[0][0]
    base = {"csrftoken": token, "item_id": "govuk:fraud", "ask_id": str(ask), "outcome": "adopted",
            "evidence_item_id": "govuk:fraud-response", "evidence_passage": "TYPED passage not in the item"}
    for change, says in [({}, "is not in the text of govuk:fraud-response"),
                         ({"outcome": "won"}, "must be one of: pending, adopted"),
                         ({"evidence_item_id": "govuk:none"}, "no tracked item has id"),
                         ({"ask_id": "4242"}, "no ask has id 4242"),
                         ({"ask_id": "x"}, "must be a whole number")]:
        refused = await ds.client.post("/-/asks/outcome", cookies=cookies, data={**base, **change})
        assert refused.status_code == 400 and says in refused.text, (change, refused.text[:300])
    refused = await ds.client.post("/-/asks/outcome", cookies=cookies, data=base)
    assert "TYPED passage not in the item" in refused.text
    assert _query(tracker_db, "select outcome from asks where id = ?", [ask]) == [("pending",)]
    saved = await ds.client.post("/-/asks/outcome", cookies=cookies, data={**base, "evidence_passage": ANSWER})
    assert saved.status_code == 302
    assert _query(tracker_db, "select outcome, outcome_by, evidence_item_id from asks where id = ?", [ask]) == [
        ("adopted", "ed", "govuk:fraud-response")]
    page = (await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)).text
    assert "Outcome: adopted" in page and ANSWER in page


async def test_suggestions_are_accepted_with_an_outcome_or_dismissed(ds, tracker_db):
    cookies, token = await _log(ds, tracker_db)
    database = db_module.connect(tracker_db)
    for ask_id in (1, 2):
        database.execute("insert into ask_suggestions (ask_id, item_id, passage, rank, score, created_at) values "
                         "(?, 'govuk:fraud-response', ?, 1, 2.5, ?)", [ask_id, ANSWER, _ago(1)])
    database.conn.commit()
    database.close()
    page = (await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)).text
    assert page.count("Suggested passage from") == 2
    accept = {"csrftoken": token, "item_id": "govuk:fraud", "suggestion_id": "1", "decision": "accept"}
    refused = await ds.client.post("/-/suggestions/decide", cookies=cookies, data={**accept, "outcome": "pending"})
    assert refused.status_code == 400 and "choose what the passage shows" in refused.text
    assert (await ds.client.post("/-/suggestions/decide", cookies=cookies,
                                 data={**accept, "outcome": "partly adopted"})).status_code == 302
    assert (await ds.client.post("/-/suggestions/decide", cookies=cookies, data={
        **accept, "suggestion_id": "2", "decision": "dismiss"})).status_code == 302
    assert _query(tracker_db, "select id, state, decided_by from ask_suggestions order by id") == [
        (1, "accepted", "ed"), (2, "dismissed", "ed")]
    assert _query(tracker_db, "select outcome from asks order by id") == [("partly adopted",), ("pending",)]
    page = (await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)).text
    assert "Suggested passage from" not in page


async def test_the_scorecard_counts_what_happened(ds, tracker_db):
    cookies, token = await _log(ds, tracker_db)
    page = await ds.client.get("/-/scorecard", cookies=cookies)
    assert page.status_code == 200
    outcomes = (await ds.client.get("/tracker/scorecard_asks_by_outcome.json?_shape=array", cookies=cookies)).json()
    assert {row["outcome"]: row["asks"] for row in outcomes} == {
        "adopted": 0, "partly adopted": 0, "not adopted": 0, "overtaken": 0, "pending": 2}
    pending = (await ds.client.get("/tracker/scorecard_pending_asks.json?_shape=array", cookies=cookies)).json()
    assert [row["ask"] for row in pending] == [ASK_TEXT, "Fund disclosure work"]
    await ds.client.post("/-/asks/outcome", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:fraud", "ask_id": "1", "outcome": "adopted",
        "evidence_item_id": "govuk:fraud-response", "evidence_passage": ANSWER})
    outcomes = (await ds.client.get("/tracker/scorecard_asks_by_outcome.json?_shape=array", cookies=cookies)).json()
    assert {row["outcome"]: row["asks"] for row in outcomes}["adopted"] == 1
    median = (await ds.client.get("/tracker/scorecard_median_days.json?_shape=array", cookies=cookies)).json()
    # Submitted 410 days ago; the government's response (linked outcome_of) published 300 days ago.
    assert median == [{"answered_responses": 1, "median_days": 110.0}]
    share = (await ds.client.get("/tracker/scorecard_response_share.json?_shape=array", cookies=cookies)).json()
    assert [(row["relevant_closed"], row["responded"]) for row in share] == [(1, 1)]
    by_theme = (await ds.client.get("/tracker/scorecard_responses.json?_shape=array", cookies=cookies)).json()
    assert [(row["theme"], row["responses"], row["submitted"]) for row in by_theme] == [("Fraud", 1, 1)]
    csv = await ds.client.get("/tracker/scorecard_pending_asks.csv", cookies=cookies)
    assert csv.status_code == 200 and "Fund disclosure work" in csv.text and ASK_TEXT not in csv.text
    page = (await ds.client.get("/-/scorecard", cookies=cookies)).text
    assert "110.0" in page and "Fund disclosure work" in page


REGISTER_READS = ["/tracker/asks.json", "/tracker/asks.csv", "/tracker/asks", "/tracker/ask_suggestions.json",
                  "/tracker/ask_suggestions.csv", "/tracker.json?sql=select+text+from+asks",
                  "/tracker.json?sql=select+passage+from+ask_suggestions",
                  "/tracker/items.json?_where=id+in+(select+evidence_item_id+from+asks)",
                  *[f"/tracker/{name}.json" for name in ("scorecard_responses", "scorecard_asks_by_outcome",
                                                         "scorecard_response_share", "scorecard_median_days",
                                                         "scorecard_days_to_government_response",
                                                         "scorecard_pending_asks")],
                  "/tracker/scorecard_pending_asks.csv", "/tracker/scorecard_asks_by_outcome.atom", "/-/scorecard"]
REGISTER_WRITES = ["/-/responses/save", "/-/responses/withdraw", "/-/asks/outcome", "/-/suggestions/decide"]


@pytest.mark.parametrize("public_read", [False, True])
async def test_only_editors_and_admins_see_or_change_the_register_by_any_route(tracker_db, public_read):
    ds = build_datasette(tracker_db, config=config_mod.Config(public_read=public_read), users=USERS,
                         secret="test-secret")
    cookies, token = await _log(ds, tracker_db)
    database = db_module.connect(tracker_db)
    database.execute("insert into ask_suggestions (ask_id, item_id, passage, rank, score, created_at) values "
                     "(1, 'govuk:fraud-response', ?, 1, 2.5, ?)", [ANSWER, _ago(1)])
    database.conn.commit()
    database.close()
    token_for_feeds = feed_token(ds, "calendar")
    viewers = {"anonymous": {}, "reader": session_cookie(ds, "rita"), "editor": session_cookie(ds, "ed"),
               "admin": session_cookie(ds, "ada")}
    for path in REGISTER_READS:
        for viewer, viewer_cookies in viewers.items():
            response = await ds.client.get(path, cookies=viewer_cookies)
            if viewer in ("editor", "admin"):
                assert response.status_code == 200 or path.endswith(".atom"), (viewer, path, response.status_code)
            else:
                assert response.status_code in (302, 403), (viewer, path, response.status_code)
                assert ASK_TEXT not in response.text, (viewer, path)
        joiner = "&" if "?" in path else "?"
        by_token = await ds.client.get(f"{path}{joiner}_feed_token={token_for_feeds}")
        assert by_token.status_code in (302, 403), (path, by_token.status_code)
    # The reform page: the asks, outcomes and suggestions are the editors' only.
    for viewer, viewer_cookies in viewers.items():
        page = await ds.client.get("/-/dossier/govuk:fraud", cookies=viewer_cookies)
        if page.status_code != 200:
            assert viewer == "anonymous" and not public_read
            continue
        shown = ASK_TEXT in page.text and "Suggested passage from" in page.text
        assert shown == (viewer in ("editor", "admin")), viewer
    # Writes: nobody but editors and admins, and nothing changes.
    before = _query(tracker_db, "select count(*) from audit_log")
    for path in REGISTER_WRITES:
        for viewer in ("anonymous", "reader"):
            data = {"csrftoken": token, "item_id": "govuk:fraud", "response_id": "1", "ask_id": "1",
                    "suggestion_id": "1", "decision": "dismiss", "outcome": "pending", "reason": "r",
                    "owner_team": "x"}
            refused = await ds.client.post(path, cookies={**viewers[viewer],
                                                          "ds_csrftoken": cookies["ds_csrftoken"]}, data=data)
            assert refused.status_code in (302, 403), (viewer, path, refused.status_code)
    assert _query(tracker_db, "select count(*) from audit_log") == before


async def test_a_withdrawn_response_no_longer_counts_as_our_response(ds, tracker_db):
    database = db_module.connect(tracker_db)
    closes = (datetime.now(timezone.utc) + timedelta(days=10)).replace(microsecond=0).isoformat()
    database.execute("UPDATE items SET status = 'open', closes = ? WHERE id = 'govuk:fraud'", [closes])
    database.conn.commit()
    database.close()
    cookies, token = await _csrf(ds)
    assert (await ds.client.post("/-/responses/save", cookies=cookies, data=_form(
        token, status="drafting", submitted_on=""))).status_code == 302

    async def listed(query: str) -> list:
        response = await ds.client.get(f"/tracker/{query}.json?_shape=array", cookies=cookies)
        return [(row["id"], row.get("response_status")) for row in response.json()]

    assert await listed("open_without_response") == []
    assert await listed("closing_soon") == [("govuk:fraud", "drafting")]
    await ds.client.post("/-/responses/withdraw", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:fraud", "response_id": "1", "reason": "Logged on the wrong item"})
    assert await listed("open_without_response") == [("govuk:fraud", None)]
    assert await listed("closing_soon") == [("govuk:fraud", "no response logged")]


async def test_hostile_ask_text_is_cleaned_and_escaped(ds, tracker_db):
    cookies, token = await _csrf(ds)
    hostile = "<script>alert('ask')</script> Extend\u202e the\x1b offence"
    assert (await ds.client.post("/-/responses/save", cookies=cookies, data=_form(
        token, **{"ask-1-text": hostile, "ask-1-target": "Clause <b>4</b>\u2066"}))).status_code == 302
    assert _query(tracker_db, "select text, target from asks where position = 1") == [
        ("<script>alert('ask')</script> Extend the offence", "Clause <b>4</b>")]
    page = (await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)).text
    assert "<script>alert('ask')" not in page and "&lt;script&gt;alert(" in page
    assert "<b>4</b>" not in page
