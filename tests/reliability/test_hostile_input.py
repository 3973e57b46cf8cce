"""Hostile input: script titles, javascript: links, huge fields, invalid UTF-8, oversized and gzip-bomb
bodies, off-site redirects. Each is handled by the crawl (failed or partial with a message naming the URL,
nothing wrong stored) and escaped on every output: the Datasette row page, dossier, Atom and iCalendar
feeds, and the briefing's HTML and text.

Sources are served by a local server from the recorded GOV.UK content items the spider tests use.
"""
from __future__ import annotations

import copy
import gzip
import json
import re
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from tracker.contract import TrackedItem
from tracker import config as config_mod
from tracker import crawl as crawl_mod
from tracker.store import db as tracker_db
from tracker.store import items as store
from tracker.store import calendar
from tracker.briefing.build import build_briefing
from tracker.errors import ValidationError
from tracker.briefing.render import render
from tracker.web.serve import build_datasette

from ..helpers.briefing import BASE, WEEK, at, classify, consultation, respond
from ..helpers.feeds import atom_entries
from ..helpers.http import FaultServer
from ..helpers.spiders import govuk, sentencing_council as sentencing
from .support import SETTINGS, SINCE
from ..helpers.auth import session_cookie

SCRIPT = "<script>alert('x')</script>"
#: In JSON the title holds entities, as a CMS would send markup typed into a title field.
HOSTILE_TITLE_JSON = "&lt;script&gt;alert('x')&lt;/script&gt; Fraud \u202econsultation\x1b[31m"
MB = 1_000_000
USERS = {"rita": "reader", "ed": "editor"}


@pytest.fixture
def site():
    server, elsewhere = FaultServer().start(), FaultServer().start()
    docs = govuk.three_docs()
    govuk.serve(server, docs)
    yield server, elsewhere, docs
    server.stop()
    elsewhere.stop()


def content_path(doc: dict) -> str:
    return "/api/content" + doc["base_path"]


def run(server, db_path, **settings):
    [result] = crawl_mod.crawl(["govuk"], db_path, base_urls={"govuk": server.url}, since=SINCE,
                               settings={**SETTINGS, **settings})
    return result


def rows(db_path) -> dict[str, dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM items")}
    finally:
        conn.close()


def item_id(doc: dict) -> str:
    return f"govuk:{doc['content_id']}"


# --- the crawl ----------------------------------------------------------------------------------------------

def test_script_title_huge_summary_and_invalid_utf8(site, db_path):
    server, _, docs = site
    hostile = copy.deepcopy(docs[0])
    hostile["title"] = HOSTILE_TITLE_JSON
    hostile["description"] = SCRIPT + " " + "fraud " * (MB // 6)
    server.add(content_path(docs[0]), json.dumps(hostile))
    good = json.dumps(docs[1]).encode()
    broken = good.replace(b'"title": "', b'"title": "\xff\xfe\xc3(', 1)
    assert broken != good
    server.add(content_path(docs[1]), broken, content_type="application/json; charset=utf-8")

    result = run(server, db_path)
    assert result.status == "partial"
    assert content_path(docs[1]) in result.message and "malformed JSON" in result.message, result.message
    stored = rows(db_path)
    assert set(stored) == {item_id(docs[0]), item_id(docs[2])}
    row = stored[item_id(docs[0])]
    # The title's entities are stored as text (escaping is the outputs' job); the description's markup is
    # stripped by the parser and the 1 MB summary capped by validation.
    # Stored as text; control characters and the right-to-left override dropped (tracker.text_clean).
    assert row["title"] == SCRIPT + " Fraud consultation[31m"
    assert len(row["summary"]) == 20_000 and "<script" not in row["summary"]


def test_body_over_download_maxsize_and_gzip_bomb_are_refused(site, db_path):
    server, _, docs = site
    padded = {**docs[1], "details": {**docs[1]["details"], "padding": "x" * 300_000}}
    server.add(content_path(docs[1]), json.dumps(padded))
    bomb = gzip.compress(b" " * (50 * MB))
    assert len(bomb) < 100_000
    server.add(content_path(docs[2]), bomb, headers={"Content-Encoding": "gzip"})

    result = run(server, db_path, DOWNLOAD_MAXSIZE=100_000, DOWNLOAD_WARNSIZE=50_000)
    assert result.status == "partial"
    refused = r": request failed: the response from 127\.0\.0\.1 is larger than the 100000-byte limit"
    assert re.search(re.escape(content_path(docs[1])) + refused, result.message), result.message
    # The gzip bomb is caught while decompressing, by the same limit.
    assert re.search(re.escape(content_path(docs[2])) + refused, result.message), result.message
    assert set(rows(db_path)) == {item_id(docs[0])}


def test_off_site_redirects_are_never_followed(site, db_path):
    server, elsewhere, docs = site
    port = elsewhere.httpd.server_address[1]
    server.add(content_path(docs[1]), "", status=302, headers={"Location": f"http://localhost:{port}/steal"})
    server.add(content_path(docs[2]), "", status=302, headers={"Location": "http://collector.example.invalid/x"})
    run(server, db_path)
    assert elsewhere.requests == []  # only the allow-listed host (the configured base URL) is fetched
    assert set(rows(db_path)) == {item_id(docs[0])}


def test_off_site_redirect_is_a_recorded_error(site, db_path):
    server, elsewhere, docs = site
    port = elsewhere.httpd.server_address[1]
    server.add(content_path(docs[1]), "", status=302, headers={"Location": f"http://localhost:{port}/steal"})
    result = run(server, db_path)
    conn = sqlite3.connect(db_path)
    watermark = conn.execute("SELECT watermark FROM runs WHERE id = ?", [result.run_id]).fetchone()[0]
    conn.close()
    assert item_id(docs[1]) not in rows(db_path)
    # What happens today: ('ok', None, '2017-12-06T07:08:05+00:00').
    assert result.status == "partial" and content_path(docs[1]) in (result.message or ""), (
        result.status, result.message, watermark)
    assert watermark is None


def test_javascript_link_in_a_feed_is_refused(tmp_path, db_path):
    """A feed entry whose link is javascript: never becomes an item (the error names the field)."""
    server = FaultServer().start()
    try:
        sentencing.serve_sentencing(server)
        feed = server.routes[sentencing.FEED].body.replace(
            b"<link>https://www.sentencingcouncil.org.uk/publications/item/ancillary-orders-consultation/</link>",
            b"<link>javascript:alert(document.cookie)</link>", 1)
        assert b"javascript:" in feed
        server.add(sentencing.FEED, feed, content_type="application/rss+xml")
        [result] = crawl_mod.crawl(["sentencing-council"], db_path, base_urls={"sentencing-council": server.url},
                                   settings=SETTINGS)
    finally:
        server.stop()
    assert result.status == "failed" and "item [0]: field 'link' missing" in result.message, result
    assert rows(db_path) == {}


async def test_control_character_in_a_title_does_not_break_the_atom_feed(tmp_path):
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    store.upsert_item(database, TrackedItem(id="govuk:ctrl", source="govuk", kind="consultation",
                                            title="Fraud \x1b[31m consultation", url="https://www.gov.uk/a"))
    database.execute("UPDATE items SET relevant = 1")
    database.conn.commit()
    database.close()
    ds = build_datasette(path, config=config_mod.Config(), users=USERS, secret="s")
    cookies = session_cookie(ds, "rita")
    response = await ds.client.get("/tracker/new_relevant_items.atom", cookies=cookies)
    assert response.status_code == 200
    # Well-formed Atom whose one entry is the item, its title without the escape character (XML 1.0 cannot
    # carry it: the store drops control characters, and the feed shows what was stored).
    assert atom_entries(response.text) == [{"id": "tag:seoc-tracker,2026:govuk:ctrl",
                                            "title": "Fraud [31m consultation", "links": ["https://www.gov.uk/a"],
                                            "content": "consultation - govuk: "}]


# --- every output -------------------------------------------------------------------------------------------

EVIL_ORG = '<img src=x onerror="alert(1)">'
EVIL_URL = "javascript:alert(document.cookie)"
#: Where the Atom feed links an item whose url is not http(s).
PROJECT_PAGE = "https://github.com/seoc-tracker/seoc-tracker"


@pytest.fixture
def hostile_db(tmp_path):
    """Hostile items as the briefing and Datasette read them: script title, control characters, a 1 MB
    summary (capped on store), an <img onerror> organisation; plus a row whose url and a response whose
    document link are javascript: (written past validation, as an older version or another tool might)."""
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    title = SCRIPT + " Fraud \u202eevil consultation"
    store.upsert_item(database, consultation("hostile", title, "2026-12-03T23:59:00+00:00",
                                             summary=SCRIPT + " We seek views. " + "x" * MB,
                                             organisation=EVIL_ORG), now=at(18))
    store.upsert_item(database, consultation("linky", SCRIPT + " Linked consultation", "2026-12-10"), now=at(18))
    soon = (datetime.now(timezone.utc) + timedelta(days=10)).replace(microsecond=0).isoformat()
    store.upsert_item(database, TrackedItem(id="govuk:feeds", source="govuk", kind="consultation",
                                            title=SCRIPT + " Feeds consultation", status="open", closes=soon,
                                            url="https://www.gov.uk/government/consultations/feeds",
                                            organisation=EVIL_ORG))
    database.execute("UPDATE items SET url = ? WHERE id IN ('govuk:linky', 'govuk:feeds')", [EVIL_URL])
    database.execute("UPDATE items SET relevant = 1, themes = '[\"fraud\"]'")
    for ident in ("govuk:hostile", "govuk:linky"):
        classify(database, ident, [("fraud", 0.9, ["fraud"])])
    respond(database, "govuk:hostile", at(19), owner_team=SCRIPT, document_url=EVIL_URL,
            position_summary=SCRIPT)
    calendar.sync(database.conn)  # as the linking pass after each crawl does (the calendar feed reads it)
    database.conn.commit()
    database.close()
    return path


MARKUP = r"<\s*script>\s*alert|<\s*img\s+src=x"
ACTIVE = re.compile(MARKUP + r"|(href|src)\s*=\s*[\"']?\s*javascript:", re.I)


def assert_safe_html(text: str, where, links: bool = True) -> None:
    """None of the hostile markup live (escaped text such as &lt;img is fine), no javascript: link."""
    found = (ACTIVE if links else re.compile(MARKUP, re.I)).search(text)
    assert found is None, (where, text[max(0, found.start() - 200):found.end() + 200] if found else "")


async def test_every_datasette_output_escapes(hostile_db):
    ds = build_datasette(hostile_db, config=config_mod.Config(), users=USERS, secret="s")
    for user in ("rita", "ed"):
        cookies = session_cookie(ds, user)
        for path in ["/", "/tracker/items", "/tracker/items/govuk~3Ahostile", "/tracker/items/govuk~3Alinky",
                     "/-/dossier/govuk:hostile", "/-/dossier/govuk:linky", "/-/dossier/govuk:feeds",
                     "/tracker/deadlines", "/tracker/new_relevant_items.atom", "/tracker/deadline_calendar.ics"]:
            response = await ds.client.get(path, cookies=cookies)
            assert response.status_code == 200, (user, path)
            assert_safe_html(response.text, (user, path))
        dossier = (await ds.client.get("/-/dossier/govuk:hostile", cookies=cookies)).text
        assert "&lt;script&gt;alert(" in dossier
        assert "&lt;img src=x" in dossier
        atom = (await ds.client.get("/tracker/new_relevant_items.atom", cookies=cookies)).text
        # The Atom query links only http(s) URLs; the two javascript: rows link to the project page instead.
        assert "javascript:" not in atom
        assert "&lt;script&gt;alert(" in atom and "&lt;img src=x" in atom
        entries = {entry["id"].rsplit(":", 1)[1]: entry for entry in atom_entries(atom)}
        assert {key: (entry["title"], entry["links"]) for key, entry in entries.items()} == {
            # Stored without the right-to-left override: validation drops bidi controls (tracker.contract).
            "hostile": (SCRIPT + " Fraud evil consultation",
                        ["https://www.gov.uk/government/consultations/hostile"]),
            "linky": (SCRIPT + " Linked consultation", [PROJECT_PAGE]),
            "feeds": (SCRIPT + " Feeds consultation", [PROJECT_PAGE]),
        }
        assert entries["feeds"]["content"] == f"consultation - {EVIL_ORG}: "
        ics = (await ds.client.get("/tracker/deadline_calendar.ics", cookies=cookies)).text
        assert "Closes: ‹script›alert('x')‹/script› Feeds consultation" in ics
        assert "<script" not in ics


def test_store_refuses_a_javascript_url(database):
    """What keeps javascript: out of items.url in the first place (the outputs filter it as well)."""
    with pytest.raises(ValidationError, match="field 'url' is not an http\\(s\\) URL"):
        store.upsert_item(database, TrackedItem(id="govuk:x", source="govuk", kind="consultation",
                                                title="x", url=EVIL_URL))
    assert database["items"].count == 0


def test_briefing_html_and_text_escape(hostile_db):
    database = tracker_db.connect(hostile_db)
    try:
        # Terminal escapes and a bell in a title (the GOV.UK parser keeps them: see the first test).
        store.upsert_item(database, consultation("ctrl", "Control \x1b[31m\x07 title", "2026-12-05"), now=at(18))
        classify(database, "govuk:ctrl", [("fraud", 0.9, ["fraud"])])
        briefing = build_briefing(database, WEEK, None, BASE)
    finally:
        database.close()
    html, text = render(briefing)
    assert_safe_html(html, "briefing html")
    assert "&lt;script&gt;alert(" in html or "&lt;script&gt;alert(&#39;x&#39;)" in html
    assert "javascript:" not in html and "javascript:" not in text
    assert "&lt;img src=x" in html or EVIL_ORG not in text
    # Text: the title is there as plain text, on one line, without bidi overrides or terminal escapes.
    assert SCRIPT + " Fraud evil consultation" in text and "Control [31m title" in text
    for character in ("\u202e", "\x1b", "\x07"):
        assert character not in text and character not in html
    # The 1 MB summary is cut to its first sentence.
    assert len(html) < 200_000 and len(text) < 50_000
