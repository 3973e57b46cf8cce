"""How well the commitment finder does: precision and recall on a labelled set of sentences (id, text,
commitment, and split: a row without one is in the development part, "dev"), and the precision editors' decisions show in use (what they kept against what they
dismissed). Precision matters more than recall: a reviewer must not wade through noise."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable

from tracker.classify.commitments import is_commitment
from tracker.classify.evaluate import LabelledDataError, json_objects


@dataclass(frozen=True)
class FinderFigures:
    """The finder against labels: how many sentences, how many labelled commitments, what it found."""

    sentences: int
    commitments: int
    found: int
    true_positives: int
    wrong: tuple[str, ...]

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.found if self.found else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.commitments if self.commitments else None


def read_labelled(lines: Iterable[str]) -> list[dict]:
    """Parse labelled sentences, raising LabelledDataError naming the line."""
    rows, ids = [], set()
    for n, row in json_objects(lines):
        if not isinstance(row.get("text"), str) or not row["text"].strip():
            raise LabelledDataError(f"line {n}: key 'text': missing or empty")
        if not isinstance(row.get("commitment"), bool):
            raise LabelledDataError(f"line {n}: key 'commitment': must be true or false")
        row.setdefault("id", f"line-{n}")
        row.setdefault("split", "dev")
        if row["id"] in ids:
            raise LabelledDataError(f"line {n}: id {row['id']!r} is used twice")
        ids.add(row["id"])
        rows.append(row)
    return rows


def evaluate(rows: list[dict]) -> FinderFigures:
    found = tp = 0
    wrong = []
    for row in rows:
        said = is_commitment(row["text"])
        found += said
        tp += said and row["commitment"]
        if said != row["commitment"]:
            wrong.append(row["id"])
    return FinderFigures(len(rows), sum(r["commitment"] for r in rows), found, tp, tuple(wrong))


def by_split(rows: list[dict]) -> dict[str, FinderFigures]:
    """Figures for each split in the file (in the order first met) and, with more than one, for all rows."""
    splits: dict[str, list[dict]] = {}
    for row in rows:
        splits.setdefault(str(row["split"]), []).append(row)
    out = {name: evaluate(part) for name, part in splits.items()}
    if len(splits) > 1:
        out["all"] = evaluate(rows)
    return out


@dataclass(frozen=True)
class Decided:
    """Editors' decisions on the finder's candidates: kept (confirmed, whatever became of it since), dismissed,
    and still waiting."""

    kept: int
    dismissed: int
    waiting: int

    @property
    def precision(self) -> float | None:
        decided = self.kept + self.dismissed
        return self.kept / decided if decided else None


def decided(conn: sqlite3.Connection) -> Decided:
    counts = dict(conn.execute("SELECT state, count(*) FROM commitments GROUP BY state").fetchall())
    return Decided(kept=sum(counts.get(s, 0) for s in ("open", "delivered", "dropped")),
                   dismissed=counts.get("dismissed", 0), waiting=counts.get("candidate", 0))


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def format_figures(name: str, figures: FinderFigures) -> str:
    return (f"  {name}: {figures.sentences} sentences, {figures.commitments} commitments; found {figures.found}: "
            f"precision {_share(figures.precision)}, recall {_share(figures.recall)}"
            + (f"; wrong: {', '.join(figures.wrong)}" if figures.wrong else ""))


def format_decided(result: Decided) -> str:
    return (f"Commitments decided by editors: {result.kept} kept, {result.dismissed} dismissed (precision in use "
            f"{_share(result.precision)}); {result.waiting} candidates waiting")
