"""Sentencing Council (sentencingcouncil.org.uk): RSS feed and consultation pages, pure parsers.

Request plan (the spider's job):
- `GET https://www.sentencingcouncil.org.uk/feed/` (WordPress RSS 2.0; named in third-party
  feed lists). No consultations-specific feed was found in any stored copy.
- For each feed entry whose link is a consultation (`is_consultation`), and for consultation
  pages known from earlier runs (to catch "closes" turning into "closed"):
  `GET https://www.sentencingcouncil.org.uk/publications/item/<slug>/`.

Site structure assumed (stored text of real pages; no raw HTML of the site was found):
- A consultation page is a WordPress publication: labels "Publication types:", "Publication
  topics:", "Published on: 11 September 2024", a one-line summary ("A consultation paper on
  ancillary orders."), then the fixed sentence "The consultation closes on 4 December 2024." or
  "The consultation closed on 21 February 2024.", then "What is this consultation about?" (or
  "What was ...") sections. The title is the page's first `<h1>`.
- The parser reads text, not class names: it needs an `<h1>` and the closing sentence, and
  raises `ParseError` when either is missing (some real pages, e.g. the open Imposition
  consultation in late 2023, printed no closing sentence; they fail loudly rather than become
  an undated consultation).
- Status is "open" for "closes" and "closed" for "closed", from the page's own wording: the
  parser has no clock.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlparse

from bs4 import BeautifulSoup

from tracker.contract import TrackedItem
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

SOURCE = "sentencing-council"
ORGANISATION = "Sentencing Council"
BASE_URL = "https://www.sentencingcouncil.org.uk"
FEED_PATH = "/feed/"
BODY_TEXT_LIMIT = 100_000

CLOSING = re.compile(r"The consultation clos(es|ed) on (\d{1,2} \w+ \d{4})")
_PUBLISHED = re.compile(r"Published on:?\s*(\d{1,2} \w+ \d{4})")
_OPENS = re.compile(r"consultation runs from (\d{1,2} \w+ \d{4}) to \d{1,2} \w+ \d{4}", re.I)
_LABELS = ("Publication types", "Publication topics", "News type", "News topic")
_NS = {"content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/"}


@dataclass
class FeedEntry:
    """One `<item>` of the RSS feed."""

    guid: str
    title: str
    link: str
    published: str | None = None
    categories: list[str] = field(default_factory=list)
    summary: str | None = None
    is_consultation: bool = False


def feed_url(base_url: str = BASE_URL) -> str:
    """The site-wide RSS feed."""
    return base_url + FEED_PATH


def consultation_slug(url: str) -> str | None:
    """The last path segment of a consultation page URL, or None."""
    parts = [p for p in urlparse(url).path.split("/") if p]
    return parts[-1] if parts else None


def parse_feed(xml: bytes, url: str) -> list[FeedEntry]:
    """An RSS 2.0 document -> entries, in feed order."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ParseError(f"{SOURCE}: {url}: feed is not well-formed XML: {exc}") from exc
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise ParseError(f"{SOURCE}: {url}: not an RSS 2.0 document (root <{root.tag}>)")
    items = channel.findall("item")
    if not items:
        raise ParseError(f"{SOURCE}: {url}: feed has no <item>")
    return [_feed_entry(item, url, index) for index, item in enumerate(items)]


def _feed_entry(item: ET.Element, url: str, index: int) -> FeedEntry:
    where = f"{SOURCE}: {url}: item [{index}]"
    title = _clean(_html_text(item.findtext("title") or ""))
    link = (item.findtext("link") or "").strip()
    if not title:
        raise ParseError(f"{where}: field 'title' missing")
    if not link.startswith("http"):
        raise ParseError(f"{where}: field 'link' missing")
    categories = [_clean(c.text or "") for c in item.findall("category") if (c.text or "").strip()]
    description = _clean(_html_text(item.findtext("description") or "")) or None
    return FeedEntry(
        guid=(item.findtext("guid") or link).strip(),
        title=title,
        link=link,
        published=_pub_date(item, where),
        categories=categories,
        summary=description,
        is_consultation=_looks_like_consultation(link, title, categories),
    )


def _pub_date(item: ET.Element, where: str) -> str | None:
    raw = item.findtext("pubDate") or item.findtext("dc:date", namespaces=_NS)
    if raw is None or not raw.strip():
        return None
    try:
        parsed = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError):
        try:
            return london_iso(raw.strip())
        except ValueError as exc:
            raise ParseError(f"{where}: field 'pubDate' is not a date: {raw!r}") from exc
    return london_iso(parsed.isoformat())


def _looks_like_consultation(link: str, title: str, categories: list[str]) -> bool:
    """Whether an entry is (or announces) a consultation: worth fetching its page."""
    haystack = " ".join([urlparse(link).path, title, *categories]).lower()
    return "consult" in haystack


def parse_consultation_page(html: bytes, url: str) -> TrackedItem:
    """A consultation page -> a sentencing_consultation item (status from 'closes'/'closed')."""
    slug = consultation_slug(url)
    if not slug:
        raise ParseError(f"{SOURCE}: {url}: URL has no slug")
    where = f"{SOURCE}: consultation {slug}"
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(["script", "style", "nav", "header", "footer", "noscript"]):
        if tag.find("h1") is None:  # page chrome; keep any wrapper that holds the title
            tag.decompose()
    h1 = soup.find("h1")
    title = _clean(h1.get_text(" ")) if h1 else ""
    if not title:
        raise ParseError(f"{where}: no <h1> title")
    container = soup.find("main") or h1.find_parent("article") or soup.body or soup
    lines = _lines(container.get_text("\n"))
    flat = " ".join(lines)
    closing = CLOSING.search(flat)
    if closing is None:
        raise ParseError(f"{where}: no 'The consultation closes/closed on <date>' sentence")
    closes = _iso_date(closing.group(2), where, "closes")
    published_match = _PUBLISHED.search(flat)
    opens_match = _OPENS.search(flat)

    labels = _labels(lines)
    summary = _summary(lines, title)
    # The body starts at the page's own summary (or the closing sentence): the labels above it are metadata.
    start = next((i for i, line in enumerate(lines) if line == summary or CLOSING.search(line)), 0)
    body_lines = [line for line in lines[start:] if line != title]
    details: dict[str, Any] = {"slug": slug, "closing_sentence": closing.group(0) + "."}
    details.update(labels)
    return TrackedItem(
        id=f"sentencing:{slug}",
        source=SOURCE,
        kind="sentencing_consultation",
        title=title,
        url=url,
        summary=summary,
        organisation=ORGANISATION,
        status="open" if closing.group(1) == "es" else "closed",
        published=_iso_date(published_match.group(1), where, "published") if published_match else None,
        opens=_iso_date(opens_match.group(1), where, "opens") if opens_match else None,
        closes=closes,
        body_text="\n".join(body_lines)[:BODY_TEXT_LIMIT],
        details=details,
    )


def _labels(lines: list[str]) -> dict[str, str]:
    """'Publication topics:' style label/value pairs (value on the same or the next line)."""
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        for label in _LABELS:
            if line.startswith(label + ":"):
                value = line[len(label) + 1:].strip()
                if not value and index + 1 < len(lines) and not lines[index + 1].endswith(":"):
                    value = lines[index + 1]
                if value:
                    found[re.sub(r"\W+", "_", label.lower())] = value
    return found


def _summary(lines: list[str], title: str) -> str | None:
    """The page's one-line description: the first sentence-like line before the closing sentence."""
    for line in lines:
        if CLOSING.search(line):
            break
        if line == title or line.endswith(":") or _PUBLISHED.fullmatch(line) or re.fullmatch(r"\d{1,2} \w+ \d{4}", line):
            continue
        if any(line.startswith(label + ":") for label in _LABELS):
            continue
        if line.endswith(".") and len(line) > 20:
            return line
    return None


def _iso_date(value: str, where: str, name: str) -> str:
    """'4 December 2024' -> '2024-12-04'."""
    for fmt in ("%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise ParseError(f"{where}: field '{name}' is not a date: {value!r}")


def _html_text(value: str) -> str:
    return BeautifulSoup(value, "lxml").get_text(" ") if "<" in value or "&" in value else value


def _lines(text: str) -> list[str]:
    return [line for line in (_clean(raw) for raw in text.split("\n")) if line]


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
