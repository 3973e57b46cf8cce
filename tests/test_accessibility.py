"""WCAG 2.2 AA as axe-core checks it, in a real headless Chromium: the plugin's pages (login, dashboard, reform
pages with their forms), Datasette's own pages as the tracker serves them (the items table with its filters and
facets, a search, a row, the database page with its SQL editor) and the briefing have no serious or critical
violation.
axe-core (4.12) comes bundled in axe-playwright-python, whose axe.min.js this injects through Selenium; nothing
is fetched."""
from __future__ import annotations

import json
from importlib import resources

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tracker import config as config_mod
from tracker.briefing.build import build_briefing
from tracker.briefing.render import write_briefing
from scrapers.parsers.written_statements import parse_statement
from tracker.classify import commitment_scan, linking, tagging
from tracker.contract import ItemLink, TrackedItem
from tracker.store import db as tracker_db
from tracker.store import asks as store_asks
from tracker.store import items as store
from tracker.store import register
from tracker.web.serve import build_datasette, hash_env_name, hash_password

from .helpers import FIXTURES
from .helpers.briefing import BASE, WEEK, build_db
from .helpers.browser import ServerThread, chrome_driver, require_chromium, submit_login

#: axe-core's rule tags for WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


AXE_JS = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def serious(driver) -> list[tuple[str, str, list]]:
    """The serious and critical violations on the page now, as (rule, impact, first target)."""
    driver.execute_script(AXE_JS)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(done, e => done({error: String(e)}));",
        WCAG_AA)
    assert "error" not in result, result
    return [(v["id"], v["impact"], v["nodes"][0]["target"]) for v in result["violations"]
            if v["impact"] in ("serious", "critical")]


def test_pages_and_the_briefing_meet_wcag_aa_as_axe_checks_them(tmp_path, monkeypatch):
    require_chromium()
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    store.upsert_items(database, [
        TrackedItem(id="govuk:ransomware", source="govuk", kind="consultation", status="open",
                    title="Ransomware: proposals to increase incident reporting and reduce payments to criminals",
                    url="https://www.gov.uk/government/consultations/ransomware",
                    summary="Home Office consultation on ransomware payments and cyber crime reporting",
                    closes="2026-12-20T17:00:00+00:00", organisation="Home Office"),
        TrackedItem(id="legislation:ukpga/2023/56", source="legislation", kind="act", published="2023-10-26",
                    title="Economic Crime and Corporate Transparency Act 2023",
                    url="https://www.legislation.gov.uk/ukpga/2023/56",
                    summary="An Act to make provision about economic crime and corporate transparency"),
        TrackedItem(id="legislation:uksi/2023/1206", source="legislation", kind="commencement_order",
                    title="The Economic Crime and Corporate Transparency Act 2023 (Commencement No. 1) Regulations",
                    url="https://www.legislation.gov.uk/uksi/2023/1206", published="2023-10-26",
                    links=[ItemLink("legislation:ukpga/2023/56", "commences", "made under s. 219")]),
        # Not relevant: its themes cell says "none" in Datasette's grey note style.
        TrackedItem(id="legislation:ukpga/2006/37", source="legislation", kind="act", published="2006-11-08",
                    title="Parliamentary Costs Act 2006", url="https://www.legislation.gov.uk/ukpga/2006/37"),
    ])
    # A real written statement, so the commitments page has a candidate with its editor's form.
    statement = json.loads((FIXTURES / "written-statements" / "statement_psfa_2025-10-16.json").read_text())
    store.upsert_items(database, [parse_statement(statement["value"], "u")])
    tagging.classify_stored(database)
    linking.suggest_links(database)
    # The register on the reform page (issue 16): a response with an ask and a suggested passage to decide.
    entry = register.validate_response({"item_id": "govuk:ransomware", "decision": "respond", "status": "drafting",
                                        "owner_team": "Cyber policy"})
    store_asks.save_response_with_asks(database.conn, "ed", entry, store_asks.parse_asks_form(
        {"ask-1-text": "Ban ransom payments by public bodies", "ask-1-theme": "cybercrime"}))
    database.execute("INSERT INTO ask_suggestions (ask_id, item_id, passage, rank, score, created_at) VALUES "
                     "(1, 'govuk:ransomware', 'reduce payments to criminals', 1, 1.0, '2026-12-01T00:00:00+00:00')")
    database.conn.commit()
    commitment_scan.scan(database)
    database.close()
    monkeypatch.setenv(hash_env_name("ed"), hash_password("a long enough password"))
    datasette = build_datasette(path, config=config_mod.Config(), users={"ed": "editor"}, secret="a11y")
    briefing_db = tracker_db.connect(tmp_path / "briefing.db")
    build_db(briefing_db)
    html_path, _ = write_briefing(briefing_db, build_briefing(briefing_db, WEEK, None, BASE), tmp_path / "reports")
    driver = chrome_driver(tmp_path)
    found = {}
    try:
        with ServerThread(datasette.app()) as base:
            driver.get(f"{base}/-/login")
            found["login"] = serious(driver)
            submit_login(driver, "ed", "wrong")
            WebDriverWait(driver, 10).until(lambda d: "Invalid" in d.page_source)
            found["login with an error"] = serious(driver)
            submit_login(driver, "ed", "a long enough password")
            WebDriverWait(driver, 10).until(lambda d: "/-/login" not in d.current_url)
            for name, page in [("dashboard", "/"), ("reform page", "/-/dossier/govuk:ransomware"),
                               ("reform page of a thread", "/-/dossier/legislation:uksi/2023/1206"),
                               ("commitments page", "/-/commitments"),
                               ("forward calendar", "/-/calendar"),
                               ("my watchlist", "/-/watchlist"),
                               ("items table with its filters and facets", "/tracker/items"),
                               ("a search", "/tracker/items?_search=fraud"),
                               ("a row", "/tracker/items/govuk~3Aransomware"),
                               ("database page with the SQL editor", "/tracker")]:
                driver.get(base + page)
                found[name] = serious(driver)
            driver.get(f"{base}/-/scorecard")
            found["scorecard"] = serious(driver)
            driver.get(f"{base}/-/dossier/govuk:ransomware")
            driver.find_element(By.CSS_SELECTOR, "#log-response input[type=submit]").click()  # blank: refused
            WebDriverWait(driver, 10).until(lambda d: "the form is blank" in d.page_source)
            found["reform page with a refused response"] = serious(driver)
            driver.get(html_path.resolve().as_uri())
            found["briefing"] = serious(driver)
    finally:
        driver.quit()
    assert found == dict.fromkeys(found, []), {k: v for k, v in found.items() if v}
    assert len(found) == 15
