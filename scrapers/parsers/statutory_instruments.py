"""Parse the Statutory Instruments API v2 (https://statutoryinstruments-api.parliament.uk) and the What's On
API's annulment-date answer (https://whatson-api.parliament.uk/calendar/proceduraldates/...).

An instrument is keyed by its number once it has one (`si:2021/558`), so the Parliament record and the
legislation.gov.uk item of the same SI (`legislation:uksi/2021/558`) meet; a draft has no number yet and is
keyed by its API id (`si:paper/<id>`). The praying or approval period is counted by Parliament's own calendar
(the What's On API knows the recesses), never by us: when that answer is missing the end date is unknown.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from tracker.contract import ItemLink, TrackedItem

from .dates import date_only
from .errors import ParseError

SOURCE = "statutory-instruments"
PAGE_SIZE = 20
#: Statutory Instruments Act 1946 s.5 and s.6: 40 days for an instrument (or draft) subject to annulment.
NEGATIVE_DAYS = 40
#: The usual approval period of a made affirmative instrument; its enabling Act may set another.
MADE_AFFIRMATIVE_DAYS = 28
_COMMITTEES = (("JCSI", re.compile(r"\bJCSI\b|Joint Committee on Statutory Instruments", re.I)),
               ("SLSC", re.compile(r"\bSLSC\b|Secondary Legislation Scrutiny Committee", re.I)))


@dataclass(frozen=True)
class InstrumentSummary:
    """One listing entry: enough to decide whether to fetch the instrument."""

    #: None only in a re-expressed record (the API always gives one): the spider then stores the summary.
    instrument_id: str | None
    name: str
    #: The first date it was laid before either House, else the date it was made (YYYY-MM-DD), else None.
    first_date: str | None
    value: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


def list_url(base_url: str, skip: int, take: int = PAGE_SIZE) -> str:
    return f"{base_url.rstrip('/')}/api/v2/StatutoryInstrument?{urlencode({'Skip': skip, 'Take': take})}"


def detail_url(base_url: str, instrument_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/v2/StatutoryInstrument/{quote(instrument_id, safe='')}"


def business_url(base_url: str, instrument_id: str) -> str:
    return detail_url(base_url, instrument_id) + "/BusinessItems"


def annulment_url(whats_on_url: str, laid: str, days: int) -> str:
    query = urlencode({"dateLaid": laid, "daysInFuture": days, "isTreaty": "false"})
    return f"{whats_on_url.rstrip('/')}/calendar/proceduraldates/annulmentdate/forDate.json?{query}"


def _require(payload: Any, field: str, where: str) -> Any:
    if not isinstance(payload, dict) or payload.get(field) is None:
        raise ParseError(f"{SOURCE}: {where}: required field {field!r} is missing")
    return payload[field]


def _date(value: Any, field: str, where: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date_only(value)
    except (TypeError, ValueError, AttributeError):
        raise ParseError(f"{SOURCE}: {where}: field {field!r} is not a date: {value!r}") from None


def _first_date(value: dict[str, Any], where: str) -> str | None:
    laid = [d for d in (_date(value.get("commonsLayingDate"), "commonsLayingDate", where),
                        _date(value.get("lordsLayingDate"), "lordsLayingDate", where)) if d]
    return min(laid) if laid else _date(value.get("paperMadeDate"), "paperMadeDate", where)


def parse_list(payload: Any, url: str) -> tuple[list[InstrumentSummary], int]:
    """A listing page -> (summaries, totalResults). Each entry is `{"value": {...}, "links": [...]}`."""
    entries = _require(payload, "items", url)
    if not isinstance(entries, list):
        raise ParseError(f"{SOURCE}: {url}: field 'items' is not a list")
    summaries = []
    for entry in entries:
        value = _require(entry, "value", url)
        instrument_id = value.get("id")
        if not instrument_id and not (value.get("paperNumber") and value.get("paperYear")):
            raise ParseError(f"{SOURCE}: {url}: an instrument has neither 'id' nor 'paperNumber' and 'paperYear'")
        where = f"instrument {instrument_id or value.get('paperNumber')} in {url}"
        summaries.append(InstrumentSummary(instrument_id=str(instrument_id) if instrument_id else None,
                                           name=_require(value, "name", where),
                                           first_date=_first_date(value, where), value=value))
    return summaries, int(payload.get("totalResults") or len(summaries))


def scrutiny_period(value: dict[str, Any]) -> tuple[str, str, int] | None:
    """(what ends, the laying date it runs from, days) for an instrument with a fixed period, else None.

    The period runs from the later laying date when the Houses were laid on different days (SIA 1946 s.7).
    Proposed negatives (the sifting stage) and plain affirmatives (no deadline, a vote) have none.
    """
    procedure = ((value.get("procedure") or {}).get("name") or "").lower()
    laid = [d for d in (value.get("commonsLayingDate"), value.get("lordsLayingDate")) if d]
    if not laid or "proposed" in procedure:
        return None
    later = max(_date(d, "layingDate", f"instrument {value.get('id')}") for d in laid)
    if "negative" in procedure:
        return "praying period ends", later, NEGATIVE_DAYS
    if "made affirmative" in procedure:
        return "approval period ends", later, MADE_AFFIRMATIVE_DAYS
    return None


def parse_annulment_date(payload: Any, url: str) -> str:
    """The What's On answer (a bare JSON date-time string) -> YYYY-MM-DD."""
    if not isinstance(payload, str):
        raise ParseError(f"{SOURCE}: {url}: expected a date string, got {type(payload).__name__}")
    return _date(payload, "annulment date", url)


def parse_business_items(payload: Any, url: str) -> list[dict[str, Any]]:
    """Business items -> the committee scrutiny steps (JCSI, SLSC) with their dates, oldest first."""
    if not isinstance(payload, list):
        raise ParseError(f"{SOURCE}: {url}: expected a list of business items")
    reports = []
    for entry in payload:
        for step in (entry or {}).get("steps") or []:
            for committee, pattern in _COMMITTEES:
                if isinstance(step, str) and pattern.search(step):
                    reports.append({"committee": committee, "step": step,
                                    "date": _date(entry.get("itemDate"), "itemDate", url),
                                    "houses": entry.get("houses") or [], "link": entry.get("link")})
    return sorted(reports, key=lambda r: (r["date"] or "", r["committee"], r["step"]))


def _names(values: Any) -> list[str]:
    return [v["name"] for v in values or [] if isinstance(v, dict) and v.get("name")]


def parse_instrument(payload: Any, url: str, *, committee_reports: list[dict[str, Any]] | None = None,
                     period_end: str | None = None) -> TrackedItem:
    """An instrument's detail (`{"value": {...}}`), its committee reports and the What's On period end ->
    a TrackedItem."""
    value = _require(payload, "value", url)
    name = _require(value, "name", url)
    api_id = value.get("id")
    number, year = value.get("paperNumber"), value.get("paperYear")
    where = f"instrument {api_id or name} in {url}"
    if number and year:
        item_id = f"si:{year}/{number}"
    elif api_id:
        item_id = f"si:paper/{api_id}"
    else:
        raise ParseError(f"{SOURCE}: {where}: neither 'id' nor 'paperNumber' and 'paperYear' are given")
    procedure = value.get("procedure") or {}
    commons = _date(value.get("commonsLayingDate"), "commonsLayingDate", where)
    lords = _date(value.get("lordsLayingDate"), "lordsLayingDate", where)
    made = _date(value.get("paperMadeDate"), "paperMadeDate", where)
    laid = min(d for d in (commons, lords) if d) if (commons or lords) else None
    legislation_url = (f"https://www.legislation.gov.uk/uksi/{year}/{number}" if number and year
                       else value.get("link") or None)
    period = scrutiny_period(value)
    laying_body = (value.get("layingBody") or {}).get("name")
    enabling_acts = _names(value.get("enablingActs"))
    links = []
    if number and year:
        links.append(ItemLink(to_id=f"legislation:uksi/{year}/{number}", relation="same_reform",
                              evidence=f"the same instrument, S.I. {year}/{number}"))
    return TrackedItem(
        id=item_id,
        source=SOURCE,
        kind="statutory_instrument",
        title=name,
        url=(f"https://statutoryinstruments.parliament.uk/instrument/{api_id}/" if api_id
             else legislation_url or url),
        summary=(f"{procedure['name']} procedure" if procedure.get("name") else None),
        organisation=laying_body,
        status="laid" if laid else ("made" if made else None),
        published=laid or made,
        body_text="\n".join([name] + [f"Made under the {act}" for act in enabling_acts]),
        details={
            "api_id": api_id,
            "prefix": value.get("paperPrefix"),
            "number": number,
            "year": year,
            "procedure": procedure.get("name"),
            "procedure_id": procedure.get("id"),
            "made": made,
            "commons_laid": commons,
            "lords_laid": lords,
            "coming_into_force": _date(value.get("paperComingIntoForceDate"), "paperComingIntoForceDate", where),
            "coming_into_force_note": value.get("paperComingIntoForceNote") or None,
            "laying_body": laying_body,
            "enabling_acts": enabling_acts,
            "legislation_url": legislation_url,
            "preceded_by": (value.get("precededByInstrument") or {}).get("id"),
            "followed_by": (value.get("followedByInstrument") or {}).get("id"),
            "scrutiny_period": ({"ends": period[0], "runs_from": period[1], "days": period[2],
                                 "end_date": period_end} if period else None),
            "committee_reports": committee_reports or [],
        },
        links=links,
    )
