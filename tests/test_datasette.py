"""Datasette publishing: permissions by role on every route, forms, CSRF, escaping, feeds, saved queries."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from tracker.contract import ItemLink, TrackedItem
from tracker import config as config_mod
from tracker.web import cells, dashboard
from tracker.web import metadata
from tracker.store import register
from tracker.store import items as store
from tracker.store import calendar
from tracker.classify import tagging
from tracker.store import db as db_module
from tracker.web.serve import build_datasette, hash_env_name, hash_password

from .helpers.auth import feed_token, session_cookie

HOSTILE = "<script>alert('x')</script> \"quoted\" Fraud & money laundering consultation"
USERS = {"rita": "reader", "ed": "editor", "ada": "admin"}
ROLES = {"anonymous": None, "reader": "rita", "editor": "ed", "admin": "ada"}


def _soon(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture
def tracker_db(tmp_path):
    path = tmp_path / "tracker.db"
    database = db_module.connect(path)
    store.upsert_items(database, [
        TrackedItem(id="govuk:hostile", source="govuk", kind="consultation", title=HOSTILE,
                    url="https://www.gov.uk/government/consultations/hostile",
                    summary="Consultation on fraud, money laundering and failure to prevent fraud offences <b>bold</b>",
                    status="open", opens=_soon(-3), closes=_soon(10), organisation="Home Office"),
        TrackedItem(id="govuk:quiet", source="govuk", kind="consultation", title="Proceeds of crime confiscation reform",
                    url="https://www.gov.uk/government/consultations/confiscation", status="open", closes=_soon(20),
                    summary="Reforming confiscation orders under the Proceeds of Crime Act 2002"),
        TrackedItem(id="legislation:ukpga/2023/56", source="legislation", kind="act",
                    title="Economic Crime and Corporate Transparency Act 2023",
                    url="https://www.legislation.gov.uk/ukpga/2023/56",
                    summary="An Act to make provision about economic crime, money laundering and fraud",
                    published="2023-10-26"),
        TrackedItem(id="legislation:uksi/2023/1206", source="legislation", kind="commencement_order",
                    title="The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 1) Regulations 2023",
                    url="https://www.legislation.gov.uk/uksi/2023/1206", published="2023-11-07",
                    details={"commences": [{"provision": "section 196", "date": "2023-12-26"}]},
                    links=[ItemLink("legislation:ukpga/2023/56", "commences", "title")]),
    ])
    tagging.classify_stored(database)
    # A tag a reviewer rejected must stay rejected; make sure the hostile item is relevant for the pages.
    database.execute("INSERT OR IGNORE INTO item_priorities (item_id, priority_id, score, evidence, method, version, "
                     "review_state, created, updated) VALUES ('govuk:hostile', 'fraud', 0.9, '[]', 'm', 'v', "
                     "'confirmed', 'now', 'now')")
    register.refresh_relevance(database.conn, "govuk:hostile")
    calendar.sync(database.conn)  # as the linking pass after each crawl does (the calendar feed reads it)
    database.conn.commit()
    register.save_response(database.conn, "ed", register.validate_response(
        {"item_id": "govuk:quiet", "decision": "respond", "status": "drafting", "owner_team": "SEOC policy",
         "position_summary": "SECRET-POSITION we support reform"}))
    database.close()
    return path


@pytest.fixture
def ds(tracker_db):
    return build_datasette(tracker_db, config=config_mod.Config(), users=USERS, secret="test-secret")


def cookies_for(ds, role: str) -> dict:
    return session_cookie(ds, ROLES[role])


async def get(ds, path, role):
    return await ds.client.get(path, cookies=cookies_for(ds, role))


REGISTER_ROUTES = [
    "/tracker/responses", "/tracker/responses.json", "/tracker/responses.csv", "/tracker/responses/1",
    "/tracker/audit_log", "/tracker/audit_log.json",
    "/tracker.json?sql=select+position_summary+from+responses",
    "/tracker/closing_soon", "/tracker/closing_soon.json", "/tracker/closing_soon.csv",
    "/tracker/open_without_response.json",
    "/tracker/our_submissions_not_in_register.json", "/tracker/our_submissions_not_in_register.csv",
]


@pytest.mark.parametrize("role", ["anonymous", "reader", "editor", "admin"])
@pytest.mark.parametrize("path", REGISTER_ROUTES)
async def test_response_register_only_for_editors(ds, role, path):
    response = await get(ds, path, role)
    if role in ("editor", "admin"):
        assert response.status_code == 200, path
    else:
        refused = 302 if role == "anonymous" and not path.split("?")[0].endswith((".json", ".csv")) else 403
        assert response.status_code == refused, (role, path)
        assert "SECRET-POSITION" not in response.text


@pytest.mark.parametrize("role", ["anonymous", "reader", "editor"])
@pytest.mark.parametrize("path", ["/", "/tracker", "/tracker/items", "/tracker/items.json", "/tracker/deadlines",
                                  "/-/dossier/govuk:quiet", "/tracker/new_relevant_items.atom",
                                  "/tracker/deadline_calendar.ics"])
async def test_public_data_needs_login_by_default(ds, role, path):
    response = await get(ds, path, role)
    if role == "anonymous":
        # People are sent to the login page; machines (feeds, JSON) get a plain 403.
        machine = path.endswith((".json", ".atom", ".ics"))
        assert response.status_code == (403 if machine else 302), path
        if not machine:
            assert response.headers["location"] == "/-/login"
    else:
        assert response.status_code == 200, (role, path)
    assert "SECRET-POSITION" not in response.text or role == "editor"


async def test_readers_never_see_responses_anywhere(ds):
    for path in ["/-/dossier/govuk:quiet", "/tracker/items/govuk~3Aquiet", "/tracker/deadlines.json",
                 "/tracker/new_relevant_items.atom", "/tracker/deadline_calendar.ics", "/"]:
        response = await get(ds, path, "reader")
        assert response.status_code == 200
        assert "SECRET-POSITION" not in response.text, path
    editor = await get(ds, "/-/dossier/govuk:quiet", "editor")
    assert "SECRET-POSITION" in editor.text


async def test_anonymous_read_is_a_setting(tracker_db):
    public = build_datasette(tracker_db, config=config_mod.Config(public_read=True), users=USERS, secret="s")
    assert (await public.client.get("/tracker/items.json")).status_code == 200
    assert (await public.client.get("/tracker/responses.json")).status_code == 403
    assert (await public.client.get("/tracker.json?sql=select+1")).status_code == 403


async def test_database_download_is_off(ds):
    assert (await get(ds, "/tracker.db", "admin")).status_code in (403, 404)


@pytest.mark.parametrize("query", sorted(metadata.QUERIES_SQL))
async def test_every_saved_query_runs(ds, query):
    suffix = "?theme=fraud" if query == "items_by_theme" else ""
    response = await get(ds, f"/tracker/{query}.json{suffix}{'&' if suffix else '?'}_shape=array", "editor")
    assert response.status_code == 200, response.text[:300]
    assert isinstance(response.json(), list)


async def test_closing_soon_lists_unanswered_first(ds):
    rows = (await get(ds, "/tracker/closing_soon.json?_shape=array", "editor")).json()
    assert [r["id"] for r in rows] == ["govuk:hostile", "govuk:quiet"]
    assert [r["response_status"] for r in rows] == ["no response logged", "drafting"]
    assert rows[0]["days_left"] in (9, 10)


async def test_hostile_title_escaped_on_pages_and_feeds(ds):
    for path in ["/", "/tracker/items", "/tracker/items/govuk~3Ahostile", "/-/dossier/govuk:hostile",
                 "/tracker/deadlines", "/tracker/closing_soon", "/tracker/new_relevant_items.atom",
                 "/tracker/deadline_calendar.ics", "/tracker/needs_review"]:
        response = await get(ds, path, "editor")
        assert response.status_code == 200, path
        assert "<script>alert(" not in response.text, path
    dossier = await get(ds, "/-/dossier/govuk:hostile", "editor")
    assert "&lt;script&gt;alert(" in dossier.text


async def _csrf(ds, role):
    cookies = cookies_for(ds, role)
    page = await ds.client.get("/-/dossier/govuk:hostile", cookies=cookies)
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    return {**cookies, "ds_csrftoken": page.cookies.get("ds_csrftoken") or ds.sign({}, "csrftoken")}, token


def _rows(tracker_db, sql):
    database = db_module.connect(tracker_db)
    try:
        return list(database.query(sql))
    finally:
        database.close()


async def test_editor_logs_a_response_with_audit(ds, tracker_db):
    cookies, token = await _csrf(ds, "editor")
    response = await ds.client.post("/-/responses/save", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:hostile", "decision": "joint response", "status": "planned",
        "owner_team": "Fraud policy", "internal_deadline": "2026-12-20", "position_summary": "Support"})
    assert response.status_code == 302, response.text[:500]
    saved = _rows(tracker_db, "select * from responses where item_id = 'govuk:hostile'")
    assert [(r["decision"], r["created_by"], r["internal_deadline"]) for r in saved] == [
        ("joint response", "ed", "2026-12-20")]
    audit = _rows(tracker_db, "select actor, action, table_name, before, after from audit_log order by id")
    assert audit[-1]["actor"] == "ed" and audit[-1]["action"] == "insert" and audit[-1]["before"] is None
    assert json.loads(audit[-1]["after"])["owner_team"] == "Fraud policy"


@pytest.mark.parametrize("change, field", [
    ({"item_id": "govuk:nope"}, "no tracked item"),
    ({"internal_deadline": "31/12/2026"}, "is not a date"),
    ({"decision": "ignore it"}, "must be one of"),
    ({"position_summary": "x" * 6000}, "the limit is 5000"),
    ({"document_url": "javascript:alert(1)"}, "must be an http"),
])
async def test_invalid_form_refused_and_nothing_written(ds, tracker_db, change, field):
    before = _rows(tracker_db, "select count(*) as n from responses")[0]["n"]
    cookies, token = await _csrf(ds, "editor")
    form = {"csrftoken": token, "item_id": "govuk:hostile", "decision": "respond", "status": "planned",
            "owner_team": "Fraud policy", **change}  # filled in: a blank form is refused before the rest
    response = await ds.client.post("/-/responses/save", cookies=cookies, data=form)
    assert response.status_code == 400
    assert field in response.text
    assert _rows(tracker_db, "select count(*) as n from responses")[0]["n"] == before


async def test_post_without_csrf_token_refused(ds, tracker_db):
    response = await ds.client.post("/-/responses/save", cookies={**cookies_for(ds, "editor"), "ds_csrftoken": "x"},
                                    data={"item_id": "govuk:hostile", "decision": "respond", "status": "planned"})
    assert response.status_code == 403
    assert _rows(tracker_db, "select count(*) as n from responses where item_id = 'govuk:hostile'")[0]["n"] == 0


@pytest.mark.parametrize("role", ["anonymous", "reader"])
async def test_readers_cannot_write(ds, tracker_db, role):
    cookies, token = await _csrf(ds, "editor")
    cookies = {k: v for k, v in cookies.items() if k != "ds_actor"} | cookies_for(ds, role)
    for path, data in [("/-/responses/save", {"item_id": "govuk:hostile", "decision": "respond", "status": "planned"}),
                       ("/-/triage", {"item_id": "govuk:hostile", "state": "action"}),
                       ("/-/review", {"what": "tag", "id": "1", "state": "rejected", "item_id": "govuk:hostile"}),
                       ("/-/themes/add", {"item_id": "govuk:hostile", "priority_id": "drugs", "reason": "r"}),
                       ("/-/relevance", {"item_id": "govuk:hostile", "relevant": "not relevant", "reason": "r"})]:
        response = await ds.client.post(path, cookies=cookies, data={"csrftoken": token, **data})
        if role == "anonymous":
            # A person who is not logged in is sent to the login page.
            assert (response.status_code, response.headers.get("location")) == (302, "/-/login"), path
        else:
            # A logged-in reader is refused for being a reader, not sent to log in again.
            assert response.status_code == 403 and "location" not in response.headers, path
            assert "Only editors and admins can change the register" in response.text, path
    assert _rows(tracker_db, "select count(*) as n from audit_log")[0]["n"] == 1
    assert _rows(tracker_db, "select count(*) as n from relevance_overrides")[0]["n"] == 0
    assert _rows(tracker_db, "select count(*) as n from item_priorities where priority_id = 'drugs'")[0]["n"] == 0


async def test_review_and_triage_are_audited_and_survive_reclassification(ds, tracker_db):
    cookies, token = await _csrf(ds, "editor")
    tag = _rows(tracker_db, "select id, priority_id from item_priorities where item_id = 'govuk:quiet'")[0]
    response = await ds.client.post("/-/review", cookies=cookies, data={
        "csrftoken": token, "what": "tag", "id": str(tag["id"]), "state": "rejected", "note": "not ours",
        "item_id": "govuk:quiet"})
    assert response.status_code == 302
    await ds.client.post("/-/triage", cookies=cookies, data={"csrftoken": token, "item_id": "govuk:quiet",
                                                             "state": "watching"})
    database = db_module.connect(tracker_db)
    tagging.classify_stored(database, everything=True)
    database.close()
    state = _rows(tracker_db, f"select review_state, reviewer from item_priorities where id = {tag['id']}")[0]
    assert state == {"review_state": "rejected", "reviewer": "ed"}
    actions = [r["action"] for r in _rows(tracker_db, "select action from audit_log order by id")]
    assert actions[-2:] == ["review", "triage"]


async def test_audit_log_cannot_be_edited(tracker_db):
    with pytest.raises(Exception, match="append-only"):
        _rows(tracker_db, "delete from audit_log returning id")


async def test_feed_token_lets_calendar_clients_read_feeds_only(ds):
    token = feed_token(ds, "outlook")
    ics = await ds.client.get(f"/tracker/deadline_calendar.ics?_feed_token={token}")
    assert ics.status_code == 200 and "BEGIN:VCALENDAR" in ics.text
    assert "Closes: Proceeds of crime confiscation reform" in ics.text
    assert "In force: section 196" in ics.text
    assert (await ds.client.get(f"/tracker/items.json?_feed_token={token}")).status_code == 403
    assert (await ds.client.get(f"/tracker/closing_soon.ics?_feed_token={token}")).status_code == 403
    assert (await ds.client.get("/tracker/deadline_calendar.ics?_feed_token=forged")).status_code == 403


async def test_robots_blocked(ds):
    response = await ds.client.get("/robots.txt")
    assert response.text == "User-agent: *\nDisallow: /\n"
    assert (await get(ds, "/tracker/items", "reader")).headers["x-robots-tag"] == "noindex, nofollow"


async def test_dossier_shows_linked_reform_timeline(ds):
    page = await get(ds, "/-/dossier/legislation:ukpga/2023/56", "reader")
    assert page.status_code == 200
    assert "The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 1) Regulations 2023" in page.text
    assert "commences this" in page.text
    assert (await get(ds, "/-/dossier/nothing:here", "reader")).status_code == 404


async def test_real_login_flow(tracker_db, monkeypatch):
    monkeypatch.setenv(hash_env_name("ed"), hash_password("correct horse"))
    ds = build_datasette(tracker_db, config=config_mod.Config(), users={"ed": "editor"}, secret="s")
    page = await ds.client.get("/-/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    cookies = {"ds_csrftoken": page.cookies["ds_csrftoken"]}
    bad = await ds.client.post("/-/login", cookies=cookies, data={"username": "ed", "password": "wrong", "csrftoken": token})
    assert "ds_actor" not in bad.cookies
    good = await ds.client.post("/-/login", cookies=cookies, data={"username": "ed", "password": "correct horse",
                                                                   "csrftoken": token})
    assert good.status_code == 302
    actor_cookie = good.cookies["ds_actor"]
    assert (await ds.client.get("/tracker/responses.json", cookies={"ds_actor": actor_cookie})).status_code == 200


def test_committed_metadata_is_generated():
    assert metadata.METADATA_FILE.read_text(encoding="utf-8") == metadata.render_file()


@pytest.mark.parametrize("path", ["/-/dossier/legislation:ukpga/2023/56", "/-/dossier/legislation%3Aukpga%2F2023%2F56",
                                  "/-/dossier/legislation~3Aukpga~2F2023~2F56"])
async def test_dossier_urls_in_every_encoding(ds, path):
    response = await ds.client.get(path, cookies=cookies_for(ds, "reader"), follow_redirects=True)
    assert response.status_code == 200
    assert "Economic Crime and Corporate Transparency Act 2023" in response.text


async def test_search_skips_default_facets_but_facets_on_request(ds):
    plain = (await get(ds, "/tracker/items.json?_search=fraud", "reader")).json()
    assert plain["facet_results"] == {}
    assert {r[0] for r in plain["rows"]} >= {"govuk:hostile"}
    asked = (await get(ds, "/tracker/items.json?_search=fraud&_facet=kind", "reader")).json()
    assert "kind" in asked["facet_results"]
    browse = (await get(ds, "/tracker/items.json", "reader")).json()
    assert {"source", "kind", "status"} <= set(browse["facet_results"])


def test_dashboard_names_themes_as_the_taxonomy_does(tracker_db):
    database = db_module.connect(tracker_db)
    try:
        names = dict(database.execute("select id, name from priorities").fetchall())
        labels = [bar["label"] for bar in dashboard.load(database.conn)["themes"]]
    finally:
        database.close()
    assert labels and "Fraud" in labels
    assert set(labels) <= set(names.values())


@pytest.mark.parametrize("path, data, says", [
    ("/-/responses/save", {"item_id": "govuk:hostile", "decision": "respond", "status": "nonsense"}, "status"),
    ("/-/review", {"what": "tag", "id": "99999999999999999999", "state": "confirmed", "item_id": "govuk:quiet"},
     "Review not saved: id: must be a whole number"),
    ("/-/triage", {"item_id": "govuk:quiet", "state": "maybe"}, "Triage not saved"),
])
async def test_every_staff_form_refuses_bad_input_one_way(ds, tracker_db, path, data, says):
    """The one form helper: GET is 405; bad input is a 400 that says what was wrong, and nothing is written."""
    assert (await ds.client.get(path, cookies=cookies_for(ds, "editor"))).status_code == 405
    before = [_rows(tracker_db, f"select * from {t}") for t in ("responses", "audit_log", "triage")]
    cookies, token = await _csrf(ds, "editor")
    response = await ds.client.post(path, cookies=cookies, data={"csrftoken": token, **data})
    assert response.status_code == 400 and says in response.text
    assert [_rows(tracker_db, f"select * from {t}") for t in ("responses", "audit_log", "triage")] == before


async def test_every_item_is_one_click_from_its_reform_page(ds):
    """Items table, a search, a row page and a saved query link each item to its dossier; JSON stays plain."""
    cookies = cookies_for(ds, "reader")
    dossier_link = 'href="/-/dossier/legislation:ukpga/2023/56"'
    for path in ("/tracker/items", "/tracker/items?_search=economic", "/tracker/items/legislation~3Aukpga~2F2023~2F56",
                 "/tracker/commencement_pending"):
        page = await ds.client.get(path, cookies=cookies)
        assert page.status_code == 200 and dossier_link in page.text, path
    quiet = (await ds.client.get("/tracker/items", cookies=cookies)).text
    assert ('<a href="/-/dossier/govuk:quiet" title="Reform page">Proceeds of crime confiscation reform</a>'
            in quiet)
    rows = (await ds.client.get("/tracker/items.json?_shape=array", cookies=cookies)).json()
    assert {r["id"] for r in rows} >= {"govuk:quiet"} and all("<a" not in str(r["title"]) for r in rows)


async def test_a_logged_out_reader_lands_on_the_page_asked_for_after_login(tracker_db, monkeypatch):
    monkeypatch.setenv(hash_env_name("ed"), hash_password("correct horse"))
    ds = build_datasette(tracker_db, config=config_mod.Config(), users={"ed": "editor"}, secret="s")
    asked = await ds.client.get("/-/dossier/govuk:quiet")
    assert asked.status_code == 302 and asked.headers["location"] == "/-/login"
    page = await ds.client.get("/-/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    cookies = {"ds_csrftoken": page.cookies["ds_csrftoken"], "seoc_next": asked.cookies["seoc_next"]}
    good = await ds.client.post("/-/login", cookies=cookies, data={"username": "ed", "password": "correct horse",
                                                                   "csrftoken": token})
    assert good.status_code == 302 and good.headers["location"] == "/-/dossier/govuk:quiet"
    # A page on another host is never a destination, even signed with the right secret.
    cookies["seoc_next"] = ds.sign("//evil.example/x", "seoc_next")
    elsewhere = await ds.client.post("/-/login", cookies=cookies, data={"username": "ed", "password": "correct horse",
                                                                        "csrftoken": token})
    assert elsewhere.headers["location"] == "/"


async def test_pages_say_dates_themes_and_relevance_in_words_and_json_keeps_the_data(ds):
    cookies = cookies_for(ds, "reader")
    page = (await ds.client.get("/tracker/items/legislation~3Aukpga~2F2023~2F56", cookies=cookies)).text
    assert '<span title="2023-10-26">26 Oct 2023</span>' in page  # published, as a date in words
    assert "Fraud" in page and '["fraud"' not in page  # themes by name, not the stored JSON
    assert re.search(r'class="col-relevant[^"]*">yes<', page)
    row = (await ds.client.get("/tracker/items/legislation~3Aukpga~2F2023~2F56.json?_shape=array",
                               cookies=cookies)).json()[0]
    assert row["published"] == "2023-10-26" and row["relevant"] == 1 and row["themes"].startswith('["')
    seen = (await ds.client.get("/tracker/items.json?_shape=array&id=govuk:quiet", cookies=cookies)).json()[0]
    london = cells.when(seen["first_seen"])
    row_page = (await ds.client.get("/tracker/items/govuk~3Aquiet", cookies=cookies)).text
    assert f'<span title="{seen["first_seen"]}">{london}</span>' in row_page and re.fullmatch(
        r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", london)


async def test_saved_queries_are_named_by_their_title_with_the_sql_folded(ds):
    page = (await ds.client.get("/tracker/open_now", cookies=cookies_for(ds, "reader"))).text
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()
    assert title == "Relevant consultations and calls for evidence open now · SEOC reform tracker"
    assert "select i.id" not in title and '<textarea id="sql-editor"' not in page


async def test_the_login_page_names_the_product(ds):
    page = (await ds.client.get("/-/login")).text
    assert "<title>Log in · SEOC reform tracker</title>" in page and "SEOC reform tracker: log in" in page
    assert 'for="id_username"' in page and 'name="csrftoken"' in page


def test_cells_say_london_time():
    assert cells.when("2026-09-21T16:00:00+01:00") == "21 Sep 2026, 16:00"
    assert cells.when("2026-12-05T09:30:00+00:00") == "5 Dec 2026, 09:30"
    assert cells.when("2026-12-05") == "5 Dec 2026" and cells.when("not a date") is None


async def test_long_text_is_clipped_internal_tables_are_out_of_the_list_and_a_dossier_prints(ds, tracker_db):
    cookies = cookies_for(ds, "reader")
    database = db_module.connect(tracker_db)
    database.execute("UPDATE items SET summary = ? WHERE id = 'govuk:quiet'", ["Reforming confiscation. " * 20])
    database.conn.commit()
    items = (await ds.client.get("/tracker/items", cookies=cookies)).text
    # A long summary: its start, and the whole of it one click away.
    assert '<details class="seoc-clip"><summary>Reforming confiscation. Reforming' in items
    listing = (await ds.client.get("/tracker", cookies=cookies)).text
    for internal in ("link_scans", "classifications", "reforms", "job_runs"):
        assert f'href="/tracker/{internal}"' not in listing, internal
    assert (await ds.client.get("/tracker/classifications", cookies=cookies_for(ds, "admin"))).status_code == 200
    page = (await ds.client.get("/-/dossier/govuk:quiet", cookies=cookies)).text
    assert "@media print" in page and "size: A4" in page


async def test_every_table_page_renders_for_an_admin(ds, tracker_db):
    """Cell rendering (links, names, dates, clipping) never breaks a page, whatever the table holds."""
    tables = db_module.connect(tracker_db).table_names()
    cookies = cookies_for(ds, "admin")
    for table in tables:
        if table.startswith("items_fts"):
            continue
        response = await ds.client.get(f"/tracker/{table}", cookies=cookies)
        assert response.status_code == 200, (table, response.text[:300])


# --- reviewers correct anything: add a theme, remove a tag, decide relevance ------------------------------------

REVIEW_TABLES = ("item_priorities", "relevance_overrides", "audit_log", "items")


async def test_editor_adds_a_theme_removes_a_tag_and_decides_relevance(ds, tracker_db):
    cookies, token = await _csrf(ds, "editor")
    added = await ds.client.post("/-/themes/add", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:quiet", "priority_id": "bribery_corruption",
        "reason": "confiscation of bribes"})
    assert (added.status_code, added.headers["location"]) == (302, "/-/dossier/govuk:quiet?message=Theme%20saved")
    tags = {r["priority_id"]: r for r in _rows(tracker_db, "select * from item_priorities where item_id = 'govuk:quiet'")}
    assert (tags["bribery_corruption"]["review_state"], tags["bribery_corruption"]["reviewer"],
            tags["bribery_corruption"]["method"]) == ("confirmed", "ed", "reviewer")
    removed = await ds.client.post("/-/review", cookies=cookies, data={
        "csrftoken": token, "what": "tag", "id": str(tags["proceeds_of_crime"]["id"]), "state": "rejected",
        "note": "about bribes, not POCA", "item_id": "govuk:quiet"})
    assert removed.status_code == 302
    decided = await ds.client.post("/-/relevance", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:quiet", "relevant": "not relevant", "reason": "Scottish bill only"})
    assert (decided.status_code, decided.headers["location"]) == (
        302, "/-/dossier/govuk:quiet?message=Relevance%20decision%20saved")
    assert _rows(tracker_db, "select relevant, themes from items where id = 'govuk:quiet'") == [
        {"relevant": 0, "themes": "[]"}]
    assert [(r["actor"], r["action"], r["table_name"]) for r in _rows(
        tracker_db, "select * from audit_log order by id")][-3:] == [
        ("ed", "add theme", "item_priorities"), ("ed", "review", "item_priorities"),
        ("ed", "relevance", "relevance_overrides")]
    # Re-classification keeps every decision.
    database = db_module.connect(tracker_db)
    tagging.classify_stored(database, everything=True)
    database.close()
    assert _rows(tracker_db, "select relevant from items where id = 'govuk:quiet'") == [{"relevant": 0}]
    assert {r["priority_id"]: r["review_state"] for r in _rows(
        tracker_db, "select * from item_priorities where item_id = 'govuk:quiet'")} == {
        "bribery_corruption": "confirmed", "proceeds_of_crime": "rejected"}
    page = (await get(ds, "/-/dossier/govuk:quiet", "reader")).text
    assert "marked not relevant by a reviewer, ed" in page and "Scottish bill only" in page
    assert "added by a reviewer · confirmed by ed" in page and page.count("confiscation of bribes") == 1
    assert "rejected by ed" in page and "about bribes, not POCA" in page


@pytest.mark.parametrize("path, change, says", [
    ("/-/themes/add", {"priority_id": "not_a_theme"}, "no priority theme has id &#39;not_a_theme&#39;"),
    ("/-/themes/add", {"priority_id": "drugs", "reason": ""}, "say why"),
    ("/-/themes/add", {"priority_id": "drugs", "reason": "x" * 2001}, "the limit is 2000"),
    ("/-/themes/add", {"priority_id": "drugs", "item_id": "govuk:nope"}, "no tracked item has id"),
    ("/-/relevance", {"relevant": "maybe"}, "must be one of: relevant, not relevant, as classified"),
    ("/-/relevance", {"reason": " "}, "say why"),
    ("/-/relevance", {"item_id": "govuk:nope"}, "no tracked item has id"),
    ("/-/review", {"what": "tag", "id": "1", "state": "rejected", "item_id": "govuk:nope"}, "no tracked item has id"),
    ("/-/review", {"what": "tag", "id": "1", "state": "rejected", "item_id": "legislation:ukpga/2023/56"},
     "is not about"),
])
async def test_review_forms_refuse_bad_input_with_a_400_and_write_nothing(ds, tracker_db, path, change, says):
    before = [_rows(tracker_db, f"select * from {t}") for t in REVIEW_TABLES]
    cookies, token = await _csrf(ds, "editor")
    form = {"csrftoken": token, "item_id": "govuk:quiet", "relevant": "relevant", "reason": "a reason", **change}
    response = await ds.client.post(path, cookies=cookies, data=form)
    assert response.status_code == 400
    assert says in response.text
    assert [_rows(tracker_db, f"select * from {t}") for t in REVIEW_TABLES] == before


async def test_a_refused_theme_shows_the_dossier_again_with_the_error_beside_the_field(ds, tracker_db):
    cookies, token = await _csrf(ds, "editor")
    response = await ds.client.post("/-/themes/add", cookies=cookies, data={
        "csrftoken": token, "item_id": "govuk:quiet", "priority_id": "drugs", "reason": ""})
    assert response.status_code == 400
    form = response.text[response.text.index('id="add-theme"'):]
    form = form[:form.index("</form>")]
    assert "The theme was not added." in form and "say why" in form
    assert '<option value="drugs" selected>Drugs trafficking</option>' in form
    # The other forms on the page are not blamed.
    assert "The relevance decision was not saved" not in response.text
    assert "The response was not saved" not in response.text


async def test_the_theme_choice_is_the_taxonomy_by_name(ds):
    page = (await get(ds, "/-/dossier/govuk:quiet", "editor")).text
    choice = page[page.index('<select name="priority_id"'):]
    choice = choice[:choice.index("</select>")]
    names = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', choice))
    expected = {r["id"]: r["name"] for r in _rows(ds.databases["tracker"].path, "select id, name from priorities")}
    # Every theme but the ones the item already has confirmed.
    assert names == expected and '<optgroup label="Cross-cutting">' in choice
    assert "add-theme" not in (await get(ds, "/-/dossier/govuk:quiet", "reader")).text


async def test_needs_review_is_for_signed_in_staff_and_the_dashboard_counts_it(ds, tracker_db):
    rows = (await get(ds, "/tracker/needs_review.json?_shape=array", "reader")).json()
    # Open consultations closing soonest first, then the rest by score.
    assert [(r["id"], r["score"]) for r in rows] == [
        ("govuk:hostile", 0.69), ("govuk:quiet", 0.83), ("legislation:ukpga/2023/56", 0.79),
        ("legislation:uksi/2023/1206", 0.73)]
    home = (await get(ds, "/", "reader")).text
    card = home[home.index('id="needs-review"'):]
    assert re.match(r'id="needs-review"><strong>4</strong><a href="/tracker/needs_review">', card)
    assert (await get(ds, "/tracker/needs_review.json", "anonymous")).status_code == 403
    public = build_datasette(tracker_db, config=config_mod.Config(public_read=True), users=USERS, secret="s")
    assert (await public.client.get("/tracker/needs_review.json")).status_code == 403
    assert 'id="needs-review"' not in (await public.client.get("/")).text


async def test_facets_name_themes_and_say_relevance_in_words(ds):
    page = (await ds.client.get("/tracker/items?_facet_array=themes&_facet=relevant",
                                cookies=cookies_for(ds, "reader"))).text
    facets = page[page.index('class="facet-results"'):page.index('class="rows-and-columns"')]
    assert ">Fraud</a>" in facets and ">fraud</a>" not in facets and ">yes</a>" in facets
    assert "themes__arraycontains=fraud" in facets  # the links still filter by the stored id
