"""How SQLite reads a search of the items page: a common word is read newest first along the page's sort index.

Datasette's search filter is `rowid in (select rowid from items_fts where ... match ...)`. SQLite then looks up
every match by rowid and sorts them all for the page's 50 newest: 70 ms for "fraud" (48,658 matches) on a
200,000-item archive, against 6 ms when it walks the last_changed index newest first and stops at the 51st
match. For a rare word the lookup wins (walking the index would pass most of the archive to find it), so the
clause is changed only when the full-text index has more than THRESHOLD matches (one capped count, about 1 ms),
and only under the table's default order (another sort may have no index to walk). Measured 2026-12-05 on the
bench's 200k database: "fraud" 69 -> 6 ms, "bribery" (16,219) 25 -> 2 ms, "ransomware" (5,407) 9 -> 1 ms.
"""
from __future__ import annotations

import re

from datasette.utils import await_me_maybe

from tracker import search_language as search

#: Past this many full-text matches the page's index is walked instead (about sqrt(page size x archive) at 200k
#: is 3,000; 1,000 keeps both plans within a few milliseconds of each other around it).
THRESHOLD = 1_000
TABLE = "items"
#: Datasette 0.65's search clause (datasette/filters.py search_filters), with and without a column.
_SEARCH_CLAUSE = re.compile(r"^rowid in \((select rowid from \S+ where .+ match .+)\)$", re.S)


def applies(request, table: str) -> bool:
    """The items table under its default order (no `_sort` or `_sort_desc` asked for)."""
    return table == TABLE and not any(key in request.args for key in ("_sort", "_sort_desc"))


def newest_first(result, datasette, database: str):
    """One filters_from_request result (FilterArguments, or a function that gives one), its search clause
    changed to `+rowid in (...)` (no rowid lookup: SQLite walks the sort index) when the search is common."""
    async def inner():
        arguments = await await_me_maybe(result)
        if not arguments:
            return arguments
        clauses = []
        for clause in arguments.where_clauses:
            found = _SEARCH_CLAUSE.match(clause)
            if found and await _common(datasette, database, found.group(1), arguments.params):
                clause = "+" + clause
            clauses.append(clause)
        arguments.where_clauses = clauses
        return arguments
    return inner


async def _common(datasette, database: str, matches_sql: str, params: dict) -> bool:
    """More than THRESHOLD matches; a search that cannot be read is left alone (its 400 comes from the search
    box's check, hooks.filters_from_request, or from SQLite for a raw search)."""
    if any(isinstance(value, str) and not _readable(value) for value in params.values()):
        return False
    try:
        rows = await datasette.get_database(database).execute(
            f"select count(*) from ({matches_sql} limit {THRESHOLD + 1})", params)
    except Exception:  # noqa: BLE001 - a raw FTS5 query SQLite refuses: Datasette's own query reports it
        return False
    return rows.rows[0][0] > THRESHOLD


def _readable(text: str) -> bool:
    try:
        search.to_fts5(text)
    except search.SearchError:
        return False
    return True
