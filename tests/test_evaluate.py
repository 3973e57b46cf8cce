"""Tests for tracker.evaluate: metrics by hand, labelled-file errors, the split, baseline and report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from click.testing import CliRunner

from tracker.classify import tagging
from tracker.classify.evaluate import (
    PRF, LabelledDataError, PhraseCount, baseline_predict, classifier_predict, evaluate, format_phrase_report,
    format_report, phrase_report, read_labelled, read_labelled_files, reviewed_rows, score, split_dev, stored_predict,
)
from tracker.cli import cli
from tracker.contract import TrackedItem
from tracker.store import register
from tracker.store.items import upsert_item

FIXTURE = Path(__file__).parent / "fixtures" / "labelled" / "seoc_dev.jsonl"
EXTRA = FIXTURE.parent / "seoc_extra.jsonl"

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
#: and 0.891 on the dev set's held-out part (tracker/classify/CLASSIFIER.md), so a floor below these would
#: hide a regression.
TARGET_RELEVANCE_F1, TARGET_THEME_MICRO_F1 = 0.92, 0.85


def test_classifier_meets_the_readme_targets_on_the_held_out_part() -> None:
    rows = read_labelled(FIXTURE.read_text(encoding="utf-8").splitlines())
    tune, held = split_dev(rows)
    t, h = evaluate(tune), evaluate(held)
    assert t.model.relevance.f1 >= 0.97 and t.model.theme_micro.f1 >= 0.92
    assert h.model.relevance.f1 >= TARGET_RELEVANCE_F1, h.model.relevance
    assert h.model.theme_micro.f1 >= TARGET_THEME_MICRO_F1, h.model.theme_micro
    assert h.model.relevance.f1 > h.baseline.relevance.f1


# --- several labelled files, partial labels, what the classifier is shown -----------------------------

def test_read_labelled_files_joins_files_and_refuses_a_repeated_id(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps({"id": "x", "title": "t", "relevant": False}) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"id": "y", "title": "u", "relevant": True, "themes": ["fraud"]}) + "\n", encoding="utf-8")
    with a.open() as fa, b.open() as fb:
        assert [r["id"] for r in read_labelled_files([fa, fb])] == ["x", "y"]
    b.write_text(json.dumps({"id": "x", "title": "u", "relevant": False}) + "\n", encoding="utf-8")
    with a.open() as fa, b.open() as fb, pytest.raises(LabelledDataError, match=r"b.jsonl: id 'x' is already in .*a.jsonl"):
        read_labelled_files([fa, fb])
    b.write_text("{oops\n", encoding="utf-8")
    with a.open() as fa, b.open() as fb, pytest.raises(LabelledDataError, match=r"b.jsonl: line 1: not valid JSON"):
        read_labelled_files([fa, fb])


def test_unknown_themes_count_nowhere() -> None:
    rows = [{"id": "1", "title": "a", "relevant": True, "themes": ["fraud"], "unknown_themes": ["drugs"]}]
    s = score(rows, lambda row: (True, ["fraud", "drugs", "firearms"]))
    assert s.theme_micro == PRF(tp=1, fp=1, fn=0)          # drugs undecided: neither right nor wrong
    assert "drugs" not in s.per_theme and s.per_theme["firearms"] == PRF(0, 1, 0)
    with pytest.raises(LabelledDataError, match="key 'unknown_themes': a theme cannot be both"):
        read_labelled([json.dumps({"title": "t", "relevant": True, "themes": ["fraud"], "unknown_themes": ["fraud"]})])


def test_the_classifier_is_evaluated_on_title_summary_organisation_and_kind_only() -> None:
    row = {"title": "Annual planning review", "summary": "Planning.",
           "body_text": "Money laundering under the Money Laundering Regulations."}
    assert classifier_predict(row) == (False, [])
    assert stored_predict(row) == (True, ["money_laundering"])


def test_phrase_report_counts_rules_behind_right_and_wrong_themes() -> None:
    rows = [
        {"id": "1", "title": "Money laundering and drug trafficking", "relevant": True, "themes": ["money_laundering"]},
        {"id": "2", "title": "Money laundering", "relevant": False, "themes": []},
        {"id": "3", "title": "Planning", "relevant": False, "themes": []},
    ]
    counts = {(c.theme, c.phrase): c for c in phrase_report(rows)}
    assert counts[("money_laundering", "money laundering")] == PhraseCount(
        "money_laundering", "money laundering", "phrase", right=1, wrong=1)
    assert counts[("drugs", "drug trafficking")] == PhraseCount("drugs", "drug trafficking", "phrase", 0, 1)
    assert list(counts) == [("drugs", "drug trafficking"), ("money_laundering", "money laundering")]
    assert "money laundering" in format_phrase_report(phrase_report(rows))


# --- the extended development set (dev + extra) -----------------------------------------------------------

def _extended_rows() -> list[dict]:
    with FIXTURE.open(encoding="utf-8") as dev, EXTRA.open(encoding="utf-8") as extra:
        return read_labelled_files([dev, extra])


def test_extended_set_has_sources_rationales_and_hard_negatives() -> None:
    rows = [r for r in _extended_rows() if r["id"].startswith("ext-")]
    assert len(rows) >= 100
    for row in rows:
        assert row["url"].startswith("http") and row["rationale"].strip(), row["id"]
    hard = [r for r in rows if r["rationale"].startswith("Hard negative:")]
    assert len(hard) >= 40 and sum(r["borderline"] for r in rows) >= 20


def test_extended_split_is_fixed() -> None:
    tune, held = split_dev(_extended_rows())
    assert (len(tune), len(held)) == (159, 120)
    assert sum(r["id"].startswith("ext-") for r in held) == 48


def test_classifier_meets_the_targets_on_the_extended_held_out_part() -> None:
    """README targets on documents never tuned on, title and summary only: relevance F1 >= 0.92, theme >= 0.85."""
    tune, held = split_dev(_extended_rows())
    for rows in (held, [r for r in held if r["id"].startswith("ext-")]):
        report = evaluate(rows)
        assert report.model.relevance.f1 >= TARGET_RELEVANCE_F1, report.model.relevance
        assert report.model.theme_micro.f1 >= TARGET_THEME_MICRO_F1, report.model.theme_micro
        assert report.model.relevance.f1 > report.baseline.relevance.f1
    assert evaluate(tune).model.relevance.f1 >= 0.97


def test_cli_evaluate_reads_several_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["evaluate", str(FIXTURE), str(EXTRA), "--part", "heldout", "--phrases"])
    assert result.exit_code == 0, result.output
    assert "Items: 120 (54 labelled relevant)" in result.output
    assert "Rules behind predicted themes" in result.output
    assert CliRunner().invoke(cli, ["evaluate"]).exit_code == 2


# --- reviewers' decisions as labels -----------------------------------------------------------------------

def _item(n: int, title: str, summary: str) -> TrackedItem:
    return TrackedItem(id=f"govuk:{n}", source="govuk", kind="consultation", url=f"https://www.gov.uk/{n}",
                       title=title, summary=summary)


def _review(database, item_id: str, theme: str, state: str) -> None:
    [(row_id,)] = database.execute("SELECT id FROM item_priorities WHERE item_id = ? AND priority_id = ?",
                                   [item_id, theme]).fetchall()
    register.review(database.conn, "editor", "item_priorities", row_id, state, now="2026-10-02T09:00:00+00:00")


def _reviewed_database(database):
    for n, title, summary in [
        (1, "Fraud strategy: stopping scams", "Stopping fraud at source."),                 # fraud, victims
        (2, "Scam awareness fortnight for pensioners", "Fraudsters target older people."),  # fraud
        (3, "Money laundering and drugs", "Consultation on money laundering and drug trafficking."),
        (4, "Proceeds of crime and money laundering", "Consultation on confiscation and money laundering."),
        (5, "Firearms trafficking", "Illegal firearms."),                                 # never reviewed
    ]:
        upsert_item(database, _item(n, title, summary), now="2026-10-01T09:00:00+00:00")
    tagging.classify_stored(database, now="2026-10-01T10:00:00+00:00")
    _review(database, "govuk:1", "fraud", "confirmed")
    _review(database, "govuk:1", "victims_witnesses", "rejected")
    _review(database, "govuk:2", "fraud", "rejected")                 # every tag rejected: not relevant
    _review(database, "govuk:3", "drugs", "rejected")                 # money laundering undecided: left out
    _review(database, "govuk:4", "proceeds_of_crime", "confirmed")    # money laundering undecided: unknown
    return database


def test_reviewed_rows_turn_decisions_into_labels(database) -> None:
    got = reviewed_rows(_reviewed_database(database))
    assert (got.partly_reviewed, got.confirmed, got.rejected) == (1, 2, 3)
    rows = {r["id"]: r for r in got.rows}
    assert set(rows) == {"govuk:1", "govuk:2", "govuk:4"}
    assert (rows["govuk:1"]["relevant"], rows["govuk:1"]["themes"], rows["govuk:1"]["rejected_themes"]) == (
        True, ["fraud"], ["victims_witnesses"])
    assert (rows["govuk:2"]["relevant"], rows["govuk:2"]["themes"]) == (False, [])
    assert (rows["govuk:4"]["themes"], rows["govuk:4"]["unknown_themes"]) == (["proceeds_of_crime"],
                                                                              ["money_laundering"])
    report = evaluate(got.rows, stored_predict)
    assert report.model.relevance == PRF(tp=2, fp=1, fn=0)          # govuk:2 is still predicted relevant
    assert report.model.theme_micro == PRF(tp=2, fp=1, fn=0)        # victims on govuk:1 was rejected


def test_cli_evaluate_reviewed_reports_and_exports_labelled_lines(database, db_path, tmp_path) -> None:
    _reviewed_database(database)
    out = tmp_path / "reviewed.jsonl"
    result = CliRunner().invoke(cli, ["evaluate", "--reviewed", "--db", str(db_path), "--export-reviewed", str(out)])
    assert result.exit_code == 0, result.output
    assert "Reviewed in the database: 3 items (1 partly reviewed items left out)" in result.output
    assert "stored tags confirmed 2, rejected 3" in result.output
    assert "classifier                      0.667  1.000  0.800    2    1    0" in result.output
    rows = read_labelled(out.read_text(encoding="utf-8").splitlines())
    assert [(r["id"], r["relevant"], r["themes"]) for r in rows] == [
        ("govuk:1", True, ["fraud"]), ("govuk:2", False, []), ("govuk:4", True, ["proceeds_of_crime"])]
    assert all("body_text" not in r and r["source"] == "review" for r in rows)
    both = CliRunner().invoke(cli, ["evaluate", str(FIXTURE), "--reviewed", "--db", str(db_path)])
    assert both.exit_code == 0 and "Labelled files (all)" in both.output and "Reviewed in the database" in both.output
    assert CliRunner().invoke(cli, ["evaluate", str(FIXTURE), "--export-reviewed", str(out)]).exit_code == 2
