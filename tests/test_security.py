"""Issue 12, against Datasette's own client: the actor is re-derived on every request (demoted, removed,
logged-out and expired sessions refused), logins are limited and hashed off the event loop, metadata publishes
no accounts, anonymous readers see published data only, feed tokens expire and are revoked, ids out of range are
a 400 and staff text is cleaned. Socket-level behaviour (413, headers over a real server) is in
test_security_server.py; the commands (secret checks, revoke, file modes) in test_security_cli.py.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from datasette_auth_passwords.utils import hash_password as real_hash

from tracker.web import auth as auth_plugin

from tracker.store import feed_tokens

from tracker.store import sessions
from tracker import config as config_mod
from tracker.store import db as db_module
from tracker.web.accounts import Accounts, hash_env_name
from tracker.web.login_guard import ITERATIONS, LoginGuard
from tracker.web.serve import build_datasette

from .helpers.auth import FAST_HASH, PASSWORD, SECRET, USERS, actor, feed_token, session_cookie, staff_work_db

@pytest.fixture
def tracker_db(tmp_path):
    return staff_work_db(tmp_path / "tracker.db")


def build(path, *, users=USERS, config=None, **options):
    accounts = Accounts(users, hashes={user: FAST_HASH for user in users})
    return build_datasette(path, config=config or config_mod.Config(), secret=SECRET, accounts=accounts, **options)


@pytest.fixture
def ds(tracker_db):
    return build(tracker_db)


async def login(ds, user: str, password: str = PASSWORD, client=None) -> httpx.Response:
    """The real login form: GET for the CSRF token, POST with it."""
    client = client or ds.client
    page = await client.get("/-/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return await client.post("/-/login", cookies={"ds_csrftoken": page.cookies["ds_csrftoken"]},
                             data={"username": user, "password": password, "csrftoken": token})


async def logged_in(ds, user: str) -> dict:
    response = await login(ds, user)
    assert response.status_code == 302, response.text[:300]
    return {sessions.COOKIE: response.cookies[sessions.COOKIE]}


def count(path, sql: str) -> int:
    database = db_module.connect(path)
    try:
        return database.execute(sql).fetchone()[0]
    finally:
        database.close()


# --- 1. roles come from the current config, sessions end ------------------------------------------------------

def write_config(path, users: dict[str, str]) -> None:
    text = "".join(f'[users.{name}]\nrole = "{role}"\n' for name, role in users.items())
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))  # a visibly new version of the file


async def test_demoted_then_removed_in_the_config_file_is_refused_on_the_next_request(tracker_db, tmp_path,
                                                                                      monkeypatch):
    config_file = tmp_path / "seoc-tracker.toml"
    write_config(config_file, {"ada": "admin"})
    monkeypatch.setenv(hash_env_name("ada"), FAST_HASH)
    ds = build_datasette(tracker_db, config=config_mod.load(config_file), secret=SECRET)
    cookies = await logged_in(ds, "ada")
    assert (await ds.client.get("/tracker/responses.json", cookies=cookies)).status_code == 200

    write_config(config_file, {"ada": "reader"})  # the running server is not restarted
    assert (await ds.client.get("/tracker/responses.json", cookies=cookies)).status_code == 403
    assert (await ds.client.get("/tracker/items.json", cookies=cookies)).status_code == 200
    assert await actor(ds, cookies) == {"id": "ada", "roles": ["reader"]}

    write_config(config_file, {"someone-else": "admin"})
    assert (await ds.client.get("/tracker/items.json", cookies=cookies)).status_code == 403
    assert await actor(ds, cookies) is None

    config_file.write_text("[users.ada\nrole = ")  # a half-saved edit: nobody is logged in until it is fixed
    os.utime(config_file, ns=(time.time_ns() + 4_000_000_000,) * 2)
    assert await actor(ds, cookies) is None


async def test_a_restart_with_a_demoted_account_keeps_none_of_the_cookies_roles(tracker_db):
    cookies = await logged_in(build(tracker_db), "ada")
    restarted = build(tracker_db, users={"ada": "reader"})
    assert (await restarted.client.get("/tracker/responses.json", cookies=cookies)).status_code == 403
    assert await actor(restarted, cookies) == {"id": "ada", "roles": ["reader"]}


async def test_a_removed_demo_editor_can_no_longer_post_responses(tracker_db):
    demo_users = {**USERS, "demo-editor": "editor"}
    before = build(tracker_db, users=demo_users)
    cookies = await logged_in(before, "demo-editor")
    page = await before.client.get("/-/dossier/govuk:fraud", cookies=cookies)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    csrf = {"ds_csrftoken": page.cookies.get("ds_csrftoken") or before.sign({}, "csrftoken")}
    form = {"csrftoken": token, "item_id": "govuk:fraud", "decision": "respond", "status": "planned",
            "owner_team": "Fraud policy"}
    assert (await before.client.post("/-/responses/save", cookies={**cookies, **csrf}, data=form)).status_code == 302

    after = build(tracker_db, users=USERS)
    responses = count(tracker_db, "select count(*) from responses")
    refused = await after.client.post("/-/responses/save", cookies={**cookies, **csrf}, data=form)
    assert refused.status_code == 302 and refused.headers["location"] == "/-/login"
    assert count(tracker_db, "select count(*) from responses") == responses


async def test_logout_ends_the_session_on_the_server_even_for_a_copied_cookie(ds):
    cookies = await logged_in(ds, "ed")
    copied = dict(cookies)  # what another browser, or someone who copied the cookie, still holds
    page = await ds.client.get("/-/logout", cookies=cookies)
    assert page.status_code == 200 and "Log out" in page.text
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    out = await ds.client.post("/-/logout", cookies={**cookies, "ds_csrftoken": page.cookies["ds_csrftoken"]},
                               data={"csrftoken": token})
    assert out.status_code == 302
    assert re.search(r"ds_actor=(\"\"|;)", out.headers["set-cookie"])  # the browser's copy is cleared too
    assert (await ds.client.get("/tracker/responses.json", cookies=copied)).status_code == 403
    assert await actor(ds, copied) is None
    again = await logged_in(ds, "ed")  # a new login works
    assert (await ds.client.get("/tracker/responses.json", cookies=again)).status_code == 200


@pytest.mark.parametrize("hours_ago, hours, live", [(11, 12, True), (13, 12, False), (2, 1, False),
                                                    (0.5, 1, True), (-24, 12, False)])
async def test_sessions_expire(tracker_db, hours_ago, hours, live):
    ds = build(tracker_db, config=config_mod.Config(session_hours=hours))
    cookies = session_cookie(ds, "ed", issued=time.time() - hours_ago * 3600)
    expected = {"id": "ed", "roles": ["editor"]} if live else None
    assert await actor(ds, cookies) == expected


async def test_login_cookie_lasts_session_hours(tracker_db):
    ds = build(tracker_db, config=config_mod.Config(session_hours=3))
    response = await login(ds, "ed")
    assert "Max-Age=10800" in response.headers["set-cookie"]


@pytest.mark.parametrize("cookie_actor", [{"id": "mallory", "roles": ["admin"]}, {"id": "rita", "roles": ["admin"]},
                                          {"id": "ada", "roles": ["admin"]}])
async def test_a_cookie_in_datasettes_own_format_grants_nothing(ds, cookie_actor):
    """Finding 4's forged cookie and finding 1's stale ones: roles in a signed cookie are never read."""
    cookies = {"ds_actor": ds.sign({"a": cookie_actor}, "actor")}
    assert (await ds.client.get("/tracker/responses.json", cookies=cookies)).status_code == 403
    assert (await ds.client.get("/tracker/items.json", cookies=cookies)).status_code == 403
    assert await actor(ds, cookies) is None


async def test_roles_added_to_a_session_cookie_are_ignored(ds):
    forged = ds.sign({"u": "rita", "i": int(time.time()), "e": 0, "roles": ["admin"]}, sessions.NAMESPACE)
    assert await actor(ds, {"ds_actor": forged}) == {"id": "rita", "roles": ["reader"]}
    assert (await ds.client.get("/tracker/responses.json", cookies={"ds_actor": forged})).status_code == 403


async def test_an_instance_not_built_by_the_tracker_trusts_no_cookie(tracker_db):
    from datasette.app import Datasette
    plain = Datasette([str(tracker_db)], secret=SECRET)
    cookies = {"ds_actor": plain.sign({"a": {"id": "ada", "roles": ["admin"]}}, "actor")}
    assert await actor(plain, cookies) is None


async def test_a_malformed_basic_authorization_header_is_not_a_500(ds):
    response = await ds.client.get("/tracker/items.json", headers={"Authorization": "Basic %%%not-base64"})
    assert response.status_code == 403


# --- 2. logins: no anonymous hashing tool, hashes off the loop, limits, the same work for unknown names --------

@pytest.mark.parametrize("cookies_role", [None, "ada"])
async def test_password_tool_is_gone_outside_the_demo(ds, cookies_role):
    cookies = session_cookie(ds, cookies_role)
    assert (await ds.client.get("/-/password-tool", cookies=cookies)).status_code == 404
    assert (await ds.client.post("/-/password-tool", data={"password": "x" * 50})).status_code == 404


async def test_password_tool_in_the_demo_hashes_in_a_worker(tracker_db):
    demo = build(tracker_db, users={"demo-editor": "editor"}, demo=True)
    page = await demo.client.get("/-/password-tool")
    assert page.status_code == 200 and "Password tool" in page.text
    threads = []
    auth_plugin.state_of(demo).guard.hash_in_worker = _recording(auth_plugin.state_of(demo).guard.hash_in_worker,
                                                                 threads)
    hashed = await demo.client.post("/-/password-tool", data={"password": "demo"})
    assert "pbkdf2_sha256$" in hashed.text and threads


def _recording(method, calls):
    async def wrapper(*args):
        calls.append(args)
        return await method(*args)
    return wrapper


async def test_the_password_check_runs_off_the_event_loop(ds):
    entered, release = threading.Event(), threading.Event()
    loop_thread, checker_threads = threading.get_ident(), []

    def blocking_check(password, stored_hash):
        checker_threads.append(threading.get_ident())
        entered.set()
        release.wait(10)  # if this ran on the event loop, nothing else could be served meanwhile
        return False

    auth_plugin.state_of(ds).guard = LoginGuard(checker=blocking_check)
    attempt = asyncio.create_task(ds.client.post("/-/login", data={"username": "ed", "password": "guess"}))
    deadline = time.monotonic() + 10
    while not entered.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    robots = await ds.client.get("/robots.txt")
    served_while_hashing = not attempt.done()
    release.set()
    refused = await attempt
    assert robots.status_code == 200 and served_while_hashing
    assert checker_threads and checker_threads[0] != loop_thread
    assert "Invalid username or password" in refused.text


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_failed_logins_are_limited_per_account(ds):
    clock = Clock()
    auth_plugin.state_of(ds).guard = LoginGuard(clock=clock)
    for _ in range(5):
        failed = await login(ds, "ed", "wrong")
        assert failed.status_code == 200 and "Invalid username or password" in failed.text
    limited = await login(ds, "ed")  # even the right password, until the window has passed
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "Too many login attempts" in limited.text and sessions.COOKIE not in limited.cookies
    assert (await login(ds, "rita")).status_code == 302  # another account from the same address is fine
    clock.now += 61
    assert (await login(ds, "ed")).status_code == 302


async def test_failed_logins_are_limited_per_client_address(ds):
    auth_plugin.state_of(ds).guard = LoginGuard(clock=Clock(), checker=lambda password, stored: False)
    for n in range(10):
        assert (await login(ds, f"nobody-{n}", "guess")).status_code == 200
    assert (await login(ds, "nobody-new", "guess")).status_code == 429
    transport = httpx.ASGITransport(app=ds.app(), client=("10.0.0.2", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as elsewhere:
        assert (await login(ds, "nobody-new", "guess", client=elsewhere)).status_code == 200


async def test_logins_beyond_those_waiting_for_a_hash_are_turned_away_at_once(ds):
    """A storm from many addresses: past `max_waiting` logins in flight, the next is a 429 without hashing."""
    entered, release = threading.Event(), threading.Event()

    def blocking_check(password, stored_hash):
        entered.set()
        release.wait(10)
        return False

    auth_plugin.state_of(ds).guard = LoginGuard(checker=blocking_check, max_waiting=1)
    first = asyncio.create_task(ds.client.post("/-/login", data={"username": "a", "password": "x"}))
    deadline = time.monotonic() + 10
    while not entered.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    transport = httpx.ASGITransport(app=ds.app(), client=("10.0.0.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as elsewhere:
        second = await elsewhere.post("/-/login", data={"username": "b", "password": "x"})
    release.set()
    assert (await first).status_code == 200
    assert second.status_code == 429 and second.headers["retry-after"] == "5"


async def test_an_unknown_name_costs_the_same_hash_as_a_real_one(tracker_db, monkeypatch):
    real = real_hash(PASSWORD)  # datasette-auth-passwords' default rounds, as `user add` prints
    ds = build_datasette(tracker_db, config=config_mod.Config(), secret=SECRET,
                         accounts=Accounts(USERS, hashes={"ed": real, "rita": "not-a-hash"}))
    rounds = []
    original = hashlib.pbkdf2_hmac

    def counting(name, password, salt, iterations, *args):
        rounds.append(iterations)
        return original(name, password, salt, iterations, *args)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    for user in ("ed", "no-such-user", "rita"):  # wrong password, unknown name, malformed stored hash
        rounds.clear()
        response = await login(ds, user, "wrong password")
        assert response.status_code == 200 and "Invalid username or password" in response.text
        assert rounds == [ITERATIONS], user
    assert ITERATIONS == int(real.split("$")[1])


# --- 7. feed tokens ------------------------------------------------------------------------------------------

async def test_feed_tokens_expire_are_revoked_one_at_a_time_and_die_with_their_owner(tracker_db):
    ds = build(tracker_db)
    path = "/tracker/deadline_calendar.ics?_feed_token="
    outlook, phone = feed_token(ds, "outlook"), feed_token(ds, "phone", owner="rita")
    old = feed_token(ds, "old", now=datetime.now(timezone.utc) - timedelta(days=2), days=1)
    assert (await ds.client.get(path + outlook)).status_code == 200
    assert (await ds.client.get(path + phone)).status_code == 200
    assert (await ds.client.get(path + old)).status_code == 403  # expired yesterday

    database = db_module.connect(tracker_db)
    feed_tokens.revoke(database.conn, "outlook")
    database.close()
    assert (await ds.client.get(path + outlook)).status_code == 403
    assert (await ds.client.get(path + phone)).status_code == 200  # only the one named

    replacement = feed_token(ds, "phone", owner="rita")  # a new token of the same name replaces the old one
    assert (await ds.client.get(path + phone)).status_code == 403
    assert (await ds.client.get(path + replacement)).status_code == 200
    without_rita = build(tracker_db, users={"ed": "editor"})
    assert (await without_rita.client.get(path + replacement)).status_code == 403


async def test_a_feed_token_reads_feeds_only_and_is_never_echoed(ds):
    token = feed_token(ds, "reader-app")
    for feed in ("/tracker/new_relevant_items.atom", "/tracker/deadline_calendar.ics"):
        response = await ds.client.get(f"{feed}?_feed_token={token}&_x=1")
        assert response.status_code == 200, feed
        assert token not in response.text and "_feed_token" not in response.text, feed
    atom = (await ds.client.get(f"/tracker/new_relevant_items.atom?_feed_token={token}")).text
    assert "<id>http://localhost/tracker/new_relevant_items.atom</id>" in atom
    assert (await ds.client.get(f"/tracker/items.json?_feed_token={token}")).status_code == 403
    assert (await ds.client.get(f"/tracker/closing_soon.ics?_feed_token={token}")).status_code == 403
    forged = ds.sign({"t": 1, "n": "guess"}, feed_tokens.NAMESPACE)
    assert (await ds.client.get(f"/tracker/deadline_calendar.ics?_feed_token={forged}")).status_code == 403


# --- 8. metadata and anonymous reading -----------------------------------------------------------------------

ACCOUNTS = {"zelda-reader": "reader", "yorick-editor": "editor", "xavier-admin": "admin"}


@pytest.mark.parametrize("public_read", [False, True])
async def test_no_account_name_or_role_is_published(tracker_db, public_read):
    ds = build(tracker_db, users=ACCOUNTS, config=config_mod.Config(public_read=public_read))
    viewers = [("zelda-reader", session_cookie(ds, "zelda-reader")),
               ("xavier-admin", session_cookie(ds, "xavier-admin"))] + ([(None, {})] if public_read else [])
    for viewer, cookies in viewers:
        for path in ["/-/metadata.json", "/-/plugins.json?all=1", "/-/settings.json", "/-/config.json",
                     "/-/versions.json", "/tracker.json", "/-/metadata"]:
            response = await ds.client.get(path, cookies=cookies, follow_redirects=True)
            assert response.status_code == 200, (path, cookies)
            # (An HTML page names the viewer in its menu: their own name, nobody else's.)
            others = [name for name in ACCOUNTS if name != viewer]
            # Role names do appear, in the allow blocks; which account holds which role does not.
            for secret in [*others, "password_hash", "SEOC_PASSWORD_HASH", '"actors"']:
                assert secret not in response.text, (path, secret)
        for path in ["/-/threads.json", "/-/databases.json", "/-/databases"]:
            assert (await ds.client.get(path, cookies=cookies)).status_code == 404, path


STAFF_TABLES = ["triage", "briefings", "job_runs", "audit_log", "responses", "links", "item_priorities",
                "link_scans", "session_epochs", "feed_tokens", "relevance_overrides", "needs_review",
                "asks", "ask_suggestions", "scorecard_asks_by_outcome", "scorecard_pending_asks",
                "commitments", "commitments_by_theme", "commitments_overdue", "briefing_watch",
                "our_calendar"]


async def test_anonymous_readers_see_published_data_only(tracker_db):
    ds = build(tracker_db, config=config_mod.Config(public_read=True))
    for table in STAFF_TABLES:
        response = await ds.client.get(f"/tracker/{table}.json")
        assert response.status_code == 403, table
    for path in ["/tracker/items.json", "/tracker/priorities.json", "/tracker/items_by_theme.json?theme=fraud",
                 "/tracker/deadlines.json", "/tracker/new_relevant_items.atom"]:
        assert (await ds.client.get(path)).status_code == 200, path
    assert (await ds.client.get("/tracker.json?sql=select+note+from+triage")).status_code == 403
    # Nor by filtering published tables through staff ones (reviewer names guessed one by one).
    through = '{"table": "item_priorities", "column": "reviewer", "value": "reviewer-ed"}'
    assert (await ds.client.get(f"/tracker/items.json?_through={through}")).status_code == 403
    assert (await ds.client.get("/tracker/items.json?_where=id+in+(select+item_id+from+triage)")).status_code == 403
    public = (await ds.client.get("/-/dossier/govuk:fraud")).text
    staff = (await ds.client.get("/-/dossier/govuk:fraud", cookies=session_cookie(ds, "rita"))).text
    for marker in ("TRIAGE-NOTE", "REVIEW-NOTE", "reviewer-ed", "SECRET-POSITION", "THEME-REASON",
                   "RELEVANCE-REASON"):
        assert marker not in public, marker
    # The published decisions stay: review states, a theme a reviewer added, an item marked relevant.
    assert "confirmed" in public and "Bribery and corruption" in public
    assert "marked relevant by a reviewer" in public
    for marker in ("TRIAGE-NOTE", "REVIEW-NOTE", "reviewer-ed", "THEME-REASON", "RELEVANCE-REASON"):
        assert marker in staff, marker
    index = (await ds.client.get("/tracker")).text
    assert "briefings" not in index and "triage" not in index


async def test_token_and_session_tables_are_for_admins(ds):
    for table in ("session_epochs", "feed_tokens"):
        assert (await ds.client.get(f"/tracker/{table}.json", cookies=session_cookie(ds, "ed"))).status_code == 403
        assert (await ds.client.get(f"/tracker/{table}.json", cookies=session_cookie(ds, "ada"))).status_code == 200


# --- 9. ids out of range, staff text cleaned -----------------------------------------------------------------

async def _csrf(ds, cookies):
    page = await ds.client.get("/-/dossier/govuk:fraud", cookies=cookies)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return {**cookies, "ds_csrftoken": page.cookies.get("ds_csrftoken") or ds.sign({}, "csrftoken")}, token


@pytest.mark.parametrize("bad_id", [str(2**63), str(2**64 + 5), "-1", "0", "1e3", "\u0661", "9" * 40, "12abc"])
async def test_ids_out_of_range_are_a_400_with_a_message(ds, tracker_db, bad_id):
    cookies, token = await _csrf(ds, session_cookie(ds, "ed"))
    audit = count(tracker_db, "select count(*) from audit_log")
    saved = await ds.client.post("/-/responses/save", cookies=cookies, data={
        "csrftoken": token, "response_id": bad_id, "item_id": "govuk:fraud", "decision": "respond",
        "status": "planned"})
    assert saved.status_code == 400 and "must be a whole number from 1 to 9223372036854775807" in saved.text
    reviewed = await ds.client.post("/-/review", cookies=cookies, data={
        "csrftoken": token, "what": "tag", "id": bad_id, "state": "rejected", "item_id": "govuk:fraud"})
    assert reviewed.status_code == 400 and "must be a whole number" in reviewed.text
    assert count(tracker_db, "select count(*) from audit_log") == audit


async def test_largest_id_is_a_clear_not_found(ds):
    cookies, token = await _csrf(ds, session_cookie(ds, "ed"))
    saved = await ds.client.post("/-/responses/save", cookies=cookies, data={
        "csrftoken": token, "response_id": str(2**63 - 1), "item_id": "govuk:fraud", "decision": "respond",
        "status": "planned", "owner_team": "Fraud policy"})
    assert saved.status_code == 400 and "no response has id 9223372036854775807" in saved.text


HOSTILE_NOTE = "First line\nSecond \u202eline\u2066 with \x1b[31mescape\x07 and \u202aembedding\u202c"
CLEAN_NOTE = "First line\nSecond line with [31mescape and embedding"


async def test_staff_text_is_cleaned_like_scraped_text_newlines_kept(ds, tracker_db):
    cookies, token = await _csrf(ds, session_cookie(ds, "ed"))
    saved = await ds.client.post("/-/responses/save", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:fraud", "decision": "respond", "status": "planned",
        "position_summary": HOSTILE_NOTE, "key_asks": HOSTILE_NOTE, "owner_team": "Fraud\u202e team"})
    assert saved.status_code == 302
    tag = count(tracker_db, "select id from item_priorities where item_id = 'govuk:fraud'")
    await ds.client.post("/-/review", cookies=cookies, data={"csrftoken": token, "what": "tag", "id": str(tag),
                                                             "state": "confirmed", "note": HOSTILE_NOTE,
                                                             "item_id": "govuk:fraud"})
    await ds.client.post("/-/triage", cookies=cookies, data={"csrftoken": token, "item_id": "govuk:fraud",
                                                             "state": "watching", "note": HOSTILE_NOTE})
    database = db_module.connect(tracker_db)
    try:
        row = database.execute("select position_summary, key_asks, owner_team from responses "
                               "order by id desc limit 1").fetchone()
        review = database.execute("select review_note from item_priorities where id = ?", [tag]).fetchone()[0]
        triage = database.execute("select note from triage where item_id = 'govuk:fraud'").fetchone()[0]
        audit = database.execute("select after from audit_log where action = 'insert' order by id desc").fetchone()
    finally:
        database.close()
    assert row == (CLEAN_NOTE, CLEAN_NOTE, "Fraud team")
    assert review == CLEAN_NOTE and triage == CLEAN_NOTE
    assert json.loads(audit[0])["position_summary"] == CLEAN_NOTE


# --- bodies that cannot be read are a 4xx, never a 500 -------------------------------------------------------

async def test_an_oversized_post_is_a_413_and_nothing_is_written(ds, tracker_db):
    cookies, token = await _csrf(ds, session_cookie(ds, "ed"))
    responses = count(tracker_db, "select count(*) from responses")
    big = await ds.client.post("/-/responses/save", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:fraud", "decision": "respond", "status": "planned",
        "position_summary": "x" * 200_000})
    assert big.status_code == 413 and "limit is 128 KiB" in big.text
    assert count(tracker_db, "select count(*) from responses") == responses
    assert (await ds.client.post("/-/login", content=b"u" * 200_000)).status_code == 413


@pytest.mark.parametrize("headers, body", [
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"username=\xff\xfe&password=x"),
    ({"Content-Type": "multipart/form-data"}, b"--x\r\n"),
    ({"Content-Length": "12x"}, b""),
])
async def test_unreadable_bodies_are_a_400(ds, headers, body):
    response = await ds.client.post("/-/login", content=body, headers=headers,
                                    cookies={"ds_csrftoken": ds.sign("x", "csrftoken")})
    assert response.status_code == 400, response.text[:200]
