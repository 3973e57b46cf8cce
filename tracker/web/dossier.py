"""Gather one reform's dossier: the item, its linked items across sources on a timeline, tags, responses,
and version history. Pure reads over a sqlite3 connection."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any

from tracker.contract import consultation_state, deadline_passed, is_overdue
from tracker.store import asks as store_asks
from tracker.store import reforms
from tracker.web import bill_detail, cells, commitments

TIMELINE_LIMIT = 200


def _rows(conn: sqlite3.Connection, sql: str, params: list) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load(conn: sqlite3.Connection, item_id: str, include_responses: bool,
         now: datetime | None = None, staff: bool = True, include_commitments: bool = False) -> dict[str, Any] | None:
    """Everything the dossier page shows, or None if the item does not exist. Without `staff` (an anonymous
    reader), staff work is left out: triage, reviewer names, review notes and reasons (the decisions stay).
    The government's commitments on the reform (editors' decisions on public quotes) only with
    `include_commitments`, for those who may read the commitments table."""
    found = _rows(conn, "SELECT * FROM items WHERE id = ?", [item_id])
    if not found:
        return None
    item = found[0]
    item["details"] = json.loads(item.get("details") or "{}")
    # The status is as of the last crawl; a deadline that has passed since then is said plainly.
    now = now or datetime.now(timezone.utc)
    item["deadline_passed"] = deadline_passed(item.get("closes"), now)
    item["state"] = consultation_state(item["kind"], item.get("status"), item.get("closes"), now)
    item["overdue"] = is_overdue(item["kind"], item.get("status"), item.get("closes"), now)
    links = _links(conn, item_id)
    versions = _versions(conn, item_id, item)
    tags = _rows(conn, """
        SELECT ip.id, ip.priority_id, p.name AS priority_name, ip.score, ip.evidence, ip.method, ip.review_state,
               ip.reviewer, ip.reviewed_at, ip.review_note
        FROM item_priorities ip LEFT JOIN priorities p ON p.id = ip.priority_id
        WHERE ip.item_id = ? ORDER BY ip.review_state = 'rejected', ip.score DESC""", [item_id])
    for tag in tags:
        seen, unique = set(), []
        for entry in json.loads(tag["evidence"] or "[]"):
            key = (entry.get("phrase"), entry.get("field"))
            if key not in seen:
                seen.add(key)
                unique.append(entry)
        tag["evidence"] = unique
    stages = _rows(conn, "SELECT stage, house, first_sitting, last_sitting, sort_order FROM bill_stages "
                         "WHERE item_id = ? ORDER BY sort_order", [item_id])
    responses = []
    if include_responses:
        responses = register_entries(conn, item_id)
    triage = _rows(conn, "SELECT state, note, updated_by, updated_at FROM triage WHERE item_id = ?", [item_id])
    # Reviewers' relevance decisions, newest first: the first one is in force (a "relevant" of None hands the
    # item back to its tags).
    decisions = _rows(conn, "SELECT relevant, reason, reviewer, at FROM relevance_overrides WHERE item_id = ? "
                            "ORDER BY at DESC, id DESC", [item_id])
    if not staff:
        triage = []
        for row in tags + links:
            row.update({key: None for key in ("reviewer", "reviewed_at", "review_note") if key in row})
        for tag in tags:
            tag["evidence"] = [e for e in tag["evidence"] if e.get("kind") != "reviewer"]
        for decision in decisions:
            decision.update(reason=None, reviewer=None, at=None)
    # Every theme a reviewer may add, in the taxonomy's order, themes before cross-cutting priorities.
    choices: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(conn, "SELECT id, name, grouping FROM priorities ORDER BY grouping != 'theme', rowid", []):
        choices.setdefault(row["grouping"], []).append(row)
    relevance = {"relevant": bool(item.get("relevant")), "decision": decisions[0] if decisions else None,
                 "history": decisions, "theme_choices": list(choices.items())}
    bill = bill_detail.load(conn, item)
    lead, members = reforms.members(conn, item_id)
    if len(members) > 1:
        # The reform's page: one timeline across every item of the thread, each event naming its item.
        events, gaps = [], []
        for member in members:
            own = member["id"] == item_id
            member_stages = stages if own else _stages(conn, member["id"])
            member_versions = versions if own else _versions(conn, member["id"])
            events += [{**e, "ref": e["ref"] or (None if own else member["id"])}
                       for e in timeline(member, [], member_versions, member_stages)]
            gaps += [f"{member['title']}: {gap}" for gap in stage_gaps(member_stages)]
        events.sort(key=lambda e: e["date"])
        reform = {"lead": lead, "title": members[0]["title"], "items": [
            {"id": m["id"], "title": m["title"], "kind": m["kind"], "published": m["published"]} for m in members]}
        return {"item": item, "links": links, "versions": versions, "tags": tags, "stages": stages,
                "responses": responses, "triage": triage[0] if triage else None, "reform": reform,
                "relevance": relevance, "timeline": events[:TIMELINE_LIMIT], "gaps": gaps, "bill": bill,
                "commitments": commitments.of_reform(conn, [m["id"] for m in members]) if include_commitments
                else None}
    return {"item": item, "links": links, "versions": versions, "tags": tags, "stages": stages,
            "responses": responses, "triage": triage[0] if triage else None, "reform": None,
            "relevance": relevance, "timeline": timeline(item, links, versions, stages), "gaps": stage_gaps(stages),
            "bill": bill, "commitments": commitments.of_reform(conn, [item_id]) if include_commitments else None}


def _stages(conn: sqlite3.Connection, item_id: str) -> list[dict[str, Any]]:
    return _rows(conn, "SELECT stage, house, first_sitting, last_sitting, sort_order FROM bill_stages "
                       "WHERE item_id = ? ORDER BY sort_order", [item_id])


def _versions(conn: sqlite3.Connection, item_id: str, current: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The item's earlier versions, newest first, each with what changed in words ("Closing date: 7 Sep 2026,
    17:00 -> 21 Sep 2026, 16:00"), the after-value being the next version's or the current item's."""
    versions = _rows(conn, "SELECT version, valid_from, valid_to, changed_fields, data FROM item_versions "
                           "WHERE item_id = ? ORDER BY version DESC", [item_id])
    if current is None:
        found = _rows(conn, "SELECT * FROM items WHERE id = ?", [item_id])
        current = found[0] if found else {}
    after = current
    for version in versions:
        version["changed_fields"] = json.loads(version["changed_fields"])
        old = json.loads(version.pop("data"))
        version["old_values"] = {f: _short(old.get(f)) for f in version["changed_fields"]}
        version["changes"] = [change_in_words(f, old.get(f), after.get(f)) for f in version["changed_fields"]]
        after = old
    return versions


FIELD_NAMES = {"status": "Status", "closes": "Closing date", "opens": "Opening date", "published": "Published",
               "updated": "Updated at the source", "title": "Title", "summary": "Summary", "body_text": "Text",
               "organisation": "Organisation", "url": "Address", "details": "Details", "stages": "Stages",
               "kind": "Kind", "source": "Source"}


def value_in_words(field: str, value: Any) -> str:
    """A stored value as a person reads it: dates in London time, text clipped, nothing as 'none'."""
    if value in (None, "", [], {}):
        return "none"
    if field in ("closes", "opens", "published", "updated") and isinstance(value, str):
        return cells.when(value) or value
    if field == "stages":
        stages = json.loads(value) if isinstance(value, str) else value
        return f"{len(stages)} stages recorded" if isinstance(stages, list) else _short(value, 80)
    return _short(value, 120)


def change_in_words(field: str, before: Any, after: Any) -> str:
    """'Closing date: 7 Sep 2026, 17:00 -> 21 Sep 2026, 16:00'; for details, which keys changed."""
    name = FIELD_NAMES.get(field, field.replace("_", " ").capitalize())
    if field == "details":
        old = json.loads(before) if isinstance(before, str) else (before or {})
        new = json.loads(after) if isinstance(after, str) else (after or {})
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k)) if isinstance(old, dict) \
            and isinstance(new, dict) else []
        return f"{name}: {', '.join(k.replace('_', ' ') for k in keys) or 'changed'} changed"
    if isinstance(before, str) and isinstance(after, str) and before.split() == after.split():
        # Clipped before and after would read the same (GOV.UK bodies re-split into paragraphs, for one).
        return f"{name}: the same words, laid out differently"
    return f"{name}: {value_in_words(field, before)} -> {value_in_words(field, after)}"


#: The stages every bill passes in each House, in order (other stage names, such as programme motions or
#: consideration of amendments, are neither expected nor counted).
_STANDARD_STAGES = ("1st reading", "2nd reading", "committee", "report", "3rd reading")


def _stage_index(name: str) -> int | None:
    lowered = (name or "").lower()
    return next((i for i, stage in enumerate(_STANDARD_STAGES) if stage in lowered), None)


def stage_gaps(stages: list[dict[str, Any]]) -> list[str]:
    """Where a bill's recorded stages skip standard ones: 'stages not recorded between Commons: 3rd reading
    (25 Jan 2023) and Lords: 3rd reading (4 Jul 2023)'."""
    def label(stage: dict[str, Any]) -> str:
        house = stage.get("house")
        name = f"{house}: {stage['stage']}" if house and house not in ("Unassigned", "Both") else stage["stage"]
        sitting = stage.get("first_sitting")
        return f"{name} ({cells.when(sitting) or sitting})" if sitting else name

    gaps, previous = [], None
    for stage in stages:
        index = _stage_index(stage["stage"])
        is_assent = "royal assent" in (stage["stage"] or "").lower()
        if index is None and not is_assent:
            continue
        if previous is not None:
            prev_index = _stage_index(previous["stage"])
            if is_assent:
                missing = prev_index is not None and prev_index < len(_STANDARD_STAGES) - 1
            elif stage.get("house") == previous.get("house"):
                missing = prev_index is not None and index > prev_index + 1
            else:  # into the second House: the first finished, the second starts at its 1st or 2nd reading
                missing = (prev_index is not None and prev_index < len(_STANDARD_STAGES) - 1) or index > 1
            if missing:
                gaps.append(f"stages not recorded between {label(previous)} and {label(stage)}")
        previous = stage
    return gaps


def _links(conn: sqlite3.Connection, item_id: str) -> list[dict[str, Any]]:
    return _rows(conn, """
        SELECT l.id, l.relation, l.evidence, l.method, l.review_state, l.reviewer,
               CASE WHEN l.from_id = ? THEN 'out' ELSE 'in' END AS direction,
               other.id AS other_id, other.title AS other_title, other.kind AS other_kind,
               other.status AS other_status, other.published AS other_published, other.source AS other_source,
               CASE WHEN l.from_id = ? THEN l.to_id ELSE l.from_id END AS other_ref
        FROM links l
        LEFT JOIN items other ON other.id = CASE WHEN l.from_id = ? THEN l.to_id ELSE l.from_id END
        WHERE l.from_id = ? OR l.to_id = ?
        ORDER BY l.review_state = 'rejected', other.published""", [item_id] * 5)


def _short(value: Any, limit: int = 300) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def timeline(item: dict, links: list[dict], versions: list[dict], stages: list[dict]) -> list[dict[str, Any]]:
    """Dated events across the reform: this item's dates, stage sittings, status changes and linked items."""
    events: list[dict[str, Any]] = []

    def add(when: str | None, label: str, ref: str | None = None) -> None:
        if when:
            events.append({"date": when[:10], "label": label, "ref": ref})

    add(item.get("published"), f"{item['kind'].replace('_', ' ').capitalize()} published: {item['title']}")
    add(item.get("opens"), "Opens for responses")
    add(item.get("closes"), "Closes for responses")
    for stage in stages:
        house = stage.get("house")
        add(stage.get("first_sitting"),
            f"{house}: {stage['stage']}" if house and house not in ("Unassigned", "Both") else stage["stage"])
    for version in versions:
        if "status" in version["changed_fields"]:
            add(version["valid_to"], version["changes"][version["changed_fields"].index("status")])
        if "closes" in version["changed_fields"]:
            add(version["valid_to"], version["changes"][version["changed_fields"].index("closes")])
    for link in links:
        if link["review_state"] == "rejected":
            continue
        relation = link["relation"].replace("_", " ")
        title = link["other_title"] or link["other_ref"]
        label = f"{relation}: {title}" if link["direction"] == "out" else f"{title} ({relation} this)"
        add(link["other_published"], label, link["other_id"])
    events.sort(key=lambda e: e["date"])
    return events[:TIMELINE_LIMIT]


#: Blank ask rows a response form offers below the asks it has (more after saving).
BLANK_ASK_ROWS = 3


def register_entries(conn: sqlite3.Connection, item_id: str) -> list[dict[str, Any]]:
    """The responses on this item and the rest of its reform thread, newest first, each with its asks (their
    outcomes, evidence and open suggestions), its history from the audit log and its form's values. Editors
    only: the caller decides."""
    _lead, members = reforms.members(conn, item_id)
    ids = [member["id"] for member in members] or [item_id]
    titles = {member["id"]: member["title"] for member in members}
    marks = ", ".join("?" for _ in ids)
    responses = _rows(conn, f"SELECT * FROM responses WHERE item_id IN ({marks}) "
                            "ORDER BY withdrawn_at IS NOT NULL, updated_at DESC, id DESC", ids)
    for response in responses:
        response["item_title"] = titles.get(response["item_id"], response["item_id"])
        response["asks"] = _rows(conn, """
            SELECT a.*, p.name AS theme_name, e.title AS evidence_title FROM asks a
            LEFT JOIN priorities p ON p.id = a.theme LEFT JOIN items e ON e.id = a.evidence_item_id
            WHERE a.response_id = ? ORDER BY a.position, a.id""", [response["id"]])
        for ask in response["asks"]:
            ask["suggestions"] = _rows(conn, """
                SELECT s.*, i.title AS item_title FROM ask_suggestions s LEFT JOIN items i ON i.id = s.item_id
                WHERE s.ask_id = ? AND s.state = 'open' ORDER BY s.rank, s.score DESC, s.id""", [ask["id"]])
        response["history"] = [describe_change(entry) for entry in store_asks.history(conn, response["id"])]
        response["form"] = form_values(response, response["asks"])
    return responses


def form_values(response: dict[str, Any], asks: list[dict[str, Any]]) -> dict[str, Any]:
    """A response's edit form filled in: its fields and its asks as rows ask-1-..., ask-2-..."""
    values = {key: response.get(key) or "" for key in (
        "item_id", "decision", "status", "owner_team", "internal_deadline", "submitted_on", "position_summary",
        "key_asks", "document_url")}
    values["response_id"] = str(response["id"])
    for row, ask in enumerate(asks, start=1):
        values.update({f"ask-{row}-id": str(ask["id"]), f"ask-{row}-position": str(row),
                       f"ask-{row}-text": ask["text"], f"ask-{row}-theme": ask["theme"] or "",
                       f"ask-{row}-target": ask["target"], f"ask-{row}-priority": ask["priority"]})
    return values


def ask_rows(values: dict[str, Any]) -> list[int]:
    """The ask rows a form shows: those its values hold, then BLANK_ASK_ROWS empty ones."""
    held = sorted({int(key.split("-")[1]) for key in values if key.startswith("ask-") and key.count("-") == 2
                   and key.split("-")[1].isdigit()})
    last = held[-1] if held else 0
    return held + list(range(last + 1, last + 1 + BLANK_ASK_ROWS))


_ACTIONS = {("responses", "insert"): "logged the response", ("responses", "update"): "edited the response",
            ("responses", "withdraw"): "withdrew the response", ("asks", "insert"): "added an ask",
            ("asks", "update"): "edited an ask", ("asks", "delete"): "removed an ask",
            ("asks", "outcome"): "set an outcome", ("asks", "accept suggestion"): "accepted a suggested passage"}
_SHOWN = ("decision", "status", "owner_team", "internal_deadline", "submitted_on", "position_summary", "key_asks",
          "document_url", "withdrawal_reason", "position", "text", "theme", "target", "priority", "outcome",
          "evidence_item_id", "evidence_passage", "outcome_note")


def describe_change(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit entry in words: who, when, what, and each field's before -> after."""
    before = json.loads(entry["before"] or "null") or {}
    after = json.loads(entry["after"] or "null") or {}
    changes = []
    for key in _SHOWN:
        if key in after and before.get(key) != after.get(key) and (before or after.get(key)):
            label = key.replace("_", " ")
            changes.append(f"{label}: {_short(before.get(key), 80) or 'none'} -> {_short(after.get(key), 80) or 'none'}"
                           if before else f"{label}: {_short(after.get(key), 80)}")
    if not after and before.get("text"):
        changes.append(f"was: {_short(before['text'], 120)}")
    return {"at": entry["at"], "actor": entry["actor"],
            "action": _ACTIONS.get((entry["table_name"], entry["action"]), entry["action"]),
            "ask": entry["row_key"] if entry["table_name"] == "asks" else None, "changes": changes}
