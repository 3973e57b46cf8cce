"""Suggest, for each pending ask, the passages of newer documents in its reform thread that read most like it.

A response's item sits in a reform thread (store.reforms); when a document arrives in that thread (a report,
a government response, a bill version, the Act, a strategy...), its text is split into passages and ranked
against each pending ask with SQLite FTS5 bm25: a temporary FTS table of the document's passages, queried with
the ask's terms OR'd together, stop words dropped. FTS5 ships with SQLite, which the store already uses
(items_fts), and ranks 1,140 passages against an ask in about 16 ms (measured 2026-12-05); TF-IDF cosine
from scikit-learn would bring scikit-learn, numpy and scipy (none installed here) for a term-weighting the
same in kind. The best few passages go into `ask_suggestions` for an editor to accept or dismiss;
nothing is decided here. Re-running adds nothing twice (UNIQUE ask, item, passage) and never brings back a
dismissed suggestion, whose row stays: nor a part of one, so a document whose stored text is split differently
(GOV.UK bodies once arrived as one run of text, their list items now paragraphs) does not offer again, as a new
passage, words an editor already dismissed for that ask.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

import sqlite_utils

from tracker.store.db import write_transaction
from tracker.store.items import utc_now

#: Passages offered per ask and document.
PER_DOCUMENT = 3
#: Passages shorter than this are headings or fragments, longer ones are cut at a sentence boundary.
MIN_CHARS, MAX_CHARS = 25, 700
#: A passage matching only words found in nearly every passage of the document scores about 0: not offered.
MIN_SCORE = 0.01
#: Kinds that are never an answer to an ask: other people's (or our own) submissions.
NOT_ANSWERS = ("written_evidence",)

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers him his how i if in into is it its itself just may me might more most must my no nor not now of off on once
only or other our ours out over own per same shall she should so some such than that the their theirs them then
there these they this those through to too under until up upon very was we were what when where which while who
whom why will with within would you your yours including include includes within without us
""".split())

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-•*]|\d+[.)])\s)")
_MARKER = re.compile(r"^(?:[-•*]|\(?\d+[.)]|\([a-z]\))\s+")
# A sentence ends at . ! ? (or a closing quote after one) followed by space and a capital, digit or quote.
_SENTENCE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9“\"‘(])")


@dataclass
class SuggestionResult:
    """What one run did: asks and documents compared, suggestions added."""

    asks: int = 0
    documents: int = 0
    added: int = 0


def split_passages(text: str | None) -> list[str]:
    """A document's text as passages: paragraphs and list items, then sentences; whitespace collapsed."""
    if not text:
        return []
    passages: list[str] = []
    for block in _BLOCK.split(text):
        block = _MARKER.sub("", " ".join(block.split()))
        if not block:
            continue
        for sentence in _SENTENCE.split(block):
            sentence = sentence.strip()
            if len(sentence) >= MIN_CHARS and sentence not in passages:
                passages.append(sentence[:MAX_CHARS])
    return passages


def query_terms(ask: str) -> list[str]:
    """The ask's distinct content words, lower case, in order: the OR'd terms of the FTS query."""
    seen: list[str] = []
    for word in _WORD.findall(ask.lower()):
        if word not in STOP_WORDS and len(word) > 1 and not word.isdigit() and word not in seen:
            seen.append(word)
    return seen


def rank(ask: str, passages: list[str], limit: int = PER_DOCUMENT) -> list[tuple[str, float]]:
    """The passages most like the ask, best first, as (passage, score); only passages sharing a term.

    The score is bm25's (negated, so higher is better) over this document's passages alone."""
    terms = query_terms(ask)
    if not terms or not passages:
        return []
    conn = sqlite3.connect(":memory:")
    try:
        # Porter stemming lets "prosecution" meet "prosecutions" and "prosecuting".
        conn.execute("CREATE VIRTUAL TABLE passages USING fts5(text, tokenize='porter unicode61')")
        conn.executemany("INSERT INTO passages (rowid, text) VALUES (?, ?)", list(enumerate(passages)))
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        rows = conn.execute("SELECT rowid, bm25(passages) FROM passages WHERE passages MATCH ? "
                            "ORDER BY bm25(passages), rowid LIMIT ?", [match, limit]).fetchall()
    finally:
        conn.close()
    return [(passages[rowid], round(-score, 6)) for rowid, score in rows if -score >= MIN_SCORE]


_CANDIDATES = f"""
SELECT a.id AS ask_id, a.text AS ask, i.id AS item_id, coalesce(i.summary, '') AS summary,
       coalesce(i.body_text, '') AS body
FROM asks a
JOIN responses r ON r.id = a.response_id
JOIN reforms mine ON mine.item_id = r.item_id
JOIN reforms other ON other.reform_id = mine.reform_id AND other.item_id != r.item_id
JOIN items i ON i.id = other.item_id
WHERE a.outcome = 'pending'
  AND i.kind NOT IN ({", ".join(repr(k) for k in NOT_ANSWERS)})
  AND i.published IS NOT NULL
  -- Only documents newer than the response: published after it was submitted; with no submitted date,
  -- after the call it answered closed (a response is in by then), else after it was logged.
  AND julianday(i.published) > julianday(coalesce(
        r.submitted_on,
        (SELECT coalesce(json_extract(own.details, '$.call_closed'), own.closes) FROM items own
         WHERE own.id = r.item_id),
        r.created_at))
ORDER BY a.id, i.id
"""


def folded(passage: str) -> str:
    """A passage's letters and digits only, case folded: the same words however whitespace and punctuation
    around block edges were stored."""
    return "".join(ch for ch in passage.casefold() if ch.isalnum())


def _dismissed(db: sqlite_utils.Database) -> dict[tuple[int, str], list[str]]:
    """Per (pending ask, item), the folded passages an editor dismissed."""
    found: dict[tuple[int, str], list[str]] = {}
    for ask_id, item_id, passage in db.execute(
            "SELECT s.ask_id, s.item_id, s.passage FROM ask_suggestions s JOIN asks a ON a.id = s.ask_id "
            "WHERE s.state = 'dismissed' AND a.outcome = 'pending'"):
        found.setdefault((ask_id, item_id), []).append(folded(passage))
    return found


def suggest(db: sqlite_utils.Database, *, now: str | None = None) -> SuggestionResult:
    """Add suggestions for every pending ask from the newer documents of its reform thread."""
    now = now or utc_now()
    result = SuggestionResult()
    rows = list(db.query(_CANDIDATES))
    dismissed = _dismissed(db)
    asks, documents = set(), set()
    with write_transaction(db.conn):
        for row in rows:
            asks.add(row["ask_id"])
            documents.add(row["item_id"])
            text = "\n\n".join(part for part in (row["summary"], row["body"]) if part)
            gone = dismissed.get((row["ask_id"], row["item_id"]), [])
            for position, (passage, score) in enumerate(rank(row["ask"], split_passages(text)), start=1):
                if any(folded(passage) in words for words in gone):
                    continue  # dismissed already, perhaps inside a longer passage of an earlier split
                cursor = db.conn.execute(
                    "INSERT OR IGNORE INTO ask_suggestions (ask_id, item_id, passage, rank, score, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [row["ask_id"], row["item_id"], passage, position, score, now])
                result.added += cursor.rowcount
    result.asks, result.documents = len(asks), len(documents)
    return result
