"""Tests for tracker.classify and tracker.priorities on real labelled documents and awkward input."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tracker.classify.rules import CLASSIFIER_VERSION, Classification, classify, classify_jsonl, clean_text
from tracker.classify import tagging
from tracker.classify.priorities import PriorityError, load_priorities, load_ruleset, parse_ruleset
from tracker.contract import TrackedItem
from tracker.store.items import upsert_item

FIXTURE = Path(__file__).parent / "fixtures" / "labelled" / "seoc_dev.jsonl"
DEV = {row["id"]: row for row in map(json.loads, FIXTURE.read_text(encoding="utf-8").splitlines())}

THEMES = {
    "fraud", "money_laundering", "proceeds_of_crime", "bribery_corruption", "sanctions_evasion", "cybercrime",
    "drugs", "firearms", "modern_slavery_trafficking", "child_exploitation", "organised_immigration_crime",
}
CROSS_CUTTING = {
    "international_cooperation", "corporate_liability", "criminal_procedure_disclosure", "victims_witnesses",
}


def item(dev_id: str) -> dict:
    """A dev-set row stripped of its labels, as the classifier sees it."""
    row = DEV[dev_id]
    return {k: row[k] for k in ("title", "summary", "organisation", "kind")}


# --- priorities file -------------------------------------------------------------------------------

def test_packaged_priorities_have_every_theme_and_group() -> None:
    priorities = load_priorities()
    assert {p.id for p in priorities if p.group == "theme"} == THEMES
    assert {p.id for p in priorities if p.group == "cross_cutting"} == CROSS_CUTTING
    for p in priorities:
        assert p.name and p.description and p.sources and p.phrases.rules


def test_load_priorities_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(VALID, encoding="utf-8")
    [only] = load_priorities(path)
    assert only.id == "fraud" and only.phrases.rules[0].weight == 1.0


VALID = """
[[priority]]
id = "fraud"
name = "Fraud"
group = "theme"
description = "Fraud."
sources = ["Fraud Strategy (2023)"]
[priority.phrases]
"fraud" = 1.0
[priority.exclusions]
"vehicle registration fraud" = 1.5
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (VALID.replace('group = "theme"', 'group = "topic"'), "priority #1 ('fraud'): key 'group'"),
        (VALID.replace('"fraud" = 1.0', '"fraud" = "high"'),
         "priority #1 ('fraud'): key 'phrases': phrase 'fraud': weight must be a number"),
        (VALID.replace('"fraud" = 1.0', '"fraud" = -1'), "key 'phrases': phrase 'fraud': weight must be > 0"),
        (VALID.replace('description = "Fraud."\n', ""), "priority #1 ('fraud'): key 'description'"),
        (VALID.replace('sources = ["Fraud Strategy (2023)"]', "sources = []"), "key 'sources'"),
        (VALID.replace('id = "fraud"', 'id = "Fraud Theme"'), "priority #1: key 'id'"),
        (VALID + VALID, "priority #2 ('fraud'): key 'id': duplicate id"),
        (VALID.replace("[priority.exclusions]", "[priority.exclusion]"), "unknown key(s): exclusion"),
        (VALID.replace('"fraud" = 1.0', '"fraud" = 1.0\n"Fraud" = 0.5'), "phrase 'Fraud' repeats 'fraud'"),
        (VALID.replace('"fraud" = 1.0', '"re:(unclosed" = 1.0'), "phrase 're:(unclosed' is not a valid pattern"),
        (VALID.replace("[priority.phrases]", "[priority.phrases]\n[nope"), "invalid TOML"),
        ("version = '1'", "no [[priority]] tables"),
        ("[settings]\nthreshold = 'x'\n" + VALID, "[settings]: key 'threshold'"),
    ],
)
def test_priorities_validation_names_priority_and_key(text: str, message: str) -> None:
    with pytest.raises(PriorityError) as err:
        parse_ruleset(text, "p.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("p.toml")


def test_missing_priorities_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PriorityError, match="cannot read priorities file"):
        load_priorities(tmp_path / "absent.toml")


# --- real documents --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("dev_id", "themes"),
    [
        ("dev-0003", {"drugs"}),                          # nitazenes brought under Class A control
        ("dev-0045", {"fraud", "victims_witnesses"}),     # APP scam reimbursement
        ("dev-0041", {"international_cooperation"}),      # Extradition (Provisional Arrest) Bill
        ("dev-0057", {"proceeds_of_crime"}),              # POCA search and seizure code
        ("dev-0115", {"bribery_corruption", "sanctions_evasion"}),
        ("dev-0060", {"organised_immigration_crime", "modern_slavery_trafficking", "sanctions_evasion"}),
        ("dev-0073", {"firearms"}),                       # antique firearms definition
        ("dev-0043", {"victims_witnesses"}),              # Victims' Code consultation
    ],
)
def test_relevant_documents_get_their_themes(dev_id: str, themes: set[str]) -> None:
    result = classify(item(dev_id))
    assert DEV[dev_id]["relevant"] and set(DEV[dev_id]["themes"]) == themes
    assert result.relevant and set(result.theme_ids) == themes
    assert 0.5 <= result.score <= 1


@pytest.mark.parametrize(
    "dev_id",
    [
        "dev-0016", "dev-0038", "dev-0076",   # NHS medicines, prescription charges
        "dev-0001", "dev-0061", "dev-0062",   # drug designation / medicinal cannabis
        "dev-0089", "dev-0033", "dev-0006",   # skilled-worker charge, health charge, Immigration Rules
        "dev-0010", "dev-0128",               # product security, infrastructure cyber resilience
        "dev-0066", "dev-0107", "dev-0108",   # financial-services conduct and payments rules
        "dev-0037", "dev-0036", "dev-0008",   # firearms fees and licensing
        "dev-0011",                           # 'vehicle registration fraud'
        "dev-0021",                           # police pay evidence mentioning fraud
    ],
)
def test_hard_negatives_are_not_relevant(dev_id: str) -> None:
    assert DEV[dev_id]["relevant"] is False
    result = classify(item(dev_id))
    assert not result.relevant and result.themes == [] and result.score < 0.5


def test_evidence_points_to_phrase_field_and_theme() -> None:
    result = classify(item("dev-0003"))
    [match] = result.themes
    assert match.theme == "drugs"
    phrases = {(e.phrase, e.field, e.theme) for e in match.evidence}
    assert ("Misuse of Drugs Act", "title", "drugs") in phrases
    assert ("nitazene*", "summary", "drugs") in phrases
    assert sum(e.weight for e in match.evidence) == pytest.approx(match.score / (1 - match.score))


def test_fired_exclusions_are_evidence_with_negative_weight() -> None:
    result = classify(item("dev-0001"))
    exclusions = [e for e in result.evidence if e.kind == "exclusion"]
    assert {e.phrase for e in exclusions} >= {"Misuse of Drugs (Designation)", "medical purposes"}
    assert all(e.weight < 0 and e.theme == "drugs" for e in exclusions)
    assert next(e for e in exclusions if e.phrase == "Misuse of Drugs (Designation)").field == "title"


def test_global_exclusion_in_title_is_evidence() -> None:
    result = classify(item("dev-0021"))
    assert any(e.kind == "global_exclusion" and e.field == "title" for e in result.evidence)


def test_as_json_is_serialisable_and_versioned() -> None:
    data = classify(item("dev-0045")).as_json()
    assert json.loads(json.dumps(data)) == data
    assert data["version"] == CLASSIFIER_VERSION and data["relevant"] is True
    assert {"phrase", "field", "weight", "theme", "text", "kind"} <= set(data["evidence"][0])
    assert [t["theme"] for t in data["themes"]][:1] == ["fraud"]


def test_custom_priorities_list_is_used() -> None:
    fraud_only = [p for p in load_priorities() if p.id == "fraud"]
    result = classify(item("dev-0045"), fraud_only)
    assert result.theme_ids == ["fraud"]
    assert not classify(item("dev-0003"), fraud_only).relevant


# --- phrase syntax ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("title", "theme"),
    [
        ("Tackling cyber-crime and cybercrime", "cybercrime"),
        ("Consultation on the Victims Code", "victims_witnesses"),
        ("Consultation on the Victims\u2019 Code", "victims_witnesses"),
        ("Laundered funds and launderers", "money_laundering"),
    ],
)
def test_phrase_syntax_spacing_apostrophes_and_wildcards(title: str, theme: str) -> None:
    assert theme in classify({"title": title}).theme_ids


def test_whole_words_only() -> None:
    result = classify({"title": "A sanctuary for classical druggists", "summary": "Defrayed costs; sanctioned leave."})
    assert result.themes == [] and result.evidence == []


# --- awkward input ---------------------------------------------------------------------------------

def test_html_in_fields_is_stripped() -> None:
    result = classify({"title": "<h1>The <b>Money</b> Laundering &amp; Terrorist Financing Regulations</h1>",
                       "summary": "<p>Amends the <a href='x'>MLRs</a>.</p><script>var fraud = 1;</script>"})
    assert result.theme_ids == ["money_laundering"]
    assert all("<" not in e.text and "fraud" not in e.text for e in result.evidence)


def test_mojibake_is_repaired() -> None:
    assert clean_text("Victimsâ€™ Code â€“ consultation") == "victims' code \u2013 consultation"
    assert "victims_witnesses" in classify({"title": "Improving the Victimsâ€™ Code"}).theme_ids


def test_non_english_and_odd_types_classify_without_error() -> None:
    for odd in ({"title": "Rheoliadau Cynllunio Gwlad a Thref (Cymru) 2024", "summary": "Mae'r Rheoliadau hyn"},
                {"title": "关于打击洗钱的条例", "summary": None, "organisation": 42, "kind": None},
                {"title": "Sanctions", "summary": ["a", "list"], "body_text": {"not": "text"}},
                {}):
        result = classify(odd)
        assert isinstance(result, Classification) and 0 <= result.score <= 1


def test_no_summary() -> None:
    result = classify({"title": "Fraud Act 2006 (Amendment) Bill", "kind": "bill"})
    assert result.relevant and result.theme_ids == ["fraud"]
    assert {e.field for e in result.evidence} == {"title"}


def test_long_body_is_capped_and_fast() -> None:
    filler = "The committee considered planning matters. " * 50_000  # about 2 MB
    phrase = "Money laundering under the Money Laundering Regulations. "
    late = {"title": "Annual planning review", "body_text": filler + phrase}
    early = {"title": "Annual planning review", "body_text": phrase + filler}
    start = time.perf_counter()
    assert not classify(late).relevant
    assert classify(early).theme_ids == ["money_laundering"]
    assert time.perf_counter() - start < 5
    assert {e.field for e in classify(early).evidence} == {"body_text"}


# --- classify_jsonl --------------------------------------------------------------------------------

def test_classify_jsonl_reports_bad_lines_and_continues() -> None:
    lines = [
        json.dumps({"id": "a", "title": "The Proceeds of Crime Act 2002 (Amendment) Order"}),
        "{not json",
        json.dumps({"id": "b", "summary": "no title here"}),
        "",
        json.dumps(["a", "list"]),
        json.dumps({"id": "c", "title": "Plant Health (Amendment) Regulations"}),
    ]
    out = list(classify_jsonl(lines))
    assert [o.get("id") for o in out] == ["a", None, None, None, "c"]
    assert out[0]["relevant"] and out[0]["themes"] == ["proceeds_of_crime"] and out[0]["evidence"]
    assert out[1]["line"] == 2 and "not valid JSON" in out[1]["error"]
    assert out[2] == {"line": 3, "error": "missing or empty 'title'"}
    assert out[3] == {"line": 5, "error": "not a JSON object"}
    assert out[4]["relevant"] is False and out[4]["themes"] == []
    json.dumps(out)


def test_ruleset_settings_loaded() -> None:
    st = load_ruleset().settings
    assert st.threshold > 0 and st.body_chars == 20000 and dict(st.field_weights)["title"] > 1


def test_relevant_since_is_when_the_item_last_turned_relevant(database):
    """The briefing lists an older item that newly became relevant: the store must remember when it did."""
    item = TrackedItem(id="govuk:x", source="govuk", kind="consultation", url="https://www.gov.uk/x",
                       title="Fraud strategy: tackling fraud and scams against consumers")
    upsert_item(database, item, now="2026-10-01T09:00:00+00:00")

    def since():
        return database.execute("SELECT relevant, relevant_since FROM classifications").fetchone()

    tagging.classify_stored(database, now="2026-10-01T10:00:00+00:00")
    assert since() == (1, "2026-10-01T10:00:00+00:00")
    tagging.classify_stored(database, everything=True, now="2026-11-02T10:00:00+00:00")
    assert since() == (1, "2026-10-01T10:00:00+00:00")  # still relevant: unchanged by re-classification
    item.title, item.summary = "Plant health fees", "Fees for plant health checks at the border."
    upsert_item(database, item, now="2026-11-03T09:00:00+00:00")
    tagging.classify_stored(database, now="2026-11-03T10:00:00+00:00")
    assert since() == (0, None)
    item.title = "Fraud strategy: tackling fraud and scams against consumers"
    upsert_item(database, item, now="2026-11-04T09:00:00+00:00")
    tagging.classify_stored(database, now="2026-11-04T10:00:00+00:00")
    assert since() == (1, "2026-11-04T10:00:00+00:00")


# --- the extended set: hard negatives, payments-industry fraud, offensive weapons ---------------------

EXTRA_FIXTURE = FIXTURE.parent / "seoc_extra.jsonl"
EXTRA = {row["id"]: row for row in map(json.loads, EXTRA_FIXTURE.read_text(encoding="utf-8").splitlines())}


def extra_item(ext_id: str) -> dict:
    """An extended-set row stripped of its labels (all ids used here are in the tuning part)."""
    row = EXTRA[ext_id]
    return {k: row[k] for k in ("title", "summary", "organisation", "kind")}


@pytest.mark.parametrize(
    "ext_id",
    [
        "ext-0099",                # zombie knives: 'offensive weapons' is not firearms
        "ext-0038",                # PSR direction on Faster Payments participants
        "ext-0102", "ext-0103",    # the Economic Crime Levy
        "ext-0098",                # pension-scheme transfer rules ('fraudsters and scammers')
        "ext-0069",                # Russia sanctions extended to the Overseas Territories only
        "ext-0075", "ext-0076",    # police pay
    ],
)
def test_extended_hard_negatives_are_not_relevant(ext_id: str) -> None:
    assert EXTRA[ext_id]["relevant"] is False
    result = classify(extra_item(ext_id))
    assert not result.relevant and result.themes == [], [(e.theme, e.phrase, e.weight) for e in result.evidence]


def test_offensive_weapons_alone_are_not_firearms() -> None:
    result = classify({"title": "Offensive weapons", "summary": "Prohibiting the sale of offensive weapons."})
    assert "firearms" not in {e.theme for e in result.evidence}
    assert "firearms" in classify({"title": "Offensive weapons and illegal firearms"}).theme_ids


def test_payments_industry_fraud_reimbursement_is_scored_borderline() -> None:
    """PS23/3 (the reimbursement policy) is relevant; its draft scheme instruments sit just under the line."""
    policy = classify(extra_item("ext-0036"))
    assert policy.relevant and {"fraud", "victims_witnesses"} <= set(policy.theme_ids)
    instruments = classify(extra_item("ext-0037"))
    assert EXTRA["ext-0037"]["borderline"] and not instruments.relevant
    assert 0.4 <= instruments.score < 0.5
    fired = {(e.theme, e.phrase) for e in instruments.evidence if e.kind == "exclusion"}
    assert ("fraud", "Faster Payments") in fired


def test_economic_crime_is_context_not_a_theme_of_its_own() -> None:
    """'economic crime' in a POCA code consultation must not add fraud and money laundering."""
    result = classify(extra_item("ext-0028"))
    assert result.theme_ids == ["proceeds_of_crime"]


# --- subject rules ------------------------------------------------------------------------------------

SOC_THEMES = {"drugs", "firearms", "fraud", "money_laundering", "bribery_corruption", "cybercrime",
              "modern_slavery_trafficking", "child_exploitation", "organised_immigration_crime"}


def test_a_subject_in_the_title_implies_its_themes_with_evidence() -> None:
    result = classify({"title": "No place to hide: serious and organised crime strategy 2023 to 2028",
                       "summary": "Our mission is to reduce serious and organised crime in the UK."})
    assert result.relevant and SOC_THEMES <= set(result.theme_ids)
    for match in result.themes:
        subject = [e for e in match.evidence if e.kind == "subject"]
        assert [(e.phrase, e.field, e.theme) for e in subject] == [
            ("serious and organised crime strategy", "title", match.theme)]
        assert sum(e.weight for e in match.evidence) == pytest.approx(match.score / (1 - match.score))


def test_a_subject_named_in_the_summary_implies_nothing() -> None:
    """ext-0007's summary cites the SOC strategy in passing: it is about proceeds of crime only."""
    row = extra_item("ext-0007")
    assert "Serious and Organised Crime Strategy" in row["summary"]
    result = classify(row)
    assert not SOC_THEMES & set(result.theme_ids)
    assert not any(e.kind == "subject" for e in result.evidence)


def test_subjects_are_loaded_and_name_known_themes() -> None:
    ruleset = load_ruleset()
    ids = {p.id for p in ruleset.priorities}
    assert {s.id for s in ruleset.subjects} >= {"serious_organised_crime", "economic_crime", "fraud_strategy",
                                                "disclosure_fraud_review"}
    for subject in ruleset.subjects:
        assert set(subject.themes) <= ids and subject.fields == ("title",) and subject.phrases.rules


SUBJECT = VALID + """
[[subject]]
id = "economic"
name = "Economic crime"
description = "Economic crime plans."
themes = ["fraud"]
[subject.phrases]
"economic crime plan" = 1.0
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SUBJECT.replace('themes = ["fraud"]', 'themes = ["fraud", "drugs"]'),
         "subject #1 ('economic'): key 'themes': unknown priority id(s): drugs"),
        (SUBJECT.replace('themes = ["fraud"]', 'themes = ["fraud"]\nfields = ["body"]'),
         "subject #1 ('economic'): key 'fields'"),
        (SUBJECT.replace('"economic crime plan" = 1.0', '"economic crime plan" = "high"'),
         "subject #1 ('economic'): key 'phrases': phrase 'economic crime plan': weight must be a number"),
        (SUBJECT.replace('name = "Economic crime"\n', ""), "subject #1 ('economic'): key 'name'"),
        (SUBJECT.replace('id = "economic"', 'id = "Economic"'), "subject #1: key 'id'"),
        (SUBJECT + SUBJECT[len(VALID):], "subject #2 ('economic'): key 'id': duplicate id"),
        (SUBJECT.replace("[subject.phrases]", "[subject.phrase]"), "unknown key(s): phrase"),
    ],
)
def test_subject_validation_names_subject_and_key(text: str, message: str) -> None:
    with pytest.raises(PriorityError) as err:
        parse_ruleset(text, "p.toml")
    assert message in str(err.value)


def test_subject_fields_can_be_widened() -> None:
    ruleset = parse_ruleset(SUBJECT.replace('themes = ["fraud"]', 'themes = ["fraud"]\nfields = ["summary"]'))
    summary_only = classify({"title": "A plan", "summary": "The Economic Crime Plan."}, ruleset)
    assert summary_only.theme_ids == ["fraud"] and summary_only.evidence[0].kind == "subject"
    assert not classify({"title": "The Economic Crime Plan"}, ruleset).relevant


# --- classify_jsonl: fields of the wrong type ---------------------------------------------------------

@pytest.mark.parametrize(
    ("line", "error"),
    [
        ({"title": 42}, "field 'title' must be text, not a number"),
        ({"title": "Fraud", "summary": ["a"]}, "field 'summary' must be text, not a list"),
        ({"title": "Fraud", "organisation": {"name": "HO"}}, "field 'organisation' must be text, not an object"),
        ({"title": "Fraud", "kind": True}, "field 'kind' must be text, not true/false"),
        ({"id": [1], "title": "Fraud"}, "field 'id' must be text or a whole number, not a list"),
    ],
)
def test_classify_jsonl_names_a_field_of_the_wrong_type(line: dict, error: str) -> None:
    assert list(classify_jsonl([json.dumps(line)])) == [{"line": 1, "error": error}]


def test_classify_jsonl_accepts_null_fields_and_numeric_ids() -> None:
    [out] = classify_jsonl([json.dumps({"id": 7, "title": "Fraud Act 2006", "summary": None})])
    assert out["id"] == 7 and out["relevant"] and "error" not in out


def test_cli_classify_jsonl_exits_1_when_a_line_is_bad(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli
    good = json.dumps({"id": "a", "title": "The Proceeds of Crime Act 2002 (Amendment) Order"})
    path = tmp_path / "items.jsonl"
    path.write_text(good + "\n" + json.dumps({"id": "b", "title": 42}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["classify", "--jsonl", str(path)])
    assert result.exit_code == 1
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert lines[0]["id"] == "a" and lines[0]["relevant"]
    assert lines[1] == {"line": 2, "error": "field 'title' must be text, not a number"}
    assert "1 of 2 lines were bad" in result.stderr
    path.write_text(good + "\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["classify", "--jsonl", str(path)]).exit_code == 0


@pytest.mark.parametrize("text, themes", [
    # Written answer 1904711 (May 2026): HMRC's penalties for track-and-trace breaches are not SAMLA sanctions.
    ("In 2023, HMRC introduced a sanctions regime relating specifically to tobacco track and trace breaches.",
     set()),
    ("Breaches of the Russia financial sanctions regime are investigated by OFSI.", {"sanctions_evasion"}),
    ("The gang ran an excise fraud, smuggling illicit tobacco through Dover.", {"fraud"}),
])
def test_penalty_regimes_are_not_sanctions_and_duty_fraud_is_fraud(text: str, themes: set[str]) -> None:
    result = classify({"title": text, "summary": "", "body_text": "", "kind": "written_question"})
    assert {m.theme for m in result.themes} == themes
