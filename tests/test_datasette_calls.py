"""Committee calls for evidence as policy staff see them: open by deadline, rolling, then passed deadlines;
and "open" meaning open now across sources (GOV.UK "open", committees "open for evidence")."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

from tracker.contract import TrackedItem
from scrapers.parsers import committees as parser
from tracker import config as config_mod
from tracker.store import db as tracker_db
from tracker.web import dashboard
from tracker.store import register
from tracker.store import items as store
from tracker.web.serve import build_datasette

from .helpers.spiders.committees import business as business_detail, committees_file
from .helpers.auth import session_cookie
USERS = {"rita": "reader", "ed": "editor"}


def business(business_id: int) -> tuple[dict, list]:
    detail = business_detail(business_id)
    committees = json.loads(committees_file(business_id).read_text())["items"]
    return detail, committees


def london_wall_clock(moment: datetime) -> str:
    return moment.replace(microsecond=0, tzinfo=None).isoformat()


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    passed, passed_committees = business(9955)        # real: deadline 21 Sep 2026, 16:00
    rolling, rolling_committees = business(8885)      # real: rolling call, no end date
    # The same call with its deadline moved ten days past today, so one call is open whenever the test runs.
    future = copy.deepcopy(passed)
    future["id"] = 99550
    future["title"] = "Open call (the 9955 payload with a deadline ten days ahead)"
    future["openSubmissionPeriods"][0]["endDate"] = london_wall_clock(datetime.now() + timedelta(days=10))
    items = [parser.parse_business(detail, committees, f"https://example.test/{detail['id']}")
             for detail, committees in ((passed, passed_committees), (rolling, rolling_committees),
                                        (future, passed_committees))]
    items.append(TrackedItem(id="govuk:open", source="govuk", kind="consultation", title="Open consultation",
                             url="https://www.gov.uk/government/consultations/open", status="open",
                             closes=(datetime.now(timezone.utc) + timedelta(days=5)).isoformat()))
    items.append(TrackedItem(id="govuk:stale", source="govuk", kind="consultation", title="Open at last crawl only",
                             url="https://www.gov.uk/government/consultations/stale", status="open",
                             closes=(datetime.now(timezone.utc) - timedelta(days=5)).isoformat()))
    store.upsert_items(database, items)
    for item in items:
        database.execute("INSERT INTO item_priorities (item_id, priority_id, score, evidence, method, version, "
                         "review_state, created, updated) VALUES (?, 'fraud', 0.9, '[]', 'm', 'v', 'confirmed', "
                         "'now', 'now')", [item.id])
        register.refresh_relevance(database.conn, item.id)
    database.conn.commit()
    database.close()
    return path


async def rows(db_path, query: str, role: str) -> list[dict]:
    ds = build_datasette(db_path, config=config_mod.Config(), users=USERS, secret="test-secret")
    user = {"reader": "rita", "editor": "ed"}[role]
    cookies = session_cookie(ds, user)
    response = await ds.client.get(f"/tracker/{query}.json?_shape=array", cookies=cookies)
    assert response.status_code == 200, response.text[:300]
    return response.json()


async def test_calls_for_evidence_open_then_rolling_then_passed(db_path):
    calls = await rows(db_path, "calls_for_evidence", "reader")
    assert [c["id"] for c in calls] == ["committees:99550", "committees:8885", "committees:9955"]
    future, rolling, passed = calls
    assert future["state"] in ("open: 9 days left", "open: 10 days left")
    assert (rolling["deadline_london"], rolling["state"]) == ("rolling: no deadline", "open")
    assert rolling["committee"] == "Procedure Committee"
    assert passed["deadline_london"] == "21/09/2026 16:00"
    assert passed["state"].startswith("deadline passed ") and passed["state"].endswith(" days ago")
    assert passed["committee"] == "Communications and Digital Committee"
    assert passed["url"] == "https://committees.parliament.uk/work/9955/"


async def test_open_without_response_means_open_now_in_every_source(db_path):
    open_ids = [r["id"] for r in await rows(db_path, "open_without_response", "editor")]
    # Committees say "open for evidence"; a passed deadline is not open whatever the last crawl said.
    assert open_ids == ["govuk:open", "committees:99550", "committees:8885"]


async def test_open_now_is_readable_by_readers_and_matches_the_dashboard(db_path):
    rows_open = await rows(db_path, "open_now", "reader")
    assert [r["id"] for r in rows_open] == ["govuk:open", "committees:99550", "committees:8885"]
    assert rows_open[-1]["closes_london"] == "rolling: no deadline"
    database = tracker_db.connect(db_path)
    try:
        counts = dashboard.load(database.conn)["counts"]
    finally:
        database.close()
    assert counts["open"] == len(rows_open)
    assert counts["calls_open"] == 2  # committee calls: the future one and the rolling one


@pytest.mark.parametrize("item_id, state, says", [
    ("committees:9955", "closed", " · closed 21 Sep 2026, 16:00"),  # "open for evidence" at the crawl, deadline passed since
    ("committees:99550", "open", " · closes "),
    ("committees:8885", "open", " · no deadline (a rolling call)"),
])
async def test_dossier_states_open_or_closed_by_the_deadline_not_the_last_crawl(db_path, item_id, state, says):
    ds = build_datasette(db_path, config=config_mod.Config(), users=USERS, secret="test-secret")
    cookies = session_cookie(ds, "rita")
    page = (await ds.client.get(f"/-/dossier/{item_id}", cookies=cookies)).text
    assert f"<strong>{state}</strong>" in page and says in page
    # A passed deadline is never shown beside "open", and the crawl's own status word is not shown.
    assert ("<strong>open</strong>" in page) == (state == "open")
    assert "open for evidence" not in page


async def test_an_instance_with_a_clock_reads_that_moment_as_now_everywhere(db_path):
    """The demo's clock: as of Monday 14 Sep 2026 the Online Safety Act call (deadline 21 Sep) was open, in the
    saved queries, the dashboard and the dossier alike, whatever day the test runs."""
    monday = datetime(2026, 9, 14, 6, 30, tzinfo=timezone.utc)
    ds = build_datasette(db_path, config=config_mod.Config(), users=USERS, secret="test-secret", clock=monday)
    cookies = session_cookie(ds, "rita")
    calls = (await ds.client.get("/tracker/calls_for_evidence.json?_shape=array", cookies=cookies)).json()
    states = {c["id"]: c["state"] for c in calls}
    assert states["committees:9955"] == "open: 7 days left"
    open_now = (await ds.client.get("/tracker/open_now.json?_shape=array", cookies=cookies)).json()
    assert "committees:9955" in {r["id"] for r in open_now}
    home = (await ds.client.get("/", cookies=cookies)).text
    assert "w/c 14 Sep" in home  # the dashboard's weeks count from the clock's Monday
    page = (await ds.client.get("/-/dossier/committees:9955", cookies=cookies)).text
    assert "<strong>open</strong>" in page and " · closes 21 Sep 2026, 16:00" in page
    # Without a clock the same call is closed (its deadline has passed by the time any test runs).
    ds_now = build_datasette(db_path, config=config_mod.Config(), users=USERS, secret="test-secret")
    calls = (await ds_now.client.get("/tracker/calls_for_evidence.json?_shape=array",
                                     cookies=session_cookie(ds_now, "rita"))).json()
    assert {c["id"]: c["state"] for c in calls}["committees:9955"].startswith("deadline passed")


async def test_the_dossier_says_a_moved_deadline_in_words(db_path):
    """The real extension of the Online Safety Act call: 7 Sep 2026 17:00 -> 21 Sep 2026 16:00, in words."""
    database = tracker_db.connect(db_path)
    detail, committees = business(9955)
    before = parser.parse_business(detail, committees, "https://example.test/9955")
    before.closes = "2026-09-07T17:00:00+01:00"  # the period's end before its extension
    store.upsert_items(database, [before])
    store.upsert_items(database, [parser.parse_business(detail, committees, "https://example.test/9955")])
    ds = build_datasette(db_path, config=config_mod.Config(), users=USERS, secret="test-secret")
    page = (await ds.client.get("/-/dossier/committees:9955", cookies=session_cookie(ds, "rita"))).text
    assert "Closing date: 7 Sep 2026, 17:00 -&gt; 21 Sep 2026, 16:00" in page
    assert "2026-09-07T17:00:00+01:00" not in page and "was: " not in page
