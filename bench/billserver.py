"""A local Bills API (127.0.0.1) serving N synthetic bills made from the snapshot's real bill payloads.

Bill j (0 <= j < N) is real bill `j % 7` of snapshot/parliament-bills with billId 100000 + j, a varied
short title, renumbered stage ids, and lastUpdate T0 - j minutes, so the list (newest first) is bill
0, 1, 2, ... `change(every)` makes every `every`-th bill newer than all others with a different
current stage, as a source does when some bills move. Served by the tests' LocalServer
(tests/helpers/http.py), which logs every request path.
"""
from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.helpers.http import LocalServer, Route

from .corpus import SNAPSHOT, _manifest

T0 = datetime(2026, 6, 1, 12, 0, 0)
FIRST_ID = 100_000
SUMMARY_KEYS = ("billId", "shortTitle", "formerShortTitle", "currentHouse", "originatingHouse", "lastUpdate",
                "billWithdrawn", "isDefeated", "billTypeId", "introducedSessionId", "includedSessionIds", "isAct",
                "currentStage")


def real_bills() -> list[tuple[dict, dict]]:
    """(detail, stages) of each real bill in the snapshot, in manifest order."""
    _, responses = _manifest("parliament-bills")
    files = {e["path"]: e["file"] for e in responses}
    bills = []
    for entry in responses:
        match = re.fullmatch(r"/api/v1/Bills/(\d+)", entry["path"])
        if match:
            stages = files[f"/api/v1/Bills/{match.group(1)}/Stages?Skip=0&Take=100"]
            bills.append((json.loads((SNAPSHOT / "parliament-bills" / entry["file"]).read_bytes()),
                          json.loads((SNAPSHOT / "parliament-bills" / stages).read_bytes())))
    return bills


class BillsApi:
    """The synthetic bill list, details and stages."""

    def __init__(self, n: int):
        self.n = n
        self.bases = real_bills()
        self.changed: set[int] = set()
        self._order = list(range(n))

    def _stamp(self, j: int) -> str:
        moment = T0 + timedelta(seconds=j + 1) if j in self.changed else T0 - timedelta(minutes=j)
        return moment.strftime("%Y-%m-%dT%H:%M:%S")

    def detail(self, j: int) -> dict:
        base, _ = self.bases[j % len(self.bases)]
        detail = copy.deepcopy(base)
        detail["billId"] = FIRST_ID + j
        detail["shortTitle"] = f"{base['shortTitle']} (No. {j // len(self.bases) + 1})"
        detail["lastUpdate"] = self._stamp(j)
        if j in self.changed:
            stage = dict(detail.get("currentStage") or {})
            stage["description"] = "Report stage" if stage.get("description") != "Report stage" else "3rd reading"
            stage["house"] = "Lords"
            detail["currentStage"] = stage
        return detail

    def stages(self, j: int) -> dict:
        _, base = self.bases[j % len(self.bases)]
        stages = copy.deepcopy(base)
        for index, item in enumerate(stages.get("items") or []):
            item["id"] = (FIRST_ID + j) * 100 + index
            item["billId"] = FIRST_ID + j
        return stages

    def change(self, every: int) -> list[int]:
        """Move every `every`-th bill (1% for every=100): newer lastUpdate and another current stage."""
        self.changed = set(range(0, self.n, every))
        self._order = sorted(self.changed, reverse=True) + [j for j in range(self.n) if j not in self.changed]
        return sorted(self.changed)

    def page(self, skip: int, take: int) -> dict:
        items = []
        for j in self._order[skip:skip + take]:
            detail = self.detail(j)
            items.append({key: detail.get(key) for key in SUMMARY_KEYS})
        return {"items": items, "totalResults": self.n, "itemsPerPage": take}

    def answer(self, path: str) -> tuple[int, bytes]:
        parts = urlsplit(path)
        if parts.path == "/api/v1/Bills":
            query = parse_qs(parts.query)
            return 200, json.dumps(self.page(int(query["Skip"][0]), int(query["Take"][0]))).encode()
        match = re.fullmatch(r"/api/v1/Bills/(\d+)(/Stages)?", parts.path)
        if match:
            j = int(match.group(1)) - FIRST_ID
            if 0 <= j < self.n:
                return 200, json.dumps(self.stages(j) if match.group(2) else self.detail(j)).encode()
        return 404, b"not found"  # publications: none recorded for these bills, as in the snapshot


class BillsServer(LocalServer):
    """The tests' LocalServer (HTTP/1.1 keep-alive, every request path logged) answering from `api`."""

    def __init__(self, n: int):
        self.api = BillsApi(n)
        super().__init__(fallback=self._answer, keep_alive=True)

    def _answer(self, path: str) -> Route:
        status, body = self.api.answer(path)
        return Route(body=body, status=status, content_type="application/json" if status == 200 else "text/plain")
