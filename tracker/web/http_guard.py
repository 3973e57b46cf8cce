"""ASGI middleware in front of Datasette: a request body limit, security headers on every response, cookie
attributes, and feed tokens kept out of everything Datasette and its plugins see (so never echoed in a feed).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable
from urllib.parse import unquote_plus

#: The largest form (a response: 14,200 characters at its field limits) percent-encodes to under 128 KiB even
#: if every character takes 3 UTF-8 bytes; nothing the tracker accepts is larger.
MAX_BODY = 128 * 1024
FEED_TOKEN_PARAM = "_feed_token"
#: Where the feed token goes once it is out of the query string (read by tracker.web.auth).
FEED_TOKEN_SCOPE_KEY = "seoc.feed_token"
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
BODYLESS = {"GET", "HEAD", "OPTIONS", "TRACE"}

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def take_feed_token(scope: Scope) -> Scope:
    """The scope without `_feed_token` in its query string; the token (the last one given) moves to
    scope[FEED_TOKEN_SCOPE_KEY]. The other parameters are kept byte for byte."""
    query = scope.get("query_string") or b""
    if not query:
        return scope
    kept, token = [], None
    for part in query.split(b"&"):
        name, _, value = part.partition(b"=")
        if unquote_plus(name.decode("latin-1")) == FEED_TOKEN_PARAM:
            token = unquote_plus(value.decode("latin-1"))
        else:
            kept.append(part)
    if token is None:
        return scope
    return {**scope, "query_string": b"&".join(kept), FEED_TOKEN_SCOPE_KEY: token}


def secure_cookie(value: bytes, https: bool) -> bytes:
    """A Set-Cookie value with HttpOnly and SameSite (Lax unless set), and Secure over https."""
    attributes = {part.strip().split(b"=", 1)[0].lower() for part in value.split(b";")[1:]}
    extra = []
    if b"httponly" not in attributes:
        extra.append(b"HttpOnly")
    if b"samesite" not in attributes:
        extra.append(b"SameSite=Lax")
    if https and b"secure" not in attributes:
        extra.append(b"Secure")
    return b"; ".join([value.rstrip(b"; "), *extra]) if extra else value


def _with_headers(send: Send, https: bool) -> Send:
    async def guarded_send(event: dict) -> None:
        if event["type"] == "http.response.start":
            headers = []
            for key, value in event.get("headers") or []:
                if key.lower() == b"set-cookie":
                    value = secure_cookie(value, https)
                headers.append((key, value))
            present = {key.lower() for key, _ in headers}
            headers.extend((key, value) for key, value in SECURITY_HEADERS if key not in present)
            event = {**event, "headers": headers}
        await send(event)
    return guarded_send


async def _refuse(send: Send, status: int, message: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": message.encode("utf-8")})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or []:
        if key.lower() == name:
            return value
    return None


class _Disconnected(Exception):
    """The client went away before its body arrived: nothing to answer."""


async def _read_body(receive: Receive, limit: int) -> list[dict] | None:
    """The request's body messages, or None as soon as it passes `limit` bytes (the rest is never read)."""
    messages, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Disconnected()
        size += len(message.get("body", b""))
        if size > limit:
            return None
        messages.append(message)
        if not message.get("more_body", False):
            return messages


def _replay(messages: list[dict], receive: Receive) -> Receive:
    async def replay() -> dict:
        if messages:
            return messages.pop(0)
        return await receive()
    return replay


def _bad_form(scope: Scope, messages: list[dict]) -> str | None:
    """Why a form body cannot be read (instead of a 500 deep inside), or None."""
    content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
    if content_type == b"multipart/form-data" and b"boundary=" not in (_header(scope, b"content-type") or b""):
        return "multipart form without a boundary"
    if content_type == b"application/x-www-form-urlencoded":
        try:
            b"".join(m.get("body", b"") for m in messages).decode("utf-8")
        except UnicodeDecodeError:
            return "form body is not UTF-8"
    return None


def guard(app: App, *, https: Callable[[], bool] = lambda: False, max_body: int = MAX_BODY) -> App:
    """Wrap `app`: `https()` says whether the site is configured as served over https (Secure cookies)."""
    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        scope = take_feed_token(scope)
        send = _with_headers(send, https() or scope.get("scheme") == "https")
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await _refuse(send, 400, "Content-Length is not a number")
                return
            if int(length) > max_body:
                await _refuse(send, 413, f"Request body too large: the limit is {max_body // 1024} KiB")
                return
        if scope.get("method") not in BODYLESS or length not in (None, b"0") \
                or _header(scope, b"transfer-encoding") is not None:
            try:
                messages = await _read_body(receive, max_body)
            except _Disconnected:
                return
            if messages is None:
                await _refuse(send, 413, f"Request body too large: the limit is {max_body // 1024} KiB")
                return
            problem = _bad_form(scope, messages)
            if problem:
                await _refuse(send, 400, f"Bad request: {problem}")
                return
            receive = _replay(messages, receive)
        await app(scope, receive, send)
    return guarded
