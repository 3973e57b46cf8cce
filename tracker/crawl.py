"""Run spiders, one subprocess each, record every run, and report progress as they go."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from tracker.store import db as tracker_db
from tracker.store import items as store
from tracker.contract import SOURCE_NAMES, SOURCES
from tracker.errors import CrawlError
from tracker.weeks import parse_instant, utc_iso

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMEOUT = 3 * 60 * 60


@dataclass
class RunResult:
    """How one source's crawl ended."""

    source: str
    run_id: int
    status: str
    message: str | None
    #: The worker found the source's host unreachable or silent on every request: the network, not the source.
    unreachable: bool = False


ProgressFn = Callable[[dict], None]


def crawl(sources: Iterable[str], db_path: str | os.PathLike, *, snapshot: str | None = None,
          base_urls: dict[str, str] | None = None, record: str | None = None, full: bool = False, since: str | None = None,
          settings: dict[str, object] | None = None, progress: ProgressFn | None = None,
          source_options: dict[str, dict] | None = None,
          timeout: float = DEFAULT_TIMEOUT, clock: str | None = None, poll: bool = False) -> list[RunResult]:
    """Crawl each source in its own process; one source failing never stops the others.

    `poll` makes each run a cheap poll (conditional listings, known details not fetched again; see
    scrapers/polling.py), recorded with mode "poll". `clock` (ISO instant) stamps the runs and the items' first/last seen instead of the machine's clock: a
    snapshot replayed as of the moment it describes (the demo) must not look as if it was found today.
    """
    known = SOURCE_NAMES
    sources = list(sources) or list(known)
    # The workers run in the project folder: every path they get must not depend on our working directory.
    db_path = Path(db_path).resolve()
    snapshot = str(Path(snapshot).resolve()) if snapshot else None
    record = str(Path(record).resolve()) if record else None
    if clock:
        clock = utc_iso(parse_instant(clock))  # stored instants are compared as UTC ISO text
    for source in sources:
        if source not in known:
            raise CrawlError(f"unknown source {source!r}; known sources: {', '.join(known)}")
    database = tracker_db.connect(db_path)
    results = []
    for source in sources:
        mode = "snapshot" if snapshot else ("record" if record else ("poll" if poll else "live"))
        store.close_interrupted_runs(database, source, now=clock)
        run_id = store.start_run(database, source, mode=mode, now=clock)
        command = [sys.executable, "-m", "scrapers.run", source, "--db", str(db_path), "--run-id", str(run_id)]
        if snapshot:
            command += ["--snapshot", str(snapshot)]
        if record:
            command += ["--record", str(record)]
        if full:
            command.append("--full")
        if poll:
            command.append("--poll")
        if since:
            command += ["--since", since]
        if clock:
            command += ["--clock", clock]
        if base_urls and source in base_urls:
            command += ["--base-url", base_urls[source]]
        for other in SOURCES[source].also_uses:
            if base_urls and other in base_urls:
                command += ["--arg", f"{other.replace('-', '_')}_url={base_urls[other]}"]
        for key, value in ((source_options or {}).get(source) or {}).items():
            # Lists from the config file reach spiders as comma-separated arguments.
            text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            command += ["--arg", f"{key}={text}"]
        for key, value in {**(settings or {}), **_when_offline(results, snapshot)}.items():
            command += ["--set", f"{key}={json.dumps(value)}"]
        results.append(_run_worker(database, source, run_id, command, progress, timeout))
    return results


def _when_offline(results: list[RunResult], snapshot: str | None) -> dict[str, object]:
    """Settings for the next source when every source so far found its host unreachable: the machine is likely
    offline, so it fails at once instead of retrying each request with back-off (minutes over 11 sources). A
    source whose host answers still crawls, only without retries this once."""
    if snapshot or not results or not all(r.status == "failed" and r.unreachable for r in results):
        return {}
    return {"RETRY_ENABLED": False}


def _run_worker(database, source: str, run_id: int, command: list[str], progress: ProgressFn | None,
                timeout: float) -> RunResult:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
           "SCRAPY_SETTINGS_MODULE": "scrapers.settings"}
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    done: dict | None = None
    try:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "done":
                done = event
            elif progress:
                progress(event)
        stderr = process.stderr.read() if process.stderr else ""
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stderr = "timed out"
    row = database.execute("SELECT status, error_message FROM runs WHERE id = ?", [run_id]).fetchone()
    if done is None or row[0] == "running":
        tail = " ".join(stderr.strip().splitlines()[-3:])[:500] if stderr else ""
        message = f"crawler process exited with code {process.returncode}" + (f": {tail}" if tail else "")
        store.finish_run(database, run_id, "failed", error_message=message)
        result = RunResult(source, run_id, "failed", message)
    else:
        result = RunResult(source, run_id, row[0], row[1], unreachable=bool(done.get("unreachable")))
    if progress:
        progress({**(done or {}), "event": "done", "source": source, "status": result.status,
                  "message": result.message})
    return result
