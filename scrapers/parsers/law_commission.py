"""Law Commission (lawcom.gov.uk): WordPress REST listings and project pages, pure parsers.

Request plan (the spider's job; listed here so the assumptions sit next to the parser):
- `GET https://lawcom.gov.uk/wp-json/wp/v2/<type>?per_page=100&page=N&orderby=modified&order=desc`
  for `<type>` in `news`, `publication` (both read by third-party code) and `project` (the
  public URLs are `/project/<slug>/`, so the post type key is most likely `project`; unverified).
  A type the site does not expose answers 404 `rest_no_route`; a page past the end answers 400
  `rest_post_invalid_page_number`; `X-WP-TotalPages` bounds the paging. Stop at the first post
  whose `modified_gmt` is not newer than the stored watermark.
- `GET https://lawcom.gov.uk/project/<slug>/` for every project link found by `parse_wp_list`.

Site structure assumed (from ministryofjustice/wp-lawcom `templates/content-project.php`, the
theme that rendered project pages, and from stored text of real pages):
- The title is the page's first `<h1>` (`h1.entry-title`; the newer Hale theme uses
  `h1.flexible-post-type-title`).
- The stage widget: `<h2>Current project status</h2>`, a hidden paragraph "The current status of
  this project is: <strong>X</strong>." where X is the ACF `implementation_status` (Pre-project,
  Pre-consultation, Consultation, Analysis of responses, Complete), a `div.status.stageN` and a
  `ul.rollovers` whose `li.default` is the current stage. The five public stage labels are
  Initiation, Pre-consultation, Consultation, Policy development, Reported (stage N = label N).
- After the widget, `<p><strong>free status text</strong></p>` ("Work has started on this
  project. We aim to publish a consultation paper by September 2019.").
- Document panels carry `<td><strong>Open date:</strong></td><td>...</td>` and `Close date:` rows.
- Pages may omit the widget (ACF `disable_implementation_status`, and the 2025 Hale pages show
  none): then `status` is None and `details["stage_shown"]` is False. A widget whose stage cannot
  be read is an error, so a template change fails loudly instead of silently losing the stage.
- Consultation dates otherwise come from the page's own sentences ("We launched our public
  consultation ... on 5 June 2018. The consultation period will run until 5 September 2018.").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Tag

from tracker.contract import TrackedItem
from scrapers.parsers.dates import london_iso
from scrapers.parsers.errors import ParseError

SOURCE = "law-commission"
ORGANISATION = "Law Commission"
BASE_URL = "https://lawcom.gov.uk"
WP_TYPES = ("project", "news", "publication")
PER_PAGE = 100
STAGES = ("Initiation", "Pre-consultation", "Consultation", "Policy development", "Reported")
#: ACF `implementation_status` value -> public stage label, as the theme's switch maps them.
STAGE_BY_IMPLEMENTATION = {
    "Pre-project": "Initiation",
    "Pre-consultation": "Pre-consultation",
    "Consultation": "Consultation",
    "Analysis of responses": "Policy development",
    "Complete": "Reported",
}
BODY_TEXT_LIMIT = 100_000

_DATE = r"(\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+ \d{4})"
_PROJECT_PATH = re.compile(r"^/project/([a-z0-9][a-z0-9-]*)/?$")
_STATUS_SENTENCE = re.compile(r"current status of this project is:?\s*([^.]+)", re.I)
_OPENS = (
    re.compile(r"launched (?:our|its|a|the) (?:public )?consultation\b[^.]*? on " + _DATE, re.I),
    re.compile(r"consultation (?:period )?(?:runs|ran|will run|is open|was open) from " + _DATE, re.I),
    re.compile(r"consultation (?:opens|opened) on " + _DATE, re.I),
)
_CLOSES = (
    re.compile(r"consultation (?:period )?(?:will run|runs|ran|is open|was open|remains open) until " + _DATE, re.I),
    re.compile(r"consultation (?:period )?(?:runs|ran|will run) from \S+ \S+ \S+ (?:to|until) " + _DATE, re.I),
    re.compile(r"consultation (?:closes|closed|will close|ends|ended|will end) on " + _DATE, re.I),
)


@dataclass
class WpEntry:
    """One post from a WordPress REST listing: what the spider needs to decide what to fetch."""

    wp_id: int
    type: str | None
    slug: str | None
    link: str
    title: str
    published: str | None = None
    modified: str | None = None
    excerpt: str | None = None
    project_urls: list[str] = field(default_factory=list)


def wp_list_url(post_type: str, page: int, base_url: str = BASE_URL) -> str:
    """The REST listing URL for one page of one post type, most recently modified first."""
    return (f"{base_url}/wp-json/wp/v2/{post_type}?per_page={PER_PAGE}&page={page}"
            "&orderby=modified&order=desc")


def project_url(slug: str, base_url: str = BASE_URL) -> str:
    """The public page of a project."""
    return f"{base_url}/project/{slug}/"


def project_slug(url: str) -> str | None:
    """The slug of a `/project/<slug>/` URL, or None for any other URL."""
    match = _PROJECT_PATH.match(urlparse(url).path)
    return match.group(1) if match else None


def parse_wp_list(payload: list, url: str) -> list[WpEntry]:
    """A `/wp-json/wp/v2/<type>` listing (decoded JSON) -> entries, in listing order."""
    if not isinstance(payload, list):
        raise ParseError(f"{SOURCE}: {url}: expected a JSON list of posts, got {type(payload).__name__}")
    if not payload:
        # WordPress answers 400 past the last page, so an empty page means the source changed.
        raise ParseError(f"{SOURCE}: {url}: listing has no posts")
    return [_wp_entry(post, url, index) for index, post in enumerate(payload)]


def _wp_entry(post: Any, url: str, index: int) -> WpEntry:
    where = f"{SOURCE}: {url}: post [{index}]"
    if not isinstance(post, dict):
        raise ParseError(f"{where}: expected an object")
    wp_id = post.get("id")
    if not isinstance(wp_id, int):
        raise ParseError(f"{where}: field 'id' missing or not an integer")
    where = f"{SOURCE}: {url}: post {wp_id}"
    link = post.get("link")
    if not isinstance(link, str) or not link.startswith("http"):
        raise ParseError(f"{where}: field 'link' missing")
    title = _rendered_text(post.get("title"))
    if not title:
        raise ParseError(f"{where}: field 'title.rendered' missing or empty")
    post_type = post.get("type") if isinstance(post.get("type"), str) else None
    slug = post.get("slug") if isinstance(post.get("slug"), str) else None
    links = _project_links(post.get("content"), link)
    if project_slug(link) and link not in links:
        links.insert(0, link)
    return WpEntry(
        wp_id=wp_id,
        type=post_type,
        slug=slug,
        link=link,
        title=title,
        published=_gmt(post.get("date_gmt"), where, "date_gmt"),
        modified=_gmt(post.get("modified_gmt"), where, "modified_gmt"),
        excerpt=_rendered_text(post.get("excerpt")) or None,
        project_urls=links,
    )


def _rendered_text(value: Any) -> str:
    """Plain text of a `{"rendered": html}` field (entities decoded)."""
    if not isinstance(value, dict) or not isinstance(value.get("rendered"), str):
        return ""
    return _clean(BeautifulSoup(value["rendered"], "lxml").get_text(" "))


def _project_links(content: Any, base: str) -> list[str]:
    """Project page URLs linked from a post's rendered content, first occurrence order."""
    if not isinstance(content, dict) or not isinstance(content.get("rendered"), str):
        return []
    found: list[str] = []
    for anchor in BeautifulSoup(content["rendered"], "lxml").find_all("a", href=True):
        href = urljoin(base, anchor["href"])
        host = urlparse(href).hostname or ""
        if host.endswith("lawcom.gov.uk") and project_slug(href) and href not in found:
            found.append(href)
    return found


def _gmt(value: Any, where: str, name: str) -> str | None:
    """WordPress `*_gmt` (no offset, UTC) -> ISO with offset; absent when `_fields` left it out."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ParseError(f"{where}: field '{name}' is not a string")
    try:
        return london_iso(value + "+00:00")
    except ValueError as exc:
        raise ParseError(f"{where}: field '{name}' is not a datetime: {value!r}") from exc


def parse_project_page(html: bytes, url: str) -> TrackedItem:
    """A `/project/<slug>/` HTML page -> a law_commission_project or _consultation item."""
    slug = project_slug(url)
    if slug is None:
        raise ParseError(f"{SOURCE}: {url}: not a /project/<slug>/ URL")
    where = f"{SOURCE}: project {slug}"
    soup = BeautifulSoup(html, "lxml")
    h1 = soup.find("h1")
    title = _clean(h1.get_text(" ")) if h1 else ""
    if not title:
        raise ParseError(f"{where}: no <h1> title")
    container = h1.find_parent("article") or h1.find_parent("main") or soup.body or soup

    implementation, stage, status_text, widget = _stage(container, where)
    documents, open_cell, close_cell = _documents(container, url)
    for element in widget:
        element.extract()  # the widget's fixed stage descriptions are not the project's text
    h1.extract()
    details_box = container.find(class_="project-details")
    project_details = _project_details(details_box) if details_box else {}
    if details_box:
        details_box.extract()
    body_text = _clean_block(container.get_text("\n"))[:BODY_TEXT_LIMIT]
    if not body_text:
        raise ParseError(f"{where}: page has a title but no text")

    search_text = " ".join(filter(None, [status_text, body_text.replace("\n", " ")]))
    opens = _iso_date(open_cell, where, "open date") if open_cell else _first_date(_OPENS, search_text, where)
    closes = _iso_date(close_cell, where, "close date") if close_cell else _first_date(_CLOSES, search_text, where)
    summary = status_text or next((line for line in body_text.split("\n") if len(line) > 40), None)

    details: dict[str, Any] = {"slug": slug, "stage_shown": stage is not None}
    if implementation:
        details["implementation_status"] = implementation
    if status_text:
        details["status_text"] = status_text
    details.update(project_details)
    if documents:
        details["documents"] = documents
    return TrackedItem(
        id=f"lawcom:{slug}",
        source=SOURCE,
        kind="law_commission_consultation" if stage == "Consultation" else "law_commission_project",
        title=title,
        url=url,
        summary=summary,
        organisation=ORGANISATION,
        status=stage,
        opens=opens,
        closes=closes,
        body_text=body_text,
        details=details,
    )


def _stage(container: Tag, where: str) -> tuple[str | None, str | None, str | None, list[Tag]]:
    """(implementation_status, stage label, free status text, widget elements) of a project page."""
    heading = next((h for h in container.find_all(["h2", "h3"])
                    if _clean(h.get_text(" ")).lower() == "current project status"), None)
    if heading is None:
        return None, None, None, []
    widget: list[Tag] = [heading]
    implementation: str | None = None
    stage: str | None = None
    status_text: str | None = None
    for sibling in heading.find_next_siblings():
        if sibling.name in ("h1", "h2"):
            break
        text = _clean(sibling.get_text(" "))
        classes = sibling.get("class") or []
        sentence = _STATUS_SENTENCE.search(text)
        if sentence:
            # Prefer the <strong> the theme wraps the value in; the sentence is the fallback.
            para = sibling if sibling.name == "p" else sibling.find(
                lambda t: t.name == "p" and "current status of this project" in t.get_text().lower())
            strong = para.find("strong") if para else None
            implementation = _clean(strong.get_text(" ")).rstrip(".") if strong else _clean(sentence.group(1))
            widget.append(sibling)
        elif "status" in classes:
            number = next((int(c[5:]) for c in classes if re.fullmatch(r"stage[1-5]", c)), None)
            if number and stage is None:
                stage = STAGES[number - 1]
            widget.append(sibling)
        elif "rollovers" in classes or (sibling.name == "ul" and text.startswith("Initiation:")):
            default = sibling.find("li", class_="default")
            label = _clean(default.get_text(" ")).split(":")[0] if default else None
            if label in STAGES and stage is None:
                stage = label
            widget.append(sibling)
        elif sibling.name == "p" and status_text is None and text:
            # The theme prints the free status text as <p><strong>...</strong></p> right after the widget.
            status_text = text
            widget.append(sibling)
            break
        else:
            break
    if implementation is not None:
        mapped = STAGE_BY_IMPLEMENTATION.get(implementation)
        if mapped is None:
            raise ParseError(f"{where}: unknown implementation_status {implementation!r}")
        if stage is not None and stage != mapped:
            raise ParseError(f"{where}: stage widget says {stage!r} but status text says {implementation!r}")
        stage = mapped
    if stage is None:
        raise ParseError(f"{where}: 'Current project status' shown but no stage could be read")
    return implementation, stage, status_text, widget


def _documents(container: Tag, base: str) -> tuple[list[dict[str, str]], str | None, str | None]:
    """Document links in the related panels, and the first Open date / Close date cells."""
    documents: list[dict[str, str]] = []
    for anchor in container.select(".related a[href]"):
        href = anchor["href"]
        if href.startswith("#") or "collapse" in href:
            continue
        documents.append({"title": _clean(anchor.get_text(" ")), "url": urljoin(base, href)})
    cells: dict[str, str] = {}
    for row in container.find_all("tr"):
        tds = row.find_all("td")
        if len(tds) >= 2:
            label = _clean(tds[0].get_text(" ")).rstrip(":").lower()
            if label in ("open date", "close date") and label not in cells:
                cells[label] = _clean(tds[1].get_text(" "))
    return documents, cells.get("open date"), cells.get("close date")


def _project_details(box: Tag) -> dict[str, str]:
    """The sidebar's h4/p pairs (Area of law, Team, Commissioner, Start date, End date)."""
    found: dict[str, str] = {}
    for h4 in box.find_all("h4"):
        value = h4.find_next_sibling("p")
        if value is not None:
            key = re.sub(r"\W+", "_", _clean(h4.get_text(" ")).lower()).strip("_")
            found[key] = _clean(value.get_text(" "))
    return found


def _first_date(patterns: tuple[re.Pattern[str], ...], text: str, where: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return _iso_date(match.group(1), where, "consultation date")
    return None


def _iso_date(value: str, where: str, name: str) -> str:
    """'5 June 2018' (or ISO, or dd/mm/yyyy) -> '2018-06-05'."""
    text = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", value.strip())
    for fmt in ("%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ParseError(f"{where}: {name} is not a date: {value!r}")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _clean_block(text: str) -> str:
    """Plain text with one line per block, blank runs removed."""
    lines = (_clean(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
