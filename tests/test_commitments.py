"""The commitment finder (tracker.classify.commitments) on real statement and answer text: precision and recall
on the labelled set (tests/fixtures/labelled/commitments.jsonl, a development part the rules were written
against and a held-out part labelled before they were run on it), due dates, and the candidate's fields."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tracker.classify import commitment_eval
from tracker.classify.commitments import Candidate, due_date, find_commitments, is_commitment, undertaking_at

LABELLED = Path(__file__).parent / "fixtures" / "labelled" / "commitments.jsonl"
ROWS = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
#: Floors under the figures measured when the finder was written (dev 1.00 / 0.91, held-out 0.95 / 0.86).
FLOORS = {"dev": (0.95, 0.85), "held-out": (0.90, 0.80)}


@pytest.mark.parametrize("split", FLOORS)
def test_precision_and_recall_on_the_labelled_set(split, capsys):
    rows = [r for r in ROWS if r.get("split", "dev") == split]
    found = commitment_eval.evaluate(rows)
    precision, recall, wrong = found.precision, found.recall, list(found.wrong)
    with capsys.disabled():
        print(f"\ncommitments {split}: {len(rows)} sentences, precision {precision:.2f}, recall {recall:.2f}; "
              f"wrong: {', '.join(wrong) or 'none'}")
    assert len(rows) >= 40 and sum(r["commitment"] for r in rows) >= 15
    assert precision >= FLOORS[split][0] and recall >= FLOORS[split][1], (precision, recall, wrong)


def test_due_dates_on_the_labelled_set_where_stated():
    for row in ROWS:
        if row["commitment"] and row["due"] and is_commitment(row["text"]):
            said = date.fromisoformat(row["said_on"]) if row["said_on"] else None
            start = undertaking_at(row["text"])
            assert due_date(row["text"][start:], said)[0] == row["due"], row["id"]


SAID = date(2026, 9, 10)


@pytest.mark.parametrize("words, due", [
    ("We will publish the strategy by the end of the year.", "2026-12-31"),
    ("We will publish the strategy later this year.", "2026-12-31"),
    ("The Government will commence these provisions in the spring.", "2027-05-31"),  # this spring has passed
    ("The Government will commence these provisions in the autumn.", "2026-11-30"),
    ("We will consult on the reforms by summer 2027.", "2027-08-31"),
    ("We will bring forward legislation in Autumn 2026.", "2026-11-30"),
    ("We will lay the regulations by 16 July 2027.", "2027-07-16"),
    ("We will respond in March 2027.", "2027-03-31"),
    ("We will respond next year.", "2027-12-31"),
    ("We will publish the review within six months.", "2027-03-10"),
    ("We will publish the review in early 2027.", "2027-04-30"),
    ("We will respond in due course.", None),
    ("We will publish it when Parliamentary time allows.", None),
])
def test_due_date_is_resolved_against_the_day_it_was_said(words, due):
    [candidate] = find_commitments(words, speaker="A Minister", department="Home Office", item_id="wq:1",
                                   said_on=SAID)
    assert candidate.due == due


def test_relative_words_with_no_date_said_keep_the_words_and_no_date():
    [candidate] = find_commitments("We will publish the findings later this year.", speaker=None,
                                   department=None, item_id="wq:1", said_on=None)
    assert (candidate.due, candidate.due_phrase) == (None, "later this year")


def test_a_date_before_the_undertaking_is_not_its_due_date():
    text = "The consultation closed on 18 March 2026 and the Government will respond to the consultation in due course."
    [candidate] = find_commitments(text, speaker=None, department=None, item_id="wq:1", said_on=SAID)
    assert candidate.due is None


def test_candidates_carry_the_exact_sentence_speaker_and_department():
    statement = json.loads((Path(__file__).parent / "fixtures" / "written-statements"
                            / "statement_psfa_2025-10-16.json").read_text())["value"]
    from scrapers.parsers.written_statements import parse_statement
    item = parse_statement(statement, "u")
    assert find_commitments(item.body_text, speaker="Josh Simons", department="Cabinet Office", item_id=item.id,
                            said_on=date(2025, 10, 16)) == [
        Candidate(quote="The UK intends to license this technology internationally.", speaker="Josh Simons",
                  department="Cabinet Office", item_id="wms:9000001", due=None, due_phrase=None)]


def test_not_commitments():
    for text in ("We will continue to work with partners.", "We will not be setting arbitrary timelines.",
                 "Ofcom intends to publish its register in the summer.", "Further details will be set out in due course.",
                 "The Government will consider the findings.", "We would publish it if asked.",
                 # Real (cm-007): what an arm's-length body will do, beside a report "due to be published".
                 "National Highways will confirm the total spend to end of March 2026 in its Annual Report and "
                 "Accounts due to be published in July 2026.",
                 "The CMA will consult on the guidance, which will be published in the spring."):
        assert find_commitments(text, speaker=None, department=None, item_id="x", said_on=SAID) == [], text


def test_evaluate_reports_the_finder_by_split_and_names_a_bad_line(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import cli
    sentences = [
        {"id": "a", "text": "We will publish the fraud strategy by the end of the year.", "commitment": True},
        {"id": "b", "text": "The Minister will write to the noble Lord.", "commitment": True},
        {"id": "c", "text": "Fraud is the most common crime in England and Wales.", "commitment": False},
        {"id": "d", "text": "The register reduces the ability to hide ownership.", "commitment": True,
         "split": "held-out"},
        {"id": "e", "text": "We will consult on new powers next year.", "commitment": False, "split": "held-out"},
    ]
    labelled = tmp_path / "commitments.jsonl"
    labelled.write_text("\n".join(json.dumps(s) for s in sentences) + "\n")
    result = CliRunner().invoke(cli, ["evaluate", "--commitments", str(labelled)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # d is labelled a commitment the finder cannot see; e is a commitment labelled (wrongly) as not one.
    assert lines[1:] == [
        "  dev: 3 sentences, 2 commitments; found 2: precision 1.00, recall 1.00",
        "  held-out: 2 sentences, 1 commitments; found 1: precision 0.00, recall 0.00; wrong: d, e",
        "  all: 5 sentences, 3 commitments; found 3: precision 0.67, recall 0.67; wrong: d, e"]
    labelled.write_text(json.dumps(sentences[0]) + "\n" + json.dumps({"id": "x", "text": "We will."}) + "\n")
    bad = CliRunner().invoke(cli, ["evaluate", "--commitments", str(labelled)])
    assert bad.exit_code != 0 and "line 2: key 'commitment': must be true or false" in bad.output


def test_evaluate_reviewed_reports_what_editors_kept_and_dismissed(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import cli
    from tracker.store import commitments as store
    from tracker.store import db as db_module
    database = db_module.connect(tmp_path / "tracker.db")
    store.add_candidates(database.conn, [
        store.NewCommitment(f"wq:{n}", f"We will publish report {n}.", None, None, None, None, None)
        for n in range(4)], now="2026-09-14T05:30:00+00:00")
    ids = [r["id"] for r in database.query("select id from commitments order by id")]
    store.decide(database.conn, "ed", ids[0], "confirm")
    store.decide(database.conn, "ed", ids[1], "confirm")
    store.decide(database.conn, "ed", ids[1], "dropped")
    store.decide(database.conn, "ed", ids[2], "dismiss")
    database.close()
    labelled = tmp_path / "commitments.jsonl"
    labelled.write_text(json.dumps({"text": "We will publish it.", "commitment": True}) + "\n")
    result = CliRunner().invoke(cli, ["evaluate", "--commitments", str(labelled), "--reviewed",
                                      "--db", str(tmp_path / "tracker.db")])
    assert result.exit_code == 0, result.output
    assert ("Commitments decided by editors: 2 kept, 1 dismissed (precision in use 0.67); 1 candidates waiting"
            in result.output)
