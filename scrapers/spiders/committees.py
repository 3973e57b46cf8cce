"""Parliament Committees API: open calls for evidence and newest open business, each fetched in full.

The API has no change field, so there is no watermark: every listed business is fetched each run and
the store tells changed from unchanged by content hash. An empty open-calls list is real (there are
weeks with no call open), but the open-business pass always lists something, so a run that stores
nothing fails (`empty_result_possible = False`); an unreadable list is a recorded error.
"""
from __future__ import annotations

from typing import Any

from scrapers.parsers import committees as parser
from scrapers.parsers.errors import ParseError

from .base import UNREAD, TrackerSpider

LISTS = {True: "open calls for evidence list", False: "open business list"}
#: Whose published written evidence is ours: the directorate's organisation names (option `our_organisations`,
#: comma-separated in a spider argument, a list in the config file).
OUR_ORGANISATIONS = ("Crown Prosecution Service",)


class CommitteesSpider(TrackerSpider):
    name = "committees"
    default_base_url = "https://committees-api.parliament.uk"
    empty_result_possible = False
    # A poll reads the first page of each list (newly opened business leads the second); crawls read them all.
    poll_reads_first_pages_only = True

    def __init__(self, our_organisations: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.business_ids: set[int] = set()
        names = [n.strip() for n in (our_organisations or "").split(",") if n.strip()]
        self.our_organisations = names or list(OUR_ORGANISATIONS)
        self.evidence_ids: set[int] = set()

    async def start(self):
        # Open calls for evidence, paged to the end; then one page of the newest opened open business.
        for open_only in (True, False):
            yield self.request(parser.list_url(self.base_url, 0, open_only=open_only), self.parse_list,
                               listing=True, cb_kwargs={"skip": 0, "open_only": open_only})
        # Our published submissions, to any committee, found by the organisation names they are published under.
        # Not in a poll: evidence is published weeks after a call closes, so the twice-daily crawls find it
        # soon enough, and a poll stays within its two requests.
        if self.settings.getbool("POLL"):
            return
        for name in self.our_organisations:
            yield self.request(parser.evidence_search_url(self.base_url, name), self.parse_evidence_list,
                               cb_kwargs={"name": name, "skip": 0})

    def parse_list(self, response, skip: int, open_only: bool):
        what = LISTS[open_only]
        listing = self.read(response, what, lambda r: parser.parse_business_list(self.json_of(r, what), r.url))
        if listing is UNREAD:
            return
        summaries, total = listing
        self.listing_ok = True
        for summary in summaries:
            if summary.id in self.business_ids:
                continue
            self.business_ids.add(summary.id)
            yield self.request(parser.detail_url(self.base_url, summary.id), self.parse_detail,
                               cb_kwargs={"business_id": summary.id})
        next_skip = skip + len(summaries)
        if open_only and summaries and next_skip < total:
            yield self.request(parser.list_url(self.base_url, next_skip), self.parse_list, listing=True,
                               cb_kwargs={"skip": next_skip, "open_only": True})

    def parse_detail(self, response, business_id: int):
        detail = self.read(response, "business detail")
        if detail is UNREAD:
            return
        yield self.request(parser.committees_url(self.base_url, business_id), self.parse_committees,
                           cb_kwargs={"detail": detail, "detail_url": response.url})

    def parse_committees(self, response, detail: dict, detail_url: str):
        payload = self.read(response, "committees of business")
        if payload is UNREAD:
            return
        try:
            committees = parser.parse_committees(payload, response.url)
            yield parser.parse_business(detail, committees, detail_url)
        except ParseError as exc:
            self.record_error(str(exc))

    def parse_evidence_list(self, response, name: str, skip: int):
        what = f"written evidence list for {name!r}"
        listing = self.read(response, what, lambda r: parser.parse_evidence_list(
            self.json_of(r, what), r.url, self.our_organisations))
        if listing is UNREAD:
            return
        ours, held, total = listing
        for item in ours:
            if item["id"] in self.evidence_ids:
                continue
            self.evidence_ids.add(item["id"])
            yield self.request(parser.evidence_document_url(self.base_url, item["id"]), self.parse_evidence_document,
                               cb_kwargs={"item": item}).replace(errback=self.evidence_without_text(item))
        next_skip = skip + held
        if held and next_skip < total:
            yield self.request(parser.evidence_search_url(self.base_url, name, next_skip), self.parse_evidence_list,
                               cb_kwargs={"name": name, "skip": next_skip})

    def parse_evidence_document(self, response, item: dict):
        evidence_url = f"{parser.WEBSITE}/writtenevidence/{item['id']}/html/"
        html_text = None
        if response.status == 200:
            try:
                html_text = parser.document_html(self.json_of(response, "evidence document"), response.url)
            except (ParseError, ValueError) as exc:
                self.record_error(str(exc))
        else:
            self.note(f"written evidence {item['id']}: document answered HTTP {response.status}; stored without text")
        try:
            yield parser.parse_evidence(item, html_text, evidence_url)
        except ParseError as exc:
            self.record_error(str(exc))

    def evidence_without_text(self, item: dict):
        """Errback: the document could not be fetched; the evidence is still ours and is stored without text."""
        def errback(failure):
            self.on_failure(failure)
            try:
                return parser.parse_evidence(item, None, f"{parser.WEBSITE}/writtenevidence/{item['id']}/html/")
            except ParseError as exc:
                self.record_error(str(exc))
        return errback
