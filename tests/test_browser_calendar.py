"""The forward calendar in a real headless Chromium, as a reader uses it: eight weeks by week, and one click from an
event to its reform page."""
from __future__ import annotations

from datetime import datetime, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tracker import config as config_mod
from tracker.classify import linking, tagging
from tracker.contract import TrackedItem
from tracker.store import db as tracker_db
from tracker.store import items as store
from tracker.web.serve import build_datasette, hash_env_name, hash_password

from .helpers.browser import ServerThread, chrome_driver, require_chromium, submit_login

TITLE = "Ransomware: proposals to increase incident reporting and reduce payments to criminals"
CLOCK = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)  # a Monday


def test_calendar_weeks_and_one_click_to_the_reform_page(tmp_path, monkeypatch):
    require_chromium()
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    # A test record: its closing date is chosen to fall in the calendar's second week.
    store.upsert_item(database, TrackedItem(
        id="govuk:ransomware", source="govuk", kind="consultation", status="open", title=TITLE,
        url="https://www.gov.uk/government/consultations/ransomware", organisation="Home Office",
        summary="Home Office consultation on ransomware payments and cyber crime reporting",
        closes="2026-12-16T17:00:00+00:00"))
    tagging.classify_stored(database)
    linking.suggest_links(database)
    database.close()
    monkeypatch.setenv(hash_env_name("rita"), hash_password("a long enough password"))
    datasette = build_datasette(path, config=config_mod.Config(), users={"rita": "reader"}, secret="cal",
                                clock=CLOCK)
    driver = chrome_driver(tmp_path)
    try:
        with ServerThread(datasette.app()) as base:
            driver.get(f"{base}/-/calendar")
            WebDriverWait(driver, 10).until(lambda d: "/-/login" in d.current_url)
            submit_login(driver, "rita", "a long enough password")
            WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/-/calendar"))
            headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
            assert headings[:2] == ["Week commencing 7 December 2026", "Week commencing 14 December 2026"]
            assert len(headings) == 8
            second = driver.find_element(By.ID, "week-2").find_element(By.XPATH, "..")
            assert "Wed 16 Dec" in second.text and "consultation closes" in second.text
            second.find_element(By.LINK_TEXT, TITLE).click()
            WebDriverWait(driver, 10).until(lambda d: "/-/dossier/" in d.current_url)
            assert driver.find_element(By.TAG_NAME, "h1").text == TITLE
    finally:
        driver.quit()
