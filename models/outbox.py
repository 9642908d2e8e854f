"""The outbox of the scheduled jobs: every push is claimed before it is sent, so it is sent once.

A job *claims* each message first: one row per (job, period, recipient) — UNIQUE — inserted with
ON CONFLICT DO NOTHING together with the `X-Line-Retry-Key` it will carry, and committed. Then
delivery (jobs/delivery.py) *leases* pending rows (`lease`: a conditional UPDATE, committed, so two
clock processes never send the same row at once; on PostgreSQL the candidate is picked with FOR
UPDATE SKIP LOCKED, on SQLite BEGIN IMMEDIATE serializes), sends them with the stored key and marks
them (`mark_sent`, `mark_refused`, `mark_unanswered`). A process that dies after the claim leaves a
pending row; the next run sends it with the same key, and if LINE had already accepted it, LINE
answers 409 and the row is marked sent.

Multicast rows (nudges) share one retry key per batch of up to 500: a batch is made of rows one
claim inserted, so every recipient is in exactly one batch whatever other processes do; the batch's
messages are stored once. Rows are inserted in recipient order by every process: two clocks
claiming the same period on PostgreSQL wait for each other, never deadlock.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, dialect_insert, utcnow

log = logging.getLogger(__name__)

PENDING, SENT, FAILED, EXPIRED = "pending", "sent", "failed", "expired"
MULTICAST_BATCH = 500
LEASE = timedelta(minutes=5)          # longer than one send with all its retries (about 40 s)
KEY_LIFETIME = timedelta(hours=23)    # LINE remembers a retry key for 24 h; never reuse an older one
MAX_ATTEMPTS = 8                      # runs that tried a row and got no answer before it is given up


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("job", "period", "recipient"),
        sa.Index("ix_outbox_job_status", "job", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    period: Mapped[str] = mapped_column(sa.String(40))       # "2026-W08" (weekly) or "2026-02-16" (daily)
    recipient: Mapped[str] = mapped_column(sa.String(64))    # a LINE user id
    staff_id: Mapped[int | None] = mapped_column(index=True)
    multicast: Mapped[bool] = mapped_column(default=False)
    retry_key: Mapped[str] = mapped_column(sa.String(36), index=True)  # shared by the rows of one multicast
    # The LINE messages (JSON). A multicast group stores them once, on one of its rows.
    messages: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON(none_as_null=True))
    topics: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # what it is about (reminder stages …)
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    first_attempt_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]  # sent, failed or expired
    http_status: Mapped[int | None]
    error: Mapped[str] = mapped_column(sa.String(500), default="")


# -- claiming ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """A message for one recipient, before it is claimed."""

    recipient: str
    messages: list[dict]
    staff_id: int | None = None
    topics: tuple[str, ...] = ()


def _row(job: str, period: str, draft: Draft, key: str, multicast: bool, now: datetime,
         expires_at: datetime, messages: bool = True) -> dict:
    return {"job": job, "period": period, "recipient": draft.recipient, "staff_id": draft.staff_id,
            "multicast": multicast, "retry_key": key, "messages": draft.messages if messages else None,
            "topics": list(draft.topics),
            "status": PENDING, "attempts": 0, "expires_at": expires_at, "created_at": now, "error": ""}


def _insert_ignoring(db: Session, rows: list[dict]) -> int:
    """Insert the rows that are not claimed yet; how many this call inserted."""
    if not rows:
        return 0
    table = OutboxMessage.__table__
    stmt = dialect_insert(db, table).on_conflict_do_nothing(index_elements=["job", "period", "recipient"])
    db.execute(stmt, rows)  # a plain DBAPI executemany (psycopg pipelines it): fast for 10,000 rows
    # Rows are ours when they carry our (fresh, random) retry keys; RETURNING would work too, but
    # SQLAlchemy then builds one statement with thousands of parameters, which is slower.
    keys = list({r["retry_key"] for r in rows})
    mine = 0
    for i in range(0, len(keys), 500):
        mine += db.scalar(sa.select(sa.func.count()).select_from(table)
                          .where(table.c.retry_key.in_(keys[i:i + 500]))) or 0
    return mine


def claim(db: Session, job: str, period: str, drafts: Iterable[Draft], now: datetime,
          expires_at: datetime) -> int:
    """One pending push per draft, each with its own retry key; drafts claimed before (by this
    or another process) are left alone. How many were claimed now. Does not commit."""
    rows = [_row(job, period, d, str(uuid.uuid4()), False, now, expires_at)
            for d in sorted(drafts, key=lambda d: d.recipient)]  # one order everywhere: no deadlocks
    return _insert_ignoring(db, rows)


def claim_multicast(db: Session, job: str, period: str, drafts: Iterable[Draft], now: datetime,
                    expires_at: datetime) -> int:
    """Like `claim`, for messages that go out by multicast: drafts with the same messages are cut
    into batches of up to 500 rows that share a retry key; a batch stores its messages once.
    How many were claimed now. Does not commit."""
    variants: dict[str, list[Draft]] = {}
    for draft in drafts:
        variants.setdefault(json.dumps(draft.messages, sort_keys=True), []).append(draft)
    rows, firsts = [], {}
    for _, same in sorted(variants.items()):
        same.sort(key=lambda d: d.recipient)
        for start in range(0, len(same), MULTICAST_BATCH):
            key = str(uuid.uuid4())
            firsts[key] = same[start].messages
            rows += [_row(job, period, d, key, True, now, expires_at, messages=i == 0)
                     for i, d in enumerate(same[start:start + MULTICAST_BATCH])]
    rows.sort(key=lambda r: r["recipient"])  # one order everywhere: no deadlocks between two clocks
    claimed = _insert_ignoring(db, rows)
    # A batch whose first row was claimed before (by another run) has its messages on no row: add them.
    table = OutboxMessage.__table__
    keys = list(firsts)
    for i in range(0, len(keys), 500):
        carried = set(db.scalars(sa.select(table.c.retry_key).where(table.c.retry_key.in_(keys[i:i + 500]),
                                                                     table.c.messages.is_not(None))))
        for key in keys[i:i + 500]:
            if key not in carried:
                head = sa.select(sa.func.min(table.c.id)).where(table.c.retry_key == key).scalar_subquery()
                db.execute(sa.update(table).where(table.c.id == head).values(messages=firsts[key]))
    return claimed


def claimed_recipients(db: Session, job: str, period: str) -> set[str]:
    return set(db.scalars(sa.select(OutboxMessage.recipient)
                          .where(OutboxMessage.job == job, OutboxMessage.period == period)))


def topics_of(db: Session, jobs: Sequence[str], recipients: Sequence[str],
              since: datetime) -> dict[str, set[str]]:
    """Per recipient, the topics of these jobs' messages since `since` that were sent, are still
    pending, or failed for good (an expired message was never sent: its topics are free again)."""
    found: dict[str, set[str]] = {r: set() for r in recipients}
    if not recipients:
        return found
    rows = db.execute(sa.select(OutboxMessage.recipient, OutboxMessage.topics).where(
        OutboxMessage.job.in_(list(jobs)), OutboxMessage.recipient.in_(list(recipients)),
        OutboxMessage.created_at >= since, OutboxMessage.status != EXPIRED))
    for recipient, topics in rows:
        found[recipient].update(topics or [])
    return found


def pending_jobs(db: Session, now: datetime) -> list[str]:
    """The jobs that have messages claimed and not yet sent (nor expired)."""
    return list(db.scalars(sa.select(OutboxMessage.job).where(
        OutboxMessage.status == PENDING, OutboxMessage.expires_at > now).distinct().order_by(OutboxMessage.job)))


def pending_count(db: Session, job: str, now: datetime) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.job == job, OutboxMessage.status == PENDING, OutboxMessage.expires_at > now)) or 0


def period_counts(db: Session, jobs: Sequence[str], periods: Sequence[str]) -> dict[tuple[str, str], dict[str, int]]:
    """Messages of these jobs in these periods by status (sent, pending, failed, expired), counted in
    SQL: (job, period) → status → count."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    if not jobs or not periods:
        return found
    rows = db.execute(sa.select(OutboxMessage.job, OutboxMessage.period, OutboxMessage.status, sa.func.count())
                      .where(OutboxMessage.job.in_(list(jobs)), OutboxMessage.period.in_(list(set(periods))))
                      .group_by(OutboxMessage.job, OutboxMessage.period, OutboxMessage.status))
    for job, period, status, count in rows:
        found.setdefault((job, period), {})[status] = count
    return found


def pending_total(db: Session, now: datetime) -> int:
    """Messages of every job claimed and not yet sent (nor expired)."""
    return db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == PENDING, OutboxMessage.expires_at > now)) or 0


# -- leases: what delivery (jobs/delivery.py) does to the rows --------------------------------------
@dataclass(frozen=True)
class Lease:
    """A group of pending rows that share a retry key, held by one sender until LEASE runs out."""

    retry_key: str
    multicast: bool
    recipients: list[str]
    messages: list[dict[str, Any]]


OVER_BUDGET = Lease("", False, [], [])  # the next group has more recipients than the budget allows


def expire(db: Session, now: datetime, job: str | None) -> int:
    """Give up pending rows (of one job, or all) past their period, or whose retry key is older than
    LINE's memory of it; how many. Commits."""
    table = OutboxMessage.__table__
    scope = [table.c.status == PENDING] + ([table.c.job == job] if job else [])
    late = db.execute(sa.update(table).where(*scope, table.c.expires_at <= now)
                      .values(status=EXPIRED, finished_at=now, lease_until=None)
                      .returning(table.c.id)).all()
    # A retry key older than LINE's memory could deliver twice: give such a row up instead.
    stale = db.execute(sa.update(table).where(*scope, table.c.first_attempt_at <= now - KEY_LIFETIME,
                                              sa.or_(table.c.lease_until.is_(None), table.c.lease_until <= now))
                       .values(status=FAILED, finished_at=now, lease_until=None,
                               error="no answer from LINE within the retry key's lifetime; delivery unknown")
                       .returning(table.c.id)).all()
    db.commit()
    if late or stale:
        log.warning("outbox: %d message(s) expired unsent, %d given up after 23 h without an answer",
                    len(late), len(stale))
    return len(late) + len(stale)


def lease(db: Session, now: datetime, job: str | None, skip: set[str], limit: int | None) -> Lease | None:
    """Lease the oldest pending retry-key group nobody else holds: None when there is none left,
    OVER_BUDGET when it has more recipients than `limit`. Commits."""
    table = OutboxMessage.__table__
    free = [table.c.status == PENDING, table.c.expires_at > now,
            sa.or_(table.c.lease_until.is_(None), table.c.lease_until <= now)]
    if job:
        free.append(table.c.job == job)
    postgres = db.get_bind().dialect.name == "postgresql"
    while True:
        # Candidates: the first row of each free group, oldest first (no lock taken yet).
        heads = sa.select(sa.func.min(table.c.id).label("head")).where(*free).group_by(table.c.retry_key)
        if skip:
            heads = heads.where(table.c.retry_key.not_in(skip))
        candidates = list(db.scalars(heads.order_by(sa.func.min(table.c.id)).limit(20)))
        key = None
        for head in candidates:
            # Lock only a group's first row to pick it: two clocks can never each hold a row of the same
            # multicast group and wait for the other's (a deadlock). On PostgreSQL a head another clock
            # holds is skipped (SKIP LOCKED); SQLite's BEGIN IMMEDIATE already serializes.
            pick = sa.select(table.c.retry_key).where(table.c.id == head, *free)
            if postgres:
                pick = pick.with_for_update(skip_locked=True)
            key = db.scalar(pick)
            if key is not None:
                break
        if key is None:
            db.commit()
            if len(candidates) < 20:
                return None
            skip.update(db.scalars(sa.select(table.c.retry_key).where(table.c.id.in_(candidates))))
            continue
        if limit is not None:
            size = db.scalar(sa.select(sa.func.count()).select_from(table)
                             .where(table.c.retry_key == key, *free)) or 0
            if size > limit:
                db.commit()
                return OVER_BUDGET
        # The condition is re-checked under the row locks: of two processes, one gets the rows.
        rows = db.execute(
            sa.update(table).where(table.c.retry_key == key, *free)
            .values(lease_until=now + LEASE, attempts=table.c.attempts + 1,
                    first_attempt_at=sa.func.coalesce(table.c.first_attempt_at, now))
            .returning(table.c.recipient, table.c.multicast)
        ).all()
        messages = db.scalar(sa.select(table.c.messages).where(table.c.retry_key == key,
                                                               table.c.messages.is_not(None)).limit(1))
        db.commit()
        if rows:  # every row of a group carries the same messages
            return Lease(key, rows[0].multicast, sorted(r.recipient for r in rows), messages or [])
        skip.add(key)


def _finish(db: Session, key: str, now: datetime, **values: Any) -> None:
    table = OutboxMessage.__table__
    db.execute(sa.update(table).where(table.c.retry_key == key, table.c.status == PENDING)
               .values(lease_until=None, **values))
    db.commit()


def mark_sent(db: Session, key: str, now: datetime) -> None:
    """LINE accepted the group (or had accepted it: 409). Commits."""
    _finish(db, key, now, status=SENT, finished_at=now, http_status=200, error="")


def mark_refused(db: Session, key: str, now: datetime, http_status: int | None, error: str) -> None:
    """LINE refused the group for good (blocked the bot, bad request …): never sent again. Commits."""
    _finish(db, key, now, status=FAILED, finished_at=now, http_status=http_status, error=error[:500])


def mark_unanswered(db: Session, key: str, now: datetime, http_status: int | None, error: str) -> None:
    """No answer, or one to try again (5xx, timeout, 429, 401/403): the group stays pending for the
    next run with the same key, unless it has been tried MAX_ATTEMPTS times. Commits."""
    _finish(db, key, now, http_status=http_status, error=error[:500])
    table = OutboxMessage.__table__
    db.execute(sa.update(table).where(table.c.retry_key == key, table.c.status == PENDING,
                                      table.c.attempts >= MAX_ATTEMPTS)
               .values(status=FAILED, finished_at=now))
    db.commit()


def sent_since(db: Session, since: datetime) -> int:
    """Messages of every job sent since `since`: one per recipient (a multicast row is one)."""
    return db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == SENT, OutboxMessage.finished_at >= since)) or 0


def failures_since(db: Session, jobs: Sequence[str], since: datetime) -> list[OutboxMessage]:
    """Messages of these jobs given up since `since` (blocked the bot, …), oldest first."""
    return list(db.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.job.in_(list(jobs)), OutboxMessage.status == FAILED,
        OutboxMessage.finished_at >= since).order_by(OutboxMessage.finished_at)))
