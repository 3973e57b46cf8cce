"""`seoc-tracker publish`: the read-only copy holds the public data and nothing staff wrote, by every route.

Staff work goes in through the register's own functions (tests/helpers/auth.py), then a marker string is
written into every text column of every table not published, whichever branch added it. The copy is then
served by Datasette as a replica would serve it (immutable, the published metadata) and searched for every
marker through tables, JSON, CSV, SQL, full-text search, the download route and the file's bytes.
"""
from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from tracker.cli import cli
from tracker.publish import PUBLIC
from tracker.store import db as tracker_db

from .helpers.auth import staff_work_db

MARKER = "PRIVATE-MARKER-7F3A"
#: What staff_work_db writes through the register: a position, notes, reasons, a reviewer, a recipient.
STAFF_WORDS = ("SECRET-POSITION", "TRIAGE-NOTE", "REVIEW-NOTE", "THEME-REASON", "RELEVANCE-REASON", "reviewer-ed",
               "BRIEFING-RECIPIENT", "SMTP-ERROR", "JOB-MESSAGE")
SEARCH_SHADOWS = re.compile(r"^items_fts(_.*)?$")


def private_tables(conn: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table' "
                                        "and name not like 'sqlite_%'")]
    return sorted(n for n in names if n not in PUBLIC and not SEARCH_SHADOWS.match(n))


def mark_every_private_table(path) -> list[str]:
    """Insert a row with MARKER in each text column of each private table; returns the tables marked."""
    conn = sqlite3.connect(path)
    marked = []
    for table in private_tables(conn):
        schema = conn.execute("select sql from sqlite_master where name = ?", [table]).fetchone()[0]
        row = {}
        for _, name, kind, _, _, pk in conn.execute(f'pragma table_info("{table}")'):
            kind = kind.upper()
            if pk and "INT" in kind:
                continue
            choice = re.search(rf"\b{name}\b[^,]*?CHECK\s*\(\s*{name}\s+IN\s*\(\s*'([^']*)'", schema, re.S)
            if choice:
                row[name] = choice.group(1)
            elif "INT" in kind or "REAL" in kind:
                row[name] = 1
            else:
                row[name] = f"{MARKER} {table}.{name}"
        columns = ", ".join(f'"{c}"' for c in row)
        conn.execute(f'insert into "{table}" ({columns}) values ({", ".join("?" * len(row))})', list(row.values()))
        marked.append(table)
    conn.commit()
    conn.close()
    return marked


@pytest.fixture
def published(tmp_path):
    source = staff_work_db(tmp_path / "tracker.db")
    marked = mark_every_private_table(source)
    result = CliRunner().invoke(cli, ["publish", "--db", str(source), str(tmp_path / "public")])
    assert result.exit_code == 0, result.output
    return tmp_path / "public", marked, source


def test_every_private_table_got_the_marker(published):
    folder, marked, source = published
    conn = sqlite3.connect(source)
    # The register's tables and the accounts' are among them; a table added later is private until listed.
    assert {"responses", "audit_log", "triage", "relevance_overrides", "session_epochs", "feed_tokens", "links",
            "item_priorities", "briefings", "job_runs", "http_validators"} <= set(marked)
    assert marked == private_tables(conn)


def test_the_file_holds_no_private_word(published):
    folder, _, _ = published
    data = (folder / "tracker.db").read_bytes()
    for word in (MARKER, *STAFF_WORDS):
        assert word.encode() not in data, word
    assert sorted(p.name for p in folder.iterdir()) == ["metadata.json", "tracker.db"]
    conn = sqlite3.connect(folder / "tracker.db")
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    assert {t for t in tables if not SEARCH_SHADOWS.match(t)} == set(PUBLIC)
    assert conn.execute("select title from items").fetchall() == [("Fraud and money laundering consultation",)]


async def _routes(folder, marked) -> None:
    metadata = json.loads((folder / "metadata.json").read_text())
    assert "allow" not in json.dumps(metadata) and "queries" not in json.dumps(metadata)
    ds = Datasette(immutables=[str(folder / "tracker.db")], metadata=metadata)
    # Anonymous, as every reader of the copy is.
    listing = (await ds.client.get("/tracker.json")).json()
    assert {t["name"] for t in listing["tables"] if not t["hidden"]} == set(PUBLIC)
    for table in marked:
        for route in (f"/tracker/{table}.json", f"/tracker/{table}.csv", f"/tracker/{table}"):
            assert (await ds.client.get(route)).status_code == 404, route
        answer = await ds.client.get("/tracker.json", params={"sql": f'select * from "{table}"'})
        assert answer.status_code == 400 and "no such table" in answer.text, table
    for table, columns in PUBLIC.items():
        for fmt in ("json", "csv"):
            page = await ds.client.get(f"/tracker/{table}.{fmt}", params={"_size": "max"})
            assert page.status_code == 200
            for word in (MARKER, *STAFF_WORDS):
                assert word not in page.text, (table, fmt, word)
        matches = " or ".join(f'instr(cast("{c}" as text), :word)' for c in columns)
        for word in (MARKER, *STAFF_WORDS):
            answer = await ds.client.get("/tracker.json", params={
                "sql": f'select count(*) as n from "{table}" where {matches}', "word": word, "_shape": "array"})
            assert answer.json() == [{"n": 0}], (table, word)
    for word in ("SECRET", "TRIAGE", "REASON", "PRIVATE"):
        found = (await ds.client.get("/tracker/items.json", params={"_search": word})).json()
        assert found["rows"] == [], word
    download = await ds.client.get("/tracker.db")
    assert download.status_code == 200 and MARKER.encode() not in download.content
    assert b"SECRET-POSITION" not in download.content
    # The public data is there, searchable.
    found = (await ds.client.get("/tracker/items.json", params={"_search": "laundering", "_shape": "array"})).json()
    assert [row["id"] for row in found] == ["govuk:fraud"]


def test_every_route_of_the_served_copy_holds_no_private_word(published):
    folder, marked, _ = published
    asyncio.run(_routes(folder, marked))


def test_datasette_serves_the_copy_immutable_with_its_metadata(published):
    # The recipe in the README, through Datasette's own command line (--get answers one request and exits).
    folder, _, _ = published
    answer = subprocess.run([sys.executable, "-m", "datasette", "serve", "--immutable", str(folder / "tracker.db"),
                             "-m", str(folder / "metadata.json"), "--get", "/tracker/items.json?_shape=array"],
                            capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
    assert [row["id"] for row in json.loads(answer.stdout)] == ["govuk:fraud"]


def test_publish_refuses_a_missing_database_and_leaves_no_partial_file(tmp_path):
    result = CliRunner().invoke(cli, ["publish", "--db", str(tmp_path / "nowhere.db"), str(tmp_path / "out")])
    assert result.exit_code != 0 and "no database at" in result.output
    assert not (tmp_path / "out").exists()


def test_republishing_replaces_the_copy(published):
    folder, _, source = published
    database = tracker_db.connect(source)
    database.execute("update items set title = 'Renamed consultation'")
    database.conn.commit()
    database.close()
    assert CliRunner().invoke(cli, ["publish", "--db", str(source), str(folder)]).exit_code == 0
    conn = sqlite3.connect(folder / "tracker.db")
    assert conn.execute("select title from items").fetchall() == [("Renamed consultation",)]
    assert not (folder / "tracker.db.partial").exists()
