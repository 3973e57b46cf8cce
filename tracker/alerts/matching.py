"""Which changed items each watch follows. Every watch is read against the changed items only (a day's changes,
not the archive), and watches that ask the same thing share one answer: alerts for thousands of watches stay
a matter of seconds."""
from __future__ import annotations

from typing import Iterable

import json
import sqlite3

import sqlite_utils

from tracker.store.migrations import SEARCH_COLUMNS

from tracker.alerts.watchlist import Watch
from tracker import search_language as search

#: The changed items, as a table every question reads (a JSON list bound as ?1: no writes, no transaction).
#: Questions join it to items with CROSS JOIN, which keeps that order: the few changed ids probe items by key
#: (left to itself SQLite scanned all items per question: 8 s instead of 0.16 s for 500 people at 200k items).
_CHANGED = "(SELECT value AS item_id FROM json_each(?1))"


class Matcher:
    """Answers "which of these changed items does this watch follow?", each distinct question once."""

    def __init__(self, db: sqlite_utils.Database, changed_ids: Iterable[str]):
        self.db = db
        self.changed = set(changed_ids)
        self._answers: dict[tuple, frozenset[str]] = {}
        self._json = json.dumps(sorted(self.changed))
        self._index: sqlite3.Connection | None = None

    def close(self) -> None:
        self._answers.clear()
        if self._index is not None:
            self._index.close()
            self._index = None

    def _search_index(self) -> sqlite3.Connection:
        """The changed items' searchable text in a small in-memory FTS5 index, tokenized as items_fts is: a
        saved search then reads a day's changes, not the whole archive's matches."""
        if self._index is None:
            self._index = sqlite3.connect(":memory:")
            columns = ", ".join(SEARCH_COLUMNS)
            self._index.execute(f"CREATE VIRTUAL TABLE changed_fts USING fts5({columns}, tokenize='porter')")
            self._index.execute("CREATE TABLE changed (rowid INTEGER PRIMARY KEY, id TEXT, kind TEXT, source TEXT, "
                                "themes TEXT)")
            rows = list(self.db.execute(
                f"SELECT i.id, i.kind, i.source, i.themes, {', '.join('i.' + c for c in SEARCH_COLUMNS)} "
                f"FROM {_CHANGED} c CROSS JOIN items i ON i.id = c.item_id", [self._json]).fetchall())
            self._index.executemany("INSERT INTO changed (rowid, id, kind, source, themes) VALUES (?, ?, ?, ?, ?)",
                                    [(n, *row[:4]) for n, row in enumerate(rows, 1)])
            marks = ", ".join("?" * len(SEARCH_COLUMNS))
            self._index.executemany(f"INSERT INTO changed_fts (rowid, {columns}) VALUES (?, {marks})",
                                    [(n, *row[4:]) for n, row in enumerate(rows, 1)])
        return self._index

    def items_of(self, watch: Watch) -> frozenset[str]:
        question = (watch.what, watch.target, watch.kind, watch.source, watch.theme)
        if question not in self._answers:
            self._answers[question] = frozenset(self._ask(watch)) if self.changed else frozenset()
        return self._answers[question]

    def _ids(self, sql: str, params: list) -> set[str]:
        return {row[0] for row in self.db.execute(sql, [self._json, *params]).fetchall()}

    def _ask(self, watch: Watch) -> set[str]:
        if watch.what == "item":
            return {watch.target} & self.changed
        if watch.what == "reform":
            # The thread the item belongs to now (items joined by strong links), or the item alone.
            return self._ids(
                f"SELECT c.item_id FROM {_CHANGED} c WHERE c.item_id = ?2 OR c.item_id IN (SELECT item_id FROM reforms "
                "WHERE reform_id = (SELECT reform_id FROM reforms WHERE item_id = ?2))", [watch.target])
        if watch.what == "theme":
            return self._ids(f"SELECT i.id FROM {_CHANGED} c CROSS JOIN items i ON i.id = c.item_id "
                             "WHERE i.relevant = 1 AND EXISTS (SELECT 1 FROM json_each(i.themes) t WHERE t.value = ?)",
                             [watch.target])
        if watch.what == "organisation":
            return self._ids(f"SELECT i.id FROM {_CHANGED} c CROSS JOIN items i ON i.id = c.item_id "
                             "WHERE i.organisation = ?", [watch.target])
        return self._search(watch)

    def _search(self, watch: Watch) -> set[str]:
        try:
            expression = search.to_fts5(watch.target)
        except search.SearchError:
            return set()  # refused when saved; a watch stored otherwise matches nothing rather than stop others
        where, params = ["changed_fts MATCH ?"], [expression]
        for column in ("kind", "source"):
            if getattr(watch, column):
                where.append(f"c.{column} = ?")
                params.append(getattr(watch, column))
        if watch.theme:
            where.append("EXISTS (SELECT 1 FROM json_each(c.themes) t WHERE t.value = ?)")
            params.append(watch.theme)
        return {row[0] for row in self._search_index().execute(
            f"SELECT c.id FROM changed_fts JOIN changed c ON c.rowid = changed_fts.rowid WHERE {' AND '.join(where)}",
            params)}
