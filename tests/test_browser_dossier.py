"""End to end in a real headless Chromium: an editor logs in (an HttpOnly session), logs a response, and finds it
on the dossier; then, as a reviewer, adds a theme, removes a tag and overrides relevance, and sees who decided."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tracker.contract import TrackedItem
from tracker import config as config_mod
from tracker.store import db as tracker_db
from tracker.store import items as store
from tracker.classify import tagging
from tracker.web.serve import build_datasette, hash_env_name, hash_password

from .helpers.browser import ServerThread, chrome_driver, require_chromium, submit_login


def test_editor_logs_a_response_and_reviews_tags_and_relevance_on_the_dossier(tmp_path, monkeypatch):
    require_chromium()
    path = tmp_path / "tracker.db"
    database = tracker_db.connect(path)
    store.upsert_item(database, TrackedItem(
        id="govuk:ransomware", source="govuk", kind="consultation",
        title="Ransomware: proposals to increase incident reporting and reduce payments to criminals",
        url="https://www.gov.uk/government/consultations/ransomware-proposals-to-increase-incident-reporting-and-reduce-payments-to-criminals",
        summary="Home Office consultation on ransomware payments and cyber crime reporting",
        status="open", closes="2026-12-20T17:00:00+00:00", organisation="Home Office"))
    tagging.classify_stored(database)
    database.close()
    monkeypatch.setenv(hash_env_name("demo-editor"), hash_password("demo-editor-password"))
    datasette = build_datasette(path, config=config_mod.Config(), users={"demo-editor": "editor"}, secret="e2e")
    driver = chrome_driver(tmp_path)
    try:
        with ServerThread(datasette.app()) as base:
            driver.get(f"{base}/-/login")
            submit_login(driver, "demo-editor", "demo-editor-password")
            WebDriverWait(driver, 10).until(lambda d: "/-/login" not in d.current_url)
            # The session cookie is HttpOnly: a script injected into a page could not read it.
            assert "ds_actor" not in driver.execute_script("return document.cookie")
            assert driver.get_cookie("ds_actor")["httpOnly"] is True
            driver.get(f"{base}/-/dossier/govuk:ransomware")
            assert "Ransomware" in driver.find_element(By.TAG_NAME, "h1").text
            form = driver.find_element(By.ID, "log-response")
            Select(form.find_element(By.NAME, "decision")).select_by_visible_text("respond")
            Select(form.find_element(By.NAME, "status")).select_by_visible_text("drafting")
            form.find_element(By.NAME, "owner_team").send_keys("Cyber and fraud policy")
            form.find_element(By.NAME, "position_summary").send_keys("Support a payment ban for public bodies")
            form.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: "message=" in d.current_url)
            body = driver.find_element(By.TAG_NAME, "body").text
            assert "Response saved" in body
            assert "Cyber and fraud policy" in body and "Support a payment ban for public bodies" in body
            driver.save_screenshot(str(tmp_path / "dossier.png"))
            assert (tmp_path / "dossier.png").stat().st_size > 10_000

            # A theme the classifier missed, chosen by name.
            form = driver.find_element(By.ID, "add-theme")
            Select(form.find_element(By.NAME, "priority_id")).select_by_visible_text("Fraud")
            form.find_element(By.NAME, "reason").send_keys("Payments extorted by fraud as well")
            form.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: "message=Theme" in d.current_url)
            assert ("Fraud · added by a reviewer · confirmed by demo-editor"
                    in driver.find_element(By.ID, "tag-fraud").text)
            # A tag removed.
            tag = driver.find_element(By.ID, "tag-cybercrime")
            tag.find_element(By.NAME, "note").send_keys("Reporting duty, not a cyber offence")
            tag.find_element(By.XPATH, ".//button[text()='Remove']").click()
            WebDriverWait(driver, 10).until(lambda d: "message=Review" in d.current_url)
            tag = driver.find_element(By.ID, "tag-cybercrime")
            assert "rejected by demo-editor" in tag.text and "Reporting duty, not a cyber offence" in tag.text
            assert tag.find_elements(By.XPATH, ".//button[text()='Remove']") == []
            assert driver.find_element(By.ID, "relevance-state").text.startswith("Relevant")
            # Relevance overridden, with a reason.
            form = driver.find_element(By.ID, "set-relevance")
            Select(form.find_element(By.NAME, "relevant")).select_by_visible_text("not relevant")
            form.find_element(By.NAME, "reason").send_keys("Handled by the cyber directorate")
            form.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
            WebDriverWait(driver, 10).until(lambda d: "message=Relevance" in d.current_url)
            state = driver.find_element(By.ID, "relevance-state").text
            assert state.startswith("Not relevant · marked not relevant by a reviewer, demo-editor")
            assert state.endswith(": Handled by the cyber directorate")
    finally:
        driver.quit()
    database = tracker_db.connect(path)
    assert [r["created_by"] for r in database.query("select created_by from responses")] == ["demo-editor"]
    assert [(r["priority_id"], r["review_state"], r["reviewer"]) for r in database.query(
        "select * from item_priorities order by priority_id")] == [
        ("cybercrime", "rejected", "demo-editor"), ("fraud", "confirmed", "demo-editor")]
    assert [(r["relevant"], r["reviewer"]) for r in database.query("select * from relevance_overrides")] == [
        (0, "demo-editor")]
    assert [r["action"] for r in database.query("select action from audit_log order by id")] == [
        "insert", "add theme", "review", "relevance"]
    assert database.execute("select relevant from items").fetchone()[0] == 0
