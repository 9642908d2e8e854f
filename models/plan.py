"""The plan as data: one plan per office and fiscal year, its indicators and dated milestones, and
the rule that says where a measured indicator stands against its milestones at a given moment
(models.measures measures each indicator and puts the two together)."""
from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import activity as activities
from models.base import Base, utcnow
from models.proposal import PlanComment, Proposal

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
DRAFT, ACTIVE = "draft", "active"


def fiscal_year_of(day: date) -> int:
    """Thai government fiscal year (Buddhist Era): 1 Oct 2025 – 30 Sep 2026 is 2569."""
    return day.year + 543 + (1 if day.month >= 10 else 0)


def current(db: Session, now: datetime) -> Plan | None:
    """The plan in use (active) of the fiscal year that contains `now`; None when that year has none:
    never last year's, never a draft. `now` in the office's time zone."""
    return of_year(db, fiscal_year_of(now.date()), ACTIVE)


def missing(db: Session, now: datetime) -> int | None:
    """The fiscal year of `now` (Buddhist Era) when no plan in use covers it, else None. A draft of
    that year may be waiting (`of_year(db, year, DRAFT)`)."""
    year = fiscal_year_of(now.date())
    return None if of_year(db, year, ACTIVE) is not None else year


def of_year(db: Session, fiscal_year: int, status: str | None = None) -> Plan | None:
    """The plan of a fiscal year (of the first office by name), in use or draft unless `status` says."""
    stmt = sa.select(Plan).where(Plan.fiscal_year == fiscal_year)
    if status is not None:
        stmt = stmt.where(Plan.status == status)
    return db.scalar(stmt.order_by(Plan.office).limit(1))


def latest(db: Session, before: int | None = None) -> Plan | None:
    """The plan of the latest fiscal year (before `before` when given): the one to start the next
    year from. A plan in use wins over a draft of the same year."""
    stmt = sa.select(Plan)
    if before is not None:
        stmt = stmt.where(Plan.fiscal_year < before)
    return db.scalar(stmt.order_by(Plan.fiscal_year.desc(), (Plan.status == ACTIVE).desc(), Plan.office).limit(1))


def years(db: Session) -> list[tuple[int, str]]:
    """(fiscal year, status) of every year that has a plan, latest first."""
    rows = db.execute(sa.select(Plan.fiscal_year, sa.func.min(Plan.status))
                      .group_by(Plan.fiscal_year).order_by(Plan.fiscal_year.desc()))
    return [(year, status) for year, status in rows]


def activity_counts(db: Session, plan: Plan) -> tuple[int, int]:
    """(activities, carried out) of a plan, counted in SQL."""
    total, done = db.execute(sa.select(sa.func.count(activities.Activity.id),
                                       sa.func.count(activities.Activity.done_at))
                             .where(activities.Activity.plan_id == plan.id)).one()
    return int(total or 0), int(done or 0)


def activity_page(db: Session, plan: Plan, offset: int, limit: int) -> list[activities.Activity]:
    """One page of a plan's activities, in the order `models.activity.of_plan` gives them."""
    activity = activities.Activity
    return list(db.scalars(sa.select(activity).where(activity.plan_id == plan.id)
                           .order_by(sa.func.coalesce(activity.starts_at, activity.created_at), activity.id)
                           .offset(offset).limit(limit)))


def every(db: Session) -> list[Plan]:
    """Every plan, past years included, by year and office."""
    return list(db.scalars(sa.select(Plan).order_by(Plan.fiscal_year, Plan.office)))


def by_year(db: Session, fiscal_year: int) -> list[Plan]:
    return list(db.scalars(sa.select(Plan).where(Plan.fiscal_year == fiscal_year).order_by(Plan.office)))


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
        if indicator.target_kind == "count":  # whole things (awards, channels): 1.4 channels expected is 1
            expected = math.floor(expected + 1e-9)
        elif indicator.target_kind == "evidence":  # done at once, not bit by bit: on track until it is due
            expected = start_value
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
class RolloverError(ValueError):
    """The next year's plan cannot be made: `reason` is "exists" (a plan of that office and year is
    there already) or "not_later" (the year asked for is not after the plan's)."""

    def __init__(self, reason: str, fiscal_year: int):
        super().__init__(f"{reason}: FY{fiscal_year}")
        self.reason = reason
        self.fiscal_year = fiscal_year


def years_later(value: _D, years: int = 1) -> _D:
    """The same day `years` years later (29 February becomes 28 February)."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def a_year_later(value: _D) -> _D:
    """The same day a year later (29 February becomes 28 February)."""
    return years_later(value, 1)


_BE_YEAR = re.compile(r"(?<!\d)(25\d\d)(?!\d)")


def _shift_years_in_text(text: str, fiscal_year: int, years: int) -> str:
    """"ภายใน 31 มี.ค. 2569" of the FY2569 plan becomes "… 2570" a year later: the Buddhist-Era years
    of the plan's year and the one before it, written in its titles and labels, move with the dates."""
    def shift(match: re.Match[str]) -> str:
        value = int(match.group(1))
        return str(value + years) if fiscal_year - 1 <= value <= fiscal_year else match.group(1)

    return _BE_YEAR.sub(shift, text)


def next_year(db: Session, plan: Plan, now: datetime, fiscal_year: int | None = None) -> Plan:
    """A draft of a later fiscal year's plan (the next one unless `fiscal_year` says), copied from
    `plan`: the same indicators, targets and activities, every date moved by as many years (and the
    years written in titles and labels), nothing carried out or checked in. It measures nothing and
    staff do not see it until `activate`. Does not commit."""
    year = plan.fiscal_year + 1 if fiscal_year is None else fiscal_year
    if year <= plan.fiscal_year:
        raise RolloverError("not_later", year)
    if db.scalar(sa.select(Plan).where(Plan.office == plan.office, Plan.fiscal_year == year)) is not None:
        raise RolloverError("exists", year)
    years = year - plan.fiscal_year

    def shift(value: _D) -> _D:
        return years_later(value, years)

    def text(value: str) -> str:
        return _shift_years_in_text(value, plan.fiscal_year, years)

    draft = Plan(office=plan.office, fiscal_year=year, starts_on=shift(plan.starts_on),
                 ends_on=shift(plan.ends_on), source="", status=DRAFT, loaded_at=now)
    draft.indicators = [
        Indicator(code=i.code, title=text(i.title), counts=text(i.counts), measure=i.measure,
                  target_kind=i.target_kind, target=i.target, responsible=i.responsible, position=i.position,
                  milestones=[Milestone(due=shift(m.due), target=m.target, label=text(m.label))
                              for m in i.milestones])
        for i in plan.indicators]
    db.add(draft)
    db.flush()
    activities.copy_to(db, plan.id, draft.id, shift)
    return draft


def activate(db: Session, plan: Plan, tz: tzinfo = UTC) -> None:
    """Put a draft in use: from now on it is its fiscal year's plan (the current one once its year
    has come). What staff proposed or commented while their year had no plan in use (stored with no
    plan) now counts for it. Does not commit."""
    plan.status = ACTIVE
    db.flush()
    adopt(db, plan, tz)


def adopt(db: Session, plan: Plan, tz: tzinfo = UTC) -> int:
    """Give a plan the proposals and plan comments made in its fiscal year (in the office's `tz`) while
    no plan was in use: they were stored with none. How many. Does not commit."""
    starts = datetime.combine(plan.starts_on, time(), tzinfo=tz)
    ends = datetime.combine(plan.ends_on + timedelta(days=1), time(), tzinfo=tz)
    rows: list[Proposal | PlanComment] = [
        *db.scalars(sa.select(Proposal).where(Proposal.plan_id.is_(None), Proposal.created_at >= starts,
                                              Proposal.created_at < ends)),
        *db.scalars(sa.select(PlanComment).where(PlanComment.plan_id.is_(None), PlanComment.created_at >= starts,
                                                 PlanComment.created_at < ends))]
    for row in rows:
        row.plan_id = plan.id
    db.flush()
    return len(rows)


# -- changing a plan --------------------------------------------------------------------------------
class PlanEditError(ValueError):
    """A change the plan file would not allow: `reason` is "title" (empty), "target" (out of range for
    its kind: a percent 0–100, a count of at least 1), "date_taken" (the indicator has a milestone on
    that date), "outside_year" (the date is not in the plan's year), "last_milestone" (an indicator
    keeps at least one), "closed" (a past year's plan is kept as it was)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def editable(plan: Plan, now: datetime) -> bool:
    """A plan may be changed until its fiscal year is over; past years are kept as they were."""
    return plan.fiscal_year >= fiscal_year_of(now.date())


def _check_target(kind: str, target: float | None, milestone: bool = False) -> float:
    """A target as the plan file allows it: a percent 0–100; a count a whole number of at least 1 (a
    milestone's at least 0); evidence is met or not (1)."""
    if kind == "evidence":
        return 1.0
    if target is None or target != target:  # absent, or NaN
        raise PlanEditError("target")
    if kind == "percent" and not 0 <= target <= 100:
        raise PlanEditError("target")
    if kind == "count" and (target < (0 if milestone else 1) or (not milestone and target != int(target))):
        raise PlanEditError("target")
    return float(target)


def update_indicator(indicator: Indicator, title: str, counts: str, target: float | None, responsible: str) -> None:
    """Change what an indicator says and aims at (its code, measure and kind of target stay)."""
    if not title.strip():
        raise PlanEditError("title")
    indicator.title, indicator.counts = title.strip(), counts.strip()
    indicator.target = _check_target(indicator.target_kind, target)
    indicator.responsible = responsible.strip()[:200]


def set_milestone(db: Session, indicator: Indicator, milestone: Milestone | None, due: date,
                  target: float | None, label: str) -> Milestone:
    """Add a milestone to an indicator (`milestone` None) or change one. Its date must be in the plan's
    fiscal year and no other milestone of the indicator may have it: they stay distinct and, being
    kept in date order, earliest first, as the plan file requires. Does not commit."""
    plan = indicator.plan
    if not plan.starts_on <= due <= plan.ends_on:
        raise PlanEditError("outside_year")
    if any(m.due == due and m is not milestone for m in indicator.milestones):
        raise PlanEditError("date_taken")
    target = _check_target(indicator.target_kind, target, milestone=True)
    if milestone is None:
        milestone = Milestone(due=due, target=target, label=label.strip()[:200])
        indicator.milestones.append(milestone)
    else:
        milestone.due, milestone.target, milestone.label = due, target, label.strip()[:200]
    db.flush()
    db.expire(indicator, ["milestones"])  # read back in date order
    return milestone


def remove_milestone(db: Session, milestone: Milestone) -> None:
    """Remove a milestone; an indicator keeps at least one. Does not commit."""
    indicator = milestone.indicator
    if len(indicator.milestones) <= 1:
        raise PlanEditError("last_milestone")
    indicator.milestones.remove(milestone)
    db.flush()
