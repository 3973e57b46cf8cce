"""Read and write offline snapshots (see snapshot/FORMAT.md)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit


def request_key(url: str) -> str:
    """Path plus query with parameters sorted: the host is ignored so any base URL replays."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


class Snapshot:
    """One source's recorded responses, looked up by request key."""

    def __init__(self, folder: Path):
        self.folder = folder
        manifest_path = folder / "manifest.json"
        self.entries: dict[str, dict] = {}
        if manifest_path.exists():
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            for entry in manifest.get("responses", []):
                self.entries[request_key(entry["path"])] = entry

    def lookup(self, url: str) -> tuple[dict, bytes] | None:
        entry = self.entries.get(request_key(url))
        if entry is None:
            return None
        return entry, (self.folder / entry["file"]).read_bytes()


def _file_name(key: str, used: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")[:80] or "root"
    name, n = f"{stem}.body", 1
    while name in used:
        n += 1
        name = f"{stem}_{n}.body"
    return name


class SnapshotRecorder:
    """Writes responses of a live crawl into a snapshot folder, manifest kept current."""

    def __init__(self, folder: Path, source: str, base_url: str):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.manifest = {"source": source, "base_url": base_url, "responses": []}
        self.used: set[str] = set()

    def add(self, url: str, status: int, content_type: str, body: bytes, origin: str) -> None:
        key = request_key(url)
        name = _file_name(key, self.used)
        self.used.add(name)
        (self.folder / name).write_bytes(body)
        self.manifest["responses"].append(
            {"path": key, "file": name, "status": status, "content_type": content_type, "origin": origin}
        )
        (self.folder / "manifest.json").write_text(json.dumps(self.manifest, indent=1), encoding="utf-8")
