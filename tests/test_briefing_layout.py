"""The briefing's HTML in a real browser: it reflows from a 390 px phone to a 1400 px desktop without sideways
scroll, long unbroken titles and URLs included, and it prints black on white to an A4 PDF."""
from __future__ import annotations

import re
import subprocess

import pytest

from tracker.briefing.build import build_briefing
from tracker.briefing.render import render
from tracker.store.items import upsert_item

from .helpers.briefing import BASE, WEEK, at, build_db, classify, consultation, record_run, respond
from .helpers.browser import CHROMIUM_FLAGS, chrome_driver, require_chromium

#: 120 characters with no space: the kind of address a source's error message or a scraped title carries.
LONG_URL = ("https://www.gov.uk/government/consultations/economic-crime-and-corporate-transparency-"
            "act-2023-failure-to-prevent-fraud/")
LONG_WORD = "Anti-money-laundering-supervisory-regime-reform-" * 3
LONG_TITLE = f"{LONG_WORD} <script>alert(1)</script> \"Fraud\" & 'quotes' see {LONG_URL}"
PHONE, DESKTOP, MAIN_WIDTH = 390, 1400, 640


@pytest.fixture
def page(database, tmp_path):
    """The week's briefing written to a file, with long unbroken text in a badge row, a plain row, a response
    line, the matched phrases and a source's error message."""
    assert len(LONG_URL) == 120
    build_db(database)
    upsert_item(database, consultation("long", LONG_TITLE, "2026-12-01", opens="2026-11-18",
                                       summary=f"Read {LONG_URL} first.", organisation=LONG_WORD), now=at(18))
    classify(database, "govuk:long", [("fraud", 0.9, [LONG_URL])])
    respond(database, "govuk:long", at(19), document_url=LONG_URL, owner_team=LONG_WORD)
    record_run(database, "legislation", at(22, 12), "failed", f"HTTP 503 from {LONG_URL}")
    html, _ = render(build_briefing(database, WEEK, None, BASE))
    assert html.count(LONG_URL) >= 5 and "HTTP 503 from " + LONG_URL in html  # shown as text, not only in hrefs
    path = tmp_path / "briefing.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture
def driver(tmp_path):
    browser = chrome_driver(tmp_path)
    yield browser
    browser.quit()


def widths(driver) -> dict:
    return driver.execute_script("""
        const main = document.querySelector('table.main').getBoundingClientRect();
        const badge = document.querySelector('td.badge, td.badge-ok').getBoundingClientRect();
        const entry = document.querySelector('td.badge + td.entry, td.badge-ok + td.entry').getBoundingClientRect();
        return {inner: window.innerWidth, client: document.documentElement.clientWidth,
                scroll: document.documentElement.scrollWidth, main: main.width,
                badge_above_entry: badge.bottom <= entry.top};""")


def test_no_sideways_scroll_on_a_phone_or_a_desktop(page, driver):
    driver.set_window_size(PHONE, 900)
    driver.get(page.as_uri())
    phone = widths(driver)
    assert phone["inner"] == PHONE  # the window really is phone-sized
    assert phone["scroll"] <= phone["client"] <= phone["inner"]
    # Edge to edge, the date badge stacked above its entry (the phone media query applies).
    assert phone["main"] == phone["client"] and phone["badge_above_entry"]

    driver.set_window_size(DESKTOP, 900)
    driver.get(page.as_uri())
    desktop = widths(driver)
    assert desktop["inner"] == DESKTOP
    assert desktop["scroll"] <= desktop["client"] <= desktop["inner"]
    # The column keeps its 640 px however long a word is; the badge sits beside its entry.
    assert desktop["main"] == MAIN_WIDTH and not desktop["badge_above_entry"]


def test_printed_black_on_white_with_rows_kept_whole(page, driver):
    """As the browser prints (print media, about the width of A4 less margins): dark text on white, since
    backgrounds are dropped, no sideways overflow, rows not cut across pages, no link address after a link."""
    driver.set_window_size(680, 900)
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    driver.get(page.as_uri())
    printed = driver.execute_script("""
        const style = (selector, pseudo) => getComputedStyle(document.querySelector(selector), pseudo || null);
        const links = [...document.querySelectorAll('a')].map(a => getComputedStyle(a, '::after').content);
        const rows = [...document.querySelectorAll('td.section table tr')].map(tr => getComputedStyle(tr).breakInside);
        return {scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
                h1: style('h1').color, meta: style('.header-meta').color, header: style('td.header').backgroundColor,
                main: document.querySelector('table.main').getBoundingClientRect().width,
                rows: rows, links: [...new Set(links)]};""")
    assert printed["scroll"] <= printed["client"]
    assert (printed["h1"], printed["meta"], printed["header"]) == (
        "rgb(11, 12, 12)", "rgb(11, 12, 12)", "rgb(255, 255, 255)")
    assert printed["main"] == printed["client"]  # the whole printable width
    assert len(printed["rows"]) > 8 and set(printed["rows"]) == {"avoid"}
    assert set(printed["links"]) <= {"none", "normal"}


def test_prints_to_an_a4_pdf(page, tmp_path):
    chromium, _ = require_chromium()
    pdf = tmp_path / "briefing.pdf"
    flags = [flag for flag in CHROMIUM_FLAGS if not flag.startswith("--window-size")]
    subprocess.run([chromium, *flags, f"--user-data-dir={tmp_path / 'pdf-profile'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, timeout=120, capture_output=True)
    body = pdf.read_bytes()
    assert body.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", body)
    # A4 is 595.28 x 841.89 points (Chromium rounds to whole CSS pixels); US Letter, its default, is 612 x 792.
    assert boxes and all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)
    assert len(re.findall(rb"/Type\s*/Page\b", body)) >= 2  # the long briefing runs over pages
