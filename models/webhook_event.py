"""Every webhook event received, by LINE's webhookEventId: the idempotency key of the webhook."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, insert_ignoring_conflicts, utcnow


class WebhookEvent(Base):
    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    line_user_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    mode: Mapped[str] = mapped_column(sa.String(16), default="active")
    redelivery: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


def record(
    db: Session,
    webhook_event_id: str,
    type: str,
    line_user_id: str | None,
    mode: str,
    redelivery: bool,
    occurred_at: datetime,
) -> bool:
    """Store the event; False when it was stored before (a redelivery or a replay)."""
    return insert_ignoring_conflicts(
        db,
        WebhookEvent.__table__,
        {
            "webhook_event_id": webhook_event_id,
            "type": type[:40],
            "line_user_id": line_user_id,
            "mode": mode[:16],
            "redelivery": redelivery,
            "occurred_at": occurred_at,
            "received_at": utcnow(),
        },
        ["webhook_event_id"],
    )


def count(db: Session) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)) or 0
