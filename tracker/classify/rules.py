"""Pure SEOC relevance and theme classification by weighted phrase rules, with evidence for every decision."""
from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tracker.classify.priorities import FIELDS, PhraseSet, Priority, Ruleset, load_ruleset, normalise_quotes, prefilter

CLASSIFIER_VERSION = "phrase-rules/1.1"
METHOD = "weighted phrase rules with context exclusions and subject rules"

_SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_TAG_RE = re.compile(r"<[^>]{0,2000}>")
_WS_RE = re.compile(r"\s+")
_MOJIBAKE_MARKERS = ("Ã", "â€", "Â")
_MOJIBAKE_FIXES = {
    "â€™": "'", "â€˜": "'", "â€œ": '"', "â€\x9d": '"', "â€“": "\u2013", "â€”": "\u2014", "Â ": " ",
}


@dataclass(frozen=True)
class Evidence:
    """A phrase that moved a theme's score: where it was found and what it added (negative for exclusions)."""

    phrase: str
    field: str
    weight: float
    theme: str | None
    text: str = ""
    kind: str = "phrase"  # phrase | subject | exclusion | global_exclusion | context

    def as_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"phrase": self.phrase, "field": self.field, "weight": round(self.weight, 3),
                "theme": self.theme, "text": self.text, "kind": self.kind}


@dataclass(frozen=True)
class ThemeMatch:
    """A theme assigned to an item, its score (0..1) and the evidence for it."""

    theme: str
    score: float
    evidence: list[Evidence]

    def as_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"theme": self.theme, "score": round(self.score, 4), "evidence": [e.as_json() for e in self.evidence]}


@dataclass
class Classification:
    """The decision for one item: relevance, score, themes and all evidence (including exclusions)."""

    relevant: bool
    score: float
    themes: list[ThemeMatch]
    evidence: list[Evidence]
    method: str = METHOD
    version: str = CLASSIFIER_VERSION
    priorities_version: str = ""

    @property
    def theme_ids(self) -> list[str]:
        """Assigned theme ids, strongest first."""
        return [t.theme for t in self.themes]

    def as_json(self) -> dict[str, Any]:
        """JSON-ready dict of the whole decision."""
        return {
            "relevant": self.relevant,
            "score": round(self.score, 4),
            "themes": [t.as_json() for t in self.themes],
            "evidence": [e.as_json() for e in self.evidence],
            "method": self.method,
            "version": self.version,
            "priorities_version": self.priorities_version,
        }


def clean_text(value: Any, limit: int | None = None) -> str:
    """Lowercased plain text: tags stripped, entities and common mojibake fixed, whitespace collapsed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    if limit:
        value = value[: limit * 4]  # bound the cost of cleaning a huge body before the exact cut
    if "<" in value:
        value = _TAG_RE.sub(" ", _SCRIPT_RE.sub(" ", value))
    if "&" in value:
        value = html.unescape(value)
    if any(m in value for m in _MOJIBAKE_MARKERS):
        value = _fix_mojibake(value)
    value = _WS_RE.sub(" ", normalise_quotes(unicodedata.normalize("NFKC", value))).strip()
    if limit:
        value = value[:limit]
    return value.lower()


def _fix_mojibake(value: str) -> str:
    for codec in ("cp1252", "latin-1"):
        try:
            return value.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    for bad, good in _MOJIBAKE_FIXES.items():
        value = value.replace(bad, good)
    return value


def item_fields(item: Mapping[str, Any], body_chars: int) -> dict[str, str]:
    """The cleaned text of each field the classifier reads."""
    return {f: clean_text(item.get(f), body_chars if f == "body_text" else None) for f in FIELDS}


@dataclass
class _Hit:
    best: float = 0.0
    field: str = ""
    text: str = ""
    count: int = 0


@dataclass
class _Scan:
    hits: dict[int, _Hit] = field(default_factory=dict)

    def add(self, idx: int, fname: str, fweight: float, text: str) -> None:
        hit = self.hits.setdefault(idx, _Hit())
        hit.count += 1
        if fweight > hit.best:
            hit.best, hit.field, hit.text = fweight, fname, text


def _positions(ruleset: Ruleset, plist: tuple[Priority, ...], fields: dict[str, str]) -> dict[str, list[int]]:
    """Per field, the positions where any phrase could start: one scan instead of one per priority."""
    sets = ((ruleset.global_exclusions, ruleset.context) + tuple(x for p in plist for x in (p.phrases, p.exclusions))
            + tuple(s.phrases for s in ruleset.subjects))
    pre = prefilter(sets)
    return {f: [m.start() for m in pre.finditer(t)] for f, t in fields.items() if t}


def _scan(pset: PhraseSet, fields: dict[str, str], weights: dict[str, float], positions: dict[str, list[int]],
          masks: dict[str, list[tuple[int, int]]] | None = None) -> tuple[_Scan, dict[str, list[tuple[int, int]]]]:
    """Find rule hits (like finditer, non-overlapping) in every field, skipping matches inside masked spans."""
    scan = _Scan()
    spans: dict[str, list[tuple[int, int]]] = {}
    if pset.pattern is None:
        return scan, spans
    match = pset.pattern.match
    for fname, starts in positions.items():
        fweight = weights.get(fname, 0.0)
        if fweight <= 0:
            continue
        text = fields[fname]
        masked = masks.get(fname, []) if masks else []
        last_end = 0
        firsts = pset.first_chars
        for pos in starts:
            if pos < last_end or (firsts is not None and text[pos] not in firsts):
                continue
            m = match(text, pos)
            if m is None:
                continue
            start, end = m.span()
            last_end = end
            if masked and any(s < end and start < e for s, e in masked):
                continue
            scan.add(int(m.lastgroup[1:]), fname, fweight, m.group())
            spans.setdefault(fname, []).append((start, end))
    return scan, spans


Spans = dict[str, list[tuple[int, int]]]


def _merge(a: Spans, b: Spans) -> Spans:
    return {f: a.get(f, []) + b.get(f, []) for f in set(a) | set(b)}


def classify(item: Mapping[str, Any], priorities: list[Priority] | Ruleset | None = None) -> Classification:
    """Decide whether an item is SEOC-relevant and which themes it touches, with evidence."""
    ruleset = priorities if isinstance(priorities, Ruleset) else load_ruleset()
    plist = ruleset.priorities if priorities is None or isinstance(priorities, Ruleset) else tuple(priorities)
    st = ruleset.settings
    weights = dict(st.field_weights)
    fields = item_fields(item, st.body_chars)
    pos = _positions(ruleset, plist, fields)

    global_scan, global_spans = _scan(ruleset.global_exclusions, fields, weights, pos)
    # penalise only where the exclusion names the subject; elsewhere it just masks its own words
    penal = {f: weights.get(f, 0.0) for f in st.global_exclusion_fields}
    penal_scan, _ = _scan(ruleset.global_exclusions, fields, penal, pos)
    global_ev = [Evidence(ruleset.global_exclusions.rules[i].phrase, h.field,
                          -ruleset.global_exclusions.rules[i].weight * h.best, None, h.text, "global_exclusion")
                 for i, h in penal_scan.hits.items()]
    context_scan, _ = _scan(ruleset.context, fields, weights, pos, global_spans)
    context_ev = [Evidence(ruleset.context.rules[i].phrase, h.field, ruleset.context.rules[i].weight * h.best,
                           None, h.text, "context") for i, h in context_scan.hits.items()]
    context_total = sum(e.weight for e in context_ev)
    context_scale = min(1.0, st.context_cap / context_total) if context_total else 0.0
    implied = _subject_evidence(ruleset, fields, weights, pos, global_spans)

    scored: list[tuple[float, Priority, list[Evidence]]] = []
    for pr in plist:
        excl_scan, excl_spans = _scan(pr.exclusions, fields, weights, pos)
        hit_scan, _ = _scan(pr.phrases, fields, weights, pos, _merge(global_spans, excl_spans))
        if not hit_scan.hits and pr.id not in implied:
            continue
        ev = []
        for i, h in hit_scan.hits.items():
            rule = pr.phrases.rules[i]
            bonus = 1.0 + st.repeat_bonus * min(h.count - 1, st.max_repeats)
            ev.append(Evidence(rule.phrase, h.field, rule.weight * h.best * bonus, pr.id, h.text))
        ev.sort(key=lambda e: -e.weight)
        ev += implied.get(pr.id, [])
        ev += [Evidence(e.phrase, e.field, e.weight * context_scale, pr.id, e.text, e.kind) for e in context_ev]
        ev += [Evidence(pr.exclusions.rules[i].phrase, h.field, -pr.exclusions.rules[i].weight * h.best,
                        pr.id, h.text, "exclusion") for i, h in excl_scan.hits.items()]
        ev += [Evidence(e.phrase, e.field, e.weight, pr.id, e.text, e.kind) for e in global_ev]
        scored.append((sum(e.weight for e in ev), pr, ev))

    scored.sort(key=lambda s: -s[0])
    best = max((s[0] for s in scored), default=0.0)
    relevant = best >= st.threshold
    themes = [ThemeMatch(pr.id, _squash(net, st.threshold), ev)
              for net, pr, ev in scored if relevant and net >= min(st.secondary_threshold, st.threshold)]
    evidence = [e for _, _, ev in scored for e in ev if e.weight != 0]
    if not scored:
        evidence = global_ev
    return Classification(relevant, _squash(best, st.threshold), themes, evidence,
                          priorities_version=ruleset.version)


def _subject_evidence(ruleset: Ruleset, fields: dict[str, str], weights: dict[str, float],
                      positions: dict[str, list[int]], masks: Spans) -> dict[str, list[Evidence]]:
    """Per theme, the `subject` evidence of subject rules whose phrases were found in their fields."""
    out: dict[str, list[Evidence]] = {}
    for subject in ruleset.subjects:
        allowed = {f: weights.get(f, 0.0) for f in subject.fields}
        scan, _ = _scan(subject.phrases, fields, allowed, positions, masks)
        if not scan.hits:
            continue
        # the strongest phrase names the subject; further phrases of the same subject add nothing
        i, hit = max(scan.hits.items(), key=lambda kv: subject.phrases.rules[kv[0]].weight * kv[1].best)
        rule = subject.phrases.rules[i]
        for theme in subject.themes:
            out.setdefault(theme, []).append(
                Evidence(rule.phrase, hit.field, rule.weight * hit.best, theme, hit.text, "subject"))
    return out


def _squash(net: float, threshold: float) -> float:
    """Map a net score to 0..1 so that the threshold lands exactly on 0.5."""
    return net / (net + threshold) if net > 0 else 0.0


_JSON_TYPES = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object",
               str: "text", type(None): "null"}


def _wrong_type(item: Mapping[str, Any]) -> str | None:
    """A message naming the first field of a JSON line whose type is wrong (text fields must be text or null)."""
    for name in ("id",) + FIELDS + ("kind",):
        value = item.get(name)
        if value is None or isinstance(value, str) or (name == "id" and type(value) is int):
            continue
        expected = "text or a whole number" if name == "id" else "text"
        return f"field {name!r} must be {expected}, not {_JSON_TYPES.get(type(value), type(value).__name__)}"
    return None


def classify_jsonl(lines: Iterable[str],
                   priorities: list[Priority] | Ruleset | None = None) -> Iterator[dict[str, Any]]:
    """Classify JSON Lines items, yielding a result per line or {line, error} for a bad line, and carrying on.

    A line is bad when it is not JSON, not an object, has no title, or has a field of the wrong type
    (`{"title": 42}` gives "field 'title' must be text, not a number").
    """
    rules = priorities if priorities is not None else load_ruleset()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"line": n, "error": f"not valid JSON: {exc.msg} (column {exc.colno})"}
            continue
        if not isinstance(item, dict):
            yield {"line": n, "error": "not a JSON object"}
            continue
        wrong = _wrong_type(item)
        if wrong:
            yield {"line": n, "error": wrong}
            continue
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            yield {"line": n, "error": "missing or empty 'title'"}
            continue
        result = classify(item, rules)
        yield {
            "id": item.get("id"),
            "relevant": result.relevant,
            "score": round(result.score, 4),
            "themes": result.theme_ids,
            "evidence": [e.as_json() for e in result.evidence],
        }
