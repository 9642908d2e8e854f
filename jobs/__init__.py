"""Scheduled work. Each job is a plain function `run(now, db, line)` in the JOBS table; the clock
process (`python -m jobs`, jobs/clock.py) registers them with APScheduler, and tests, the CLI
(`flask --app bot jobs run NAME --at …`) and the sandbox call them directly.

Every push a job makes goes through the outbox (models/outbox.py, jobs/delivery.py): claimed under
(job, period, recipient), sent with a stored retry key, marked sent — so a job may run any number
of times, in any number of processes, and each message still goes out once.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.line import LineClient
from jobs import backup, common, digest, documents, menus, nudges, reminders, retention, retry, snapshots


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime, Session, LineClient], int]  # messages delivered (people reached, for nudges)
    period: Callable[[datetime], str]  # the outbox period a run at `now` belongs to: "2026-W08", "2026-02-16"
    setting: str = ""  # the Settings field (and environment variable) that says when it runs …
    every: str = ""    # … or, for a job the office does not schedule, when it runs

    def schedule_text(self, settings: Settings) -> str:
        """When it runs, as configured: "mon 08:30", "08:00" or a crontab."""
        return getattr(settings, self.setting) if self.setting else self.every

    def schedule(self, settings: Settings) -> dict[str, str | int]:
        """APScheduler CronTrigger fields."""
        return common.parse_cron(self.schedule_text(settings))


JOBS: dict[str, Job] = {job.name: job for job in (
    Job(digest.NAME, digest.run, digest.period, setting="digest_cron"),          # DIGEST_CRON
    Job(reminders.NAME, reminders.run, reminders.period, setting="reminders_cron"),  # REMINDERS_CRON
    Job(nudges.NAME, nudges.run, nudges.period, setting="nudges_cron"),          # NUDGES_CRON
    Job(retry.NAME, retry.run, retry.period, every="*/15 * * * *"),
    Job(menus.NAME, menus.run, menus.period, every=menus.EVERY),  # per-user rich menus
    Job(snapshots.NAME, snapshots.run, snapshots.period, every=snapshots.EVERY),  # milestone snapshots
    Job(backup.NAME, backup.run, backup.period, setting="backup_cron"),  # BACKUP_CRON; off without BACKUP_DIR
    Job(retention.NAME, retention.run, retention.period, every=retention.EVERY),  # off without RETENTION_DAYS
    Job(documents.NAME, documents.run, documents.period, every=documents.EVERY),  # packs left waiting
)}
