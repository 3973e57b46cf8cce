"""The contract every part of the tracker shares: what an item is, how it is checked, which sources exist,
and what its status words mean (the one definition of open, closed and awaiting an outcome).

Parsers build `TrackedItem`s; the pipeline checks them with `validate_item` before the store writes them;
the crawl, the CLI, the briefing, the dashboard, the dossier and the saved queries read the registry and the
status vocabulary from here, so a fact lives in one place.

- `TrackedItem.id` is stable and source-prefixed (the prefix is the registry's `id_prefix`).
- Dates are ISO 8601 strings. Datetimes carry an offset (Europe/London as published, or UTC);
  plain dates (`YYYY-MM-DD`) are allowed where the source gives only a date.
- `details` holds source-specific data (attachments, sponsors, document type...) as plain JSON.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tracker.errors import TrackerError, ValidationError
from tracker.weeks import parse_instant

# --- Items ---------------------------------------------------------------------------------------------

#: Kinds of tracked thing, shared across sources (the classifier keys on them).
KINDS = (
    "bill",
    "act",
    "statutory_instrument",
    "commencement_order",
    "consultation",
    "call_for_evidence",
    "policy_paper",
    "strategy",
    "impact_assessment",
    "independent_report",
    "committee_inquiry",
    "law_commission_project",
    "law_commission_consultation",
    "sentencing_consultation",
    "written_evidence",
    "written_question",
    "written_statement",
    "debate",
    "parliamentary_business",
)

#: Relations an item may have to another (the `links` table).
RELATIONS = ("commences", "enacted_as", "outcome_of", "consults_on", "mentions", "same_reform")
#: Relations that make two items one reform (a thread); a mere mention does not.
STRONG_RELATIONS = ("commences", "enacted_as", "outcome_of", "consults_on", "same_reform")
#: Which member of a reform thread leads it (names it), first to last; other kinds after these.
LEAD_KINDS = ("act", "bill", "law_commission_project", "consultation", "call_for_evidence", "committee_inquiry",
              "strategy", "policy_paper", "law_commission_consultation", "sentencing_consultation",
              "independent_report", "impact_assessment", "statutory_instrument", "commencement_order")


def reform_lead(members: list[dict[str, Any]]) -> str:
    """The id of the item that leads a thread: by LEAD_KINDS, then the earliest published, then the id."""
    def rank(item: dict[str, Any]) -> tuple:
        kind = item.get("kind")
        return (LEAD_KINDS.index(kind) if kind in LEAD_KINDS else len(LEAD_KINDS),
                str(item.get("published") or "9999"), item["id"])
    return min(members, key=rank)["id"]


@dataclass
class BillStage:
    """One stage of a bill: a `bill_stages` row."""

    bill_stage_id: int
    stage_type_id: int
    stage: str
    house: str
    sort_order: int
    session_id: int | None = None
    abbreviation: str | None = None
    sitting_dates: list[str] = field(default_factory=list)


@dataclass
class Amendment:
    """One amendment to a bill at one stage: an `amendments` row (stored beside its bill's item)."""

    amendment_id: int
    bill_id: int
    bill_stage_id: int
    number: str | None = None
    dnum: str | None = None
    amendment_type: str | None = None
    sponsors: list[dict[str, Any]] = field(default_factory=list)
    decision: str | None = None
    decision_explanation: str | None = None
    explanatory_text: str | None = None
    clause: int | None = None
    schedule: int | None = None
    summary: str | None = None
    #: Whether this came from the amendment's detail record (which alone has the explanatory text).
    from_detail: bool = False


#: The Bills API's amendment decisions in words (its `AmendmentDecision` enum); others are shown as given.
AMENDMENT_DECISIONS = {
    "NoDecision": "no decision yet", "Agreed": "agreed", "AgreedOnDivision": "agreed on division",
    "Disagreed": "negatived", "NegativedOnDivision": "negatived on division", "Withdrawn": "withdrawn",
    "WithdrawnBeforeDebate": "withdrawn before debate", "NotMoved": "not moved", "NotCalled": "not called",
    "NotSelected": "not selected", "QuestionProposed": "question proposed", "StoodPart": "stood part",
    "NotStoodPart": "did not stand part", "Preempted": "pre-empted",
}


@dataclass
class ItemLink:
    """A relation from the item that carries it to another item id."""

    to_id: str
    relation: str
    evidence: str = ""


@dataclass
class TrackedItem:
    """One tracked thing from any source: an `items` row."""

    id: str
    source: str
    kind: str
    title: str
    url: str
    summary: str | None = None
    organisation: str | None = None
    status: str | None = None
    published: str | None = None
    updated: str | None = None
    opens: str | None = None
    closes: str | None = None
    body_text: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    stages: list[BillStage] = field(default_factory=list)
    links: list[ItemLink] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- Sources -------------------------------------------------------------------------------------------

OGL = "Open Government Licence v3.0"
OPL = "Open Parliament Licence v3.0"


@dataclass(frozen=True)
class Source:
    """One source: its name is the Scrapy spider's name, the CLI's and the config's; `module` names its spider
    (`scrapers/spiders/<module>.py`) and parser (`scrapers/parsers/<module>.py`); tests and fixtures use `name`."""

    name: str
    id_prefix: str
    display_name: str
    licence: str
    #: Other hosts its spider asks, by the key a `--base-url KEY=URL` replaces (passed as `<key>_url`).
    also_uses: tuple[str, ...] = ()

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")


#: Every source, in crawl order. Adding a source: a parser, a spider, an entry here, fixtures, tests.
SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("parliament-bills", "bill:", "UK Parliament (Bills)", OPL),
    Source("govuk", "govuk:", "GOV.UK", OGL),
    Source("legislation", "legislation:", "legislation.gov.uk", OGL),
    Source("committees", "committees:", "UK Parliament (committees)", OPL),
    Source("law-commission", "lawcom:", "Law Commission", OGL),
    Source("sentencing-council", "sentencing:", "Sentencing Council", OGL),
    Source("written-questions", "wq:", "UK Parliament (written questions)", OPL),
    Source("written-statements", "wms:", "UK Parliament (written statements)", OPL),
    Source("hansard", "hansard:", "Hansard (UK Parliament debates)", OPL),
    Source("statutory-instruments", "si:", "UK Parliament (statutory instruments)", OPL, also_uses=("whats-on",)),
    Source("parliament-calendar", "whatson:", "UK Parliament (What's On calendar)", OPL),
)}
SOURCE_NAMES = tuple(SOURCES)
_ID_PREFIXES = tuple(s.id_prefix for s in SOURCES.values())


def is_item_id(value: str) -> bool:
    """Whether `value` has the shape of a tracked item's id (a registered source's prefix and more)."""
    return value.startswith(_ID_PREFIXES) and len(value) > len(value.split(":", 1)[0]) + 1


# --- Status vocabulary ---------------------------------------------------------------------------------

#: Kinds that take responses by a closing date.
CONSULTATION_KINDS = ("consultation", "call_for_evidence", "committee_inquiry",
                      "sentencing_consultation", "law_commission_consultation")
#: Kinds whose government response shows as status 'outcome' (GOV.UK consultations and calls for evidence).
GOVERNMENT_RESPONSE_KINDS = ("consultation", "call_for_evidence")
#: Statuses the parsers give an item that is taking responses: GOV.UK, Sentencing Council and Law Commission
#: say "open", a committee with an open submission period "open for evidence".
OPEN_STATUSES = ("open", "open for evidence")
CLOSED_STATUSES = ("closed", "evidence closed")
#: Statuses after which nothing is left to respond to (overdue checks still read 'closed').
FINISHED_STATUSES = ("withdrawn", "outcome", "reported")
#: A government response is expected within 12 weeks of a consultation closing.
RESPONSE_EXPECTED_AFTER = timedelta(days=84)


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


# The SQL here says tracker_now() for 'now' (tracker.store.db.install_clock): the demo's clock can be set.
#: SQL: the instant `i.closes` ends (a bare date runs to the end of its day, as `deadline_passed` reads it).
CLOSES_END_SQL = "datetime(case when length(i.closes) = 10 then date(i.closes, '+1 day') else i.closes end)"
#: SQL over `items i`: open at the last crawl and not past its deadline now (a passed deadline is not open,
#: whatever the last crawl said).
OPEN_NOW_SQL = (f"i.status in ({_sql_list(OPEN_STATUSES)})"
                f" and (i.closes is null or {CLOSES_END_SQL} >= datetime(tracker_now()))")
#: SQL over `items i`: a relevant consultation-like item closing in the next 28 days that can still be answered.
CLOSING_SOON_SQL = f"""
  i.relevant = 1
  and i.kind in ({_sql_list(CONSULTATION_KINDS)})
  and i.closes is not null
  and date(i.closes) >= date(tracker_now())
  and date(i.closes) <= date(tracker_now(), '+28 days')
  and coalesce(i.status, '') not in ('withdrawn', 'outcome')"""


#: SQL over `items i`: a government response overdue now: a GOV.UK consultation or call for evidence closed more
#: than 12 weeks ago (whatever the last crawl's status said) with no outcome published and not withdrawn.
OVERDUE_SQL = (f"i.kind in ({_sql_list(GOVERNMENT_RESPONSE_KINDS)})"
               f" and coalesce(i.status, '') not in ({_sql_list(FINISHED_STATUSES)})"
               f" and i.closes is not null"
               f" and {CLOSES_END_SQL} < datetime(tracker_now(), '-{RESPONSE_EXPECTED_AFTER.days} days')")

#: SQL over `items i`: the source's own date of an item (opened, for a consultation that says; else published).
SOURCE_DATE_SQL = (f"coalesce(case when i.kind in ({_sql_list(CONSULTATION_KINDS)}) then i.opens end, "
                   f"i.published)")
#: SQL: the newest parliamentary session any tracked bill belongs to (the current one, as far as we know). Bills'
#: session ids are stored in ascending order, so the last is a bill's newest; the partial index on it (migration
#: 0022) answers this at once however large the archive, where reading every bill's list took 70 ms at 200k items.
NEWEST_SESSION_SQL = ("(SELECT max(json_extract(b.details, '$.session_ids[#-1]')) FROM items b "
                      "INDEXED BY idx_bills_newest_session WHERE b.kind = 'bill')")
#: SQL over `items i` (bills): the stage in words, truthful about bills that will go no further. The current
#: session is the newest any tracked bill belongs to; a bill not carried into it fell at prorogation.
BILL_STAGE_SQL = """case
  when json_extract(i.details, '$.is_act') then 'Royal Assent'
  when json_extract(i.details, '$.withdrawn') is not null then 'withdrawn'
  when json_extract(i.details, '$.defeated') then 'defeated'
  when (select max(s.value) from json_each(i.details, '$.session_ids') s)
       < """ + NEWEST_SESSION_SQL + """
    then 'lapsed: fell at the end of its session'
  when json_array_length(i.details, '$.session_ids') > 1
    then coalesce(i.status, 'unknown') || ' (carried over from session '
         || (select min(s.value) from json_each(i.details, '$.session_ids') s) || ')'
  else coalesce(i.status, 'unknown') end"""
LAPSED = "lapsed: fell at the end of its session"


def bill_state(details: dict[str, Any], status: str | None, newest_session: int | None) -> str:
    """The Python twin of BILL_STAGE_SQL: a bill's state in words, given the newest session any tracked bill
    belongs to (a bill not carried into it fell at prorogation; one in several sessions was carried over)."""
    sessions = [s for s in details.get("session_ids") or [] if isinstance(s, int)]
    if details.get("is_act"):
        return "Royal Assent"
    if details.get("withdrawn") is not None:
        return "withdrawn"
    if details.get("defeated"):
        return "defeated"
    if sessions and newest_session is not None and max(sessions) < newest_session:
        return LAPSED
    if len(sessions) > 1:
        return f"{status or 'unknown'} (carried over from session {min(sessions)})"
    return status or "unknown"

#: The states a consultation-like item can be in, as every page and the briefing say them.
OPEN, CLOSED, AWAITING_OUTCOME, OUTCOME, WITHDRAWN = ("open", "closed", "closed, awaiting the government's response",
                                                      "outcome published", "withdrawn")


def deadline_passed(closes: str | None, now: datetime) -> bool:
    """Whether a stored closing instant (a bare date counts to its end) is before `now`; unreadable: no."""
    try:
        moment = parse_instant(closes, end_of_day=True)
    except TrackerError:
        return False
    return moment is not None and moment < now


def is_open(status: str | None, closes: str | None, now: datetime) -> bool:
    """The Python twin of OPEN_NOW_SQL: open at the last crawl and its deadline (if any) not passed."""
    return status in OPEN_STATUSES and not deadline_passed(closes, now)


def is_overdue(kind: str | None, status: str | None, closes: str | None, now: datetime) -> bool:
    """The Python twin of OVERDUE_SQL."""
    if kind not in GOVERNMENT_RESPONSE_KINDS or (status or "") in FINISHED_STATUSES:
        return False
    try:
        moment = parse_instant(closes, end_of_day=True)
    except TrackerError:
        return False
    return moment is not None and moment + RESPONSE_EXPECTED_AFTER < now


def consultation_state(kind: str | None, status: str | None, closes: str | None, now: datetime) -> str | None:
    """Where a consultation-like item stands now, in words (None for other kinds, whose status says it).

    A passed closing date is closed whatever the last crawl said; a GOV.UK consultation closed with no outcome
    is awaiting the government's response.
    """
    if kind not in CONSULTATION_KINDS:
        return None
    if status == "withdrawn":
        return WITHDRAWN
    if status in ("outcome", "reported"):
        return OUTCOME
    if is_open(status, closes, now):
        return OPEN
    if status in OPEN_STATUSES or status in CLOSED_STATUSES:
        return AWAITING_OUTCOME if kind in GOVERNMENT_RESPONSE_KINDS else CLOSED
    return status


# --- Validation ----------------------------------------------------------------------------------------

# One rule for text that people or sites type in (scraped text here, staff text in tracker.store.register).
#: C0/C1 control characters (tab, newline and carriage return kept): invisible in pages, they make XML feeds
#: invalid and can rewrite a terminal that prints the text briefing.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they make text display in
#: another order than it is stored ("Trojan Source"), so a title or note can read differently from what it says.
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """`value` without control characters or bidi overrides; newlines and tabs are kept."""
    return BIDI.sub("", CONTROL.sub("", value))


def needs_cleaning(value: str) -> bool:
    """Whether `clean_text` would change `value` (cheap check before rebuilding the string)."""
    return bool(CONTROL.search(value) or BIDI.search(value))


MAX_LENGTHS = {"title": 1_000, "summary": 20_000, "body_text": 200_000, "organisation": 2_000, "url": 2_000}
DATE_FIELDS = ("published", "updated", "opens", "closes")
TEXT_FIELDS = ("title", "summary", "body_text", "organisation", "status")


def _check_date(item_id: str, field_name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError(f"{item_id}: field {field_name!r} must be an ISO 8601 string, "
                              f"got {type(value).__name__}")
    try:
        if len(value) == 10:
            date.fromisoformat(value)
            return
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{item_id}: field {field_name!r} is not an ISO 8601 date: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValidationError(f"{item_id}: field {field_name!r} has no UTC offset: {value!r}")


def validate_item(item: dict[str, Any]) -> dict[str, Any]:
    """Return the item with over-long text capped, or raise ValidationError naming the id and field."""
    item_id = item.get("id") or "<no id>"
    for name in ("id", "source", "kind", "title", "url"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            raise ValidationError(f"{item_id}: required field {name!r} is missing or empty")
    source = SOURCES.get(item["source"])
    if source is None:
        raise ValidationError(f"{item_id}: unknown source {item['source']!r}")
    if not item_id.startswith(source.id_prefix):
        raise ValidationError(f"{item_id}: id must start with {source.id_prefix!r} for source {item['source']!r}")
    if item["kind"] not in KINDS:
        raise ValidationError(f"{item_id}: unknown kind {item['kind']!r}")
    if not item["url"].startswith(("https://", "http://")):
        raise ValidationError(f"{item_id}: field 'url' is not an http(s) URL: {item['url'][:100]!r}")
    for name in DATE_FIELDS:
        _check_date(item_id, name, item.get(name))
    for name in TEXT_FIELDS:
        # Control characters and bidi overrides out, as for staff text.
        if isinstance(item.get(name), str) and needs_cleaning(item[name]):
            item[name] = clean_text(item[name])
    for name, limit in MAX_LENGTHS.items():
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{item_id}: field {name!r} must be text")
        if value and len(value) > limit:
            item[name] = value[:limit]
    try:
        json.dumps(item.get("details") or {})
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{item_id}: field 'details' is not JSON: {exc}") from None
    for link in item.get("links") or []:
        if link.get("relation") not in RELATIONS or not link.get("to_id"):
            raise ValidationError(f"{item_id}: bad link {link!r}")
    return item


# --- Commitments ---------------------------------------------------------------------------------------

#: States of a government commitment (a `commitments` row); 'overdue' is not stored but computed.
COMMITMENT_STATES = ("candidate", "open", "delivered", "dropped", "dismissed")
#: What an editor may do to a commitment in each state, and the state it leads to.
COMMITMENT_ACTIONS = {"confirm": ("candidate", "open"), "dismiss": ("candidate", "dismissed"),
                      "delivered": ("open", "delivered"), "dropped": ("open", "dropped")}
#: SQL over `commitments c`: open and its due date passed (the due day counts to its end).
COMMITMENT_OVERDUE_SQL = "c.state = 'open' and c.due is not null and c.due < date(tracker_now())"
#: SQL over `commitments c`: the state in words, overdue included.
COMMITMENT_STATE_SQL = f"case when {COMMITMENT_OVERDUE_SQL} then 'overdue' else c.state end"
