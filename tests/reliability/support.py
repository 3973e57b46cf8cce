"""Shared by the reliability tests: every source's good payloads (served exactly as the spider tests serve
them, by tests/helpers/spiders), how to break each source's listing, crawls against those servers, and row
snapshots to compare before and after a fault."""
from __future__ import annotations

import copy
import json
import re
import sqlite3
from datetime import datetime, timedelta
from urllib.parse import urlencode
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tracker import crawl as crawl_mod
from tracker.contract import SOURCE_NAMES

from ..helpers.http import FaultServer, LocalServer
from ..helpers.spiders import FAST
from ..helpers.spiders import committees
from ..helpers.spiders import govuk
from ..helpers.spiders import hansard
from ..helpers.spiders import law_commission as lawcom
from ..helpers.spiders import legislation
from ..helpers.spiders import parliament_bills as bills
from ..helpers.spiders import sentencing_council as sentencing
from ..helpers.spiders import written_questions as questions
from ..helpers.spiders import written_statements as statements
from ..helpers.spiders import statutory_instruments as sis
from ..helpers.spiders import parliament_calendar as calendar

SOURCES = SOURCE_NAMES
#: Back far enough that every recorded payload is inside a first crawl.
SINCE = "2000-01-01T00:00:00"
#: FAST, with a one-second download timeout so the timeout faults cost little.
SETTINGS = {**FAST, "DOWNLOAD_TIMEOUT": 1}
#: Tables whose rows must survive a failed crawl untouched (items apart from last_seen).
GUARDED = {"items": "id", "item_versions": "id", "bill_stages": "bill_stage_id", "links": "id",
           "amendments": "amendment_id", "amendment_versions": "id"}


@dataclass(frozen=True)
class Source:
    """How to serve one source's good payloads and break its listing (the first request)."""

    name: str
    serve: Callable[[LocalServer], object]
    listing: str
    #: The good listing body with its key field renamed, and what the error then names.
    renamed: Callable[[bytes], bytes]
    renamed_pattern: str
    #: A well-formed listing with no entries.
    empty: bytes
    empty_content_type: str
    #: What the error names when an HTML page comes where the listing format was expected.
    html_pattern: str
    #: The source's other first listing pages (read in the same run as `listing`).
    more_listings: tuple[str, ...] = ()


def _json_rename(key: str, new: str, items_key: str | None) -> Callable[[bytes], bytes]:
    def rename(body: bytes) -> bytes:
        payload = json.loads(body)
        entries = payload[items_key] if items_key else payload
        for entry in entries:
            entry[new] = entry.pop(key)
        return json.dumps(payload).encode()
    return rename


def _xml_rename(tag: bytes, new: bytes) -> Callable[[bytes], bytes]:
    return lambda body: re.sub(rb"<(/?)" + tag + rb">", rb"<\1" + new + rb">", body)


def _serve_govuk(server) -> None:
    govuk.serve(server, govuk.three_docs())


def _empty_atom() -> bytes:
    body = (legislation.LEG / "snapshot_uksi_feed_page1.xml").read_bytes()
    body = re.sub(rb"<entry>.*?</entry>\s*", b"", body, flags=re.S)
    return re.sub(rb'<link rel="next"[^>]*/>', b"", body)


def _serve_questions(server) -> None:
    # An answer in the answered listing too, so a run with the tabled listing empty still reads items.
    questions.serve_questions(server, day=SINCE[:10], answered=[questions.answered_record(1738673)])


def _rename_in_values(key: str, new: str) -> Callable[[bytes], bytes]:
    def rename(body: bytes) -> bytes:
        payload = json.loads(body)
        for entry in payload["results"]:
            entry["value"][new] = entry["value"].pop(key)
        return json.dumps(payload).encode()
    return rename
def _hansard_today() -> tuple[str, str]:
    """Hansard's search window in these crawls (no clock given): from SINCE to today in London."""
    from zoneinfo import ZoneInfo
    return SINCE[:10], datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def _serve_hansard(server) -> None:
    hansard.serve_searches(server, *_hansard_today())


EMPTY_RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Sentencing Council</title>'
             b"<link>https://www.sentencingcouncil.org.uk</link></channel></rss>")

CATALOGUE = {
    "parliament-bills": Source(
        "parliament-bills", bills.serve_bill, bills.LIST,
        _json_rename("billId", "id", "items"), "required field 'billId' is missing",
        json.dumps({"items": [], "totalResults": 0, "itemsPerPage": 25}).encode(), "application/json",
        "expected JSON"),
    "govuk": Source(
        "govuk", _serve_govuk, govuk.search_path(0),
        _json_rename("link", "url", "results"), r"results\[0\]: field 'link' missing",
        json.dumps({"results": [], "total": 0, "start": 0}).encode(), "application/json",
        "expected JSON"),
    "legislation": Source(
        "legislation", legislation.serve, legislation.UKSI_1,
        _xml_rename(b"title", b"heading"), "has no <title>",
        _empty_atom(), legislation.ATOM,
        "expected an Atom <feed>", (legislation.UKPGA_1,)),
    "committees": Source(
        "committees", committees.serve_committees, committees.OPEN_CALLS.format(skip=0),
        _json_rename("id", "businessId", "items"), "has an item without an integer id",
        committees.page().encode(), "application/json",
        "expected JSON", (committees.OPEN_NEWEST,)),
    "law-commission": Source(
        "law-commission", lawcom.serve_lawcom, lawcom.LIST.format(type="project", page=1),
        _json_rename("id", "ID", None), "field 'id' missing or not an integer",
        b"[]", "application/json",
        "expected JSON", (lawcom.LIST.format(type="news", page=1),)),
    "sentencing-council": Source(
        "sentencing-council", sentencing.serve_sentencing, sentencing.FEED,
        _xml_rename(b"link", b"url"), r"item \[0\]: field 'link' missing",
        EMPTY_RSS, "application/rss+xml",
        r"not an RSS 2\.0 document \(root <html>\)"),
    "written-questions": Source(
        "written-questions", _serve_questions, questions.listing_path("tabled", SINCE[:10]),
        _rename_in_values("questionText", "questionBody"), "has no field 'questionText'",
        questions.page([]).encode(), "application/json",
        "expected JSON", (questions.listing_path("answered", SINCE[:10]), questions.listing_path("corrected", SINCE[:10]))),
    "written-statements": Source(
        "written-statements", lambda server: statements.serve_statements(server, day=SINCE[:10]),
        statements.listing_path(SINCE[:10]),
        _rename_in_values("dateMade", "madeOn"), "has no field 'dateMade'",
        questions.page([]).encode(), "application/json", "expected JSON"),
    # The first of the 12 phrase searches; the other 11 answer with no results.
    "hansard": Source(
        "hansard", _serve_hansard, hansard.path("economic crime", 0, *_hansard_today()),
        _json_rename("DebateSectionExtId", "DebateSectionId2", "Results"), "required field 'DebateSectionExtId'",
        json.dumps(hansard.EMPTY).encode(), "application/json",
        "expected JSON"),
    "statutory-instruments": Source(
        "statutory-instruments", sis.serve, sis.LIST,
        _json_rename("value", "record", "items"), "required field 'value' is missing",
        json.dumps({"items": [], "totalResults": 0, "itemsPerPage": 20}).encode(), "application/json",
        "expected JSON"),
    # Its two windows follow the day (these crawls run with no clock), as Hansard's.
    "parliament-calendar": Source(
        "parliament-calendar", lambda server: calendar.serve(server, day=calendar.today()),
        calendar.paths(calendar.today())[0],
        _json_rename("Id", "EventId", None), "has no field 'Id'",
        b"[]", "application/json", "expected JSON", (calendar.paths(calendar.today())[1],)),
}


def start_servers() -> dict[str, FaultServer]:
    """One started server per source, each serving that source's good payloads."""
    servers = {}
    for name, source in CATALOGUE.items():
        servers[name] = FaultServer().start()
        source.serve(servers[name])
    return servers


def crawl(sources, db_path, servers, **kwargs):
    """crawl() against the local servers, FAST, back to SINCE, full unless told otherwise."""
    kwargs.setdefault("full", True)
    settings = {**SETTINGS, **kwargs.pop("settings", {})}
    base_urls = {s: servers[s].url for s in servers}
    if "statutory-instruments" in servers:  # its What's On requests go to the server that serves the instruments
        base_urls["whats-on"] = servers["statutory-instruments"].url
    return crawl_mod.crawl(list(sources), db_path, base_urls=base_urls, since=SINCE, settings=settings, **kwargs)


def snapshot_rows(db_path: Path) -> dict[str, list[dict]]:
    """Every row of the guarded tables (items without last_seen), keyed by table, in key order."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        tables = {}
        for table, key in GUARDED.items():
            rows = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY {key}")]
            if table == "items":
                for row in rows:
                    row.pop("last_seen")
            tables[table] = rows
        return tables
    finally:
        conn.close()


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a WAL database (the backup API, not a file copy)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# --- many bills, for crash and concurrency tests -----------------------------------------------------------

BILL_DETAIL = json.loads((bills.BILLS / "bill_2818_detail.json").read_text())
BILL_STAGES = json.loads((bills.BILLS / "bill_2818_stages.json").read_text())
FIRST_BILL = 10_000


def serve_many_bills(server: LocalServer, count: int, page_size: int = 25, revision: int = 0) -> list[str]:
    """`count` bills built from the recorded bill 2818 (distinct ids, titles, stage ids, newest first) over
    list pages of `page_size`; a new `revision` changes every title. Returns their item ids."""
    newest = datetime(2026, 6, 1, 12, 0, 0)
    details = []
    for index in range(count):
        bill_id = FIRST_BILL + index
        detail = copy.deepcopy(BILL_DETAIL)
        title = f"Economic Crime (No. {index}) Bill" + (f" [rev {revision}]" if revision else "")
        detail.update(billId=bill_id, shortTitle=title,
                      lastUpdate=(newest - timedelta(hours=index)).isoformat())
        detail["currentStage"]["id"] = bill_id * 10 + 1
        stages = copy.deepcopy(BILL_STAGES)
        for offset, stage in enumerate(stages["items"]):
            stage["id"] = bill_id * 10 + offset
            for sitting in stage["stageSittings"]:
                sitting.update(billStageId=stage["id"], billId=bill_id)
        details.append(detail)
        root = f"/api/v1/Bills/{bill_id}"
        server.add(root, json.dumps(detail))
        server.add(f"{root}/Stages?" + urlencode({"Skip": 0, "Take": 100}), json.dumps(stages))
    for skip in range(0, count, page_size):
        page = {"items": [{k: d[k] for k in bills.SUMMARY_KEYS} for d in details[skip:skip + page_size]],
                "totalResults": count, "itemsPerPage": page_size}
        server.add("/api/v1/Bills?" + urlencode({"SortOrder": "DateUpdatedDescending", "Skip": skip,
                                                 "Take": page_size}), json.dumps(page))
    return [f"bill:{FIRST_BILL + index}" for index in range(count)]
