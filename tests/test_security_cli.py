"""Issue 12 from the operator's side: the secret checks of `serve` and `schedule`, the demo's own secret, file
modes after `crawl`, `serve` and the database code create their files, `user revoke`, and the `feed-token`
commands. Commands run through click's CliRunner, and `serve` as a real process where its files matter.
"""
from __future__ import annotations

import os
import re
import secrets
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from tracker import config as config_mod
from tracker.store import db as db_module
from tracker.web import auth as auth_plugin
from tracker import server_secret
from tracker.web.accounts import Accounts
from tracker.cli import BUNDLED_SNAPSHOT, cli
from tracker.errors import ConfigError
from tracker.web.serve import build_datasette

from .helpers.auth import FAST_HASH, SECRET, USERS, actor, feed_token, session_cookie, staff_work_db
from .helpers import PROJECT

GOOD_SECRET = secrets.token_hex(32)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def environment_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them (comments skipped, surrounding quotes removed)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[key.strip()] = value
    return values


# --- 4. the secret ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("secret, why", [
    ("s", "at least 32"), ("test-secret", "at least 32"), ("x" * 31, "at least 32"),
    ("a" * 64, "repeats"), ("abababababababababababababababababab", "repeats"),
    ("REPLACE-ME-with-the-output-of-secrets.token_hex-32", "example"),
    ('replace-with-output-of-python3 -c "import secrets;print(secrets.token_hex(32))"', "example"),
    ("replace-with-output-of-python3 -c import secrets;print(secrets.token_hex(32))", "example"),
    ("please-change-me-before-deploying-this-thing-0123456789", "example"),
])
def test_weak_or_example_secrets_are_refused_saying_how_to_make_one(secret, why):
    with pytest.raises(server_secret.WeakSecretError) as refused:
        server_secret.check_secret(secret, "DATASETTE_SECRET")
    assert why in str(refused.value)
    assert "python3 -c 'import secrets; print(secrets.token_hex(32))'" in str(refused.value)


def test_a_generated_secret_is_accepted():
    server_secret.check_secret(GOOD_SECRET, "DATASETTE_SECRET")
    server_secret.check_secret(secrets.token_urlsafe(32), "DATASETTE_SECRET")


SHIPPED = ["deploy/environment.example", "README.md", "seoc-tracker.example.toml", "deploy/seoc-tracker-serve.service",
           "deploy/seoc-tracker-schedule.service"]


def test_every_example_secret_shipped_in_the_repository_is_refused():
    found = []
    for name in SHIPPED:
        for match in re.finditer(r"DATASETTE_SECRET\s*=\s*(\S[^\n`]*)", (PROJECT / name).read_text()):
            value = match.group(1).strip()
            found.append((name, value))
            with pytest.raises(server_secret.WeakSecretError):
                server_secret.check_secret(value, name)
            with pytest.raises(server_secret.WeakSecretError):
                server_secret.check_secret(value.strip("'\""), name)
    assert any(name == "deploy/environment.example" for name, _ in found), found


@pytest.fixture
def served(monkeypatch) -> list:
    """Records instead of serving, so a `serve` that wrongly starts fails the test instead of serving forever."""
    import uvicorn
    calls: list = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(args))
    return calls


def test_serve_with_the_example_environment_file_refuses_to_start(tmp_path, served):
    env = environment_file(PROJECT / "deploy" / "environment.example")
    assert "DATASETTE_SECRET" in env
    db = tmp_path / "data" / "tracker.db"
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--config",
                                      str(PROJECT / "seoc-tracker.example.toml")], env=env)
    assert result.exit_code == 1, result.output
    assert "DATASETTE_SECRET is the example value shipped with seoc-tracker" in result.output
    assert "refusing to start" in result.output and "secrets.token_hex(32)" in result.output
    assert not db.exists() and not served


def test_serve_and_schedule_refuse_a_short_secret(tmp_path, served, monkeypatch):
    import tracker.scheduler
    monkeypatch.setattr(tracker.scheduler, "run_forever", lambda *args, **kwargs: served.append(args))
    for command in (["serve"], ["schedule"]):
        result = CliRunner().invoke(cli, [*command, "--db", str(tmp_path / "tracker.db")],
                                    env={"DATASETTE_SECRET": "9f8e7d6c5b4a3928171605f4e3d2c1b"})
        assert result.exit_code == 1, (command, result.output)
        assert "DATASETTE_SECRET is 31 bytes; it must be at least 32 random bytes" in result.output, command
        assert "serving" not in result.output and not (tmp_path / "tracker.db").exists()
    assert not served


def test_schedule_refuses_the_example_secret_and_a_weak_secret_file(tmp_path, monkeypatch):
    import tracker.scheduler
    started = []
    monkeypatch.setattr(tracker.scheduler, "run_forever", lambda *args, **kwargs: started.append(args))
    env = environment_file(PROJECT / "deploy" / "environment.example")
    refused = CliRunner().invoke(cli, ["schedule", "--db", str(tmp_path / "tracker.db")], env=env)
    assert refused.exit_code == 1 and "example value" in refused.output
    (tmp_path / ".datasette-secret").write_text("tiny")
    weak_file = CliRunner().invoke(cli, ["schedule", "--db", str(tmp_path / "tracker.db")],
                                   env={"DATASETTE_SECRET": ""})
    assert weak_file.exit_code == 1 and ".datasette-secret is 4 bytes" in weak_file.output
    ok = CliRunner().invoke(cli, ["schedule", "--db", str(tmp_path / "tracker.db")],
                            env={"DATASETTE_SECRET": GOOD_SECRET})
    assert ok.exit_code == 0, ok.output
    assert len(started) == 1  # only the good secret got as far as starting the schedule


def test_serve_refuses_a_malformed_password_hash(tmp_path, served):
    config = tmp_path / "seoc-tracker.toml"
    config.write_text('[users.alice]\nrole = "editor"\n')
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "t.db"), "--config", str(config)],
                                env={"DATASETTE_SECRET": GOOD_SECRET, "SEOC_PASSWORD_HASH_ALICE": "hunter2"})
    assert result.exit_code == 1
    assert "SEOC_PASSWORD_HASH_ALICE is not a pbkdf2_sha256 hash" in result.output and not served


async def test_the_demo_uses_its_own_secret_and_only_its_own_account(tmp_path, monkeypatch):
    """If the demo ran with production's secret, its public account's cookie would work on production."""
    import uvicorn

    import tracker.web.serve as serve_mod
    built = []
    real_build = serve_mod.build_datasette
    monkeypatch.setattr(serve_mod, "build_datasette", lambda *a, **k: built.append(real_build(*a, **k)) or built[-1])
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setenv("DATASETTE_SECRET", GOOD_SECRET)
    monkeypatch.setenv("SEOC_PASSWORD_HASH_ALICE", FAST_HASH)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seoc-tracker.toml").write_text('[users.alice]\nrole = "admin"\n')
    serve_mod.serve_datasette(tmp_path / "demo" / "tracker.db", demo=True)
    [demo] = built
    assert demo._secret != GOOD_SECRET and len(demo._secret) == 64
    assert auth_plugin.state_of(demo).accounts.current() == {"demo-editor": "editor"}
    assert not (tmp_path / "demo" / ".datasette-secret").exists()
    production = build_datasette(tmp_path / "prod.db", config=config_mod.Config(), secret=GOOD_SECRET,
                                 users={"demo-editor": "editor"})
    production_cookie = session_cookie(production, "demo-editor")
    assert await actor(production, production_cookie) == {"id": "demo-editor", "roles": ["editor"]}
    assert await actor(demo, production_cookie) is None


# --- 6. file modes -------------------------------------------------------------------------------------------

def test_the_units_set_a_private_umask():
    for unit in ("seoc-tracker-serve.service", "seoc-tracker-schedule.service"):
        assert re.search(r"^UMask=0077$", (PROJECT / "deploy" / unit).read_text(), re.M), unit


def test_the_database_and_its_wal_are_private_from_creation_whatever_the_umask(tmp_path):
    os.umask(0o000)  # restored by conftest
    database = db_module.connect(tmp_path / "new" / "tracker.db")
    database["items"].count  # noqa: B018 - a read, so the WAL and shared memory files exist
    for suffix in ("", "-wal", "-shm"):
        assert mode(tmp_path / "new" / f"tracker.db{suffix}") == 0o600, suffix
    assert mode(tmp_path / "new") == 0o700
    database.close()


def test_an_older_world_readable_database_is_tightened_on_open(tmp_path):
    path = tmp_path / "tracker.db"
    db_module.connect(path).close()
    os.chmod(path, 0o644)
    db_module.connect(path).close()
    assert mode(path) == 0o600


def test_the_secret_file_is_private_from_creation_and_one_secret_wins_a_race(tmp_path, monkeypatch):
    monkeypatch.delenv("DATASETTE_SECRET", raising=False)
    os.umask(0o000)
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(server_secret.persistent_secret(tmp_path / "t.db")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and len(seen[0]) == 64
    assert mode(tmp_path / ".datasette-secret") == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [".datasette-secret"]  # no temporary file left behind
    server_secret.check_secret(seen[0], "the generated secret")
    os.chmod(tmp_path / ".datasette-secret", 0o644)  # written by an older version
    server_secret.persistent_secret(tmp_path / "t.db")
    assert mode(tmp_path / ".datasette-secret") == 0o600


def test_crawl_creates_private_files(tmp_path):
    os.umask(0o022)  # what a login shell usually has; the command must not rely on it
    db = tmp_path / "data" / "tracker.db"
    result = CliRunner().invoke(cli, ["crawl", "sentencing-council", "--snapshot", str(BUNDLED_SNAPSHOT),
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert mode(db) == 0o600 and mode(db.parent) == 0o700
    os.umask(0o022)
    database = db_module.connect(db)
    database.execute("insert into triage (item_id, state, updated_by, updated_at) values ('x', 'new', 'a', 'b')")
    database.conn.commit()  # writes the WAL, which SQLite creates with the database file's mode
    assert mode(Path(f"{db}-wal")) == 0o600 and mode(Path(f"{db}-shm")) == 0o600
    database.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_creates_private_files(tmp_path):
    db = tmp_path / "data" / "tracker.db"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATASETTE_SECRET", "SEOC_"))}
    server = subprocess.Popen([sys.executable, "-m", "tracker.cli", "serve", "--db", str(db), "--port", str(port)],
                              cwd=tmp_path, env={**env, "PYTHONPATH": str(PROJECT), "SEOC_PUBLIC_READ": "1"},
                              preexec_fn=lambda: os.umask(0o022), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/robots.txt").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, server.stdout.read().decode()[-2000:]
            time.sleep(0.2)
        # A page that reads the database, so Datasette's connections (and the WAL files) are open.
        assert httpx.get(f"http://127.0.0.1:{port}/tracker/items.json").status_code == 200
        files = {name: mode(db.parent / name) for name in ("tracker.db", "tracker.db-wal", "tracker.db-shm",
                                                           ".datasette-secret")}
        assert files == dict.fromkeys(files, 0o600)
        assert mode(db.parent) == 0o700
    finally:
        server.terminate()
        server.wait(30)


# --- sessions and feed tokens from the command line -----------------------------------------------------------

@pytest.fixture
def instance(tmp_path, monkeypatch):
    """A database with staff work, and Datasette over it with the secret the commands read."""
    monkeypatch.setenv("DATASETTE_SECRET", SECRET)
    path = staff_work_db(tmp_path / "tracker.db")
    ds = build_datasette(path, config=config_mod.Config(), secret=SECRET,
                         accounts=Accounts(USERS, hashes={user: FAST_HASH for user in USERS}))
    return path, ds


async def test_user_revoke_ends_every_session_and_feed_token_of_that_user(instance):
    path, ds = instance
    ed, rita = session_cookie(ds, "ed"), session_cookie(ds, "rita")
    eds_token, ritas_token = feed_token(ds, "ed-calendar", owner="ed"), feed_token(ds, "rita-calendar", owner="rita")
    feed = "/tracker/deadline_calendar.ics?_feed_token="
    assert (await ds.client.get("/tracker/responses.json", cookies=ed)).status_code == 200
    result = CliRunner().invoke(cli, ["user", "revoke", "ed", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "ed: every session ended" in result.output and "1 feed token(s) revoked: ed-calendar" in result.output
    assert (await ds.client.get("/tracker/responses.json", cookies=ed)).status_code == 403
    assert (await ds.client.get("/tracker/items.json", cookies=ed)).status_code == 403
    assert (await ds.client.get(feed + eds_token)).status_code == 403
    assert (await ds.client.get("/tracker/items.json", cookies=rita)).status_code == 200
    assert (await ds.client.get(feed + ritas_token)).status_code == 200
    assert (await ds.client.get("/tracker/responses.json", cookies=session_cookie(ds, "ed"))).status_code == 200


async def test_feed_token_commands_issue_with_an_expiry_list_and_revoke_one(instance):
    path, ds = instance
    runner = CliRunner()
    issued = runner.invoke(cli, ["feed-token", "outlook", "--days", "30", "--db", str(path)])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.splitlines()[0]
    config = path.parent / "seoc-tracker.toml"
    config.write_text('[users.rita]\nrole = "reader"\n')
    typo = runner.invoke(cli, ["feed-token", "issue", "phone", "--user", "rtia", "--db", str(path),
                               "--config", str(config)])
    assert typo.exit_code == 2 and "'rtia' is not a login in the config file's [users]" in typo.output
    other = runner.invoke(cli, ["feed-token", "issue", "phone", "--user", "rita", "--db", str(path),
                                "--config", str(config)])
    other_token = other.stdout.splitlines()[0]
    feed = "/tracker/deadline_calendar.ics?_feed_token="
    assert (await ds.client.get(feed + token)).status_code == 200
    listing = runner.invoke(cli, ["feed-token", "list", "--db", str(path)])
    assert re.search(r"outlook\s+-\s+issued \d{4}-\d\d-\d\d\s+expires \d{4}-\d\d-\d\d", listing.output)
    assert re.search(r"phone\s+rita\s+issued .* expires", listing.output)
    assert token not in listing.output
    revoked = runner.invoke(cli, ["feed-token", "revoke", "outlook", "--db", str(path)])
    assert revoked.exit_code == 0 and "feed token outlook revoked" in revoked.output
    assert (await ds.client.get(feed + token)).status_code == 403
    assert (await ds.client.get(feed + other_token)).status_code == 200
    again = runner.invoke(cli, ["feed-token", "revoke", "outlook", "--db", str(path)])
    assert again.exit_code == 1 and "no live feed token is named 'outlook'" in again.output
    assert "revoked" in runner.invoke(cli, ["feed-token", "list", "--db", str(path)]).output


def test_feed_token_refuses_to_sign_with_a_weak_secret(instance, monkeypatch):
    path, _ = instance
    monkeypatch.setenv("DATASETTE_SECRET", "REPLACE-ME-with-the-output-of-secrets.token_hex-32")
    result = CliRunner().invoke(cli, ["feed-token", "outlook", "--db", str(path)])
    assert result.exit_code == 1 and "example value" in result.output
    assert "outlook" not in CliRunner().invoke(cli, ["feed-token", "list", "--db", str(path)]).output


@pytest.mark.parametrize("args, message", [(["x", "--days", "0"], "--days must be a whole number from 1 to 1095"),
                                           (["x", "--days", "5000"], "from 1 to 1095"),
                                           (["bad name!"], "use up to 100 letters")])
def test_feed_token_refuses_bad_input(instance, args, message):
    path, _ = instance
    result = CliRunner().invoke(cli, ["feed-token", *args, "--db", str(path)])
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize("value, ok", [("2", True), ("0.5", True), ("0", False), ('"12"', False), ("1000", False)])
def test_session_hours_setting(tmp_path, value, ok):
    path = tmp_path / "c.toml"
    path.write_text(f"[datasette]\nsession_hours = {value}\n")
    if ok:
        assert config_mod.load(path).session_hours == float(value)
    else:
        with pytest.raises(ConfigError, match="session_hours must be a number of hours above 0 and at most 720"):
            config_mod.load(path)
