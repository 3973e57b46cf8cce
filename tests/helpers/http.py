"""Local HTTP servers for tests and the bench: a free port, and a real server on 127.0.0.1 answering from a
table of routes (optionally a fallback), which can also delay, truncate or reset a response.

No pytest here: bench/ imports LocalServer too (it runs from the project root, see bench/run.py).
"""
from __future__ import annotations

import http.server
import socket
import socketserver
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict = field(default_factory=dict)
    #: Close the connection after sending this many body bytes (a truncated or reset response).
    cut_after: int | None = None
    #: Answer 304 when the request's If-None-Match / If-Modified-Since matches this route's ETag / Last-Modified.
    honour_validators: bool = False


class LocalServer:
    """A real HTTP server on 127.0.0.1 answering from a path+query -> Route table; logs every request.

    A path missing from the table is answered by `fallback(path)` when given (None: 404). `keep_alive`
    speaks HTTP/1.1 with persistent connections, as the real sources do (the bench measures with it);
    tests use HTTP/1.0, one connection per request.
    """

    def __init__(self, fallback: Callable[[str], Route | None] | None = None, keep_alive: bool = False):
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        #: Paths answered 304 Not Modified (routes with honour_validators).
        self.not_modified: list[str] = []
        self.fallback = fallback
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def do_GET(self):  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                route = server.routes.get(self.path)
                if route is None and server.fallback is not None:
                    route = server.fallback(self.path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.honour_validators and self._not_modified(route):
                    server.not_modified.append(self.path)
                    self.send_response(304)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
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

            def _not_modified(self, route: Route) -> bool:
                etag, modified = route.headers.get("ETag"), route.headers.get("Last-Modified")
                if self.headers.get("If-None-Match") is not None:
                    return etag is not None and self.headers["If-None-Match"] == etag
                return modified is not None and self.headers.get("If-Modified-Since") == modified

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

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class FaultServer(LocalServer):
    """LocalServer, plus paths answered by a TCP reset (RST, no HTTP response at all)."""

    def __init__(self):
        super().__init__()
        self.resets: set[str] = set()
        owner = self
        base = self.httpd.RequestHandlerClass

        class Handler(base):
            def do_GET(self):  # noqa: N802 - http.server's naming
                if self.path in owner.resets:
                    owner.requests.append(self.path)
                    # SO_LINGER 0: close() sends RST instead of FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                super().do_GET()

            def finish(self):
                try:
                    super().finish()
                except OSError:
                    pass

        self.httpd.RequestHandlerClass = Handler
        self.httpd.handle_error = self._handle_error

    def _handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout, reset) is part of the test, not a server error worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        socketserver.BaseServer.handle_error(self.httpd, request, client_address)
