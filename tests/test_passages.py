"""The suggestion engine: passages of newer documents in an ask's reform thread, ranked against the ask.

Real text throughout: the CPS's written evidence FDF0004 (re-expressed Committees API payloads, see
tests/fixtures/committees/SOURCES.md) and the GOV.UK Fraud Strategy (tests/fixtures/govuk), with the demo's
own asks read from snapshot/register/fdf0004.json.
"""
from __future__ import annotations

import json

import pytest

from tracker.classify import passages
from tracker.store import reforms
from tracker.store.items import upsert_item

from .helpers import SNAPSHOT
from .helpers.loop import ANSWER, EVIDENCE_ID, NOW, fdf0004, fraud_strategy

SEED = json.loads((SNAPSHOT / "register" / "fdf0004.json").read_text(encoding="utf-8"))
STRATEGY = fraud_strategy()
ASK_PROSECUTE, ASK_VICTIMS = (ask["text"] for ask in SEED["asks"])


def strategy_passages() -> list[str]:
    return passages.split_passages("\n\n".join(filter(None, (STRATEGY.summary, STRATEGY.body_text))))


def test_split_passages_keeps_paragraphs_sentences_and_list_items_apart():
    split = passages.split_passages(fdf0004().body_text)
    assert "Decides which cases should be prosecuted" in split  # a bullet, its marker gone
    assert "The CPS makes decisions independently of the police and government." in split  # a sentence
    assert not any(p.startswith(("-", "1.", "3.")) for p in split)
    assert "INTRODUCTION" not in split  # a heading is not a passage
    assert passages.split_passages(None) == passages.split_passages("  \n ") == []


def test_each_govuk_bullet_is_a_passage_of_its_own():
    # The Fraud Strategy's four commitments are list items with no full stop: each is offered on its own, and the
    # lead-in that introduces them is a passage apart, not glued to the first bullet.
    split = strategy_passages()
    bullets = [p for p in STRATEGY.body_text.split("\n\n")][3:]
    assert len(bullets) == 4 and all(bullet in split for bullet in bullets)
    assert "To deliver a 10% cut in fraud on 2019 levels by December 2024, the government will:" in split
    assert not any(ANSWER in p and p != bullets[2] for p in split)


def test_query_terms_drop_stop_words_and_repeats():
    assert passages.query_terms("Support the victims of fraud, and support THEM") == ["support", "victims", "fraud"]


@pytest.mark.parametrize("hostile", ['NEAR("prosecution" AND OR * -fraud^', "prosecution\"); DROP TABLE asks; --",
                                     "  prosecution:*  "])
def test_ask_text_is_never_fts_syntax(hostile):
    # Only the ask's words reach the query, each quoted: operators and punctuation are ordinary text.
    [(best, _), *_] = passages.rank(hostile, strategy_passages())
    assert ANSWER in best
    assert passages.rank("the of and", strategy_passages()) == []  # nothing but stop words: nothing to ask


def test_the_real_answering_passage_ranks_first_for_the_demo_ask():
    ranked = passages.rank(ASK_PROSECUTE, strategy_passages())
    assert ANSWER in ranked[0][0]
    assert ranked[0][0] == SEED["asks"][0]["evidence_passage"]  # what the demo editor recorded as evidence
    assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)


def test_an_ask_nothing_answers_gets_no_passage():
    # The Fraud Strategy's held text says nothing of supporting victims; "fraud" alone is in every passage.
    assert passages.rank(ASK_VICTIMS, strategy_passages()) == []


# --- suggest(): thread, newer documents, idempotence, dismissals ---------------------------------------------

def setup_thread(database, *, submitted_on=None, outcome="pending") -> list[int]:
    upsert_item(database, fdf0004(), now=NOW)
    upsert_item(database, STRATEGY, now=NOW)
    database["links"].insert({"from_id": EVIDENCE_ID, "to_id": STRATEGY.id, "relation": "same_reform",
                              "method": "editor", "review_state": "confirmed", "created": NOW})
    reforms.recompute(database.conn)
    response_id = database["responses"].insert({
        "item_id": EVIDENCE_ID, "decision": "respond", "status": "submitted", "submitted_on": submitted_on,
        "created_by": "ed", "created_at": NOW, "updated_by": "ed", "updated_at": NOW}).last_pk
    return [database["asks"].insert({"response_id": response_id, "position": n, "text": text, "outcome": outcome,
                                     "created_by": "ed", "created_at": NOW, "updated_by": "ed",
                                     "updated_at": NOW}).last_pk
            for n, text in enumerate((ASK_PROSECUTE, ASK_VICTIMS), start=1)]


def suggestions(database) -> list[tuple]:
    return [tuple(r) for r in database.execute(
        "SELECT ask_id, item_id, rank, state FROM ask_suggestions ORDER BY ask_id, rank").fetchall()]


def test_suggests_the_newer_document_s_passages_for_pending_asks(database):
    prosecute, _victims = setup_thread(database)
    result = passages.suggest(database, now=NOW)
    assert (result.asks, result.documents) == (2, 1)
    rows = suggestions(database)
    assert rows[0] == (prosecute, STRATEGY.id, 1, "open")
    assert {r[0] for r in rows} == {prosecute}  # nothing offered for the victims ask
    assert result.added == len(rows) <= passages.PER_DOCUMENT
    first = database.execute("SELECT passage, created_at FROM ask_suggestions WHERE rank = 1").fetchone()
    assert ANSWER in first[0] and first[1] == NOW


def test_rerunning_adds_nothing(database):
    setup_thread(database)
    passages.suggest(database, now=NOW)
    before = suggestions(database)
    assert passages.suggest(database, now="2026-09-21T05:30:00+00:00").added == 0
    assert suggestions(database) == before


def test_a_dismissed_suggestion_never_comes_back(database):
    setup_thread(database)
    passages.suggest(database, now=NOW)
    database.execute("UPDATE ask_suggestions SET state = 'dismissed', decided_by = 'ed', decided_at = ? "
                     "WHERE rank = 1", [NOW])
    database.conn.commit()
    passages.suggest(database, now="2026-09-21T05:30:00+00:00")
    [(state, count)] = database.execute("SELECT state, count(*) FROM ask_suggestions WHERE passage LIKE ? "
                                        "GROUP BY state", [f"%{ANSWER}%"]).fetchall()
    assert (state, count) == ("dismissed", 1)


def test_a_passage_dismissed_before_the_text_was_re_split_does_not_come_back(database):
    # Until GOV.UK bodies kept their list items apart, the strategy's lead-in and four bullets were stored as one
    # run of text and offered as one passage; an editor who dismissed that passage has dismissed its bullets too.
    prosecute, _ = setup_thread(database)
    flat = " ".join(STRATEGY.body_text.split("\n\n")[2:])
    database["ask_suggestions"].insert({"ask_id": prosecute, "item_id": STRATEGY.id, "passage": flat, "rank": 1,
                                        "score": 1.5, "state": "dismissed", "decided_by": "ed", "decided_at": NOW,
                                        "created_at": NOW})
    passages.suggest(database, now=NOW)
    offered = [r[0] for r in database.execute("SELECT passage FROM ask_suggestions WHERE state = 'open'")]
    assert offered and not any(passages.folded(p) in passages.folded(flat) for p in offered)
    assert not any(ANSWER in p for p in offered)


def test_folding_ignores_only_case_spacing_and_punctuation():
    assert passages.folded("Said: the NCA ’s view ,\n\nsee  here.") == passages.folded("said the NCA’s view, see here")
    assert passages.folded("fraud offences") != passages.folded("fraud offence")


@pytest.mark.parametrize("submitted_on", ["2023-05-03", "2024-01-01"])
def test_only_documents_published_after_the_response_are_candidates(database, submitted_on):
    # The Fraud Strategy was published on 3 May 2023 (00:00 London): not after a response of that day or later.
    setup_thread(database, submitted_on=submitted_on)
    assert passages.suggest(database, now=NOW).added == 0
    assert suggestions(database) == []


def test_without_a_submitted_date_the_call_s_close_is_the_response_s_date(database):
    # FDF0004's call closed on 22 April 2022, so the Fraud Strategy (May 2023) is newer although the response
    # was logged in 2026; with the call's close removed, the logging date rules and nothing is newer.
    setup_thread(database)
    assert passages.suggest(database, now=NOW).added > 0
    database.execute("DELETE FROM ask_suggestions")
    database.execute("UPDATE items SET details = json_set(details, '$.call_closed', NULL) WHERE id = ?", [EVIDENCE_ID])
    database.conn.commit()
    assert passages.suggest(database, now=NOW).added == 0


def test_decided_asks_get_no_suggestions(database):
    setup_thread(database, outcome="adopted")
    assert passages.suggest(database, now=NOW).added == 0


def test_an_item_outside_any_thread_gets_nothing(database):
    setup_thread(database)
    database.execute("DELETE FROM links")
    database.conn.commit()
    reforms.recompute(database.conn)
    assert passages.suggest(database, now=NOW).added == 0


def test_the_classify_command_suggests_passages(database, db_path):
    from click.testing import CliRunner

    from tracker.cli import cli

    prosecute, _ = setup_thread(database)
    database.conn.commit()
    result = CliRunner().invoke(cli, ["classify", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    added = database.execute("SELECT count(*) FROM ask_suggestions WHERE ask_id = ?", [prosecute]).fetchone()[0]
    assert added > 0 and f"; {added} passages suggested for pending asks" in result.output


def test_the_scheduled_crawl_job_suggests_after_classifying(database, db_path, monkeypatch):
    from tracker import config as config_mod
    from tracker import crawl as crawl_mod
    from tracker import jobs

    prosecute, _ = setup_thread(database)
    database.conn.commit()
    monkeypatch.setattr(crawl_mod, "crawl", lambda *args, **kwargs: [])  # the documents are already stored
    jobs.crawl_and_classify(db_path, config_mod.Config())
    assert database.execute("SELECT count(*) FROM ask_suggestions WHERE ask_id = ?", [prosecute]).fetchone()[0] > 0
