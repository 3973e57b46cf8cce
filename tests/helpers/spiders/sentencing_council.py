"""The Sentencing Council feed that lists both consultations among news entries, and the re-expressed real
consultation pages of tests/fixtures/sentencing-council/ (see SOURCES.md there)."""
from __future__ import annotations

from .. import FIXTURES

PAGES = FIXTURES / "sentencing-council"
FEED = "/feed/"
ANCILLARY = "/publications/item/ancillary-orders-consultation/"
IMPOSITION = "/publications/item/imposition-of-community-and-custodial-sentences-guideline-revised-consultation/"


def serve_sentencing(server, ancillary: bytes | None = None) -> str:
    """The feed (two consultations among news entries) and both consultation pages; returns the feed path."""
    # The snapshot's feed, copied: the tests must not change when the snapshot is re-recorded.
    server.add_file(FEED, PAGES / "snapshot_feed.xml",
                    content_type="application/rss+xml; charset=UTF-8")
    server.add(ANCILLARY, ancillary or (PAGES / "consultation_ancillary-orders-consultation.html").read_bytes(),
               content_type="text/html; charset=UTF-8")
    server.add_file(IMPOSITION, PAGES / "consultation_imposition-revised-consultation_closed.html",
                    content_type="text/html; charset=UTF-8")
    return FEED
