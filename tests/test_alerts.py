"""Alerts about what people follow, sent to a real SMTP server on loopback (aiosmtpd): after a real crawl of a
recorded next stage, as a daily digest, never twice, never empty, retried, and stopped by a signed link."""
from __future__ import annotations

import email
import email.policy
import json
from datetime import datetime, timezone

import pytest

from tracker import crawl as crawl_mod
from tracker import config as config_mod
from tracker import jobs
from tracker.alerts import run as alerts_run
from tracker.alerts import unsubscribe, watchlist
from tracker.store import items as store
from tracker.store import asks as store_asks
from tracker.store.register import FormError, ResponseInput, save_response

from .helpers import FIXTURES
from .helpers.alerts import CONFIG, TITLE, bill_item, serve_bill_state
from .helpers.mail import plain_server  # noqa: F401 - fixtures
from .helpers.spiders import FAST

SECRET = "0123456789abcdef" * 4


def messages(inbox):
    return [(tuple(e.rcpt_tos), email.message_from_bytes(e.content, policy=email.policy.default))
            for e in inbox.envelopes]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "seoc-tracker.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("DATASETTE_SECRET", SECRET)
    return config_mod.load(path, environ={})


def smtp_env(monkeypatch, port):
    monkeypatch.setenv("SEOC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SEOC_SMTP_PORT", str(port))
    monkeypatch.setenv("SEOC_SMTP_STARTTLS", "false")
    monkeypatch.setenv("SEOC_BRIEFING_FROM", "seoc-tracker@example.org")


#: The tracker's clock through each test: crawls at 06:30 and 13:30 London, follows between them.
T = {name: f"2026-11-{day}T{time}+00:00" for name, day, time in (
    ("crawl0", "02", "06:30:00"), ("follow", "02", "09:00:00"), ("crawl1", "02", "13:30:00"),
    ("alerts1", "02", "13:35:00"), ("crawl2", "03", "06:30:00"), ("alerts2", "03", "06:35:00"))}


def crawl_bill(server, db_path, when):
    [result] = crawl_mod.crawl(["parliament-bills"], db_path, base_urls={"parliament-bills": server.url},
                               since="2000-01-01T00:00:00", settings=FAST, full=True, clock=T[when])
    assert result.status == "ok", result


def now(when="alerts1"):
    return datetime.fromisoformat(T[when])


def test_following_a_bill_then_crawling_its_next_stage_sends_one_alert(server, db_path, database, config,
                                                                      plain_server, monkeypatch):
    controller, inbox = plain_server
    smtp_env(monkeypatch, controller.port)
    serve_bill_state(server, before=True)
    crawl_bill(server, db_path, "crawl0")
    watchlist.follow(database.conn, "alice", {"owner": "alice", "what": "item", "target": "bill:2818"},
                     now=T["follow"])
    # Nothing changed since alice followed it: nothing is sent.
    assert jobs.alerts(db_path, config, now=now("follow"), send=True) == ([], [])
    serve_bill_state(server, before=False)  # the recorded next stage
    crawl_bill(server, db_path, "crawl1")
    built, outcomes = jobs.alerts(db_path, config, now=now(), send=True)
    assert [(o.owner, o.status) for o in outcomes] == [("alice", "sent")]
    [(to, message)] = messages(inbox)
    assert to == ("alice@example.org",)
    body = text_of(message)
    assert TITLE in message["Subject"] and TITLE in body
    assert "Bill stage" in body and "Commons: 1st reading -> Commons: 2nd reading" in body
    assert f'Because you follow item "{TITLE}"' in body  # named in words, not by its id
    # RFC 8058: a signed one-click link in the headers, and a link per watch in the body.
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"].strip("<>")
    claim = unsubscribe.read(SECRET, header.split("?t=", 1)[1])
    assert claim.owner == "alice" and [w for w, _ in claim.watches] == [1]
    # Idempotent: again now, and after a crawl that changed nothing, nothing more is sent.
    assert jobs.alerts(db_path, config, now=now(), send=True) == ([], [])
    crawl_bill(server, db_path, "crawl2")
    assert jobs.alerts(db_path, config, now=now("alerts2"), send=True) == ([], [])
    assert len(inbox.envelopes) == 1
    assert [r["status"] for r in database.query("select status from alert_sends")] == ["sent"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_daily_digest_collects_two_crawls_in_one_message(db_path, database, config, plain_server, monkeypatch):
    """Dates follow the real GOV.UK consultation, published 4 Nov 2016 09:00."""
    controller, inbox = plain_server
    smtp_env(monkeypatch, controller.port)
    store.upsert_items(database, [bill_item(before=True)], now="2016-11-03T10:00:00+00:00")
    watchlist.follow(database.conn, "alice", {"owner": "alice", "what": "item", "target": "bill:2818",
                                              "cadence": "daily"}, now="2016-11-03T10:00:00+00:00")
    watchlist.follow(database.conn, "alice", {"owner": "alice", "what": "search", "target": "doctoral loans",
                                              "kind": "consultation", "cadence": "daily"},
                     now="2016-11-03T10:00:00+00:00")
    store.upsert_items(database, [bill_item(before=False)], now="2016-11-04T06:30:00+00:00")  # crawl 1
    consultation = json.loads((FIXTURES / "govuk" / "consultation__open_consultation.expected.json").read_text())
    store.upsert_items(database, [consultation], now="2016-11-04T13:30:00+00:00")  # crawl 2
    # The day is not over: a daily digest waits for it.
    assert jobs.alerts(db_path, config, now=at("2016-11-04T14:00:00+00:00"), send=True) == ([], [])
    # Read up to midnight with nothing to say: the next run starts there, not at the follow.
    assert {r["alerted_until"] for r in database.query("select alerted_until from watches")} == {
        "2016-11-04T00:00:00+00:00"}
    built, outcomes = jobs.alerts(db_path, config, now=at("2016-11-05T06:45:00+00:00"), send=True)
    assert [(o.owner, o.status, o.changes) for o in outcomes] == [("alice", "sent", 2)]
    [(to, message)] = messages(inbox)
    body = text_of(message)
    assert "Commons: 2nd reading" in body and "Postgraduate doctoral loans" in body
    assert 'Because you follow search "doctoral loans" (kind consultation)' in body
    assert jobs.alerts(db_path, config, now=at("2016-11-06T06:45:00+00:00"), send=True) == ([], [])


def test_back_catalogue_is_not_new(db_path, database, config):
    """An item first seen now but published long before the watch is not news."""
    watchlist.follow(database.conn, "alice", {"owner": "alice", "what": "search", "target": "doctoral loans"},
                     now="2026-11-03T10:00:00+00:00")
    consultation = json.loads((FIXTURES / "govuk" / "consultation__open_consultation.expected.json").read_text())
    store.upsert_items(database, [consultation], now="2026-11-04T13:30:00+00:00")
    assert alerts_run.build(database, config, at("2026-11-04T14:00:00+00:00")) == []


def test_register_only_in_editors_alerts_and_a_refused_address_stops_no_one(
        server, db_path, database, config, plain_server, monkeypatch):
    controller, inbox = plain_server
    smtp_env(monkeypatch, controller.port)
    serve_bill_state(server, before=True)
    crawl_bill(server, db_path, "crawl0")
    for owner in ("alice", "edna", "rufus", "team:fraud", "nomail"):
        watchlist.follow(database.conn, "admin", {"owner": owner, "what": "reform", "target": "bill:2818"},
                         teams=tuple(config.teams), now=T["follow"])
    save_response(database.conn, "edna", ResponseInput("bill:2818", "respond", "drafting", "Fraud policy",
                                                       "2021-06-01", None, "Secret position", "", ""))
    serve_bill_state(server, before=False)
    crawl_bill(server, db_path, "crawl1")
    built, outcomes = jobs.alerts(db_path, config, now=now(), send=True)
    assert {o.owner: o.status for o in outcomes} == {"alice": "sent", "edna": "sent", "rufus": "failed",
                                                     "team:fraud": "sent", "nomail": "no address"}
    assert "set email under [users.nomail]" in next(o.message for o in outcomes if o.owner == "nomail")
    assert "rufus-refuse@example.org" in next(o.message for o in outcomes if o.owner == "rufus")
    bodies = {to[0]: text_of(m) for to, m in messages(inbox)}
    assert set(bodies) == {"alice@example.org", "edna@example.org", "fraud-team@example.org"}
    assert "Our response: respond, drafting, internal deadline 2021-06-01" in bodies["edna@example.org"]
    for reader in ("alice@example.org", "fraud-team@example.org"):
        assert "Our response" not in bodies[reader] and "drafting" not in bodies[reader]


def test_a_failed_send_is_kept_and_sent_by_the_next_run(server, db_path, database, config, plain_server,
                                                        monkeypatch):
    controller, inbox = plain_server
    serve_bill_state(server, before=True)
    crawl_bill(server, db_path, "crawl0")
    watchlist.follow(database.conn, "alice", {"owner": "alice", "what": "item", "target": "bill:2818"},
                     now=T["follow"])
    serve_bill_state(server, before=False)
    crawl_bill(server, db_path, "crawl1")
    from .helpers.http import free_port
    smtp_env(monkeypatch, free_port())  # nothing listens there
    [outcome] = jobs.alerts(db_path, config, now=now(), send=True)[1]
    assert outcome.status == "failed" and "connection refused" in outcome.message
    assert database["watches"].get(1)["alerted_until"] is None
    [row] = database.query("select status, attempts, last_error from alert_sends")
    assert (row["status"], row["attempts"]) == ("failed", 1) and "connection refused" in row["last_error"]
    smtp_env(monkeypatch, controller.port)
    [outcome] = jobs.alerts(db_path, config, now=now("alerts2"), send=True)[1]
    assert outcome.status == "sent" and len(inbox.envelopes) == 1
    [row] = database.query("select status, attempts, last_error from alert_sends")
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)
    assert database["watches"].get(1)["alerted_until"] == T["alerts2"]


def test_bad_watches_are_refused_and_nothing_is_written(db_path, database, config):
    store.upsert_items(database, [bill_item(before=True)], now="2026-11-03T10:00:00+00:00")
    cases = [
        ({"what": "search", "target": "fraud AND"}, "target", "AND at the end needs a word"),
        ({"what": "search", "target": "   "}, "target", "say what to follow"),
        ({"what": "reform", "target": "bill:999999"}, "target", "no tracked reform"),
        ({"what": "theme", "target": "astrology"}, "target", "no priority theme"),
        ({"what": "item", "target": "bill:2818", "owner": "team:nobody"}, "owner", "no team is called 'nobody'"),
        ({"what": "search", "target": "fraud", "kind": "poem"}, "kind", "no kind"),
        ({"what": "item", "target": "bill:2818", "cadence": "hourly"}, "cadence", "must be one of"),
    ]
    for form, field, words in cases:
        with pytest.raises(FormError) as caught:
            watchlist.follow(database.conn, "alice", {"owner": "alice", **form}, teams=tuple(config.teams))
        assert words in caught.value.errors[field], caught.value.errors
    assert database["watches"].count == 0
    assert database.execute("select count(*) from audit_log where table_name = 'watches'").fetchone()[0] == 0


def test_unsubscribe_links_remove_only_what_they_name(db_path, database, config):
    store.upsert_items(database, [bill_item(before=True)], now="2026-11-03T10:00:00+00:00")
    mine = watchlist.follow(database.conn, "alice", {"owner": "alice", "what": "item", "target": "bill:2818"})
    watch = watchlist.get(database.conn, mine)
    good = unsubscribe.token(SECRET, "alice", [(mine, watch.created)])
    for forged in (unsubscribe.token("another-secret-another-secret-xx", "alice", [(mine, watch.created)]),
                   good[:-2] + ("AA" if not good.endswith("AA") else "BB"), "", "not-a-token"):
        with pytest.raises(unsubscribe.LinkError):
            unsubscribe.read(SECRET, forged)
    with pytest.raises(unsubscribe.LinkError, match="expired"):
        unsubscribe.read(SECRET, good, now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    # Someone else's name in a validly signed link removes nothing of alice's.
    claim = unsubscribe.read(SECRET, unsubscribe.token(SECRET, "mallory", [(mine, watch.created)]))
    assert watchlist.remove_by_link(database.conn, claim.owner, claim.watches) == []
    assert database["watches"].count == 1
    claim = unsubscribe.read(SECRET, good)
    assert [w.id for w in watchlist.remove_by_link(database.conn, claim.owner, claim.watches)] == [mine]
    assert database["watches"].count == 0
    [audit] = database.query("select actor, action from audit_log where table_name = 'watches' and action = 'unfollow'")
    assert audit == {"actor": "alice (unsubscribe link)", "action": "unfollow"}


def test_the_schedule_runs_alerts_after_each_crawl_and_every_half_hour(db_path, config, monkeypatch):
    from apscheduler.schedulers.background import BackgroundScheduler
    from tracker import scheduler
    calls = []
    monkeypatch.setattr(jobs, "crawl_and_classify", lambda path, cfg: calls.append("crawl"))
    monkeypatch.setattr(jobs, "alerts_job", lambda path, cfg: calls.append("alerts"))
    built = scheduler.build_scheduler(db_path, config, BackgroundScheduler())
    jobs_by_id = {job.id: job for job in built.get_jobs()}
    jobs_by_id["crawl-0"].func()
    assert calls == ["crawl", "alerts"]
    jobs_by_id["alerts"].func()
    assert calls == ["crawl", "alerts", "alerts"]
    assert jobs_by_id["alerts"].trigger.interval.total_seconds() == 30 * 60


def test_hostile_text_is_escaped_in_the_html_part():
    from tracker.alerts import message
    from tracker.alerts.changes import Change
    watch = watchlist.Watch(1, "alice", "search", '<img src=x onerror=alert(1)>', None, None, None, "immediate",
                            "2026-11-02T09:00:00+00:00", "alice", None)
    change = Change("govuk:x:new", "new", "govuk:x", "<script>alert('t')</script> Bill", "2026-11-02T13:30:00+00:00",
                    "consultation, published 2 Nov 2026")
    alert = alerts_run.Alert("alice", "alice@example.org", False, [(watch, [change])], {})
    text, html, subject = message.render(alert, base_url="https://tracker.example.org", links={1: "https://l/1"},
                                         every_link="https://l/all", theme_names={})
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html
    assert "<script>alert('t')</script> Bill" in text and subject.startswith("SEOC alert: <script>")


def test_our_asks_outcomes_reach_editors_following_the_reform_and_no_one_else(db_path, database, config):
    """An outcome an editor records for one of our asks is register data: in an editor's alert, never a reader's."""
    store.upsert_items(database, [bill_item(before=False)], now="2026-11-01T06:30:00+00:00")
    for owner in ("alice", "edna", "team:fraud"):
        watchlist.follow(database.conn, "admin", {"owner": owner, "what": "item", "target": "bill:2818"},
                         teams=tuple(config.teams), now="2026-11-02T09:00:00+00:00")
    response_id = store_asks.save_response_with_asks(
        database.conn, "edna", ResponseInput("bill:2818", "respond", "submitted", "Fraud policy", None, "2021-01-20",
                                             "", "", ""),
        store_asks.parse_asks_form({"ask-1-text": "Abolish business rates for small charities"}))
    [ask_id] = [r[0] for r in database.execute("select id from asks where response_id = ?", [response_id])]
    store_asks.set_outcome(database.conn, "edna", ask_id, "not adopted", "bill:2818", now="2026-11-02T10:00:00+00:00")
    built = {a.owner: a for a in alerts_run.build(database, config, at("2026-11-02T11:00:00+00:00"))}
    assert set(built) == {"edna"}  # the outcome is the only change, and only an editor may hear of it
    [(watch, changes)] = built["edna"].sections
    assert [(c.kind, c.detail) for c in changes] == [
        ("our ask", '"Abolish business rates for small charities": not adopted')]


def test_a_poll_that_runs_is_followed_by_alerts(db_path, config, monkeypatch):
    """What a poll finds reaches followers within the hour, not at the next crawl."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from tracker import scheduler
    calls = []
    monkeypatch.setattr(jobs, "poll_and_classify", lambda path, cfg: calls.append("poll"))
    monkeypatch.setattr(jobs, "alerts_job", lambda path, cfg: calls.append("alerts"))
    monkeypatch.setattr(scheduler, "crawl_covers", lambda cfg, now: False)
    poll = {job.id: job for job in scheduler.build_scheduler(db_path, config, BackgroundScheduler()).get_jobs()}["poll"]
    poll.func()
    assert calls == ["poll", "alerts"]
    monkeypatch.setattr(scheduler, "crawl_covers", lambda cfg, now: True)  # the crawl at this time does both
    poll.func()
    assert calls == ["poll", "alerts"]
