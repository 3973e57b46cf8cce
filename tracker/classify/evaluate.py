"""Pure evaluation of relevance and theme predictions against labelled items, beside a keyword baseline."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.classify.rules import classify, classify_jsonl, clean_text
from tracker.errors import TrackerError

__all__ = [
    "BASELINE_WORDS", "PRF", "LabelledDataError", "Report", "Scores", "baseline_predict", "classifier_predict",
    "classify_jsonl", "evaluate", "format_report", "read_labelled", "score", "split_dev",
]

SPLIT_SALT = "seoc-split-v1:"
TUNE_PERCENT = 60

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


def read_labelled(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse labelled JSON Lines (id, title, relevant, themes), raising LabelledDataError naming the line."""
    rows = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelledDataError(f"line {n}: not valid JSON: {exc.msg} (column {exc.colno})") from exc
        if not isinstance(row, dict):
            raise LabelledDataError(f"line {n}: not a JSON object")
        if not isinstance(row.get("title"), str) or not row["title"].strip():
            raise LabelledDataError(f"line {n}: key 'title': missing or empty")
        if not isinstance(row.get("relevant"), bool):
            raise LabelledDataError(f"line {n}: key 'relevant': must be true or false")
        themes = row.get("themes", [])
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise LabelledDataError(f"line {n}: key 'themes': must be a list of theme ids")
        if themes and not row["relevant"]:
            raise LabelledDataError(f"line {n}: key 'themes': must be empty when relevant is false")
        row.setdefault("id", f"line-{n}")
        row["themes"] = themes
        rows.append(row)
    return rows


def split_dev(rows: Sequence[Mapping[str, Any]], tune_percent: int = TUNE_PERCENT) -> tuple[list, list]:
    """Deterministic split by a salted SHA-256 of the id: (tuning part ~60%, held-out part ~40%)."""
    tune, heldout = [], []
    for row in rows:
        digest = hashlib.sha256((SPLIT_SALT + str(row["id"])).encode("utf-8")).hexdigest()
        (tune if int(digest[:8], 16) % 100 < tune_percent else heldout).append(row)
    return tune, heldout


def classifier_predict(item: Mapping[str, Any]) -> Prediction:
    """The phrase-rule classifier as a predictor."""
    result = classify(item)
    return result.relevant, result.theme_ids


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
        pred = set(pred_themes) if pred_rel else set()
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
