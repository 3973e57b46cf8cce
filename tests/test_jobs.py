"""jobs: a crawl reports each failed source once (by the progress callback, else in the log); each
database's briefings go to its own reports folder."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.test_briefing import WEEK, build_db, classify, consultation
from tracker import config as config_mod
from tracker import crawl as crawl_mod
from tracker import jobs
from tracker.errors import ConfigError
from tracker.store import db as tracker_db
from tracker.store.items import upsert_item

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


# --- where briefings are written --------------------------------------------------------------------

SATURDAY = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


def test_two_databases_brief_the_same_week_into_their_own_reports(tmp_path, monkeypatch):
    """Each database's reports go beside it: briefing one never touches the other's files or row."""
    monkeypatch.chdir(tmp_path)
    first, second = tmp_path / "live" / "tracker.db", tmp_path / "scratch" / "tracker.db"
    for path in (first, second):
        database = tracker_db.connect(path)
        build_db(database)
        if path == second:  # different content, so an overwrite would show
            upsert_item(database, consultation("scratch-only", "Scratch fraud consultation", "2026-12-20"),
                        now="2026-11-20T09:00:00+00:00")
            classify(database, "govuk:scratch-only", [("fraud", 0.9, ["fraud"])])
        database.close()
    config = config_mod.Config()

    live = jobs.brief(first, config, week=WEEK, now=SATURDAY)
    files = {path: path.read_bytes() for path in map(Path, live.paths)}
    scratch = jobs.brief(second, config, week=WEEK, now=SATURDAY)
    jobs.brief(second, config, as_of=SATURDAY, now=SATURDAY)

    assert live.paths == (str(tmp_path / "live" / "reports" / "2026-W48.html"),
                          str(tmp_path / "live" / "reports" / "2026-W48.txt"))
    assert scratch.paths == (str(tmp_path / "scratch" / "reports" / "2026-W48.html"),
                             str(tmp_path / "scratch" / "reports" / "2026-W48.txt"))
    assert {path: path.read_bytes() for path in files} == files
    assert Path(scratch.paths[1]).read_text() != Path(live.paths[1]).read_text()
    assert sorted(p.name for p in (tmp_path / "live" / "reports").iterdir()) == ["2026-W48.html", "2026-W48.txt"]
    assert not (tmp_path / "reports").exists()
    for path, paths in ((first, live.paths), (second, scratch.paths)):
        rows = list(tracker_db.connect(path).query("SELECT html_path, text_path FROM briefings"))
        assert rows == [{"html_path": paths[0], "text_path": paths[1]}]


def test_reports_dir_in_the_config_is_read_from_the_config_files_folder(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "seoc-tracker.toml").write_text('[briefing]\nreports_dir = "briefings"\n')
    (folder / "absolute.toml").write_text(f'[briefing]\nreports_dir = "{(tmp_path / "abs").as_posix()}"\n')
    monkeypatch.chdir(tmp_path)  # somewhere else than the config file
    assert config_mod.load(folder / "seoc-tracker.toml").reports_folder("data/tracker.db") == folder / "briefings"
    assert config_mod.load(folder / "absolute.toml").reports_folder("data/tracker.db") == tmp_path / "abs"
    assert config_mod.Config().reports_folder(Path("data") / "demo" / "tracker.db") == Path("data/demo/reports")
    (folder / "bad.toml").write_text("[briefing]\nreports_dir = 3\n")
    with pytest.raises(ConfigError, match="briefing.reports_dir must be a folder path, got 3"):
        config_mod.load(folder / "bad.toml")
