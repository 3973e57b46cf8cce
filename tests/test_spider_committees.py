"""The Committees spider through real Scrapy downloads against a local server, and snapshot replay.

Payloads are real CommitteeBusinessSummary / Committee objects (see tests/helpers/spiders/committees.py),
served in list pages assembled per test.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import pytest

from tracker import crawl as crawl_mod
from tracker.briefing.build import build_briefing

from .helpers import SNAPSHOT
from .helpers.spiders import FAST, LISTING_FAILURES, check_listing_failure
from .helpers.spiders.committees import (COMMITTEES, DETAIL, EVIDENCE_DOCUMENT, EVIDENCE_PAGE, EVIDENCE_SEARCH, OPEN_CALLS,
                                         OPEN_NEWEST, business, committees_file, page, serve_committees,
                                         serve_our_evidence)

ROW_KEYS = "id, source, kind, title, url, organisation, status, opens, closes, version"


def run(server, db_path, **kwargs):
    if EVIDENCE_SEARCH.format(skip=0) not in server.routes:  # tests about business lists: none of ours published
        server.add(EVIDENCE_SEARCH.format(skip=0), page())
    [result] = crawl_mod.crawl(["committees"], db_path, base_urls={"committees": server.url},
                               settings={**FAST, **kwargs.pop("settings", {})}, **kwargs)
    return result


def key_rows(database) -> list[dict]:
    return list(database.query(f"select {ROW_KEYS} from items order by id"))


EXPECTED = [
    {"id": "committees:8247", "source": "committees", "kind": "committee_inquiry",
     "title": "Support for women working in construction in Parliament",
     "url": "https://committees.parliament.uk/work/8247/", "organisation": "Administration Committee",
     "status": "closed", "opens": "2024-02-15T00:00:00+00:00", "closes": None, "version": 1},
    {"id": "committees:9437", "source": "committees", "kind": "committee_inquiry",
     "title": "General Election Planning", "url": "https://committees.parliament.uk/work/9437/",
     "organisation": "Administration Committee", "status": "evidence closed",
     "opens": "2025-11-11T00:00:00+00:00", "closes": None, "version": 1},
]


def test_crawl_pages_open_calls_and_stores_each_business_once(server, db_path, database):
    serve_committees(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert key_rows(database) == EXPECTED
    assert sorted(server.requested("/api/CommitteeBusiness?")) == sorted(
        [OPEN_CALLS.format(skip=0), OPEN_CALLS.format(skip=1), OPEN_NEWEST])
    assert server.requested(DETAIL.format(id=9437)) == [DETAIL.format(id=9437)]  # listed twice, fetched once
    run_row = database["runs"].get(result.run_id)
    assert (run_row["inserted"], run_row["items_seen"], run_row["watermark"]) == (2, 2, None)


def test_second_identical_crawl_writes_no_version(server, db_path, database):
    serve_committees(server)
    run(server, db_path)
    result = run(server, db_path)
    assert result.status == "ok"
    assert database["runs"].get(result.run_id)["unchanged"] == 2
    assert database["item_versions"].count == 0
    assert key_rows(database) == EXPECTED


def test_changed_business_is_versioned(server, db_path, database):
    serve_committees(server)
    run(server, db_path)
    serve_committees(server, {**business(9437), "closeDate": "2026-10-01T00:00:00"})
    assert run(server, db_path).status == "ok"
    [version] = database.query("select item_id, changed_fields from item_versions")
    assert version["item_id"] == "committees:9437"
    assert set(json.loads(version["changed_fields"])) == {"status", "details"}
    assert database["items"].get("committees:9437")["status"] == "closed"


def test_empty_open_calls_list_is_real_when_open_business_listed(server, db_path, database):
    serve_committees(server)
    server.add(OPEN_CALLS.format(skip=0), page())
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert [r["id"] for r in key_rows(database)] == ["committees:9437"]


def test_nothing_listed_anywhere_fails(server, db_path, database):
    server.add(OPEN_CALLS.format(skip=0), page())
    server.add(OPEN_NEWEST, page())
    result = run(server, db_path)
    assert (result.status, result.message) == ("failed", "no items where some were expected")


def test_list_without_items_array_fails_naming_the_url(server, db_path, database):
    server.add(OPEN_CALLS.format(skip=0), '{"results": []}')
    server.add(OPEN_NEWEST, '{"results": []}')
    result = run(server, db_path)
    assert result.status == "failed"
    assert f"{server.url}{OPEN_NEWEST} has no items array" in result.message


def test_committees_call_failing_is_partial(server, db_path, database):
    serve_committees(server)
    server.add(COMMITTEES.format(id=8247), "oops", status=500)
    result = run(server, db_path)
    assert result.status == "partial"
    assert COMMITTEES.format(id=8247) in result.message and "HTTP 500" in result.message
    assert [r["id"] for r in key_rows(database)] == ["committees:9437"]


def test_snapshot_replay_is_ok(db_path, database):
    [result] = crawl_mod.crawl(["committees"], db_path, snapshot=str(SNAPSHOT))
    assert (result.status, result.message) == ("ok", None)
    # Two calls open in August 2026 (one with a deadline, one rolling) and a running inquiry taking none.
    assert key_rows(database) == [
        {"id": "committees:8885", "source": "committees", "kind": "committee_inquiry", "title": "Electronic voting",
         "url": "https://committees.parliament.uk/work/8885/", "organisation": "Procedure Committee",
         "status": "open for evidence", "opens": "2025-02-03T00:00:00+00:00", "closes": None, "version": 1},
        EXPECTED[1],
        {"id": "committees:9955", "source": "committees", "kind": "committee_inquiry",
         "title": "The Online Safety Act: implementation and impact", "url": "https://committees.parliament.uk/work/9955/",
         "organisation": "Communications and Digital Committee", "status": "open for evidence", "opens": None,
         "closes": "2026-09-21T16:00:00+01:00", "version": 1},
        EVIDENCE_ROW,
    ]
    rolling = json.loads(database["items"].get("committees:8885")["details"])
    assert rolling["rolling"] is True


@pytest.mark.parametrize("failure", LISTING_FAILURES)
def test_survives_open_calls_list_failure(server, db_path, database, failure):
    # The open-business list still serves, so the run is partial: the broken list is named, rows are kept.
    check_listing_failure(server, db_path, database, "committees", serve_committees, failure,
                          unexpected=("<html><body>Maintenance</body></html>", "text/html", "expected JSON"))


def serve_osa(server, detail: dict) -> None:
    """The Online Safety Act inquiry (business 9955) as the only open call."""
    server.add(OPEN_CALLS.format(skip=0), page(detail))
    server.add(OPEN_NEWEST, page())
    server.add(DETAIL.format(id=9955), json.dumps(detail))
    server.add_file(COMMITTEES.format(id=9955), committees_file(9955))


def test_an_extended_deadline_is_a_new_version_and_moves_in_the_briefing(server, db_path, database):
    """The real extension of submission period 3964: 2026-09-07 17:00, then 2026-09-21 16:00 (seen 2026-08-20)."""
    extended = business(9955)
    before = copy.deepcopy(extended)
    before["openSubmissionPeriods"][0]["endDate"] = "2026-09-07T17:00:00"
    serve_osa(server, before)
    assert run(server, db_path).status == "ok"
    assert database["items"].get("committees:9955")["closes"] == "2026-09-07T17:00:00+01:00"

    serve_osa(server, extended)
    assert run(server, db_path).status == "ok"
    item = database["items"].get("committees:9955")
    assert (item["closes"], item["version"]) == ("2026-09-21T16:00:00+01:00", 2)
    [version] = database.query("select changed_fields, data, valid_to from item_versions")
    assert "closes" in json.loads(version["changed_fields"])
    assert json.loads(version["data"])["closes"] == "2026-09-07T17:00:00+01:00"  # the old deadline is kept

    # The directorate follows it: a reviewer confirms a theme, and the week's briefing shows the move.
    database.execute("INSERT INTO item_priorities (item_id, priority_id, score, evidence, method, version, "
                     "review_state, created, updated, reviewed_at) VALUES ('committees:9955', 'child_exploitation', "
                     "1, '[]', 'review', 'v', 'confirmed', ?, ?, ?)", [version["valid_to"]] * 3)
    database.conn.commit()
    moved_at = datetime.fromisoformat(version["valid_to"])
    briefing = build_briefing(database, as_of=moved_at + timedelta(hours=1))
    [move] = [m for m in briefing.moved if m.item.id == "committees:9955"]
    assert (move.change, move.before, move.after) == ("Deadline moved", "7 Sep 2026", "21 Sep 2026")


# --- Our published submissions ----------------------------------------------------------------------------

EVIDENCE_ROW = {"id": "committees:evidence-107622", "source": "committees", "kind": "written_evidence",
                "title": "Crown Prosecution Service – Written evidence (FDF0004)",
                "url": "https://committees.parliament.uk/writtenevidence/107622/html/",
                "organisation": "Crown Prosecution Service", "status": "published", "opens": None, "closes": None,
                "version": 1}


def test_our_written_evidence_is_found_with_its_text(server, db_path, database):
    serve_committees(server)
    serve_our_evidence(server)
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert key_rows(database)[-1] == EVIDENCE_ROW
    stored = database["items"].get("committees:evidence-107622")
    assert stored["body_text"].startswith("Crown Prosecution Service– Written evidence (FDF0004)\n\nINTRODUCTION")
    assert "- Provides information, assistance and support to victims and prosecution witnesses" in stored["body_text"]
    assert stored["body_text"].endswith("including government and law enforcement.")
    # The inquiry it answered, in words: the evidence's own opening names only its author.
    assert stored["summary"] == ("Written evidence to Fraud Act 2006 and Digital Fraud Committee, inquiry: "
                                 "Fraud Act 2006 and digital fraud")
    assert json.loads(stored["details"]) == {
        "reference": "FDF0004", "committee_business": {"id": None, "title": "Fraud Act 2006 and digital fraud"},
        "committees": ["Fraud Act 2006 and Digital Fraud Committee"], "call_closed": "2022-04-22T12:00:00+01:00",
        "text_read": True}
    assert server.requested("/api/WrittenEvidence/") == [EVIDENCE_DOCUMENT.format(id=107622)]


def test_evidence_of_other_organisations_matching_the_search_is_not_ours(server, db_path, database):
    # The API's SearchTerm matches loosely: an inspectorate named after us is someone else.
    serve_committees(server)
    listing = json.loads(EVIDENCE_PAGE.read_text(encoding="utf-8"))
    listing["items"][0]["witnesses"][0]["organisations"][0]["name"] = "HM Crown Prosecution Service Inspectorate"
    server.add(EVIDENCE_SEARCH.format(skip=0), json.dumps(listing))
    result = run(server, db_path)
    assert (result.status, result.message) == ("ok", None)
    assert "committees:evidence-107622" not in [r["id"] for r in key_rows(database)]
    assert server.requested("/api/WrittenEvidence/") == []


def test_configured_names_replace_the_default(server, db_path, database):
    serve_committees(server)
    wanted = "/api/WrittenEvidence?SearchTerm=Serious+Fraud+Office&Skip=0&Take=50"
    server.add(wanted, page())
    result = run(server, db_path, source_options={"committees": {"our_organisations": ["Serious Fraud Office"]}})
    assert (result.status, result.message) == ("ok", None)
    assert server.requested("/api/WrittenEvidence?") == [wanted]


def test_evidence_document_missing_keeps_the_evidence_without_text(server, db_path, database):
    serve_committees(server)
    serve_our_evidence(server, document=False)  # the document answers 404
    result = run(server, db_path)
    assert result.status == "ok"
    stored = database["items"].get("committees:evidence-107622")
    assert stored["body_text"] is None and json.loads(stored["details"])["text_read"] is False


def test_malformed_evidence_document_is_an_error_and_the_evidence_is_kept(server, db_path, database):
    serve_committees(server)
    serve_our_evidence(server)
    server.add(EVIDENCE_DOCUMENT.format(id=107622), json.dumps({"fileDataFormat": "Html", "data": "not base64!"}))
    result = run(server, db_path)
    assert result.status == "partial" and "field data is not base64" in result.message
    assert database["items"].get("committees:evidence-107622")["body_text"] is None


def test_evidence_search_failing_is_partial_and_keeps_the_inquiries(server, db_path, database):
    serve_committees(server)
    server.add(EVIDENCE_SEARCH.format(skip=0), "oops", status=500)
    result = run(server, db_path)
    assert result.status == "partial" and "SearchTerm=Crown+Prosecution+Service" in result.message
    assert [r["id"] for r in key_rows(database)] == ["committees:8247", "committees:9437"]


def test_evidence_document_server_error_is_recorded_and_the_evidence_kept(server, db_path, database):
    serve_committees(server)
    serve_our_evidence(server)
    server.add(EVIDENCE_DOCUMENT.format(id=107622), "oops", status=500)
    result = run(server, db_path)
    assert result.status == "partial" and EVIDENCE_DOCUMENT.format(id=107622) in result.message
    stored = database["items"].get("committees:evidence-107622")
    assert stored["body_text"] is None and json.loads(stored["details"])["text_read"] is False
