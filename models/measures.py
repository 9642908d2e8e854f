"""How each indicator's value is measured (the plan file names a measure per indicator), and where
every indicator of a plan stands at a moment.

Each measure counts what had happened by `now` (a proposal made and not yet withdrawn then, an
acknowledgment, a comment or check-in by then), so a report as of 31 March says what was true on
31 March. The roster is today's: who was on it on a past day is not kept.

MEASURES is the one table of measures. Each takes (db, plan, now) and returns None while it has
nothing to measure.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import evidence, nomination
from models import pledge as pledges
from models.activity import Activity, ActivityResponsible, CheckIn
from models.plan import IndicatorProgress, Measured, Plan, milestone_states
from models.proposal import PlanComment, Proposal
from models.staff import Staff, active_count

Measure = Callable[[Session, Plan, datetime], Measured | None]


def _share(done: int, total: int) -> Measured | None:
    if not total:
        return None
    return Measured(round(100.0 * done / total, 1), done, total)


def proposals(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """1.1: share of staff who proposed a problem-to-solve / good-to-do at least once."""
    proposed = sa.select(Proposal.staff_id).where(
        Proposal.plan_id == plan.id, Proposal.created_at <= now,
        sa.or_(Proposal.withdrawn_at.is_(None), Proposal.withdrawn_at > now))
    done = db.scalar(sa.select(sa.func.count()).select_from(Staff).where(Staff.active, Staff.id.in_(proposed))) or 0
    return _share(done, active_count(db))


def pledge(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """1.2: share of staff who acknowledged the current version — of the least-acknowledged document."""
    shares = [pledges.progress_at(db, v, now) for v in pledges.current_versions(db)]
    if not shares:
        return None
    lowest = min(shares, key=lambda p: p.percent)
    return _share(lowest.done, lowest.total)


def plan_participation(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """2.1: share of staff who commented on the draft plan or attended its workshop."""
    commented = sa.select(PlanComment.staff_id).where(PlanComment.plan_id == plan.id, PlanComment.created_at <= now)
    attended = (sa.select(CheckIn.staff_id).join(Activity, Activity.id == CheckIn.activity_id)
                .where(Activity.plan_id == plan.id, Activity.plan_workshop, CheckIn.at <= now))
    done = db.scalar(sa.select(sa.func.count()).select_from(Staff).where(
        Staff.active, sa.or_(Staff.id.in_(commented), Staff.id.in_(attended)))) or 0
    return _share(done, active_count(db))


def responsible_assigned(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """2.2: share of the plan's activities that have a responsible person."""
    total = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.plan_id == plan.id)) or 0
    assigned = db.scalar(sa.select(sa.func.count(sa.distinct(ActivityResponsible.activity_id)))
                         .join(Activity, Activity.id == ActivityResponsible.activity_id)
                         .where(Activity.plan_id == plan.id)) or 0
    return _share(assigned, total)


def activities_done(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """3.1: share of the plan's activities carried out (marked done by `now`)."""
    total = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.plan_id == plan.id)) or 0
    done = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(
        Activity.plan_id == plan.id, Activity.done_at.is_not(None), Activity.done_at <= now)) or 0
    return _share(done, total)


MEASURES: dict[str, Measure] = {
    "proposals": proposals,                        # 1.1
    "pledge": pledge,                              # 1.2
    "plan_participation": plan_participation,      # 2.1
    "responsible_assigned": responsible_assigned,  # 2.2
    "activities_done": activities_done,            # 3.1
    "honours": nomination.honours_measure,         # 4.1
    "awards": evidence.awards_measure,             # 4.2
    "channels": evidence.channels_measure,         # 4.3
    "report": evidence.report_measure,             # 4.4
    "confirmation": evidence.confirmation_measure,  # 4.5
}


def progress(db: Session, plan: Plan, now: datetime) -> list[IndicatorProgress]:
    """Every indicator that has data, most urgent first."""
    result = []
    for indicator in plan.indicators:
        fn = MEASURES.get(indicator.measure)
        measured = fn(db, plan, now) if fn else None
        if measured is None:
            continue
        result.append(IndicatorProgress(indicator, measured, milestone_states(indicator, measured, now, plan)))
    return sorted(result, key=IndicatorProgress.urgency)
