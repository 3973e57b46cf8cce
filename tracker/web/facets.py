"""The items table's facets, from the counts stored after each crawl (tracker.store.facet_counts) when the page is
unfiltered and they are current; otherwise counted by Datasette as always.

Datasette's column and array facet classes are swapped for these subclasses (`hooks.register_facet_classes`):
the results, links and "hideable" flags are built as Datasette builds them, only the counting is skipped.
"""
from __future__ import annotations

from typing import Any

from datasette.facets import ArrayFacet, ColumnFacet
from datasette.utils import path_with_added_args, path_with_removed_args

from tracker.store import facet_counts
from tracker.store.migrations import COUNTED_FACETS

COUNTED_TABLE = "items"


def _unfiltered(facet) -> bool:
    """The facet counts every row of the items table: no filter, no search (Datasette's SQL then ends at the
    table's name, with no where clause and no parameters)."""
    return (facet.table == COUNTED_TABLE and not facet.params
            and facet.sql.rstrip().lower().endswith(f" from {COUNTED_TABLE}"))


class _StoredCounts:
    """Answers the configs it can from stored counts and leaves the rest to Datasette's class."""

    type: str
    _answered: set[int]

    def get_configs(self):
        configs = super().get_configs()
        return [c for i, c in enumerate(configs) if i not in getattr(self, "_answered", set())]

    async def facet_results(self):
        self._answered = set()
        results: list[dict[str, Any]] = []
        if _unfiltered(self):
            size = self.get_facet_size()
            for index, source_and_config in enumerate(super().get_configs()):
                config = source_and_config["config"]
                column = config.get("column") or config["simple"]
                if COUNTED_FACETS.get(column) != self.type:
                    continue
                rows = await self.ds.get_database(self.database).execute_fn(
                    lambda conn, column=column: facet_counts.current(conn, column, size + 1))
                if rows is None:
                    break  # not current: Datasette counts them all
                results.append(self._result(column, source_and_config["source"], rows, size))
                self._answered.add(index)
        counted, timed_out = await super().facet_results()
        return results + counted, timed_out

    def _result(self, column: str, source: str, rows: list[tuple[str, int]], size: int) -> dict[str, Any]:
        raise NotImplementedError


class StoredColumnFacet(_StoredCounts, ColumnFacet):
    """A column facet (`_facet=kind`), as datasette.facets.ColumnFacet gives it."""

    def _result(self, column, source, rows, size):
        pairs = self.get_querystring_pairs()
        values = []
        for value, count in rows[:size]:
            selected = (column, str(value)) in pairs
            toggle = (path_with_removed_args(self.request, {column: str(value)}) if selected
                      else path_with_added_args(self.request, {column: value}))
            values.append({"value": value, "label": value, "count": count, "selected": selected,
                           "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle))})
        return {"name": column, "type": self.type, "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": values, "truncated": len(rows) > size}


class StoredArrayFacet(_StoredCounts, ArrayFacet):
    """An array facet (`_facet_array=themes`), as datasette.facets.ArrayFacet gives it."""

    def _result(self, column, source, rows, size):
        pairs = self.get_querystring_pairs()
        values = []
        for value, count in rows[:size]:
            value = str(value)
            selected = (f"{column}__arraycontains", value) in pairs
            toggle = (path_with_removed_args if selected else path_with_added_args)(
                self.request, {f"{column}__arraycontains": value})
            values.append({"value": value, "label": value, "count": count, "selected": selected,
                           "toggle_url": self.ds.absolute_url(self.request, toggle)})
        return {"name": column, "type": self.type, "results": values, "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet_array": column})),
                "truncated": len(rows) > size}


#: Datasette's facet class -> ours.
REPLACEMENTS = {ColumnFacet: StoredColumnFacet, ArrayFacet: StoredArrayFacet}
