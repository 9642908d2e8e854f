"""personal-data-retention: daily (03:30), the PDPA's erasure duty. The personal data of each person
who left the roster RETENTION_DAYS ago or more is erased (models/retention.py): name, roster code,
LINE id and what they wrote, while every count a report makes stays as it was. Off unless
RETENTION_DAYS is set.

Sends nothing. A run that erased someone is recorded (models.jobrun) with how many people and rows;
running it again erases nothing more (an erased person is marked). The photos that went are deleted
from UPLOADS_DIR after the commit.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot import uploads
from bot.line import LineClient
from jobs import common
from models import jobrun, retention

NAME = "personal-data-retention"
EVERY = "03:30"  # daily, in BOT_TIMEZONE
log = logging.getLogger("jobs.retention")
KINDS = {  # what the run's record names, in Thai (the console and the sandbox show it)
    "proposals": "ข้อเสนอ", "plan_comments": "ความเห็นต่อแผน", "nominations": "เหตุผลการเสนอชื่อ",
    "checkins": "ตำแหน่งเช็คอิน", "files": "ภาพ", "outbox": "ข้อความที่ส่ง", "webhook_events": "เหตุการณ์ LINE",
    "conversations": "บทสนทนา",
}


def period(now: datetime) -> str:
    return common.day_of(now)


def detail(erased: retention.Erased, days: int, people: int) -> str:
    """What the day's runs erased, in Thai (`people` of the day; the rows of this run)."""
    parts = [f"{KINDS[kind]} {count:,} รายการ" for kind, count in retention.summary(erased).items() if kind in KINDS]
    return (f"ลบข้อมูลส่วนบุคคลของผู้ที่ออกจากสำนักงานเกิน {days:,} วัน {people:,} คน"
            + (f" ({', '.join(parts)})" if parts else ""))


def run(now: datetime, db: Session, line: LineClient) -> int:
    """The clock's job. Returns 0: it sends no messages."""
    settings = common.settings_of(line)
    days = settings.retention_days
    if not days:
        return 0
    now = common.local(now, settings)
    erased = retention.erase_due(db, now, days)
    if erased.people:  # a second run of the day adds to the first's record
        earlier = jobrun.run_of(db, NAME, period(now))
        people = erased.people + (earlier.planned if earlier is not None else 0)
        jobrun.record_run(db, NAME, period(now), now, "done", planned=people, detail=detail(erased, days, people))
    db.commit()
    for name in erased.files:
        uploads.remove(settings.uploads_dir, name)
    if erased.people:
        log.info("personal data erased: %d people left the roster %d or more days ago; rows %s",
                 erased.people, days, retention.summary(erased))
    return 0
