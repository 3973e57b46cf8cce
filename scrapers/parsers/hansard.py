"""Parse Hansard API contribution searches (https://hansard-api.parliament.uk) into one item per debate section.

The spider runs a small fixed set of phrase searches (SEARCH_PHRASES) over the sitting days since the last crawl;
each search result is one spoken contribution naming its debate section (`DebateSectionExtId`). Contributions of
one section, whichever phrase found them, make one `debate` item: who spoke (name, role or party as Hansard
attributes them), the sentence with the matching phrase, and a link to the debate on hansard.parliament.uk.
The API is PascalCase; `SittingDate` has no offset (a calendar day); `ContributionText` is a preview and
`ContributionTextFull` the whole contribution (either may be missing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import quote, urlencode

from bs4 import BeautifulSoup

from tracker.contract import TrackedItem

from .errors import ParseError

SOURCE = "hansard"
PAGE_SIZE = 50
#: The directorate's priority phrases searched each crawl (at most 12: one search each per crawl window, so the
#: cost follows the sitting days, not the archive). Each is a phrase of tracker/classify/priorities.toml
#: (tests/test_parser_hansard.py checks it), chosen as the specific terms of serious economic and organised crime
#: that MPs and peers use; broad words ("fraud", "disclosure") would bring every constituency complaint.
SEARCH_PHRASES = (
    "economic crime", "failure to prevent fraud", "money laundering", "proceeds of crime", "confiscation",
    "unexplained wealth order", "bribery", "sanctions evasion", "organised crime", "Serious Fraud Office",
    "deferred prosecution agreement", "corporate criminal liability",
)
EXTRACT_CHARS = 600
#: A sentence end, not the full stop of "hon.", "Mr." and the like (Hansard's "the hon. Member for ...").
_SENTENCE = re.compile(r"(?<=[.!?])(?<!\bhon\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bNo\.)"
                       r"(?<!\bRt\.)\s+(?=[\"'\u2018\u201cA-Z0-9])")


def search_url(base_url: str, phrase: str, start: str, end: str, skip: int, take: int = PAGE_SIZE) -> str:
    """One page of spoken contributions matching `phrase` (as an exact phrase) on sitting days start..end."""
    query = urlencode({"queryParameters.searchTerm": f'"{phrase}"', "queryParameters.startDate": start,
                       "queryParameters.endDate": end, "queryParameters.skip": skip,
                       "queryParameters.take": take})
    return f"{base_url.rstrip('/')}/search/contributions/Spoken.json?{query}"


def debate_url(house: str, sitting_day: str, ext_id: str, title: str) -> str:
    """The debate's page on Hansard (the title part of the path is cosmetic: Hansard resolves the id)."""
    slug = re.sub(r"[^A-Za-z0-9]", "", title.title()) or "Debate"
    return f"https://hansard.parliament.uk/{quote(house)}/{sitting_day}/debates/{quote(ext_id)}/{slug}"


@dataclass(frozen=True)
class Contribution:
    """One spoken contribution found by a phrase search."""

    ext_id: str
    house: str
    sitting_day: str
    section: str | None
    debate_title: str
    contribution_id: str | None
    member_id: int | None
    speaker: str | None
    attributed_to: str | None
    extract: str
    phrase: str
    order: int | None
    #: The contribution's opening: tells two contributions apart when the API gives no ContributionExtId.
    opening: str = ""


def _require(entry: Any, field: str, where: str) -> Any:
    if not isinstance(entry, dict) or entry.get(field) in (None, ""):
        raise ParseError(f"{SOURCE}: {where}: required field {field!r} is missing")
    return entry[field]


def _text(value: Any) -> str:
    if not value:
        return ""
    return " ".join(BeautifulSoup(str(value), "lxml").get_text(" ").split())


def extract(text: str, phrase: str, limit: int = EXTRACT_CHARS) -> str:
    """The sentence(s) of `text` holding `phrase` (case-insensitive), else its opening, capped at `limit`."""
    sentences = _SENTENCE.split(text)
    hits = [s for s in sentences if phrase.lower() in s.lower()]
    chosen = " ".join(hits) if hits else text
    return chosen if len(chosen) <= limit else chosen[:limit].rsplit(" ", 1)[0] + "…"


def parse_search(payload: Any, phrase: str, url: str) -> tuple[list[Contribution], int]:
    """A contributions search page -> (contributions, TotalResultCount)."""
    search = f"search for {phrase!r} {url}"  # the URL may be shortened in the run record: the phrase stays
    results = payload.get("Results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise ParseError(f"{SOURCE}: {search}: required field 'Results' is missing or not a list")
    contributions = []
    for index, entry in enumerate(results):
        where = f"result {index} of {search}"
        ext_id = _require(entry, "DebateSectionExtId", where)
        sitting = str(_require(entry, "SittingDate", where))
        if not re.match(r"\d{4}-\d{2}-\d{2}", sitting):
            raise ParseError(f"{SOURCE}: {where}: field 'SittingDate' is not a date: {sitting!r}")
        text = _text(entry.get("ContributionTextFull")) or _text(entry.get("ContributionText"))
        member_id = entry.get("MemberId")
        contributions.append(Contribution(
            ext_id=str(ext_id), house=_require(entry, "House", where), sitting_day=sitting[:10],
            section=entry.get("Section") or None, debate_title=_require(entry, "DebateSection", where),
            contribution_id=entry.get("ContributionExtId") or None,
            member_id=member_id if isinstance(member_id, int) and member_id > 0 else None,
            speaker=entry.get("MemberName") or None, attributed_to=entry.get("AttributedTo") or None,
            extract=extract(text, phrase), phrase=phrase,
            order=entry.get("OrderInDebateSection") if isinstance(entry.get("OrderInDebateSection"), int) else None,
            opening=text[:200],
        ))
    total = payload.get("TotalResultCount")
    return contributions, int(total) if isinstance(total, int) else len(contributions)


def debate_items(contributions: Iterable[Contribution]) -> list[TrackedItem]:
    """Contributions -> one item per debate section, contributions in debate order, each once (with every
    phrase that found it)."""
    sections: dict[str, list[Contribution]] = {}
    for contribution in contributions:
        sections.setdefault(contribution.ext_id, []).append(contribution)
    items = []
    for ext_id, found in sorted(sections.items()):
        merged: dict[tuple, dict[str, Any]] = {}
        for c in found:
            key = (c.contribution_id or "", c.speaker or c.attributed_to or "", "" if c.contribution_id else c.opening)
            entry = merged.setdefault(key, {
                "speaker": c.speaker, "attributed_to": c.attributed_to, "member_id": c.member_id,
                "contribution_id": c.contribution_id, "extract": c.extract, "phrases": [], "order": c.order})
            if c.phrase not in entry["phrases"]:
                entry["phrases"].append(c.phrase)
                if c.extract not in entry["extract"]:
                    entry["extract"] += " … " + c.extract
        ordered = sorted(merged.values(), key=lambda e: (e["order"] is None, e["order"] or 0,
                                                         e["contribution_id"] or "", e["speaker"] or ""))
        first = found[0]
        phrases = sorted({p for e in ordered for p in e["phrases"]})
        speakers = list(dict.fromkeys(e["attributed_to"] or e["speaker"] or "an unnamed speaker" for e in ordered))
        place = f"{first.house}: {first.section}" if first.section else first.house
        items.append(TrackedItem(
            id=f"hansard:{ext_id}",
            source=SOURCE,
            kind="debate",
            title=first.debate_title,
            url=debate_url(first.house, first.sitting_day, ext_id, first.debate_title),
            summary=(f"{place}, {first.sitting_day}: {', '.join(phrases)} raised by {'; '.join(speakers[:6])}"
                     + (f" and {len(speakers) - 6} more" if len(speakers) > 6 else "")),
            organisation=place,
            status="debated",
            published=first.sitting_day,
            body_text="\n\n".join(f"{e['attributed_to'] or e['speaker'] or 'Unnamed'}: {e['extract']}"
                                  for e in ordered) or None,
            details={
                "house": first.house, "section": first.section, "sitting_date": first.sitting_day,
                "debate_section_ext_id": ext_id, "matched_phrases": phrases,
                "contributions": [{k: v for k, v in e.items() if k != "order"} for e in ordered],
            },
        ))
    return items
