"""What a weekly briefing contains (frozen dataclasses) and how scraped text is made safe to show in it."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from datasette.utils import tilde_encode

from tracker.errors import TrackerError
from tracker.weeks import briefing_as_of, minute_label, parse_instant

SUMMARY_CHARS = 200

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_WS_RE = re.compile(r"\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])(?<!\bNo\.)(?<!\bno\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bSt\.)"
                              r"(?<!\bMr\.)(?<!\bDr\.)(?<!\bc\.)(?<!\bs\.)\s+(?=[\"'(\u2018\u201cA-Z0-9])")


class BriefingError(TrackerError):
    """The briefing could not be built or written."""


@dataclass(frozen=True)
class ItemRef:
    """An item as the briefing links to it."""

    id: str
    title: str
    source: str
    kind: str
    organisation: str
    url: str
    datasette_url: str
    dossier_url: str


@dataclass(frozen=True)
class Response:
    """A row of the response register, as it stood at `as_of`."""

    decision: str
    status: str
    owner: str
    internal_deadline: str
    submitted_on: str
    document_url: str


@dataclass(frozen=True)
class Deadline:
    """A relevant consultation or call for evidence closing soon."""

    item: ItemRef
    closes: str
    days_left: int
    themes: tuple[str, ...]
    response: Response | None


@dataclass(frozen=True)
class Overdue:
    """A relevant consultation closed more than 12 weeks ago with no government response published."""

    item: ItemRef
    closed: str
    days_since_closed: int
    response_expected: str
    themes: tuple[str, ...]


@dataclass(frozen=True)
class RollingCall:
    """A relevant call for evidence open with no deadline: it can be answered at any time."""

    item: ItemRef
    themes: tuple[str, ...]
    response: Response | None


@dataclass(frozen=True)
class NewItem:
    """A relevant item published (or opened) this week, or an older one that became relevant this week."""

    item: ItemRef
    #: By whose clock: "published 3 Dec 2026", "opened 3 Dec 2026", "first seen 3 Dec 2026 (no date at the source)".
    dated: str
    #: Where it stands as of the briefing: "open until 21 Sep 2026", "closed, awaiting ...", a bill's stage.
    state: str
    summary: str
    themes: tuple[str, ...]
    evidence: tuple[str, ...]
    responses: tuple[Response, ...]
    #: For an older item: why it is in this week's briefing ("reclassified", "a reviewer confirmed Fraud").
    newly_relevant: str = ""
    #: The reform it belongs to (its lead item), when it is one of several items of one reform.
    reform: ItemRef | None = None
    #: Other steps of the same reform this week, listed here rather than as entries of their own.
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchiveNote:
    """Items a source added this week that were published earlier: a first crawl or a back-fill, in one line."""

    source: str
    added: int
    relevant: int
    first_crawl: bool
    url: str


@dataclass(frozen=True)
class MissedDeadline:
    """Our own deadline passed with the response not submitted (nor marked as no response)."""

    item: ItemRef
    response: Response
    #: "our internal deadline" or "the consultation's closing date".
    which: str
    days_ago: int


@dataclass(frozen=True)
class ThemeGroup:
    """New items under their strongest priority theme."""

    theme: str
    items: tuple[NewItem, ...]


@dataclass(frozen=True)
class Move:
    """A change this week to a relevant item: stage, closure, outcome, deadline, withdrawal, commencement."""

    item: ItemRef
    change: str
    before: str
    after: str
    on: str
    act: ItemRef | None
    reform: ItemRef | None = None
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseEntry:
    """A response submitted this week or due soon."""

    item: ItemRef
    response: Response
    days: int


@dataclass(frozen=True)
class CommitmentDue:
    """An open government commitment (confirmed by an editor) due within 28 days of the briefing, or overdue."""

    item: ItemRef
    quote: str
    said_by: str
    due: str
    #: Days from the briefing's day to the due date (negative: overdue by that many days).
    days: int


@dataclass(frozen=True)
class SourceProblem:
    """A source whose last run failed or was partial, or with no successful run for 3 days."""

    source: str
    problems: tuple[str, ...]
    last_run: str
    last_ok: str
    message: str


@dataclass(frozen=True)
class AmendmentDecision:
    """One amendment decided: its number, where it bites, its sponsors and the decision in words."""

    number: str
    where: str
    sponsors: str
    decision: str


@dataclass(frozen=True)
class AmendmentsDecided:
    """A relevant bill's amendments decided this week (first seen decided by a crawl in the window)."""

    item: ItemRef
    stage: str
    decided: tuple[AmendmentDecision, ...]
    more: int


@dataclass(frozen=True)
class ParliamentEntry:
    """One thing done in Parliament this week: `kind` says what ("SI laid"; other sources add theirs), `on` the
    day, `detail` the procedure and what follows, `deadline` the date that matters next ("" when none)."""

    kind: str
    item: ItemRef
    on: str
    detail: str
    deadline: str = ""


@dataclass(frozen=True)
class ScrutinyEnding:
    """A relevant statutory instrument whose praying or approval period ends within 28 days of the briefing."""

    item: ItemRef
    #: "praying period ends" or "approval period ends".
    ends: str
    #: "made negative procedure", or "procedure not given".
    procedure: str
    on: str
    days_left: int


@dataclass(frozen=True)
class ComingUp:
    """A relevant bill stage or committee sitting on the forward calendar in the 7 days from the briefing."""

    #: "bill stage" or "committee sitting".
    kind: str
    title: str
    #: "21 Mar 2017" or, with a time, "21 Mar 2017, 09:25" (London).
    on: str
    house: str
    #: The event's own page (What's On, or the bill's page).
    url: str
    #: The tracked item it is filed under (the bill, the inquiry): its tracker and reform pages.
    item: ItemRef


@dataclass(frozen=True)
class ParliamentWeek:
    """The "Parliament this week" section: its entries in date order, whatever their kind."""

    entries: tuple[ParliamentEntry, ...] = ()


@dataclass(frozen=True)
class Briefing:
    """The week's content. Equal inputs give an equal `content_hash`; generation time is not part of it."""

    week: str
    week_commencing: str
    as_of: str
    window_start: str
    datasette_url: str
    sources_checked: int
    health: tuple[SourceProblem, ...]
    closing: tuple[Deadline, ...]
    overdue: tuple[Overdue, ...]
    overdue_more: int
    rolling: tuple[RollingCall, ...]
    new: tuple[ThemeGroup, ...]
    moved: tuple[Move, ...]
    submitted: tuple[ResponseEntry, ...]
    due: tuple[ResponseEntry, ...]
    newly_relevant: tuple[NewItem, ...] = ()
    archived: tuple[ArchiveNote, ...] = ()
    missed: tuple[MissedDeadline, ...] = ()
    #: "Our asks: what happened this week": outcomes decided and passages suggested (editors' register).
    asks: tuple[AskNews, ...] = ()
    commitments: tuple[CommitmentDue, ...] = ()
    amendments_decided: tuple[AmendmentsDecided, ...] = ()
    parliament: ParliamentWeek = ParliamentWeek()
    #: What closes soon and what is coming, from the forward calendar as it stood at as_of (briefing.forward).
    scrutiny_ending: tuple[ScrutinyEnding, ...] = ()
    coming_up: tuple[ComingUp, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Numbers for the subject line."""
        return {"deadlines": len(self.closing), "new": sum(len(g.items) for g in self.new),
                "moved": len(self.moved)}

    @property
    def preview(self) -> bool:
        """Taken at another instant than its week's Monday 07:30: a preview, never recorded or emailed."""
        return parse_instant(self.as_of) != briefing_as_of(self.week)

    @property
    def preview_label(self) -> str:
        """'preview as of 5 Dec 2026, 02:00' (London) for a preview, '' for the week's briefing."""
        return f"preview as of {minute_label(parse_instant(self.as_of))}" if self.preview else ""

    @property
    def subject(self) -> str:
        """'SEOC reform briefing w/c 23 Nov 2026: 3 deadlines, 5 new, 2 moved'; a preview says so after the week."""
        counts = self.counts
        deadlines = f"{counts['deadlines']} deadline{'' if counts['deadlines'] == 1 else 's'}"
        preview = f" ({self.preview_label})" if self.preview else ""
        return (f"SEOC reform briefing w/c {self.week_commencing}{preview}: {deadlines}, "
                f"{counts['new']} new, {counts['moved']} moved")

    def as_json(self) -> dict[str, Any]:
        """The whole content as JSON-ready data."""
        return asdict(self)

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of the content."""
        canonical = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def clean(value: Any, limit: int | None = None) -> str:
    """Scraped text on one line: control and bidi characters removed, whitespace collapsed, capped."""
    text = _WS_RE.sub(" ", _CONTROL_RE.sub(" ", str(value or ""))).strip()
    if limit and len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
        text = cut.rstrip(" ,;:") + "\u2026"
    return text


def first_sentence(value: Any, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence of a summary, capped at `limit` characters."""
    text = clean(value)
    return clean(_SENTENCE_END_RE.split(text, maxsplit=1)[0], limit)


def datasette_links(base: str, item_id: str) -> tuple[str, str]:
    """(row page, dossier page) of an item: row pks are tilde-encoded as Datasette 0.65 expects."""
    if not base:
        return "", ""
    return f"{base}/tracker/items/{tilde_encode(item_id)}", f"{base}/-/dossier/{quote(item_id, safe=':/')}"



@dataclass(frozen=True)
class AskNews:
    """One of our asks that moved this week: an outcome an editor decided, or a passage the tracker suggested as
    its evidence (for an editor to accept or dismiss on the reform page)."""

    #: The item our response answered.
    item: ItemRef
    ask: str
    #: "adopted", "partly adopted", ... for a decision; "suggested" for an open suggestion.
    what: str
    #: "decided by ed on 3 Dec 2026" or "suggested on 3 Dec 2026".
    when: str
    evidence: ItemRef | None
    passage: str
