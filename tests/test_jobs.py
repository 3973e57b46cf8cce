"""jobs.crawl_and_classify reports each failed source once: by the progress callback, else in the log."""
from __future__ import annotations

import logging

import pytest

from tracker import config as config_mod
from tracker import crawl as crawl_mod
from tracker import jobs

FAILED = crawl_mod.RunResult("govuk", 1, "failed", "govuk: x: HTTP 500")


@pytest.fixture
def failing_crawl(monkeypatch):
    def crawl(sources, db_path, *, progress=None, **kwargs):
        if progress:
            progress({"event": "done", "source": "govuk", "status": "failed", "message": FAILED.message})
        return [FAILED, crawl_mod.RunResult("legislation", 2, "ok", None)]
    monkeypatch.setattr(crawl_mod, "crawl", crawl)


@pytest.mark.parametrize("with_progress", [True, False])
def test_a_failed_source_is_reported_once(failing_crawl, tmp_path, caplog, with_progress):
    shown = []
    with caplog.at_level(logging.WARNING, logger=jobs.log.name):
        results = jobs.crawl_and_classify(tmp_path / "tracker.db", config_mod.Config(),
                                          progress=shown.append if with_progress else None)
    assert [r.status for r in results] == ["failed", "ok"]
    logged = [r.getMessage() for r in caplog.records if "govuk" in r.getMessage()]
    assert (len(shown), len(logged)) == ((1, 0) if with_progress else (0, 1))
    if not with_progress:
        assert logged == ["source govuk: failed govuk: x: HTTP 500"]
