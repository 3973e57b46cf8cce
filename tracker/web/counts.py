"""Search pages count matches up to a cap: "more than 1,000 rows" instead of counting every match, with the exact
count one click away (`_count=all`).

Datasette counts every row a page's filters match; for a common word on a large archive that count costs more
than the page. The HTML items page asks Datasette not to count (`_nocount`, added by hooks._items_page_defaults)
and counts here, through the same filters, stopping at the cap. JSON and CSV keep Datasette's exact count.
"""
from __future__ import annotations

from datasette.filters import Filters
from datasette.plugins import pm
from datasette.utils import await_me_maybe, escape_sqlite, path_with_added_args

#: Count matches up to this many; past it the page says "more than".
CAP = 1_000
#: The query argument that asks for the exact count.
COUNT_ALL = ("_count", "all")


def wants_exact(query: dict) -> bool:
    """Whether the request asks for every match counted (`_count=all`)."""
    return COUNT_ALL[1] in query.get(COUNT_ALL[0], [])


async def capped_count(datasette, request, database: str, table: str, cap: int) -> int:
    """How many rows the table page's filters and search match, counted no further than cap + 1.

    The where clauses are built as Datasette's table view builds them (datasette/views/table.py, 0.65): column
    filters from the query string, then every plugin's filters_from_request (search among them).
    """
    pairs = [(key, value) for key in request.args if not (key.startswith("_") and "__" not in key)
             for value in request.args.getlist(key)]
    where, params = Filters(sorted(pairs)).build_where_clauses(table)
    for hook in pm.hook.filters_from_request(request=request, table=table, database=database, datasette=datasette):
        arguments = await await_me_maybe(hook)
        if arguments:
            where.extend(arguments.where_clauses)
            params.update(arguments.params)
    where_sql = f"where {' and '.join(where)}" if where else ""
    sql = f"select count(*) from (select 1 from {escape_sqlite(table)} {where_sql} limit {int(cap) + 1})"
    return (await datasette.get_database(database).execute(sql, params)).rows[0][0]


async def template_vars(datasette, request, database: str, table: str) -> dict:
    """The page's count: the number itself up to the cap (as Datasette shows it), past it "more than" and a link
    that counts them all."""
    cap = CAP
    found = await capped_count(datasette, request, database, table, cap)
    if found <= cap:
        return {"filtered_table_rows_count": found}
    exact = path_with_added_args(request, {"_nocount": None, "_capcount": None, COUNT_ALL[0]: COUNT_ALL[1]})
    return {"count_more_than": cap, "count_all_url": datasette.urls.path(exact)}
