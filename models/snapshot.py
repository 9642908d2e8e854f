"""Milestone snapshots: what an assessor can trust (issue 13, item 5).

When a milestone date is over, the indicator values at the end of that day (in the office's time
zone) are frozen as a snapshot, with three digests:

- `content`: sha256 of the records the values come from, as they stood at the end of that day —
  per table, in id order, the rows dated on or before it (pledge acknowledgments, the plan's
  proposals and plan comments, its activities (created or done by then), their check-ins, its
  honours, its evidence items (recorded or bearing a date by then)), with a closing time
  (withdrawn, done, removed) kept only when it too is on or before that day. A later change to a
  past record (an acknowledgment re-dated, an activity marked done "back then", an evidence item's
  date moved, a record dated back then added afterwards) makes the same digest, computed again,
  come out different; what happens after the day (a new acknowledgment, a withdrawal next month,
  an activity done in April) does not.
- `audit_hash`: the audit trail up to its latest entry when the snapshot was taken (`audit_id`),
  chained: sha256 of the previous snapshot's audit_hash and the entries added since.
- `hash`: sha256 of the whole row (the values, the two digests, when, which day) and of the
  previous snapshot's hash (`prev_hash`, "" for a plan's first), so editing a snapshot row breaks
  the chain. A plan's snapshots chain in the order they were taken (by id).

`verify` computes all three again and says, per snapshot date, what no longer matches. Values come
from models.measures.progress at the end of the day; a measure that is not fully historical gives
what was known when the snapshot was taken, which is what the snapshot freezes. Nothing here
commits.
"""
from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import measures
from models.activity import Activity, CheckIn
from models.audit import AuditEntry
from models.base import Base
from models.evidence import Evidence
from models.nomination import Honour, NominationRound
from models.plan import Plan
from models.pledge import PledgeAck
from models.proposal import PlanComment, Proposal

CHUNK = 1000  # rows fetched at a time while a digest streams a table
ACTIVITY_EXTRA = ("budget", "budget_used")  # hashed too when the activities table has them


class MilestoneSnapshot(Base):
    __tablename__ = "milestone_snapshots"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "taken_for"),
        sa.UniqueConstraint("plan_id", "prev_hash"),  # one chain per plan: two takers cannot fork it
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"))
    taken_for: Mapped[date]  # the milestone date
    taken_at: Mapped[datetime]
    values: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # code → {value, done, total, state}
    content: Mapped[str] = mapped_column(sa.String(64))
    audit_id: Mapped[int | None]  # the latest audit_log entry when taken
    audit_hash: Mapped[str] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    @property
    def code(self) -> str:
        """The short form of its hash a report prints."""
        return self.hash[:12]

    @property
    def reference(self) -> str:
        """The line a report built on it states."""
        return f"ข้อมูลนี้อ้างอิงภาพรวม ณ วันที่ {thai_day(self.taken_for)} (รหัส {self.code})"


class Problem(enum.Enum):
    CONTENT = "content"  # a record dated on or before the day changed after the snapshot
    CHAIN = "chain"      # the snapshot row itself was changed, or the chain to it is broken
    AUDIT = "audit"      # the audit trail up to the snapshot is no longer what it was


MESSAGES = {
    Problem.CONTENT: "ข้อมูลวันที่ {day} ถูกแก้ไขภายหลัง",
    Problem.CHAIN: "ภาพรวมข้อมูล ณ วันที่ {day} ถูกแก้ไขหลังบันทึก (รหัสไม่ต่อเนื่องกัน)",
    Problem.AUDIT: "ประวัติการแก้ไขข้อมูลถึงวันที่ {day} ไม่ตรงกับที่บันทึกไว้",
}
_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")


def thai_day(day: date) -> str:
    """`31 มี.ค. 2569` (models/ cannot use bot.thai)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year + 543}"


@dataclass(frozen=True)
class Finding:
    """What `verify` found wrong with the snapshot of one date."""

    day: date
    problem: Problem
    snapshot_id: int

    @property
    def message(self) -> str:
        return MESSAGES[self.problem].format(day=thai_day(self.day))


# -- digests ---------------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain).encode()


def end_of(day: date, tz: tzinfo) -> datetime:
    """The last moment of `day` in the office's time zone."""
    return datetime.combine(day, time.max, tzinfo=tz)


@dataclass(frozen=True)
class _Source:
    """One table's part of the content digest: its columns (id first) and which rows."""

    name: str
    columns: tuple[Any, ...]
    where: tuple[Any, ...]
    closing: str = ""  # a column kept only when it is on or before the day (withdrawn, done, removed) …
    closed: tuple[str, ...] = ()  # … and columns that go with it (the budget used, recorded when done)
    join: tuple[Any, ...] = ()  # (table, on) to reach the plan


def _sources(plan: Plan, end: datetime) -> list[_Source]:
    extra = tuple(Activity.__table__.c[name] for name in ACTIVITY_EXTRA if name in Activity.__table__.c)
    closed = tuple(c.key for c in extra if c.key == "budget_used")
    return [
        _Source("pledge_acks", (PledgeAck.id, PledgeAck.staff_id, PledgeAck.version_id, PledgeAck.acknowledged_at),
                (PledgeAck.acknowledged_at <= end,)),
        _Source("proposals", (Proposal.id, Proposal.staff_id, Proposal.virtue, Proposal.created_at,
                              Proposal.withdrawn_at),
                (Proposal.plan_id == plan.id, Proposal.created_at <= end), closing="withdrawn_at"),
        _Source("plan_comments", (PlanComment.id, PlanComment.staff_id, PlanComment.created_at),
                (PlanComment.plan_id == plan.id, PlanComment.created_at <= end)),
        _Source("activities", (Activity.id, Activity.title, Activity.plan_workshop, *extra, Activity.done_at),
                (Activity.plan_id == plan.id, sa.or_(Activity.created_at <= end, Activity.done_at <= end)),
                closing="done_at", closed=closed),
        _Source("check_ins", (CheckIn.id, CheckIn.activity_id, CheckIn.staff_id, CheckIn.at),
                (Activity.plan_id == plan.id, CheckIn.at <= end), join=(Activity, Activity.id == CheckIn.activity_id)),
        _Source("honours", (Honour.id, Honour.round_id, Honour.kind, Honour.target, Honour.virtue, Honour.honoured_at),
                (sa.or_(NominationRound.plan_id == plan.id, NominationRound.plan_id.is_(None)),
                 Honour.honoured_at <= end), join=(NominationRound, NominationRound.id == Honour.round_id)),
        _Source("evidence", (Evidence.id, Evidence.indicator_code, Evidence.record, Evidence.kind, Evidence.title,
                             Evidence.url, Evidence.file_id, Evidence.activity_id, Evidence.dated,
                             Evidence.recorded_at, Evidence.removed_at),
                (Evidence.plan_id == plan.id, sa.or_(Evidence.dated <= end.date(), Evidence.recorded_at <= end)),
                closing="removed_at"),
    ]


def content(db: Session, plan: Plan, day: date, tz: tzinfo) -> str:
    """sha256 of the records of `plan` as they stood at the end of `day` (one streamed query a table)."""
    end = end_of(day, tz)
    digest = hashlib.sha256()
    for source in _sources(plan, end):
        digest.update(_canonical(source.name) + b"\n")
        stmt = sa.select(*source.columns)
        if source.join:
            stmt = stmt.join(*source.join)
        stmt = stmt.where(*source.where).order_by(source.columns[0]).execution_options(yield_per=CHUNK)
        names = [c.key for c in source.columns]
        closing = names.index(source.closing) if source.closing else -1
        cleared = [closing, *(names.index(name) for name in source.closed)]
        for row in db.execute(stmt):
            values = list(row)
            if closing >= 0 and (values[closing] is None or values[closing] > end):
                for index in cleared:  # not closed by the end of the day: still open then
                    values[index] = None
            digest.update(_canonical(values) + b"\n")
    return digest.hexdigest()


def _audit_hash(db: Session, previous: str, after: int | None, upto: int | None) -> str:
    """sha256 of `previous` and the audit entries after id `after` up to id `upto` (streamed)."""
    digest = hashlib.sha256(previous.encode())
    if upto is None:
        return digest.hexdigest()
    entry = AuditEntry
    stmt = sa.select(entry.id, entry.at, entry.actor_id, entry.actor_name, entry.source, entry.action, entry.entity,
                     entry.entity_id, entry.label, entry.changes).where(entry.id <= upto)
    if after is not None:
        stmt = stmt.where(entry.id > after)
    for row in db.execute(stmt.order_by(entry.id).execution_options(yield_per=CHUNK)):
        digest.update(_canonical(list(row)) + b"\n")
    return digest.hexdigest()


def seal(snapshot: MilestoneSnapshot) -> str:
    """The hash of a snapshot row: everything in it but its id and its hash."""
    return hashlib.sha256(_canonical({
        "plan_id": snapshot.plan_id, "taken_for": snapshot.taken_for, "taken_at": snapshot.taken_at,
        "values": snapshot.values, "content": snapshot.content, "audit_id": snapshot.audit_id,
        "audit_hash": snapshot.audit_hash, "prev_hash": snapshot.prev_hash,
    })).hexdigest()


# -- taking ----------------------------------------------------------------------------------------------
def due_days(plan: Plan) -> list[date]:
    """The plan's distinct milestone dates, earliest first."""
    return sorted({m.due for i in plan.indicators for m in i.milestones})


def of_day(db: Session, plan: Plan, day: date) -> MilestoneSnapshot | None:
    return db.scalar(sa.select(MilestoneSnapshot).where(MilestoneSnapshot.plan_id == plan.id,
                                                        MilestoneSnapshot.taken_for == day))


def of_plan(db: Session, plan: Plan) -> list[MilestoneSnapshot]:
    """A plan's snapshots in the order they were taken (the chain's)."""
    return list(db.scalars(sa.select(MilestoneSnapshot).where(MilestoneSnapshot.plan_id == plan.id)
                           .order_by(MilestoneSnapshot.id)))


def _values(db: Session, plan: Plan, moment: datetime) -> dict[str, Any]:
    return {p.indicator.code: {"value": p.measured.value, "done": p.measured.done, "total": p.measured.total,
                               "state": p.state.value}
            for p in measures.progress(db, plan, moment)}


def take(db: Session, plan: Plan, day: date, now: datetime, tz: tzinfo) -> MilestoneSnapshot:
    """The snapshot of `plan` for `day`, taken now unless it exists (then that one). The day must be
    over at `now`. Two takers at once get the same row; does not commit."""
    end = end_of(day, tz)
    if now <= end:
        raise ValueError(f"{day} is not over at {now.isoformat()}")
    for _ in range(3):  # a concurrent taker of another day may extend the chain first: link to theirs
        found = of_day(db, plan, day)
        if found is not None:
            return found
        previous = db.scalar(sa.select(MilestoneSnapshot).where(MilestoneSnapshot.plan_id == plan.id)
                             .order_by(MilestoneSnapshot.id.desc()).limit(1))
        audit_id = db.scalar(sa.select(sa.func.max(AuditEntry.id)))
        snapshot = MilestoneSnapshot(
            plan_id=plan.id, taken_for=day, taken_at=now.astimezone(UTC).replace(microsecond=0),
            values=_values(db, plan, end), content=content(db, plan, day, tz), audit_id=audit_id,
            audit_hash=_audit_hash(db, previous.audit_hash if previous else "",
                                   previous.audit_id if previous else None, audit_id),
            prev_hash=previous.hash if previous else "")
        snapshot.hash = seal(snapshot)
        try:
            with db.begin_nested():
                db.add(snapshot)
                db.flush()
        except sa.exc.IntegrityError:
            continue
        return snapshot
    raise RuntimeError(f"could not take the snapshot of plan {plan.id} for {day}")


def take_due(db: Session, plan: Plan, now: datetime, tz: tzinfo) -> list[MilestoneSnapshot]:
    """Take every snapshot due at `now`: each milestone date of the plan that is over (before today in
    `tz`) and has none yet. The ones taken, earliest first; does not commit."""
    today = now.astimezone(tz).date()
    taken = {s.taken_for for s in of_plan(db, plan)}
    return [take(db, plan, day, now, tz) for day in due_days(plan) if day < today and day not in taken]


def latest(db: Session, plan: Plan, at: datetime) -> MilestoneSnapshot | None:
    """The snapshot of the latest date on or before `at`'s date (`at` in the office's time zone)."""
    return db.scalar(sa.select(MilestoneSnapshot).where(
        MilestoneSnapshot.plan_id == plan.id, MilestoneSnapshot.taken_for <= at.date())
        .order_by(MilestoneSnapshot.taken_for.desc()).limit(1))


# -- checking --------------------------------------------------------------------------------------------
def _chain_findings(db: Session, snapshots: Iterable[MilestoneSnapshot]) -> list[Finding]:
    found: list[Finding] = []
    prev_hash, audit_hash, audit_id = "", "", None
    for snapshot in snapshots:
        if snapshot.prev_hash != prev_hash or seal(snapshot) != snapshot.hash:
            found.append(Finding(snapshot.taken_for, Problem.CHAIN, snapshot.id))
        if _audit_hash(db, audit_hash, audit_id, snapshot.audit_id) != snapshot.audit_hash:
            found.append(Finding(snapshot.taken_for, Problem.AUDIT, snapshot.id))
        prev_hash, audit_hash, audit_id = snapshot.hash, snapshot.audit_hash, snapshot.audit_id
    return found


def verify(db: Session, plan: Plan, tz: tzinfo) -> list[Finding]:
    """Everything about the plan's snapshots that no longer matches, by date: the records of a date
    changed later, a snapshot row changed (the chain broken), the audit trail changed."""
    snapshots = of_plan(db, plan)
    found = _chain_findings(db, snapshots)
    found += [Finding(s.taken_for, Problem.CONTENT, s.id) for s in snapshots
              if content(db, plan, s.taken_for, tz) != s.content]
    return sorted(found, key=lambda f: (f.day, f.problem.value))


def state(db: Session, plan: Plan, at: datetime, tz: tzinfo) -> tuple[MilestoneSnapshot | None, list[Finding]]:
    """What a report built at `at` stands on: the latest snapshot (or None) and what verify finds."""
    return latest(db, plan, at.astimezone(tz)), verify(db, plan, tz)
