"""The watchlist through Datasette's own client: follow from the reform page, the search page and the dashboard,
"my watchlist" is one's own, the tables are admins' only by every route, and the one-click unsubscribe link."""
from __future__ import annotations

import re

import pytest

from tracker import config as config_mod
from tracker.alerts import unsubscribe, watchlist
from tracker.store import db as db_module
from tracker.web.accounts import Accounts
from tracker.web.serve import build_datasette

from .helpers.auth import FAST_HASH, SECRET, USERS, session_cookie, staff_work_db


@pytest.fixture
def tracker_db(tmp_path):
    return staff_work_db(tmp_path / "tracker.db")


@pytest.fixture
def ds(tracker_db):
    accounts = Accounts(USERS, hashes={user: FAST_HASH for user in USERS})
    return build_datasette(tracker_db, config=config_mod.Config(), secret=SECRET, accounts=accounts)


def rows(path, sql: str) -> list[dict]:
    database = db_module.connect(path)
    try:
        return list(database.query(sql))
    finally:
        database.close()


async def form_on(ds, page: str, cookies: dict, form_id: str) -> tuple[dict, dict]:
    """(cookies with the CSRF cookie, the fields of form `form_id` on `page`) as a browser would send them."""
    response = await ds.client.get(page, cookies=cookies)
    assert response.status_code == 200, response.text[:300]
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', response.text, re.S)
    assert form, f"no form {form_id} on {page}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    fields = {k: v.replace("&amp;", "&").replace("&#39;", "'").replace("&#34;", '"') for k, v in fields.items()}
    csrf = response.cookies.get("ds_csrftoken") or ds.sign({}, "csrftoken")
    return {**cookies, "ds_csrftoken": csrf}, fields


async def test_a_reader_follows_a_reform_from_its_page_and_sees_it_on_their_watchlist_only(ds, tracker_db):
    rita = session_cookie(ds, "rita")
    cookies, fields = await form_on(ds, "/-/dossier/govuk:fraud", rita, "follow")
    # Naming someone else as owner is refused, nothing written: a person follows for themselves (or their teams).
    forged = await ds.client.post("/-/watch/follow", cookies=cookies, data={**fields, "owner": "ed"})
    assert forged.status_code == 400 and "not for ed" in forged.text and rows(tracker_db, "select * from watches") == []
    response = await ds.client.post("/-/watch/follow", cookies=cookies, data={**fields, "cadence": "daily"})
    assert response.status_code == 302 and response.headers["location"].startswith("/-/dossier/govuk:fraud?message=")
    assert [(r["owner"], r["what"], r["target"], r["cadence"]) for r in rows(tracker_db, "select * from watches")] == [
        ("rita", "reform", "govuk:fraud", "daily")]
    assert rows(tracker_db, "select actor, action from audit_log where table_name = 'watches'") == [
        {"actor": "rita", "action": "follow"}]
    mine = (await ds.client.get("/-/watchlist", cookies=rita)).text
    assert "reform &#34;Fraud and money laundering consultation&#34;" in mine and "Unfollow" in mine
    theirs = (await ds.client.get("/-/watchlist", cookies=session_cookie(ds, "ed"))).text
    assert "govuk:fraud" not in theirs and "You follow nothing yet" in theirs
    # ed cannot unfollow rita's watch; rita can.
    cookies_ed = {**session_cookie(ds, "ed"), "ds_csrftoken": ds.sign({}, "csrftoken")}
    refused = await ds.client.post("/-/watch/unfollow", cookies=cookies_ed, data={
        "watch_id": "1", "csrftoken": await _token(ds, cookies_ed)})
    assert refused.status_code == 400 and len(rows(tracker_db, "select * from watches")) == 1
    done = await ds.client.post("/-/watch/unfollow", cookies=cookies, data={
        "watch_id": "1", "csrftoken": fields["csrftoken"]})
    assert done.status_code == 302 and rows(tracker_db, "select * from watches") == []


async def _token(ds, cookies) -> str:
    page = await ds.client.get("/-/watchlist", cookies=cookies)
    return re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)


async def test_follow_from_the_dashboard_and_the_search_page(ds, tracker_db):
    rita = session_cookie(ds, "rita")
    cookies, fields = await form_on(ds, "/", rita, "follow-search")
    response = await ds.client.post("/-/watch/follow", cookies=cookies, data={**fields, "target": "money laundering"})
    assert response.status_code == 302
    cookies, fields = await form_on(ds, "/tracker/items?_search=failure+to+prevent&kind=consultation", rita,
                                    "follow-search")
    assert fields["target"] == "failure to prevent" and fields["kind"] == "consultation"
    response = await ds.client.post("/-/watch/follow", cookies=cookies, data=fields)
    assert response.status_code == 302
    assert [(r["target"], r["kind"]) for r in rows(tracker_db, "select * from watches order by id")] == [
        ("money laundering", None), ("failure to prevent", "consultation")]


@pytest.mark.parametrize("form, words", [
    ({"what": "search", "target": "fraud AND"}, "AND at the end needs a word"),
    ({"what": "search", "target": ""}, "say what to follow"),
    ({"what": "reform", "target": "govuk:no-such-thing"}, "no tracked reform"),
    ({"what": "theme", "target": "astrology"}, "no priority theme"),
])
async def test_bad_follows_are_a_400_and_write_nothing(ds, tracker_db, form, words):
    cookies = {**session_cookie(ds, "rita"), "ds_csrftoken": ds.sign({}, "csrftoken")}
    response = await ds.client.post("/-/watch/follow", cookies=cookies,
                                    data={**form, "csrftoken": await _token(ds, cookies)})
    assert response.status_code == 400 and words in response.text.replace("&#34;", '"').replace("&#39;", "'")
    assert rows(tracker_db, "select * from watches") == []


async def test_nobody_but_a_signed_in_person_has_a_watchlist(ds, tracker_db):
    anonymous = await ds.client.get("/-/watchlist")
    assert anonymous.status_code == 302 and anonymous.headers["location"].endswith("/-/login")
    cookies = {"ds_csrftoken": ds.sign({}, "csrftoken")}
    token = re.search(r'name="csrftoken" value="([^"]+)"', (await ds.client.get("/-/login", cookies=cookies)).text)
    posted = await ds.client.post("/-/watch/follow", cookies=cookies, data={"what": "search", "target": "fraud",
                                                                            "csrftoken": token.group(1)})
    assert posted.status_code == 302 and posted.headers["location"].endswith("/-/login")
    assert rows(tracker_db, "select * from watches") == []


@pytest.mark.parametrize("path", ["/tracker/watches", "/tracker/watches.json", "/tracker/watches.csv",
                                  "/tracker/alert_sends.json", "/tracker/alert_sends.csv",
                                  "/tracker.json?sql=select+*+from+watches"])
async def test_the_watch_tables_are_for_admins_only(ds, tracker_db, path):
    database = db_module.connect(tracker_db)
    watchlist.follow(database.conn, "rita", {"owner": "rita", "what": "search", "target": "WATCH-SECRET"})
    database["alert_sends"].insert({"owner": "rita", "address": "rita@example.org", "send_key": "k",
                                    "period_end": "2026-11-02T00:00:00+00:00", "watch_ids": "[1]",
                                    "changes": '["WATCH-SECRET"]', "status": "sent", "created": "now"})
    database.conn.commit()
    database.close()
    assert (await ds.client.get(path, cookies=session_cookie(ds, "rita"))).status_code == 403
    if "sql=" not in path:  # editors may run SQL (as for session_epochs and feed_tokens): see the report
        assert (await ds.client.get(path, cookies=session_cookie(ds, "ed"))).status_code == 403
    admin = await ds.client.get(path, cookies=session_cookie(ds, "ada"))
    assert admin.status_code == 200 and "WATCH-SECRET" in admin.text
    listing = (await ds.client.get("/tracker", cookies=session_cookie(ds, "rita"))).text
    assert "alert_sends" not in listing and "/tracker/watches" not in listing


async def test_one_click_unsubscribe_works_and_a_forged_link_does_not(ds, tracker_db):
    database = db_module.connect(tracker_db)
    watch_id = watchlist.follow(database.conn, "rita", {"owner": "rita", "what": "item", "target": "govuk:fraud"})
    created = watchlist.get(database.conn, watch_id).created
    database.close()
    good = unsubscribe.token(SECRET, "rita", [(watch_id, created)])
    forged = unsubscribe.token("x" * 64, "rita", [(watch_id, created)])
    for token in (forged, good[:-3] + "abc", ""):
        response = await ds.client.post(f"/-/unsubscribe?t={token}", data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400 and "nothing was changed" in response.text or "incomplete" in response.text
        assert len(rows(tracker_db, "select * from watches")) == 1
    page = await ds.client.get(f"/-/unsubscribe?t={good}")
    assert page.status_code == 200 and "Stop following: item govuk:fraud?" in page.text
    assert len(rows(tracker_db, "select * from watches")) == 1  # opening the link (a mail scanner) stops nothing
    # RFC 8058: the mail client POSTs with no login and no CSRF token.
    response = await ds.client.post(f"/-/unsubscribe?t={good}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You no longer follow: item govuk:fraud" in response.text
    assert rows(tracker_db, "select * from watches") == []
    again = await ds.client.post(f"/-/unsubscribe?t={good}", data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "already stopped" in again.text
    # The page's button, pressed in a browser that is logged in (so it sends cookies, but no CSRF token: the
    # signed link is the proof) works too.
    database = db_module.connect(tracker_db)
    watch_id = watchlist.follow(database.conn, "rita", {"owner": "rita", "what": "theme", "target": "fraud"})
    created = watchlist.get(database.conn, watch_id).created
    database.close()
    link = unsubscribe.token(SECRET, "rita", [(watch_id, created)])
    pressed = await ds.client.post(f"/-/unsubscribe?t={link}", cookies=session_cookie(ds, "rita"), data={})
    assert pressed.status_code == 200 and "You no longer follow: theme fraud" in pressed.text


async def test_each_watchlist_has_a_private_atom_feed(ds, tracker_db):
    from .helpers.auth import feed_token
    database = db_module.connect(tracker_db)
    watchlist.follow(database.conn, "rita", {"owner": "rita", "what": "item", "target": "govuk:fraud"},
                     now="2026-01-01T00:00:00+00:00")
    # The consultation's deadline is brought forward to 5 days from now: moved, and closing soon.
    from datetime import datetime, timedelta, timezone
    from tracker.store import items as store
    item = {k: v for k, v in database["items"].get("govuk:fraud").items() if k in (
        "id", "source", "kind", "title", "url", "status", "summary", "organisation")}
    closes = (datetime.now(timezone.utc) + timedelta(days=5)).date().isoformat()
    store.upsert_items(database, [{**item, "closes": closes}])
    database.close()
    page = (await ds.client.get("/-/watchlist", cookies=session_cookie(ds, "rita"))).text
    assert "deadline moved: <a" in page and "closing soon: <a" in page and "Fraud and money laundering" in page
    ritas = feed_token(ds, "rita-reader", owner="rita")
    feed = await ds.client.get(f"/-/watchlist.atom?_feed_token={ritas}")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert "<title>Closing soon: Fraud and money laundering consultation</title>" in feed.text
    assert 'because you follow item "Fraud and money laundering consultation"' in feed.text and "/-/dossier/govuk:fraud" in feed.text
    assert ritas not in feed.text
    # Another person's token reads their own (empty) list; a token for no one, a forged one, or none: refused.
    eds = await ds.client.get(f"/-/watchlist.atom?_feed_token={feed_token(ds, 'ed-reader', owner='ed')}")
    assert eds.status_code == 200 and "govuk:fraud" not in eds.text
    nobodys = feed_token(ds, "shared-calendar")
    forged = ds.sign({"t": 1, "n": "guess"}, "seoc-feed-token")
    for token in (nobodys, forged, ""):
        response = await ds.client.get(f"/-/watchlist.atom?_feed_token={token}")
        assert response.status_code == 403 and "govuk:fraud" not in response.text


async def test_team_members_follow_for_their_team_and_no_one_else_does(tracker_db):
    config = config_mod.Config(teams={"fraud": config_mod.Team("fraud", ("fraud",), ("rita",), "fraud@example.org")})
    accounts = Accounts(USERS, hashes={user: FAST_HASH for user in USERS})
    ds = build_datasette(tracker_db, config=config, secret=SECRET, accounts=accounts)
    rita = {**session_cookie(ds, "rita"), "ds_csrftoken": ds.sign({}, "csrftoken")}
    ed = {**session_cookie(ds, "ed"), "ds_csrftoken": ds.sign({}, "csrftoken")}
    followed = await ds.client.post("/-/watch/follow", cookies=rita, data={
        "owner": "team:fraud", "what": "theme", "target": "fraud", "csrftoken": await _token(ds, rita)})
    assert followed.status_code == 302
    refused = await ds.client.post("/-/watch/follow", cookies=ed, data={
        "owner": "team:fraud", "what": "theme", "target": "money_laundering", "csrftoken": await _token(ds, ed)})
    assert refused.status_code == 400 and "not for team:fraud" in refused.text
    assert [(r["owner"], r["target"]) for r in rows(tracker_db, "select * from watches")] == [("team:fraud", "fraud")]
    assert "theme Fraud" in (await ds.client.get("/-/watchlist", cookies=rita)).text
    assert "theme Fraud" not in (await ds.client.get("/-/watchlist", cookies=ed)).text
    gone = await ds.client.post("/-/watch/unfollow", cookies=ed, data={"watch_id": "1",
                                                                       "csrftoken": await _token(ds, ed)})
    assert gone.status_code == 400 and len(rows(tracker_db, "select * from watches")) == 1
    gone = await ds.client.post("/-/watch/unfollow", cookies=rita, data={"watch_id": "1",
                                                                         "csrftoken": await _token(ds, rita)})
    assert gone.status_code == 302 and rows(tracker_db, "select * from watches") == []


async def test_follow_an_organisation_from_an_items_page(ds, tracker_db):
    cookies, fields = await form_on(ds, "/-/dossier/govuk:fraud", session_cookie(ds, "rita"), "follow-organisation")
    assert (fields["what"], fields["target"]) == ("organisation", "Home Office")
    assert (await ds.client.post("/-/watch/follow", cookies=cookies, data=fields)).status_code == 302
    assert [(r["what"], r["target"]) for r in rows(tracker_db, "select * from watches")] == [
        ("organisation", "Home Office")]
