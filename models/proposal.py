"""Proposals — "a problem we want to solve / a good we want to do" (1.1) — and plan comments (2.1)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, LengthProblem
from models.staff import Staff

VIRTUES = ("พอเพียง", "วินัย", "สุจริต", "จิตอาสา", "กตัญญู")
MIN_TEXT = 3
MAX_TEXT = 500


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    problem: Mapped[str] = mapped_column(sa.Text)
    good: Mapped[str] = mapped_column(sa.Text)
    virtue: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]
    webhook_event_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)


class PlanComment(Base):
    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


def text_problem(text: str) -> LengthProblem | None:
    """Why a typed answer (a problem, a good, a plan comment) cannot be stored; None when it is fine."""
    length = len(text.strip())
    if length < MIN_TEXT:
        return LengthProblem(short=True, length=length, limit=MIN_TEXT)
    if length > MAX_TEXT:
        return LengthProblem(short=False, length=length, limit=MAX_TEXT)
    return None


def virtue_of(text: str) -> str | None:
    cleaned = text.strip().replace(" ", "")
    return next((v for v in VIRTUES if cleaned == v or cleaned.endswith(v)), None)


def add(db: Session, staff: Staff, plan_id: int | None, problem: str, good: str, virtue: str,
        at: datetime, event_id: str | None) -> Proposal:
    if virtue not in VIRTUES:
        raise ValueError(f"unknown virtue {virtue!r}")
    proposal = Proposal(plan_id=plan_id, staff_id=staff.id, problem=problem.strip(), good=good.strip(),
                        virtue=virtue, created_at=at, webhook_event_id=event_id)
    db.add(proposal)
    db.flush()
    return proposal


def of_staff(db: Session, staff: Staff) -> list[Proposal]:
    return list(db.scalars(sa.select(Proposal).where(Proposal.staff_id == staff.id, Proposal.withdrawn_at.is_(None))
                           .order_by(Proposal.created_at)))


def withdraw(db: Session, staff: Staff, proposal_id: int, at: datetime) -> Proposal | None:
    """Withdraw one's own proposal; None when it is not theirs or already withdrawn."""
    proposal = db.get(Proposal, proposal_id)
    if proposal is None or proposal.staff_id != staff.id or proposal.withdrawn_at is not None:
        return None
    proposal.withdrawn_at = at
    db.flush()
    return proposal


def add_comment(db: Session, staff: Staff, plan_id: int | None, text: str, at: datetime) -> PlanComment:
    comment = PlanComment(plan_id=plan_id, staff_id=staff.id, text=text.strip(), created_at=at)
    db.add(comment)
    db.flush()
    return comment
