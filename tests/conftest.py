"""Shared fixtures: a fresh database, a local HTTP server serving recorded payloads."""
from __future__ import annotations

import http.server
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tracker import db as tracker_db

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _keep_umask():
    """The CLI sets a private umask for its process; keep one test's invocation from changing the next test's."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "tracker.db"


@pytest.fixture
def database(db_path):
    database = tracker_db.connect(db_path)
    yield database
    database.close()


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict = field(default_factory=dict)
    #: Close the connection after sending this many body bytes (a truncated or reset response).
    cut_after: int | None = None


class LocalServer:
    """A real HTTP server on 127.0.0.1 answering from a path+query -> Route table; logs every request."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                body = route.body if route.cut_after is None else route.body[: route.cut_after]
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if route.cut_after is not None:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, path: str, body: bytes | str = b"", **kwargs) -> None:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **kwargs)

    def add_file(self, path: str, file: Path, **kwargs) -> None:
        self.add(path, file.read_bytes(), **kwargs)

    def requested(self, prefix: str) -> list[str]:
        return [p for p in self.requests if p.startswith(prefix)]


@pytest.fixture
def server():
    local = LocalServer()
    local.thread.start()
    yield local
    local.httpd.shutdown()
    local.httpd.server_close()


#: Settings that keep failure tests fast: short timeouts, few quick retries, no politeness delay.
FAST = {"DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 1, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.2,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
