"""legislation.gov.uk: Atom listing feeds and CLML (`data.xml`) -> TrackedItem.

Request plan (the spider owns the requests; these helpers only build URLs):

1. `feed_url(base, "ukpga", 1)` and `feed_url(base, "uksi", 1)`:
   `/{type}/data.feed?sort=published`, then follow each page's `rel="next"` link (`parse_feed` ->
   `FeedPage.next_url`) until it is absent or the spider's page cap is reached. The feed's
   `openSearch:totalResults` is not the total (20 on a real multi-page feed), so it is never used.
   Per-type feeds rather than `/new/data.feed` because: `/new/` mixes every type (Scottish, Welsh and
   Northern Ireland instruments, drafts) that an England and Wales tracker would fetch and throw away;
   it drops "silent" uploads of older items; and a per-type feed sorted by `published` pages back
   through history, so the first run can backfill and later runs stop at the first page already seen.
   `sort=` is passed explicitly because the documentation contradicts itself on the default order.
2. For each entry, `FeedEntry.data_xml_url`: the entry's `alternate` XML link when present, else
   `data_xml_url(base, type, year, number)` = `/{type}/{year}/{number}/made/data.xml` for secondary
   legislation and `/enacted/data.xml` for Acts (the original version: for an SI it carries the whole
   body, which is where a commencement order says which provisions come into force on which dates).
   `parse_clml` turns that document into a TrackedItem.

Identifiers are the site's identifier URIs with the scheme normalised to https:
`legislation:{type}/{year}/{number}`; the public URL is `https://www.legislation.gov.uk/{type}/{year}/{number}`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tracker.contract import ItemLink, TrackedItem
from scrapers.parsers.errors import ParseError

SOURCE = "legislation"
SITE = "https://www.legislation.gov.uk"
DOC_TYPES = ("ukpga", "uksi")

ATOM = "{http://www.w3.org/2005/Atom}"
LEG = "{http://www.legislation.gov.uk/namespaces/legislation}"
UKM = "{http://www.legislation.gov.uk/namespaces/metadata}"
DC = "{http://purl.org/dc/elements/1.1/}"

#: DocumentMainType values -> URI type codes (legislation/data-documentation model/uris.md).
MAIN_TYPES = {
    "UnitedKingdomPublicGeneralAct": "ukpga",
    "UnitedKingdomLocalAct": "ukla",
    "UnitedKingdomStatutoryInstrument": "uksi",
    "UnitedKingdomDraftStatutoryInstrument": "ukdsi",
    "ScottishStatutoryInstrument": "ssi",
    "WelshStatutoryInstrument": "wsi",
    "NorthernIrelandStatutoryRule": "nisr",
    "ScottishAct": "asp",
    "WelshParliamentAct": "asc",
    "WelshNationalAssemblyAct": "anaw",
    "NorthernIrelandAct": "nia",
    "UnitedKingdomMinisterialOrder": "ukmo",
}
PRIMARY_TYPES = {"ukpga", "ukla", "asp", "asc", "anaw", "nia", "ukppa", "mwa", "aep", "aosp", "apgb", "apni"}
ACT_CLASSES = {k for k, v in MAIN_TYPES.items() if v in PRIMARY_TYPES}

_ID_PATH = re.compile(r"^https?://(?:www\.)?legislation\.gov\.uk/(?:id/)?([a-z]+)/(\d{4})/(\d+)(?:/|$)")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
_DATE_WORDS = r"(\d{1,2})(?:st|nd|rd|th)? (January|February|March|April|May|June|July|August|September|October|November|December),? (\d{4})"
_DATE_RE = re.compile(_DATE_WORDS)
_SINGLE = re.compile(r"^(?:The day appointed for the coming into force of )(?P<prov>.+?),? (?:is|shall be) (?:the )?" + _DATE_WORDS)
_COMES = re.compile(r"^(?P<prov>.+?) (?:comes?|shall come) into force on (?:the )?" + _DATE_WORDS)
_LIST_LEAD = re.compile(r"(?:come|comes|shall come) into force on (?:the )?" + _DATE_WORDS + r"\s*(?:—|-|:)?\s*$")
_SELF_CITATION = re.compile(r"^(?:This|These) (?:Order|Regulations|Instrument|Rules)|may be cited as")


@dataclass
class FeedEntry:
    """One `<entry>` of a legislation.gov.uk listing feed."""

    id: str
    title: str
    updated: str | None
    published: str | None
    type: str
    year: int
    number: int
    url: str
    data_xml_url: str


@dataclass
class FeedPage:
    """A parsed listing feed page and the link to the next one."""

    entries: list[FeedEntry] = field(default_factory=list)
    next_url: str | None = None
    page: int | None = None


def feed_url(base_url: str, doc_type: str, page: int = 1) -> str:
    """Listing feed of one legislation type, newest published first."""
    params = {"sort": "published"}
    if page > 1:
        params["page"] = str(page)
    return f"{base_url.rstrip('/')}/{doc_type}/data.feed?{urlencode(params)}"


def data_xml_url(base_url: str, doc_type: str, year: int, number: int) -> str:
    """CLML of the original version: `/made/` for secondary, `/enacted/` for primary legislation."""
    version = "enacted" if doc_type in PRIMARY_TYPES else "made"
    return f"{base_url.rstrip('/')}/{doc_type}/{year}/{number}/{version}/data.xml"


def https(uri: str) -> str:
    """Normalise the site's http:// identifiers and links to https://www."""
    return re.sub(r"^https?://(?:www\.)?legislation\.gov\.uk", SITE, uri.strip())


def _split_uri(uri: str) -> tuple[str, int, int] | None:
    match = _ID_PATH.match(https(uri))
    return (match.group(1), int(match.group(2)), int(match.group(3))) if match else None


def _parse_xml(xml: bytes, url: str, what: str) -> ET.Element:
    try:
        return ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ParseError(f"{SOURCE}: {what} {url} is not well-formed XML ({exc})") from exc


def _text(el: ET.Element | None) -> str:
    """Element text with whitespace collapsed."""
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip() if el is not None else ""


def parse_feed(xml: bytes, url: str) -> FeedPage:
    """Parse one Atom listing feed page into entries and the `rel="next"` URL."""
    root = _parse_xml(xml, url, "feed")
    if root.tag != f"{ATOM}feed":
        raise ParseError(f"{SOURCE}: feed {url} has root <{root.tag}>, expected an Atom <feed>")
    entries = [_parse_entry(el, url) for el in root.findall(f"{ATOM}entry")]
    next_url = None
    for link in root.findall(f"{ATOM}link"):
        if link.get("rel") == "next" and link.get("href"):
            next_url = https(link.get("href", ""))
    page_el = root.find(f"{LEG}page")
    if not entries and page_el is None and root.find(f"{ATOM}id") is None:
        raise ParseError(f"{SOURCE}: feed {url} has no entries, <leg:page> or <id>")
    page = int(page_el.text) if page_el is not None and (page_el.text or "").strip().isdigit() else None
    return FeedPage(entries=entries, next_url=next_url, page=page)


def _parse_entry(el: ET.Element, url: str) -> FeedEntry:
    raw_id = (el.findtext(f"{ATOM}id") or "").strip()
    parts = _split_uri(raw_id)
    year_el, number_el = el.find(f"{UKM}Year"), el.find(f"{UKM}Number")
    main_el = el.find(f"{UKM}DocumentMainType")
    if parts is None and year_el is not None and number_el is not None and main_el is not None:
        doc_type = MAIN_TYPES.get(main_el.get("Value", ""), "")
        if doc_type and year_el.get("Value", "").isdigit() and number_el.get("Value", "").isdigit():
            parts = (doc_type, int(year_el.get("Value", "")), int(number_el.get("Value", "")))
    if parts is None:
        raise ParseError(f"{SOURCE}: feed {url} entry {raw_id!r} has no type/year/number in <id> or ukm:*")
    title = _text(el.find(f"{ATOM}title"))
    if not title:
        raise ParseError(f"{SOURCE}: feed {url} entry {raw_id} has no <title>")
    doc_type, year, number = parts
    xml_link = None
    for link in el.findall(f"{ATOM}link"):
        if link.get("rel") == "alternate" and link.get("type") == "application/xml" and link.get("href"):
            xml_link = https(link.get("href", ""))
    return FeedEntry(
        id=f"{SOURCE}:{doc_type}/{year}/{number}",
        title=title,
        updated=(el.findtext(f"{ATOM}updated") or "").strip() or None,
        published=(el.findtext(f"{ATOM}published") or "").strip() or None,
        type=doc_type,
        year=year,
        number=number,
        url=f"{SITE}/{doc_type}/{year}/{number}",
        data_xml_url=xml_link or data_xml_url(SITE, doc_type, year, number),
    )


def parse_clml(xml: bytes, url: str) -> TrackedItem:
    """Parse a CLML `data.xml` (whole item, fragment or metadata-only) into one TrackedItem."""
    root = _parse_xml(xml, url, "document")
    if root.tag != f"{LEG}Legislation":
        raise ParseError(f"{SOURCE}: document {url} has root <{root.tag}>, expected CLML <Legislation>")
    meta = root.find(f"{UKM}Metadata")
    if meta is None:
        raise ParseError(f"{SOURCE}: document {url} has no ukm:Metadata")
    title = _text(meta.find(f"{DC}title"))
    if not title:
        raise ParseError(f"{SOURCE}: document {url} has no dc:title")
    primary = meta.find(f"{UKM}PrimaryMetadata")
    block = primary if primary is not None else meta.find(f"{UKM}SecondaryMetadata")
    if block is None:
        raise ParseError(f"{SOURCE}: document {url} ({title}) has neither PrimaryMetadata nor SecondaryMetadata")
    doc_type, year, number = _identify(root, block, url, title)
    doc_id = f"{doc_type}/{year}/{number}"

    status_el = block.find(f"{UKM}DocumentClassification/{UKM}DocumentStatus")
    minor_el = block.find(f"{UKM}DocumentClassification/{UKM}DocumentMinorType")
    made = _attr(block, "Made", "Date")
    enacted = _attr(block, "EnactmentDate", "Date")
    laid = [el.get("Date") for el in block.findall(f"{UKM}Laid") if el.get("Date")]
    in_force = [el.get("Date") for el in block.findall(f"{UKM}ComingIntoForce/{UKM}DateTime") if el.get("Date")]
    c_number = None
    for alt in block.findall(f"{UKM}AlternativeNumber"):
        if alt.get("Category") == "C" and alt.get("Value"):
            value = alt.get("Value", "")
            c_number = int(value) if value.isdigit() else value
    si_heading = [_text(el) for el in meta.findall(f"{DC}subject") if el.get("scheme") == "SIheading"]

    is_primary = primary is not None
    commencement = not is_primary and (c_number is not None or "(Commencement" in title)
    kind = "act" if is_primary else ("commencement_order" if commencement else "statutory_instrument")
    status_value = status_el.get("Value") if status_el is not None else None
    status = {"final": "enacted" if is_primary else "made"}.get(status_value or "", status_value)

    details: dict = {
        "type": doc_type,
        "year": year,
        "number": number,
        "made": made,
        "laid": laid[0] if laid else None,
        "coming_into_force": in_force,
        "enabling_acts": _enabling_acts(root),
        "c_number": c_number,
        "si_heading": "; ".join(h for h in si_heading if h) or None,
        "minor_type": minor_el.get("Value") if minor_el is not None else None,
    }
    links: list[ItemLink] = []
    if commencement:
        link = _commenced_act(root, meta, title)
        if link is not None:
            links.append(link)
        details["commences"] = _commenced_provisions(root)

    return TrackedItem(
        id=f"{SOURCE}:{doc_id}",
        source=SOURCE,
        kind=kind,
        title=title,
        url=f"{SITE}/{doc_id}",
        summary=_text(meta.find(f"{DC}description")) or _explanatory_note(root),
        organisation=_department(root),
        status=status,
        published=enacted or made,
        updated=(meta.findtext(f"{DC}modified") or "").strip() or None,
        details=details,
        links=links,
    )


def _attr(block: ET.Element, name: str, attr: str) -> str | None:
    el = block.find(f"{UKM}{name}")
    return el.get(attr) if el is not None and el.get(attr) else None


def _identify(root: ET.Element, block: ET.Element, url: str, title: str) -> tuple[str, int, int]:
    for uri in (root.get("IdURI"), root.get("DocumentURI")):
        parts = _split_uri(uri or "")
        if parts:
            return parts
    main_el = block.find(f"{UKM}DocumentClassification/{UKM}DocumentMainType")
    doc_type = MAIN_TYPES.get(main_el.get("Value", "") if main_el is not None else "")
    year, number = _attr(block, "Year", "Value"), _attr(block, "Number", "Value")
    if doc_type and year and number and year.isdigit() and number.isdigit():
        return doc_type, int(year), int(number)
    raise ParseError(f"{SOURCE}: document {url} ({title}) has no IdURI and no DocumentMainType/Year/Number")


def _iso_date(day: str, month: str, year: str) -> str:
    return f"{int(year):04d}-{_MONTHS[month.lower()]:02d}-{int(day):02d}"


def _footnotes(root: ET.Element) -> dict[str, ET.Element]:
    return {fn.get("id", ""): fn for fn in root.iter(f"{LEG}Footnote")}


def _act_citations(el: ET.Element) -> list[ET.Element]:
    return [c for c in el.iter(f"{LEG}Citation") if c.get("Class") in ACT_CLASSES and _split_uri(c.get("URI", ""))]


def _act_name_before(text: str) -> str | None:
    """The Act named last in `text` ("... of the Terrorism Act 2000" -> "Terrorism Act 2000")."""
    matches = list(re.finditer(r"Act \d{4}", text))
    if not matches:
        return None
    end = matches[-1].end()
    start = text.rfind(" the ", 0, matches[-1].start())
    name = text[start + 5:end] if start >= 0 else text[:end]
    return name.strip() if name[:1].isupper() else None


def _enabling_acts(root: ET.Element) -> list[dict]:
    """Acts whose powers the instrument is made under, from the preamble and its footnotes."""
    preamble = root.find(f".//{LEG}SecondaryPreamble")
    if preamble is None:
        return []
    notes = _footnotes(root)
    found: dict[str, dict] = {}
    for text_el in preamble.iter(f"{LEG}Text"):
        running = text_el.text or ""
        for child in text_el:
            if child.tag == f"{LEG}FootnoteRef":
                name = _act_name_before(running)
                note = notes.get(child.get("Ref", ""))
                cites = _act_citations(note) if note is not None else []
                if name and cites:
                    year = name[-4:]
                    cite = next((c for c in cites if c.get("Year") == year), cites[0])
                    doc_type, y, n = _split_uri(cite.get("URI", ""))  # type: ignore[misc]
                    found.setdefault(f"{SOURCE}:{doc_type}/{y}/{n}", {"id": f"{SOURCE}:{doc_type}/{y}/{n}", "title": name})
                elif name:
                    found.setdefault(name, {"id": None, "title": name})
            elif child.tag == f"{LEG}Citation" and child.get("Class") in ACT_CLASSES:
                parts = _split_uri(child.get("URI", ""))
                if parts:
                    key = f"{SOURCE}:{parts[0]}/{parts[1]}/{parts[2]}"
                    found.setdefault(key, {"id": key, "title": _text(child)})
            running += _text(child) + (child.tail or "")
    return list(found.values())


def _commenced_act(root: ET.Element, meta: ET.Element, title: str) -> ItemLink | None:
    """The Act a commencement instrument brings into force, with the evidence for the match."""
    name_match = re.match(r"^(?:The )?(.+? Act \d{4})\b", title)
    name = name_match.group(1) if name_match else None
    year = name[-4:] if name else None
    # The enabling power of a commencement order is the commenced Act's own commencement section.
    for act in _enabling_acts(root):
        if act["id"] and (year is None or act["id"].split("/")[-2] == year):
            return ItemLink(act["id"], "commences",
                            f"made under powers in the {act['title']} ({act['id'].split(':', 1)[1]})")
    cites = _act_citations(root)
    if year is not None:
        same_year = [c for c in cites if c.get("Year") == year]
        if same_year:
            doc_type, y, n = _split_uri(same_year[0].get("URI", ""))  # type: ignore[misc]
            return ItemLink(f"{SOURCE}:{doc_type}/{y}/{n}", "commences",
                            f"title names the {name}; the text cites it as {_text(same_year[0])} ({doc_type}/{y}/{n})")
    if name:
        # Descriptions cite the Act as "Health and Social Care Act 2012 (c. 7)".
        body = _text(meta.find(f"{DC}description")) + " " + _text(root)
        chapter = re.search(re.escape(name) + r"\s*\(c\.\s*(\d+)\)", body)
        if chapter:
            return ItemLink(f"{SOURCE}:ukpga/{year}/{int(chapter.group(1))}", "commences",
                            f"title names the {name}; the text cites it as {name} (c. {chapter.group(1)})")
    return None


def _commenced_provisions(root: ET.Element) -> list[dict]:
    """Which provisions come into force on which dates, as the body states them."""
    body = root.find(f".//{LEG}Body")
    if body is None:
        return []
    parents = {child: parent for parent in body.iter() for child in parent}
    out: list[dict] = []
    listed: set[ET.Element] = set()
    for text_el in body.iter(f"{LEG}Text"):
        if text_el in listed:
            continue
        text = _text(text_el)
        if not text or _SELF_CITATION.search(text):
            continue
        lead = _LIST_LEAD.search(text)
        if lead and re.search(r"following", text):
            date = _iso_date(lead.group(1), lead.group(2), lead.group(3))
            container = parents.get(text_el)
            for item in _list_items(container, text_el):
                listed.add(item)
                provision = re.sub(r"(?:;|,)?\s*(?:and|or)?\s*\.?$", "", _text(item)).strip()
                if provision:
                    out.append({"provision": provision, "date": date})
            continue
        match = _SINGLE.match(text) or _COMES.match(text)
        if match:
            provision = match.group("prov").strip().rstrip(",")
            out.append({"provision": provision, "date": _iso_date(match.group(2), match.group(3), match.group(4))})
    out.extend(_schedule_table(root))
    return out


def _list_items(container: ET.Element | None, lead: ET.Element) -> list[ET.Element]:
    """Texts of the lettered paragraphs or list items that follow a lead-in sentence."""
    if container is None:
        return []
    items = []
    for el in container.iter():
        if el is lead or el.tag not in (f"{LEG}P3para", f"{LEG}P4para", f"{LEG}Para"):
            continue
        text_el = el.find(f"{LEG}Text")
        if text_el is not None:
            items.append(text_el)
    return items


def _schedule_table(root: ET.Element) -> list[dict]:
    """Rows of a commencement schedule table: provision | date | purpose (not the earlier-orders note)."""
    out = []
    schedules = root.find(f".//{LEG}Schedules")
    if schedules is None:
        return out
    for tr in schedules.iter("{http://www.w3.org/1999/xhtml}tr"):
        cells = [_text(td) for td in tr if td.tag == "{http://www.w3.org/1999/xhtml}td"]
        if len(cells) >= 2:
            date = _DATE_RE.fullmatch(cells[1])
            if date:
                row = {"provision": cells[0], "date": _iso_date(*date.groups())}
                if len(cells) > 2 and cells[2]:
                    row["purpose"] = cells[2]
                out.append(row)
    return out


def _explanatory_note(root: ET.Element) -> str | None:
    """Opening paragraph of the Explanatory Note, skipping the "(This note is not part of...)" line."""
    note = root.find(f".//{LEG}ExplanatoryNotes")
    if note is None:
        return None
    comment = note.find(f"{LEG}Comment")
    skip = set(comment.iter()) if comment is not None else set()
    for el in note.iter(f"{LEG}Text"):
        if el not in skip and _text(el):
            return _text(el)
    return None


def _department(root: ET.Element) -> str | None:
    names = []
    for el in root.iter(f"{LEG}Department"):
        name = _text(el)
        if name and name not in names:
            names.append(name)
    return "; ".join(names) or None
