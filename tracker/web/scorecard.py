"""The directorate's scorecard: what our responses and asks achieved. One SQL per table, served both as saved
queries (web.metadata: JSON and CSV, editors only) and on the page /-/scorecard, so the two always agree."""
from __future__ import annotations

import sqlite3
from typing import Any

from tracker.contract import CONSULTATION_KINDS, GOVERNMENT_RESPONSE_KINDS


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


#: A response that counts: not withdrawn.
_LIVE = "r.withdrawn_at is null"
#: The government's response to a responded item: the earliest outcome published in its reform thread, either a
#: GOV.UK consultation or call for evidence in the thread with its outcome date, or an item linked as its outcome.
_GOVERNMENT_RESPONSE_ON = f"""(select min(day) from (
    select date(json_extract(o.details, '$.outcome.date')) as day from items o
    where o.kind in ({_sql_list(GOVERNMENT_RESPONSE_KINDS)}) and json_extract(o.details, '$.outcome.date') is not null
      and (o.id = i.id or o.id in (select t.item_id from reforms t where t.reform_id =
                                   (select reform_id from reforms where item_id = i.id)))
    union all
    select date(o.published) from links l join items o on o.id = l.from_id
    where l.relation = 'outcome_of' and l.to_id = i.id and coalesce(l.review_state, '') != 'rejected'
  ) where day >= r.submitted_on)"""
_DAYS = f"""with answered as (
  select r.id as response_id, i.id as item_id, i.title, r.submitted_on,
    {_GOVERNMENT_RESPONSE_ON} as government_response_on
  from responses r join items i on i.id = r.item_id
  where {_LIVE} and r.status = 'submitted' and r.submitted_on is not null)"""

QUERIES: dict[str, dict[str, Any]] = {
    "scorecard_responses": {
        "title": "Scorecard: our responses by year and theme",
        "description": "Responses logged (withdrawn ones left out) by the year they were submitted (or logged, "
                       "if not yet submitted; \"date not recorded\" for a submitted one whose date is not known) "
                       "and the themes of the item they answer; one response counts under each of its item's "
                       "themes.",
        # A submission of unknown date (an old one recorded from the public record) is not put in the year
        # someone happened to log it.
        "sql": f"""select case when r.submitted_on is not null then substr(r.submitted_on, 1, 4)
    when r.status = 'submitted' then 'date not recorded' else substr(r.created_at, 1, 4) end as year,
  coalesce(p.name, t.value, 'no theme') as theme, count(distinct r.id) as responses,
  count(distinct case when r.status = 'submitted' then r.id end) as submitted
from responses r join items i on i.id = r.item_id
left join json_each(case when json_valid(i.themes) then i.themes else '[]' end) t
left join priorities p on p.id = t.value
where {_LIVE}
group by year, theme order by year desc, responses desc, theme""",
    },
    "scorecard_asks_by_outcome": {
        "title": "Scorecard: our asks by outcome",
        "description": "Every ask of a response that was not withdrawn, by what became of it.",
        "sql": f"""with outcome(outcome, ord) as (values ('adopted', 1), ('partly adopted', 2), ('not adopted', 3),
  ('overtaken', 4), ('pending', 5)),
live as (select a.outcome from asks a join responses r on r.id = a.response_id where {_LIVE})
select o.outcome, (select count(*) from live where live.outcome = o.outcome) as asks,
  round(100.0 * (select count(*) from live where live.outcome = o.outcome)
        / max(1, (select count(*) from live)), 1) as percent
from outcome o order by o.ord""",
    },
    "scorecard_response_share": {
        "title": "Scorecard: share of relevant consultations we responded to",
        "description": "Relevant consultations and calls for evidence that have closed, by the year they closed: "
                       "how many we submitted a response to (alone or jointly).",
        "sql": f"""select substr(i.closes, 1, 4) as year, count(*) as relevant_closed,
  sum(exists (select 1 from responses r where r.item_id = i.id and {_LIVE} and r.status = 'submitted'
              and r.decision in ('respond', 'joint response'))) as responded,
  round(100.0 * sum(exists (select 1 from responses r where r.item_id = i.id and {_LIVE}
                            and r.status = 'submitted' and r.decision in ('respond', 'joint response')))
        / count(*), 1) as percent
from items i
where i.relevant = 1 and i.kind in ({_sql_list(CONSULTATION_KINDS)}) and i.closes is not null
  and i.closes < strftime('%Y-%m-%dT%H:%M:%S', tracker_now())
group by year order by year desc""",
    },
    "scorecard_days_to_government_response": {
        "title": "Scorecard: days from our submission to the government's response",
        "description": "Each submitted response with the date of the government's response in its reform "
                       "thread (empty while none is published) and the days between.",
        "sql": f"""{_DAYS}
select response_id, item_id, title, submitted_on, government_response_on,
  cast(julianday(government_response_on) - julianday(submitted_on) as integer) as days
from answered order by government_response_on is null, submitted_on desc""",
    },
    "scorecard_median_days": {
        "title": "Scorecard: median days from our submission to the government's response",
        "description": "The median over submitted responses that have had a government response.",
        "sql": f"""{_DAYS},
days as (select julianday(government_response_on) - julianday(submitted_on) as days from answered
         where government_response_on is not null),
ranked as (select days, row_number() over (order by days) as n, count(*) over () as total from days)
select (select count(*) from days) as answered_responses,
  (select avg(days) from ranked where n in ((total + 1) / 2, (total + 2) / 2)) as median_days""",
    },
    "scorecard_pending_asks": {
        "title": "Scorecard: asks still pending a year after we submitted them",
        "description": "Asks with no outcome recorded, from responses submitted a year or more ago.",
        "sql": f"""select a.id as ask_id, a.text as ask, a.target, a.priority, r.submitted_on, i.id as item_id,
  i.title, cast(julianday(date(tracker_now())) - julianday(r.submitted_on) as integer) as days_since_submitted
from asks a join responses r on r.id = a.response_id join items i on i.id = r.item_id
where a.outcome = 'pending' and {_LIVE} and r.status = 'submitted'
  and r.submitted_on <= date(tracker_now(), '-1 year')
order by r.submitted_on, a.position""",
    },
}


def load(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Each scorecard table: its saved query's name, title, description, columns and rows."""
    tables = []
    for name, query in QUERIES.items():
        cursor = conn.execute(query["sql"])
        columns = [d[0] for d in cursor.description]
        title = query["title"].removeprefix("Scorecard: ")
        tables.append({"name": name, "title": title[:1].upper() + title[1:],
                       "description": query["description"], "columns": columns,
                       "rows": [dict(zip(columns, row)) for row in cursor.fetchall()]})
    return tables
