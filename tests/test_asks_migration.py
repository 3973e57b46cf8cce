"""Migration 0014 splits the register's old free-text asks into rows, one per bullet or line, losing nothing."""
from __future__ import annotations

import re

import pytest

from tracker.store import db as db_module
from tracker.store.migrations import split_key_asks

OLD_ASKS = {
    1: "- Keep the identification doctrine reform for all offences\n"
       "- Extend failure to prevent fraud to\n  small organisations\n* Fund the SFO's disclosure work",
    2: "Our asks:\n1. A statutory definition of 'relevant person'\n2) Commencement by April 2027",
    3: "Make the Crown Court the default venue\nPublish the impact assessment",
    4: "",
    5: "One ask with no bullet, in one line; semicolons do not split it",
}


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z']+", text)


@pytest.mark.parametrize(("text", "expected"), [
    (OLD_ASKS[1], ["Keep the identification doctrine reform for all offences",
                   "Extend failure to prevent fraud to small organisations", "Fund the SFO's disclosure work"]),
    (OLD_ASKS[2], ["Our asks:", "A statutory definition of 'relevant person'", "Commencement by April 2027"]),
    (OLD_ASKS[3], ["Make the Crown Court the default venue", "Publish the impact assessment"]),
    ("(a) first\n(b) second\n• third", ["first", "second", "third"]),
    ("   \n\n", []),
    (OLD_ASKS[5], [OLD_ASKS[5]]),
])
def test_split_key_asks(text, expected):
    assert split_key_asks(text) == expected


def test_migration_makes_one_row_per_ask_and_keeps_the_old_text(tmp_path):
    database = db_module.connect(tmp_path / "old.db", migrate=False)
    db_module.migrations.apply(database, stop_before="0014_asks")
    for response_id, text in OLD_ASKS.items():
        database.execute(
            "INSERT INTO responses (id, item_id, decision, status, key_asks, created_by, created_at, updated_by, "
            "updated_at) VALUES (?, 'govuk:x', 'respond', 'planned', ?, 'ana', '2026-01-0' || ?, 'ana', 'z')",
            [response_id, text, response_id])
    database.conn.commit()
    db_module.migrations.apply(database)
    rows = database.execute("SELECT response_id, position, text, outcome, created_by, created_at FROM asks "
                            "ORDER BY response_id, position").fetchall()
    by_response: dict[int, list[str]] = {}
    for response_id, position, text, outcome, created_by, created_at in rows:
        assert position == len(by_response.setdefault(response_id, [])) + 1
        assert (outcome, created_by, created_at) == ("pending", "ana", f"2026-01-0{response_id}")
        by_response[response_id].append(text)
    assert [len(by_response.get(i, [])) for i in sorted(OLD_ASKS)] == [3, 3, 2, 0, 1]
    for response_id, text in OLD_ASKS.items():
        # Nothing lost: every word typed is in the asks, in order (only the bullets and numbers go).
        kept = _words(" ".join(by_response.get(response_id, [])))
        assert kept == [w for w in _words(text) if not re.fullmatch(r"[a-z]", w)]
    kept_text = dict(database.execute("SELECT id, key_asks FROM responses").fetchall())
    assert kept_text == OLD_ASKS
    database.close()
