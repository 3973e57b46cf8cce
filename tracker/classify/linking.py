"""Suggest links between items that belong to one reform, with evidence; reviewers confirm or reject them.

- a bill and the Act it became (`enacted_as`): the Bills API names an enacted bill by its Act title;
- a consultation, strategy, inquiry or SI that names a tracked bill or Act (`mentions`);
- commencement orders -> Acts come from the legislation parser itself (`commences`).
A suggestion never overrides a reviewer: rejected links stay rejected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from tracker.store import calendar, reforms
from tracker.store.db import write_transaction
from tracker.store.items import utc_now

METHOD = "title-match/1"
_SPACE = re.compile(r"\s+")
_BRACKETS = re.compile(r"\s*\[hl\]\s*$")
MENTION_KINDS = ("consultation", "call_for_evidence", "policy_paper", "strategy", "impact_assessment",
                 "independent_report", "committee_inquiry", "law_commission_project", "law_commission_consultation",
                 "sentencing_consultation", "statutory_instrument")
TEXT_CHARS = 50_000


def normalise(title: str) -> str:
    """Lowercase, single-spaced, without a trailing [HL] marker."""
    return _BRACKETS.sub("", _SPACE.sub(" ", title.strip().lower()))


def _act_base(title: str) -> str:
    """'Crime and Policing Act 2026' and 'Crime and Policing Bill' -> 'crime and policing'."""
    return re.sub(r"\s+(act\s+\d{4}|bill)$", "", normalise(title))


@dataclass
class LinkingResult:
    """Counts of one pass."""

    scanned: int = 0
    suggested: int = 0
    reforms: int = 0


def _suggest(db: sqlite_utils.Database, from_id: str, to_id: str, relation: str, evidence: str, score: float,
             now: str) -> int:
    cursor = db.execute(
        "INSERT INTO links (from_id, to_id, relation, evidence, method, score, created) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (from_id, to_id, relation) DO NOTHING",
        [from_id, to_id, relation, evidence, METHOD, score, now])
    return cursor.rowcount


def suggest_links(db: sqlite_utils.Database, *, everything: bool = False, now: str | None = None) -> LinkingResult:
    """Suggest reform links for items new or changed since they were last scanned (or all)."""
    now = now or utc_now()
    acts = {normalise(r["title"]): r["id"] for r in db.query("SELECT id, title FROM items WHERE kind = 'act'")}
    bills = {r["id"]: r for r in db.query("SELECT id, title, status FROM items WHERE kind = 'bill'")}
    act_by_base = {_act_base(title): act_id for title, act_id in acts.items()}
    names = {title: act_id for title, act_id in acts.items()}
    for bill_id, bill in bills.items():
        names.setdefault(normalise(bill["title"]), bill_id)
    mention_re = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b") \
        if names else None
    where = "" if everything else "WHERE s.item_id IS NULL OR s.content_hash != i.content_hash"
    rows = list(db.query(
        f"SELECT i.id, i.kind, i.title, i.summary, substr(i.body_text, 1, {TEXT_CHARS}) AS body, i.content_hash "
        f"FROM items i LEFT JOIN link_scans s ON s.item_id = i.id {where}"))
    result = LinkingResult()
    with write_transaction(db.conn):
        for row in rows:
            result.scanned += 1
            if row["kind"] == "bill":
                act_id = acts.get(normalise(row["title"])) or (
                    act_by_base.get(_act_base(row["title"])) if (bills[row["id"]]["status"] or "").lower()
                    == "royal assent" else None)
                if act_id:
                    result.suggested += _suggest(db, row["id"], act_id, "enacted_as",
                                                 f"bill title matches the Act on legislation.gov.uk: {row['title']}",
                                                 0.95, now)
            elif row["kind"] in MENTION_KINDS and mention_re is not None:
                text = " ".join(filter(None, (row["title"], row["summary"], row["body"]))).lower()
                for name in sorted(set(m.group(1) for m in mention_re.finditer(text))):
                    target = names[name]
                    if target != row["id"]:
                        result.suggested += _suggest(db, row["id"], target, "mentions",
                                                     f"names “{name}”", 0.6, now)
            db.execute("INSERT INTO link_scans (item_id, content_hash, scanned_at) VALUES (?, ?, ?) "
                       "ON CONFLICT (item_id) DO UPDATE SET content_hash = excluded.content_hash, "
                       "scanned_at = excluded.scanned_at", [row["id"], row["content_hash"], now])
        # Links from the sources arrive with the crawl and suggestions just now: rebuild the reform threads.
        result.reforms = reforms.recompute(db.conn)
        # The forward calendar names each event's reform, so it follows the threads.
        calendar.sync(db.conn, now=now)
    return result
