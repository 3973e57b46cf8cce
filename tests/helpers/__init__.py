"""Helpers shared by the test modules, which import them from here and never from one another: paths,
local servers (http), each source served as its spider tests serve it (spiders), the briefing scenario
(briefing), SMTP servers and their fixtures (mail), Atom feeds (feeds) and a headless browser (browser)."""
from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent.parent
FIXTURES = PROJECT / "tests" / "fixtures"
#: The bundled snapshot the demo replays; re-recording it changes these files (see tests/fixtures/*/SOURCES.md).
SNAPSHOT = PROJECT / "snapshot"
