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


AMENDMENTS = BILLS / "bill-3786-stage-20099-amendments.items.json"


def amendments_path(stage_id: int, skip: int = 0, bill_id: int = 2818) -> str:
    return f"/api/v1/Bills/{bill_id}/Stages/{stage_id}/Amendments?Skip={skip}&Take=100"


def recorded_amendments(bill_id: int = 2818, stage_id: int = 12655) -> list[dict]:
    """The 6 recorded amendments of bill 3786's stage 20099, re-homed on the bill and stage a test serves (bill 2818
    has no recorded amendments): only `billId` and `billStageId` change."""
    items = json.loads(AMENDMENTS.read_text())
    return [{**item, "billId": bill_id, "billStageId": stage_id} for item in items]


def detail_path(amendment_id: int, stage_id: int = 12655, bill_id: int = 2818) -> str:
    return f"/api/v1/Bills/{bill_id}/Stages/{stage_id}/Amendments/{amendment_id}"


def amendment_detail(item: dict, explanatory_text: str | None = None) -> dict:
    """An `AmendmentDetail` record (the API's schema) for a listed amendment: its listed values, without the
    listing-only `summaryText`; the detail-only fields null (no recorded detail record was found), or the
    explanatory text a test gives (test data, not Parliament's)."""
    detail = {key: value for key, value in item.items() if key != "summaryText"}
    return {**detail, "amendmentLines": [], "explanatoryTextPrefix": None, "explanatoryText": explanatory_text,
            "amendmentNote": None, "amendmentLocation": None, "mainHeader": None}


def serve_amendments(server, items: list[dict], stage_id: int = 12655, per_page: int | None = None) -> None:
    """Serve `items` as the stage's amendments, `per_page` to a page (all on one page by default), and each one's
    detail record."""
    per_page = per_page or max(len(items), 1)
    for skip in range(0, max(len(items), 1), per_page):
        page = {"items": items[skip:skip + per_page], "totalResults": len(items), "itemsPerPage": 100}
        server.add(amendments_path(stage_id, skip), json.dumps(page))
    for item in items:
        server.add(detail_path(item["amendmentId"], stage_id), json.dumps(amendment_detail(item)))
