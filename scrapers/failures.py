"""Plain-English reasons for failed downloads, for run records, `status` and the briefing.

Scrapy hands errbacks exceptions such as `CannotResolveHostError` or Twisted's `ResponseNeverReceived`,
whose own text is a repr of nested failures. Policy staff read these messages, so each known kind gets one
short sentence; the exception's class name stays in brackets so an engineer can still search the logs.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet.error import (
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

#: Starts the reason for a host that could not be reached at all (DNS, refused): the network, not the source.
UNREACHABLE = "could not reach"
#: In the reason for a host that never answered in time (a firewall that drops, a dead proxy, a slow site).
NO_ANSWER = "did not answer"

#: Longest URL shown whole in a message; longer ones keep scheme, host, path and the query's tail.
MAX_URL_SHOWN = 160
QUERY_TAIL_SHOWN = 60

_TOOK_LONGER = re.compile(r"took longer than ([\d.]+) seconds")
_SIZE_LIMIT = re.compile(r"download max size \((\d+)\)|DOWNLOAD_MAXSIZE \((\d+) B\)")
_URL = re.compile(r"https?://[^\s;,)]+")


def short_url(url: str) -> str:
    """The URL, or for a very long one (GOV.UK search's dozens of filters) its path and the query's last
    parameters, where paging (`start=`, `page=`) is."""
    if len(url) <= MAX_URL_SHOWN:
        return url
    parts = urlsplit(url)
    params = parts.query.split("&")
    tail: list[str] = []
    while params and len("&".join([params[-1], *tail])) <= QUERY_TAIL_SHOWN:
        tail.insert(0, params.pop())
    return f"{parts.scheme}://{parts.netloc}{parts.path}?…&{'&'.join(tail)}"


def shorten_urls(message: str) -> str:
    """`message` with every over-long URL in it shortened by `short_url`."""
    def shorten(match: re.Match) -> str:
        url = match.group(0)
        core = url.rstrip(":.")
        return short_url(core) + url[len(core):]
    return _URL.sub(shorten, message)


def is_network_failure(failure: Failure) -> bool:
    """Whether the host was unreachable or silent (DNS, refused, timed out), as opposed to answering badly."""
    return bool(failure.check(CannotResolveHostError, DNSLookupError, DownloadConnectionRefusedError,
                              ConnectionRefusedError, DownloadTimeoutError, TimeoutError, TCPTimedOutError))


def describe(failure: Failure, url: str) -> str:
    """One sentence on why fetching `url` failed."""
    host = urlsplit(url).hostname or url
    exc = failure.value
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    kind = type(exc).__name__
    if failure.check(CannotResolveHostError, DNSLookupError):
        return f"{UNREACHABLE} {host}: DNS lookup failed, so the machine is offline or the name is wrong [{kind}]"
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return f"{UNREACHABLE} {host}: the connection was refused [{kind}]"
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        took = _TOOK_LONGER.search(failure.getErrorMessage())
        limit = f" within {took.group(1)} seconds" if took else ""
        return f"{host} {NO_ANSWER}{limit} (timed out) [{kind}]"
    size_limit = _SIZE_LIMIT.search(failure.getErrorMessage())
    if size_limit:
        limit = size_limit.group(1) or size_limit.group(2)
        return (f"the response from {host} is larger than the {limit}-byte limit (DOWNLOAD_MAXSIZE), "
                f"so it was refused [{kind}]")
    if failure.check(ResponseDataLossError):
        return f"the response from {host} was cut short (fewer bytes than announced) [{kind}]"
    if failure.check(DownloadFailedError, ResponseFailed, ResponseNeverReceived, ConnectionLost, ConnectionDone):
        return f"the connection to {host} was reset or dropped before a complete response [{kind}]"
    return f"{kind}: {failure.getErrorMessage()}"
