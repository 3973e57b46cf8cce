"""Bill 2818 (recorded detail and stages) as the Bills API lists and serves it."""
from __future__ import annotations

import json

from .. import FIXTURES

BILLS = FIXTURES / "parliament-bills"
LIST = "/api/v1/Bills?SortOrder=DateUpdatedDescending&Skip=0&Take=25"
DETAIL = "/api/v1/Bills/2818"
STAGES = "/api/v1/Bills/2818/Stages?Skip=0&Take=100"
SUMMARY_KEYS = ("billId", "shortTitle", "formerShortTitle", "currentHouse", "originatingHouse", "lastUpdate",
                "billWithdrawn", "isDefeated", "billTypeId", "introducedSessionId", "includedSessionIds", "isAct",
                "currentStage")


def serve_bill(server, detail: dict | None = None) -> dict:
    detail = detail or json.loads((BILLS / "bill_2818_detail.json").read_text())
    page = {"items": [{k: detail[k] for k in SUMMARY_KEYS}], "totalResults": 1, "itemsPerPage": 25}
    server.add(LIST, json.dumps(page))
    server.add(DETAIL, json.dumps(detail))
    server.add_file(STAGES, BILLS / "bill_2818_stages.json")
    return detail
