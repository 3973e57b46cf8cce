"""The architecture's rules, checked on the source: imports point down, and the sources are listed once."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tracker.contract import SOURCES

from .helpers import FIXTURES, PROJECT

#: Floors, top down (ARCHITECTURE.md): a module may import its own floor or any floor below it.
FLOORS = {
    "tracker.cli": 6,
    "tracker.scheduler": 5,
    "tracker.jobs": 4,
    "tracker.publish": 4,
    "tracker.classify": 3, "tracker.web": 3, "tracker.crawl": 3, "tracker.alerts": 3,
    "tracker.briefing": 2, "tracker.store": 2,
    "tracker.contract": 1, "tracker.weeks": 1, "tracker.config": 1, "tracker.server_secret": 1,
    "tracker.file_modes": 1, "tracker.search_language": 1,
    "tracker.errors": 0,
}
#: What the scrapers may use of the tracker.
SCRAPERS_MAY_IMPORT = ("tracker.contract", "tracker.store", "tracker.errors")


def modules(package: str) -> dict[str, Path]:
    root = PROJECT / package
    found = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(PROJECT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """Absolute names of every module `path` imports (relative imports resolved), at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def floor(module: str) -> int | None:
    for prefix, level in FLOORS.items():
        if module == prefix or module.startswith(prefix + "."):
            return level
    return None


def test_nothing_in_tracker_imports_scrapers():
    offenders = {name: sorted(m for m in imports_of(name, path) if m.split(".")[0] == "scrapers")
                 for name, path in modules("tracker").items()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_scrapers_import_only_the_contract_the_store_and_the_errors():
    offenders = {}
    for name, path in modules("scrapers").items():
        bad = sorted(m for m in imports_of(name, path)
                     if m.split(".")[0] == "tracker" and m != "tracker"
                     and not m.startswith(SCRAPERS_MAY_IMPORT))
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_tracker_imports_point_down():
    upward = []
    for name, path in modules("tracker").items():
        own = floor(name)
        if own is None:
            continue
        for imported in imports_of(name, path):
            target = floor(imported)
            if target is not None and target > own:
                upward.append(f"{name} (floor {own}) imports {imported} (floor {target})")
    assert upward == []


def test_every_tracker_module_has_a_floor():
    assert [name for name in modules("tracker") if name != "tracker" and floor(name) is None] == []


@pytest.mark.parametrize("source", list(SOURCES.values()), ids=lambda s: s.name)
def test_a_source_has_one_name_everywhere(source):
    spider = PROJECT / "scrapers" / "spiders" / f"{source.module}.py"
    assert re.search(rf'^\s+name = "{re.escape(source.name)}"$', spider.read_text(), re.M), spider
    assert (PROJECT / "scrapers" / "parsers" / f"{source.module}.py").exists()
    assert (PROJECT / "tests" / f"test_parser_{source.module}.py").exists()
    assert (PROJECT / "tests" / f"test_spider_{source.module}.py").exists()
    assert (FIXTURES / source.name / "SOURCES.md").exists()
    assert (PROJECT / "snapshot" / source.name).is_dir()


def test_every_spider_and_parser_is_a_registered_source():
    registered = {s.module for s in SOURCES.values()}
    for folder in ("spiders", "parsers"):
        found = {p.stem for p in (PROJECT / "scrapers" / folder).glob("*.py")} - {"__init__", "base", "dates",
                                                                                  "errors"}
        assert found == registered, folder


def test_alerts_do_not_reach_into_the_web_layer():
    """Alerts run in the scheduler without a web server: what they share with pages lives a floor down."""
    offenders = {name: sorted(m for m in imports_of(name, path) if m.startswith("tracker.web"))
                 for name, path in modules("tracker").items() if name.startswith("tracker.alerts")}
    assert {name: found for name, found in offenders.items() if found} == {}
