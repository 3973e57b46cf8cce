"""The Monday briefing for one team: its themes' reforms first, in full; everything else relevant in one line
each; the team's own responses and deadlines. Chosen from the week's briefing (build_briefing), so it says
nothing the weekly one does not; sent once per team and week (alert_sends)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import sqlite_utils
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.briefing.model import Briefing, ItemRef, Response
from tracker.briefing.render import TEMPLATES, http_url, kind_name
from tracker.config import Team
from tracker.errors import TrackerError
from tracker.store.db import write_transaction
from tracker.weeks import utc_iso


class TeamBriefingError(TrackerError):
    """A team briefing asked of a team or theme that does not exist."""


@dataclass(frozen=True)
class TeamEntry:
    """One reform in a team briefing: what happened this week, where it stands, and (in full) its summary."""

    item: ItemRef
    what: str
    state: str
    summary: str
    themes: tuple[str, ...]


@dataclass(frozen=True)
class TeamResponse:
    """One of the team's own responses that the week's briefing lists (due, submitted, missed, or closing)."""

    item: ItemRef
    response: Response
    note: str


@dataclass(frozen=True)
class TeamBriefing:
    team: str
    week: str
    week_commencing: str
    themes: tuple[str, ...]
    ours: tuple[TeamEntry, ...]
    others: tuple[TeamEntry, ...]
    responses: tuple[TeamResponse, ...]

    @property
    def subject(self) -> str:
        return f"SEOC reform briefing for the {self.team} team, w/c {self.week_commencing}"

    @property
    def content_hash(self) -> str:
        from dataclasses import asdict
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def theme_names(db: sqlite_utils.Database, team: Team) -> tuple[str, ...]:
    """The names of the team's themes, or TeamBriefingError naming an unknown one."""
    names = {row["id"]: row["name"] for row in db.query("SELECT id, name FROM priorities")}
    unknown = [t for t in team.themes if t not in names]
    if unknown:
        raise TeamBriefingError(f"team {team.name}: no priority theme has id {', '.join(map(repr, unknown))} "
                                f"(teams.{team.name}.themes in the config file); known: {', '.join(names)}")
    return tuple(names[t] for t in team.themes)


def _current_themes(db: sqlite_utils.Database, ids: set[str]) -> dict[str, tuple[str, ...]]:
    """Theme names of items the briefing does not give themes for (moves), read from the items now."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    found = {}
    for row in db.query(f"SELECT i.id, (SELECT json_group_array(coalesce(p.name, t.value)) FROM json_each(i.themes) t "
                        f"LEFT JOIN priorities p ON p.id = t.value) AS names FROM items i WHERE i.id IN ({marks})",
                        sorted(ids)):
        found[row["id"]] = tuple(json.loads(row["names"] or "[]"))
    return found


def _one_per_item(entries: list[TeamEntry]) -> list[TeamEntry]:
    """Each item once, in first-seen order, saying everything that happened to it this week."""
    merged: dict[str, TeamEntry] = {}
    for entry in entries:
        first = merged.get(entry.item.id)
        merged[entry.item.id] = entry if first is None else replace(
            first, what=f"{first.what}; {entry.what}", state=first.state or entry.state,
            summary=first.summary or entry.summary, themes=first.themes or entry.themes)
    return list(merged.values())


def for_team(db: sqlite_utils.Database, briefing: Briefing, team: Team) -> TeamBriefing:
    """The team's view of the week's briefing."""
    names = theme_names(db, team)
    entries: list[TeamEntry] = []
    for group in briefing.new:
        for new in group.items:
            entries.append(TeamEntry(new.item, f"New: {new.dated}", new.state, new.summary, new.themes))
    for new in briefing.newly_relevant:
        entries.append(TeamEntry(new.item, f"Now relevant ({new.newly_relevant})", new.state, new.summary, new.themes))
    current_themes = _current_themes(db, {m.item.id for m in briefing.moved}
                                  | {s.item.id for s in briefing.scrutiny_ending}
                                  | {c.item.id for c in briefing.coming_up})
    for move in briefing.moved:
        what = f"{move.change} ({move.on})" + (f": {move.before} -> {move.after}" if move.before else "")
        entries.append(TeamEntry(move.item, what, move.after, "", current_themes.get(move.item.id, ())))
    for deadline in briefing.closing:
        entries.append(TeamEntry(deadline.item, f"Closes {deadline.closes} ({deadline.days_left} days left)",
                                 "open", "", deadline.themes))
    for ending in briefing.scrutiny_ending:
        entries.append(TeamEntry(ending.item, f"{ending.ends.capitalize()} {ending.on} ({ending.days_left} days left; "
                                 f"{ending.procedure})", "", "", current_themes.get(ending.item.id, ())))
    for event in briefing.coming_up:
        where = f" ({event.house})" if event.house else ""
        entries.append(TeamEntry(event.item, f"{event.kind.capitalize()} {event.on}{where}: {event.title}", "", "",
                                 current_themes.get(event.item.id, ())))
    entries = _one_per_item(entries)
    ours = tuple(e for e in entries if set(e.themes) & set(names))
    others = tuple(e for e in entries if not set(e.themes) & set(names))
    mine = (team.owner_team or team.name).strip().lower()

    def is_ours(response: Response | None) -> bool:
        return response is not None and response.owner.strip().lower() == mine

    responses = [TeamResponse(e.item, e.response, f"due in {e.days} days") for e in briefing.due if is_ours(e.response)]
    responses += [TeamResponse(e.item, e.response, f"submitted {e.days} days ago") for e in briefing.submitted
                  if is_ours(e.response)]
    responses += [TeamResponse(e.item, e.response, f"missed {e.which}, {e.days_ago} days ago") for e in briefing.missed
                  if is_ours(e.response)]
    responses += [TeamResponse(d.item, d.response, f"consultation closes {d.closes}") for d in briefing.closing
                  if is_ours(d.response)]
    return TeamBriefing(team.name, briefing.week, briefing.week_commencing, names, ours, others, tuple(responses))


_ENV = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, trim_blocks=True,
                   lstrip_blocks=True, autoescape=select_autoescape(enabled_extensions=("html",),
                                                                    default_for_string=False))
_ENV.filters.update(http_url=http_url, kind_name=kind_name)


def render(team_briefing: TeamBriefing) -> tuple[str, str]:
    """(text, html)."""
    context = {"b": team_briefing}
    return (_ENV.get_template("team_briefing.txt").render(context),
            _ENV.get_template("team_briefing.html").render(context))


def send(db: sqlite_utils.Database, team_briefing: TeamBriefing, team: Team, settings, *, now: datetime,
         force: bool = False, ssl_context=None) -> str:
    """Email the team's briefing once per week (again only with `force`); failures are recorded, then raised."""
    from tracker.briefing.mailer import MailError, deliver_recorded

    key = f"team-briefing:{team_briefing.week}:{team.name}"
    row = next(iter(db.query("SELECT id, status, sent_at, attempts FROM alert_sends WHERE send_key = ?", [key])), None)
    if row and row["status"] == "sent" and not force:
        return f"team {team.name}: briefing {team_briefing.week} was already sent at {row['sent_at']}; nothing sent"
    text, html = render(team_briefing)
    message = EmailMessage()
    message["Subject"] = team_briefing.subject
    message["From"] = settings.sender
    message["To"] = team.email
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    with write_transaction(db.conn) as conn:
        if row is None:
            send_id = conn.execute(
                "INSERT INTO alert_sends (owner, address, send_key, period_end, watch_ids, changes, status, created) "
                "VALUES (?, ?, ?, ?, '[]', '[]', 'pending', ?)",
                [f"team:{team.name}", team.email, key, utc_iso(now), utc_iso(now)]).lastrowid
            attempts = 1
        else:
            send_id, attempts = row["id"], row["attempts"] + 1
    error = deliver_recorded(db, send_id, attempts, message, settings, team.email, now, ssl_context=ssl_context)
    if error is not None:
        raise MailError(f"team {team.name}: briefing {team_briefing.week} not sent: {error}")
    return f"team {team.name}: briefing {team_briefing.week} sent to {team.email}"
