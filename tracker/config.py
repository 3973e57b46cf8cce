"""Configuration in one TOML file with environment overrides.

Search order: --config PATH, $SEOC_TRACKER_CONFIG, ./seoc-tracker.toml; every key has a default, so no
file is needed. See seoc-tracker.example.toml for every setting.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError

ENV_CONFIG = "SEOC_TRACKER_CONFIG"
DEFAULT_FILE = Path("seoc-tracker.toml")
ROLES = ("reader", "editor", "admin")
MAX_SESSION_HOURS = 24 * 30
#: [crawl] keys -> the Scrapy setting each sets. Patience for slow or flaky networks, nothing else.
CRAWL_KEYS = {"retry_times": "RETRY_TIMES", "download_timeout": "DOWNLOAD_TIMEOUT",
              "download_delay": "DOWNLOAD_DELAY"}


@dataclass
class Config:
    """Everything configurable, with sane defaults."""

    datasette_url: str = "http://127.0.0.1:8001"
    public_read: bool = False
    #: How long a login lasts ([datasette] session_hours); logout and `user revoke` end it sooner.
    session_hours: float = 12.0
    users: dict[str, str] = field(default_factory=dict)  # name -> role
    crawl_times: list[str] = field(default_factory=lambda: ["06:30", "13:30"])
    crawl_days: str = "mon-fri"
    briefing_day: str = "mon"
    briefing_time: str = "07:30"
    #: Polls between the crawls (tracker.scheduler.poll_trigger): every `poll_busy_minutes` within the busy
    #: hours on the busy days, every `poll_quiet_minutes` otherwise.
    poll: bool = True
    poll_busy_days: str = "mon-fri"
    poll_busy_hours: str = "07:00-19:00"
    poll_busy_minutes: int = 30
    poll_quiet_minutes: int = 60
    #: Where briefings are written; None: `reports/` beside the database, so each database has its own.
    reports_dir: str | None = None
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Scrapy settings from the [crawl] section (see CRAWL_KEYS); empty keeps the polite defaults.
    crawl_settings: dict[str, Any] = field(default_factory=dict)
    smtp: dict[str, Any] = field(default_factory=dict)
    #: Account name -> email address ([users.NAME] email), where alerts go.
    emails: dict[str, str] = field(default_factory=dict)
    #: Team name -> its themes, members and address ([teams.NAME]).
    teams: dict[str, "Team"] = field(default_factory=dict)
    path: Path | None = None

    def reports_folder(self, db_path: str | os.PathLike) -> Path:
        """The folder this database's briefings are written to: [briefing] reports_dir, else `reports/` beside it."""
        return Path(self.reports_dir) if self.reports_dir else Path(db_path).parent / "reports"


@dataclass(frozen=True)
class Team:
    """A team ([teams.NAME]): the themes it leads on (priority ids), its members (account names), its address."""

    name: str
    themes: tuple[str, ...]
    members: tuple[str, ...]
    email: str
    #: The team as the response register names it (responses.owner_team; default: the team's name).
    owner_team: str = ""


def _email(value: Any, where: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if "@" not in text or any(c in text for c in " \r\n,;<>"):
        raise ConfigError(f"config: {where} must be one email address, got {value!r}")
    return text


def _teams(section: Any) -> dict[str, Team]:
    teams = {}
    for name, entry in (section or {}).items():
        if not isinstance(entry, dict):
            raise ConfigError(f"config: teams.{name} must be a table with themes, members and email")
        lists = {}
        for key in ("themes", "members"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ConfigError(f"config: teams.{name}.{key} must be a list of names, got {value!r}")
            lists[key] = tuple(v.strip() for v in value)
        owner_team = entry.get("owner_team", name)
        if not isinstance(owner_team, str) or not owner_team.strip():
            raise ConfigError(f"config: teams.{name}.owner_team must be the team's name in the response register")
        teams[name] = Team(name, lists["themes"], lists["members"], _email(entry.get("email"), f"teams.{name}.email"),
                           owner_team.strip())
    return teams


def _env_bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def load(path: str | os.PathLike | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read the config file (if any), then apply environment overrides."""
    environ = dict(os.environ if environ is None else environ)
    chosen = Path(path) if path else (Path(environ[ENV_CONFIG]) if environ.get(ENV_CONFIG) else None)
    if chosen is None and DEFAULT_FILE.exists():
        chosen = DEFAULT_FILE
    data: dict[str, Any] = {}
    if chosen is not None:
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {chosen} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {chosen} is not valid TOML: {exc}") from None
    config = Config(path=chosen)
    datasette = data.get("datasette", {})
    config.datasette_url = str(datasette.get("base_url", config.datasette_url)).rstrip("/")
    config.public_read = bool(datasette.get("public_read", config.public_read))
    config.session_hours = _session_hours(datasette.get("session_hours", config.session_hours))
    for name, entry in (data.get("users") or {}).items():
        role = entry.get("role") if isinstance(entry, dict) else None
        if role not in ROLES:
            raise ConfigError(f"config: users.{name}.role must be one of {', '.join(ROLES)}, got {role!r}")
        config.users[name] = role
        if isinstance(entry, dict) and entry.get("email") is not None:
            config.emails[name] = _email(entry["email"], f"users.{name}.email")
    config.teams = _teams(data.get("teams"))
    schedule = data.get("schedule", {})
    config.crawl_times = list(schedule.get("crawl_times", config.crawl_times))
    config.crawl_days = schedule.get("crawl_days", config.crawl_days)
    config.briefing_day = schedule.get("briefing_day", config.briefing_day)
    config.briefing_time = schedule.get("briefing_time", config.briefing_time)
    for value in [*config.crawl_times, config.briefing_time]:
        if not _valid_time(value):
            raise ConfigError(f"config: schedule time {value!r} is not HH:MM")
    _poll_schedule(config, schedule)
    config.reports_dir = _reports_dir(data.get("briefing", {}).get("reports_dir"), chosen)
    config.sources = data.get("sources", {})
    config.crawl_settings = _crawl_settings(data.get("crawl", {}))
    config.smtp = dict(data.get("email", {}))
    if environ.get("SEOC_DATASETTE_URL"):
        config.datasette_url = environ["SEOC_DATASETTE_URL"].rstrip("/")
    if environ.get("SEOC_PUBLIC_READ"):
        config.public_read = _env_bool(environ["SEOC_PUBLIC_READ"])
    return config


def _reports_dir(value: Any, config_file: Path | None) -> str | None:
    """[briefing] reports_dir, a relative one read from the config file's folder (not wherever we were started)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"config: briefing.reports_dir must be a folder path, got {value!r}")
    folder = Path(value)
    if not folder.is_absolute() and config_file is not None:
        folder = config_file.parent / folder
    return str(folder)


def _crawl_settings(section: dict[str, Any]) -> dict[str, Any]:
    settings = {}
    for key, value in section.items():
        if key not in CRAWL_KEYS:
            raise ConfigError(f"config: crawl.{key} is not a setting; known: {', '.join(CRAWL_KEYS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"config: crawl.{key} must be a number of at least 0, got {value!r}")
        if key == "retry_times" and not isinstance(value, int):
            raise ConfigError(f"config: crawl.retry_times must be a whole number, got {value!r}")
        settings[CRAWL_KEYS[key]] = value
    return settings


def _poll_schedule(config: Config, schedule: dict[str, Any]) -> None:
    """The [schedule] poll keys, checked: a switch, day names, whole-hour busy hours, minutes dividing an hour."""
    config.poll = schedule.get("poll", config.poll)
    if not isinstance(config.poll, bool):
        raise ConfigError(f"config: schedule.poll must be true or false, got {config.poll!r}")
    config.poll_busy_days = schedule.get("poll_busy_days", config.poll_busy_days)
    config.poll_busy_hours = schedule.get("poll_busy_hours", config.poll_busy_hours)
    if busy_hours(config.poll_busy_hours) is None:
        raise ConfigError(f"config: schedule.poll_busy_hours must be whole hours 'HH:00-HH:00', start before end, "
                          f"got {config.poll_busy_hours!r}")
    for key in ("poll_busy_minutes", "poll_quiet_minutes"):
        value = schedule.get(key, getattr(config, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or 60 % value:
            raise ConfigError(f"config: schedule.{key} must divide an hour (5, 10, 15, 20, 30 or 60), got {value!r}")
        setattr(config, key, value)


def busy_hours(value: Any) -> tuple[int, int] | None:
    """(start hour, end hour) of 'HH:00-HH:00' with start before end; None when it is not that."""
    if not isinstance(value, str) or "-" not in value:
        return None
    start, _, end = value.partition("-")
    if not (_valid_time(start.strip()) and _valid_time(end.strip()) and end.strip() != "24:00"):
        return None
    (start_hour, start_minute), (end_hour, end_minute) = (map(int, t.strip().split(":")) for t in (start, end))
    if start_minute or end_minute or start_hour >= end_hour:
        return None
    return start_hour, end_hour


def _session_hours(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SESSION_HOURS:
        raise ConfigError(f"config: datasette.session_hours must be a number of hours above 0 and at most "
                          f"{MAX_SESSION_HOURS}, got {value!r}")
    return float(value)


def _valid_time(value: str) -> bool:
    try:
        hours, minutes = value.split(":")
        return 0 <= int(hours) < 24 and 0 <= int(minutes) < 60
    except (ValueError, AttributeError):
        return False
