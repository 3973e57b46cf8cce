"""Written ministerial statements by the configured answering bodies, made since the floor day (a week before the
last good crawl's watermark, as for written questions, else `since`, default 2024-07-17, the session's start);
statements read again are stored as unchanged.
A statement whose listing text was cut is fetched in full; a missing full record is an error naming its URL.
Spider argument `answering_bodies` as for written-questions.
"""
from __future__ import annotations

from scrapers.parsers import written_statements as parser

from .written_questions import STATEMENTS_SINCE, QuestionsStatementsSpider


class WrittenStatementsSpider(QuestionsStatementsSpider):
    name = "written-statements"
    parser = parser
    noun = "statement"
    default_since = STATEMENTS_SINCE

    def listings(self) -> tuple[str, ...]:
        return ("",)  # one listing: statements made since the floor day

    def list_url(self, listing: str, skip: int) -> str:
        return parser.list_url(self.base_url, self.floor_day, self.bodies, skip)

    def parse_record(self, record: dict, url: str):
        return parser.parse_statement(record, url)
