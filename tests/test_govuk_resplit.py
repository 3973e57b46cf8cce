"""GOV.UK items stored before bodies kept their paragraphs get a new version on the next crawl: the text is the
same words, now in blocks. That version must stay quiet: no "moved" news, no alert, no "newly relevant".

Real items: the Fraud Strategy and the ransomware consultation's outcome (tests/fixtures/govuk). Their bodies hold
no inline markup, so the text the earlier parser stored is exactly the new text with its whitespace collapsed.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from scrapers.parsers import govuk
from tracker.alerts import changes
from tracker.briefing.build import build_briefing
from tracker.classify import tagging
from tracker.store.items import upsert_item
from tracker.web import dossier

from .helpers import FIXTURES
from .helpers.briefing import UTC, WEEK, at
from .helpers.loop import fraud_strategy


def ransomware_outcome():
    payload = json.loads((FIXTURES / "govuk" / "content__ransomware-proposals-to-increase-incident-reporting-and-"
                          "reduce-payments-to-criminals.json").read_text(encoding="utf-8"))
    return govuk.parse_content(payload, "u")


def flattened(item):
    """The item as the earlier parser stored it: every text field's whitespace collapsed to single spaces."""
    details = json.loads(json.dumps(item.details))
    for part in ("outcome", "public_feedback"):
        if details.get(part, {}).get("detail_text"):
            details[part]["detail_text"] = " ".join(details[part]["detail_text"].split())
    return replace(item, body_text=" ".join(item.body_text.split()), details=details)


def test_re_split_body_is_a_quiet_new_version(database):
    items = [fraud_strategy(), ransomware_outcome()]
    assert all("\n\n" in item.body_text for item in items)
    for item in items:
        upsert_item(database, flattened(item), now=at(1))
    tagging.classify_stored(database, now=at(1))
    before = {r["item_id"]: (r["relevant"], r["themes"]) for r in database.query(
        "SELECT item_id, relevant, themes FROM classifications")}
    for item in items:
        upsert_item(database, item, now=at(18))  # the week's crawl, under the new parser
    tagging.classify_stored(database, now=at(18))

    versions = {r["item_id"]: json.loads(r["changed_fields"]) for r in database.query(
        "SELECT item_id, changed_fields FROM item_versions")}
    assert versions == {items[0].id: ["body_text"], items[1].id: ["body_text"]}  # the outcome is one paragraph
    after = {r["item_id"]: (r["relevant"], r["themes"]) for r in database.query(
        "SELECT item_id, relevant, themes FROM classifications")}
    assert after == before and any(relevant for relevant, _ in after.values())

    briefing = build_briefing(database, WEEK, None, "")
    assert (briefing.moved, briefing.newly_relevant) == ((), ())
    assert changes.collect(database, datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)) == []
    # The reform page's history says what happened rather than showing two clipped texts that read the same.
    [version] = dossier.load(database.conn, items[0].id, include_responses=False)["versions"]
    assert version["changes"] == ["Text: the same words, laid out differently"]
    assert dossier.change_in_words("body_text", "a b", "a c") == "Text: a b -> a c"
