"""How each kind of indicator is measured. Each returns None while it has nothing to measure."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import pledge as pledges
from models.activity import Activity, ActivityResponsible, CheckIn
from models.plan import Measured, Plan, measure
from models.proposal import PlanComment, Proposal
from models.staff import Staff, active_count


def _share(done: int, total: int, detail: str) -> Measured | None:
    if not total:
        return None
    return Measured(round(100.0 * done / total, 1), done, total, detail)


def _staff_total(db: Session) -> int:
    return active_count(db)


@measure("proposals")
def proposals(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """1.1: share of staff who proposed a problem-to-solve / good-to-do at least once."""
    proposed = sa.select(Proposal.staff_id).where(Proposal.plan_id == plan.id, Proposal.withdrawn_at.is_(None))
    done = db.scalar(sa.select(sa.func.count()).select_from(Staff).where(Staff.active, Staff.id.in_(proposed))) or 0
    return _share(done, _staff_total(db), "คนที่เสนอความดีแล้ว")


@measure("pledge")
def pledge(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """1.2: share of staff who acknowledged the current version — of the least-acknowledged document."""
    shares = [pledges.progress(db, v) for v in pledges.current_versions(db)]
    if not shares:
        return None
    lowest = min(shares, key=lambda p: p.percent)
    return _share(lowest.done, lowest.total, "คนที่รับทราบปฏิญญาแล้ว")


@measure("plan_participation")
def plan_participation(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """2.1: share of staff who commented on the draft plan or attended its workshop."""
    commented = sa.select(PlanComment.staff_id).where(PlanComment.plan_id == plan.id)
    attended = (sa.select(CheckIn.staff_id).join(Activity, Activity.id == CheckIn.activity_id)
                .where(Activity.plan_id == plan.id, Activity.plan_workshop))
    done = db.scalar(sa.select(sa.func.count()).select_from(Staff).where(
        Staff.active, sa.or_(Staff.id.in_(commented), Staff.id.in_(attended)))) or 0
    return _share(done, _staff_total(db), "คนที่ร่วมให้ความเห็นหรือร่วมประชุมจัดทำแผน")


@measure("responsible_assigned")
def responsible_assigned(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """2.2: share of the plan's activities that have a responsible person."""
    total = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.plan_id == plan.id)) or 0
    assigned = db.scalar(sa.select(sa.func.count(sa.distinct(ActivityResponsible.activity_id)))
                         .join(Activity, Activity.id == ActivityResponsible.activity_id)
                         .where(Activity.plan_id == plan.id)) or 0
    return _share(assigned, total, "กิจกรรมที่มีผู้รับผิดชอบ")


@measure("activities_done")
def activities_done(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """3.1: share of the plan's activities carried out (marked done by `now`)."""
    total = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.plan_id == plan.id)) or 0
    done = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(
        Activity.plan_id == plan.id, Activity.done_at.is_not(None), Activity.done_at <= now)) or 0
    return _share(done, total, "กิจกรรมที่ดำเนินการแล้ว")
