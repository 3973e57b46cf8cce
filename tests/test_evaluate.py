"""Tests for tracker.evaluate: metrics by hand, labelled-file errors, the split, baseline and report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.classify.evaluate import (
    PRF, LabelledDataError, baseline_predict, evaluate, format_report, read_labelled, score, split_dev,
)

FIXTURE = Path(__file__).parent / "fixtures" / "labelled" / "seoc_dev.jsonl"

ROWS = [
    {"id": "1", "title": "a", "relevant": True, "themes": ["fraud", "victims_witnesses"]},
    {"id": "2", "title": "b", "relevant": True, "themes": ["drugs"]},
    {"id": "3", "title": "c", "relevant": False, "themes": []},
    {"id": "4", "title": "d", "relevant": False, "themes": []},
    {"id": "5", "title": "e", "relevant": True, "themes": ["fraud"]},
]
PREDICTIONS = {
    "1": (True, ["fraud"]),                    # theme TP fraud, FN victims
    "2": (True, ["drugs", "firearms"]),        # theme TP drugs, FP firearms
    "3": (True, ["fraud"]),                    # relevance FP; not in theme micro (labelled irrelevant)
    "4": (False, []),                          # TN
    "5": (False, ["fraud"]),                   # relevance FN; themes of an irrelevant prediction count as none
}


def fake_predict(row):
    return PREDICTIONS[row["id"]]


def test_scores_match_hand_computed_figures() -> None:
    s = score(ROWS, fake_predict)
    assert s.relevance == PRF(tp=2, fp=1, fn=1)
    assert (s.relevance.precision, s.relevance.recall, s.relevance.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    # micro over the 3 relevant-labelled items: TP fraud(1), drugs(2); FP firearms(2); FN victims(1), fraud(5)
    assert s.theme_micro == PRF(tp=2, fp=1, fn=2)
    assert s.theme_micro.precision == pytest.approx(2 / 3)
    assert s.theme_micro.recall == pytest.approx(0.5)
    assert s.theme_micro.f1 == pytest.approx(4 / 7)
    # per theme over all items: fraud TP(1) FP(3) FN(5)
    assert s.per_theme["fraud"] == PRF(1, 1, 1)
    assert s.per_theme["firearms"] == PRF(0, 1, 0) and s.per_theme["victims_witnesses"] == PRF(0, 0, 1)
    assert {e["id"] for e in s.errors} == {"1", "2", "3", "5"}


def test_zero_denominators_give_zero() -> None:
    assert (PRF().precision, PRF().recall, PRF().f1) == (0.0, 0.0, 0.0)


def test_evaluate_reports_baseline_beside_model() -> None:
    rows = [
        {"id": "1", "title": "Fraud and money laundering", "relevant": True, "themes": ["fraud", "money_laundering"]},
        {"id": "2", "title": "Immigration Skills Charge", "relevant": False, "themes": []},
    ]
    report = evaluate(rows, fake_predict := (lambda row: (row["id"] == "1", ["fraud"])))
    assert report.n == 2 and report.n_relevant == 1
    assert report.model.relevance == PRF(1, 0, 0) and report.model.theme_micro == PRF(1, 0, 1)
    assert report.baseline.relevance == PRF(1, 1, 0)           # "immigration" fires
    assert report.baseline.theme_micro == PRF(2, 0, 0)
    assert fake_predict(rows[1]) == (False, ["fraud"])


def test_baseline_predict_uses_name_words() -> None:
    assert baseline_predict({"title": "Drugs and firearms", "summary": "victims"}) == (
        True, ["drugs", "firearms", "victims_witnesses"])
    assert baseline_predict({"title": "Planning"}) == (False, [])


def test_format_report_is_an_aligned_table() -> None:
    text = format_report(evaluate(ROWS, fake_predict))
    assert "Relevance" in text and "Theme micro" in text and "baseline" in text
    rows = [line for line in text.splitlines() if line.startswith(("classifier", "baseline", "fraud"))]
    assert len({len(line) for line in rows}) == 1
    assert "0.667" in text


def test_read_labelled_names_the_bad_line() -> None:
    good = json.dumps({"id": "x", "title": "t", "relevant": False, "themes": []})
    assert read_labelled([good, "", good])[0]["id"] == "x"
    cases = [
        ("{oops", "line 2: not valid JSON"),
        (json.dumps({"title": "t", "relevant": "yes", "themes": []}), "line 2: key 'relevant'"),
        (json.dumps({"relevant": True, "themes": []}), "line 2: key 'title'"),
        (json.dumps({"title": "t", "relevant": True, "themes": "fraud"}), "line 2: key 'themes'"),
        (json.dumps({"title": "t", "relevant": False, "themes": ["fraud"]}), "line 2: key 'themes': must be empty"),
        ("[1]", "line 2: not a JSON object"),
    ]
    for bad, message in cases:
        with pytest.raises(LabelledDataError, match=message.replace("(", r"\(")):
            read_labelled([good, bad])


def test_split_dev_is_deterministic_disjoint_and_about_60_40() -> None:
    rows = read_labelled(FIXTURE.read_text(encoding="utf-8").splitlines())
    tune, held = split_dev(rows)
    assert (len(tune), len(held)) == (94, 72)
    assert {r["id"] for r in tune}.isdisjoint(r["id"] for r in held)
    assert split_dev(list(reversed(rows)))[0] == list(reversed(tune))
    assert split_dev([{"id": "dev-0001"}, {"id": "dev-0002"}]) == ([{"id": "dev-0002"}], [{"id": "dev-0001"}])


#: The README's targets on unseen documents ("Priorities and classification"); the classifier scores 0.933
#: and 0.860 on the held-out part (tracker/CLASSIFIER.md), so a floor below these would hide a regression.
TARGET_RELEVANCE_F1, TARGET_THEME_MICRO_F1 = 0.92, 0.85


def test_classifier_meets_the_readme_targets_on_the_held_out_part() -> None:
    rows = read_labelled(FIXTURE.read_text(encoding="utf-8").splitlines())
    tune, held = split_dev(rows)
    t, h = evaluate(tune), evaluate(held)
    assert t.model.relevance.f1 >= 0.97 and t.model.theme_micro.f1 >= 0.92
    assert h.model.relevance.f1 >= TARGET_RELEVANCE_F1, h.model.relevance
    assert h.model.theme_micro.f1 >= TARGET_THEME_MICRO_F1, h.model.theme_micro
    assert h.model.relevance.f1 > h.baseline.relevance.f1
