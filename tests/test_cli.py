"""The CLI: every command documented with an example; crawl, status and errors as a user sees them."""
from __future__ import annotations

import json
import re
import socket

import click
import pytest
from click.testing import CliRunner

from tracker.cli import _explain_if_offline, cli
from tracker.crawl import SOURCES, RunResult

from .helpers import FIXTURES, SNAPSHOT
from .helpers.spiders.law_commission import serve_lawcom
from .reliability.support import snapshot_rows


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
    from tracker import db as tracker_db
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
    from tracker import db as tracker_db
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


@pytest.mark.parametrize("messages, offline", [
    (["a: x: request failed: could not reach a.example: DNS lookup failed",
      "b: y: request failed: b.example did not answer within 45.0 seconds (timed out)"], True),
    (["a: x: request failed: could not reach a.example: the connection was refused", None], False),  # b was ok
    (["a: x: request failed: could not reach a.example: DNS lookup failed", "b: y: HTTP 503"], False),
])
def test_offline_is_said_only_when_every_source_failed_to_connect(messages, offline, capsys):
    results = [RunResult(name, i, "failed" if message else "ok", message)
               for i, (name, message) in enumerate(zip("ab", messages))]
    _explain_if_offline(results)
    assert ("No source could be reached" in capsys.readouterr().err) is offline


@pytest.mark.parametrize("command", [["status"], ["brief", "--send"], ["classify"]])
def test_reading_commands_refuse_a_missing_database_and_create_none(tmp_path, command):
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(cli, [*command, "--db", str(missing)])
    assert result.exit_code == 1
    assert f"no database at {missing}: check --db or SEOC_TRACKER_DB" in result.output
    assert list(tmp_path.iterdir()) == []  # no empty database, no briefing written
