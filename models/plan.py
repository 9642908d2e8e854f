"""The plan as data: one plan per office and fiscal year, its indicators and dated milestones, and
the rule that says where a measured indicator stands against its milestones at a given moment
(models.measures measures each indicator and puts the two together)."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import activity as activities
from models.base import Base, utcnow

_D = TypeVar("_D", date, datetime)


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (sa.UniqueConstraint("office", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(sa.String(200))
    fiscal_year: Mapped[int]  # Buddhist Era, e.g. 2569
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    source: Mapped[str] = mapped_column(sa.Text, default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "draft": prepared (the next fiscal year's, copied from this one) and not in use yet: staff never
    # see it and it measures nothing until a coordinator puts it in use. "active": the year's plan.
    status: Mapped[str] = mapped_column(sa.String(16), default="active", server_default="active")

    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="plan", order_by="Indicator.position", cascade="all, delete-orphan")


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (sa.UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.Text)
    counts: Mapped[str] = mapped_column(sa.Text, default="")  # what counts as done, in Thai
    measure: Mapped[str] = mapped_column(sa.String(40))
    target_kind: Mapped[str] = mapped_column(sa.String(16))  # percent / count / evidence
    target: Mapped[float]
    responsible: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[Plan] = relationship(back_populates="indicators")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="indicator", order_by="Milestone.due", cascade="all, delete-orphan", lazy="selectin")


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id"))
    due: Mapped[date]
    target: Mapped[float]
    label: Mapped[str] = mapped_column(sa.String(200), default="")

    indicator: Mapped[Indicator] = relationship(back_populates="milestones")


# -- which plan ----------------------------------------------------------------------------------
def fiscal_year_of(day: date) -> int:
    """Thai government fiscal year (Buddhist Era): 1 Oct 2025 – 30 Sep 2026 is 2569."""
    return day.year + 543 + (1 if day.month >= 10 else 0)


def current(db: Session, now: datetime) -> Plan | None:
    """The plan whose fiscal year contains `now`; else the latest one that has started; else the first."""
    day = now.date()
    plans = list(db.scalars(sa.select(Plan).order_by(Plan.starts_on)))
    for plan in plans:
        if plan.starts_on <= day <= plan.ends_on:
            return plan
    started = [p for p in plans if p.starts_on <= day]
    return started[-1] if started else (plans[0] if plans else None)


def every(db: Session) -> list[Plan]:
    """Every plan, past years included, by year and office."""
    return list(db.scalars(sa.select(Plan).order_by(Plan.fiscal_year, Plan.office)))


def by_year(db: Session, fiscal_year: int) -> list[Plan]:
    return list(db.scalars(sa.select(Plan).where(Plan.fiscal_year == fiscal_year)))


# -- progress ------------------------------------------------------------------------------------
class State(str, enum.Enum):
    DONE = "done"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    OVERDUE = "overdue"


STATE_RANK = {State.OVERDUE: 0, State.BEHIND: 1, State.ON_TRACK: 2, State.DONE: 3}


@dataclass(frozen=True)
class Measured:
    value: float          # percent (0–100), a count, or 1/0 for yes/no
    done: int = 0         # e.g. people who proposed, activities done
    total: int = 0        # e.g. people on the roster, activities in the plan


@dataclass(frozen=True)
class MilestoneState:
    milestone: Milestone
    state: State
    expected: float  # where the value should be by now, on a straight line to the milestone

    @property
    def due(self) -> date:
        return self.milestone.due


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    measured: Measured
    milestones: list[MilestoneState]

    @property
    def next(self) -> MilestoneState | None:
        """The first milestone not yet met (overdue ones first), or None when all are met."""
        open_ = [m for m in self.milestones if m.state is not State.DONE]
        return open_[0] if open_ else None

    @property
    def state(self) -> State:
        upcoming = self.next
        return State.DONE if upcoming is None else upcoming.state

    def urgency(self) -> tuple[int, date, int]:
        upcoming = self.next
        return (STATE_RANK[self.state], upcoming.due if upcoming else date.max, self.indicator.position)


def milestone_states(indicator: Indicator, measured: Measured, now: datetime, plan: Plan) -> list[MilestoneState]:
    today = now.date()
    states: list[MilestoneState] = []
    start, start_value = plan.starts_on, 0.0  # each milestone's straight line starts where the last ended
    for milestone in indicator.milestones:
        span = max((milestone.due - start).days, 1)
        elapsed = min(max((today - start).days, 0), span)
        expected = start_value + (milestone.target - start_value) * elapsed / span
        if measured.value >= milestone.target:
            state = State.DONE
        elif today > milestone.due:
            state = State.OVERDUE
        elif measured.value >= expected:
            state = State.ON_TRACK
        else:
            state = State.BEHIND
        states.append(MilestoneState(milestone, state, expected))
        start, start_value = milestone.due, milestone.target
    return states


def indicator(db: Session, plan: Plan, code: str) -> Indicator | None:
    return db.scalar(sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.code == code))


def deadline(db: Session, plan: Plan | None, code: str) -> date | None:
    """The last milestone of an indicator (e.g. 1.2's 27 Feb 2026)."""
    if plan is None:
        return None
    found = indicator(db, plan, code)
    return found.milestones[-1].due if found is not None and found.milestones else None


# -- the next fiscal year --------------------------------------------------------------------------
DRAFT, ACTIVE = "draft", "active"


class RolloverError(ValueError):
    """The next year's plan cannot be made: `reason` is "exists" (a plan of that office and year is
    there already)."""

    def __init__(self, reason: str, fiscal_year: int):
        super().__init__(f"{reason}: FY{fiscal_year}")
        self.reason = reason
        self.fiscal_year = fiscal_year


def a_year_later(value: _D) -> _D:
    """The same day a year later (29 February becomes 28 February)."""
    try:
        return value.replace(year=value.year + 1)
    except ValueError:
        return value.replace(year=value.year + 1, day=28)


def next_year(db: Session, plan: Plan, now: datetime) -> Plan:
    """A draft of the next fiscal year's plan, copied from `plan`: the same indicators, targets and
    activities, every date a year later, nothing carried out or checked in. It measures nothing and
    staff do not see it until `activate`. Does not commit."""
    year = plan.fiscal_year + 1
    if db.scalar(sa.select(Plan).where(Plan.office == plan.office, Plan.fiscal_year == year)) is not None:
        raise RolloverError("exists", year)
    draft = Plan(office=plan.office, fiscal_year=year, starts_on=a_year_later(plan.starts_on),
                 ends_on=a_year_later(plan.ends_on), source="", status=DRAFT, loaded_at=now)
    draft.indicators = [
        Indicator(code=i.code, title=i.title, counts=i.counts, measure=i.measure, target_kind=i.target_kind,
                  target=i.target, responsible=i.responsible, position=i.position,
                  milestones=[Milestone(due=a_year_later(m.due), target=m.target, label=m.label)
                              for m in i.milestones])
        for i in plan.indicators]
    db.add(draft)
    db.flush()
    activities.copy_to(db, plan.id, draft.id, a_year_later)
    return draft


def activate(db: Session, plan: Plan) -> None:
    """Put a draft in use: from now on it is its fiscal year's plan. Does not commit."""
    plan.status = ACTIVE
    db.flush()
