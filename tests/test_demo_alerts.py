"""The demo's watcher: `seoc-tracker alerts --send` against a local SMTP server sends them the changes of the
demo's week (a new bill published that Monday, an inquiry closing within 7 days), once."""
from __future__ import annotations

import email
import email.policy

from click.testing import CliRunner

from tracker.cli import cli

from .helpers.mail import plain_server  # noqa: F401 - fixtures


def test_the_demo_user_is_alerted_to_the_demos_week(tmp_path, monkeypatch, plain_server):
    controller, inbox = plain_server
    monkeypatch.chdir(tmp_path)
    db_path = tmp_path / "demo" / "tracker.db"
    runner = CliRunner()
    built = runner.invoke(cli, ["demo", "--no-serve", "--db", str(db_path)])
    assert built.exit_code == 0, built.output
    assert "Watchlist: demo-editor follows 3 things" in built.output
    config = db_path.parent / "seoc-tracker.toml"
    env = {"SEOC_SMTP_HOST": "127.0.0.1", "SEOC_SMTP_PORT": str(controller.port), "SEOC_SMTP_STARTTLS": "false",
           "SEOC_BRIEFING_FROM": "seoc-tracker@example.org", "DATASETTE_SECRET": "f3" * 8 + "0123456789abcdef" * 2}
    command = ["alerts", "--send", "--db", str(db_path), "--config", str(config), "--at", "2026-09-14T07:30:00+01:00"]
    sent = runner.invoke(cli, command, env=env)
    assert sent.exit_code == 0, sent.output
    assert "demo-editor <demo-editor@example.org>: sent 2 change(s)" in sent.output
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["demo-editor@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    assert "* New: Sovereign Grant Bill (bill, published 14 Sep 2026)" in body
    assert "* Closing soon: The Online Safety Act: implementation and impact (closes 21 Sep 2026)" in body
    assert 'Because you follow search "bill" (kind bill)' in body and 'Because you follow search "online safety"' in body
    again = runner.invoke(cli, command, env=env)
    assert again.exit_code == 0 and "No alerts due" in again.output and len(inbox.envelopes) == 1
