"""outbox-retry: every 15 minutes, deliver what a job claimed but could not send — LINE was down
past the client's retries, the quota was short, or the process died between claim and send — with
the stored retry keys, before its period expires. Does nothing (one query) when nothing waits.

Budgets as the jobs' own: coordinator messages (digest, reminders to coordinators) may use the whole
remaining quota; staff messages (reminders to responsible people, nudges) only what PUSH_RESERVE leaves.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from bot.line import LineClient
from jobs import common, delivery, digest, reminders
from models import outbox

NAME = "outbox-retry"
COORDINATOR_JOBS = (digest.NAME, reminders.NAME)
log = logging.getLogger("jobs.retry")


def period(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:") + f"{now.minute // 15 * 15:02d}"


def run(now: datetime, db: Session, line: LineClient) -> int:
    settings = common.settings_of(line)
    now = common.local(now, settings)
    db.commit()
    waiting = outbox.pending_jobs(db, now)
    db.commit()
    if not waiting:
        return 0
    budget, _ = common.read_budget(line, settings)
    sent = 0
    # Coordinators first, then staff, each job with what the previous ones left.
    for job in sorted(waiting, key=lambda j: (j not in COORDINATOR_JOBS, j)):
        left = budget.spend(sent)
        allowed = left.for_coordinators if job in COORDINATOR_JOBS else left.for_staff
        report = delivery.deliver(db, line, now, job=job, budget=allowed)
        sent += report.sent
        if report.sent or report.failed or report.stopped:
            log.info("retry %s: %d sent, %d failed, %d held %s", job, report.sent, report.failed, report.held,
                     report.stopped)
    return sent
