"""Validate a scraped item before it is stored: a broken item is refused loudly, never half-written."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from scrapers.items import KINDS, RELATIONS

from .errors import ValidationError
from .text_clean import clean_text, needs_cleaning

SOURCE_PREFIXES = {
    "parliament-bills": "bill:",
    "govuk": "govuk:",
    "legislation": "legislation:",
    "committees": "committees:",
    "law-commission": "lawcom:",
    "sentencing-council": "sentencing:",
}
MAX_LENGTHS = {"title": 1_000, "summary": 20_000, "body_text": 200_000, "organisation": 2_000, "url": 2_000}
DATE_FIELDS = ("published", "updated", "opens", "closes")
TEXT_FIELDS = ("title", "summary", "body_text", "organisation", "status")


def _check_date(item_id: str, field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError(f"{item_id}: field {field!r} must be an ISO 8601 string, got {type(value).__name__}")
    try:
        if len(value) == 10:
            date.fromisoformat(value)
            return
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{item_id}: field {field!r} is not an ISO 8601 date: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValidationError(f"{item_id}: field {field!r} has no UTC offset: {value!r}")


def validate_item(item: dict[str, Any]) -> dict[str, Any]:
    """Return the item with over-long text capped, or raise ValidationError naming the id and field."""
    item_id = item.get("id") or "<no id>"
    for field in ("id", "source", "kind", "title", "url"):
        if not isinstance(item.get(field), str) or not item[field].strip():
            raise ValidationError(f"{item_id}: required field {field!r} is missing or empty")
    prefix = SOURCE_PREFIXES.get(item["source"])
    if prefix is None:
        raise ValidationError(f"{item_id}: unknown source {item['source']!r}")
    if not item_id.startswith(prefix):
        raise ValidationError(f"{item_id}: id must start with {prefix!r} for source {item['source']!r}")
    if item["kind"] not in KINDS:
        raise ValidationError(f"{item_id}: unknown kind {item['kind']!r}")
    if not item["url"].startswith(("https://", "http://")):
        raise ValidationError(f"{item_id}: field 'url' is not an http(s) URL: {item['url'][:100]!r}")
    for field in DATE_FIELDS:
        _check_date(item_id, field, item.get(field))
    for field in TEXT_FIELDS:
        # Control characters and bidi overrides out (tracker.text_clean), as for staff text.
        if isinstance(item.get(field), str) and needs_cleaning(item[field]):
            item[field] = clean_text(item[field])
    for field, limit in MAX_LENGTHS.items():
        value = item.get(field)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{item_id}: field {field!r} must be text")
        if value and len(value) > limit:
            item[field] = value[:limit]
    try:
        json.dumps(item.get("details") or {})
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{item_id}: field 'details' is not JSON: {exc}") from None
    for link in item.get("links") or []:
        if link.get("relation") not in RELATIONS or not link.get("to_id"):
            raise ValidationError(f"{item_id}: bad link {link!r}")
    return item
