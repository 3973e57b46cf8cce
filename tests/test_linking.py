"""Reform links: bill -> Act, items naming a bill or Act; reviewers' rejections survive reruns."""
from __future__ import annotations

from tracker.contract import TrackedItem
from tracker.classify import linking
from tracker.store import register
from tracker.store import items as store


def add(database, **fields):
    store.upsert_item(database, TrackedItem(**fields))


def test_bill_linked_to_act_and_mentions(database):
    add(database, id="bill:3339", source="parliament-bills", kind="bill", status="Royal Assent",
        title="Economic Crime and Corporate Transparency Act 2023", url="https://bills.parliament.uk/bills/3339")
    add(database, id="legislation:ukpga/2023/56", source="legislation", kind="act",
        title="Economic Crime and Corporate Transparency Act 2023", url="https://www.legislation.gov.uk/ukpga/2023/56")
    add(database, id="bill:3938", source="parliament-bills", kind="bill", status="Lords: Report stage",
        title="Crime and Policing Bill", url="https://bills.parliament.uk/bills/3938")
    add(database, id="govuk:ftp", source="govuk", kind="consultation", title="Failure to prevent fraud guidance",
        url="https://www.gov.uk/x", summary="Guidance on the offence in the Economic Crime and Corporate "
                                           "Transparency Act 2023, and changes in the Crime and Policing Bill.")
    result = linking.suggest_links(database)
    links = {(r["from_id"], r["to_id"], r["relation"]) for r in database.query("select * from links")}
    assert links == {("bill:3339", "legislation:ukpga/2023/56", "enacted_as"),
                     ("govuk:ftp", "legislation:ukpga/2023/56", "mentions"),
                     ("govuk:ftp", "bill:3938", "mentions")}
    assert result.suggested == 3
    evidence = next(database.query("select evidence from links where to_id = 'bill:3938'"))["evidence"]
    assert "crime and policing bill" in evidence
    # Only new or changed items are read again.
    assert linking.suggest_links(database).scanned == 0


def test_rejected_link_stays_rejected(database):
    add(database, id="legislation:ukpga/2002/29", source="legislation", kind="act", title="Proceeds of Crime Act 2002",
        url="https://www.legislation.gov.uk/ukpga/2002/29")
    add(database, id="govuk:c", source="govuk", kind="consultation", title="Codes under the Proceeds of Crime Act 2002",
        url="https://www.gov.uk/c")
    linking.suggest_links(database)
    link_id = next(database.query("select id from links"))["id"]
    register.review(database.conn, "ed", "links", link_id, "rejected", "not the same reform")
    linking.suggest_links(database, everything=True)
    assert [r["review_state"] for r in database.query("select review_state from links")] == ["rejected"]
