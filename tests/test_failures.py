"""Download failures read as one plain sentence; very long URLs are shortened but keep their paging."""
from __future__ import annotations

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from scrapers.failures import MAX_URL_SHOWN, describe, short_url, shorten_urls
from scrapers.failures import UNREACHABLE

URL = "https://bills-api.parliament.uk/api/v1/Bills?Skip=0&Take=25"
SEARCH = ("https://www.gov.uk/api/search.json?count=100" + "".join(f"&filter_organisations=org-{i}" for i in range(3))
          + "".join(f"&fields=field-{i}" for i in range(20)) + "&order=-public_timestamp&start=200")


def failure_of(exc: Exception) -> Failure:
    try:
        raise exc
    except type(exc):
        return Failure()


@pytest.mark.parametrize("exc, expected", [
    (CannotResolveHostError("DNS lookup failed: no results for hostname lookup: bills-api.parliament.uk."),
     f"{UNREACHABLE} bills-api.parliament.uk: DNS lookup failed, so the machine is offline or the name is wrong "
     "[CannotResolveHostError]"),
    (DownloadConnectionRefusedError("Connection was refused by other side: 111: Connection refused."),
     f"{UNREACHABLE} bills-api.parliament.uk: the connection was refused [DownloadConnectionRefusedError]"),
    (DownloadTimeoutError(f"Getting {URL} took longer than 45.0 seconds."),
     "bills-api.parliament.uk did not answer within 45.0 seconds (timed out) [DownloadTimeoutError]"),
    (ResponseDataLossError(),
     "the response from bills-api.parliament.uk was cut short (fewer bytes than announced) [ResponseDataLossError]"),
    (DownloadFailedError("[<twisted.python.failure.Failure twisted.internet.error.ConnectionLost: ...>]"),
     "the connection to bills-api.parliament.uk was reset or dropped before a complete response "
     "[DownloadFailedError]"),
    (ResponseNeverReceived([]),
     "the connection to bills-api.parliament.uk was reset or dropped before a complete response "
     "[ResponseNeverReceived]"),
    (HttpError(Response(URL, status=503), "Ignoring non-200 response"), "HTTP 503"),
])
def test_each_kind_of_failure_reads_as_one_sentence(exc, expected):
    assert describe(failure_of(exc), URL) == expected


def test_an_oversized_body_names_the_limit():
    message = f"Expected to receive 303956 bytes which is larger than download max size (100000) in request <GET {URL}>."
    reason = describe(failure_of(DownloadFailedError(message)), URL)
    assert reason.startswith("the response from bills-api.parliament.uk is larger than the 100000-byte limit")


def test_an_unknown_failure_keeps_its_class_and_text():
    assert describe(failure_of(ValueError("odd")), URL) == "ValueError: odd"


def test_short_urls_are_untouched_and_long_ones_keep_path_and_paging():
    assert short_url(URL) == URL
    assert len(SEARCH) > MAX_URL_SHOWN
    shown = short_url(SEARCH)
    assert shown.startswith("https://www.gov.uk/api/search.json?…&")
    assert shown.endswith("&order=-public_timestamp&start=200")
    assert len(shown) < MAX_URL_SHOWN


def test_shorten_urls_keeps_the_punctuation_after_each_url():
    message = f"govuk: {SEARCH}: HTTP 500; govuk: {URL}: HTTP 404."
    assert shorten_urls(message) == f"govuk: {short_url(SEARCH)}: HTTP 500; govuk: {URL}: HTTP 404."
