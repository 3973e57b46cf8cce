"""Issue 12 over a real socket: Datasette under uvicorn on 127.0.0.1, as deployed behind the TLS proxy.

Request bodies over the limit are refused before they are read; every response carries the security headers;
cookies are HttpOnly and SameSite, and Secure when the site is https; failed logins are limited per account and
per client address (the address the proxy forwards).
"""
from __future__ import annotations

import re
import socket

import httpx
import pytest

from tracker import config as config_mod
from tracker.web.accounts import Accounts
from tracker.web.http_guard import MAX_BODY
from tracker.web.serve import build_datasette

from .helpers.auth import FAST_HASH, PASSWORD, SECRET, USERS, feed_token, session_cookie, staff_work_db
from .helpers.browser import ServerThread

HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff"}
#: same-origin everywhere, or Datasette's own stricter no-referrer where it sets one (table pages).
REFERRER_POLICIES = {"same-origin", "no-referrer"}


@pytest.fixture
def tracker_db(tmp_path):
    return staff_work_db(tmp_path / "tracker.db")


def build(path, config=None):
    return build_datasette(path, config=config or config_mod.Config(), secret=SECRET,
                           accounts=Accounts(USERS, hashes={user: FAST_HASH for user in USERS}))


@pytest.fixture
def served(tracker_db):
    ds = build(tracker_db)
    with ServerThread(ds.app()) as base:
        yield base, ds


def raw_request(base: str, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send `head`, then body parts while the server lets us, and return whatever it answers."""
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for part in body_parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed without reading the rest: what we want
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    return answer


def test_a_50_mb_post_is_refused_before_its_body_is_sent(served):
    base, _ = served
    # Only the headers go out: a server that waited to buffer 50 MB would never answer (the socket times out).
    answer = raw_request(base, b"POST /-/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                               b"application/x-www-form-urlencoded\r\nContent-Length: 52428800\r\n\r\n", [])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"limit is 128 KiB" in answer and b"x-frame-options: deny" in answer.lower()


def test_a_chunked_post_is_cut_off_at_the_limit(served):
    base, _ = served
    chunk = b"a" * 16384
    parts = [b"4000\r\n" + chunk + b"\r\n"] * ((MAX_BODY // len(chunk)) + 2)  # past the limit, never finished
    answer = raw_request(base, b"POST /-/login HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                               b"Content-Type: application/x-www-form-urlencoded\r\n\r\n", parts)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_post_under_the_limit_still_works(served):
    base, _ = served
    body = "username=nobody&password=" + "x" * (MAX_BODY - 100)
    response = httpx.post(f"{base}/-/login", content=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and "Invalid username or password" in response.text


def assert_security_headers(response: httpx.Response, where: str) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (where, name, response.headers.get(name))
    assert response.headers.get("referrer-policy") in REFERRER_POLICIES, where
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"], where


def test_security_headers_on_every_kind_of_response(served):
    base, ds = served
    token = feed_token(ds, "headers-test")
    with httpx.Client(base_url=base, cookies=session_cookie(ds, "rita")) as client:
        for path, status in [("/tracker/items", 200), ("/-/dossier/govuk:fraud", 200),
                             (f"/tracker/new_relevant_items.atom?_feed_token={token}", 200),
                             (f"/tracker/deadline_calendar.ics?_feed_token={token}", 200),
                             ("/tracker/items.json", 200), ("/-/static/app.css", 200), ("/robots.txt", 200),
                             ("/-/dossier/nothing:here", 404), ("/tracker/responses.json", 403)]:
            response = client.get(path)
            assert response.status_code == status, path
            assert_security_headers(response, path)
    anonymous = httpx.get(f"{base}/tracker/items")
    assert anonymous.status_code == 302
    assert_security_headers(anonymous, "redirect to login")
    assert_security_headers(httpx.get(f"{base}/-/login"), "login page")


def login(base: str, user: str, password: str = PASSWORD, headers=None) -> httpx.Response:
    with httpx.Client(base_url=base, headers=headers or {}) as client:
        page = client.get("/-/login")
        token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
        return client.post("/-/login", data={"username": user, "password": password, "csrftoken": token})


def cookie_attributes(response: httpx.Response, name: str) -> set[str]:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return {part.strip().split("=")[0].lower() + ("=" + part.strip().split("=", 1)[1].lower()
                    if part.strip().lower().startswith("samesite") else "") for part in header.split(";")[1:]}
    raise AssertionError(f"no {name} cookie set: {response.headers.get_list('set-cookie')}")


def test_cookies_are_httponly_and_samesite_and_not_secure_over_plain_http(served):
    base, _ = served
    page = httpx.get(f"{base}/-/login")
    assert {"httponly", "samesite=lax"} <= cookie_attributes(page, "ds_csrftoken")
    assert "secure" not in cookie_attributes(page, "ds_csrftoken")
    response = login(base, "ed")
    assert response.status_code == 302
    attributes = cookie_attributes(response, "ds_actor")
    assert {"httponly", "samesite=lax", "max-age"} <= attributes and "secure" not in attributes


@pytest.mark.parametrize("how", ["base_url", "SEOC_FORCE_HTTPS", "forwarded proto"])
def test_cookies_are_secure_when_the_site_is_https(tracker_db, monkeypatch, how):
    config = config_mod.Config(datasette_url="https://seoc-tracker.example.gov.uk" if how == "base_url"
                               else "http://127.0.0.1:8001")
    if how == "SEOC_FORCE_HTTPS":
        monkeypatch.setenv("SEOC_FORCE_HTTPS", "1")
    headers = {"X-Forwarded-Proto": "https"} if how == "forwarded proto" else {}
    with ServerThread(build(tracker_db, config).app()) as base:
        response = login(base, "ed", headers=headers)
        assert response.status_code == 302
        assert {"httponly", "samesite=lax", "secure"} <= cookie_attributes(response, "ds_actor")
        assert "secure" in cookie_attributes(httpx.get(f"{base}/-/login", headers=headers), "ds_csrftoken")


def test_failed_logins_are_limited_per_account_and_per_forwarded_address(served):
    base, _ = served
    for _ in range(5):
        assert login(base, "ed", "wrong").status_code == 200
    limited = login(base, "ed")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "ds_actor" not in limited.cookies
    # Behind the proxy every request comes from 127.0.0.1; the limit applies to the address it forwards.
    office = {"X-Forwarded-For": "203.0.113.5"}
    for n in range(10):
        assert login(base, f"nobody-{n}", "guess", headers=office).status_code == 200
    assert login(base, "nobody-else", "guess", headers=office).status_code == 429
    assert login(base, "rita", headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 302
