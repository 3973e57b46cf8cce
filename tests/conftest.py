"""Shared fixtures: a fresh database, a local HTTP server serving recorded payloads. Helpers that are not
fixtures live in tests/helpers/ (conftest is not imported by the tests)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracker.store import db as tracker_db

from .helpers.http import LocalServer


@pytest.fixture(autouse=True)
def _keep_umask():
    """The CLI sets a private umask for its process; keep one test's invocation from changing the next test's."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield
    os.umask(previous)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "tracker.db"


@pytest.fixture
def database(db_path):
    database = tracker_db.connect(db_path)
    yield database
    database.close()


@pytest.fixture
def server():
    with LocalServer() as local:
        yield local
