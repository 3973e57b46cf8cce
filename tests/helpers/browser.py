"""Headless Chromium (Debian's package) for tests that need a real browser; skips with a reason if absent."""
from __future__ import annotations

import shutil
import threading
import time

import pytest

from .http import free_port

CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1600"]


def require_chromium() -> tuple[str, str]:
    """Paths of chromium and chromedriver, or skip the test saying what is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("browser test skipped: Debian's chromium and chromium-driver are not installed "
                    "(.ci/run installs them: apt-get install chromium chromium-driver)")
    return chromium, driver


class ServerThread:
    """Runs an ASGI app under uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        import uvicorn
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def chrome_driver(tmp_path):
    """A Selenium WebDriver for headless Debian Chromium with a fresh profile."""
    chromium, driver_path = require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def submit_login(driver, user: str, password: str) -> None:
    """Fill in and submit the login form on the page the driver is on."""
    from selenium.webdriver.common.by import By
    driver.find_element(By.NAME, "username").send_keys(user)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form input[type=submit]").click()
