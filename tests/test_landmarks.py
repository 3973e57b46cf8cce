"""Landmark documents: strategies, plans, reviews and omnibus Acts the directorate must never miss.

Each is classified from its title and summary only (some sources give no more) and must be relevant with
every one of its main themes, each backed by evidence. tests/fixtures/labelled/SOURCES.md says how the
main themes were chosen.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.classify.rules import classify

ROOT = Path(__file__).parent.parent
LANDMARKS = [json.loads(line) for line in
             (Path(__file__).parent / "fixtures" / "labelled" / "landmarks.jsonl").read_text("utf-8").splitlines()]
THEMES = {"fraud", "money_laundering", "proceeds_of_crime", "bribery_corruption", "sanctions_evasion", "cybercrime",
          "drugs", "firearms", "modern_slavery_trafficking", "child_exploitation", "organised_immigration_crime",
          "international_cooperation", "corporate_liability", "criminal_procedure_disclosure", "victims_witnesses"}


def test_the_landmark_list_is_well_formed() -> None:
    assert len(LANDMARKS) == 16 and len({lm["id"] for lm in LANDMARKS}) == 16
    for lm in LANDMARKS:
        assert lm["title"] and lm["summary"] and lm["url"].startswith("https://"), lm["id"]
        assert lm["themes"] and set(lm["themes"]) <= THEMES and set(lm["other_themes"]) <= THEMES, lm["id"]
        assert not set(lm["themes"]) & set(lm["other_themes"]), lm["id"]
    titles = {lm["title"] for lm in LANDMARKS}
    assert {"No place to hide: serious and organised crime strategy 2023 to 2028",
            "Serious and Organised Crime Strategy 2018", "Crime and Policing Bill",
            "Independent Review of Disclosure and Fraud Offences: preliminary findings and direction of travel",
            } <= titles


@pytest.mark.parametrize("landmark", LANDMARKS, ids=lambda lm: f"{lm['id']} {lm['title'][:40]}")
def test_no_landmark_is_missed(landmark: dict) -> None:
    result = classify({k: landmark[k] for k in ("title", "summary", "organisation", "kind")})
    assert result.relevant and result.score >= 0.5, landmark["title"]
    missing = set(landmark["themes"]) - set(result.theme_ids)
    assert not missing, f"{landmark['id']} lacks {sorted(missing)}; got {result.theme_ids}"
    for match in result.themes:  # every tag keeps its evidence, and the evidence adds up to its score
        assert any(e.weight > 0 and e.kind in ("phrase", "subject") for e in match.evidence), match.theme
        assert sum(e.weight for e in match.evidence) == pytest.approx(match.score / (1 - match.score))


def _crime_and_policing_act() -> dict:
    """The Act as the Bills API snapshot records it (bill 3938): short title and long title."""
    bill = json.loads((ROOT / "snapshot" / "parliament-bills" / "bill_3938.json").read_text("utf-8"))
    assert bill["shortTitle"] == "Crime and Policing Act 2026"
    return {"title": bill["shortTitle"], "summary": bill["longTitle"], "kind": "act", "organisation": "Home Office"}


def test_crime_and_policing_act_has_corporate_liability_and_exploitation_not_firearms() -> None:
    """Its long title names offensive weapons, criminal exploitation and the criminal liability of bodies."""
    item = _crime_and_policing_act()
    assert "offensive weapons" in item["summary"]
    result = classify(item)
    assert result.relevant
    assert {"corporate_liability", "child_exploitation", "proceeds_of_crime"} <= set(result.theme_ids)
    assert "firearms" not in result.theme_ids
    assert not any(e.theme == "firearms" for e in result.evidence)
    evidence = {(m.theme, e.phrase) for m in result.themes for e in m.evidence}
    assert ("corporate_liability", "criminal liability of bodies") in evidence
    assert ("child_exploitation", "criminal exploitation") in evidence
