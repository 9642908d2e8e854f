"""Documents made outside the request that asked for them: the evidence pack of a large office takes
minutes to lay out, longer than a browser, LINE's in-app browser or a proxy should be kept waiting.

A coordinator asks (the console's button, or the pack button of `รายงาน` in LINE); a row waits; a
web process's builder thread or the clock's `documents` job claims it (one process makes it), writes
the file into DOCUMENTS_DIR and marks it ready; the file is offered for download for a day and then
removed. A row whose maker died (the process was restarted) is taken up again after STALE, and
given up after MAX_ATTEMPTS.

Asking again while the same document, as of the same options, is still waiting or being made for
the same person gives that row back: a double tap makes one pack.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.staff import Staff

WAITING, MAKING, READY, FAILED, EXPIRED = "waiting", "making", "ready", "failed", "expired"
OPEN = (WAITING, MAKING)
CONSOLE, LINE = "console", "line"  # where it was asked for (LINE: the link is pushed when ready)
# A row "making" for longer than this lost its maker (a web worker restarted mid-build: nothing tells
# the row). A 10,000-person office's pack takes about 2 minutes (bench/README.md); one slower than
# this is taken up again, and only the latest claim (its attempt number) may end the row.
STALE = timedelta(minutes=10)
MAX_ATTEMPTS = 2


class DocumentBuild(Base):
    __tablename__ = "document_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # one of bot/documents/reports.py's KINDS
    at: Mapped[datetime]                              # the moment the document is "as of"
    thai_digits: Mapped[bool] = mapped_column(default=False)
    names: Mapped[bool] = mapped_column(default=True)  # the proposals table with its proposers' names
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(sa.String(10), default=CONSOLE)
    state: Mapped[str] = mapped_column(sa.String(10), default=WAITING, index=True)
    requested_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    stored_name: Mapped[str | None] = mapped_column(sa.String(64))  # the file in DOCUMENTS_DIR, once ready
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    error: Mapped[str] = mapped_column(sa.String(500), default="")

    @property
    def open(self) -> bool:
        return self.state in OPEN


def _changed(db: Session, statement: sa.Update) -> int:
    """Rows an UPDATE changed (the session's objects are refreshed by whoever reads them next)."""
    result = cast(sa.CursorResult[Any], db.execute(statement.execution_options(synchronize_session=False)))
    return int(result.rowcount or 0)


def ask(db: Session, plan_id: int, kind: str, at: datetime, requested_by: int | None, via: str, now: datetime,
        thai_digits: bool = False, names: bool = True) -> tuple[DocumentBuild, bool]:
    """A document to make: (the row, True) when asked now, or (the row already waiting or being made
    for this person, with these options, as of the same day in `at`'s time zone, False). Does not commit."""
    day = datetime.combine(at.date(), time(), at.tzinfo)
    same = db.scalar(sa.select(DocumentBuild).where(
        DocumentBuild.plan_id == plan_id, DocumentBuild.kind == kind, DocumentBuild.state.in_(OPEN),
        DocumentBuild.at >= day, DocumentBuild.at < day + timedelta(days=1),
        DocumentBuild.requested_by_id == requested_by if requested_by is not None
        else DocumentBuild.requested_by_id.is_(None),
        DocumentBuild.thai_digits == thai_digits, DocumentBuild.names == names).order_by(DocumentBuild.id).limit(1))
    if same is not None:
        return same, False
    row = DocumentBuild(plan_id=plan_id, kind=kind, at=at, thai_digits=thai_digits, names=names,
                        requested_by_id=requested_by, via=via, state=WAITING, requested_at=now)
    db.add(row)
    db.flush()
    return row, True


def revive(db: Session, now: datetime) -> int:
    """Rows whose maker died (making for longer than STALE): waiting again, or failed after
    MAX_ATTEMPTS. How many were changed. Does not commit."""
    stale = sa.and_(DocumentBuild.state == MAKING, DocumentBuild.started_at < now - STALE)
    again = _changed(db, sa.update(DocumentBuild).where(stale, DocumentBuild.attempts < MAX_ATTEMPTS)
                     .values(state=WAITING))
    gone = _changed(db, sa.update(DocumentBuild).where(stale).values(
        state=FAILED, finished_at=now, error="การจัดทำหยุดไปกลางคัน (เซิร์ฟเวอร์เริ่มใหม่) หลายครั้ง"))
    return again + gone


def claim(db: Session, now: datetime) -> DocumentBuild | None:
    """The oldest waiting row, now ours to make (no other process gets it), or None. Commits."""
    revive(db, now)
    row = None
    for build_id in db.scalars(sa.select(DocumentBuild.id).where(DocumentBuild.state == WAITING)
                               .order_by(DocumentBuild.id).limit(5)).all():
        won = _changed(db, sa.update(DocumentBuild).where(DocumentBuild.id == build_id, DocumentBuild.state == WAITING)
                       .values(state=MAKING, started_at=now, attempts=DocumentBuild.attempts + 1))
        if won:
            row = db.get(DocumentBuild, build_id, populate_existing=True)
            break
    db.commit()  # everything read first: on SQLite a transaction left open holds the write lock for the whole build
    return row


def _ours(build: DocumentBuild) -> sa.ColumnElement[bool]:
    """The row as this maker claimed it: still being made, by this attempt."""
    return sa.and_(DocumentBuild.id == build.id, DocumentBuild.state == MAKING,
                   DocumentBuild.attempts == build.attempts)


def finish(db: Session, build: DocumentBuild, stored_name: str, size: int, sha256: str,
           now: datetime) -> DocumentBuild | None:
    """The file is written: ready for download. None when the row is gone (its plan was removed)
    or no longer ours (taken up again after STALE). Does not commit."""
    build_id = build.id
    won = _changed(db, sa.update(DocumentBuild).where(_ours(build))
                   .values(state=READY, finished_at=now, stored_name=stored_name, size=size, sha256=sha256, error=""))
    return db.get(DocumentBuild, build_id, populate_existing=True) if won else None


def fail(db: Session, build: DocumentBuild, error: str, now: datetime) -> DocumentBuild | None:
    """Making it failed (`error` says why, in Thai); None when no longer ours. Does not commit."""
    build_id = build.id
    won = _changed(db, sa.update(DocumentBuild).where(_ours(build))
                   .values(state=FAILED, finished_at=now, error=error[:500]))
    return db.get(DocumentBuild, build_id, populate_existing=True) if won else None


def get(db: Session, build_id: int) -> DocumentBuild | None:
    return db.get(DocumentBuild, build_id)


def recent(db: Session, plan_id: int, since: datetime, limit: int = 10) -> list[tuple[DocumentBuild, Staff | None]]:
    """This plan's rows asked since `since`, and every one still open, newest first, each with who
    asked (one statement)."""
    return list(db.execute(sa.select(DocumentBuild, Staff).outerjoin(Staff, Staff.id == DocumentBuild.requested_by_id)
                           .where(DocumentBuild.plan_id == plan_id,
                                  sa.or_(DocumentBuild.requested_at >= since, DocumentBuild.state.in_(OPEN)))
                           .order_by(DocumentBuild.id.desc()).limit(limit)).tuples())


def waiting(db: Session) -> bool:
    return db.scalar(sa.select(DocumentBuild.id).where(DocumentBuild.state == WAITING).limit(1)) is not None


def expire(db: Session, before: datetime) -> list[str]:
    """Ready rows finished before `before`: marked expired; the names of their files, to remove.
    Does not commit."""
    rows = list(db.scalars(sa.select(DocumentBuild).where(DocumentBuild.state == READY,
                                                          DocumentBuild.finished_at < before)))
    names = [r.stored_name for r in rows if r.stored_name]
    for row in rows:
        row.state, row.stored_name = EXPIRED, None
    db.flush()
    return names
