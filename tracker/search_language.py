"""The search box's language, turned into an SQLite FTS5 query.

- words: every one must appear (`money laundering`), stemmed (`launder` finds laundering);
- `"failure to prevent"`: the exact phrase;
- `fraud OR bribery`: either; OR (in capitals) joins the word or "phrase" on each side of it, so
  `sanctions fraud OR bribery` is sanctions, and fraud or bribery;
- `-levy` (or `NOT levy`): leave out items that contain it;
- `AND` (in capitals) may be written between words; it changes nothing.

Everything else is a word to find: hyphens, colons, brackets and stray quotes never reach FTS5 as syntax, so
`anti-money laundering` is simply three words. A query this language cannot read raises SearchError with a
message that says what to write instead.
"""
from __future__ import annotations

import re

from tracker.errors import ValidationError

#: A quoted phrase (the closing quote may be missing), or a run of anything but space, brackets and quotes.
_TOKEN = re.compile(r'(-*)"([^"]*)"?|([^\s()"]+)')
OPERATORS = ("AND", "OR", "NOT")
HOW = ('Search for words (all must appear), "an exact phrase" in quotes, fraud OR bribery for either, '
       '-levy to leave out items that mention levy, or a theme\'s name.')


class SearchError(ValidationError):
    """A search the search box's language cannot read."""


def _tokens(query: str) -> list[tuple[str, str, bool]]:
    """(kind, text, left out) for each token: kind is an operator, or "term" for a word or phrase."""
    found = []
    for match in _TOKEN.finditer(query):
        dashes, phrase, word = match.groups()
        if word is not None and word in OPERATORS:
            found.append((word, word, False))
            continue
        if word is not None:
            text = word.lstrip("-")
            dashes = word[: len(word) - len(text)]
        else:
            text = phrase
        # Punctuation alone (a lone "-", "&", an empty pair of quotes) holds nothing FTS5 could find.
        if any(ch.isalnum() for ch in text):
            found.append(("term", '"' + " ".join(text.split()) + '"', bool(dashes)))
    return found


def to_fts5(query: str) -> str:
    """The FTS5 MATCH expression for a search typed in the box; SearchError if it cannot be read."""
    groups: list[list[str]] = []  # every group must match; a group of several is words joined by OR
    left_out: list[str] = []
    pending: str | None = None  # AND or OR waiting for the term after it
    negate = False  # NOT waiting for its term
    last_left_out = False
    for kind, text, dashed in _tokens(query or ""):
        if kind in ("AND", "OR"):
            if pending or negate or not (groups or left_out):
                raise SearchError(f"Search not understood: {kind} needs a word or \"phrase\" on each side, "
                                  f"as in fraud {kind} bribery. {HOW}")
            pending = kind
            continue
        if kind == "NOT":
            if negate or pending == "OR":
                raise SearchError(f"Search not understood: NOT needs a word or \"phrase\" after it, as in "
                                  f"fraud NOT levy. {HOW}")
            negate = True
            continue
        excluded = dashed or negate
        if pending == "OR":
            if excluded or last_left_out:
                raise SearchError("Search not understood: OR joins words to find, not words to leave out; "
                                  f"write fraud OR bribery -levy. {HOW}")
            groups[-1].append(text)
        elif excluded:
            left_out.append(text)
        else:
            groups.append([text])
        pending, negate, last_left_out = None, False, excluded
    if pending or negate:
        word = pending or "NOT"
        raise SearchError(f"Search not understood: {word} at the end needs a word or \"phrase\" after it, "
                          f"as in fraud {word} {'levy' if word == 'NOT' else 'bribery'}. {HOW}")
    if not groups:
        what = ("only says what to leave out; add a word to find, as in fraud -levy" if left_out
                else "has no word to look for")
        raise SearchError(f"Search not understood: it {what}. {HOW}")
    found = " AND ".join(group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups)
    if left_out:
        return f"({found}) NOT ({' OR '.join(left_out)})"
    return found
