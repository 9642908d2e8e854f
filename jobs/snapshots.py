"""milestone-snapshots: daily (00:10), freeze the indicator values of every milestone date that is
over and not yet frozen, hash-chained to the plan's previous snapshot and to the audit trail
(models/snapshot.py). So the day after 31 Mar 2569 the values at the end of 31 Mar are kept, and a
later change to a record of that day or before shows in `snapshot.verify`.

Which plans: the plan in use now, and the one in use yesterday (the last day of a fiscal year is
over only once the next year's plan is the current one). Sends nothing; a run that took snapshots
is recorded (models.jobrun) with what it took. Running it again takes nothing: one snapshot per
plan and date.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from bot import thai
from bot.line import LineClient
from jobs import common
from models import jobrun
from models import plan as plans
from models import snapshot as snapshots
from models.snapshot import MilestoneSnapshot

NAME = "milestone-snapshots"
EVERY = "00:10"  # daily, in BOT_TIMEZONE: just after a milestone day is over
log = logging.getLogger("jobs.snapshots")


def period(now: datetime) -> str:
    return common.day_of(now)


def take(db: Session, now: datetime, tz: tzinfo) -> list[MilestoneSnapshot]:
    """Take what is due for the plans in use now and yesterday. Does not commit."""
    taken: list[MilestoneSnapshot] = []
    seen: set[int] = set()
    for moment in (now - timedelta(days=1), now):
        plan = plans.current(db, moment)
        if plan is not None and plan.id not in seen:
            seen.add(plan.id)
            taken += snapshots.take_due(db, plan, now, tz)
    return taken


def detail(taken: list[MilestoneSnapshot]) -> str:
    """What a run took, in Thai (the console's notifications page shows it)."""
    return "บันทึกภาพรวม ณ วันที่ " + ", ".join(f"{thai.thai_date(s.taken_for)} (รหัส {s.code})" for s in taken)


def run(now: datetime, db: Session, line: LineClient) -> int:
    """The clock's job. Returns 0: it sends no messages."""
    settings = common.settings_of(line)
    now = common.local(now, settings)
    taken = take(db, now, settings.tz)
    if taken:
        jobrun.record_run(db, NAME, period(now), now, "done", planned=len(taken), detail=detail(taken))
        log.info("milestone snapshots taken for %s", ", ".join(s.taken_for.isoformat() for s in taken))
    db.commit()
    return 0
