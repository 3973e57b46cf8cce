"""Tests for scrapers.parsers.legislation on recorded legislation.gov.uk payloads."""
from pathlib import Path

import pytest

from tracker.contract import ItemLink, TrackedItem
from scrapers.parsers.errors import ParseError
from scrapers.parsers.legislation import (
    FeedEntry,
    FeedPage,
    data_xml_url,
    feed_url,
    parse_clml,
    parse_feed,
)

FIXTURES = Path(__file__).parent / "fixtures" / "legislation"
SITE = "https://www.legislation.gov.uk"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_urls() -> None:
    assert feed_url(SITE, "uksi") == f"{SITE}/uksi/data.feed?sort=published"
    assert feed_url(SITE + "/", "ukpga", 3) == f"{SITE}/ukpga/data.feed?sort=published&page=3"
    assert data_xml_url(SITE, "uksi", 2023, 1206) == f"{SITE}/uksi/2023/1206/made/data.xml"
    assert data_xml_url(SITE, "ukpga", 2023, 56) == f"{SITE}/ukpga/2023/56/enacted/data.xml"


def test_commencement_order_article_2() -> None:
    item = parse_clml(load("clml_uksi_2026_852_commencement_order_article2_made_data.xml"), "u")
    assert item == TrackedItem(
        id="legislation:uksi/2026/852",
        source="legislation",
        kind="commencement_order",
        title="The Health and Social Care Act 2012 (Commencement No. 12) Order 2026",
        url=f"{SITE}/uksi/2026/852",
        summary="This Order brings into force section 208 of the Health and Social Care Act 2012 (c. 7) (“the Act”) "
        "in so far as it is not already in force. It is the twelfth such Order to be made under the Act.",
        organisation=None,
        status="made",
        published="2026-07-15",
        updated="2026-07-21",
        details={
            "type": "uksi",
            "year": 2026,
            "number": 852,
            "made": "2026-07-15",
            "laid": None,
            "coming_into_force": [],
            "enabling_acts": [],
            "c_number": 73,
            "si_heading": "HEALTH CARE AND ASSOCIATED PROFESSIONS",
            "minor_type": "order",
            "commences": [
                {"provision": "section 208 of the Health and Social Care Act 2012, in so far as it is not already in force",
                 "date": "2026-10-01"},
            ],
        },
        links=[ItemLink(
            to_id="legislation:ukpga/2012/7",
            relation="commences",
            evidence="title names the Health and Social Care Act 2012; the text cites it as 2012 (c. 7) (ukpga/2012/7)",
        )],
    )


def test_eccta_commencement_regulations_list_of_provisions() -> None:
    item = parse_clml(load("uksi_2023_1206_made_data.xml"), "u")
    jan = "2024-01-15"
    assert item == TrackedItem(
        id="legislation:uksi/2023/1206",
        source="legislation",
        kind="commencement_order",
        title="The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 1) Regulations 2023",
        url=f"{SITE}/uksi/2023/1206",
        summary=None,
        organisation="Department for Business and Trade",
        status="made",
        published="2023-11-13",
        updated=None,
        details={
            "type": "uksi",
            "year": 2023,
            "number": 1206,
            "made": "2023-11-13",
            "laid": None,
            "coming_into_force": [],
            "enabling_acts": [{"id": "legislation:ukpga/2023/56",
                               "title": "Economic Crime and Corporate Transparency Act 2023"}],
            "c_number": 82,
            "si_heading": "COMPANIES; PROCEEDS OF CRIME; CRIMINAL LAW; SANCTIONS",
            "minor_type": "regulation",
            "commences": [
                {"provision": "Section 214 (sanctions enforcement: monetary penalties) of the Act", "date": "2023-11-15"},
                {"provision": "section 22 (company names: exceptions based on national security etc)", "date": jan},
                {"provision": "section 27 (use of names: exceptions based on national security etc)", "date": jan},
                {"provision": "section 67 (exemption from identity verification: national security grounds)", "date": jan},
                {"provision": "section 103 (false statement offences: national security etc defence)", "date": jan},
                {"provision": "section 147 (national security exemption from identity verification)", "date": jan},
                {"provision": "section 183 (money laundering: exemptions for mixed-property transactions)", "date": jan},
                {"provision": "section 187 (enhanced due diligence: designation of high-risk countries)", "date": jan},
                {"provision": "sections 188 to 193 (disclosures to prevent, detect or investigate economic crime etc)",
                 "date": jan},
                {"provision": "section 211 (Serious Fraud Office: pre-investigation powers)", "date": jan},
                {"provision": "Schedule 11 (economic crime offences)", "date": jan},
            ],
        },
        links=[ItemLink(
            to_id="legislation:ukpga/2023/56",
            relation="commences",
            evidence="made under powers in the Economic Crime and Corporate Transparency Act 2023 (ukpga/2023/56)",
        )],
    )


def test_ordinary_si_with_enabling_act_and_department() -> None:
    item = parse_clml(load("clml_uksi_2017_1325_made_data.xml"), "u")
    assert item == TrackedItem(
        id="legislation:uksi/2017/1325",
        source="legislation",
        kind="statutory_instrument",
        title="The Terrorism Act 2000 (Proscribed Organisations) (Amendment) Order 2017",
        url=f"{SITE}/uksi/2017/1325",
        summary=(
            "Part 2 of the Terrorism Act 2000 (c. 11) makes provision about proscribed organisations (including setting "
            "out offences in relation to such organisations in sections 11 to 13). An organisation is proscribed if it is "
            "listed in Schedule 2 to that Act or, in most cases, if it operates under the same name as an organisation so "
            "listed (section 3(1)). Article 2 of this Order adds four organisations (with known aliases included in "
            "parentheses) to the list in that Schedule. Article 3 of this Order removes an organisation from the list in "
            "Schedule 2, so that it is no longer proscribed."
        ),
        organisation="Home Office",
        status="made",
        published="2017-12-21",
        updated="2017-12-22",
        details={
            "type": "uksi",
            "year": 2017,
            "number": 1325,
            "made": "2017-12-21",
            "laid": None,
            "coming_into_force": [],
            "enabling_acts": [{"id": "legislation:ukpga/2000/11", "title": "Terrorism Act 2000"}],
            "c_number": None,
            "si_heading": "PREVENTION AND SUPPRESSION OF TERRORISM",
            "minor_type": "order",
        },
    )


def test_si_metadata_with_laid_and_coming_into_force() -> None:
    item = parse_clml(load("clml_uksi_2021_558_metadata.xml"), "u")
    assert item == TrackedItem(
        id="legislation:uksi/2021/558",
        source="legislation",
        kind="statutory_instrument",
        title="The Capital Requirements Regulation (Amendment) (EU Exit) Regulations 2021",
        url=f"{SITE}/uksi/2021/558",
        summary=(
            "These Regulations are made in exercise of the powers in section 8(1) of the European Union (Withdrawal) Act "
            "2018 (c. 16) in order to address failures of retained EU law to operate effectively, and other deficiencies "
            "arising from the withdrawal of the United Kingdom from the European Union (and in particular, the "
            "deficiencies under paragraphs (a) and (g) of section 8(2) of that Act)."
        ),
        status="made",
        published="2021-05-07",
        updated="2021-05-10",
        details={
            "type": "uksi",
            "year": 2021,
            "number": 558,
            "made": "2021-05-07",
            "laid": "2021-05-10",
            "coming_into_force": ["2021-06-01"],
            "enabling_acts": [],
            "c_number": None,
            "si_heading": "FINANCIAL SERVICES AND MARKETS",
            "minor_type": "regulation",
        },
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("clml_ukpga_2006_37_metadata.xml", TrackedItem(
            id="legislation:ukpga/2006/37", source="legislation", kind="act", title="Parliamentary Costs Act 2006",
            url=f"{SITE}/ukpga/2006/37",
            summary=(
                "An Act to consolidate the House of Commons Costs Taxation Act 1847, the House of Lords Costs Taxation Act "
                "1849, the Parliamentary Costs Act 1865, the Parliamentary Costs Act 1867, the Parliamentary Costs Act 1871 "
                "and the House of Commons Costs Taxation Act 1879, with amendments to give effect to recommendations of the "
                "Law Commission and the Scottish Law Commission."
            ),
            status="revised", published="2006-11-08", updated="2014-02-18",
            details={"type": "ukpga", "year": 2006, "number": 37, "made": None, "laid": None, "coming_into_force": [],
                     "enabling_acts": [], "c_number": None, "si_heading": None, "minor_type": None},
        )),
        ("ukpga_2023_56_enacted_metadata.xml", TrackedItem(
            id="legislation:ukpga/2023/56", source="legislation", kind="act",
            title="Economic Crime and Corporate Transparency Act 2023", url=f"{SITE}/ukpga/2023/56",
            summary=(
                "An Act to make provision about economic crime and corporate transparency; to make further provision about "
                "companies, limited partnerships and other kinds of corporate entity; and to make provision about the "
                "registration of overseas entities."
            ),
            status="enacted", published="2023-10-26", updated=None,
            details={"type": "ukpga", "year": 2023, "number": 56, "made": None, "laid": None, "coming_into_force": [],
                     "enabling_acts": [], "c_number": None, "si_heading": None, "minor_type": None},
        )),
    ],
)
def test_acts(name: str, expected: TrackedItem) -> None:
    assert parse_clml(load(name), "u") == expected


def test_commencement_schedule_table_and_chapter_citation() -> None:
    item = parse_clml(load("clml_uksi_2003_1_commencement_order_source_format.xml"), "u")
    commences = item.details.pop("commences")
    assert item == TrackedItem(
        id="legislation:uksi/2003/1",
        source="legislation",
        kind="commencement_order",
        title="The Nationality, Immigration and Asylum Act 2002 (Commencement No. 2) Order 2003",
        url=f"{SITE}/uksi/2003/1",
        summary=(
            "This Order brings section 18 of the Nationality, Immigration and Asylum Act 2002 into force for certain "
            "purposes on 8th January 2003 and on 10th February 2003, and brings certain other provisions of that Act "
            "which are set out in the Schedule to the Order into force on 10th February 2003."
        ),
        status="made",
        published="2003-01-04",
        details={"type": "uksi", "year": 2003, "number": 1, "made": "2003-01-04", "laid": None,
                 "coming_into_force": [], "c_number": 1, "si_heading": None, "minor_type": "order",
                 "enabling_acts": [{"id": None, "title": "Nationality, Immigration and Asylum Act 2002"}]},
        links=[ItemLink(
            to_id="legislation:ukpga/2002/41",
            relation="commences",
            evidence="title names the Nationality, Immigration and Asylum Act 2002; the text cites it as "
            "Nationality, Immigration and Asylum Act 2002 (c. 41)",
        )],
    )
    # The Schedule table, not the "earlier orders" note table: 34 rows, 10th February 2003 bar the first.
    assert len(commences) == 34
    assert commences[0] == {
        "provision": "Section 18 (asylum-seeker: definition)",
        "date": "2003-01-08",
        "purpose": "For the purpose of sections 55(9) and 70(3) and paragraph 17(1)(b) of Schedule 3",
    }
    assert {row["date"] for row in commences[1:]} == {"2003-02-10"}


def test_feed_page_with_next_link() -> None:
    page = parse_feed(load("search_title_construction_data_feed_trimmed.xml"), "u")
    assert page == FeedPage(
        entries=[
            FeedEntry(
                id="legislation:eudn/2020/1531",
                title=(
                    "Decision (EU) 2020/1531 of the European Parliament and of the Council of 21 October 2020 empowering "
                    "France to negotiate, sign and conclude an international agreement supplementing the Treaty between "
                    "France and the United Kingdom of Great Britain and Northern Ireland concerning the Construction and "
                    "Operation by Private Concessionaires of a Channel Fixed Link"
                ),
                updated="2020-12-12T14:51:44Z", published="2020-10-21T00:00:00Z", type="eudn", year=2020, number=1531,
                url=f"{SITE}/eudn/2020/1531", data_xml_url=f"{SITE}/eudn/2020/1531/2020-10-21/data.xml",
            ),
            FeedEntry(
                id="legislation:eur/2020/1170",
                title=(
                    "Commission Implementing Regulation (EU) 2020/1170 of 16 July 2020 on design, construction and "
                    "performance requirements and testing standards for marine equipment and repealing Implementing "
                    "Regulation (EU) 2019/1397 (Text with EEA relevance)"
                ),
                updated="2020-12-12T23:07:45Z", published="2020-07-16T00:00:00Z", type="eur", year=2020, number=1170,
                url=f"{SITE}/eur/2020/1170", data_xml_url=f"{SITE}/eur/2020/1170/2020-07-16/data.xml",
            ),
            FeedEntry(
                id="legislation:eudn/2020/962",
                title=(
                    "Commission Implementing Decision (EU) 2020/962 of 2 July 2020 amending Implementing Decision (EU) "
                    "2019/450 as regards the publication of references of European Assessment Documents for certain "
                    "construction products (Text with EEA relevance)"
                ),
                updated="2020-12-11T19:20:35Z", published="2020-07-02T00:00:00Z", type="eudn", year=2020, number=962,
                url=f"{SITE}/eudn/2020/962", data_xml_url=f"{SITE}/eudn/2020/962/2020-07-02/data.xml",
            ),
        ],
        next_url=f"{SITE}/title/construction/data.feed?page=2",
        page=1,
    )


def test_snapshot_feed_page() -> None:
    page = parse_feed(load("snapshot_uksi_feed_page1.xml"), "u")
    assert page == FeedPage(
        entries=[
            FeedEntry(id="legislation:uksi/2026/852",
                      title="The Health and Social Care Act 2012 (Commencement No. 12) Order 2026",
                      updated=None, published="2026-07-15T00:00:00Z", type="uksi", year=2026, number=852,
                      url=f"{SITE}/uksi/2026/852", data_xml_url=f"{SITE}/uksi/2026/852/made/data.xml"),
            FeedEntry(id="legislation:uksi/2023/1206",
                      title="The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 1) Regulations 2023",
                      updated=None, published="2023-11-13T00:00:00Z", type="uksi", year=2023, number=1206,
                      url=f"{SITE}/uksi/2023/1206", data_xml_url=f"{SITE}/uksi/2023/1206/made/data.xml"),
        ],
        next_url=f"{SITE}/uksi/data.feed?sort=published&page=2",
        page=1,
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"<feed", "feed u is not well-formed XML"),
        (b"<html><body>Service unavailable</body></html>", "feed u has root <html>"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>', "feed u has no entries"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id><entry><id>http://www.legislation.gov.uk/id/uksi/2020/1</id>'
         b"</entry></feed>", "entry http://www.legislation.gov.uk/id/uksi/2020/1 has no <title>"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id><entry><id>urn:x</id><title>t</title></entry></feed>',
         "entry 'urn:x' has no type/year/number"),
    ],
)
def test_feed_errors(payload: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="^legislation: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_feed(payload, "u")


LEG = 'xmlns="http://www.legislation.gov.uk/namespaces/legislation"'
META = ('xmlns:ukm="http://www.legislation.gov.uk/namespaces/metadata" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"')


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not xml", "document u is not well-formed XML"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "document u has root"),
        (f"<Legislation {LEG}/>".encode(), "document u has no ukm:Metadata"),
        (f"<Legislation {LEG} {META}><ukm:Metadata/></Legislation>".encode(), "document u has no dc:title"),
        (f"<Legislation {LEG} {META}><ukm:Metadata><dc:title>T</dc:title></ukm:Metadata></Legislation>".encode(),
         "document u \\(T\\) has neither PrimaryMetadata nor SecondaryMetadata"),
        (f"<Legislation {LEG} {META}><ukm:Metadata><dc:title>T</dc:title><ukm:SecondaryMetadata/></ukm:Metadata>"
         f"</Legislation>".encode(), "document u \\(T\\) has no IdURI"),
    ],
)
def test_clml_errors(payload: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="^legislation: " + message):
        parse_clml(payload, "u")
