"""Our published submissions offered for the register, and the demo's register seed (snapshot/register/).

The evidence is the CPS's FDF0004 as the committees parser reads it from the re-expressed payloads in
tests/fixtures/committees (see SOURCES.md there); the Fraud Strategy is the real GOV.UK fixture.
"""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tracker import config as config_mod
from tracker.errors import StoreError
from tracker.store import db as tracker_db
from tracker.store import demo_register
from tracker.store.items import upsert_item
from tracker.web.serve import build_datasette

from .helpers.auth import session_cookie
from .helpers.loop import ANSWER, EVIDENCE_ID, NOW, fdf0004, fraud_strategy

SEED = Path(__file__).parent.parent / "snapshot" / "register" / "fdf0004.json"
USERS = {"rita": "reader", "ed": "editor"}
STRATEGY = fraud_strategy()
QUERY = "/tracker/our_submissions_not_in_register.json?_shape=array"


@pytest.fixture
def with_items(db_path, database):
    upsert_item(database, fdf0004(), now=NOW)
    upsert_item(database, STRATEGY, now=NOW)
    database.conn.commit()
    return database


async def query_as(db_path, user: str | None):
    ds = build_datasette(db_path, config=config_mod.Config(), users=USERS, secret="test-secret")
    cookies = session_cookie(ds, user) if user else {}
    return await ds.client.get(QUERY, cookies=cookies)


async def test_our_unregistered_submission_is_offered_to_editors_with_its_text(with_items, db_path):
    response = await query_as(db_path, "ed")
    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["reference"], row["inquiry"]) == (EVIDENCE_ID, "FDF0004", "Fraud Act 2006 and digital fraud")
    assert "improve criminal justice outcomes and support victims" in row["text"]


@pytest.mark.parametrize("link", ["item_id", "document_url"])
async def test_a_submission_in_the_register_is_no_longer_offered(with_items, db_path, link):
    value = EVIDENCE_ID if link == "item_id" else "https://committees.parliament.uk/writtenevidence/107622/html/"
    with_items["responses"].insert({"item_id": value if link == "item_id" else "committees:9955",
                                    "document_url": value if link == "document_url" else "",
                                    "decision": "respond", "status": "submitted", "created_by": "ed",
                                    "created_at": NOW, "updated_by": "ed", "updated_at": NOW})
    with_items.conn.commit()
    assert (await query_as(db_path, "ed")).json() == []


@pytest.mark.parametrize("user", [None, "rita"])
async def test_readers_and_anonymous_cannot_see_the_list(with_items, db_path, user):
    # Which submissions are (not) in the register is register data: editors and admins only.
    response = await query_as(db_path, user)
    assert response.status_code == 403
    assert "FDF0004" not in response.text


# --- The demo's register seed -------------------------------------------------------------------------------

def test_demo_seed_loads_then_the_editor_accepts_the_suggested_evidence(with_items):
    from tracker.classify import passages
    from tracker.store import reforms

    response_id = demo_register.load(with_items.conn, SEED, NOW)
    response = with_items["responses"].get(response_id)
    assert (response["item_id"], response["status"], response["created_by"]) == (EVIDENCE_ID, "submitted",
                                                                                  "demo-editor")
    [link] = with_items.query("select * from links where method = 'editor'")
    assert (link["to_id"], link["review_state"], link["reviewer"]) == (STRATEGY.id, "confirmed", "demo-editor")
    reforms.recompute(with_items.conn)
    passages.suggest(with_items, now=NOW)
    assert demo_register.decide(with_items.conn, SEED, response_id, NOW) == 1
    asks = list(with_items.query("select * from asks where response_id = ? order by position", [response_id]))
    assert [(a["outcome"], a["outcome_by"]) for a in asks] == [("partly adopted", "demo-editor"), ("pending", None)]
    decided = asks[0]
    item = with_items["items"].get(decided["evidence_item_id"])
    assert decided["evidence_passage"] in " ".join(f"{item['summary']} {item['body_text']}".split())
    assert ANSWER in decided["evidence_passage"]
    # The tracker's first suggestion was the evidence the editor recorded: accepted; the rest dismissed.
    states = [tuple(r) for r in with_items.execute(
        "select rank, state, passage = ? from ask_suggestions where ask_id = ? order by rank",
        [decided["evidence_passage"], decided["id"]]).fetchall()]
    assert states[0] == (1, "accepted", 1) and {s for _, s, _ in states[1:]} <= {"dismissed"}
    audited = Counter(f"{r['action']} {r['table_name']}" for r in with_items.query("select * from audit_log"))
    assert audited == Counter({"insert responses": 1, "insert links": 1, "insert asks": 2, "outcome asks": 1,
                               "accepted ask_suggestions": 1, "dismissed ask_suggestions": len(states) - 1})
    assert {r["actor"] for r in with_items.query("select actor from audit_log")} == {"demo-editor"}
    # Every ask's wording says where in the submission it was drawn from.
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    assert all("FDF0004 paragraph" in ask["drawn_from"] for ask in seed["asks"])


def test_demo_seed_with_a_passage_not_in_its_evidence_writes_nothing(with_items, tmp_path):
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    seed["asks"][0]["evidence_passage"] = "The government will prosecute every fraud."
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(seed), encoding="utf-8")
    with pytest.raises(StoreError, match="passage is not in"):
        demo_register.load(with_items.conn, broken, NOW)
    assert [with_items[t].count for t in ("responses", "asks", "audit_log")] == [0, 0, 0]


def test_demo_seed_needs_its_items(db_path, database, tmp_path):
    shutil.copy(SEED, tmp_path / "seed.json")
    with pytest.raises(StoreError, match=f"item {EVIDENCE_ID} is not in the database"):
        demo_register.load(database.conn, tmp_path / "seed.json", NOW)
    assert database["responses"].count == 0
