"""The schedule under a frozen clock: right weekdays and times in Europe/London, catch-up once, clean stop."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tracker import config as config_mod
from tracker.store import db as tracker_db
from tracker import jobs
from tracker import scheduler

from .helpers import PROJECT

LONDON = ZoneInfo("Europe/London")


def fires(trigger, start: datetime, count: int) -> list[datetime]:
    out, previous, now = [], None, start
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, now)
        out.append(nxt.astimezone(LONDON))
        previous, now = nxt, nxt + timedelta(seconds=1)
    return out


def test_briefing_fires_monday_0730_london_across_clock_change():
    trigger = scheduler.briefing_trigger(config_mod.Config())
    # Saturday 24 October 2026; British Summer Time ends on Sunday 25 October.
    got = fires(trigger, datetime(2026, 10, 24, 12, 0, tzinfo=timezone.utc), 2)
    assert [(d.strftime("%a"), d.hour, d.minute) for d in got] == [("Mon", 7, 30), ("Mon", 7, 30)]
    assert [d.astimezone(timezone.utc).hour for d in got] == [7, 7]
    summer = fires(trigger, datetime(2026, 10, 17, 12, 0, tzinfo=timezone.utc), 1)[0]
    assert summer.astimezone(timezone.utc).hour == 6  # 07:30 BST is 06:30 UTC


def test_crawls_fire_on_weekdays_only_at_configured_times():
    config = config_mod.Config(crawl_times=["06:30", "13:30"])
    moments = sorted(d for t in scheduler.crawl_triggers(config)
                     for d in fires(t, datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc), 3))
    assert [(d.strftime("%a"), d.strftime("%H:%M")) for d in moments[:4]] == [
        ("Fri", "13:30"), ("Mon", "06:30"), ("Mon", "13:30"), ("Tue", "06:30")]


def test_scheduler_jobs_and_defaults():
    from apscheduler.schedulers.background import BackgroundScheduler
    built = scheduler.build_scheduler(PROJECT / "nowhere.db", config_mod.Config(),
                                      BackgroundScheduler(timezone=LONDON))
    assert sorted(job.id for job in built.get_jobs()) == ["alerts", "briefing", "briefing-retry", "crawl-0", "crawl-1",
                                                          "poll"]
    assert built._job_defaults["max_instances"] == 1 and built._job_defaults["coalesce"] is True


def test_catch_up_runs_missed_briefing_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("SEOC_SMTP", "SEOC_BRIEFING"))]:
        monkeypatch.delenv(key)
    db_path = tmp_path / "tracker.db"
    tracker_db.connect(db_path).close()
    config = config_mod.Config(reports_dir=str(tmp_path / "reports"))
    # Down over the weekend and Monday morning: started on Wednesday 25 November 2026.
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    assert scheduler.catch_up(db_path, config, wednesday) == "2026-W48"
    assert (tmp_path / "reports" / "2026-W48.html").exists()
    assert scheduler.catch_up(db_path, config, wednesday + timedelta(hours=1)) is None
    database = tracker_db.connect(db_path)
    assert [r["week"] for r in database.query("select week from briefings")] == ["2026-W48"]
    assert [r["status"] for r in database.query("select status from job_runs where job = 'briefing'")] == ["ok"]
    # Sunday before the next Monday: nothing new is due.
    assert jobs.briefing_due(db_path, config, datetime(2026, 11, 29, 20, 0, tzinfo=timezone.utc)) is None
    assert jobs.briefing_due(db_path, config, datetime(2026, 11, 30, 7, 31, tzinfo=timezone.utc)) == "2026-W49"


def test_unsent_briefing_is_due_again_when_email_configured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db_path = tmp_path / "tracker.db"
    database = tracker_db.connect(db_path)
    database["briefings"].insert({"week": "2026-W48", "generated_at": "x", "as_of": "x", "content_hash": "h",
                                  "subject": "s"})
    config = config_mod.Config(smtp={"host": "127.0.0.1", "port": 2525, "starttls": False,
                                     "from": "tracker@example.org", "to": ["seoc@example.org"]})
    now = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    assert jobs.briefing_due(db_path, config, now) == "2026-W48"
    database["briefings"].update("2026-W48", {"sent_at": "2026-11-23T07:30:05+00:00"})
    assert jobs.briefing_due(db_path, config, now) is None


def test_crawl_lock_prevents_overlap(tmp_path):
    lock = tmp_path / ".crawl.lock"
    with jobs.exclusive(lock):
        with pytest.raises(Exception, match="another job holds"):
            with jobs.exclusive(lock):
                pass
    with jobs.exclusive(lock):  # released after use
        pass


def test_schedule_process_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "SEOC_TRACKER_DB": str(tmp_path / "tracker.db"), "PYTHONUNBUFFERED": "1"}
    env = {k: v for k, v in env.items() if not k.startswith(("SEOC_SMTP", "SEOC_BRIEFING"))}
    process = subprocess.Popen([sys.executable, "-m", "tracker.cli", "schedule"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    output = ""
    while time.monotonic() < deadline and "scheduled weekly briefing" not in output:
        line = process.stdout.readline()
        if not line:
            break
        output += line
    assert "scheduled weekly briefing" in output, output
    process.send_signal(signal.SIGTERM)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output + rest
    assert "stopping after the running job" in rest


def test_polls_every_half_hour_on_weekday_daytime_and_hourly_otherwise():
    trigger = scheduler.poll_trigger(config_mod.Config())
    # Friday 27 November 2026, 18:10 London (GMT): half-hourly until 19:00, then hourly through the weekend.
    got = fires(trigger, datetime(2026, 11, 27, 18, 10, tzinfo=timezone.utc), 5)
    assert [d.strftime("%a %H:%M") for d in got] == ["Fri 18:30", "Fri 19:00", "Fri 20:00", "Fri 21:00", "Fri 22:00"]
    monday = fires(trigger, datetime(2026, 11, 30, 5, 50, tzinfo=timezone.utc), 4)
    assert [d.strftime("%a %H:%M") for d in monday] == ["Mon 06:00", "Mon 07:00", "Mon 07:30", "Mon 08:00"]
    saturday = fires(trigger, datetime(2026, 11, 28, 9, 50, tzinfo=timezone.utc), 2)
    assert [d.strftime("%a %H:%M") for d in saturday] == ["Sat 10:00", "Sat 11:00"]


def test_polls_follow_the_config_and_can_be_switched_off(tmp_path):
    path = tmp_path / "seoc-tracker.toml"
    path.write_text('[schedule]\npoll_busy_days = "sat"\npoll_busy_hours = "10:00-12:00"\n'
                    'poll_busy_minutes = 15\npoll_quiet_minutes = 30\n')
    config = config_mod.load(path, environ={})
    got = fires(scheduler.poll_trigger(config), datetime(2026, 11, 28, 9, 50, tzinfo=timezone.utc), 4)
    assert [d.strftime("%a %H:%M") for d in got] == ["Sat 10:00", "Sat 10:15", "Sat 10:30", "Sat 10:45"]
    path.write_text("[schedule]\npoll = false\n")
    from apscheduler.schedulers.background import BackgroundScheduler
    built = scheduler.build_scheduler(PROJECT / "nowhere.db", config_mod.load(path, environ={}),
                                      BackgroundScheduler(timezone=LONDON))
    assert "poll" not in [job.id for job in built.get_jobs()]


@pytest.mark.parametrize("line", ['poll_busy_minutes = 7', 'poll_quiet_minutes = 0', 'poll_busy_hours = "19:00-07:00"',
                                  'poll_busy_hours = "07:30-19:00"', 'poll = "yes"'])
def test_a_wrong_poll_setting_is_refused_by_name(tmp_path, line):
    path = tmp_path / "seoc-tracker.toml"
    path.write_text(f"[schedule]\n{line}\n")
    with pytest.raises(config_mod.ConfigError, match="schedule.poll"):
        config_mod.load(path, environ={})


def test_a_poll_leaves_the_crawl_time_to_the_crawl():
    config = config_mod.Config()
    # 13:30 London on a weekday is a crawl: the poll due then stands aside; 14:00 is a poll's own.
    assert scheduler.crawl_covers(config, datetime(2026, 11, 27, 13, 30, tzinfo=timezone.utc))
    assert not scheduler.crawl_covers(config, datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc))
    assert not scheduler.crawl_covers(config, datetime(2026, 11, 28, 13, 30, tzinfo=timezone.utc))  # Saturday
