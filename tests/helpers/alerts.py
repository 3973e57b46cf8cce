"""Bill 2818 before and after its 2nd reading, for the alerts tests, and a config with people and a team.

The recorded detail (tests/fixtures/parliament-bills/bill_2818_detail.json) shows the bill at its 2nd reading.
The bill "before" is the same record as the API showed it after its 1st reading: its current stage and stage
list cut to the recorded 1st reading (bill_2818_stages.json, sitting 2021-01-12) and lastUpdate that sitting's
date. Nothing else is changed and no date is invented.
"""
from __future__ import annotations

import copy
import json

from .spiders.parliament_bills import BILLS, DETAIL, LIST, STAGES, SUMMARY_KEYS

TITLE = "Abolition of Business Rates Bill"


def detail_after() -> dict:
    return json.loads((BILLS / "bill_2818_detail.json").read_text())


def stages_after() -> dict:
    return json.loads((BILLS / "bill_2818_stages.json").read_text())


def detail_before() -> dict:
    detail = detail_after()
    first = stages_after()["items"][0]
    detail["currentStage"] = {k: first[k] for k in detail["currentStage"]}
    detail["lastUpdate"] = first["stageSittings"][0]["date"]
    return detail


def stages_before() -> dict:
    stages = stages_after()
    stages["items"], stages["totalResults"] = stages["items"][:1], 1
    return stages


def serve_bill_state(server, before: bool) -> None:
    """Serve bill 2818 as the Bills API did before (1st reading) or after (2nd reading) its 2nd reading."""
    detail = detail_before() if before else detail_after()
    stages = stages_before() if before else stages_after()
    page = {"items": [{k: detail[k] for k in SUMMARY_KEYS}], "totalResults": 1, "itemsPerPage": 25}
    server.add(LIST, json.dumps(page))
    server.add(DETAIL, json.dumps(detail))
    server.add(STAGES, json.dumps(stages))


def bill_item(before: bool):
    """Bill 2818 parsed, as the pipeline stores it."""
    from scrapers.parsers.parliament_bills import parse_bill
    detail = detail_before() if before else detail_after()
    return parse_bill(copy.deepcopy(detail), stages_before() if before else stages_after(), None,
                      "https://bills-api.parliament.uk/api/v1/Bills/2818")


CONFIG = """
[users.alice]
role = "reader"
email = "alice@example.org"

[users.edna]
role = "editor"
email = "edna@example.org"

[users.rufus]
role = "reader"
email = "rufus-refuse@example.org"

[teams.fraud]
themes = ["fraud"]
members = ["alice"]
email = "fraud-team@example.org"
"""
