"""Log in as tests need to: a valid session cookie minted the way /-/login mints one (no roles in it); feed
tokens; and a database with staff work on it for the security tests."""
from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from datasette_auth_passwords.utils import hash_password

from tracker.contract import TrackedItem
from tracker.store import db as db_module
from tracker.store import register
from tracker.store import sessions
from tracker.store import items as store
from tracker.classify import tagging

SECRET = "a3f1c9e07b5d42e8a6c0f9b2d7e4a1c8b5f3e9d0c7a2b6e1f4d8c3a9b0e7f2d5"
USERS = {"rita": "reader", "ed": "editor", "ada": "admin"}
PASSWORD = "correct horse battery staple"
#: A real hash with few rounds, so tests that log in many times stay quick; the timing test uses real ones.
FAST_HASH = hash_password(PASSWORD, iterations=1_000)


def current_epoch(ds, account: str) -> int:
    """The account's session epoch in the instance's database."""
    path = next(db.path for name, db in ds.databases.items() if name not in ("_internal", "_memory"))
    conn = sqlite3.connect(path)
    try:
        return sessions.current_epoch(conn, account)
    finally:
        conn.close()


def session_cookie(ds, account: str | None, *, issued: float | None = None) -> dict:
    """Cookies of a live session for `account` on `ds` (None: no cookies, anonymous)."""
    if account is None:
        return {}
    value = sessions.sign(ds, account, epoch=current_epoch(ds, account),
                          issued=time.time() if issued is None else issued)
    return {sessions.COOKIE: value}


def feed_token(ds, name: str, **options) -> str:
    """Issue a feed token as `seoc-tracker feed-token NAME` does, signed with the instance's secret."""
    from tracker.store import db as tracker_db
    from tracker.store import feed_tokens
    path = next(db.path for n, db in ds.databases.items() if n not in ("_internal", "_memory"))
    database = tracker_db.connect(path)
    try:
        return feed_tokens.issue(database.conn, ds, name, **options)[0]
    finally:
        database.close()


def staff_work_db(path: Path) -> Path:
    """One relevant consultation with staff work on it: a response, triage, a reviewed tag, a theme a reviewer
    added, a relevance decision, a briefing, a job."""
    database = db_module.connect(path)
    closes = (datetime.now(timezone.utc) + timedelta(days=10)).replace(microsecond=0).isoformat()
    store.upsert_items(database, [TrackedItem(
        id="govuk:fraud", source="govuk", kind="consultation", title="Fraud and money laundering consultation",
        url="https://www.gov.uk/government/consultations/fraud", status="open", closes=closes,
        summary="Consultation on fraud, money laundering and failure to prevent fraud", organisation="Home Office")])
    tagging.classify_stored(database)
    register.save_response(database.conn, "ed", register.validate_response(
        {"item_id": "govuk:fraud", "decision": "respond", "status": "drafting", "owner_team": "SEOC policy",
         "position_summary": "SECRET-POSITION"}))
    register.set_triage(database.conn, "ed", "govuk:fraud", "action", "TRIAGE-NOTE")
    tag_id = database.execute("select id from item_priorities where item_id = 'govuk:fraud'").fetchone()[0]
    register.review(database.conn, "reviewer-ed", "item_priorities", tag_id, "confirmed", "REVIEW-NOTE")
    register.add_theme(database.conn, "reviewer-ed", "govuk:fraud", "bribery_corruption", "THEME-REASON")
    register.set_relevance(database.conn, "reviewer-ed", "govuk:fraud", "relevant", "RELEVANCE-REASON")
    database["briefings"].insert({"week": "2026-W48", "generated_at": "now", "as_of": "now", "content_hash": "h",
                                  "subject": "s", "recipients": "BRIEFING-RECIPIENT@example.gov.uk",
                                  "last_error": "SMTP-ERROR"})
    database["job_runs"].insert({"job": "crawl", "started": "now", "status": "ok", "message": "JOB-MESSAGE"})
    database.conn.commit()
    database.close()
    return path


async def actor(ds, cookies) -> dict | None:
    """The actor the instance derives for these cookies (None: anonymous, who may not even see /-/actor.json)."""
    response = await ds.client.get("/-/actor.json", cookies=cookies)
    if response.status_code == 403:
        return None
    assert response.status_code == 200, response.text[:300]
    return response.json()["actor"]
