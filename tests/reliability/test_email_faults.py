"""SMTP failing in the ways real relays fail: 554 to RCPT or DATA, a server that never speaks, a connection
dropped during DATA. Each time the briefing is kept (its briefings row and reports files), the error is
recorded without the password (even when the server echoes the credentials back), and a later send to a
working aiosmtpd server (STARTTLS with a trustme CA, login required) sends exactly once; a further send
does nothing.

The faulty servers are a scripted SMTP dialogue on a raw socket (with real STARTTLS and AUTH PLAIN), so a
fault can strike at any command.
"""
from __future__ import annotations

import base64
import logging
import socket
import ssl
import threading
from pathlib import Path

import pytest

from tracker.briefing.mailer import MailError, send_briefing

from ..helpers.briefing import WEEK
from ..helpers.mail import (NOW, PASSWORD, ca, client_context, row, settings_for, stored,  # noqa: F401 - fixtures
                            tls_server)

USER = "briefing"
CREDENTIAL = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()


class ScriptedSmtp:
    """One SMTP session on 127.0.0.1: STARTTLS, AUTH PLAIN, then the fault; every command is logged."""

    def __init__(self, fault: str, server_context: ssl.SSLContext):
        self.fault, self.context = fault, server_context
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.commands: list[str] = []
        self.data = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        if fault != "silent":  # silent: the kernel accepts the connection, nobody ever speaks
            self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        conn.settimeout(10)
        reader = conn.makefile("rb")
        tls = False

        def say(text: str) -> None:
            conn.sendall(text.encode() + b"\r\n")

        try:
            say("220 relay.example.org ESMTP")
            while True:
                line = reader.readline()
                if not line:
                    return
                command = line.decode().strip()
                self.commands.append(command)
                verb = command.split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    last = "250 AUTH PLAIN" if tls else "250 STARTTLS"
                    say("250-relay.example.org\r\n250-SIZE 10000000\r\n" + last)
                elif verb == "STARTTLS":
                    say("220 2.0.0 ready")
                    conn = self.context.wrap_socket(conn, server_side=True)
                    reader, tls = conn.makefile("rb"), True
                elif verb == "AUTH":
                    say("235 2.7.0 authenticated")
                elif verb == "MAIL":
                    say("250 2.1.0 ok")
                elif verb == "RCPT":
                    # A verbose relay echoing the credentials it was given: they must not reach our records.
                    say(f"554 5.7.1 relay denied for {USER} ({CREDENTIAL}, {PASSWORD})" if self.fault == "rcpt-554"
                        else "250 2.1.5 ok")
                elif verb == "DATA":
                    if self.fault == "data-554":
                        say(f"554 5.6.0 message refused, session AUTH PLAIN {CREDENTIAL} password {PASSWORD}")
                    else:
                        say("354 go ahead")
                        self.data = reader.read(200)  # part of the message, then hang up mid-DATA
                        conn.close()
                        return
                elif verb == "RSET":
                    say("250 2.0.0 ok")
                elif verb == "QUIT":
                    say("221 2.0.0 bye")
                    return
                else:
                    say("502 5.5.2 not implemented")
        except OSError:
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5) if self.thread.is_alive() else None


@pytest.fixture
def server_context(ca):  # noqa: F811 - the CA fixture imported above
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


FAULTS = {
    "rcpt-554": "every recipient was refused: seoc-team@example.org (554 5.7.1 relay denied for briefing (***, ***))",
    "data-554": "554 5.6.0 message refused, session AUTH PLAIN *** password ***",
    # smtplib turns a timeout while reading the greeting into SMTPServerDisconnected, so the record says
    # "closed the connection" before "timed out" (it is still clear, if indirect).
    "silent": "(Connection unexpectedly closed: timed out)",
    "dropped-in-data": "the server closed the connection",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_failed_send_keeps_the_briefing_then_sends_once(fault, stored, server_context, tls_server,  # noqa: F811
                                                        client_context, caplog):  # noqa: F811
    db, briefing = stored
    before = row(db)
    files = {path: Path(path).read_bytes() for path in (before["html_path"], before["text_path"])}
    faulty = ScriptedSmtp(fault, server_context)
    settings = dict(starttls=True, user=USER, password=PASSWORD, timeout=1)
    try:
        with caplog.at_level(logging.DEBUG), pytest.raises(MailError) as failure:
            send_briefing(db, WEEK, settings_for(faulty.port, **settings), ssl_context=client_context, now=NOW)
    finally:
        faulty.close()
    if fault != "silent":
        assert "STARTTLS" in faulty.commands and f"AUTH PLAIN {CREDENTIAL}" in faulty.commands  # really sent
    if fault == "dropped-in-data":
        assert faulty.data  # the message had started to arrive when the line dropped

    failed = row(db)
    assert FAULTS[fault] in failed["last_error"], failed["last_error"]
    assert failed["last_error"].startswith(f"2026-11-23T07:45:00+00:00 attempt 1 via 127.0.0.1:{faulty.port}: ")
    assert (failed["sent_at"], failed["send_attempts"], failed["content_hash"], failed["subject"]) == (
        None, 1, before["content_hash"], before["subject"])
    assert "The briefing is kept" in str(failure.value)
    for text in (failed["last_error"], str(failure.value), caplog.text):
        assert PASSWORD not in text and CREDENTIAL not in text
    assert {path: Path(path).read_bytes() for path in files} == files

    controller, inbox = tls_server
    working = settings_for(controller.port, **settings)
    sent = send_briefing(db, WEEK, working, ssl_context=client_context, now=NOW)
    again = send_briefing(db, WEEK, working, ssl_context=client_context, now=NOW)
    assert sent.sent and not again.sent and "nothing sent" in again.message
    assert len(inbox.envelopes) == 1
    final = row(db)
    assert (final["send_attempts"], final["last_error"], final["message_id"]) == (2, None, sent.message_id)
