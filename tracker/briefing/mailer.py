"""Build the briefing email and send it once per week through SMTP (STARTTLS); the password is never kept."""
from __future__ import annotations

import base64
import json
import logging
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Mapping, Protocol

import sqlite_utils

from tracker.errors import ConfigError, TrackerError
from tracker.store.db import write_transaction
from tracker.weeks import utc_iso

log = logging.getLogger(__name__)

DEFAULT_PORT = 587
DEFAULT_TIMEOUT = 30.0
ENV = {
    "host": "SEOC_SMTP_HOST", "port": "SEOC_SMTP_PORT", "starttls": "SEOC_SMTP_STARTTLS",
    "user": "SEOC_SMTP_USER", "password": "SEOC_SMTP_PASSWORD", "sender": "SEOC_BRIEFING_FROM",
    "recipients": "SEOC_BRIEFING_TO", "timeout": "SEOC_SMTP_TIMEOUT",
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class MailError(TrackerError):
    """The briefing could not be sent (the briefing itself is kept)."""


class BriefingLike(Protocol):
    """What a message needs from a briefing: a built `Briefing` or a stored `briefings` row."""

    week: str
    subject: str
    content_hash: str


@dataclass(frozen=True)
class StoredBriefing:
    """A `briefings` row, enough to send it."""

    week: str
    subject: str
    content_hash: str


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; `repr` never shows the password."""

    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = DEFAULT_PORT
    starttls: bool = True
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT

    def __repr__(self) -> str:
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, starttls={self.starttls}, "
                f"user={self.user!r}, password={'***' if self.password else ''!r}, sender={self.sender!r}, "
                f"recipients={list(self.recipients)!r}, timeout={self.timeout})")

    __str__ = __repr__

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """Settings from SEOC_SMTP_* / SEOC_BRIEFING_* variables (default: the process environment)."""
        env = os.environ if env is None else env

        def get(key: str) -> str:
            return (env.get(ENV[key]) or "").strip()

        try:
            port = int(get("port") or DEFAULT_PORT)
            timeout = float(get("timeout") or DEFAULT_TIMEOUT)
        except ValueError:
            raise ConfigError(f"{ENV['port']} must be a whole number and {ENV['timeout']} a number of "
                              f"seconds, got {get('port')!r} and {get('timeout')!r}") from None
        flag = get("starttls").lower() or "true"
        if flag not in _TRUE + _FALSE:
            raise ConfigError(f"{ENV['starttls']} must be true or false, got {flag!r}")
        return cls(host=get("host"), port=port, starttls=flag in _TRUE, user=get("user"),
                   password=env.get(ENV["password"]) or "", sender=get("sender"),
                   recipients=tuple(r.strip() for r in get("recipients").split(",") if r.strip()),
                   timeout=timeout).validated()

    def validated(self) -> SmtpSettings:
        """These settings, or ConfigError naming the missing or unsafe setting."""
        missing = [ENV[k] for k, v in (("host", self.host), ("sender", self.sender),
                                       ("recipients", self.recipients)) if not v]
        if missing:
            raise ConfigError(f"email settings missing: {', '.join(missing)}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"{ENV['port']} {self.port} is not a TCP port")
        if self.user and not self.starttls:
            raise ConfigError(f"refusing to send the SMTP password for {self.user!r} without STARTTLS: "
                              f"set {ENV['starttls']}=true or remove {ENV['user']}")
        for address in (self.sender, *self.recipients):
            if "@" not in address or any(c in address for c in "\r\n"):
                raise ConfigError(f"{address!r} is not an email address")
        return self


@dataclass(frozen=True)
class SendResult:
    """What a send did: sent, or skipped because already sent; refused recipients are listed."""

    week: str
    sent: bool
    message: str
    message_id: str = ""
    accepted: tuple[str, ...] = ()
    refused: dict[str, str] = field(default_factory=dict)


def build_message(briefing: BriefingLike, html: str, text: str, settings: SmtpSettings, *,
                  now: datetime | None = None, message_id: str | None = None) -> EmailMessage:
    """A multipart/alternative email: the text part first, then the HTML part (the one clients prefer)."""
    message = EmailMessage()
    message["Subject"] = briefing.subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = format_datetime(now or datetime.now(timezone.utc))
    message["Message-ID"] = message_id or make_msgid(domain=settings.sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message["X-SEOC-Briefing"] = f"{briefing.week} {briefing.content_hash[:12]}"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _scrub(text: str, settings: SmtpSettings) -> str:
    """An error text with the password (and its common encodings) removed."""
    if settings.password:
        secrets = {settings.password, base64.b64encode(settings.password.encode()).decode(),
                   base64.b64encode(f"\0{settings.user}\0{settings.password}".encode()).decode()}
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
    return text[:1000]


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused ({exc.smtp_code} {_text(exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused: " + ", ".join(
            f"{r} ({c} {_text(m)})"
            for r, (c, m) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({exc or 'no reason given'})"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out waiting for the server"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the SMTP server running?)"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"the server does not offer what we need ({exc})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def _deliver(message: EmailMessage, settings: SmtpSettings, ssl_context: ssl.SSLContext | None,
             smtp_class: type[smtplib.SMTP]) -> dict[str, Any]:
    client = smtp_class(settings.host, settings.port, timeout=settings.timeout)
    try:
        client.ehlo()
        if settings.starttls:
            client.starttls(context=ssl_context or ssl.create_default_context())
            client.ehlo()
        if settings.user:
            client.login(settings.user, settings.password)
        refused = client.send_message(message, from_addr=settings.sender, to_addrs=list(settings.recipients))
    except BaseException:
        client.close()
        raise
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):  # accepted already: a failed goodbye must not cause a resend
        client.close()
    return refused


def deliver_recorded(db: sqlite_utils.Database, send_id: int, attempts: int, message: EmailMessage,
                     settings: SmtpSettings, address: str, now: datetime, *, ssl_context: ssl.SSLContext | None = None,
                     smtp_class: type[smtplib.SMTP] = smtplib.SMTP) -> str | None:
    """Send `message` to `address` alone and record the attempt on its `alert_sends` row (alerts and team
    briefings): sent with its Message-ID, or failed with the error (scrubbed of secrets) for the next run to
    retry. Returns None when sent, else that error."""
    try:
        refused = _deliver(message, replace(settings, recipients=(address,)), ssl_context, smtp_class)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
    except (smtplib.SMTPException, OSError) as exc:
        error = _scrub(f"{utc_iso(now)} attempt {attempts}: {_describe(exc)}", settings)
        with write_transaction(db.conn) as conn:
            conn.execute("UPDATE alert_sends SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                         [attempts, error, send_id])
        return error
    with write_transaction(db.conn) as conn:
        conn.execute("UPDATE alert_sends SET status = 'sent', attempts = ?, last_error = NULL, message_id = ?, "
                     "sent_at = ? WHERE id = ?", [attempts, message["Message-ID"], utc_iso(now), send_id])
    return None


def send_briefing(db: sqlite_utils.Database, week: str, settings: SmtpSettings, force: bool = False,
                  ssl_context: ssl.SSLContext | None = None, *, now: datetime | None = None,
                  smtp_class: type[smtplib.SMTP] = smtplib.SMTP) -> SendResult:
    """Send the stored briefing of `week` once; again only with `force`. Failures are recorded, then raised."""
    settings = settings.validated()
    row = next(iter(db.query("SELECT * FROM briefings WHERE week = ?", [week])), None)
    if row is None:
        raise MailError(f"no briefing is stored for week {week}: build it first")
    if row["sent_at"] and not force:
        recipients = ", ".join(json.loads(row["recipients"] or "[]"))
        return SendResult(week, False, f"briefing {week} was already sent at {row['sent_at']} to {recipients}; "
                                       "nothing sent (use force to send again)", row["message_id"] or "")
    try:
        html = Path(row["html_path"]).read_text(encoding="utf-8")
        text = Path(row["text_path"]).read_text(encoding="utf-8")
    except (OSError, TypeError) as exc:
        raise MailError(f"briefing {week}: cannot read its reports ({row['html_path']}, {row['text_path']}): "
                        f"{exc}; write the briefing again") from exc
    now = now or datetime.now(timezone.utc)
    briefing = StoredBriefing(week, row["subject"], row["content_hash"])
    message = build_message(briefing, html, text, settings, now=now)
    attempts = (row["send_attempts"] or 0) + 1
    log.info("sending briefing %s to %d recipients via %s:%s (attempt %d)", week, len(settings.recipients),
             settings.host, settings.port, attempts)
    try:
        refused = _deliver(message, settings, ssl_context, smtp_class)
    except (smtplib.SMTPException, OSError) as exc:
        error = _scrub(f"{utc_iso(now)} attempt {attempts} via {settings.host}:{settings.port}: "
                       f"{_describe(exc)}", settings)
        with db.atomic():
            db["briefings"].update(week, {"send_attempts": attempts, "last_error": error})
        log.warning("briefing %s not sent: %s", week, error)
        raise MailError(f"briefing {week} was not sent: {error}. The briefing is kept; send again later") from None
    refused = {r: f"{c} {_text(m)}" for r, (c, m) in refused.items()}
    accepted = tuple(r for r in settings.recipients if r not in refused)
    note = ("refused: " + "; ".join(f"{r} ({m})" for r, m in refused.items())) if refused else None
    with db.atomic():
        db["briefings"].update(week, {"sent_at": utc_iso(now), "recipients": json.dumps(list(accepted)),
                                      "message_id": message["Message-ID"], "send_attempts": attempts,
                                      "last_error": _scrub(note, settings) if note else None})
    summary = f"briefing {week} sent to {len(accepted)} recipient{'' if len(accepted) == 1 else 's'}"
    if refused:
        summary += f"; {len(refused)} refused: {', '.join(refused)}"
    return SendResult(week, True, summary, message["Message-ID"], accepted, refused)
