"""The one open multi-step conversation of a LINE account (proposal, plan comment, nomination …).

Kept in the database, not in memory, so it survives restarts and works across web processes. A
conversation not touched for 30 minutes is stale: the next message is treated as new.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base

STALE_AFTER = timedelta(minutes=30)


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
