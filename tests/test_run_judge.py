"""How a finished crawl is judged from its stats: never from Scrapy's exit code."""
from __future__ import annotations

import pytest

from scrapers.run import judge

STORED = {"finish_reason": "finished", "tracker/inserted": 2, "tracker/unchanged": 1}


@pytest.mark.parametrize("stats, errors, listing_ok, empty_ok, expected", [
    (STORED, [], True, True, ("ok", None)),
    (STORED, ["govuk: x: HTTP 500"], True, True, ("partial", "govuk: x: HTTP 500")),
    ({"finish_reason": "finished"}, ["e1"], True, True, ("failed", "e1")),
    ({"finish_reason": "finished"}, [], True, True, ("ok", None)),  # an incremental crawl may find nothing
    ({"finish_reason": "finished"}, [], True, False, ("failed", "no items where some were expected")),
    (STORED, [], False, True, ("failed", "the source's listing was never read")),
    ({**STORED, "finish_reason": "start_error"}, [], True, True,
     ("failed", "crawl ended early: the spider failed while starting, a bug or a bad setting (start_error; see the log)")),
    ({**STORED, "finish_reason": "something_new"}, ["e1"], True, True, ("failed", "crawl ended early: something_new; e1")),
])
def test_judge(stats, errors, listing_ok, empty_ok, expected):
    assert judge(stats, errors, listing_ok, empty_ok) == expected


def test_only_the_first_five_errors_are_spelled_out():
    status, message = judge(STORED, [f"e{i}" for i in range(8)], True, True)
    assert status == "partial" and message == "e0; e1; e2; e3; e4 (and 3 more)"
