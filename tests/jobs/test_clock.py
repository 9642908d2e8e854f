"""The clock's APScheduler wiring (built, looked at, not started), its failure handling and
catch-up, the `flask jobs` commands, the settings, and the sandbox's "run a job" button."""
from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings
from jobs import JOBS, Job, common, digest, nudges, reminders
from jobs.clock import Clock, build_scheduler, previous_fire_time
from tests.conftest import ROOT, TOKEN, text_of
from tests.jobs.conftest import BKK, at, user_of
from tests.sandbox.test_sandbox import call, person, sandbox  # noqa: F401  (the sandbox fixture)

NAMES = {"weekly-digest", "deadline-reminders", "nudges", "outbox-retry", "rich-menus", "milestone-snapshots",
         "database-backup", "personal-data-retention", "documents"}


def test_scheduler_wiring(settings):
    scheduler = build_scheduler(settings, lambda name: None)
    assert isinstance(scheduler, BlockingScheduler) and not scheduler.running
    assert scheduler.timezone == ZoneInfo("Asia/Bangkok")
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == NAMES == set(JOBS)
    for name, job in jobs.items():
        assert isinstance(job.trigger, CronTrigger) and job.trigger.timezone == ZoneInfo("Asia/Bangkok")
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
        assert job.args == (name,) and job.name == name
    friday = at(2026, 2, 13, 12)
    assert jobs["weekly-digest"].trigger.get_next_fire_time(None, friday) == at(2026, 2, 16, 8, 30)
    assert jobs["nudges"].trigger.get_next_fire_time(None, friday) == at(2026, 2, 16, 8, 15)
    assert jobs["deadline-reminders"].trigger.get_next_fire_time(None, friday) == at(2026, 2, 14, 8, 0)
    assert jobs["outbox-retry"].trigger.get_next_fire_time(None, friday) == at(2026, 2, 13, 12, 0)
    assert jobs["outbox-retry"].trigger.get_next_fire_time(None, at(2026, 2, 13, 12, 1)) == at(2026, 2, 13, 12, 15)
    assert jobs["rich-menus"].trigger.get_next_fire_time(None, at(2026, 2, 13, 12, 1)) == at(2026, 2, 13, 12, 5)
    half_past = at(2026, 2, 13, 12, 1) + timedelta(seconds=30)
    assert jobs["documents"].trigger.get_next_fire_time(None, half_past) == at(2026, 2, 13, 12, 2)


def test_schedules_come_from_the_environment(tmp_path):
    settings = Settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": "t", "DIGEST_CRON": "fri 16:00",
                                  "REMINDERS_CRON": "0 7 * * mon-fri", "NUDGES": "1", "NUDGE_MAX": "5",
                                  "PUSH_RESERVE": "50", "BOT_TIMEZONE": "Asia/Bangkok"})
    assert (settings.nudges, settings.nudge_max, settings.push_reserve) == (True, 5, 50)
    jobs = {job.id: job for job in build_scheduler(settings, lambda name: None).get_jobs()}
    assert jobs["weekly-digest"].trigger.get_next_fire_time(None, at(2026, 2, 16)) == at(2026, 2, 20, 16, 0)
    assert jobs["deadline-reminders"].trigger.get_next_fire_time(None, at(2026, 2, 14, 9)) == at(2026, 2, 16, 7, 0)
    defaults = Settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": "t"})
    assert (defaults.digest_cron, defaults.reminders_cron, defaults.nudges, defaults.nudge_max,
            defaults.push_reserve) == ("mon 08:30", "08:00", False, 3, 30)


@pytest.mark.parametrize("text", ["monday 8:30", "25:00", "mon 8", "every day", "1 2 3"])
def test_bad_schedules_are_refused(text):
    with pytest.raises(common.ScheduleError):
        common.parse_cron(text)


def test_jobs_table(settings):
    for name, entry in JOBS.items():             # the clock, the CLI and the sandbox read this one table
        assert isinstance(entry, Job) and entry.name == name and callable(entry.run) and callable(entry.period)
        assert entry.schedule(settings) == common.parse_cron(entry.schedule_text(settings))


@pytest.fixture
def clock(settings, bot, client):
    return Clock(settings, bot.db, client)


def test_a_failing_job_is_logged_and_the_next_run_happens(clock, monkeypatch, caplog):
    calls = []

    def broken(now, db, line):
        calls.append(now)
        raise RuntimeError("boom")

    monkeypatch.setitem(JOBS, "weekly-digest", dataclasses.replace(JOBS["weekly-digest"], run=broken))
    with caplog.at_level(logging.ERROR, logger="jobs"):
        assert clock.run("weekly-digest", at(2026, 2, 16, 8, 30)) is None
    assert "job weekly-digest failed" in caplog.text and "boom" in caplog.text
    # Under a running scheduler the job keeps firing after a failure.
    scheduler = build_scheduler(clock.settings, clock.run, scheduler_class=BackgroundScheduler)
    scheduler.start()
    try:
        for job in scheduler.get_jobs():
            if job.id != "weekly-digest":
                job.pause()
        scheduler.reschedule_job("weekly-digest", trigger="interval", seconds=0.2)
        deadline = time.monotonic() + 10
        while len(calls) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert len(calls) >= 4


def test_previous_fire_time(settings):
    trigger = CronTrigger(timezone=settings.tz, **common.parse_cron("mon 08:30"))
    assert previous_fire_time(trigger, at(2026, 2, 18, 12)) == at(2026, 2, 16, 8, 30)
    assert previous_fire_time(trigger, at(2026, 2, 16, 8, 30)) == at(2026, 2, 16, 8, 30)
    assert previous_fire_time(trigger, at(2026, 2, 16, 8, 29)) == at(2026, 2, 9, 8, 30)


@pytest.mark.parametrize(("now", "expected"), [
    (at(2026, 2, 16, 9, 0), NAMES),                                  # Monday after every job's time
    (at(2026, 2, 16, 7, 0), {"outbox-retry", "rich-menus", "milestone-snapshots", "database-backup",
                             "personal-data-retention", "documents"}),  # before the others of today
    (at(2026, 2, 16, 8, 20), NAMES - {"weekly-digest"}),             # before the digest's
    (at(2026, 2, 22, 10, 0), NAMES),                                 # Sunday: this week's missed runs
])
def test_catch_up_runs_what_this_period_missed(clock, settings, now, expected):
    scheduler = build_scheduler(settings, clock.run)
    assert set(clock.catch_up(scheduler, now)) == expected


def test_catch_up_after_a_missed_monday_sends_once(staffed, clock, settings, line_api):
    scheduler = build_scheduler(settings, clock.run)
    clock.catch_up(scheduler, at(2026, 2, 17, 10))        # down all Monday, back on Tuesday
    clock.catch_up(scheduler, at(2026, 2, 17, 10, 5))     # restarted again
    clock.run("weekly-digest", at(2026, 2, 23, 8, 30))      # next Monday, on time
    digests = [m for m in line_api.messages_for(user_of("C01")) if "สรุปประจำสัปดาห์" in m.get("altText", "")]
    assert len(digests) == 2


def test_cli_run_list_and_at(staffed, runner, line_api):
    result = runner.invoke(args=["jobs", "run", "weekly-digest", "--at", "2026-02-16T08:30+07:00"])
    assert result.exit_code == 0, result.output
    assert "weekly-digest at 2026-02-16T08:30:00+07:00: 1 message(s) sent" in result.output
    again = runner.invoke(args=["jobs", "run", "weekly-digest", "--at", "2026-02-16T09:30"])  # naive: Bangkok
    assert "2026-02-16T09:30:00+07:00: 0 message(s) sent" in again.output
    listing = runner.invoke(args=["jobs", "list"]).output
    for name in NAMES:
        assert name in listing
    assert "weekly-digest        mon 08:30    (Asia/Bangkok)" in listing
    assert "last: 2026-W08 done, 0 sent" in listing and "[off]" in listing
    assert runner.invoke(args=["jobs", "run", "no-such-job"]).exit_code == 2
    bad = runner.invoke(args=["jobs", "run", "nudges", "--at", "next monday"])
    assert bad.exit_code == 2 and "ISO-8601" in bad.output


def test_sandbox_runs_a_job_for_a_coordinator(sandbox):  # noqa: F811
    listed = call(sandbox, "/sandbox/api/jobs")[1]
    assert {job["name"] for job in listed} == NAMES and all(job["label"] != job["name"] for job in listed)
    coordinator = person(sandbox, "D001")["userId"]
    status, body = call(sandbox, "/sandbox/api/jobs/weekly-digest", {"user": coordinator})
    assert status == 200 and body["ok"] and body["result"] >= 1
    chat = sandbox.bot.sandbox.messages_for(coordinator)
    assert "สรุปประจำสัปดาห์" in text_of(chat)
    status, page = call(sandbox, f"/sandbox/api/chat?user={coordinator}")  # the chat page renders the card
    assert status == 200 and any("สรุปประจำสัปดาห์" in item["html"] for item in page["items"])
    assert call(sandbox, "/sandbox/api/jobs/weekly-digest", {"user": coordinator})[1]["result"] == 0


def test_python_m_jobs_starts_the_clock(settings, bot, line_server, tmp_path):
    env = {**os.environ, "DATABASE_URL": settings.database_url, "LINE_API_HOST": line_server.url,
           "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_CHANNEL_SECRET": "s", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "jobs"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "clock started" in line or process.poll() is not None:
                break
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()
    output = "".join(lines)
    assert "clock started in Asia/Bangkok" in output, output
    for name in NAMES:
        assert f"job {name}:" in output


def test_periods():
    monday = datetime(2026, 2, 16, 0, 0, tzinfo=BKK)
    assert digest.period(monday) == nudges.period(monday) == "2026-W08"
    assert digest.period(datetime(2026, 2, 22, 23, 59, tzinfo=BKK)) == "2026-W08"
    assert reminders.period(monday) == "2026-02-16"
    assert common.week_end(datetime(2026, 2, 18, 15, tzinfo=BKK)) == datetime(2026, 2, 23, tzinfo=BKK)
