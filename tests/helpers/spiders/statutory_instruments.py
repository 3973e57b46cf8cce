"""The two re-expressed instruments as the Statutory Instruments API lists and serves them, with the What's On
answers and business items the spider asks for next (their values constructed here, and named so)."""
from __future__ import annotations

import json

from .. import FIXTURES

SIS = FIXTURES / "statutory-instruments"
LIST = "/api/v2/StatutoryInstrument?Skip=0&Take=20"
LIST_2 = "/api/v2/StatutoryInstrument?Skip=20&Take=20"


def detail_path(instrument_id: str) -> str:
    return f"/api/v2/StatutoryInstrument/{instrument_id}"


def annulment_path(laid: str, days: int = 40) -> str:
    return (f"/calendar/proceduraldates/annulmentdate/forDate.json?dateLaid={laid}&daysInFuture={days}"
            f"&isTreaty=false")


def load(name: str) -> dict:
    return json.loads((SIS / name).read_text())


def with_ids(payload: dict, instrument_id: str, procedure: str | None = None) -> dict:
    """A fixture with an API id (and a procedure) filled in: the fixtures keep unknown ids null, but the
    detail, business items and What's On requests of a live record go by id. Test values, not facts."""
    value = {**payload["value"], "id": instrument_id}
    if procedure:
        value["procedure"] = {"id": "tst00001", "name": procedure}
    return {**payload, "value": value}


def serve(server, details: list[dict] | None = None, total: int | None = None) -> list[dict]:
    """Serve one listing page of `details` (default: S.I. 2021/558 as a negative instrument, id tstSI558, and
    S.I. 2017/1325 as made, id tstSI1325), their details, empty business items, and a constructed period end."""
    details = details or [with_ids(load("si_2021_558_detail.json"), "tstSI558", "Negative"),
                          with_ids(load("si_2017_1325_detail.json"), "tstSI1325")]
    summary_keys = ("id", "name", "paperPrefix", "paperNumber", "paperYear", "procedure", "paperMadeDate",
                    "commonsLayingDate", "lordsLayingDate", "workpackageId")
    page = {"items": [{"value": {k: d["value"].get(k) for k in summary_keys}, "links": []} for d in details],
            "totalResults": total or len(details), "itemsPerPage": 20, "links": []}
    server.add(LIST, json.dumps(page))
    for detail in details:
        path = detail_path(detail["value"]["id"])
        server.add(path, json.dumps(detail))
        server.add(path + "/BusinessItems", "[]")
    # Constructed: 40 days after 10 May 2021 would be 19 June; the test value stands for What's On's answer.
    server.add(annulment_path("2021-05-10"), json.dumps("2021-06-28T00:00:00"))
    return details
