"""Team briefings: the week's briefing seen by one team (its themes first, in full; the rest one line each; its
own responses), emailed once per team and week to a real SMTP server on loopback."""
from __future__ import annotations

import email
import email.policy

import pytest

from tracker import config as config_mod
from tracker import jobs
from tracker.briefing.team import TeamBriefingError
from tracker.errors import TrackerError

from .helpers.briefing import WEEK, build_db
from .helpers.mail import NOW, plain_server  # noqa: F401 - fixtures

TEAMS = """
[teams.fraud]
themes = ["fraud"]
members = ["alice"]
email = "fraud-team@example.org"
owner_team = "Fraud policy"

[teams.aml]
themes = ["money_laundering"]
email = "aml-team@example.org"
owner_team = "Economic crime policy"

[teams.astrology]
themes = ["horoscopes"]
email = "stars@example.org"
"""


@pytest.fixture
def config(tmp_path, database):
    build_db(database)
    path = tmp_path / "seoc-tracker.toml"
    path.write_text(TEAMS)
    return config_mod.load(path, environ={})


def sections(text: str) -> dict[str, str]:
    parts = {}
    for name, following in (("YOUR THEMES", "EVERYTHING ELSE RELEVANT"),
                            ("EVERYTHING ELSE RELEVANT", "YOUR RESPONSES AND DEADLINES"),
                            ("YOUR RESPONSES AND DEADLINES", None)):
        start = text.index(name)
        parts[name] = text[start:text.index(following) if following else None]
    return parts


def test_the_team_briefing_puts_the_teams_themes_first_in_full(db_path, config):
    _, fraud, _ = jobs.team_briefing(db_path, config, "fraud", week=WEEK, now=NOW)
    _, aml, _ = jobs.team_briefing(db_path, config, "aml", week=WEEK, now=NOW)
    fraud, aml = sections(fraud), sections(aml)
    # The fraud strategy consultation is the fraud team's, in full; for the AML team it is one line.
    assert "* Fraud strategy: consultation (consultation)\n  Closes 3 Dec 2026" in fraud["YOUR THEMES"]
    assert "Themes: Fraud" in fraud["YOUR THEMES"]
    assert "* Fraud strategy: consultation: Closes 3 Dec 2026 (10 days left)\n" in aml["EVERYTHING ELSE RELEVANT"]
    assert "Fraud strategy" not in aml["YOUR THEMES"]
    # Money laundering is both teams' (tagged with both themes), so it is first for both.
    for text in (fraud, aml):
        assert "AML supervision reform (consultation)" in text["YOUR THEMES"]
        assert "Reforming anti-money laundering supervision." in text["YOUR THEMES"]
    # Each team sees its own responses only.
    assert "Sanctions enforcement: respond, submitted" in fraud["YOUR RESPONSES AND DEADLINES"]
    assert "Sanctions enforcement" not in aml["YOUR RESPONSES AND DEADLINES"]
    assert "AML supervision reform" in aml["YOUR RESPONSES AND DEADLINES"]


def test_one_email_per_team_and_week(db_path, config, plain_server, monkeypatch):
    controller, inbox = plain_server
    for key, value in (("SEOC_SMTP_HOST", "127.0.0.1"), ("SEOC_SMTP_PORT", str(controller.port)),
                       ("SEOC_SMTP_STARTTLS", "false"), ("SEOC_BRIEFING_FROM", "seoc-tracker@example.org")):
        monkeypatch.setenv(key, value)
    said = jobs.team_briefing(db_path, config, "fraud", week=WEEK, now=NOW, send=True)[2]
    assert said == f"team fraud: briefing {WEEK} sent to fraud-team@example.org"
    again = jobs.team_briefing(db_path, config, "fraud", week=WEEK, now=NOW, send=True)[2]
    assert "already sent" in again
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["fraud-team@example.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "SEOC reform briefing for the fraud team, w/c 23 Nov 2026"
    assert "Fraud strategy: consultation" in message.get_body(("html",)).get_content()
    # The Monday job sends each team's once; a team with an unknown theme is reported, the others still go.
    said = jobs.team_briefings_job(db_path, config, now=NOW)
    assert "already sent" in said[0] and said[1] == f"team aml: briefing {WEEK} sent to aml-team@example.org"
    assert "no priority theme has id 'horoscopes'" in said[2]
    assert [e.rcpt_tos for e in inbox.envelopes] == [["fraud-team@example.org"], ["aml-team@example.org"]]


def test_unknown_team_or_theme_is_a_clear_error(db_path, config):
    with pytest.raises(TrackerError, match="no team is called 'drugs'; configured teams: fraud, aml, astrology"):
        jobs.team_briefing(db_path, config, "drugs", week=WEEK, now=NOW)
    with pytest.raises(TeamBriefingError, match="no priority theme has id 'horoscopes'"):
        jobs.team_briefing(db_path, config, "astrology", week=WEEK, now=NOW)


def test_scrutiny_periods_and_coming_stages_reach_the_team_whose_theme_they_are(db_path, config):
    from dataclasses import replace

    from tracker.briefing import team as team_mod
    from tracker.briefing.build import build_briefing
    from tracker.briefing.model import ComingUp, ScrutinyEnding
    from tracker.store import db as db_module
    database = db_module.connect(db_path)
    # The bill's themes as tagging stores them on the item (the scenario's helper writes classifications only).
    database.execute("UPDATE items SET themes = '[\"fraud\"]' WHERE id = 'bill:4000'")
    database.conn.commit()
    briefing = build_briefing(database, week=WEEK)
    bill = next(m.item for m in briefing.moved if m.item.id == "bill:4000")  # a fraud-themed bill
    # A period end and a stage as the forward look gives them (their reading is tested in test_briefing_forward).
    briefing = replace(briefing, scrutiny_ending=(ScrutinyEnding(bill, "praying period ends", "negative procedure",
                                                                 "3 Dec 2026", 10),),
                       coming_up=(ComingUp("bill stage", "Crime and Policing Bill: Report stage", "25 Nov 2026",
                                           "Commons", "https://bills.parliament.uk/bills/4000", bill),))
    fraud = team_mod.for_team(database, briefing, config.teams["fraud"])
    aml = team_mod.for_team(database, briefing, config.teams["aml"])
    database.close()
    [entry] = [e for e in fraud.ours if e.item.id == "bill:4000"]
    assert "Praying period ends 3 Dec 2026 (10 days left; negative procedure)" in entry.what
    assert "Bill stage 25 Nov 2026 (Commons): Crime and Policing Bill: Report stage" in entry.what
    assert [e.item.id for e in aml.ours if e.item.id == "bill:4000"] == []
    assert "Praying period ends 3 Dec 2026" in next(e.what for e in aml.others if e.item.id == "bill:4000")
