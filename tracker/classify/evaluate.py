"""Evaluation of relevance and theme predictions against labelled items, beside a keyword baseline.

Labelled items come from JSON Lines files (the development sets in tests/fixtures/labelled/) or from
reviewers' decisions in the database (`reviewed_rows`): a confirmed tag is a correct theme, a rejected
one a wrong theme, and an item whose tags were all rejected is not relevant.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO
from dataclasses import dataclass, field
from typing import Any

from tracker.classify.rules import classify, classify_jsonl, clean_text
from tracker.errors import TrackerError

__all__ = [
    "BASELINE_WORDS", "EVAL_FIELDS", "PRF", "LabelledDataError", "PhraseCount", "Report", "ReviewedRows", "Scores",
    "baseline_predict", "classifier_predict", "classify_jsonl", "evaluate", "format_phrase_report", "format_report",
    "phrase_report", "read_labelled", "read_labelled_files", "reviewed_rows", "score", "split_dev",
]

SPLIT_SALT = "seoc-split-v1:"
TUNE_PERCENT = 60
#: What the classifier is shown when it is evaluated on labelled files: some sources give no more.
EVAL_FIELDS = ("title", "summary", "organisation", "kind")
#: What it reads from a stored item, as tagging does.
STORED_FIELDS = ("title", "summary", "body_text", "organisation", "kind")

#: Baseline: a theme is predicted when any of its name words appears in the title, summary or body.
BASELINE_WORDS: dict[str, tuple[str, ...]] = {
    "fraud": ("fraud",),
    "money_laundering": ("money laundering",),
    "proceeds_of_crime": ("proceeds of crime",),
    "bribery_corruption": ("bribery", "corruption"),
    "sanctions_evasion": ("sanctions",),
    "cybercrime": ("cybercrime", "cyber crime"),
    "drugs": ("drugs",),
    "firearms": ("firearms",),
    "modern_slavery_trafficking": ("slavery", "trafficking"),
    "child_exploitation": ("exploitation",),
    "organised_immigration_crime": ("immigration",),
    "international_cooperation": ("extradition", "mutual legal assistance"),
    "corporate_liability": ("corporate liability",),
    "criminal_procedure_disclosure": ("disclosure",),
    "victims_witnesses": ("victims", "witnesses"),
}
_BASELINE_RE = {t: re.compile(r"\b(?:" + "|".join(map(re.escape, w)) + r")\b") for t, w in BASELINE_WORDS.items()}

Prediction = tuple[bool, Sequence[str]]


class LabelledDataError(TrackerError):
    """A labelled JSON Lines file has a bad line."""


@dataclass(frozen=True)
class PRF:
    """Counts and precision/recall/F1 (0.0 where a denominator is zero)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


@dataclass
class Scores:
    """One predictor's figures: relevance, theme micro over relevant-labelled items, per theme over all items."""

    relevance: PRF
    theme_micro: PRF
    per_theme: dict[str, PRF]
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Report:
    """Evaluation of a predictor beside the keyword baseline."""

    n: int
    n_relevant: int
    model: Scores
    baseline: Scores


def json_objects(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each non-blank JSON Lines line, raising LabelledDataError naming a bad line."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelledDataError(f"line {n}: not valid JSON: {exc.msg} (column {exc.colno})") from exc
        if not isinstance(row, dict):
            raise LabelledDataError(f"line {n}: not a JSON object")
        yield n, row


def read_labelled(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse labelled JSON Lines (id, title, relevant, themes), raising LabelledDataError naming the line."""
    rows = []
    for n, row in json_objects(lines):
        if not isinstance(row.get("title"), str) or not row["title"].strip():
            raise LabelledDataError(f"line {n}: key 'title': missing or empty")
        if not isinstance(row.get("relevant"), bool):
            raise LabelledDataError(f"line {n}: key 'relevant': must be true or false")
        themes = row.get("themes", [])
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise LabelledDataError(f"line {n}: key 'themes': must be a list of theme ids")
        if themes and not row["relevant"]:
            raise LabelledDataError(f"line {n}: key 'themes': must be empty when relevant is false")
        unknown = row.get("unknown_themes", [])
        if not isinstance(unknown, list) or not all(isinstance(t, str) for t in unknown):
            raise LabelledDataError(f"line {n}: key 'unknown_themes': must be a list of theme ids")
        if set(unknown) & set(themes):
            raise LabelledDataError(f"line {n}: key 'unknown_themes': a theme cannot be both labelled and unknown")
        row.setdefault("id", f"line-{n}")
        row["themes"] = themes
        rows.append(row)
    return rows


def read_labelled_files(files: Iterable[IO[str]]) -> list[dict[str, Any]]:
    """Rows of several labelled files, in order; errors name the file, and an id may appear only once."""
    rows: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for f in files:
        name = getattr(f, "name", "<labelled>")
        try:
            part = read_labelled(f)
        except LabelledDataError as exc:
            raise LabelledDataError(f"{name}: {exc}") from exc
        for row in part:
            rid = str(row["id"])
            if rid in seen:
                raise LabelledDataError(f"{name}: id {rid!r} is already in {seen[rid]}")
            seen[rid] = name
        rows += part
    return rows


def split_dev(rows: Sequence[Mapping[str, Any]], tune_percent: int = TUNE_PERCENT) -> tuple[list, list]:
    """Deterministic split by a salted SHA-256 of the id: (tuning part ~60%, held-out part ~40%)."""
    tune, heldout = [], []
    for row in rows:
        digest = hashlib.sha256((SPLIT_SALT + str(row["id"])).encode("utf-8")).hexdigest()
        (tune if int(digest[:8], 16) % 100 < tune_percent else heldout).append(row)
    return tune, heldout


def classifier_predict(item: Mapping[str, Any], fields: Sequence[str] = EVAL_FIELDS) -> Prediction:
    """The phrase-rule classifier as a predictor, shown only `fields` of the item (no body by default)."""
    result = classify({f: item.get(f) for f in fields})
    return result.relevant, result.theme_ids


def stored_predict(item: Mapping[str, Any]) -> Prediction:
    """The classifier reading a stored item as tagging does (with its body)."""
    return classifier_predict(item, STORED_FIELDS)


def baseline_predict(item: Mapping[str, Any]) -> Prediction:
    """Keyword baseline: themes whose name words appear; relevant if any does."""
    text = " ".join(clean_text(item.get(f), 20000) for f in ("title", "summary", "body_text"))
    themes = [t for t, rx in _BASELINE_RE.items() if rx.search(text)]
    return bool(themes), themes


def score(rows: Sequence[Mapping[str, Any]], predict: Callable[[Mapping[str, Any]], Prediction]) -> Scores:
    """Score one predictor; theme micro counts only relevant-labelled items (themes on predicted-irrelevant = none)."""
    relevance = PRF()
    micro = PRF()
    per_theme: dict[str, PRF] = {}
    errors = []
    for row in rows:
        pred_rel, pred_themes = predict(row)
        unknown = set(row.get("unknown_themes", ()))  # a reviewer has not decided these: they count nowhere
        pred = (set(pred_themes) if pred_rel else set()) - unknown
        gold = set(row["themes"]) if row["relevant"] else set()
        relevance += PRF(int(pred_rel and row["relevant"]), int(pred_rel and not row["relevant"]),
                         int(row["relevant"] and not pred_rel))
        if row["relevant"]:
            micro += PRF(len(pred & gold), len(pred - gold), len(gold - pred))
        for theme in pred | gold:
            per_theme[theme] = per_theme.get(theme, PRF()) + PRF(int(theme in pred and theme in gold),
                                                                 int(theme in pred and theme not in gold),
                                                                 int(theme in gold and theme not in pred))
        if pred_rel != row["relevant"] or pred != gold:
            errors.append({"id": row.get("id"), "title": row.get("title"), "gold": sorted(gold),
                           "predicted": sorted(pred), "gold_relevant": row["relevant"], "predicted_relevant": pred_rel})
    return Scores(relevance, micro, dict(sorted(per_theme.items())), errors)


def evaluate(rows: Sequence[Mapping[str, Any]],
             predict: Callable[[Mapping[str, Any]], Prediction] = classifier_predict) -> Report:
    """Evaluate a predictor (default: the classifier) and the keyword baseline on labelled rows."""
    return Report(len(rows), sum(1 for r in rows if r["relevant"]), score(rows, predict), score(rows, baseline_predict))


@dataclass
class ReviewedRows:
    """Labelled rows built from reviewers' decisions, and what could not be used."""

    rows: list[dict[str, Any]]
    partly_reviewed: int = 0   # items with a rejected tag and undecided ones but none confirmed: relevance unknown
    confirmed: int = 0         # reviewed tags, as stored
    rejected: int = 0


def reviewed_rows(conn: Any) -> ReviewedRows:
    """Labelled rows from the reviews of stored tags (item_priorities.review_state).

    An item with a confirmed tag is relevant, its confirmed themes are correct, its rejected themes wrong
    and its undecided (still `suggested`) themes unknown. An item whose every tag was rejected is not
    relevant. An item with rejected and undecided tags but none confirmed is left out: its relevance is
    not known yet. Reviewers can only confirm or reject what the classifier suggested, so the rows never
    show an item the classifier missed altogether.
    """
    tags: dict[str, dict[str, list[str]]] = {}
    for item_id, theme, state in conn.execute(
            "SELECT item_id, priority_id, review_state FROM item_priorities ORDER BY item_id, priority_id"):
        tags.setdefault(item_id, {"confirmed": [], "rejected": [], "suggested": []})[state].append(theme)
    out = ReviewedRows([])
    for item_id, states in tags.items():
        out.confirmed += len(states["confirmed"])
        out.rejected += len(states["rejected"])
        if not states["confirmed"] and not states["rejected"]:
            continue
        if not states["confirmed"] and states["suggested"]:
            out.partly_reviewed += 1
            continue
        found = conn.execute("SELECT id, title, summary, body_text, organisation, kind, url FROM items WHERE id = ?",
                             [item_id]).fetchone()
        if found is None:
            continue
        item = dict(zip(("id", "title", "summary", "body_text", "organisation", "kind", "url"), found))
        relevant = bool(states["confirmed"])
        out.rows.append({
            **item, "relevant": relevant, "themes": states["confirmed"],
            "unknown_themes": states["suggested"] if relevant else [],
            "rejected_themes": states["rejected"], "source": "review",
            "rationale": "Reviewers' decisions: " + "; ".join(
                f"{state} {', '.join(themes)}" for state, themes in states.items() if themes),
        })
    return out


def labelled_line(row: Mapping[str, Any]) -> str:
    """A reviewed row as one line of a labelled file (no body: the labelled sets hold title and summary only)."""
    keep = ("id", "title", "summary", "url", "organisation", "kind", "relevant", "themes", "unknown_themes",
            "rejected_themes", "source", "rationale")
    return json.dumps({k: row[k] for k in keep if k in row}, ensure_ascii=False)


@dataclass(frozen=True)
class PhraseCount:
    """How often one rule was evidence for a theme the labels confirm (right) or deny (wrong)."""

    theme: str
    phrase: str
    kind: str
    right: int
    wrong: int


def phrase_report(rows: Sequence[Mapping[str, Any]], fields: Sequence[str] = EVAL_FIELDS) -> list[PhraseCount]:
    """Per rule, on the labelled rows: how often it backed a predicted theme that was right, and wrong.

    This is what re-fitting the phrase rules needs: a phrase that mostly backs wrong themes wants a lower
    weight or an exclusion; a theme often missed wants a phrase. Themes a reviewer left undecided count nowhere.
    """
    counts: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        result = classify({f: row.get(f) for f in fields})
        if not result.relevant:
            continue
        gold = set(row["themes"]) if row["relevant"] else set()
        unknown = set(row.get("unknown_themes", ()))
        for match in result.themes:
            if match.theme in unknown:
                continue
            for ev in match.evidence:
                if ev.kind in ("phrase", "subject") and ev.weight > 0:
                    c = counts.setdefault((match.theme, ev.phrase, ev.kind), [0, 0])
                    c[0 if match.theme in gold else 1] += 1
    out = [PhraseCount(t, p, k, r, w) for (t, p, k), (r, w) in counts.items()]
    return sorted(out, key=lambda c: (-c.wrong, c.right, c.theme, c.phrase))


def format_phrase_report(counts: Sequence[PhraseCount], limit: int = 30) -> str:
    """The rules most often behind wrong themes first."""
    head = f"{'theme':<30} {'rule':<45} {'kind':<8} {'right':>5} {'wrong':>5}"
    lines = ["Rules behind predicted themes (most often wrong first)", head]
    lines += [f"{c.theme:<30} {c.phrase[:45]:<45} {c.kind:<8} {c.right:>5} {c.wrong:>5}" for c in counts[:limit]]
    return "\n".join(lines)


def format_report(report: Report) -> str:
    """An aligned plain-text table of the report."""
    def row(label: str, prf: PRF) -> str:
        return (f"{label:<30} {prf.precision:>6.3f} {prf.recall:>6.3f} {prf.f1:>6.3f}"
                f" {prf.tp:>4} {prf.fp:>4} {prf.fn:>4}")

    head = f"{'':<30} {'P':>6} {'R':>6} {'F1':>6} {'TP':>4} {'FP':>4} {'FN':>4}"
    out = [f"Items: {report.n} ({report.n_relevant} labelled relevant)", "", "Relevance", head,
           row("classifier", report.model.relevance), row("baseline", report.baseline.relevance), "",
           f"Theme micro (over the {report.n_relevant} relevant-labelled items)", head,
           row("classifier", report.model.theme_micro), row("baseline", report.baseline.theme_micro), "",
           "Per theme, classifier (over all items)", head]
    themes = sorted(set(report.model.per_theme) | set(report.baseline.per_theme))
    out += [row(t, report.model.per_theme.get(t, PRF())) for t in themes]
    out += ["", "Per theme, baseline (over all items)", head]
    out += [row(t, report.baseline.per_theme.get(t, PRF())) for t in themes]
    return "\n".join(out)
