"""In a real headless Chromium, as a reader would: from the items table, a search, a saved query and the home
page, one click on an item reaches its reform page; dates and themes read in words; rows fit the page."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tracker import config as config_mod
from tracker.classify import tagging
from tracker.contract import TrackedItem
from tracker.store import db as tracker_db
from tracker.store import items as store
from tracker.web.serve import build_datasette, hash_env_name, hash_password

from .helpers.browser import ServerThread, chrome_driver, require_chromium, submit_login

ITEM = "govuk:ransomware"
TITLE = "Ransomware: proposals to increase incident reporting and reduce payments to criminals"


def test_every_item_is_one_click_from_its_reform_page(tmp_path, monkeypatch):
    require_chromium()
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    store.upsert_item(database, TrackedItem(
        id=ITEM, source="govuk", kind="consultation", status="open", title=TITLE,
        url="https://www.gov.uk/government/consultations/ransomware", organisation="Home Office",
        summary="Home Office consultation on ransomware payments and cyber crime reporting. " * 12,
        body_text="Long body text. " * 500, opens="2026-11-30T09:00:00+00:00", closes="2026-12-20T17:00:00+00:00"))
    tagging.classify_stored(database)
    database.close()
    monkeypatch.setenv(hash_env_name("rita"), hash_password("a long enough password"))
    datasette = build_datasette(path, config=config_mod.Config(), users={"rita": "reader"}, secret="pages")
    driver = chrome_driver(tmp_path)
    try:
        with ServerThread(datasette.app()) as base:
            driver.get(f"{base}/-/dossier/{ITEM}")  # a link from the emailed briefing, logged out
            WebDriverWait(driver, 10).until(lambda d: "/-/login" in d.current_url)
            submit_login(driver, "rita", "a long enough password")
            WebDriverWait(driver, 10).until(lambda d: "/-/dossier/" in d.current_url)  # the page asked for
            for start in ("/tracker/items", "/tracker/items?_search=ransomware", "/tracker/open_now", "/"):
                driver.get(base + start)
                link = driver.find_element(By.LINK_TEXT, TITLE)
                link.click()
                WebDriverWait(driver, 10).until(lambda d: "/-/dossier/" in d.current_url)
                assert driver.find_element(By.TAG_NAME, "h1").text == TITLE, start
            driver.set_window_size(1400, 1000)
            driver.get(f"{base}/tracker/items")
            page = driver.find_element(By.TAG_NAME, "body").text
            assert "Cybercrime" in page and '["cybercrime"]' not in page  # themes in words
            assert "20 Dec 2026, 17:00" in page and "2026-12-20T17:00" not in page  # dates in words, London
            row = driver.find_element(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
            assert row.size["height"] < 120  # long text clipped, bulky columns left out
    finally:
        driver.quit()
