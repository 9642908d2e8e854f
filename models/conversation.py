"""The one open multi-step conversation of a LINE account (proposal, plan comment, nomination …),
and the one it put aside.

Kept in the database, not in memory, so it survives restarts and works across web processes. A
conversation not touched for 30 minutes is stale: the next message is treated as new.

A conversation left for another command is not dropped: it is put aside, in a second row keyed by the
account's id with ASIDE appended (a LINE user id is 33 characters; the key column holds 64), and can
be resumed for KEPT_ASIDE. Resuming while another conversation is open swaps the two.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base

STALE_AFTER = timedelta(minutes=30)
KEPT_ASIDE = timedelta(hours=24)
ASIDE = "~aside"  # appended to the account's id: the key of its put-aside conversation


class Conversation(Base):
    __tablename__ = "conversations"

    line_user_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(sa.String(40))
    step: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime]

    def stale(self, now: datetime) -> bool:
        return now - self.updated_at > STALE_AFTER


def current(db: Session, line_user_id: str) -> Conversation | None:
    """The account's conversation, stale or not (the caller decides what stale means to the user)."""
    return db.get(Conversation, line_user_id)


def begin(db: Session, line_user_id: str, flow: str, step: str, data: dict | None, now: datetime) -> Conversation:
    """Start (or move on) the account's conversation; any other open one is replaced."""
    row = db.get(Conversation, line_user_id)
    if row is None:
        row = Conversation(line_user_id=line_user_id, flow=flow, step=step, data=dict(data or {}), updated_at=now)
        db.add(row)
    else:
        row.flow, row.step, row.data, row.updated_at = flow, step, dict(data or {}), now
    db.flush()
    return row


def end(db: Session, line_user_id: str) -> None:
    db.execute(sa.delete(Conversation).where(Conversation.line_user_id == line_user_id))


def aside(db: Session, line_user_id: str, now: datetime) -> Conversation | None:
    """The conversation the account put aside, while it may still be resumed (an older one is dropped)."""
    row = db.get(Conversation, line_user_id + ASIDE)
    if row is not None and now - row.updated_at > KEPT_ASIDE:
        end(db, line_user_id + ASIDE)
        return None
    return row


def put_aside(db: Session, line_user_id: str, now: datetime) -> Conversation | None:
    """Put the open conversation aside (replacing one put aside earlier); the row put aside."""
    row = current(db, line_user_id)
    if row is None:
        return None
    kept = begin(db, line_user_id + ASIDE, row.flow, row.step, row.data, now)
    end(db, line_user_id)
    return kept


def resume(db: Session, line_user_id: str, now: datetime) -> Conversation | None:
    """Make the put-aside conversation the open one again; an open one takes its place aside. The
    resumed conversation, or None when there is none to resume."""
    kept = aside(db, line_user_id, now)
    if kept is None:
        return None
    flow, step, data = kept.flow, kept.step, dict(kept.data or {})
    open_ = current(db, line_user_id)
    if open_ is not None:
        begin(db, line_user_id + ASIDE, open_.flow, open_.step, open_.data, now)
    else:
        end(db, line_user_id + ASIDE)
    return begin(db, line_user_id, flow, step, data, now)


def drop_aside(db: Session, line_user_id: str) -> None:
    end(db, line_user_id + ASIDE)
