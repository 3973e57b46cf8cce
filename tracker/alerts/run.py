"""One alerts run: for each person and team, one message about what changed on what they follow since their
last alert (by each watch's cadence); sent once (alert_sends), retried on the next run when SMTP fails, and a
refused address reported for that person without stopping the others."""
from __future__ import annotations

import hashlib
import json
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Mapping

import sqlite_utils

from tracker.alerts import changes as changes_mod
from tracker.alerts import message as message_mod
from tracker.alerts import unsubscribe
from tracker.alerts.matching import Matcher
from tracker.alerts.watchlist import TEAM_PREFIX, Watch, every, names_for
from tracker.briefing.mailer import SmtpSettings, deliver_recorded
from tracker.config import Config
from tracker.store.db import write_transaction
from tracker.weeks import LONDON, parse_instant, utc_iso

EDITOR_ROLES = ("editor", "admin")


@dataclass
class Alert:
    """One message to build and send: the owner, where it goes, and per watch what changed."""

    owner: str
    address: str | None
    register: bool
    sections: list[tuple[Watch, list[changes_mod.Change]]]
    until: dict[int, datetime]
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return sorted({c.key for _, found in self.sections for c in found})

    @property
    def send_key(self) -> str:
        return hashlib.sha256(json.dumps([self.owner, self.keys]).encode()).hexdigest()

    @property
    def item_ids(self) -> list[str]:
        return sorted({c.item_id for _, found in self.sections for c in found})


@dataclass(frozen=True)
class Outcome:
    """What happened for one owner: sent, already sent, failed (kept to retry), or not sendable (no address)."""

    owner: str
    address: str | None
    status: str
    message: str
    changes: int = 0


def period_end(watch: Watch, now: datetime) -> datetime | None:
    """The end of the period this watch's next alert covers, or None if not due: immediate up to now; daily up
    to the start of today (London), so a day's crawls arrive in one message; weekly up to Monday 00:00."""
    start = parse_instant(watch.alerted_until or watch.created)
    if watch.cadence == "immediate":
        end = now
    else:
        local = now.astimezone(LONDON)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if watch.cadence == "weekly":
            day -= timedelta(days=local.weekday())
        end = day.replace(tzinfo=None).replace(tzinfo=LONDON)  # midnight London, at that day's own offset
    return end if end > start else None


def recipient(owner: str, config: Config) -> tuple[str | None, bool]:
    """(the address alerts for `owner` go to, whether they may read the response register)."""
    if owner.startswith(TEAM_PREFIX):
        team = config.teams.get(owner[len(TEAM_PREFIX):])
        return (team.email if team else None), False
    return config.emails.get(owner), config.users.get(owner) in EDITOR_ROLES


#: How far back sent messages are read to skip changes already sent. A stored change is seen once (its key names
#: the version or the first sighting), so only "closing soon", re-read every run, needs this; it spans 7 days.
SENT_MEMORY = timedelta(days=30)


def _sent_keys(db: sqlite_utils.Database, owners: set[str], now: datetime) -> dict[str, set[str]]:
    sent: dict[str, set[str]] = {}
    for row in db.query("SELECT owner, changes FROM alert_sends WHERE status = 'sent' AND period_end >= ?",
                        [utc_iso(now - SENT_MEMORY)]):
        if row["owner"] in owners:
            sent.setdefault(row["owner"], set()).update(json.loads(row["changes"]))
    return sent


def build(db: sqlite_utils.Database, config: Config, now: datetime,
          quiet: list[tuple[int, datetime]] | None = None) -> list[Alert]:
    """Every message due now, one per owner with something new; nothing is written. Due watches on which
    nothing changed are added to `quiet` (with their period's end): `advance_quiet` moves them on when sending,
    so the next run reads only what is new since, not everything since a watch was followed."""
    due: list[tuple[Watch, datetime, datetime]] = []
    for watch in every(db.conn):
        end = period_end(watch, now)
        if end is not None:
            due.append((watch, parse_instant(watch.alerted_until or watch.created), end))
    if not due:
        return []
    found = changes_mod.collect(db, min(start for _, start, _ in due), now)
    matcher = Matcher(db, {c.item_id for c in found})
    by_item: dict[str, list[changes_mod.Change]] = {}
    for change in found:
        by_item.setdefault(change.item_id, []).append(change)
    sent = _sent_keys(db, {w.owner for w, _, _ in due}, now)
    alerts: dict[str, Alert] = {}
    try:
        recipients: dict[str, tuple[str | None, bool]] = {}
        for watch, start, end in due:
            items = matcher.items_of(watch)
            seen = sent.get(watch.owner, set())
            if watch.owner not in recipients:
                recipients[watch.owner] = recipient(watch.owner, config)
            register = recipients[watch.owner][1]  # the register's facts reach editors and admins only
            matched = [c for item_id in sorted(items) for c in by_item.get(item_id, [])
                       if c.key not in seen and (register or not c.register)
                       and (c.kind == "closing soon" or start < parse_instant(c.at) <= end)]
            if not matched:
                if quiet is not None:
                    quiet.append((watch.id, end))
                continue
            matched.sort(key=lambda c: (changes_mod.CHANGE_KINDS.index(c.kind), c.at, c.title, c.key))
            if watch.owner not in alerts:
                address, register = recipients[watch.owner]
                alerts[watch.owner] = Alert(watch.owner, address, register, [], {})
            alerts[watch.owner].sections.append((watch, matched))
            alerts[watch.owner].until[watch.id] = end
    finally:
        matcher.close()
    for alert in alerts.values():
        if alert.register:  # the register is staff data: editors' and admins' alerts only
            alert.responses = _responses(db, alert.item_ids)
    return sorted(alerts.values(), key=lambda a: a.owner)


def _responses(db: sqlite_utils.Database, item_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    if item_ids:
        marks = ",".join("?" * len(item_ids))
        for row in db.query(f"SELECT item_id, decision, status, owner_team, internal_deadline FROM responses "
                            f"WHERE item_id IN ({marks}) AND withdrawn_at IS NULL ORDER BY updated_at DESC", item_ids):
            found.setdefault(row["item_id"], []).append(row)
    return found


def compose(alert: Alert, settings: SmtpSettings, *, base_url: str, secret: str, now: datetime,
            theme_names: Mapping[str, str]) -> EmailMessage:
    """The email: text then HTML, a one-click unsubscribe link for all its watches (RFC 8058 headers) and one
    per watch in the body."""
    links = {watch.id: unsubscribe.link(base_url, secret, alert.owner, [(watch.id, watch.created)])
             for watch, _ in alert.sections}
    every_link = unsubscribe.link(base_url, secret, alert.owner, [(w.id, w.created) for w, _ in alert.sections])
    text, html, subject = message_mod.render(alert, base_url=base_url, links=links, every_link=every_link,
                                             theme_names=theme_names)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = settings.sender
    email["To"] = alert.address or ""
    email["Date"] = format_datetime(now)
    email["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
    email["Auto-Submitted"] = "auto-generated"
    email["List-Unsubscribe"] = f"<{every_link}>"
    email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email["X-SEOC-Alert"] = alert.send_key[:16]
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    return email


def send(db: sqlite_utils.Database, alerts: list[Alert], settings: SmtpSettings, *, base_url: str, secret: str,
         now: datetime, ssl_context: ssl.SSLContext | None = None,
         smtp_class: type[smtplib.SMTP] = smtplib.SMTP) -> list[Outcome]:
    """Send each alert once; record it; on failure keep it to be built and sent again by the next run."""
    names = names_for(db.conn, [watch for alert in alerts for watch, _ in alert.sections])
    outcomes = []
    for alert in alerts:
        count = len(alert.keys)
        if not alert.address:
            section = (f"teams.{alert.owner[len(TEAM_PREFIX):]}" if alert.owner.startswith(TEAM_PREFIX)
                       else f"users.{alert.owner}")
            outcomes.append(Outcome(alert.owner, None, "no address", (
                f"{alert.owner}: {count} change(s) to report but no email address: set email under [{section}] "
                "in the config file"), count))
            continue
        row = next(iter(db.query("SELECT id, status, attempts FROM alert_sends WHERE send_key = ?",
                                 [alert.send_key])), None)
        if row and row["status"] == "sent":
            _advance(db, alert)
            outcomes.append(Outcome(alert.owner, alert.address, "already sent",
                                    f"{alert.owner}: these changes were already sent", count))
            continue
        with write_transaction(db.conn) as conn:
            if row is None:
                send_id = conn.execute(
                    "INSERT INTO alert_sends (owner, address, send_key, period_end, watch_ids, changes, status, "
                    "created) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
                    [alert.owner, alert.address, alert.send_key, utc_iso(max(alert.until.values())),
                     json.dumps(sorted(alert.until)), json.dumps(alert.keys), utc_iso(now)]).lastrowid
                attempts = 1
            else:
                send_id, attempts = row["id"], row["attempts"] + 1
        email = compose(alert, settings, base_url=base_url, secret=secret, now=now, theme_names=names)
        error = deliver_recorded(db, send_id, attempts, email, settings, alert.address, now,
                                 ssl_context=ssl_context, smtp_class=smtp_class)
        if error is not None:
            outcomes.append(Outcome(alert.owner, alert.address, "failed",
                                    f"{alert.owner} <{alert.address}>: not sent ({error}); kept to send again", count))
            continue
        _advance(db, alert)
        outcomes.append(Outcome(alert.owner, alert.address, "sent",
                                f"{alert.owner} <{alert.address}>: sent {count} change(s)", count))
    return outcomes


def _advance(db: sqlite_utils.Database, alert: Alert) -> None:
    """Each watch in a sent message has been alerted up to its period's end."""
    advance_quiet(db, list(alert.until.items()))


def advance_quiet(db: sqlite_utils.Database, watches: list[tuple[int, datetime]]) -> None:
    """These watches have been read up to these instants (sent, or nothing to send)."""
    with write_transaction(db.conn) as conn:
        conn.executemany("UPDATE watches SET alerted_until = ? WHERE id = ? AND "
                         "(alerted_until IS NULL OR alerted_until < ?)",
                         [(utc_iso(end), watch_id, utc_iso(end)) for watch_id, end in watches])


def recent(db: sqlite_utils.Database, watches: list[Watch], now: datetime, days: int = 30
           ) -> dict[int, list[changes_mod.Change]]:
    """What changed on each watch in the last `days` days (the watchlist page and feed), newest first."""
    found = changes_mod.collect(db, now - timedelta(days=days), now)
    by_item: dict[str, list[changes_mod.Change]] = {}
    for change in found:
        by_item.setdefault(change.item_id, []).append(change)
    matcher = Matcher(db, by_item)
    result = {}
    for watch in watches:
        matched = [c for item_id in matcher.items_of(watch) for c in by_item.get(item_id, [])]
        result[watch.id] = sorted(matched, key=lambda c: (c.at, c.key), reverse=True)
    return result
