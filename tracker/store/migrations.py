"""The schema, as recorded migrations applied in order by `tracker.store.db.connect`. Append, never edit."""
from __future__ import annotations

import sqlite_utils
from sqlite_utils import Migrations

#: Columns of `items` that carry content: a change in any of them is a new version.
CONTENT_FIELDS = (
    "source", "kind", "title", "summary", "url", "organisation", "status",
    "published", "updated", "opens", "closes", "body_text", "details", "stages",
)
FTS_COLUMNS = ["title", "summary", "body_text"]

migrations = Migrations("seoc-tracker")


@migrations(name="0001_core")
def _core(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT,
            url TEXT NOT NULL,
            organisation TEXT,
            status TEXT,
            published TEXT,
            updated TEXT,
            opens TEXT,
            closes TEXT,
            body_text TEXT,
            details TEXT NOT NULL DEFAULT '{}',
            stages TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            last_changed TEXT NOT NULL
        )"""
    )
    for column in ("source", "kind", "status", "closes", "last_changed", "first_seen", "updated"):
        db.execute(f"CREATE INDEX idx_items_{column} ON items({column})")
    db.execute(
        """
        CREATE TABLE item_versions (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id),
            version INTEGER NOT NULL,
            valid_from TEXT NOT NULL,
            valid_to TEXT NOT NULL,
            changed_fields TEXT NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (item_id, version)
        )"""
    )
    db.execute("CREATE INDEX idx_item_versions_valid_to ON item_versions(valid_to)")
    db.execute(
        """
        CREATE TABLE bill_stages (
            bill_stage_id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id),
            stage_type_id INTEGER,
            stage TEXT NOT NULL,
            house TEXT,
            abbreviation TEXT,
            session_id INTEGER,
            sort_order INTEGER,
            first_sitting TEXT,
            last_sitting TEXT,
            sitting_dates TEXT NOT NULL DEFAULT '[]'
        )"""
    )
    db.execute("CREATE INDEX idx_bill_stages_item ON bill_stages(item_id, sort_order)")
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'partial')),
            mode TEXT NOT NULL DEFAULT 'live',
            requests INTEGER NOT NULL DEFAULT 0,
            items_seen INTEGER NOT NULL DEFAULT 0,
            inserted INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            error_message TEXT,
            watermark TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_runs_source ON runs(source, started)")
    db.execute(
        """
        CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            from_id TEXT NOT NULL,
            to_id TEXT NOT NULL,
            relation TEXT NOT NULL,
            evidence TEXT NOT NULL DEFAULT '',
            method TEXT NOT NULL DEFAULT 'source',
            score REAL,
            review_state TEXT NOT NULL DEFAULT 'suggested'
                CHECK (review_state IN ('suggested', 'confirmed', 'rejected')),
            reviewer TEXT,
            reviewed_at TEXT,
            review_note TEXT,
            created TEXT NOT NULL,
            UNIQUE (from_id, to_id, relation)
        )"""
    )
    db.execute("CREATE INDEX idx_links_to ON links(to_id)")
    db["items"].enable_fts(FTS_COLUMNS, create_triggers=True, tokenize="porter")


@migrations(name="0002_priorities")
def _priorities(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE priorities (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            grouping TEXT NOT NULL,
            description TEXT NOT NULL,
            strategies TEXT NOT NULL DEFAULT '[]'
        )"""
    )
    db.execute(
        """
        CREATE TABLE classifications (
            item_id TEXT PRIMARY KEY REFERENCES items(id),
            relevant INTEGER NOT NULL,
            score REAL NOT NULL,
            themes TEXT NOT NULL DEFAULT '[]',
            evidence TEXT NOT NULL DEFAULT '[]',
            method TEXT NOT NULL,
            version TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            classified_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_classifications_relevant ON classifications(relevant)")
    db.execute(
        """
        CREATE TABLE item_priorities (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL REFERENCES items(id),
            priority_id TEXT NOT NULL REFERENCES priorities(id),
            score REAL NOT NULL,
            evidence TEXT NOT NULL DEFAULT '[]',
            method TEXT NOT NULL,
            version TEXT NOT NULL,
            review_state TEXT NOT NULL DEFAULT 'suggested'
                CHECK (review_state IN ('suggested', 'confirmed', 'rejected')),
            reviewer TEXT,
            reviewed_at TEXT,
            review_note TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            UNIQUE (item_id, priority_id)
        )"""
    )
    db.execute("CREATE INDEX idx_item_priorities_priority ON item_priorities(priority_id, review_state)")


@migrations(name="0003_responses")
def _responses(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE responses (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            decision TEXT NOT NULL
                CHECK (decision IN ('respond', 'no response', 'joint response', 'nil return')),
            status TEXT NOT NULL
                CHECK (status IN ('planned', 'drafting', 'in clearance', 'submitted')),
            owner_team TEXT NOT NULL DEFAULT '',
            internal_deadline TEXT,
            submitted_on TEXT,
            position_summary TEXT NOT NULL DEFAULT '',
            key_asks TEXT NOT NULL DEFAULT '',
            document_url TEXT NOT NULL DEFAULT '',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    # No foreign key to items on purpose: Datasette would count responses on public item pages.
    db.execute("CREATE INDEX idx_responses_item ON responses(item_id)")
    db.execute(
        """
        CREATE TABLE triage (
            item_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('new', 'watching', 'action', 'no action')),
            note TEXT NOT NULL DEFAULT '',
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            before TEXT,
            after TEXT
        )"""
    )
    # The audit log is append-only: no form, plugin or query may change or remove its rows.
    db.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
    db.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
               "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


@migrations(name="0004_briefings")
def _briefings(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE briefings (
            week TEXT PRIMARY KEY,
            generated_at TEXT NOT NULL,
            as_of TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            subject TEXT NOT NULL,
            html_path TEXT,
            text_path TEXT,
            sent_at TEXT,
            recipients TEXT,
            message_id TEXT,
            send_attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )"""
    )
    db.execute(
        """
        CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
            message TEXT
        )"""
    )


@migrations(name="0005_item_relevance")
def _item_relevance(db: sqlite_utils.Database) -> None:
    # Derived from item_priorities (not content: never versioned or hashed), kept for facets and queries.
    db.execute("ALTER TABLE items ADD COLUMN relevant INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE items ADD COLUMN themes TEXT NOT NULL DEFAULT '[]'")
    db.execute("CREATE INDEX idx_items_relevant ON items(relevant, kind, closes)")


@migrations(name="0006_link_scans")
def _link_scans(db: sqlite_utils.Database) -> None:
    # Which content of each item the reform-link suggester has already read, so reruns read only changes.
    db.execute("CREATE TABLE link_scans (item_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, "
               "scanned_at TEXT NOT NULL)")


@migrations(name="0007_fts_trigger_on_text")
def _fts_trigger_on_text(db: sqlite_utils.Database) -> None:
    # Re-index only when indexed text changes, not on every last_seen touch or relevance refresh.
    db.execute("DROP TRIGGER IF EXISTS items_au")
    db.execute(
        """
        CREATE TRIGGER items_au AFTER UPDATE OF title, summary, body_text ON items BEGIN
          INSERT INTO items_fts (items_fts, rowid, title, summary, body_text)
            VALUES('delete', old.rowid, old.title, old.summary, old.body_text);
          INSERT INTO items_fts (rowid, title, summary, body_text)
            VALUES (new.rowid, new.title, new.summary, new.body_text);
        END"""
    )


@migrations(name="0008_run_notes")
def _run_notes(db: sqlite_utils.Database) -> None:
    # What a run noticed that is not a failure (a REST type a site does not expose, pages used instead).
    db.execute("ALTER TABLE runs ADD COLUMN notes TEXT")


@migrations(name="0009_sessions_and_feed_tokens")
def _sessions_and_feed_tokens(db: sqlite_utils.Database) -> None:
    # Logout and `user revoke` move an account's epoch on; a session cookie names the epoch it was issued in.
    db.execute(
        """
        CREATE TABLE session_epochs (
            account TEXT PRIMARY KEY,
            epoch INTEGER NOT NULL,
            changed_at TEXT NOT NULL,
            reason TEXT NOT NULL
        )"""
    )
    # A feed token is valid only while its row is: the signed token names the row and its random nonce.
    db.execute(
        """
        CREATE TABLE feed_tokens (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            owner TEXT,
            nonce TEXT NOT NULL,
            issued TEXT NOT NULL,
            expires TEXT NOT NULL,
            revoked TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_feed_tokens_name ON feed_tokens(name, revoked)")


@migrations(name="0010_source_dates")
def _source_dates(db: sqlite_utils.Database) -> None:
    # "New this week" is decided by the source's own date (published, or opened for consultations), and an
    # older item that becomes relevant is reported as such: both need bounded reads by date.
    db.execute("CREATE INDEX idx_items_published ON items(published)")
    db.execute("CREATE INDEX idx_items_opens ON items(opens)")
    # When the classifier last turned the item relevant (kept while it stays relevant, cleared when it is not).
    db.execute("ALTER TABLE classifications ADD COLUMN relevant_since TEXT")
    db.execute("UPDATE classifications SET relevant_since = classified_at WHERE relevant = 1")
    db.execute("CREATE INDEX idx_classifications_relevant_since ON classifications(relevant_since)")


@migrations(name="0011_reforms")
def _reforms(db: sqlite_utils.Database) -> None:
    # Items joined by strong links form one reform thread; each member points at the thread's lead item.
    # Derived from links (recomputed after linking and link review), so it holds only threads of two or more.
    db.execute("CREATE TABLE reforms (item_id TEXT PRIMARY KEY, reform_id TEXT NOT NULL)")
    db.execute("CREATE INDEX idx_reforms_reform ON reforms(reform_id)")


@migrations(name="0012_relevance_overrides")
def _relevance_overrides(db: sqlite_utils.Database) -> None:
    # A reviewer's decision on an item's relevance, as a history: the newest row (by `at`, then id) holds.
    # relevant 1 or 0 overrides the tags; NULL hands the item back to the classifier. Every row stays, so
    # a briefing as of a past instant reads the decision made by then. No foreign key to items, as for
    # responses: Datasette would count staff rows on public item pages.
    db.execute(
        """
        CREATE TABLE relevance_overrides (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            relevant INTEGER CHECK (relevant IN (0, 1)),
            reason TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_relevance_overrides_item ON relevance_overrides(item_id, at)")
    db.execute("CREATE INDEX idx_relevance_overrides_at ON relevance_overrides(at)")
    db.execute("CREATE TRIGGER relevance_overrides_no_update BEFORE UPDATE ON relevance_overrides "
               "BEGIN SELECT RAISE(ABORT, 'relevance_overrides is append-only'); END")
    db.execute("CREATE TRIGGER relevance_overrides_no_delete BEFORE DELETE ON relevance_overrides "
               "BEGIN SELECT RAISE(ABORT, 'relevance_overrides is append-only'); END")


#: The names of the themes in an item's `themes` list (ids), in its order, from the priorities table; an id
#: with no priority row stands for itself. `{themes}` is an SQL expression holding the JSON list.
THEME_NAMES_SQL = ("(SELECT coalesce(group_concat(name, '; '), '') FROM (SELECT coalesce(p.name, t.value) AS name "
                   "FROM json_each({themes}) t LEFT JOIN priorities p ON p.id = t.value ORDER BY t.key))")
SEARCH_COLUMNS = ["title", "summary", "body_text", "theme_names"]


@migrations(name="0013_search_theme_names")
def _search_theme_names(db: sqlite_utils.Database) -> None:
    # Searching a theme's name finds the items tagged with it: the names of an item's themes are indexed with
    # its text. They are derived from `themes` (written by store.items.refresh_relevance) and the priorities'
    # names, by triggers, so every writer of either keeps the index right.
    db.execute("ALTER TABLE items ADD COLUMN theme_names TEXT NOT NULL DEFAULT ''")
    db.execute(f"UPDATE items SET theme_names = {THEME_NAMES_SQL.format(themes='items.themes')} "
               "WHERE themes != '[]'")
    for trigger in ("items_ai", "items_ad", "items_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS items_fts")
    columns = ", ".join(SEARCH_COLUMNS)
    old = ", ".join(f"old.{c}" for c in SEARCH_COLUMNS)
    new = ", ".join(f"new.{c}" for c in SEARCH_COLUMNS)
    db.execute(f"CREATE VIRTUAL TABLE items_fts USING FTS5 ({columns}, tokenize='porter', content=\"items\")")
    db.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
    db.execute(f"CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN "
               f"INSERT INTO items_fts (rowid, {columns}) VALUES (new.rowid, {new}); END")
    db.execute(f"CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN "
               f"INSERT INTO items_fts (items_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old}); END")
    # Re-index only when indexed text really changes: the store rewrites every content field when any one
    # changes, and re-indexing an item re-reads its whole body.
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in SEARCH_COLUMNS)
    db.execute(f"CREATE TRIGGER items_au AFTER UPDATE OF {columns} ON items WHEN {changed} BEGIN "
               f"INSERT INTO items_fts (items_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old}); "
               f"INSERT INTO items_fts (rowid, {columns}) VALUES (new.rowid, {new}); END")
    db.execute("CREATE TRIGGER items_theme_names AFTER UPDATE OF themes ON items "
               "WHEN old.themes IS NOT new.themes BEGIN "
               f"UPDATE items SET theme_names = {THEME_NAMES_SQL.format(themes='new.themes')} "
               "WHERE rowid = new.rowid; END")
    # A renamed theme (priorities.toml, loaded by classify.tagging.sync_priorities) renames it in the index.
    db.execute("CREATE TRIGGER priorities_renamed AFTER UPDATE OF name ON priorities "
               "WHEN old.name IS NOT new.name BEGIN "
               f"UPDATE items SET theme_names = {THEME_NAMES_SQL.format(themes='items.themes')} "
               "WHERE rowid IN (SELECT i.rowid FROM items i, json_each(i.themes) t WHERE t.value = new.id); END")


# From 0014 on, numbers were handed to branches built side by side, so they are not in order below: the
# order in this file is the order of application (sqlite-utils records each by name).


#: Bullets and numbering that may start an ask in the old free-text `key_asks`: "-", "*", "•", "1.", "2)", "(a)".
_ASK_MARKER = r"^\s*(?:[-*•·–]|\(?[0-9]{1,3}[.)]|\(?[a-zA-Z][.)]|\([ivxIVX]{1,4}\))\s+"


def split_key_asks(text: str) -> list[str]:
    """The asks in a free-text box, one per bullet or, with no bullets, one per line; nothing dropped.

    With bullets, a line without one continues the ask above it (a wrapped line); a line before the first
    bullet is an ask of its own (an introduction is kept, not lost). The markers themselves are dropped.
    """
    import re

    lines = [line.rstrip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return []
    if not any(re.match(_ASK_MARKER, line) for line in lines):
        return [line.strip() for line in lines]
    asks: list[str] = []
    continues = False
    for line in lines:
        if re.match(_ASK_MARKER, line):
            asks.append(re.sub(_ASK_MARKER, "", line, count=1).strip())
            continues = True
        elif continues:
            asks[-1] = f"{asks[-1]} {line.strip()}"
        else:
            asks.append(line.strip())
    return asks


@migrations(name="0014_asks")
def _asks(db: sqlite_utils.Database) -> None:
    # A response's asks one by one, each with its outcome and the evidence for it. Part of the response
    # register: editors and admins only (web.metadata). The outcome's history is the audit log's.
    db.execute(
        """
        CREATE TABLE asks (
            id INTEGER PRIMARY KEY,
            response_id INTEGER NOT NULL REFERENCES responses(id),
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            theme TEXT,
            target TEXT NOT NULL DEFAULT '',
            priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('high', 'normal', 'low')),
            outcome TEXT NOT NULL DEFAULT 'pending'
                CHECK (outcome IN ('pending', 'adopted', 'partly adopted', 'not adopted', 'overtaken')),
            outcome_by TEXT,
            outcome_at TEXT,
            outcome_note TEXT NOT NULL DEFAULT '',
            evidence_item_id TEXT,
            evidence_passage TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_asks_response ON asks(response_id, position)")
    db.execute("CREATE INDEX idx_asks_outcome ON asks(outcome, outcome_at)")
    # Passages of a newer document in the ask's reform thread that read most like the ask, for an editor
    # to accept (with an outcome) or dismiss. Never decided automatically.
    db.execute(
        """
        CREATE TABLE ask_suggestions (
            id INTEGER PRIMARY KEY,
            ask_id INTEGER NOT NULL REFERENCES asks(id),
            item_id TEXT NOT NULL,
            passage TEXT NOT NULL,
            rank INTEGER NOT NULL,
            score REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'dismissed')),
            created_at TEXT NOT NULL,
            decided_by TEXT,
            decided_at TEXT,
            UNIQUE (ask_id, item_id, passage)
        )"""
    )
    db.execute("CREATE INDEX idx_ask_suggestions_item ON ask_suggestions(item_id)")
    db.execute("CREATE INDEX idx_ask_suggestions_created ON ask_suggestions(created_at)")
    # The old free-text asks become rows; `responses.key_asks` keeps the text as it was typed.
    rows = db.execute("SELECT id, key_asks, created_by, created_at FROM responses "
                      "WHERE trim(key_asks) != '' ORDER BY id").fetchall()
    for response_id, key_asks, created_by, created_at in rows:
        for position, text in enumerate(split_key_asks(key_asks), start=1):
            db.execute("INSERT INTO asks (response_id, position, text, created_by, created_at, updated_by, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [response_id, position, text, created_by, created_at, created_by, created_at])


@migrations(name="0015_register_edits")
def _register_edits(db: sqlite_utils.Database) -> None:
    # A response is withdrawn, never deleted: the row stays (with its asks) and says who withdrew it, when and
    # why. Every earlier version of a response or an ask is in the audit log (before/after).
    db.execute("ALTER TABLE responses ADD COLUMN withdrawn_by TEXT")
    db.execute("ALTER TABLE responses ADD COLUMN withdrawn_at TEXT")
    db.execute("ALTER TABLE responses ADD COLUMN withdrawal_reason TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX idx_audit_log_row ON audit_log(table_name, row_key)")
@migrations(name="0017_commitments")
def _commitments(db: sqlite_utils.Database) -> None:
    # Government undertakings found in statements and answers (classify.commitments). The finder adds
    # candidates; editors confirm (open) or dismiss them, and mark open ones delivered (with an evidence item)
    # or dropped. Overdue is computed (contract.COMMITMENT_OVERDUE_SQL), never stored, so it follows the clock.
    db.execute(
        """
        CREATE TABLE commitments (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            quote TEXT NOT NULL,
            speaker TEXT,
            department TEXT,
            said_on TEXT,
            due TEXT,
            due_phrase TEXT,
            state TEXT NOT NULL DEFAULT 'candidate'
                CHECK (state IN ('candidate', 'open', 'delivered', 'dropped', 'dismissed')),
            decided_by TEXT,
            decided_at TEXT,
            note TEXT NOT NULL DEFAULT '',
            evidence_item_id TEXT,
            suggested_item_id TEXT,
            suggested_because TEXT,
            found_at TEXT NOT NULL,
            UNIQUE (item_id, quote)
        )"""
    )
    db.execute("CREATE INDEX idx_commitments_state_due ON commitments(state, due)")
@migrations(name="0021_http_validators")
def _http_validators(db: sqlite_utils.Database) -> None:
    # What the last good crawl learnt about each URL it fetched: its status (a listing that answered 404 is
    # not asked again by a poll), the validators a poll sends back (If-None-Match / If-Modified-Since), and,
    # for robots.txt only, the body a poll reuses for up to a day.
    db.execute(
        """
        CREATE TABLE http_validators (
            url TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            status INTEGER NOT NULL DEFAULT 200,
            etag TEXT,
            last_modified TEXT,
            body BLOB,
            fetched_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_http_validators_source ON http_validators(source)")
@migrations(name="0016_amendments")
def _amendments(db: sqlite_utils.Database) -> None:
    # Amendments to tracked bills, one row per amendment as last crawled (public data, readable like items).
    # The Bills API gives no decision date, so `decision_seen` is when a crawl first saw the current decision:
    # the briefing's "amendments decided this week" reads it. The explanatory text is only in an amendment's
    # detail record, read once (`detail_read`); the stage listings that follow do not carry it.
    db.execute(
        """
        CREATE TABLE amendments (
            amendment_id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            bill_id INTEGER NOT NULL,
            bill_stage_id INTEGER NOT NULL,
            number TEXT,
            dnum TEXT,
            amendment_type TEXT,
            sponsors TEXT NOT NULL DEFAULT '[]',
            decision TEXT,
            decision_explanation TEXT,
            explanatory_text TEXT,
            clause INTEGER,
            schedule INTEGER,
            summary TEXT,
            content_hash TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            last_changed TEXT NOT NULL,
            decision_seen TEXT,
            detail_read TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_amendments_item ON amendments(item_id, bill_stage_id)")
    db.execute("CREATE INDEX idx_amendments_decision_seen ON amendments(decision_seen)")
    # Every earlier state of an amendment (a decision changed, sponsors added...), as `item_versions` keeps items.
    db.execute(
        """
        CREATE TABLE amendment_versions (
            id INTEGER PRIMARY KEY,
            amendment_id INTEGER NOT NULL REFERENCES amendments(amendment_id),
            version INTEGER NOT NULL,
            valid_from TEXT NOT NULL,
            valid_to TEXT NOT NULL,
            changed_fields TEXT NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (amendment_id, version)
        )"""
    )
    db.execute("CREATE INDEX idx_amendment_versions_valid_to ON amendment_versions(valid_to)")

#: The items table's facets kept counted in `facet_counts` (tracker.store.facet_counts): column -> Datasette facet
#: type. The array facet counts each item once per theme.
COUNTED_FACETS = {"source": "column", "kind": "column", "status": "column", "organisation": "column",
                  "themes": "array"}
#: What each derived table is computed from: table -> the columns whose change makes it stale (None: any write).
DERIVED_FROM = {
    "facet_counts": {"items": tuple(COUNTED_FACETS)},
    # The briefing's small stored sets (tracker.briefing.watch): relevance as the briefing reads it, and where
    # an item stands.
    "briefing_watch": {"items": ("kind", "status", "closes"), "classifications": None,
                       "item_priorities": ("review_state",), "relevance_overrides": None},
}


@migrations(name="0020_facet_counts")
def _facet_counts(db: sqlite_utils.Database) -> None:
    # Two derived tables, so that what readers ask most costs the same at 200,000 items as at 2,000:
    # - facet_counts: the items page's facets, counted after each crawl and classification (counting five facets
    #   over every item cost the unfiltered items page more than the page itself);
    # - briefing_watch: the briefing's small stored sets (consultations awaiting a government response, rolling
    #   calls for evidence), so its "N more overdue" count reads an index instead of the backlog.
    # `derived_state` says whether each still describes its sources: every write that can change it moves
    # `changes` on (triggers, so no writer can forget), and it is used only while `counted_at` equals `changes`.
    db.execute("CREATE TABLE derived_state (name TEXT PRIMARY KEY, changes INTEGER NOT NULL DEFAULT 0, "
               "counted_at INTEGER)")
    db.execute("CREATE TABLE facet_counts (facet TEXT NOT NULL, value TEXT NOT NULL, count INTEGER NOT NULL, "
               "PRIMARY KEY (facet, value))")
    db.execute("CREATE TABLE briefing_watch (list TEXT NOT NULL, item_id TEXT NOT NULL, closes TEXT, "
               "PRIMARY KEY (list, item_id))")
    db.execute("CREATE INDEX idx_briefing_watch_closes ON briefing_watch(list, closes, item_id)")
    for name, sources in DERIVED_FROM.items():
        db.execute("INSERT INTO derived_state (name, changes, counted_at) VALUES (?, 0, NULL)", [name])
        bump = f"BEGIN UPDATE derived_state SET changes = changes + 1 WHERE name = '{name}'; END"
        for table, columns in sources.items():
            db.execute(f"CREATE TRIGGER {name}_{table}_ai AFTER INSERT ON {table} {bump}")
            db.execute(f"CREATE TRIGGER {name}_{table}_ad AFTER DELETE ON {table} {bump}")
            if columns is None:
                db.execute(f"CREATE TRIGGER {name}_{table}_au AFTER UPDATE ON {table} {bump}")
            else:
                changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
                db.execute(f"CREATE TRIGGER {name}_{table}_au AFTER UPDATE OF {', '.join(columns)} ON {table} "
                           f"WHEN {changed} {bump}")
@migrations(name="0018_calendar_events")
def _calendar_events(db: sqlite_utils.Database) -> None:
    # Dated events of what is coming (tracker.store.calendar derives them from the items after each crawl).
    # One row per event, keyed by a uid that survives a moved date: a move updates the row and the row as it
    # was goes to calendar_event_versions, so nothing is silently lost. An event no longer given is kept,
    # marked cancelled. Staff deadlines are never stored here (they are read from the register for editors).
    db.execute(
        """
        CREATE TABLE calendar_events (
            uid TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            starts TEXT NOT NULL,
            ends TEXT,
            house TEXT,
            item_id TEXT,
            bill_id INTEGER,
            committee_id INTEGER,
            reform_id TEXT,
            url TEXT,
            cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
            first_seen TEXT NOT NULL,
            updated TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_calendar_events_starts ON calendar_events(starts)")
    db.execute("CREATE INDEX idx_calendar_events_item ON calendar_events(item_id)")
    db.execute(
        """
        CREATE TABLE calendar_event_versions (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL,
            data TEXT NOT NULL,
            changed_fields TEXT NOT NULL,
            replaced_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX idx_calendar_event_versions_uid ON calendar_event_versions(uid, replaced_at)")


@migrations(name="0019_watches")
def _watches(db: sqlite_utils.Database) -> None:
    # What a person (owner = account name) or a team (owner = 'team:NAME') follows. `what` says how `target`
    # is read: an item or reform id, a theme id, an organisation's name, or a saved search (its query in
    # `target`, with optional kind, source and theme filters). `alerted_until` is the end of the period the
    # last alert covered (NULL: none yet, the period starts at `created`); a failed send never moves it.
    db.execute(
        """
        CREATE TABLE watches (
            id INTEGER PRIMARY KEY,
            owner TEXT NOT NULL,
            what TEXT NOT NULL CHECK (what IN ('reform', 'item', 'theme', 'organisation', 'search')),
            target TEXT NOT NULL,
            kind TEXT,
            source TEXT,
            theme TEXT,
            cadence TEXT NOT NULL DEFAULT 'immediate' CHECK (cadence IN ('immediate', 'daily', 'weekly')),
            created TEXT NOT NULL,
            created_by TEXT NOT NULL,
            alerted_until TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX idx_watches_unique ON watches(owner, what, target, coalesce(kind, ''), "
               "coalesce(source, ''), coalesce(theme, ''))")
    # One row per alert message: `send_key` (owner and the changes it covers) makes a send idempotent; a failed
    # row keeps its error and attempts, and the next run builds the message again.
    db.execute(
        """
        CREATE TABLE alert_sends (
            id INTEGER PRIMARY KEY,
            owner TEXT NOT NULL,
            address TEXT NOT NULL,
            send_key TEXT NOT NULL UNIQUE,
            period_end TEXT NOT NULL,
            watch_ids TEXT NOT NULL,
            changes TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            message_id TEXT,
            created TEXT NOT NULL,
            sent_at TEXT
        )"""
    )
    db.execute("CREATE INDEX idx_alert_sends_owner ON alert_sends(owner, status, period_end)")


@migrations(name="0022_bill_sessions")
def _bill_sessions(db: sqlite_utils.Database) -> None:
    # The newest session any bill belongs to (contract.NEWEST_SESSION_SQL, for "fell at prorogation") from an
    # index, not by reading every bill's session list: a bill's list is ascending, so its last id is its newest.
    db.execute("CREATE INDEX idx_bills_newest_session ON items(json_extract(details, '$.session_ids[#-1]')) "
               "WHERE kind = 'bill'")
