"""End to end in a real headless Chromium (issue 16): an editor logs a submitted response with two asks, the
tracker suggests a passage of the government's response for one of them, the editor accepts it as "adopted",
and the scorecard changes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tracker import config as config_mod
from tracker.classify.priorities import load_ruleset
from tracker.classify.tagging import sync_priorities
from tracker.contract import ItemLink, TrackedItem
from tracker.store import db as tracker_db
from tracker.store import items as store
from tracker.store import reforms
from tracker.web.serve import build_datasette, hash_env_name, hash_password

from .helpers.browser import ServerThread, chrome_driver, require_chromium, submit_login

ANSWER = "The Government will extend the failure to prevent fraud offence to medium-sized organisations."


def _ago(days: int) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days)).replace(microsecond=0).isoformat()


def _adopted(driver, base) -> str:
    driver.get(f"{base}/-/scorecard")
    table = driver.find_element(By.ID, "scorecard_asks_by_outcome")
    row = next(r for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")
               if r.find_element(By.CSS_SELECTOR, "td").text == "adopted")
    return row.find_elements(By.CSS_SELECTOR, "td")[1].text


def test_editor_logs_two_asks_accepts_a_suggested_outcome_and_the_scorecard_changes(tmp_path, monkeypatch):
    require_chromium()
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    store.upsert_items(database, [
        TrackedItem(id="govuk:fraud", source="govuk", kind="consultation", title="Failure to prevent fraud",
                    url="https://www.gov.uk/government/consultations/fraud", status="closed", opens=_ago(200),
                    closes=_ago(150), summary="Consultation on failure to prevent fraud", organisation="Home Office"),
        TrackedItem(id="govuk:fraud-response", source="govuk", kind="policy_paper",
                    title="Failure to prevent fraud: government response",
                    url="https://www.gov.uk/government/publications/fraud-response", published=_ago(20),
                    body_text=f"Summary. {ANSWER} Other matters.",
                    links=[ItemLink(relation="outcome_of", to_id="govuk:fraud")])])
    sync_priorities(database, load_ruleset())
    reforms.recompute(database.conn)
    database.conn.commit()
    database.close()
    monkeypatch.setenv(hash_env_name("ed"), hash_password("a long enough password"))
    datasette = build_datasette(path, config=config_mod.Config(), users={"ed": "editor"}, secret="e2e-register")
    driver = chrome_driver(tmp_path)
    try:
        with ServerThread(datasette.app()) as base:
            driver.get(f"{base}/-/login")
            submit_login(driver, "ed", "a long enough password")
            WebDriverWait(driver, 10).until(lambda d: "/-/login" not in d.current_url)
            driver.get(f"{base}/-/dossier/govuk:fraud")
            form = driver.find_element(By.ID, "log-response")
            Select(form.find_element(By.NAME, "status")).select_by_visible_text("submitted")
            form.find_element(By.NAME, "owner_team").send_keys("SEOC policy")
            submitted = datetime.fromisoformat(_ago(140)).date()
            # A date input takes the date as the browser's locale types it; set its value as a person's pick would.
            driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "submitted_on"),
                                  submitted.isoformat())
            form.find_element(By.NAME, "ask-1-text").send_keys("Extend the offence to medium-sized organisations")
            Select(form.find_element(By.NAME, "ask-1-theme")).select_by_visible_text("Fraud")
            form.find_element(By.NAME, "ask-1-target").send_keys("Question 4")
            Select(form.find_element(By.NAME, "ask-1-priority")).select_by_visible_text("high")
            form.find_element(By.NAME, "ask-2-text").send_keys("Fund disclosure work")
            form.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: "message=" in d.current_url)
            body = driver.find_element(By.TAG_NAME, "body").text
            assert "Response saved" in body
            assert "Extend the offence to medium-sized organisations" in body and "Fund disclosure work" in body
            assert _adopted(driver, base) == "0"

            # The tracker (branch loop's ranking) suggests a passage for the first ask.
            database = tracker_db.connect(path)
            ask_id = database.execute("select id from asks where position = 1").fetchone()[0]
            database.execute("insert into ask_suggestions (ask_id, item_id, passage, rank, score, created_at) "
                             "values (?, 'govuk:fraud-response', ?, 1, 3.1, ?)", [ask_id, ANSWER, _ago(0)])
            database.conn.commit()
            database.close()

            driver.get(f"{base}/-/dossier/govuk:fraud")
            suggestion = driver.find_element(By.CSS_SELECTOR, ".seoc-suggestion")
            assert ANSWER in suggestion.text
            Select(suggestion.find_element(By.NAME, "outcome")).select_by_visible_text("adopted")
            suggestion.find_element(By.CSS_SELECTOR, "button[value=accept]").click()
            WebDriverWait(driver, 10).until(lambda d: "message=" in d.current_url)
            ask = driver.find_element(By.ID, f"ask-{ask_id}")
            assert "Outcome: adopted, decided by ed" in ask.text and ANSWER in ask.text
            assert not driver.find_elements(By.CSS_SELECTOR, ".seoc-suggestion")
            assert _adopted(driver, base) == "1"
            pending = driver.find_element(By.ID, "scorecard_days_to_government_response").text
            assert "120" in pending  # submitted 140 days ago, the government's response 20 days ago
            driver.save_screenshot(str(tmp_path / "scorecard.png"))
            assert (tmp_path / "scorecard.png").stat().st_size > 10_000
    finally:
        driver.quit()
