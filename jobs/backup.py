"""database-backup: daily (BACKUP_CRON, 02:30), a backup of the whole database into BACKUP_DIR
(bot/backup.py: khunnatham-2026-12-02.sqlite, or .dump for PostgreSQL), keeping the latest
BACKUP_KEEP of them. Off unless BACKUP_DIR is set.

Sends nothing. Each run is recorded (models.jobrun) with what it made and removed, or why it could
not (pg_dump missing, a full disk: status "failed", and the error in the log); a second run of the
day makes the day's backup again.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot import backup as backups
from bot.line import LineClient
from jobs import common
from models import jobrun

NAME = "database-backup"
FAILED = "failed"  # the run's status when no backup was made
log = logging.getLogger("jobs.backup")


def period(now: datetime) -> str:
    return common.day_of(now)


def run(now: datetime, db: Session, line: LineClient) -> int:
    """The clock's job. Returns 0: it sends no messages."""
    settings = common.settings_of(line)
    if settings.backup_dir is None:
        return 0
    now = common.local(now, settings)
    db.rollback()  # hold no transaction of this session while the database is copied
    try:
        made, removed = backups.daily(settings.database_url, settings.backup_dir, settings.backup_keep, now.date())
    except (backups.BackupError, OSError) as exc:
        log.error("database backup into %s failed: %s", settings.backup_dir, exc)
        jobrun.record_run(db, NAME, period(now), now, FAILED, planned=1, detail=f"สำรองฐานข้อมูลไม่สำเร็จ: {exc}")
        db.commit()
        return 0
    text = f"สำรองฐานข้อมูลไว้ที่ {made.path} ({made.size / 1_048_576:,.1f} MB)"
    if removed:
        text += f" ลบชุดเก่า {len(removed):,} ชุด เก็บไว้ {settings.backup_keep:,} ชุดล่าสุด"
    jobrun.record_run(db, NAME, period(now), now, "done", planned=1, detail=text)
    db.commit()
    log.info("database backed up to %s (%d bytes, migration %s); removed %s", made.path, made.size, made.revision,
             ", ".join(p.name for p in removed) or "none")
    return 0
