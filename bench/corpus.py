"""Scaled corpora from the bundled snapshot: real payloads, parsed by the real parsers, cycled.

Item i of every corpus is base item `i % B` (B = the distinct items the snapshot's payloads parse to)
in replica `k = i // B`. Replica 0 is the real item unchanged; replica k > 0 gets a suffixed id
(`<id>-r<k>`), a lightly varied title (`... (No. k+1)`), its dates shifted by a fixed number of days
that depends on k only, and renumbered bill stage ids. A corpus of n items is therefore the first n
items of any larger one, and the same on every machine.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator

from scrapers.parsers import (committees, govuk, law_commission, legislation, parliament_bills,
                              sentencing_council)

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
SNAPSHOT = PROJECT / "snapshot"
CORPORA = BENCH / "corpora"
#: Bump when the corpus generation changes, so cached files are rebuilt.
CORPUS_VERSION = "v2"
DATE_FIELDS = ("published", "updated", "opens", "closes")
#: Replica k's dates move back by BACK + ((k * 37) % SPREAD) days: 1 to 7.6 years before the real item. Replicas are
#: the archive: none is dated in or near the briefing week (2026-W27; real items are dated up to 2026-09-21), so
#: the week's content is the same at every size and only the archive grows (v1 spread them over +-3.3 years,
#: which put a growing number of archive items in the week: 0 new at 2k, 157 at 200k).
SPREAD, BACK = 2400, 365


@dataclass(frozen=True)
class Payload:
    """One item's recorded response bodies and the parser that reads them."""

    source: str
    url: str
    kind: str  # which parser
    bodies: tuple[bytes, ...]


def _manifest(source: str) -> tuple[str, list[dict]]:
    manifest = json.loads((SNAPSHOT / source / "manifest.json").read_text(encoding="utf-8"))
    return manifest["base_url"], manifest["responses"]


def _body(source: str, file: str) -> bytes:
    return (SNAPSHOT / source / file).read_bytes()


def _paired(source: str, kind: str, detail: str, companion: str) -> list[Payload]:
    """Payloads of two bodies: each response whose path matches `detail` and the one at `companion`
    formatted with the matched id (a bill and its stages, a business and its committees)."""
    base, responses = _manifest(source)
    files = {e["path"]: e["file"] for e in responses}
    payloads = []
    for entry in responses:
        match = re.fullmatch(detail, entry["path"])
        if match:
            other = files[companion.format(match.group(1))]
            payloads.append(Payload(source, base + entry["path"], kind,
                                    (_body(source, entry["file"]), _body(source, other))))
    return payloads


def load_payloads() -> list[Payload]:
    """Every item-level payload in the snapshot, in a fixed order (one per distinct item id)."""
    payloads: list[Payload] = []
    payloads += _paired("parliament-bills", "bill", r"/api/v1/Bills/(\d+)", "/api/v1/Bills/{}/Stages?Skip=0&Take=100")
    base, responses = _manifest("govuk")
    payloads += [Payload("govuk", base + e["path"], "govuk", (_body("govuk", e["file"]),))
                 for e in responses if e["path"].startswith("/api/content/")]
    payloads += _paired("committees", "committees", r"/api/CommitteeBusiness/(\d+)",
                        "/api/Committees?CommitteeBusinessId={}")
    base, responses = _manifest("legislation")
    payloads += [Payload("legislation", base + e["path"], "legislation", (_body("legislation", e["file"]),))
                 for e in responses if e["path"].endswith("/data.xml")]
    base, responses = _manifest("law-commission")
    payloads += [Payload("law-commission", base + e["path"], "lawcom", (_body("law-commission", e["file"]),))
                 for e in responses if e["path"].startswith("/project/")]
    base, responses = _manifest("sentencing-council")
    payloads += [Payload("sentencing-council", base + e["path"], "sentencing", (_body("sentencing-council", e["file"]),))
                 for e in responses if e["path"].startswith("/publications/")]
    # One payload per item id (the legislation snapshot serves one SI under two paths).
    seen: set[str] = set()
    unique = []
    for payload in payloads:
        item_id = parse_payload(payload).id
        if item_id not in seen:
            seen.add(item_id)
            unique.append(payload)
    return unique


def _bill(p: Payload):
    return parliament_bills.parse_bill(json.loads(p.bodies[0]), json.loads(p.bodies[1]), None, p.url)


def _committees(p: Payload):
    owners = committees.parse_committees(json.loads(p.bodies[1]), p.url)
    return committees.parse_business(json.loads(p.bodies[0]), owners, p.url)


PARSERS: dict[str, Callable[[Payload], Any]] = {
    "bill": _bill,
    "govuk": lambda p: govuk.parse_content(json.loads(p.bodies[0]), p.url),
    "committees": _committees,
    "legislation": lambda p: legislation.parse_clml(p.bodies[0], p.url),
    "lawcom": lambda p: law_commission.parse_project_page(p.bodies[0], p.url),
    "sentencing": lambda p: sentencing_council.parse_consultation_page(p.bodies[0], p.url),
}


def parse_payload(payload: Payload):
    """The TrackedItem the real parser makes of a payload (decoding JSON included)."""
    return PARSERS[payload.kind](payload)


def shift_days(k: int) -> int:
    return 0 if k == 0 else -(BACK + (k * 37) % SPREAD)


def _shift(value: str | None, days: int) -> str | None:
    if not value or not days:
        return value
    if len(value) == 10:
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    return (datetime.fromisoformat(value) + timedelta(days=days)).isoformat()


def vary(item: dict[str, Any], k: int) -> dict[str, Any]:
    """Replica k of an item dict (asdict of a TrackedItem), changed in place and returned."""
    if k == 0:
        return item
    suffix = f"-r{k}"
    item["id"] += suffix
    item["title"] = f"{item['title']} (No. {k + 1})"
    days = shift_days(k)
    for field in DATE_FIELDS:
        item[field] = _shift(item.get(field), days)
    for stage in item.get("stages") or []:
        stage["bill_stage_id"] = stage["bill_stage_id"] + k * 10**10
        stage["sitting_dates"] = [_shift(d, days) for d in stage.get("sitting_dates") or []]
    for link in item.get("links") or []:
        link["to_id"] += suffix
    return item


def base_items(payloads: list[Payload] | None = None) -> list[dict[str, Any]]:
    """The parsed base items as dicts."""
    return [asdict(parse_payload(p)) for p in (payloads or load_payloads())]


def items(n: int, bases: list[dict[str, Any]] | None = None) -> Iterator[dict[str, Any]]:
    """The first n corpus items (fast: each base item is parsed once, then copied and varied)."""
    bases = bases or base_items()
    for i in range(n):
        k, b = divmod(i, len(bases))
        yield vary(copy.deepcopy(bases[b]), k)


@functools.cache
def snapshot_digest() -> str:
    """A short hash of the snapshot's manifests: a changed snapshot means a new corpus, not a stale cache."""
    digest = hashlib.sha256()
    for manifest in sorted(SNAPSHOT.glob("*/manifest.json")):
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:10]


def corpus_path(n: int) -> Path:
    return CORPORA / f"items-{CORPUS_VERSION}-{snapshot_digest()}-{n}.jsonl"


def ensure_corpus(n: int) -> tuple[Path, bool]:
    """The cached JSONL corpus of n items (one item dict per line), built if missing; (path, built)."""
    path = corpus_path(n)
    if path.exists():
        return path, False
    CORPORA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for item in items(n):
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
    tmp.replace(path)
    return path, True


def read_corpus(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)
