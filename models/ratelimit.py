"""How many events each LINE account sent in the current time window: the webhook's per-user limit.

A fixed window per account, kept in the database so that every web process (gunicorn's workers,
a second machine behind PostgreSQL) counts the same events: one row per account, moved forward to a
new window by the first event that falls in it. The counter is bumped in the event's own
transaction, so an event that is rolled back (a handler failed, the database went away) is not
counted either, and a redelivered event, found in `webhook_events` first, is never counted twice.
"""
from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base


class RateLimit(Base):
    __tablename__ = "rate_limits"

    line_user_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[int] = mapped_column(sa.BigInteger)  # epoch milliseconds the window began at
    events: Mapped[int] = mapped_column(sa.Integer)  # counted in that window, this one included


class Verdict(enum.Enum):
    GO = "go"  # within the limit: handle the event
    NOTICE = "notice"  # the first event over the limit in this window: tell the person, once
    HOLD = "hold"  # over the limit and already told: record the event, do nothing else


# One statement per event on both databases: the row is created, moved to a later window, or counted
# in its window. An event of an earlier window than the row's (out of order: a redelivery after
# newer events were handled) is not counted: it belongs to a window that is over.
# In SET, the row's columns are the values before the update (SQL standard; SQLite and PostgreSQL).
_HIT = sa.text(
    "INSERT INTO rate_limits (line_user_id, window_start, events) VALUES (:user, :start, 1) "
    "ON CONFLICT (line_user_id) DO UPDATE SET "
    "events = CASE WHEN rate_limits.window_start < excluded.window_start THEN 1 "
    "WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.events + 1 "
    "ELSE rate_limits.events END, "
    "window_start = CASE WHEN rate_limits.window_start < excluded.window_start THEN excluded.window_start "
    "ELSE rate_limits.window_start END "
    "RETURNING window_start, events"
).bindparams(sa.bindparam("user", type_=sa.String(64)), sa.bindparam("start", type_=sa.BigInteger))


def hit(db: Session, line_user_id: str, at_ms: int, limit: int, window_ms: int) -> Verdict:
    """Count one event of this account at `at_ms` (epoch milliseconds) against `limit` events per
    window of `window_ms` milliseconds (windows start at multiples of it)."""
    if window_ms <= 0:
        raise ValueError(f"a rate-limit window must be longer than 0 ms, not {window_ms}")
    start = at_ms - at_ms % window_ms
    # On the session's connection, not through Session.execute: the ORM's statement handling was a
    # fifth of this statement's cost, paid on every event (the statement maps no entity).
    window, events = db.connection().execute(_HIT, {"user": line_user_id, "start": start}).one()
    if window != start or events <= limit:
        return Verdict.GO
    return Verdict.NOTICE if events == limit + 1 else Verdict.HOLD
