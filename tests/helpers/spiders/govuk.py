"""Recorded GOV.UK content items as the Search API lists them and the Content API serves them."""
from __future__ import annotations

import json

from scrapers.parsers import govuk as parser

from .. import FIXTURES

GOVUK = FIXTURES / "govuk"


def load(name: str) -> dict:
    return json.loads((GOVUK / name).read_text(encoding="utf-8"))


def search_path(start: int = 0, count: int = parser.SEARCH_PAGE_SIZE, **kwargs) -> str:
    return parser.search_url("", start=start, count=count, **kwargs)


def hit(doc: dict) -> dict:
    """The Search API result a content item would appear as."""
    return {"content_id": doc["content_id"], "link": doc["base_path"], "title": doc["title"],
            "description": doc.get("description"), "public_timestamp": doc["public_updated_at"],
            "content_store_document_type": doc["document_type"], "organisations": []}


def serve(server, docs: list[dict], page_size: int = parser.SEARCH_PAGE_SIZE, **search) -> None:
    """Serve search pages listing `docs` (newest first, as given) and each document's content item."""
    for start in range(0, max(len(docs), 1), page_size):
        page = {"results": [hit(d) for d in docs[start:start + page_size]], "total": len(docs), "start": start}
        server.add(search_path(start, page_size, **search), json.dumps(page))
    for doc in docs:
        server.add("/api/content" + doc["base_path"], json.dumps(doc))


def three_docs() -> list[dict]:
    return [load("publication__best-practice-policy-paper.json"),  # public_updated_at 2017-12-06
            load("consultation__consultation_withdrawn.json"),  # 2016-11-07
            load("consultation__closed_consultation.json")]  # 2016-09-05
