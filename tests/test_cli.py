"""The CLI: every command documented with an example; crawl, status and errors as a user sees them."""
from __future__ import annotations

import json
import re
import socket
from datetime import datetime, timezone

import click
import pytest
from click.testing import CliRunner

from tracker import crawl as crawl_mod
from tracker.cli import _explain_if_offline, cli
from tracker.contract import SOURCE_NAMES as SOURCES
from tracker.crawl import RunResult
from tracker.store import db as tracker_db

from .helpers import FIXTURES, SNAPSHOT
from .helpers.spiders.law_commission import serve_lawcom
from .reliability.support import snapshot_rows
from .helpers.briefing import build_db


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path, command", list(all_commands(cli)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_with_example(path, command):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output, f"{' '.join(path)} --help has no example"


def test_crawl_unknown_source_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "no-such-source", "--db", str(tmp_path / "t.db")])
    assert result.exit_code != 0
    assert "unknown source 'no-such-source'" in result.output


@pytest.mark.parametrize("command", [["brief"], ["serve"], ["schedule"], ["run"]])
def test_a_tracker_error_in_any_command_is_one_message_and_exit_1(tmp_path, command):
    """The CLI's one error funnel: a domain error is a message, never a traceback."""
    config = tmp_path / "bad.toml"
    config.write_text("[datasette\n")
    db = tmp_path / "t.db"
    db.touch()
    result = CliRunner().invoke(cli, [*command, "--db", str(db), "--config", str(config)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"Error: config file {config} is not valid TOML" in result.output


def test_base_url_must_be_source_equals_url(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "parliament-bills", "--base-url", "bills", "--db", str(tmp_path / "t.db")])
    assert result.exit_code == 2
    assert "expected SOURCE=URL" in result.output


def test_crawl_then_status(server, tmp_path, monkeypatch):
    detail = json.loads((FIXTURES / "parliament-bills" / "bill_2818_detail.json").read_text())
    server.add("/api/v1/Bills?SortOrder=DateUpdatedDescending&Skip=0&Take=25",
               json.dumps({"items": [detail], "totalResults": 1, "itemsPerPage": 25}))
    server.add("/api/v1/Bills/2818", json.dumps(detail))
    server.add_file("/api/v1/Bills/2818/Stages?Skip=0&Take=100", FIXTURES / "parliament-bills" / "bill_2818_stages.json")
    monkeypatch.setenv("SEOC_TRACKER_DB", str(tmp_path / "env.db"))
    runner = CliRunner()
    result = runner.invoke(cli, ["crawl", "parliament-bills", "--base-url", f"parliament-bills={server.url}",
                                 "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert "parliament-bills: ok" in result.output
    assert (tmp_path / "env.db").exists()  # SEOC_TRACKER_DB honoured
    status = runner.invoke(cli, ["status"])
    assert status.exit_code == 0
    assert "parliament-bills" in status.output and " ok " in status.output and "1 new" in status.output
    assert "note:" not in status.output
    server.routes.clear()
    failed = runner.invoke(cli, ["crawl", "parliament-bills", "--base-url", f"parliament-bills={server.url}", "--full"])
    assert failed.exit_code == 1
    assert "parliament-bills: failed" in failed.output and "HTTP 404" in failed.output


def test_snapshot_record_then_replay_gives_the_same_items(server, tmp_path):
    detail = json.loads((FIXTURES / "parliament-bills" / "bill_2818_detail.json").read_text())
    server.add("/api/v1/Bills?SortOrder=DateUpdatedDescending&Skip=0&Take=25",
               json.dumps({"items": [detail], "totalResults": 1, "itemsPerPage": 25}))
    server.add("/api/v1/Bills/2818", json.dumps(detail))
    server.add_file("/api/v1/Bills/2818/Stages?Skip=0&Take=100", FIXTURES / "parliament-bills" / "bill_2818_stages.json")
    runner = CliRunner()
    recorded = runner.invoke(cli, ["snapshot", "record", str(tmp_path / "snap"), "parliament-bills",
                                   "--db", str(tmp_path / "scratch.db"), "--since", "2000-01-01",
                                   "--base-url", f"parliament-bills={server.url}"])
    assert recorded.exit_code == 0, recorded.output
    manifest = json.loads((tmp_path / "snap" / "parliament-bills" / "manifest.json").read_text())
    assert sorted(r["path"] for r in manifest["responses"]) == [
        "/api/v1/Bills/2818", "/api/v1/Bills/2818/Stages?Skip=0&Take=100",
        "/api/v1/Bills?Skip=0&SortOrder=DateUpdatedDescending&Take=25"]
    server.httpd.shutdown()  # replay needs no network
    replayed = runner.invoke(cli, ["crawl", "parliament-bills", "--snapshot", str(tmp_path / "snap"),
                                   "--db", str(tmp_path / "replay.db")])
    assert replayed.exit_code == 0, replayed.output
    from tracker.store import db as tracker_db
    live = tracker_db.connect(tmp_path / "scratch.db")
    replay = tracker_db.connect(tmp_path / "replay.db")
    assert [(r["id"], r["content_hash"]) for r in replay.query("select id, content_hash from items")] == \
        [(r["id"], r["content_hash"]) for r in live.query("select id, content_hash from items")]


def test_relative_database_path_from_another_folder(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["crawl", "parliament-bills", "--db", "relative.db",
                                      "--base-url", f"parliament-bills={server.url}"])
    assert "NotFoundError" not in result.output
    assert "parliament-bills: failed" in result.output and "HTTP 404" in result.output
    from tracker.store import db as tracker_db
    assert [r["status"] for r in tracker_db.connect(tmp_path / "relative.db").query("select status from runs")] == [
        "failed"]


def closed_port_url() -> str:
    """A local URL on which nothing listens: connecting is refused, as when a machine is offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_run_offline_fails_clearly_and_keeps_everything_stored(tmp_path):
    db_path = tmp_path / "tracker.db"
    runner = CliRunner()
    seeded = runner.invoke(cli, ["crawl", "--snapshot", str(SNAPSHOT), "--db", str(db_path)])
    assert seeded.exit_code == 0, seeded.output
    assert runner.invoke(cli, ["classify", "--db", str(db_path)]).exit_code == 0
    before = snapshot_rows(db_path)
    config = tmp_path / "seoc-tracker.toml"
    config.write_text(
        f'[briefing]\nreports_dir = "{(tmp_path / "reports").as_posix()}"\n'
        "[crawl]\nretry_times = 0\ndownload_timeout = 5\ndownload_delay = 0\n"
        + "".join(f'[sources.{name}]\nbase_url = "{closed_port_url()}"\n' for name in SOURCES))

    result = runner.invoke(cli, ["run", "--db", str(db_path), "--config", str(config)])

    assert result.exit_code == 1, result.output
    for name in SOURCES:
        assert re.search(rf"{name}: failed .*could not reach 127\.0\.0\.1: the connection was refused", result.output)
    assert "No source could be reached: this machine looks offline" in result.output
    assert f"sources not ok: {', '.join(SOURCES)}" in result.output
    # Nothing stored is lost or changed, and the briefing is still written, saying which sources failed.
    assert snapshot_rows(db_path) == before
    briefing = next((tmp_path / "reports").glob("*.txt")).read_text()
    assert "could not reach 127.0.0.1" in briefing
    assert all(name in briefing for name in SOURCES)


@pytest.mark.parametrize("section, message", [
    ("[crawl]\nretry_times = -1\n", "crawl.retry_times must be a number of at least 0"),
    ("[crawl]\nretry_times = 1.5\n", "crawl.retry_times must be a whole number"),
    ('[crawl]\ndownload_timeout = "soon"\n', "crawl.download_timeout must be a number"),
    ("[crawl]\nconcurrency = 8\n", "crawl.concurrency is not a setting; known: retry_times"),
])
def test_bad_crawl_settings_are_clear_errors(tmp_path, section, message):
    config = tmp_path / "seoc-tracker.toml"
    config.write_text(section)
    result = CliRunner().invoke(cli, ["run", "--db", str(tmp_path / "t.db"), "--config", str(config)])
    assert result.exit_code == 1 and message in result.output, result.output


def test_notes_of_a_run_show_in_the_progress_and_in_status(server, tmp_path):
    serve_lawcom(server)  # the publication REST type answers 404: a note, not a failure
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    result = runner.invoke(cli, ["crawl", "law-commission", "--base-url", f"law-commission={server.url}",
                                 "--db", db])
    assert result.exit_code == 0, result.output
    assert "law-commission: ok" in result.output
    assert "note: law-commission: REST type 'publication' not exposed" in result.output
    status = runner.invoke(cli, ["status", "--db", db])
    assert re.search(r"law-commission +ok .*\n +note: law-commission: REST type 'publication' not exposed",
                     status.output), status.output


@pytest.mark.parametrize("outcomes, offline", [
    ([("failed", True), ("failed", True)], True),
    ([("failed", True), ("ok", False)], False),  # b was ok
    ([("failed", True), ("failed", False)], False),  # b answered, badly (HTTP 503)
])
def test_offline_is_said_only_when_every_source_was_unreachable(outcomes, offline, capsys):
    results = [RunResult(name, i, status, "why", unreachable=unreachable)
               for i, (name, (status, unreachable)) in enumerate(zip("ab", outcomes))]
    _explain_if_offline(results)
    assert ("No source could be reached" in capsys.readouterr().err) is offline


@pytest.mark.parametrize("command", [["status"], ["brief", "--send"], ["classify"]])
def test_reading_commands_refuse_a_missing_database_and_create_none(tmp_path, command):
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(cli, [*command, "--db", str(missing)])
    assert result.exit_code == 1
    assert f"no database at {missing}: check --db or SEOC_TRACKER_DB" in result.output
    assert list(tmp_path.iterdir()) == []  # no empty database, no briefing written


# --- brief: one document per week, previews beside it, bad input refused -----------------------------

WEDNESDAY = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)  # in W48, after its Monday 07:30


@pytest.fixture
def briefing_db(tmp_path, monkeypatch):
    """The briefing scenario's database in data/, run from its parent folder with no config file; the clock
    frozen on Wednesday 25 Nov 2026 09:00 UTC."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEOC_TRACKER_CONFIG", raising=False)
    monkeypatch.setattr("tracker.cli._now", lambda: WEDNESDAY)
    path = tmp_path / "data" / "tracker.db"
    database = tracker_db.connect(path)
    build_db(database)
    database.close()
    return path


def briefings(path) -> list[dict]:
    return list(tracker_db.connect(path).query("SELECT * FROM briefings"))


@pytest.mark.parametrize("args, option, message", [
    (["--week", "2026-48"], "--week", "week '2026-48' is not an ISO week like 2026-W48"),
    (["--week", "2025-W53"], "--week", "2025 has no week 53"),
    (["--week", "2026-W49"], "--week",
     "week 2026-W49 has not started: its briefing is taken on Mon 30 Nov 2026 07:30 (London)"),
    (["--as-of", "last saturday"], "--as-of", "'last saturday' is not an ISO 8601 date or datetime"),
    (["--as-of", "2026-11-25T09:00:01+00:00"], "--as-of", "Wed 25 Nov 2026 09:00 (London) is in the future"),
    (["--as-of", "2026-11-14"], "--as-of",
     "Sat 14 Nov 2026 00:00 (London) is before the first crawl (Sun 15 Nov 2026 09:00 London)"),
    (["--week", "2026-W47", "--as-of", "2026-11-24"], "--as-of", "is in week 2026-W48, not 2026-W47"),
    (["--as-of", "2026-11-24", "--send"], "--send", "a preview (as of Tue 24 Nov 2026 00:00 London) is never "
                                                    "emailed; only a week's own briefing is (--week 2026-W48)"),
])
def test_brief_refuses_bad_weeks_and_instants_writing_nothing(briefing_db, tmp_path, args, option, message):
    result = CliRunner().invoke(cli, ["brief", "--db", str(briefing_db), *args])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and message in " ".join(result.output.split())
    assert sorted(p.name for p in (tmp_path / "data").iterdir() if not p.name.startswith("tracker.db")) == []
    assert not (tmp_path / "reports").exists() and briefings(briefing_db) == []


def test_brief_as_of_inside_a_week_is_a_preview_beside_the_weeks_briefing(briefing_db, tmp_path):
    """The issue's story: the week's briefing, then a Saturday preview that must not overwrite it."""
    runner = CliRunner()
    reports = tmp_path / "data" / "reports"  # beside the database, not in the folder we run from
    week = runner.invoke(cli, ["brief", "--db", str(briefing_db)])
    assert week.exit_code == 0, week.output
    assert week.output.splitlines()[:3] == [
        "SEOC reform briefing w/c 23 Nov 2026: 2 deadlines, 1 new, 2 moved",
        f"  {reports / '2026-W48.html'}", f"  {reports / '2026-W48.txt'}"]
    files = {path: path.read_bytes() for path in reports.iterdir()}
    row = briefings(briefing_db)

    preview = runner.invoke(cli, ["brief", "--db", str(briefing_db), "--as-of", "2026-11-25T08:15"])
    assert preview.exit_code == 0, preview.output
    assert preview.output.splitlines()[:3] == [
        # AML opened on 18 Nov (a date: its first moment), before this window opens at 08:15 that day.
        "SEOC reform briefing w/c 23 Nov 2026 (preview as of 25 Nov 2026, 08:15): 2 deadlines, 0 new, 2 moved",
        f"  {reports / '2026-W48-preview-20261125T0815.html'}", f"  {reports / '2026-W48-preview-20261125T0815.txt'}"]
    assert "a preview is never emailed" in preview.output
    assert {path: path.read_bytes() for path in files} == files and briefings(briefing_db) == row
    assert not (tmp_path / "reports").exists()

    # Exactly the week's Monday 07:30 is the week's briefing again, the same document.
    exact = runner.invoke(cli, ["brief", "--db", str(briefing_db), "--as-of", "2026-11-23T07:30:00+00:00"])
    assert exact.exit_code == 0 and "preview" not in exact.output and f"{reports / '2026-W48.html'}" in exact.output
    assert {path: path.read_bytes() for path in files} == files
    assert [r["content_hash"] for r in briefings(briefing_db)] == [row[0]["content_hash"]]


def test_run_writes_a_preview_and_never_emails_it(briefing_db, tmp_path, monkeypatch):
    """`run` with email configured: its briefing as of now is a preview, so nothing is sent (the SMTP port
    is closed: trying to send would fail the command)."""
    monkeypatch.setattr(crawl_mod, "crawl", lambda *args, **kwargs: [RunResult("govuk", 1, "ok", None)])
    config = tmp_path / "seoc-tracker.toml"
    config.write_text(f'[email]\nhost = "127.0.0.1"\nport = {closed_port_url().rpartition(":")[2]}\n'
                      'starttls = false\nfrom = "tracker@example.org"\nto = ["seoc@example.org"]\n')
    result = CliRunner().invoke(cli, ["run", "--db", str(briefing_db), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "(preview as of 25 Nov 2026, 09:00)" in result.output and "a preview is never emailed" in result.output
    assert [p.name for p in (tmp_path / "data" / "reports").glob("*.html")] == ["2026-W48-preview-20261125T0900.html"]
    assert briefings(briefing_db) == []


def test_brief_as_of_on_a_database_never_crawled_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEOC_TRACKER_CONFIG", raising=False)
    monkeypatch.setattr("tracker.cli._now", lambda: WEDNESDAY)
    db = tmp_path / "empty.db"
    tracker_db.connect(db).close()
    result = CliRunner().invoke(cli, ["brief", "--db", str(db), "--as-of", "2026-11-24"])
    assert result.exit_code == 2 and "no crawl has run yet" in result.output, result.output
    assert not (tmp_path / "reports").exists() and briefings(db) == []


def test_status_after_the_demo_points_to_the_demo_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEOC_TRACKER_DB", raising=False)
    (tmp_path / "data" / "demo").mkdir(parents=True)
    tracker_db.connect(tmp_path / "data" / "demo" / "tracker.db").close()
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 1
    assert "no database at data/tracker.db; the demo's is at data/demo/tracker.db: add --db data/demo/tracker.db" \
        in result.output


FAST_RETRIES = {"RETRY_TIMES": 2, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.1, "DOWNLOAD_DELAY": 0,
                "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5}


def requests_of(db_path, source: str) -> int:
    return next(iter(tracker_db.connect(db_path).query(
        "select requests from runs where source = ? order by id desc limit 1", [source])))["requests"]


def test_once_every_source_so_far_was_unreachable_the_next_does_not_retry(server, tmp_path):
    closed = closed_port_url()
    alone = crawl_mod.crawl(["sentencing-council"], tmp_path / "alone.db", settings=FAST_RETRIES,
                            base_urls={"sentencing-council": closed})
    assert alone[0].unreachable and requests_of(tmp_path / "alone.db", "sentencing-council") > 1
    # After an unreachable source the machine looks offline: one try each, not retries with back-off.
    offline = crawl_mod.crawl(["law-commission", "sentencing-council"], tmp_path / "offline.db",
                              settings=FAST_RETRIES, base_urls={"law-commission": closed,
                                                                "sentencing-council": closed})
    assert [r.unreachable for r in offline] == [True, True]
    tries = FAST_RETRIES["RETRY_TIMES"] + 1
    assert requests_of(tmp_path / "offline.db", "sentencing-council") * tries == requests_of(tmp_path / "alone.db",
                                                                                           "sentencing-council")
    # After a source that answered, the next one retries as usual.
    serve_lawcom(server)
    online = crawl_mod.crawl(["law-commission", "sentencing-council"], tmp_path / "online.db",
                             settings=FAST_RETRIES, base_urls={"law-commission": server.url,
                                                               "sentencing-council": closed})
    assert online[0].status == "ok" and online[1].unreachable
    assert requests_of(tmp_path / "online.db", "sentencing-council") == requests_of(tmp_path / "alone.db",
                                                                                     "sentencing-council")
