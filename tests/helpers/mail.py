"""Mail servers on 127.0.0.1 for the mailer tests: an aiosmtpd inbox (plain, or STARTTLS with a trustme CA
and a required login), SMTP settings for them, and the W48 briefing stored ready to send.

Test modules import the fixtures they use by name (`# noqa: F401 - fixtures`).
"""
from __future__ import annotations

import ssl
from datetime import datetime, timezone

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tracker.briefing.build import build_briefing
from tracker.briefing.mailer import SmtpSettings
from tracker.briefing.render import write_briefing

from .briefing import BASE, WEEK, build_db
from .http import free_port

PASSWORD = "s3cret-Pa55word"
NOW = datetime(2026, 11, 23, 7, 45, tzinfo=timezone.utc)


class Inbox:
    """An aiosmtpd handler keeping every envelope; recipients containing 'refuse' are refused."""

    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if "refuse" in address:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"briefing" \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture
def client_context(ca):
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def start(controller: Controller) -> Controller:
    controller.start()
    return controller


@pytest.fixture
def plain_server():
    inbox = Inbox()
    controller = start(Controller(inbox, hostname="127.0.0.1", port=free_port()))
    yield controller, inbox
    controller.stop()


@pytest.fixture
def tls_server(ca):
    inbox = Inbox()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    controller = start(Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=server_context,
                                  require_starttls=True, authenticator=authenticator, auth_required=True))
    yield controller, inbox
    controller.stop()


def settings_for(port: int, **overrides) -> SmtpSettings:
    values = {"host": "127.0.0.1", "port": port, "starttls": False, "sender": "seoc-tracker@example.org",
              "recipients": ("seoc-team@example.org", "head.of.policy@example.org"), "timeout": 5}
    return SmtpSettings(**{**values, **overrides})


@pytest.fixture
def stored(database, tmp_path):
    """The W48 briefing written to reports/ and recorded, not yet sent."""
    build_db(database)
    briefing = build_briefing(database, WEEK, None, BASE)
    write_briefing(database, briefing, tmp_path / "reports", now=NOW)
    return database, briefing


def row(db) -> dict:
    return next(iter(db.query("SELECT * FROM briefings WHERE week = ?", [WEEK])))
