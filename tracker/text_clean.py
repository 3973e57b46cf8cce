"""One rule for text that people or sites type in: no control characters, no bidirectional overrides.

Scraped text (tracker.validate) and staff text (tracker.register) both pass through `clean_text`.
"""
from __future__ import annotations

import re

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
