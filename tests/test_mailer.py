"""Sending the briefing: a real aiosmtpd server on 127.0.0.1, STARTTLS with a trustme CA, failures; a preview
is never sent."""
from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tracker.briefing.build import build_briefing
from tracker.briefing.mailer import MailError, SmtpSettings, build_message, send_briefing
from tracker.briefing.render import render, write_briefing
from tracker.errors import ConfigError

from .helpers.briefing import BASE, WEEK, build_db
from .helpers.http import free_port
from .helpers.mail import (NOW, PASSWORD, Inbox, ca, client_context, plain_server,  # noqa: F401 - fixtures
                           row, settings_for, start, stored, tls_server)


def received(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=email.policy.default)


def test_settings_from_env_and_repr_hides_password():
    env = {"SEOC_SMTP_HOST": "smtp.example.org", "SEOC_SMTP_PORT": "2525", "SEOC_SMTP_STARTTLS": "yes",
           "SEOC_SMTP_USER": "briefing", "SEOC_SMTP_PASSWORD": PASSWORD, "SEOC_BRIEFING_FROM": "a@example.org",
           "SEOC_BRIEFING_TO": " b@example.org, c@example.org ,"}
    settings = SmtpSettings.from_env(env)
    assert settings == SmtpSettings(host="smtp.example.org", port=2525, starttls=True, user="briefing",
                                    password=PASSWORD, sender="a@example.org",
                                    recipients=("b@example.org", "c@example.org"), timeout=30.0)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings) and "***" in repr(settings)
    assert SmtpSettings.from_env({**env, "SEOC_SMTP_PORT": "", "SEOC_SMTP_STARTTLS": ""}).port == 587


@pytest.mark.parametrize("change, message", [
    ({"SEOC_SMTP_HOST": ""}, "missing: SEOC_SMTP_HOST"),
    ({"SEOC_BRIEFING_TO": " , "}, "missing: SEOC_BRIEFING_TO"),
    ({"SEOC_SMTP_PORT": "smtp"}, "whole number"),
    ({"SEOC_SMTP_STARTTLS": "maybe"}, "true or false"),
    ({"SEOC_SMTP_STARTTLS": "false"}, "without STARTTLS"),
    ({"SEOC_BRIEFING_TO": "someone"}, "not an email address"),
])
def test_settings_errors_are_clear(change, message):
    env = {"SEOC_SMTP_HOST": "smtp.example.org", "SEOC_SMTP_USER": "u", "SEOC_SMTP_PASSWORD": PASSWORD,
           "SEOC_BRIEFING_FROM": "a@example.org", "SEOC_BRIEFING_TO": "b@example.org"}
    with pytest.raises(ConfigError, match=message) as failure:
        SmtpSettings.from_env({**env, **change})
    assert PASSWORD not in str(failure.value)


def test_build_message_text_then_html(stored):
    _, briefing = stored
    html, text = render(briefing)
    message = build_message(briefing, html, text, settings_for(25), now=NOW)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "SEOC reform briefing w/c 23 Nov 2026: 2 deadlines, 1 new, 2 moved"
    assert message["To"] == "seoc-team@example.org, head.of.policy@example.org"
    assert message["Date"] == "Mon, 23 Nov 2026 07:45:00 +0000"
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@example.org>")


def test_send_through_plain_relay(stored, plain_server):
    db, briefing = stored
    controller, inbox = plain_server
    result = send_briefing(db, WEEK, settings_for(controller.port), now=NOW)
    assert result.sent and result.refused == {} and len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    assert envelope.mail_from == "seoc-tracker@example.org"
    assert envelope.rcpt_tos == ["seoc-team@example.org", "head.of.policy@example.org"]
    message = received(envelope)
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == briefing.subject
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert text.startswith("SEOC REFORM BRIEFING\nWeek commencing 23 Nov 2026 (2026-W48)\n")
    assert "* Fraud strategy: consultation\n    10 days left: closes 3 Dec 2026." in text
    assert "<" not in text.split("\n", 1)[0]
    stored_row = row(db)
    assert (stored_row["sent_at"], json.loads(stored_row["recipients"]), stored_row["message_id"],
            stored_row["send_attempts"], stored_row["last_error"]) == (
        "2026-11-23T07:45:00+00:00", ["seoc-team@example.org", "head.of.policy@example.org"],
        message["Message-ID"].strip(), 1, None)
    assert result.message_id == message["Message-ID"].strip()


def test_starttls_and_login_with_trustme_ca(stored, tls_server, client_context, caplog):
    db, _ = stored
    controller, inbox = tls_server
    settings = settings_for(controller.port, starttls=True, user="briefing", password=PASSWORD)
    with caplog.at_level(logging.DEBUG):
        result = send_briefing(db, WEEK, settings, ssl_context=client_context, now=NOW)
    assert result.sent and len(inbox.envelopes) == 1
    assert received(inbox.envelopes[0])["Subject"].startswith("SEOC reform briefing w/c 23 Nov 2026")
    assert PASSWORD not in caplog.text


def test_tls_without_our_ca_fails_and_is_recorded(stored, tls_server):
    db, _ = stored
    controller, inbox = tls_server
    settings = settings_for(controller.port, starttls=True, user="briefing", password=PASSWORD)
    with pytest.raises(MailError, match="TLS failed"):
        send_briefing(db, WEEK, settings, now=NOW)
    assert inbox.envelopes == [] and row(db)["sent_at"] is None


def test_wrong_password_is_recorded_without_the_password(stored, tls_server, client_context, caplog):
    db, _ = stored
    controller, inbox = tls_server
    settings = settings_for(controller.port, starttls=True, user="briefing", password=PASSWORD + "-wrong")
    with caplog.at_level(logging.DEBUG), pytest.raises(MailError, match="login refused") as failure:
        send_briefing(db, WEEK, settings, ssl_context=client_context, now=NOW)
    stored_row = row(db)
    assert stored_row["sent_at"] is None and stored_row["send_attempts"] == 1
    assert "login refused (535" in stored_row["last_error"]
    for text in (str(failure.value), stored_row["last_error"], caplog.text):
        assert PASSWORD not in text
    assert inbox.envelopes == []


def test_smtp_down_then_sent_exactly_once_then_nothing(stored):
    db, briefing = stored
    port = free_port()
    with pytest.raises(MailError, match="connection refused") as failure:
        send_briefing(db, WEEK, settings_for(port), now=NOW)
    assert "The briefing is kept" in str(failure.value)
    first = row(db)
    assert (first["sent_at"], first["send_attempts"], first["content_hash"]) == (None, 1, briefing.content_hash)
    assert first["last_error"].startswith(f"2026-11-23T07:45:00+00:00 attempt 1 via 127.0.0.1:{port}: connection")

    inbox = Inbox()
    controller = start(Controller(inbox, hostname="127.0.0.1", port=port))
    try:
        second = send_briefing(db, WEEK, settings_for(port), now=NOW)
        third = send_briefing(db, WEEK, settings_for(port), now=NOW)
    finally:
        controller.stop()
    assert second.sent and not third.sent
    assert len(inbox.envelopes) == 1
    assert "already sent at 2026-11-23T07:45:00+00:00" in third.message and "nothing sent" in third.message
    final = row(db)
    assert (final["send_attempts"], final["last_error"], final["sent_at"]) == (2, None, "2026-11-23T07:45:00+00:00")


def test_force_sends_again_with_a_new_message_id(stored, plain_server):
    db, _ = stored
    controller, inbox = plain_server
    first = send_briefing(db, WEEK, settings_for(controller.port), now=NOW)
    again = send_briefing(db, WEEK, settings_for(controller.port), force=True, now=NOW)
    assert again.sent and len(inbox.envelopes) == 2 and again.message_id != first.message_id
    assert row(db)["message_id"] == again.message_id


def test_timeout_is_recorded(stored):
    db, _ = stored
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(MailError, match="timed out"):
            send_briefing(db, WEEK, settings_for(silent.getsockname()[1], timeout=0.5), now=NOW)
    assert "timed out" in row(db)["last_error"]


def test_dropped_connection_is_recorded(stored):
    db, _ = stored
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def hang_up():
        connection, _ = listener.accept()
        connection.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    try:
        with pytest.raises(MailError, match="closed the connection"):
            send_briefing(db, WEEK, settings_for(listener.getsockname()[1]), now=NOW)
    finally:
        thread.join(2)
        listener.close()
    assert row(db)["send_attempts"] == 1 and row(db)["sent_at"] is None


def test_refused_recipients_are_reported(stored, plain_server):
    db, _ = stored
    controller, inbox = plain_server
    settings = settings_for(controller.port, recipients=("seoc-team@example.org", "refuse-me@example.org"))
    result = send_briefing(db, WEEK, settings, now=NOW)
    assert result.sent and result.accepted == ("seoc-team@example.org",)
    assert result.refused == {"refuse-me@example.org": "550 5.1.1 no such mailbox"}
    assert "1 refused: refuse-me@example.org" in result.message
    stored_row = row(db)
    assert json.loads(stored_row["recipients"]) == ["seoc-team@example.org"]
    assert stored_row["last_error"] == "refused: refuse-me@example.org (550 5.1.1 no such mailbox)"
    assert inbox.envelopes[0].rcpt_tos == ["seoc-team@example.org"]


def test_all_recipients_refused_is_a_failure(stored, plain_server):
    db, _ = stored
    controller, inbox = plain_server
    settings = settings_for(controller.port, recipients=("refuse-1@example.org", "refuse-2@example.org"))
    with pytest.raises(MailError, match="every recipient was refused"):
        send_briefing(db, WEEK, settings, now=NOW)
    assert row(db)["sent_at"] is None and inbox.envelopes == []


def test_no_stored_briefing(database):
    with pytest.raises(MailError, match="no briefing is stored for week 2026-W48"):
        send_briefing(database, WEEK, settings_for(25))


def test_missing_report_files(stored, tmp_path):
    db, _ = stored
    (tmp_path / "reports" / f"{WEEK}.html").unlink()
    with pytest.raises(MailError, match="cannot read its reports"):
        send_briefing(db, WEEK, settings_for(25))


def test_a_preview_is_never_recorded_or_sent_only_the_weeks_briefing_is(database, db_path, tmp_path, plain_server,
                                                                         monkeypatch):
    """A Saturday preview written first; then the schedule's job and its catch-up send the week's own
    briefing, once; sending the preview is refused before anything is written."""
    from tracker import config as config_mod
    from tracker import jobs
    from tracker import scheduler
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("SEOC_SMTP", "SEOC_BRIEFING"))]:
        monkeypatch.delenv(key)
    build_db(database)
    controller, inbox = plain_server
    config = config_mod.Config(smtp={"host": "127.0.0.1", "port": controller.port, "starttls": False,
                                     "from": "seoc-tracker@example.org", "to": ["seoc-team@example.org"]})
    saturday = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)

    preview = jobs.brief(db_path, config, as_of=saturday, now=saturday)
    assert (preview.preview, preview.sent, preview.message) == (True, False, "preview written; a preview is never emailed")
    assert database["briefings"].count == 0
    with pytest.raises(MailError, match="no briefing is stored for week 2026-W48"):
        send_briefing(database, WEEK, settings_for(controller.port))
    with pytest.raises(jobs.BriefingRequestError, match="a preview .* is never emailed"):
        jobs.brief(db_path, config, as_of=saturday, now=saturday, send=True)
    assert inbox.envelopes == [] and database["briefings"].count == 0

    assert jobs.briefing_due(db_path, config, saturday) == WEEK  # the preview does not count as the week's
    week = jobs.briefing_job(db_path, config, saturday)
    assert scheduler.catch_up(db_path, config, saturday) is None
    subject = "SEOC reform briefing w/c 23 Nov 2026: 2 deadlines, 1 new, 2 moved"
    assert (week.preview, week.sent, week.subject) == (False, True, subject)
    assert [received(e)["Subject"] for e in inbox.envelopes] == [subject]
    assert Path(preview.paths[0]).exists() and row(database)["html_path"] == str(tmp_path / "reports" / "2026-W48.html")
