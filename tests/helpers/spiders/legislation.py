"""The uksi feed (two pages), the ukpga feed and the CLML of every entry, as legislation.gov.uk serves them."""
from __future__ import annotations

from .. import FIXTURES

LEG = FIXTURES / "legislation"
UKSI_1 = "/uksi/data.feed?sort=published"
UKSI_2 = "/uksi/data.feed?sort=published&page=2"
UKPGA_1 = "/ukpga/data.feed?sort=published"
DOCUMENTS = {
    "/uksi/2026/852/made/data.xml": LEG / "clml_uksi_2026_852_commencement_order_article2_made_data.xml",
    "/uksi/2023/1206/made/data.xml": LEG / "uksi_2023_1206_made_data.xml",
    "/uksi/2021/558/made/data.xml": LEG / "clml_uksi_2021_558_metadata.xml",
    "/uksi/2017/1325/made/data.xml": LEG / "clml_uksi_2017_1325_made_data.xml",
    "/ukpga/2023/56/enacted/data.xml": LEG / "ukpga_2023_56_enacted_metadata.xml",
    "/ukpga/2006/37/enacted/data.xml": LEG / "clml_ukpga_2006_37_metadata.xml",
}
ATOM = "application/atom+xml"


def serve(server) -> None:
    # The snapshot's feed pages, copied: the tests must not change when the snapshot is re-recorded.
    server.add_file(UKSI_1, LEG / "snapshot_uksi_feed_page1.xml", content_type=ATOM)
    server.add_file(UKSI_2, LEG / "snapshot_uksi_feed_page2.xml", content_type=ATOM)
    server.add_file(UKPGA_1, LEG / "snapshot_ukpga_feed_page1.xml", content_type=ATOM)
    for path, file in DOCUMENTS.items():
        server.add_file(path, file, content_type="application/xml")
