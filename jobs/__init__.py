"""Scheduled work. Each job is a plain function `run(now, db, line)` listed in JOBS; the clock
process (`python -m jobs`, jobs/clock.py) registers them with APScheduler, and tests, the CLI
(`flask --app bot jobs run NAME --at …`) and the sandbox call them directly.

Every push a job makes goes through the outbox (models/outbox.py): claimed under (job, period,
recipient), sent with a stored retry key, marked sent — so a job may run any number of times, in
any number of processes, and each message still goes out once.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

from bot.config import Settings
from jobs import common, digest, nudges, reminders, retry


class Job(NamedTuple):
    run: Callable   # run(now, db, line) -> messages delivered
    cron: dict      # APScheduler CronTrigger fields (the default; settings may override)


# name → (job function, cron fields). The sandbox unpacks `fn, cron = JOBS[name]`.
JOBS: dict[str, Job] = {
    digest.NAME: Job(digest.run, digest.CRON),
    reminders.NAME: Job(reminders.run, reminders.CRON),
    nudges.NAME: Job(nudges.run, nudges.CRON),
    retry.NAME: Job(retry.run, retry.CRON),
}

# name → period(now): the outbox period a run at `now` belongs to ("2026-W08", "2026-02-16").
PERIODS: dict[str, Callable] = {
    digest.NAME: digest.period,
    reminders.NAME: reminders.period,
    nudges.NAME: nudges.period,
    retry.NAME: retry.period,
}


# name → the Settings field (and environment variable) that says when it runs; None: fixed.
CRON_SETTINGS = {digest.NAME: "digest_cron", reminders.NAME: "reminders_cron", nudges.NAME: "nudges_cron",
                 retry.NAME: None}
FIXED = {retry.NAME: "*/15 * * * *"}


def schedule_texts(settings: Settings) -> dict[str, str]:
    """When each job runs, as configured: "mon 08:30", "08:00" or a crontab."""
    return {name: getattr(settings, field) if field else FIXED[name] for name, field in CRON_SETTINGS.items()}


def schedules(settings: Settings) -> dict[str, dict]:
    """The cron fields of every job with the settings' overrides (DIGEST_CRON, REMINDERS_CRON, NUDGES_CRON)."""
    return {name: common.parse_cron(text) for name, text in schedule_texts(settings).items()}
