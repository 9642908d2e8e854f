"""Who still has something to do — per unit for the weekly digest, per person for the nudges — and
the weekly snapshots of indicator values that the digest compares against ("since last week").

Every query here is one statement whatever the number of staff (the digest's query count must not
grow with the office).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import pledge as pledges
from models.activity import Activity, CheckIn
from models.base import Base, dialect_insert
from models.outbox import PENDING, SENT, OutboxMessage
from models.plan import Measured, Plan
from models.proposal import PlanComment, Proposal
from models.staff import Staff


class IndicatorSnapshot(Base):
    """An indicator's value as the weekly digest saw it (the first digest run of the week)."""

    __tablename__ = "indicator_snapshots"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int]
    code: Mapped[str] = mapped_column(sa.String(16))
    period: Mapped[str] = mapped_column(sa.String(16))  # ISO week, "2026-W08": sorts in time order
    value: Mapped[float]
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    taken_at: Mapped[datetime]


def store_snapshots(db: Session, plan_id: int, period: str, values: dict[str, Measured], now: datetime) -> None:
    """Keep this week's values; a second run in the same week keeps the first ones. Does not commit."""
    if not values:
        return
    rows = [{"plan_id": plan_id, "code": code, "period": period, "value": m.value, "done": m.done,
             "total": m.total, "taken_at": now} for code, m in sorted(values.items())]
    db.execute(dialect_insert(db, IndicatorSnapshot.__table__).values(rows)
               .on_conflict_do_nothing(index_elements=["plan_id", "code", "period"]))


def previous_snapshots(db: Session, plan_id: int, period: str) -> dict[str, IndicatorSnapshot]:
    """The latest snapshot before `period`, by indicator code."""
    before = (sa.select(sa.func.max(IndicatorSnapshot.period))
              .where(IndicatorSnapshot.plan_id == plan_id, IndicatorSnapshot.period < period)
              .scalar_subquery())
    rows = db.scalars(sa.select(IndicatorSnapshot).where(IndicatorSnapshot.plan_id == plan_id,
                                                         IndicatorSnapshot.period == before))
    return {r.code: r for r in rows}


def snapshots(db: Session, plan_id: int) -> dict[str, list[IndicatorSnapshot]]:
    """Every weekly snapshot of a plan, by indicator code, oldest first (one statement)."""
    found: dict[str, list[IndicatorSnapshot]] = {}
    for row in db.scalars(sa.select(IndicatorSnapshot).where(IndicatorSnapshot.plan_id == plan_id)
                          .order_by(IndicatorSnapshot.code, IndicatorSnapshot.period)):
        found.setdefault(row.code, []).append(row)
    return found


# -- who has done what -----------------------------------------------------------------------------
def pledge_done(db: Session) -> sa.Select | None:
    """People who acknowledged every current pledge document; None when none is published."""
    ids = [v.id for v in pledges.current_versions(db)]
    if not ids:
        return None
    return (sa.select(pledges.PledgeAck.staff_id).where(pledges.PledgeAck.version_id.in_(ids))
            .group_by(pledges.PledgeAck.staff_id)
            .having(sa.func.count(sa.distinct(pledges.PledgeAck.version_id)) == len(ids)))


def proposal_done(plan: Plan) -> sa.Select:
    return sa.select(Proposal.staff_id).where(Proposal.plan_id == plan.id, Proposal.withdrawn_at.is_(None))


def participation_done(plan: Plan) -> sa.Select:
    commented = sa.select(PlanComment.staff_id).where(PlanComment.plan_id == plan.id)
    attended = (sa.select(CheckIn.staff_id).join(Activity, Activity.id == CheckIn.activity_id)
                .where(Activity.plan_id == plan.id, Activity.plan_workshop))
    return sa.union(commented, attended).subquery().select()


def done_query(db: Session, plan: Plan, measure: str) -> sa.Select | None:
    """The people who have done what a measure that counts people counts; None for other measures
    (and for the pledge while none is published)."""
    query = PEOPLE_MEASURES.get(measure)
    return query(db, plan) if query is not None else None


# The measures that count people (models.measures), and who counts for each.
PEOPLE_MEASURES: dict[str, Callable[[Session, Plan], sa.Select | None]] = {
    "pledge": lambda db, plan: pledge_done(db),
    "proposals": lambda db, plan: proposal_done(plan),
    "plan_participation": lambda db, plan: participation_done(plan),
}


def units_pending(db: Session, done: sa.Select) -> list[tuple[str, int]]:
    """(unit, people on the roster who have not done it), most first."""
    pending = sa.func.count(Staff.id).label("pending")
    rows = db.execute(sa.select(Staff.unit, pending).where(Staff.active, Staff.id.not_in(done))
                      .group_by(Staff.unit).order_by(pending.desc(), Staff.unit))
    return [(unit, n) for unit, n in rows]


@dataclass(frozen=True)
class UnitParticipation:
    """One unit's people on the roster and how many of them have done each thing this year."""

    unit: str
    people: int
    registered: int   # linked a LINE account
    pledged: int      # acknowledged every current pledge document (0 while none is published)
    proposed: int     # proposed at least once in this plan
    attended: int     # checked in to at least one of this plan's activities


def participation_by_unit(db: Session, plan: Plan) -> list[UnitParticipation]:
    """Per unit, by name: one statement, whatever the number of staff or units."""

    def among(done: sa.Select | None) -> sa.ColumnElement[int]:
        if done is None:
            return sa.literal(0)
        return sa.func.coalesce(sa.func.sum(sa.case((Staff.id.in_(done), 1), else_=0)), 0)

    attended = (sa.select(CheckIn.staff_id).join(Activity, Activity.id == CheckIn.activity_id)
                .where(Activity.plan_id == plan.id))
    rows = db.execute(
        sa.select(Staff.unit, sa.func.count(Staff.id),
                  sa.func.coalesce(sa.func.sum(sa.case((Staff.line_user_id.is_not(None), 1), else_=0)), 0),
                  among(pledge_done(db)), among(proposal_done(plan)), among(attended))
        .where(Staff.active).group_by(Staff.unit).order_by(Staff.unit))
    return [UnitParticipation(unit, int(people), int(registered), int(pledged), int(proposed), int(present))
            for unit, people, registered, pledged, proposed, present in rows]


# -- nudges ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NudgeTarget:
    staff_id: int
    line_user_id: str
    pledge: bool    # has not acknowledged every current pledge document
    proposal: bool  # has not proposed a problem-to-solve / good-to-do in this plan

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(t for t, pending in (("pledge", self.pledge), ("proposal", self.proposal)) if pending)


def nudge_targets(db: Session, job: str, plan: Plan | None, pledge: bool, proposal: bool, since: datetime,
                  quiet_after: datetime, max_total: int) -> list[NudgeTarget]:
    """Registered people on the roster with something to do, nudged fewer than `max_total` times
    since `since` and not at all after `quiet_after`. One query."""
    pledge_q = pledge_done(db) if pledge else None
    proposal_q = proposal_done(plan) if proposal and plan is not None else None
    if pledge_q is None and proposal_q is None:
        return []
    nudged = (sa.select(OutboxMessage.staff_id, sa.func.count(OutboxMessage.id).label("times"),
                        sa.func.max(OutboxMessage.created_at).label("last"))
              .where(OutboxMessage.job == job, OutboxMessage.status.in_((SENT, PENDING)),
                     OutboxMessage.created_at >= since, OutboxMessage.staff_id.is_not(None))
              .group_by(OutboxMessage.staff_id).subquery())
    owes_pledge = Staff.id.not_in(pledge_q) if pledge_q is not None else sa.false()
    owes_proposal = Staff.id.not_in(proposal_q) if proposal_q is not None else sa.false()
    stmt = (sa.select(Staff.id, Staff.line_user_id, owes_pledge.label("p"), owes_proposal.label("q"))
            .outerjoin(nudged, nudged.c.staff_id == Staff.id)
            .where(Staff.active, Staff.line_user_id.is_not(None), sa.or_(owes_pledge, owes_proposal),
                   sa.func.coalesce(nudged.c.times, 0) < max_total,
                   sa.or_(nudged.c.last.is_(None), nudged.c.last <= quiet_after))
            .order_by(Staff.id))
    return [NudgeTarget(i, u, bool(p), bool(q)) for i, u, p, q in db.execute(stmt)]


def owed(db: Session, plan: Plan, staff_ids: list[int], pledge: bool, proposal: bool) -> dict[int, tuple[str, ...]]:
    """What these people still have to do themselves, as the nudges' topics ("pledge", "proposal"):
    for the weekly digest's recipients, who are not nudged. Only those who owe something. One query."""
    pledge_q = pledge_done(db) if pledge else None
    proposal_q = proposal_done(plan) if proposal else None
    if not staff_ids or (pledge_q is None and proposal_q is None):
        return {}
    owes_pledge = Staff.id.not_in(pledge_q) if pledge_q is not None else sa.false()
    owes_proposal = Staff.id.not_in(proposal_q) if proposal_q is not None else sa.false()
    rows = db.execute(sa.select(Staff.id, owes_pledge.label("p"), owes_proposal.label("q"))
                      .where(Staff.id.in_(staff_ids), sa.or_(owes_pledge, owes_proposal)))
    return {i: NudgeTarget(i, "", bool(p), bool(q)).topics for i, p, q in rows}
