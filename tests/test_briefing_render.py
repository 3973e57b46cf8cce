"""Rendering the briefing: email-safe HTML, readable text, hostile scraped text, reports and their record."""
from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import datetime, timezone
from html.parser import HTMLParser

import pytest

from tracker import weeks
from tracker.briefing.build import build_briefing
from tracker.briefing.model import BriefingError
from tracker.briefing.render import http_url, render, write_briefing
from tracker.store.items import upsert_item

from .helpers.briefing import BASE, WEEK, at, build_db, classify, consultation, respond

NOW = datetime(2026, 11, 23, 7, 40, tzinfo=timezone.utc)
HOSTILE_TITLE = "<script>alert(1)</script> \"Fraud\" & 'quotes' \u202eevil\u202c"


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def named(self, name: str) -> list[dict]:
        return [attrs for tag, attrs in self.tags if tag == name]


@pytest.fixture
def scenario(database):
    build_db(database)
    return database


def test_html_is_email_safe(scenario):
    html, _ = render(build_briefing(scenario, WEEK, None, BASE))
    tags = Tags(html)
    names = {tag for tag, _ in tags.tags}
    assert not names & {"script", "img", "link", "iframe", "object", "form", "svg"}
    assert all(attrs["href"].startswith("https://") for attrs in tags.named("a"))
    assert not [attrs for _, attrs in tags.tags if "src" in attrs or any(k.startswith("on") for k in attrs)]
    # The one <style> left holds only @media and @page rules (they cannot be inlined), after the charset, in the
    # head; no @-rule inside another (Gmail would drop the whole block).
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert not re.sub(r"@(?:media|page)[^{]*\{(?:[^{}@]*\{[^{}@]*\})*[^{}@]*\}", "", style).strip()
    assert html.index("charset=utf-8") < html.index("<style>") < html.index("</head>") < html.index("<body")
    assert html.encode().index(b"charset=utf-8") < 1024 - 20  # HTML looks for the encoding in the first 1024 bytes
    assert tags.named("table")[0]["role"] == "presentation" and tags.named("table")[1]["width"] == "100%"
    assert 'class="badge"' in html and "color: #d4351c" in html  # CSS inlined from the <style> block
    assert "https://www.gov.uk/government/consultations/fraud-strategy" in [a["href"] for a in tags.named("a")]
    assert f"{BASE}/tracker/items/govuk~3Afraud-strategy" in [a["href"] for a in tags.named("a")]
    assert f"{BASE}/-/dossier/legislation:uksi/2026/1200" in [a["href"] for a in tags.named("a")]


def css_rules(css: str, selector: str) -> str:
    """The declarations of the rule whose selector list is exactly `selector`."""
    (found,) = re.findall(r"(?:^|[}\s])" + re.escape(selector) + r"\s*\{([^{}]*)\}", css)
    return found


def test_html_is_fluid_for_phones_fixed_for_outlook_and_printable(scenario):
    """What mail clients get after inlining: a 100% table capped at 640 px, a fixed 640 px wrapper only Outlook
    (MSO) sees, the phone and print @media rules in the head, and long words allowed to wrap anywhere."""
    html, _ = render(build_briefing(scenario, WEEK, None, BASE))
    tags = Tags(html)
    main = tags.named("table")[1]
    assert (main["class"], main["role"], main["width"]) == ("main", "presentation", "100%")
    assert "width: 100%;max-width: 640px;" in main["style"]
    # Outlook's Word engine ignores max-width and media queries: it alone reads the fixed-width table around it.
    opened = ('<!--[if mso]><table role="presentation" align="center" width="640" cellpadding="0" cellspacing="0" '
              'border="0"><tr><td width="640"><![endif]-->')
    closed = "<!--[if mso]></td></tr></table><![endif]-->"
    assert html.count(opened) == 1 and html.count(closed) == 1
    assert html.index(opened) < html.index('<table class="main"') < html.rindex("</table>", 0, html.index(closed))
    assert html.index(closed) < html.rindex("</table>")
    # Every cell lets a long unbroken title or URL wrap (inlined, so clients without <style> get it too), except
    # the badges: their short words of our own ('Commencement order') must not break, and the badge grows instead.
    cells = [td for td in tags.named("td") if td.get("class") not in ("badge", "badge-ok")]
    assert len(cells) > 10 and all("word-break: break-word;overflow-wrap: anywhere;" in td["style"] for td in cells)
    badges = [td for td in tags.named("td") if td.get("class") in ("badge", "badge-ok")]
    assert len(badges) > 2 and all("word-break: normal;overflow-wrap: normal;" in td["style"] for td in badges)

    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    phone = style.split("@media only screen and (max-width: 480px) {")[1].split("@media")[0]
    assert "display: block !important; width: auto !important;" in css_rules(phone, ".badge, .badge-ok")
    assert "display: block !important;" in css_rules(phone, ".entry")
    assert "padding: 0 !important;" in css_rules(phone, ".outer-cell")
    assert "size: A4 portrait;" in css_rules(style, "@page")
    printed = style.split("@media print {")[1]
    kept_whole = css_rules(printed, ".section table tr, .section p, .alert p")
    assert "page-break-inside: avoid; break-inside: avoid;" in kept_whole
    assert "color: #0b0c0c !important;" in css_rules(printed, "h1, .header-meta")
    assert "background-color: #ffffff !important;" in css_rules(printed, ".header")
    assert "content: none !important;" in css_rules(printed, "a::after")
    assert "attr(href)" not in style


def test_text_sections_read_whole(scenario):
    _, text = render(build_briefing(scenario, WEEK, None, BASE))
    closing = text.split("Closing in the next 28 days\n---------------------------\n")[1].split(
        "\nScrutiny periods ending in the next 28 days")[0]
    assert closing == (
        "* Fraud strategy: consultation\n"
        "    10 days left: closes 3 Dec 2026. consultation, Home Office\n"
        "    Themes: Fraud\n"
        "    Response: NONE LOGGED\n"
        "    https://www.gov.uk/government/consultations/fraud-strategy\n"
        f"    Tracker: {BASE}/tracker/items/govuk~3Afraud-strategy\n"
        f"    Dossier: {BASE}/-/dossier/govuk:fraud-strategy\n"
        "\n"
        "* AML supervision reform\n"
        "    21 days left: closes 14 Dec 2026. consultation, Home Office\n"
        "    Themes: Money laundering, Fraud\n"
        "    Response: respond, drafting (owner: Economic crime policy), internal deadline 1 Dec 2026\n"
        "    https://www.gov.uk/government/consultations/aml-supervision\n"
        f"    Tracker: {BASE}/tracker/items/govuk~3Aaml-supervision\n"
        f"    Dossier: {BASE}/-/dossier/govuk:aml-supervision\n"
    )
    rolling = text.split("Open with no deadline (rolling calls for evidence)\n"
                         "--------------------------------------------------\n")[1].split("\n\nNEW THIS WEEK")[0]
    assert rolling == (
        "* Economic crime enforcement\n"
        "    committee inquiry, Treasury Committee; open, no deadline\n"
        "    Themes: Fraud\n"
        "    Response: NONE LOGGED\n"
        "    https://committees.parliament.uk/work/8885/\n"
        f"    Tracker: {BASE}/tracker/items/committees~3A8885\n"
        f"    Dossier: {BASE}/-/dossier/committees:8885"
    )
    moved = text.split("MOVED THIS WEEK\n===============\n")[1].split("\n\nRESPONSES")[0]
    assert moved.splitlines()[:2] + moved.splitlines()[6:8] == [
        "* Commencement order (made 19 Nov 2026): The Economic Crime and Corporate Transparency Act 2023 "
        "(Commencement No. 9) Regulations 2026",
        "    Commences: Economic Crime and Corporate Transparency Act 2023",
        "* Bill stage (seen by the tracker 20 Nov 2026): Crime and Policing Bill",
        "    Commons: 2nd reading -> Commons: Committee stage",
    ]
    assert text.index("!! SOURCE PROBLEMS") < text.index("ACTION NEEDED")
    assert "- legislation.gov.uk: last run failed; stale: no successful run since 15 Nov 2026 " \
           "(last run 22 Nov 2026). HTTP 503 from legislation.gov.uk" in text
    assert "\n\n\n" not in text


def test_quiet_week_says_so(database):
    html, text = render(build_briefing(database, WEEK, None, BASE))
    for line in ("No relevant consultations or calls for evidence close in the next 28 days.",
                 "No government response is overdue.", "No relevant items were published this week.",
                 "No relevant call for evidence is open without a deadline.",
                 "No responses submitted this week.", "No responses due in the next 14 days.",
                 "No completed crawl runs are recorded yet."):
        assert line in text and line in html
    assert "SOURCE PROBLEMS" not in text and "Source problems" not in html


def test_hostile_scraped_text(database):
    upsert_item(database, consultation("evil", HOSTILE_TITLE, "2026-12-01", opens="2026-11-18",
                                       summary="<img src=x onerror=alert(1)> Steal. Second.",
                                       organisation="</td></tr></table><a href='javascript:alert(3)'>x</a>"),
                now=at(18))
    database.execute("UPDATE items SET url = 'javascript:alert(1)' WHERE id = 'govuk:evil'")  # past validation
    classify(database, "govuk:evil", [("fraud", 0.9, ["<b>fraud</b>"])])
    respond(database, "govuk:evil", at(19), document_url="javascript:alert(2)", owner_team="<i>Team</i>")
    briefing = build_briefing(database, WEEK, None, BASE)
    html, text = render(briefing)
    tags = Tags(html)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;" in html
    assert "&lt;i&gt;Team&lt;/i&gt;" in html and "&lt;b&gt;fraud&lt;/b&gt;" in html
    assert "javascript:" not in " ".join(a.get("href", "") for a in tags.named("a"))
    assert {tag for tag, _ in tags.tags}.isdisjoint({"script", "img", "i", "b"})
    assert "\u202e" not in html and "\u202e" not in text
    # Plain text is inert; the title reads as written (minus the bidi override) and no unsafe URL is shown.
    assert "* <script>alert(1)</script> \"Fraud\" & 'quotes' evil" in text
    assert "javascript:" not in text.replace("javascript:alert(3)", "")  # only inside the organisation's text
    assert f"Tracker: {BASE}/tracker/items/govuk~3Aevil" in text


@pytest.mark.parametrize("url, safe", [
    ("https://www.gov.uk/x?a=1&b=2", True), ("http://example.org/", True), ("HTTPS://EXAMPLE.ORG/x", True),
    ("javascript:alert(1)", False), (" javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>", False), ("vbscript:x", False), ("//evil.example/x", False), ("/relative", False),
    ("https://x.org/\" onmouseover=\"alert(1)", False), ("https://x.org/a\nb", False), ("", False), (None, False),
])
def test_http_url(url, safe):
    assert (http_url(url) != "") is safe


def test_write_briefing_records_without_touching_sent_at(scenario, tmp_path):
    briefing = build_briefing(scenario, WEEK, None, BASE)
    paths = write_briefing(scenario, briefing, tmp_path / "reports", now=NOW)
    assert paths == (tmp_path / "reports" / "2026-W48.html", tmp_path / "reports" / "2026-W48.txt")
    html, text = render(briefing)
    assert paths.html.read_text(encoding="utf-8") == html and paths.text.read_text(encoding="utf-8") == text
    row = next(iter(scenario.query("SELECT * FROM briefings")))
    assert row == {"week": WEEK, "generated_at": "2026-11-23T07:40:00+00:00", "as_of": "2026-11-23T07:30:00+00:00",
                   "content_hash": briefing.content_hash, "subject": briefing.subject,
                   "html_path": str(paths.html), "text_path": str(paths.text), "sent_at": None,
                   "recipients": None, "message_id": None, "send_attempts": 0, "last_error": None}
    scenario.execute("UPDATE briefings SET sent_at = '2026-11-23T07:45:00+00:00', send_attempts = 1")
    write_briefing(scenario, briefing, tmp_path / "reports", now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    row = next(iter(scenario.query("SELECT * FROM briefings")))
    assert (row["sent_at"], row["send_attempts"], row["generated_at"]) == (
        "2026-11-23T07:45:00+00:00", 1, "2026-12-01T00:00:00+00:00")
    # Different content for a week already sent would overwrite what was sent: refused unless asked for.
    other = build_briefing(scenario, WEEK, None, "")
    with pytest.raises(BriefingError, match="was sent at 2026-11-23T07:45:00"):
        write_briefing(scenario, other, tmp_path / "reports")
    write_briefing(scenario, other, tmp_path / "reports", replace_sent=True)
    assert next(iter(scenario.query("SELECT content_hash FROM briefings")))["content_hash"] == other.content_hash


def _png_has_content(png: bytes) -> bool:
    """Whether a PNG (8-bit RGB/RGBA, non-interlaced) has pixels of more than one colour."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, colour_type = 8, b"", 0, 0
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, depth, colour_type = int.from_bytes(data[:4], "big"), data[8], data[9]
            assert depth == 8 and colour_type in (2, 6)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * (4 if colour_type == 6 else 3) + 1
    # Each row starts with a filter byte; rows that are not a flat copy of one colour show up as varied bytes.
    rows = [raw[i:i + stride] for i in range(0, len(raw), stride)]
    return len({bytes(r[1:]) for r in rows}) > 3 and any(len(set(r[1:])) > 8 for r in rows)


def test_html_renders_in_headless_chromium(scenario, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium) - cannot screenshot the HTML email")
    html, _ = render(build_briefing(scenario, WEEK, None, BASE))
    page = tmp_path / "briefing.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "briefing.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=800,1400",
                    f"--screenshot={shot}", page.as_uri()],
                   check=True, timeout=120, capture_output=True)
    assert shot.exists() and _png_has_content(shot.read_bytes())


def test_missed_deadlines_newly_relevant_and_archive_lines_are_shown(database):
    database["priorities"].insert({"id": "fraud", "name": "Fraud", "grouping": "theme", "description": ""})
    upsert_item(database, consultation("late", "Late one", "2026-12-20"), now=at(1))
    classify(database, "govuk:late", [("fraud", 0.9, ["fraud"])], since=at(18))
    respond(database, "govuk:late", at(2), internal_deadline="2026-11-18", owner_team="Fraud policy")
    html, text = render(build_briefing(database, WEEK, None, BASE))
    assert ("Our deadlines missed\n--------------------\n* Late one\n"
            "    Our internal deadline passed 5 days ago; our response is drafting (owner: Fraud policy)\n") in text
    assert "Our internal deadline passed 5 days ago; our response is <strong" in html
    assert "* Late one\n    newly relevant: reclassified. consultation, Home Office; first seen 1 Nov 2026; " \
           "open until 20 Dec 2026; themes: Fraud\n" in text
    # The item was first seen on 1 Nov, before the window: nothing was added to the archive this week.
    assert "Added to the archive" not in text and "Added to the archive" not in html


SATURDAY = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)  # inside W48, after its Monday 07:30


def test_a_preview_gets_its_own_files_and_leaves_the_week_alone(scenario, tmp_path):
    """As of Saturday is a preview: its own files, no `briefings` row; the week's files stay byte-identical."""
    reports = tmp_path / "reports"
    week = write_briefing(scenario, build_briefing(scenario, WEEK, None, BASE), reports, now=NOW)
    assert week == (reports / "2026-W48.html", reports / "2026-W48.txt")
    files = {path: path.read_bytes() for path in week}
    row = next(iter(scenario.query("SELECT * FROM briefings")))

    preview = build_briefing(scenario, None, SATURDAY, BASE)
    assert (preview.week, preview.preview) == (WEEK, True)
    paths = write_briefing(scenario, preview, reports, now=SATURDAY)

    assert paths == (reports / "2026-W48-preview-20261128T0200.html", reports / "2026-W48-preview-20261128T0200.txt")
    assert (paths.html.read_text(encoding="utf-8"), paths.text.read_text(encoding="utf-8")) == render(preview)
    assert {path: path.read_bytes() for path in week} == files
    assert list(scenario.query("SELECT * FROM briefings")) == [row]
    assert sorted(p.name for p in reports.iterdir()) == [
        "2026-W48-preview-20261128T0200.html", "2026-W48-preview-20261128T0200.txt", "2026-W48.html", "2026-W48.txt"]


def test_as_of_the_weeks_monday_0730_is_the_weeks_briefing_not_a_preview(scenario, tmp_path):
    exact = build_briefing(scenario, None, datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc), BASE)
    assert not exact.preview and exact == build_briefing(scenario, WEEK, None, BASE)
    paths = write_briefing(scenario, exact, tmp_path, now=NOW)
    assert paths.html.name == "2026-W48.html"
    assert [r["week"] for r in scenario.query("SELECT week FROM briefings")] == [WEEK]
    # A second later it is a preview (named to the minute, London time).
    later = build_briefing(scenario, None, datetime(2026, 11, 23, 7, 30, 1, tzinfo=timezone.utc), BASE)
    assert later.preview and write_briefing(scenario, later, tmp_path).html.name == "2026-W48-preview-20261123T0730.html"


def heading(html: str) -> str:
    """The text of the page's one <h1> (its attributes are the inlined CSS)."""
    (found,) = re.findall(r"<h1[^>]*>(.*?)</h1>", html)
    return found


def test_a_previews_title_and_subject_say_preview_as_of(scenario):
    canonical = build_briefing(scenario, WEEK, None, BASE)
    preview = build_briefing(scenario, None, SATURDAY, BASE)
    counts = preview.counts
    assert preview.subject == (f"SEOC reform briefing w/c 23 Nov 2026 (preview as of 28 Nov 2026, 02:00): "
                               f"{counts['deadlines']} deadlines, {counts['new']} new, {counts['moved']} moved")
    html, text = render(preview)
    assert f"<title>{preview.subject}</title>" in html
    assert heading(html) == "SEOC reform briefing (preview as of 28 Nov 2026, 02:00)"
    assert text.startswith("SEOC REFORM BRIEFING (preview as of 28 Nov 2026, 02:00)\nWeek commencing 23 Nov 2026 "
                           "(2026-W48)\nAs of Sat 28 Nov 2026 02:00 (London)")
    html, text = render(canonical)
    assert "preview" not in canonical.subject and "preview" not in html and "preview" not in text
    assert heading(html) == "SEOC reform briefing" and text.startswith("SEOC REFORM BRIEFING\n")


def test_a_summer_preview_is_labelled_and_named_in_london_time(database, tmp_path):
    preview = build_briefing(database, None, datetime(2026, 6, 6, 1, 0, tzinfo=timezone.utc), BASE)  # 02:00 BST
    assert "(preview as of 6 Jun 2026, 02:00)" in preview.subject
    assert write_briefing(database, preview, tmp_path).html.name == "2026-W23-preview-20260606T0200.html"


@pytest.mark.parametrize("when, exact", [
    (datetime(2026, 11, 23, 7, 30, tzinfo=timezone.utc), True),  # GMT
    (datetime(2026, 11, 23, 7, 30, 0, 999999, tzinfo=timezone.utc), True),  # the store keeps whole seconds
    (datetime(2026, 11, 23, 7, 30, 1, tzinfo=timezone.utc), False),
    (datetime(2026, 11, 23, 7, 29, 59, tzinfo=timezone.utc), False),
    (datetime(2026, 6, 29, 6, 30, tzinfo=timezone.utc), True),  # 07:30 BST
    (datetime(2026, 6, 29, 7, 30, tzinfo=timezone.utc), False),
    (datetime(2026, 11, 24, 7, 30, tzinfo=timezone.utc), False),  # a Tuesday
])
def test_is_briefing_instant_is_monday_0730_london_to_the_second(when, exact):
    """What `run` asks before sending: only a week's own instant may be emailed."""
    assert weeks.is_briefing_instant(when) is exact
