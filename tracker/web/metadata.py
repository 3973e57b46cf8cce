"""Build datasette_metadata.json: descriptive metadata, table config, permissions and saved queries.

Descriptive metadata and configuration are kept in separate functions so the file can be split
mechanically into metadata.json and datasette.yaml when we move to Datasette 1.0.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tracker.classify.priorities import load_priorities
from tracker.web.scorecard import QUERIES as SCORECARD_QUERIES
from tracker.contract import (BILL_STAGE_SQL, CLOSES_END_SQL, CLOSING_SOON_SQL, CONSULTATION_KINDS, OPEN_NOW_SQL,
                              OVERDUE_SQL, SOURCE_DATE_SQL)
from tracker.contract import COMMITMENT_OVERDUE_SQL, COMMITMENT_STATE_SQL

DB = "tracker"
EDITORS = {"roles": ["editor", "admin"]}
ADMINS = {"roles": ["admin"]}
#: Staff work, for signed-in staff only even when anonymous reading is on: triage, review notes and reviewer
#: names (links, item_priorities, relevance_overrides), briefings (recipients, errors), job and link-scan records.
SIGNED_IN = {"id": "*"}
OGL = ("Open Government Licence v3.0", "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
OPL = ("Open Parliament Licence v3.0",
       "https://www.parliament.uk/site-information/copyright-parliament/open-parliament-licence/")
METADATA_FILE = Path(__file__).resolve().parents[2] / "datasette_metadata.json"

RELEVANT_OPEN = CLOSING_SOON_SQL
OPEN_NOW = OPEN_NOW_SQL
#: Classifier scores close to its threshold (0.5: CLASSIFIER.md, "relevant iff score >= 0.5"), either side:
#: net scores from two thirds of the threshold to one and a half times it. Worth a person's look.
BORDERLINE = (0.4, 0.6)
_CONSULTATION_KINDS = ", ".join(repr(kind) for kind in CONSULTATION_KINDS)
#: What reviewers have not looked at yet, one row per item: relevant items with suggested (unreviewed) tags,
#: and items the classifier scored close to its threshold with no tag reviewed and no relevance decision.
#: Highest impact first: open consultations and calls closing soonest (rolling calls last of them), bills,
#: then everything else; by score within each. The dashboard counts the same rows.
NEEDS_REVIEW_SQL = f"""select i.id, i.title, i.kind, i.status, date(i.closes) as closes,
  case when c.relevant then 'relevant' when c.relevant = 0 then 'not relevant' end as classifier,
  round(c.score, 2) as score,
  (select group_concat(name, '; ') from (
     select coalesce(p.name, ip.priority_id) as name from item_priorities ip
     left join priorities p on p.id = ip.priority_id
     where ip.item_id = i.id and ip.review_state = 'suggested' order by ip.score desc, ip.priority_id))
    as suggested_themes,
  case when i.relevant = 1 and exists (select 1 from item_priorities ip where ip.item_id = i.id
                                       and ip.review_state = 'suggested')
       then 'confirm or remove the suggested themes' else 'score close to the threshold: decide relevance'
  end as needs,
  i.url
from items i left join classifications c on c.item_id = i.id
where (i.relevant = 1 and exists (select 1 from item_priorities ip where ip.item_id = i.id
                                  and ip.review_state = 'suggested'))
   or (c.score >= {BORDERLINE[0]} and c.score < {BORDERLINE[1]}
       and not exists (select 1 from item_priorities ip where ip.item_id = i.id
                       and ip.review_state in ('confirmed', 'rejected'))
       and not exists (select 1 from relevance_overrides o where o.item_id = i.id))
order by case when i.kind in ({_CONSULTATION_KINDS}) and {OPEN_NOW} then 0 when i.kind = 'bill' then 1 else 2 end,
  case when i.kind in ({_CONSULTATION_KINDS}) and {OPEN_NOW} then i.closes is null end,
  case when i.kind in ({_CONSULTATION_KINDS}) and {OPEN_NOW} then {CLOSES_END_SQL} end,
  c.score desc, i.id"""

ITEMS_DESCRIPTION = ("One row per tracked bill, consultation, call for evidence, strategy, Act or SI, from every "
                     "source; full history in item_versions.")
#: How to search, shown above the items table's search box (the language is tracker/search_language.py's).
SEARCH_HELP_HTML = (
    "<p><strong>Search</strong> finds items with every word you type (<code>money laundering</code>; "
    "<code>launder</code> finds laundering too), an exact phrase in quotes (<code>\"failure to prevent\"</code>), "
    "either of two with OR in capitals (<code>fraud OR bribery</code>), and leaves out items with a word after a "
    "minus sign (<code>fraud -levy</code>). A theme's name finds every item tagged with it, whatever its text "
    "says (<code>fraud</code>, <code>\"proceeds of crime\"</code>): the names are in the "
    "<a href=\"priorities\">priorities</a> table.</p>")


def _theme_choices_html() -> str:
    """The themes, each a link that runs items_by_theme for it (names from priorities.toml, links by id)."""
    return " · ".join(f'<a href="?theme={quote(p.id)}">{escape(p.name)}</a>' for p in load_priorities())

#: Open (and overdue) commitments, one row per theme of the item they were said in ("no theme" when none).
COMMITMENTS_BY_THEME_SQL = f"""select coalesce(p.name, t.value, 'no theme') as theme, {COMMITMENT_STATE_SQL} as state,
  c.due, c.quote, c.speaker, c.department, c.item_id, i.title as said_in, c.said_on, c.suggested_item_id, c.id
from commitments c join items i on i.id = c.item_id
left join json_each(i.themes) t left join priorities p on p.id = t.value
where c.state = 'open'
order by theme, c.due is null, c.due, c.id"""
COMMITMENTS_OVERDUE_SQL = f"""select c.id, c.due, c.quote, c.speaker, c.department, c.item_id, i.title as said_in,
  cast(julianday(date(tracker_now())) - julianday(c.due) as integer) as days_overdue, c.suggested_item_id
from commitments c join items i on i.id = c.item_id
where {COMMITMENT_OVERDUE_SQL}
order by c.due, c.id"""
#: Events of relevant reforms from 30 days ago on (and every commencement date), for the calendar feeds (tracker.store.calendar writes them).
#: A date-only event lasts the day; `:_seoc_base` is the address of this instance (tracker.web.hooks).
CALENDAR_EVENT_NAME_SQL = ("case when e.kind like '% closes' then 'Closes' "
                           "else upper(substr(e.kind, 1, 1)) || substr(e.kind, 2) end || ': ' || "
                           "replace(replace(e.title, '<', '‹'), '>', '›')")
CALENDAR_FEED_SQL = f"""select e.uid || '@seoc-tracker' as event_uid, {CALENDAR_EVENT_NAME_SQL} as event_name,
  case when length(e.starts) = 10 then e.starts || 'T00:00:00' else substr(e.starts, 1, 19) end as event_dtstart,
  case when length(coalesce(e.ends, e.starts)) = 10 then coalesce(e.ends, e.starts) || 'T23:59:00'
       else substr(coalesce(e.ends, e.starts), 1, 19) end as event_dtend,
  'Europe/London' as event_tzid,
  'Reform page: ' || :_seoc_base || '/-/dossier/' || e.reform_id || char(10) || coalesce(e.url, '') as event_description
from calendar_events e join items i on i.id = e.item_id
where e.cancelled = 0 and ((i.relevant = 1 and date(e.starts) >= date(tracker_now(), '-30 days'))
  -- every commencement date, as this feed has always carried them
  or i.kind = 'commencement_order')"""
#: The register's internal deadlines of responses not yet submitted (staff data: editors' feeds only).
RESPONSE_DEADLINES_FEED_SQL = """select 'response-' || r.id || '@seoc-tracker',
  'Our response deadline: ' || replace(replace(i.title, '<', '‹'), '>', '›'),
  r.internal_deadline || 'T00:00:00', r.internal_deadline || 'T23:59:00', 'Europe/London',
  'Reform page: ' || :_seoc_base || '/-/dossier/' || coalesce((select reform_id from reforms where item_id = i.id), i.id)
from responses r join items i on i.id = r.item_id
where r.internal_deadline is not null and r.status != 'submitted'
  and date(r.internal_deadline) >= date(tracker_now(), '-30 days')"""

QUERIES_SQL: dict[str, dict[str, Any]] = {
    "closing_soon": {
        "title": "Closing in the next 28 days, with our response status",
        "description": "Relevant consultations and calls for evidence closing within 28 days; "
                       "those with no response logged first.",
        "allow": EDITORS,
        "sql": f"""select i.id, i.title, i.kind, i.organisation, date(i.closes) as closes,
  cast(julianday(date(i.closes)) - julianday(date(tracker_now())) as integer) as days_left,
  i.themes,
  coalesce(r.status, 'no response logged') as response_status, r.decision, r.owner_team, r.internal_deadline, i.url
from items i
left join responses r on r.id = (select id from responses where item_id = i.id and withdrawn_at is null
                               order by updated_at desc limit 1)
where {RELEVANT_OPEN}
order by r.id is not null, i.closes""",
    },
    "deadlines": {
        "title": "Deadlines in the next 28 days",
        "description": "Relevant consultations and calls for evidence closing within 28 days.",
        "sql": f"""select i.id, i.title, i.kind, i.organisation, date(i.closes) as closes,
  cast(julianday(date(i.closes)) - julianday(date(tracker_now())) as integer) as days_left, i.themes, i.url
from items i where {RELEVANT_OPEN}
order by i.closes""",
    },
    "open_without_response": {
        "title": "Relevant open consultations and calls for evidence with no response logged",
        "description": "Open now (rolling calls without a deadline last), with no response recorded against them.",
        "allow": EDITORS,
        "sql": f"""select i.id, i.title, i.kind, i.organisation, date(i.closes) as closes, i.themes, i.url
from items i
where i.relevant = 1 and {OPEN_NOW}
  and not exists (select 1 from responses r where r.item_id = i.id and r.withdrawn_at is null)
order by i.closes is null, i.closes""",
    },
    "open_now": {
        "title": "Relevant consultations and calls for evidence open now",
        "description": "Open at the last crawl and not past their deadline, soonest deadline first, rolling calls "
                       "(no deadline) last.",
        "sql": f"""select i.id, i.title, i.kind, i.organisation,
  coalesce(strftime('%d/%m/%Y %H:%M', substr(i.closes, 1, 19)), 'rolling: no deadline') as closes_london,
  i.themes, i.url
from items i
where i.relevant = 1 and {OPEN_NOW}
order by i.closes is null, i.closes""",
    },
    "calls_for_evidence": {
        "title": "Committee calls for evidence",
        "description": "Select committee inquiries that were taking written evidence at the last crawl, with their "
                       "deadlines: open ones first by deadline, then rolling calls (no deadline), then those whose "
                       "deadline has passed since. Relevant ones first within each group.",
        "sql": """select i.id, i.title, i.organisation as committee,
  case when i.closes is null then 'rolling: no deadline'
       else strftime('%d/%m/%Y %H:%M', substr(i.closes, 1, 19)) end as deadline_london,
  case when i.closes is null then 'open'
       when datetime(i.closes) >= datetime(tracker_now())
         then 'open: ' || cast(julianday(date(i.closes)) - julianday(date(tracker_now())) as integer) || ' days left'
       else 'deadline passed ' || cast(julianday(date(tracker_now())) - julianday(date(i.closes)) as integer) || ' days ago'
  end as state,
  i.relevant, i.themes, i.last_seen as checked, i.url
from items i
where i.kind = 'committee_inquiry' and i.status = 'open for evidence'
order by i.closes is not null and datetime(i.closes) < datetime(tracker_now()), i.closes is null,
  i.relevant desc, i.closes""",
    },
    "new_this_week": {
        "title": "Relevant items published in the last 7 days",
        "description": "By the source's own date (published, or opened for consultations), newest first: what the "
                       "briefing calls new. Items the tracker found this week but published earlier are not here.",
        "sql": f"""select i.id, i.title, i.kind, i.organisation, date({SOURCE_DATE_SQL}) as published, i.themes, i.url
from items i
where i.relevant = 1 and datetime({SOURCE_DATE_SQL}) >= datetime(tracker_now(), '-7 days')
order by datetime({SOURCE_DATE_SQL}) desc""",
    },
    "changed_last_7_days": {
        "title": "What changed in the last 7 days",
        "description": "Items first seen or changed in the last seven days, with the fields that changed.",
        "sql": """select i.id, i.title, i.source, i.kind, i.status, i.relevant,
  case when i.first_seen >= datetime(tracker_now(), '-7 days') then 'new' else 'changed' end as change,
  (select changed_fields from item_versions v where v.item_id = i.id order by v.version desc limit 1)
    as changed_fields,
  i.last_changed
from items i
where i.last_changed >= strftime('%Y-%m-%dT%H:%M:%S', tracker_now(), '-7 days')
order by i.last_changed desc""",
    },
    "bills_by_stage": {
        "title": "Bills by stage",
        "description": "Relevant bills with their stage; a bill that fell at the end of its session (not carried "
                       "over), was withdrawn or defeated says so instead of the stage it reached.",
        "sql": f"""select i.id, i.title, {BILL_STAGE_SQL} as stage,
  json_extract(i.details, '$.current_house') as house, i.themes, i.updated, i.url
from items i where i.kind = 'bill' and i.relevant = 1
order by stage like 'lapsed%' or stage in ('withdrawn', 'defeated', 'Royal Assent'), stage, i.updated desc""",
    },
    "amendments_decided": {
        "title": "Amendments decided on relevant bills",
        "description": "Amendments to relevant bills with a decision (agreed, negatived, withdrawn, not moved...), "
                       "newest first by when a crawl first saw the decision (the Bills API gives no decision date); "
                       "earlier decisions are in amendment_versions.",
        "sql": """select a.decision_seen, i.title as bill, s.house, s.stage, a.number, a.decision,
  a.decision_explanation, a.summary, a.sponsors, a.amendment_id, i.id as item_id
from amendments a join items i on i.id = a.item_id
left join bill_stages s on s.bill_stage_id = a.bill_stage_id
where i.relevant = 1 and a.decision is not null and a.decision != 'NoDecision'
order by a.decision_seen desc, i.title, s.sort_order, cast(a.number as integer)
limit 500""",
    },
    "items_by_theme": {
        "title": "Items by priority theme",
        "description": "Items tagged with a theme (suggested or confirmed), strongest first. Type the theme's name "
                       "in any case, or its first letters (fraud, money): the names are in the priorities table.",
        "description_html": "<p>Items tagged with a theme (suggested or confirmed), strongest first. Type the "
                            "theme's name in any case, or its first letters (<code>money</code>), or pick one: "
                            f"{_theme_choices_html()}.</p>",
        "params": ["theme"],
        # A name (any case) or an id picks its theme; failing that, the names that begin with what was typed.
        "sql": """with named as (
  select id from priorities where id = trim(:theme) or name like trim(:theme)
),
wanted as (
  select id from named
  union
  select id from priorities
  where trim(:theme) != '' and not exists (select 1 from named) and name like trim(:theme) || '%'
)
select i.id, i.title, coalesce(p.name, ip.priority_id) as theme, i.source, i.kind, i.status, ip.score,
  ip.review_state, i.url
from item_priorities ip
join items i on i.id = ip.item_id
left join priorities p on p.id = ip.priority_id
where ip.priority_id in (select id from wanted) and ip.review_state != 'rejected'
order by ip.score desc""",
    },
    "needs_review": {
        "title": "Needs review",
        "description": "Suggested themes of relevant items, and items scored close to the classifier's threshold, "
                       "that no reviewer has looked at yet: open consultations and calls closing soonest first, "
                       "then bills, then the rest by score. Review them on each item's dossier "
                       "(/-/dossier/<id>).",
        "allow": SIGNED_IN,
        "sql": NEEDS_REVIEW_SQL,
    },
    "commitments_by_theme": {
        "title": "Government commitments open, by theme",
        "description": "Undertakings ministers gave in relevant statements and answers that editors confirmed and "
                       "that are not yet delivered or dropped, by the theme of the item they were said in; overdue "
                       "ones (due date passed) say so. Signed-in staff only.",
        "allow": SIGNED_IN,
        "sql": COMMITMENTS_BY_THEME_SQL,
    },
    "commitments_overdue": {
        "title": "Government commitments overdue",
        "description": "Open commitments whose stated due date has passed, oldest first. Signed-in staff only.",
        "allow": SIGNED_IN,
        "sql": COMMITMENTS_OVERDUE_SQL,
    },
    "commencement_pending": {
        "title": "Commencement of Acts of interest",
        "description": "Relevant Acts with the commencement orders linked to them, and those with none yet.",
        "sql": """select a.id as act, a.title as act_title, a.published as enacted,
  count(l.from_id) as commencement_orders,
  max(c.published) as latest_order_made,
  group_concat(c.title, ' | ') as orders
from items a
left join links l on l.to_id = a.id and l.relation = 'commences' and l.review_state != 'rejected'
left join items c on c.id = l.from_id
where a.kind = 'act' and (a.relevant = 1 or exists (
  select 1 from links l2 join items b on b.id = l2.from_id
  where l2.to_id = a.id and l2.relation = 'enacted_as' and b.relevant = 1))
group by a.id
order by commencement_orders, a.published desc""",
    },
    "responses_overdue": {
        "title": "Government responses overdue",
        "description": "Relevant consultations and calls for evidence closed more than 12 weeks ago with no outcome "
                       "published (closed by their date, whatever the last crawl said): the list the briefing and "
                       "the dossiers show.",
        "sql": f"""select i.id, i.title, i.organisation, date(i.closes) as closed,
  cast(julianday(date(tracker_now())) - julianday(date(i.closes)) as integer) as days_since_close, i.themes, i.url
from items i
where i.relevant = 1 and {OVERDUE_SQL}
order by i.closes desc""",
    },
    "source_health": {
        "title": "Source health",
        "description": "The last run of each source; stale when the last successful run is over 3 days old.",
        "sql": """select r.source, r.status as last_status, r.started as last_run, r.error_message, r.notes,
  (select max(finished) from runs ok where ok.source = r.source and ok.status = 'ok') as last_ok,
  case when (select max(finished) from runs ok where ok.source = r.source and ok.status = 'ok') is null
         or (select max(finished) from runs ok where ok.source = r.source and ok.status = 'ok')
            < strftime('%Y-%m-%dT%H:%M:%S', tracker_now(), '-3 days')
       then 'stale' else 'fresh' end as freshness
from runs r where r.id = (select max(id) from runs r2 where r2.source = r.source)
order by r.source""",
    },
    "new_relevant_items": {
        "title": "SEOC tracker: new relevant items",
        "description": "Atom feed of relevant items, newest first (add .atom to the URL).",
        "sql": """select 'tag:seoc-tracker,2026:' || i.id as atom_id, i.title as atom_title,
  i.first_seen as atom_updated,
  case when i.url like 'https://%' or i.url like 'http://%' then i.url
       else 'https://github.com/seoc-tracker/seoc-tracker' end as atom_link,
  i.kind || ' - ' || coalesce(i.organisation, i.source) || ': ' || coalesce(i.summary, '') as atom_content,
  i.id, i.themes
from items i where i.relevant = 1
union all
-- datasette-atom fails on a feed with no rows: an empty tracker says so in one entry instead.
select 'tag:seoc-tracker,2026:empty', 'No relevant items yet', '2026-01-01T00:00:00+00:00',
  'https://github.com/seoc-tracker/seoc-tracker',
  'The tracker has not linked any item to the directorate''s priorities yet.', null, '[]'
where not exists (select 1 from items where relevant = 1)
order by atom_updated desc limit 200""",
    },
    # Calendar clients may render HTML in event text: angle brackets from scraped titles are neutralised.
    "deadline_calendar": {
        "title": "SEOC tracker: what is coming",
        "description": "iCalendar feed of what is coming for relevant reforms (add .ics to the URL): closing dates, "
                       "committee sessions, commencement and in-force dates, bill stages, statutory instruments "
                       "laid and the ends of their praying or approval periods. Each event's UID survives a moved "
                       "date; each links to its reform page.",
        "sql": CALENDAR_FEED_SQL + "\norder by event_dtstart",
    },
    "our_calendar": {
        "title": "SEOC tracker: what is coming, with our response deadlines",
        "description": "The deadline calendar with the register's internal response deadlines (editors only; "
                       "add .ics to the URL).",
        "allow": EDITORS,
        "sql": CALENDAR_FEED_SQL + "\nunion all\n" + RESPONSE_DEADLINES_FEED_SQL + "\norder by event_dtstart",
    },
    "our_submissions_not_in_register": {
        "title": "Our published submissions not yet in the register",
        "description": "Written evidence published under the directorate's organisation names (found by the "
                       "committees crawl) that no response in the register points to, by item or by document "
                       "URL, newest first, with its text so asks can be drawn from what was submitted. Log a "
                       "response on the item's page.",
        "allow": EDITORS,
        "sql": """select i.id, i.title, i.organisation, json_extract(i.details, '$.reference') as reference,
  json_extract(i.details, '$.committee_business.title') as inquiry, date(i.published) as published,
  i.url, i.body_text as text
from items i
where i.kind = 'written_evidence'
  and not exists (select 1 from responses r where r.item_id = i.id or r.document_url = i.url)
order by i.published is null, i.published desc, i.id""",
    },
}

#: The scorecard's queries (tracker.web.scorecard): they read the response register, so editors only.
QUERIES_SQL.update({name: {**query, "allow": EDITORS} for name, query in SCORECARD_QUERIES.items()})


def descriptive() -> dict[str, Any]:
    """Titles, descriptions, licences, sources and column descriptions."""
    return {
        "title": "SEOC reform tracker",
        "description": "Bills, consultations, calls for evidence, strategies and statutory instruments that touch "
                       "the serious economic and organised crime directorate's priorities, with our responses.",
        "license": f"{OGL[0]} (GOV.UK, legislation.gov.uk, Law Commission, Sentencing Council); {OPL[0]} (Parliament)",
        "license_url": OGL[1],
        "source": "UK Parliament, GOV.UK, legislation.gov.uk, Law Commission, Sentencing Council",
        "source_url": "https://github.com/seoc-tracker/seoc-tracker",
        "tables": {
            "items": {
                "description": ITEMS_DESCRIPTION,
                "description_html": f"<p>{escape(ITEMS_DESCRIPTION)}</p>{SEARCH_HELP_HTML}",
                "columns": {
                    "id": "Stable id, prefixed by source (bill:, govuk:, legislation:, committees:, lawcom:, sentencing:)",
                    "kind": "What it is: bill, act, statutory_instrument, commencement_order, consultation, ...",
                    "status": "Where it stands: open / closed / outcome / withdrawn, a bill's stage, made / enacted",
                    "opens": "Consultation or call for evidence opening date",
                    "closes": "Closing date (Europe/London)",
                    "relevant": "1 if linked to at least one SEOC priority that a reviewer has not rejected, or "
                                "marked relevant by a reviewer; 0 if a reviewer marked it not relevant",
                    "themes": "The SEOC priorities linked to this item (suggested or confirmed); none if a "
                              "reviewer marked it not relevant",
                    "theme_names": "The names of those priorities, kept from themes by the database: searching a "
                                   "theme's name finds the item",
                    "first_seen": "When the tracker first stored it (UTC)",
                    "last_changed": "When its content last changed (UTC)",
                    "content_hash": "Hash of the content fields, for change detection",
                },
            },
            "item_versions": {"description": "Every previous version of an item, with the fields that changed.",
                              "columns": {"changed_fields": "Fields that differ from the next version",
                                          "data": "The item's content fields as they were"}},
            "bill_stages": {"description": "Stage history of each bill.", "license": OPL[0], "license_url": OPL[1],
                            "source": "UK Parliament Bills API", "source_url": "https://bills-api.parliament.uk"},
            "amendments": {"description": "Amendments to tracked bills, per stage, as last crawled: number, sponsors, "
                                          "decision (NoDecision until the House decides), the clause it touches, "
                                          "the explanatory text (read once from the amendment's detail record). "
                                          "decision_seen is when a crawl first saw the decision (the API gives no "
                                          "date); earlier states are in amendment_versions.",
                           "license": OPL[0], "license_url": OPL[1], "source": "UK Parliament Bills API",
                           "source_url": "https://bills-api.parliament.uk"},
            "amendment_versions": {"description": "Every previous state of an amendment (a decision changed...), "
                                                  "with the fields that changed.",
                                   "columns": {"changed_fields": "Fields that differ from the next version",
                                               "data": "The amendment's content fields as they were"}},
            "runs": {"description": "One row per source per crawl, with its outcome and counts."},
            "links": {"description": "Relations between items (commences, enacted_as, outcome_of, consults_on, "
                                     "mentions), from the sources or suggested, with their review state."},
            "priorities": {"description": "The directorate's priorities: themes and cross-cutting issues, "
                                          "with the strategies they come from (tracker/classify/priorities.toml)."},
            "item_priorities": {"description": "Which priorities each item touches, with score, evidence and "
                                               "review state; re-classification never overrides a reviewer."},
            "classifications": {"description": "The classifier's latest decision for each item, with evidence."},
            "reforms": {"description": "Reform threads: each item joined to others by strong links (bill -> Act, "
                                       "Act <- commencement regulations, consultation -> outcome) and the item that "
                                       "leads its reform. Derived from links."},
            "responses": {"description": "The directorate's consultation response register (editors only)."},
            "asks": {"description": "Our asks, one row each, with the response they belong to, what they target, "
                                    "their outcome and its evidence (editors only)."},
            "ask_suggestions": {"description": "Passages of newer documents in an ask's reform thread that read "
                                               "like the ask, for an editor to accept or dismiss (editors only)."},
            "audit_log": {"description": "Every write by staff: who, when, what, before and after. Append-only."},
            "triage": {"description": "Editors' triage state per item."},
            "commitments": {
                "description": "Government undertakings found in relevant written statements and answers: the "
                               "sentence as said, who said it, the department and the due date it states. Editors "
                               "confirm or dismiss candidates and mark open ones delivered (with the item that "
                               "shows it) or dropped at /-/commitments; overdue is computed. Signed-in staff only.",
                "columns": {"quote": "The sentence as said", "due": "The date it states, resolved against the "
                                                                  "day it was said (empty when none is stated)",
                            "due_phrase": "The words that state the due date",
                            "state": "candidate, open, delivered, dropped or dismissed (overdue: open and past due)",
                            "evidence_item_id": "The item an editor confirmed as the delivery",
                            "suggested_item_id": "A later item that may show delivery, for an editor to confirm"},
            },
            "relevance_overrides": {"description": "Reviewers' relevance decisions, with reason, reviewer and "
                                                   "time; the newest per item holds (relevant 1 or 0 overrides "
                                                   "the tags, empty hands the item back to them). Append-only."},
            "briefings": {"description": "Weekly briefings generated and sent."},
            "session_epochs": {"description": "Per account, the session epoch: logout and `seoc-tracker user "
                                              "revoke` move it on, ending every earlier session (admins only)."},
            "feed_tokens": {"description": "Feed tokens issued, with expiry and revocation; the tokens themselves "
                                           "are not stored (admins only)."},
            "watches": {"description": "What each person or team follows (reforms, items, themes, organisations, "
                                       "saved searches) and how often they hear of it. Each person sees their own "
                                       "on /-/watchlist (admins only here)."},
            "alert_sends": {"description": "Alert emails sent or attempted: to whom, covering which changes "
                                           "(admins only)."},
            "http_validators": {"description": "Per URL fetched by the last good crawl: its HTTP status, ETag and "
                                               "Last-Modified (which polls send back), and robots.txt as fetched."},
            "facet_counts": {"description": "How many items have each source, kind, status, organisation and theme, "
                                            "counted after each crawl and classification for the items page's "
                                            "facets (used only while facet_state says they are current)."},
            "briefing_watch": {"description": "The briefing's small stored sets: relevant consultations awaiting a "
                                              "government response (with closing date) and rolling calls for "
                                              "evidence, recomputed after classification (signed-in staff only, "
                                              "like the reviews they reflect)."},
            "derived_state": {"description": "Whether facet_counts and briefing_watch are current: `changes` moves on "
                                             "with every write that can change them, `counted_at` is its value "
                                             "when they were computed."},
            "calendar_events": {
                "description": "What is coming, as dated events derived from the items after each crawl: closing "
                               "dates, in-force dates, bill stages, statutory instruments laid and the ends of "
                               "their praying or approval periods. A moved date updates the same row (same uid); "
                               "the row as it was is in calendar_event_versions; an event no longer given is "
                               "kept, cancelled.",
                "columns": {"uid": "Stable id: the item's id and what the date is, never the date itself",
                            "starts": "Date (YYYY-MM-DD) or date and time with offset",
                            "reform_id": "The reform page it belongs to: /-/dossier/<reform_id>",
                            "cancelled": "1 if withdrawn or no longer given by the source"}},
            "calendar_event_versions": {"description": "Every earlier state of a calendar event, with the fields "
                                                       "that changed (a moved date, a cancellation)."},
        },
    }


def configuration(public_read: bool = False) -> dict[str, Any]:
    """Permissions, table config, hidden tables and saved queries."""
    tables: dict[str, Any] = {
        "items": {"sort_desc": "last_changed", "facets": ["source", "kind", "status", {"array": "themes"},
                                                           "organisation"],
                  "label_column": "title", "size": 50},
        "item_versions": {"sort_desc": "valid_to"},
        "bill_stages": {"sort": "sort_order", "facets": ["house", "stage"]},
        # Public data, readable as items are.
        "amendments": {"sort_desc": "last_changed", "facets": ["decision", "item_id", "amendment_type"]},
        "amendment_versions": {"sort_desc": "valid_to"},
        "runs": {"sort_desc": "started", "facets": ["source", "status"]},
        "links": {"allow": SIGNED_IN, "facets": ["relation", "review_state", "method"]},
        "item_priorities": {"allow": SIGNED_IN, "sort_desc": "score", "facets": ["priority_id", "review_state"]},
        # Internal: out of readers' lists of tables, still reachable by URL (and by admins) for those allowed.
        "classifications": {"facets": ["relevant", "version"], "hidden": True},
        "reforms": {"hidden": True},
        "priorities": {"label_column": "name", "facets": ["grouping"]},
        "responses": {"allow": EDITORS, "sort_desc": "updated_at", "facets": ["decision", "status", "owner_team"]},
        "asks": {"allow": EDITORS, "sort": "response_id", "facets": ["outcome", "theme", "priority"]},
        "ask_suggestions": {"allow": EDITORS, "sort_desc": "created_at", "facets": ["state"]},
        "audit_log": {"allow": EDITORS, "sort_desc": "at", "facets": ["table_name", "action", "actor"]},
        "triage": {"allow": SIGNED_IN, "facets": ["state"]},
        "commitments": {"allow": SIGNED_IN, "sort": "due", "facets": ["state", "department"]},
        "relevance_overrides": {"allow": SIGNED_IN, "sort_desc": "at", "facets": ["relevant", "reviewer"]},
        "briefings": {"allow": SIGNED_IN, "sort_desc": "week"},
        "job_runs": {"allow": SIGNED_IN, "hidden": True},
        "link_scans": {"allow": SIGNED_IN, "hidden": True},
        # What the crawls learnt about each URL (validators, robots.txt): operational, for signed-in staff.
        "http_validators": {"allow": SIGNED_IN, "hidden": True},
        # Account names and token records: admins only (editors' SQL can still read them; nothing in them
        # logs anyone in).
        "session_epochs": {"allow": ADMINS, "hidden": True},
        "feed_tokens": {"allow": ADMINS, "hidden": True},
        # A reader's watchlist is theirs: people see their own through /-/watchlist, never these tables.
        "watches": {"allow": ADMINS, "hidden": True},
        "alert_sends": {"allow": ADMINS, "hidden": True},
        # Counts of public item fields, for the items page's facets: internal, as readable as items.
        "facet_counts": {"hidden": True},
        "derived_state": {"hidden": True},
        # Reflects reviewers' tags and relevance decisions (who is left out): as readable as those.
        "briefing_watch": {"allow": SIGNED_IN, "hidden": True},
        # Derived from public sources, like items: readable by whoever may read items.
        "calendar_events": {"sort": "starts", "facets": ["kind", "source", "cancelled"]},
        "calendar_event_versions": {"sort_desc": "replaced_at", "hidden": True},
    }
    for hidden in ("items_fts", "items_fts_data", "items_fts_idx", "items_fts_docsize", "items_fts_config",
                   "_sqlite_migrations"):
        tables[hidden] = {"hidden": True}
    # Readers see a query's title, description and results; its SQL is folded away ("Show SQL" unfolds it).
    queries = {name: {**query, "sql": query["sql"].strip(), "hide_sql": True} for name, query in QUERIES_SQL.items()}
    return {
        "allow": True if public_read else {"id": "*"},
        "databases": {DB: {"allow_sql": EDITORS, "tables": tables, "queries": queries}},
    }


def build(public_read: bool = False) -> dict[str, Any]:
    """The whole metadata document."""
    document = descriptive()
    described_tables = document.pop("tables")
    config = configuration(public_read)
    database = config["databases"][DB]
    document["allow"] = config["allow"]
    document["databases"] = {DB: {"title": "Tracked reforms", **database,
                                  "tables": _merge_tables(described_tables, database["tables"])}}
    return document


def _merge_tables(described: dict[str, Any], configured: dict[str, Any]) -> dict[str, Any]:
    merged = {name: dict(value) for name, value in configured.items()}
    for name, value in described.items():
        merged.setdefault(name, {}).update(value)
    return merged


def render_file() -> str:
    """The text of datasette_metadata.json as committed (internal instance: no anonymous reading)."""
    return json.dumps(build(public_read=False), indent=2, ensure_ascii=False) + "\n"


def for_database(metadata: dict[str, Any], db_name: str, public_read: bool) -> dict[str, Any]:
    """The committed metadata adapted to the served database's name and the anonymous-read setting."""
    document = json.loads(json.dumps(metadata))
    document["allow"] = True if public_read else {"id": "*"}
    if db_name != DB and DB in document.get("databases", {}):
        document["databases"][db_name] = document["databases"].pop(DB)
    return document
