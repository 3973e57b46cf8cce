"""Load and validate the SEOC priorities file (tracker/classify/priorities.toml) into compiled phrase rules."""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError

GROUPS = ("theme", "cross_cutting")
FIELDS = ("title", "summary", "body_text", "organisation")
MAX_WEIGHT = 5.0
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SEPARATOR = r"[\s\-\u2010-\u2014]*"
_PRIORITY_KEYS = {"id", "name", "group", "description", "sources", "phrases", "exclusions"}
_SUBJECT_KEYS = {"id", "name", "description", "themes", "fields", "phrases"}


class PriorityError(ConfigError):
    """The priorities file is missing, malformed or breaks the schema."""


@dataclass(frozen=True)
class PhraseRule:
    """One phrase (or `re:` regex) and its weight."""

    phrase: str
    weight: float


@dataclass(frozen=True)
class PhraseSet:
    """Phrase rules compiled into one regex; group `g<i>` is rule i."""

    rules: tuple[PhraseRule, ...] = ()
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    #: characters a match can start with (None: any, because of a raw regex)
    first_chars: frozenset[str] | None = field(default=frozenset(), compare=False, repr=False)

    @classmethod
    def build(cls, rules: list[PhraseRule], where: str) -> PhraseSet:
        """Compile rules into one regex: a trie of the phrases, so a position fails fast."""
        if not rules:
            return cls()
        firsts: set[str] | None = set()
        for rule in rules:
            phrase = normalise_quotes(rule.phrase.strip().lower())
            if phrase.startswith("re:") or phrase[0] in "*'":
                firsts = None
                break
            firsts.add(phrase[0])
        pattern = re.compile(_trie_regex(rules, where, named=True))
        return cls(tuple(rules), pattern, frozenset(firsts) if firsts is not None else None)


def _trie_regex(rules: list[PhraseRule] | tuple[PhraseRule, ...], where: str, named: bool) -> str:
    """One alternation for all rules; if named, a match's lastgroup `g<i>` is rule i."""
    word_trie: dict = {}
    other_trie: dict = {}
    raw: list[str] = []
    for i, rule in enumerate(rules):
        leaf = f"(?P<g{i}>)" if named else ""
        if rule.phrase.startswith("re:"):
            body = phrase_regex(rule.phrase)
            try:
                re.compile(body)
            except re.error as exc:
                raise PriorityError(f"{where}: phrase {rule.phrase!r} is not a valid pattern: {exc}") from exc
            raw.append(f"(?:{body}){leaf}")
            continue
        node = word_trie if re.match(r"\w", rule.phrase.strip()) else other_trie
        for atom in phrase_atoms(rule.phrase):
            node = node.setdefault(atom, {})
        if None in node:
            if named:
                raise PriorityError(f"{where}: phrase {rule.phrase!r} repeats {rules[node[None][0]].phrase!r}")
            continue
        node[None] = (i, leaf)
    parts = []
    if word_trie:
        parts.append(r"\b" + _emit(word_trie))
    if other_trie:
        parts.append(r"(?<!\w)" + _emit(other_trie))
    return "|".join(parts + raw)


def _emit(node: dict) -> str:
    """Regex for a trie node: longer continuations first, then the end of a phrase at a word boundary."""
    alts = [atom + _emit(child) for atom, child in node.items() if atom is not None]
    if None in node:
        alts.append(r"(?!\w)" + node[None][1])
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


@functools.lru_cache(maxsize=16)
def prefilter(sets: tuple[PhraseSet, ...]) -> re.Pattern[str]:
    """A zero-width regex matching every position where a phrase of any of the sets could start."""
    rules = [r for ps in sets for r in ps.rules]
    if not rules:
        return re.compile(r"(?!)")
    return re.compile(f"(?=(?:{_trie_regex(rules, 'prefilter', named=False)}))")


@dataclass(frozen=True)
class Priority:
    """One SEOC priority (theme or cross-cutting) with its detection rules."""

    id: str
    name: str
    group: str
    description: str
    sources: tuple[str, ...]
    phrases: PhraseSet
    exclusions: PhraseSet = PhraseSet()


@dataclass(frozen=True)
class Subject:
    """A document subject named in a field (by default the title) that implies several themes at once.

    "Serious and organised crime strategy" in a title means the document is about every SOC threat, though
    its summary may name none of them. Each implied theme gets the phrase's weight as `subject` evidence.
    """

    id: str
    name: str
    description: str
    themes: tuple[str, ...]
    fields: tuple[str, ...]
    phrases: PhraseSet


@dataclass(frozen=True)
class Settings:
    """Scoring settings from the file's [settings] table."""

    threshold: float = 1.0
    secondary_threshold: float = 0.8
    repeat_bonus: float = 0.25
    max_repeats: int = 2
    context_cap: float = 0.5
    body_chars: int = 20000
    global_exclusion_fields: tuple[str, ...] = ("title",)
    field_weights: tuple[tuple[str, float], ...] = (
        ("title", 1.5), ("summary", 1.0), ("body_text", 0.6), ("organisation", 0.5),
    )


@dataclass(frozen=True)
class Ruleset:
    """Everything the classifier needs from one priorities file."""

    version: str
    settings: Settings
    priorities: tuple[Priority, ...]
    context: PhraseSet
    global_exclusions: PhraseSet
    subjects: tuple[Subject, ...] = ()


def phrase_atoms(phrase: str) -> list[str]:
    """Translate the staff phrase syntax into regex atoms over lowercased, normalised text."""
    out: list[str] = []
    pending_sep = False
    for ch in normalise_quotes(phrase.strip().lower()):
        if ch.isspace() or ch in "-\u2010\u2011\u2012\u2013\u2014":
            pending_sep = True
            continue
        if pending_sep:
            out.append(_SEPARATOR)
            pending_sep = False
        if ch == "*":
            out.append(r"\w*")
        elif ch == "'":
            out.append("'?")
        else:
            out.append(re.escape(ch))
    return out


def phrase_regex(phrase: str) -> str:
    """A standalone regex for one phrase (`re:` phrases are raw, case-insensitive)."""
    if phrase.startswith("re:"):
        return f"(?i:{phrase[3:]})"
    return r"(?<!\w)" + "".join(phrase_atoms(phrase)) + r"(?!\w)"


def normalise_quotes(text: str) -> str:
    """Map typographic apostrophes to ASCII so phrases match either."""
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")


def load_priorities(path: str | Path | None = None) -> list[Priority]:
    """Load the priorities (default: the packaged tracker/classify/priorities.toml)."""
    return list(load_ruleset(path).priorities)


def load_ruleset(path: str | Path | None = None) -> Ruleset:
    """Load and validate a priorities file with its settings, context and global exclusions."""
    if path is None:
        return _default_ruleset()
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise PriorityError(f"{p}: cannot read priorities file: {exc}") from exc
    return parse_ruleset(data, str(p))


@functools.lru_cache(maxsize=1)
def _default_ruleset() -> Ruleset:
    data = resources.files("tracker.classify").joinpath("priorities.toml").read_bytes()
    return parse_ruleset(data, "tracker/classify/priorities.toml")


def parse_ruleset(data: bytes | str, source: str = "<priorities>") -> Ruleset:
    """Parse priorities TOML text, raising PriorityError naming the priority and key."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PriorityError(f"{source}: invalid TOML: {exc}") from exc
    unknown = set(doc) - {"version", "settings", "context", "global_exclusions", "priority", "subject"}
    if unknown:
        raise PriorityError(f"{source}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    raw = doc.get("priority")
    if not isinstance(raw, list) or not raw:
        raise PriorityError(f"{source}: no [[priority]] tables found")
    priorities: list[Priority] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        pr = _parse_priority(entry, f"{source}: priority #{n}")
        if pr.id in seen:
            raise PriorityError(f"{source}: priority #{n} ({pr.id!r}): key 'id': duplicate id")
        seen.add(pr.id)
        priorities.append(pr)
    raw_subjects = doc.get("subject", [])
    if not isinstance(raw_subjects, list):
        raise PriorityError(f"{source}: [[subject]] must be an array of tables")
    subjects: list[Subject] = []
    for n, entry in enumerate(raw_subjects, start=1):
        subject = _parse_subject(entry, f"{source}: subject #{n}", seen)
        if subject.id in {s.id for s in subjects}:
            raise PriorityError(f"{source}: subject #{n} ({subject.id!r}): key 'id': duplicate id")
        subjects.append(subject)
    return Ruleset(
        version=str(doc.get("version", "")),
        settings=_parse_settings(doc.get("settings", {}), f"{source}: [settings]"),
        priorities=tuple(priorities),
        context=PhraseSet.build(_parse_rules(doc.get("context", {}), f"{source}: [context]", 0.0),
                                f"{source}: [context]"),
        global_exclusions=PhraseSet.build(
            _parse_rules(doc.get("global_exclusions", {}), f"{source}: [global_exclusions]", 0.0),
            f"{source}: [global_exclusions]",
        ),
        subjects=tuple(subjects),
    )


def _named_entry(entry: Any, where: str, allowed: set[str] | frozenset[str]) -> tuple[str, str]:
    """(id, where naming it) of a priorities-file table with an id, a name and a description, or PriorityError."""
    if not isinstance(entry, dict):
        raise PriorityError(f"{where}: must be a table")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID_RE.match(ident):
        raise PriorityError(f"{where}: key 'id': must be lower_snake_case text, got {ident!r}")
    where = f"{where} ({ident!r})"
    unknown = set(entry) - allowed
    if unknown:
        raise PriorityError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    for key in ("name", "description"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PriorityError(f"{where}: key {key!r}: required non-empty text")
    return ident, where


def _parse_subject(entry: Any, where: str, priority_ids: set[str]) -> Subject:
    sid, where = _named_entry(entry, where, _SUBJECT_KEYS)
    themes = entry.get("themes")
    if not isinstance(themes, list) or not themes or not all(isinstance(t, str) for t in themes):
        raise PriorityError(f"{where}: key 'themes': required list of priority ids")
    unknown_themes = [t for t in themes if t not in priority_ids]
    if unknown_themes:
        raise PriorityError(f"{where}: key 'themes': unknown priority id(s): {', '.join(unknown_themes)}")
    fields = entry.get("fields", ["title"])
    if not isinstance(fields, list) or not fields or not all(f in FIELDS for f in fields):
        raise PriorityError(f"{where}: key 'fields': must be a non-empty list among {', '.join(FIELDS)}")
    if "phrases" not in entry:
        raise PriorityError(f"{where}: key 'phrases': required table of phrase = weight")
    phrases = _parse_rules(entry["phrases"], f"{where}: key 'phrases'", minimum=None)
    if not phrases:
        raise PriorityError(f"{where}: key 'phrases': at least one phrase is required")
    return Subject(id=sid, name=entry["name"].strip(), description=entry["description"].strip(),
                   themes=tuple(dict.fromkeys(themes)), fields=tuple(fields),
                   phrases=PhraseSet.build(phrases, f"{where}: key 'phrases'"))


def _parse_priority(entry: Any, where: str) -> Priority:
    pid, where = _named_entry(entry, where, _PRIORITY_KEYS)
    group = entry.get("group")
    if group not in GROUPS:
        raise PriorityError(f"{where}: key 'group': must be one of {', '.join(GROUPS)}, got {group!r}")
    sources = entry.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s.strip() for s in sources):
        raise PriorityError(f"{where}: key 'sources': required list of strategy commitments (non-empty text)")
    if "phrases" not in entry:
        raise PriorityError(f"{where}: key 'phrases': required table of phrase = weight")
    phrases = _parse_rules(entry["phrases"], f"{where}: key 'phrases'", minimum=None)
    if not phrases:
        raise PriorityError(f"{where}: key 'phrases': at least one phrase is required")
    exclusions = _parse_rules(entry.get("exclusions", {}), f"{where}: key 'exclusions'", minimum=0.0)
    return Priority(
        id=pid,
        name=entry["name"].strip(),
        group=group,
        description=entry["description"].strip(),
        sources=tuple(s.strip() for s in sources),
        phrases=PhraseSet.build(phrases, f"{where}: key 'phrases'"),
        exclusions=PhraseSet.build(exclusions, f"{where}: key 'exclusions'"),
    )


def _parse_rules(table: Any, where: str, minimum: float | None) -> list[PhraseRule]:
    """Parse a phrase = weight table; minimum None means weights must be > 0."""
    if not isinstance(table, dict):
        raise PriorityError(f"{where}: must be a table of phrase = weight")
    rules = []
    for phrase, weight in table.items():
        if not phrase.strip() or phrase.strip() in ("*", "re:"):
            raise PriorityError(f"{where}: empty phrase")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise PriorityError(f"{where}: phrase {phrase!r}: weight must be a number, got {weight!r}")
        low_ok = weight > 0 if minimum is None else weight >= minimum
        if not low_ok or weight > MAX_WEIGHT:
            bound = "> 0" if minimum is None else f">= {minimum}"
            raise PriorityError(f"{where}: phrase {phrase!r}: weight must be {bound} and <= {MAX_WEIGHT}, got {weight}")
        rules.append(PhraseRule(phrase, float(weight)))
    return rules


def _parse_settings(table: Any, where: str) -> Settings:
    if not isinstance(table, dict):
        raise PriorityError(f"{where}: must be a table")
    defaults = Settings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "field_weights":
            if not isinstance(value, dict) or set(value) - set(FIELDS):
                raise PriorityError(f"{where}: key 'field_weights': keys must be among {', '.join(FIELDS)}")
            merged = dict(defaults.field_weights)
            for fname, w in value.items():
                if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0:
                    raise PriorityError(f"{where}: key 'field_weights.{fname}': must be a number >= 0")
                merged[fname] = float(w)
            values[key] = tuple(merged.items())
        elif key == "global_exclusion_fields":
            if not isinstance(value, list) or not all(v in FIELDS for v in value):
                raise PriorityError(f"{where}: key 'global_exclusion_fields': must be a list among {', '.join(FIELDS)}")
            values[key] = tuple(value)
        elif key in Settings.__dataclass_fields__:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise PriorityError(f"{where}: key {key!r}: must be a number >= 0, got {value!r}")
            values[key] = int(value) if key in ("max_repeats", "body_chars") else float(value)
        else:
            raise PriorityError(f"{where}: unknown key {key!r}")
    if values.get("threshold", 1.0) <= 0:
        raise PriorityError(f"{where}: key 'threshold': must be > 0")
    return Settings(**values)
