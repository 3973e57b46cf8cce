"""Render a Briefing to an email-safe HTML page (inline CSS) and a plain-text part; write the reports
(a week's briefing, or a preview under its own name)."""
from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import css_inline
import sqlite_utils
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tracker.briefing.model import Briefing, BriefingError
from tracker.contract import SOURCES
from tracker.weeks import LONDON, parse_instant, time_label, utc_iso

TEMPLATES = Path(__file__).parent / "templates"
_UNSAFE_URL_RE = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")


class BriefingPaths(NamedTuple):
    """Where a briefing's reports were written."""

    html: Path
    text: Path


def http_url(value: Any) -> str:
    """The URL if it is an absolute http(s) URL safe to put in an href, else '' (never javascript: etc.)."""
    text = str(value or "").strip()
    if not text or _UNSAFE_URL_RE.search(text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def source_name(value: str) -> str:
    """A source key as readers know it."""
    source = SOURCES.get(value)
    return source.display_name if source else value


def kind_name(value: str) -> str:
    """'call_for_evidence' -> 'call for evidence'."""
    return (value or "").replace("_", " ")


def days_left(days: int) -> str:
    """'closes today', '1 day left', '12 days left'."""
    if days <= 0:
        return "closes today"
    return f"{days} day{'' if days == 1 else 's'} left"


def days_to_go(days: int) -> str:
    """'ends today', '1 day left', '12 days left' (a scrutiny period's last day)."""
    if days <= 0:
        return "ends today"
    return f"{days} day{'' if days == 1 else 's'} left"


def plural(count: int, word: str) -> str:
    """'1 item', '3 items'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(http_url=http_url, source_name=source_name, kind_name=kind_name, days_left=days_left,
                       days_to_go=days_to_go)
    env.globals.update(plural=plural)
    return env


_ENV = _environment()
# Rules are inlined into style attributes (Outlook and some webmail drop <style>); the @media rules (phone widths,
# print) cannot be inlined, so keep_at_rules leaves them in a <style> block in the head.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False, keep_link_tags=False,
                                 keep_at_rules=True)
_KEPT_STYLE_RE = re.compile(r"<style>.*?</style>\s*", re.S)


def _inline_css(html: str) -> str:
    """The page with its CSS inlined. css-inline puts the @media rules it keeps first in the head; they go to the
    end of the head instead, so the charset declaration stays within the first 1024 bytes, as HTML requires."""
    inlined = _INLINER.inline(html)
    head_end = inlined.find("</head>")
    kept = _KEPT_STYLE_RE.search(inlined, 0, max(head_end, 0))
    if kept is None:
        return inlined
    inlined = inlined[:kept.start()] + inlined[kept.end():]
    return inlined.replace("</head>", kept.group(0).strip() + "\n</head>", 1)


def render(briefing: Briefing) -> tuple[str, str]:
    """(html, text) of a briefing: the HTML with CSS inlined for Outlook and Gmail (the @media rules kept in the
    head), the text readable as is."""
    as_of = parse_instant(briefing.as_of)
    start = parse_instant(briefing.window_start)
    context = {"b": briefing, "subject": briefing.subject, "as_of_label": time_label(as_of),
               "window_label": f"{time_label(start)} to {time_label(as_of)}"}
    html = _inline_css(_ENV.get_template("briefing.html").render(context))
    text = _ENV.get_template("briefing.txt").render(context)
    return html, re.sub(r"\n{3,}", "\n\n", text)


def report_paths(reports_dir: str | Path, briefing: Briefing) -> BriefingPaths:
    """`<week>.html|.txt` for a week's briefing; a preview's own `<week>-preview-<YYYYMMDDTHHMM>.html|.txt`
    (London time), so a preview never replaces the week's briefing."""
    name = briefing.week
    if briefing.preview:
        name += f"-preview-{parse_instant(briefing.as_of).astimezone(LONDON):%Y%m%dT%H%M}"
    folder = Path(reports_dir)
    return BriefingPaths(folder / f"{name}.html", folder / f"{name}.txt")


def _write_files(paths: BriefingPaths, bodies: tuple[str, str], briefing: Briefing) -> None:
    folder = paths.html.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, body in zip(paths, bodies):
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text(body, encoding="utf-8")
            temporary.replace(path)
    except OSError as exc:
        raise BriefingError(f"cannot write briefing {briefing.week} to {folder}: {exc}") from exc


def write_briefing(db: sqlite_utils.Database, briefing: Briefing, reports_dir: str | Path, *,
                   now: datetime | None = None, replace_sent: bool = False) -> BriefingPaths:
    """Write a week's briefing to <week>.html and .txt and record its `briefings` row (`sent_at` untouched).

    A preview goes to its own files and is not recorded: the `briefings` row, which the mailer sends from,
    and the week's files stay as they were. A briefing already sent is only overwritten with different
    content when `replace_sent` is set, so the reports keep showing what was sent.
    """
    paths = report_paths(reports_dir, briefing)
    if briefing.preview:
        _write_files(paths, render(briefing), briefing)
        return paths
    existing = next(iter(db.query("SELECT * FROM briefings WHERE week = ?", [briefing.week])), None)
    if existing and existing["sent_at"] and existing["content_hash"] != briefing.content_hash and not replace_sent:
        raise BriefingError(
            f"briefing {briefing.week} was sent at {existing['sent_at']} with content hash "
            f"{existing['content_hash'][:12]}; the new content differs ({briefing.content_hash[:12]}). "
            "Keep the sent reports, or replace them explicitly")
    _write_files(paths, render(briefing), briefing)
    row = {"generated_at": utc_iso(now or datetime.now(timezone.utc)), "as_of": briefing.as_of,
           "content_hash": briefing.content_hash, "subject": briefing.subject,
           "html_path": str(paths.html), "text_path": str(paths.text)}
    try:
        with db.atomic():
            if existing:
                db["briefings"].update(briefing.week, row)
            else:
                db["briefings"].insert({"week": briefing.week, **row})
    except sqlite3.Error as exc:
        raise BriefingError(f"cannot record briefing {briefing.week}: {exc}") from exc
    return paths
