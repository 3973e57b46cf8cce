"""Find government undertakings ("we will publish", "I will write", "will consult on", "... will be laid in due
course") in what ministers say: each a candidate commitment with its exact sentence, who said it, the department
and, where the sentence states one, a due date resolved against the day it was said.

Pure: text in, candidates out; no database, no clock. Statements, answers and debates feed the same function.
Precision matters more than recall (an editor confirms every candidate): a sentence counts only when a
government actor undertakes a delivery ("the Government will publish", "I intend to write") or a government
output is announced as coming ("a response will be published"); continuing, considering, hoping and what
independent bodies (regulators, commissions) will do are not commitments, nor are vague "further details will
be set out in due course". tests/fixtures/labelled/commitments.jsonl measures both.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

#: Who can undertake something for the government.
_ACTOR = (r"(?:we|I|(?:the|this|HM|His Majesty's) Government|the government|(?:the|my|our|this) Department|"
          r"the department|the Home Office|the Ministry of Justice|HM Treasury|the Treasury|the Cabinet Office|"
          r"Ministers|the Secretary of State|the Minister|the Attorney General|the UK)"
          # "The UK Central Authority" is another subject than "the UK".
          r"(?!(?-i:\s+[A-Z]))")
#: How an undertaking is phrased after the actor.
_MODAL = (r"(?:will|shall|intends? to|plans? to|(?:is|are|remains?) committed to|has committed to|"
          r"expects? to)")
#: Deliveries an editor can later check happened (stems: "introduc" takes -e, -es, -ed, -ing).
_DELIVERY = (r"(?:publish|set out|writ|consult|bring forward|introduc|legislat|commenc|lay|respond|"
             r"provid(?:e|ing) (?:a |an |our |its )?(?:full |formal |further |written |initial )?(?:response|updates?)|"
             r"report back|update the House|announc|launch|implement|confirm|"
             r"us(?:e|ing) (?:secondary |primary )?legislation|licens|make regulations|amend|abolish|establish|"
             r"issu|produc|return to (?:the House|this)|do this|strengthen|review)")
_ADVERBS = r"(?:(?:also|then|now|shortly|formally|carefully|soon|therefore|further|in due course|,)\s+)*"
_UNDERTAKES = rf"{_MODAL}\s+{_ADVERBS}(?:be\s+)?{_DELIVERY}(?:e|es|ed|ing|s)?\b"
_ACTIVE = re.compile(rf"\b{_ACTOR}\s+{_UNDERTAKES}", re.I)
#: "We are analysing the responses and will publish ...": the actor leads, the undertaking follows "and".
_COORDINATED = re.compile(rf"^(?:[^.;]*?\s)?{_ACTOR}\s[^;]*?\band\s+(?:(?:has|have)\s+)?{_UNDERTAKES}", re.I)
#: "A priority will be to establish ...".
_WILL_BE_TO = re.compile(rf"\bwill be to\s+{_DELIVERY}", re.I)
#: A government output announced as coming: "a response ... will be published".
_PASSIVE = re.compile(
    r"\b(?:will|shall|(?:is|are) expected to|(?:is|are) due to)\s+be\s+(?:published|laid|brought forward|"
    r"introduced|commenced|confirmed|announced|put out for (?:full )?(?:public )?consultation|consulted on|"
    r"made|issued)\b", re.I)
#: Not an undertaking, whatever follows.
_NOT = re.compile(r"\b(?:will|shall|to)\s+(?:not|continue|keep|carefully consider|consider|seek to|look to)\b|"
                  r"\bwould\b|\bcould\b|\bmight\b|\bif (?:we|the Government) (?:decide|were)\b", re.I)
#: Subjects too vague to hold anyone to ("further details will be set out in due course"); "details of this
#: funding" names something, so only the bare words count.
_VAGUE_SUBJECT = re.compile(r"^(?:any\s+)?(?:(?:further|more|future)\s+)?(?:details?|information|updates?)"
                            r"(?:\s+and\s+(?:details?|information|updates?))?$", re.I)
#: Objects too vague to check: "will bring forward more detail in due course".
_VAGUE_OBJECT = re.compile(r"\s+(?:any\s+)?(?:more|further)\s+(?:details?|information|updates?)\b", re.I)
#: Bodies that are not the government: what they will do is not a government undertaking.
_INDEPENDENT = re.compile(r"\b(?:Ofcom|the FCA|Financial Conduct Authority|the CMA|Competition and Markets "
                          r"Authority|Electoral Commission|Law Commission|Care Quality Commission|the CQC|"
                          r"National Highways|the Commission|the Regulator|Payment Systems Regulator|the PSR|"
                          r"Sentencing Council|the Bank of England|the court|the courts|Parliament)\s+"
                          r"(?:will|intends?|plans?|is expected)\b", re.I)

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z“\"‘(])")
_ABBREVIATIONS = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Hon|Rt|No|St|e\.g|i\.e|etc|para|cf)\.$", re.I)


@dataclass(frozen=True)
class Candidate:
    """A candidate commitment: the sentence as said, who said it, for which department, and its due date."""

    quote: str
    speaker: str | None
    department: str | None
    item_id: str
    due: str | None
    due_phrase: str | None


def sentences(text: str) -> list[str]:
    """Sentences of `text`, paragraph by paragraph (a sentence never spans a paragraph break)."""
    found = []
    for paragraph in re.split(r"\n\s*\n|\n(?=- )", text or ""):
        paragraph = " ".join(paragraph.split())
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            if _ABBREVIATIONS.search(paragraph[start:match.start() + 1].rstrip()[-6:]):
                continue
            found.append(paragraph[start:match.start() + len(match.group(0).rstrip())].strip())
            start = match.end()
        if paragraph[start:].strip():
            found.append(paragraph[start:].strip())
    return [s for s in found if s]


def undertaking_at(sentence: str) -> int | None:
    """Where in `sentence` a government undertaking starts (see the module docstring), or None."""
    if _INDEPENDENT.search(sentence):
        return None
    for pattern in (_ACTIVE, _COORDINATED):
        match = pattern.search(sentence)
        if match and not _NOT.search(match.group(0)[-120:]) and not _VAGUE_OBJECT.match(sentence[match.end():]):
            return match.start()
    match = _WILL_BE_TO.search(sentence)
    if match:
        return match.start()
    passive = _PASSIVE.search(sentence)
    if not passive or _NOT.search(sentence[:passive.end()]):
        return None
    subject = re.split(r"[,;:–—]\s*", sentence[:passive.start()])[-1].strip()
    subject = re.sub(r"^(?:and|but|so|as a result|in addition)\s+", "", subject, flags=re.I)
    if not subject or _VAGUE_SUBJECT.search(subject):
        return None
    return passive.start() - len(subject)


def is_commitment(sentence: str) -> bool:
    """Whether one sentence is a government undertaking."""
    return undertaking_at(sentence) is not None


# --- Due dates --------------------------------------------------------------------------------------------

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
#: The last day of each season as the government uses the words (spring ends with May, and so on).
_SEASON_END = {"spring": (5, 31), "summer": (8, 31), "autumn": (11, 30), "winter": (2, 28)}
_PART_END = {"early": (4, 30), "mid": (8, 31), "middle of": (8, 31), "late": (12, 31), "end of": (12, 31),
             "the end of": (12, 31)}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"((?:19|20)\d\d)"
_DUE_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(rf"\b(?:on|by|before)\s+(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_NAMES})\s+{_YEAR}\b", re.I), "day"),
    (re.compile(rf"\b(?:in|by|before|from|during)\s+(?:the\s+)?(?:end\s+of\s+)?({_MONTH_NAMES})\s+{_YEAR}\b", re.I),
     "month"),
    (re.compile(rf"\b(?:in|by|before|during)\s+(?:the\s+)?(spring|summer|autumn|winter)(?:\s+of)?\s+{_YEAR}\b", re.I),
     "season-year"),
    (re.compile(rf"\b(early|mid|late|the end of|end of|middle of)[\s-]+{_YEAR}\b", re.I), "part-year"),
    (re.compile(r"\b(?:by\s+)?the end of (?:this|the) year\b|\blater this year\b|\bbefore the end of the year\b|"
                r"\bthis calendar year\b", re.I), "this-year"),
    (re.compile(r"\b(?:in|by|before|during)\s+(?:the\s+)?(spring|summer|autumn|winter)\b", re.I), "season"),
    (re.compile(r"\bnext year\b", re.I), "next-year"),
    (re.compile(r"\bwithin (\w+) (weeks|months|years?)\b", re.I), "within"),
    (re.compile(rf"\b(?:in|by|before|during)\s+{_YEAR}\b", re.I), "year"),
]
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "nine": 9, "ten": 10,
            "twelve": 12, "a": 1}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _season_end(season: str, year: int) -> date:
    month, day = _SEASON_END[season.lower()]
    if season.lower() == "winter":  # the winter of a year ends in February of the next
        return _month_end(year + 1, 2)
    return date(year, month, day)


def due_date(sentence: str, said_on: date | None) -> tuple[str | None, str | None]:
    """(due date ISO, the words that state it) from a sentence; relative words need `said_on`. Unstated or
    unreadable: (None, None); stated relatively with no date to resolve against: (None, words)."""
    for pattern, kind in _DUE_PATTERNS:
        match = pattern.search(sentence)
        if not match:
            continue
        words = match.group(0).strip()
        try:
            due = _resolve(kind, match, said_on)
        except (ValueError, KeyError):
            return None, words
        return (due.isoformat() if due else None), words
    return None, None


def _resolve(kind: str, match: re.Match, said_on: date | None) -> date | None:
    if kind == "day":
        return date(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
    if kind == "month":
        return _month_end(int(match.group(2)), _MONTHS[match.group(1).lower()])
    if kind == "season-year":
        return _season_end(match.group(1), int(match.group(2)))
    if kind == "part-year":
        month, day = _PART_END[" ".join(match.group(1).lower().split())]
        return date(int(match.group(2)), month, day)
    if kind == "year":
        return date(int(match.group(1)), 12, 31)
    if said_on is None:
        return None
    if kind == "this-year":
        return date(said_on.year, 12, 31)
    if kind == "next-year":
        return date(said_on.year + 1, 12, 31)
    if kind == "season":
        # "in the spring" said after this year's spring means next spring.
        end = _season_end(match.group(1), said_on.year)
        return end if end >= said_on else _season_end(match.group(1), said_on.year + 1)
    if kind == "within":
        count = _NUMBERS.get(match.group(1).lower()) or int(match.group(1))
        unit = match.group(2).lower()
        if unit == "weeks":
            return said_on + timedelta(weeks=count)
        months = count * (12 if unit.startswith("year") else 1)
        year, month = divmod(said_on.month - 1 + months, 12)
        return min(date(said_on.year + year, month + 1, 1) + timedelta(days=said_on.day - 1),
                   _month_end(said_on.year + year, month + 1))
    return None


def find_commitments(text: str | None, *, speaker: str | None, department: str | None, item_id: str,
                     said_on: date | None) -> list[Candidate]:
    """Every sentence of `text` that is a government undertaking, as candidates (in order, each quote once)."""
    found: list[Candidate] = []
    seen: set[str] = set()
    for sentence in sentences(text or ""):
        start = undertaking_at(sentence)
        if sentence in seen or start is None:
            continue
        seen.add(sentence)
        # A date before the undertaking ("the consultation closed on 18 March 2026 and we will respond") is
        # not its due date.
        due, words = due_date(sentence[start:], said_on)
        found.append(Candidate(sentence, speaker, department, item_id, due, words))
    return found
