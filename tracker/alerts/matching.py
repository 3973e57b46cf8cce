"""Which changed items each watch follows. Every watch is read against the changed items only (a day's changes,
not the archive), and watches that ask the same thing share one answer: alerts for thousands of watches stay
a matter of seconds."""
from __future__ import annotations

from typing import Iterable

import json

import sqlite_utils

from tracker.alerts.watchlist import Watch
from tracker.web import search

#: The changed items, as a table every question reads (a JSON list bound as ?1: no writes, no transaction).
_CHANGED = "(SELECT value AS item_id FROM json_each(?1))"


class Matcher:
    """Answers "which of these changed items does this watch follow?", each distinct question once."""

    def __init__(self, db: sqlite_utils.Database, changed_ids: Iterable[str]):
        self.db = db
        self.changed = set(changed_ids)
        self._answers: dict[tuple, frozenset[str]] = {}
        self._json = json.dumps(sorted(self.changed))

    def close(self) -> None:
        self._answers.clear()

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
            return self._ids(f"SELECT i.id FROM {_CHANGED} c JOIN items i ON i.id = c.item_id "
                             "WHERE i.relevant = 1 AND EXISTS (SELECT 1 FROM json_each(i.themes) t WHERE t.value = ?)",
                             [watch.target])
        if watch.what == "organisation":
            return self._ids(f"SELECT i.id FROM {_CHANGED} c JOIN items i ON i.id = c.item_id WHERE i.organisation = ?",
                             [watch.target])
        return self._search(watch)

    def _search(self, watch: Watch) -> set[str]:
        try:
            expression = search.to_fts5(watch.target)
        except search.SearchError:
            return set()  # refused when saved; a watch stored otherwise matches nothing rather than stop others
        where, params = ["items_fts MATCH ?"], [expression]
        for column in ("kind", "source"):
            if getattr(watch, column):
                where.append(f"i.{column} = ?")
                params.append(getattr(watch, column))
        if watch.theme:
            where.append("EXISTS (SELECT 1 FROM json_each(i.themes) t WHERE t.value = ?)")
            params.append(watch.theme)
        return self._ids(f"SELECT i.id FROM {_CHANGED} c JOIN items i ON i.id = c.item_id "
                         f"JOIN items_fts ON items_fts.rowid = i.rowid WHERE {' AND '.join(where)}", params)
