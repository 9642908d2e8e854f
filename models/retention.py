"""PDPA retention: the personal data of someone who left the roster, erased once the office's
retention period after they left is over (RETENTION_DAYS; jobs/retention.py runs it daily).

What goes: their name (replaced by ERASED_NAME), roster code, position, invite code and LINE id; the
LINE id wherever else it is kept (webhook events keep their row for the idempotency key, with no
account; conversations, failed registrations, menu links and any other row keyed by the account
are deleted); what they wrote (proposals, comments on the plan, the reasons of nominations they
made and of nominations of them: ERASED_TEXT); their check-ins' map positions and a walk-in's note;
their console sign-in links and sessions; the photos they sent during an activity that the office
did not keep as evidence (the rows here, the files by the caller); the pushes addressed to them,
and their name inside any other push the outbox kept.

What stays, so that every report of the past still adds up and the milestone snapshots still
verify: the row itself (its id, unit, role, when they registered and left) and every foreign key to
it: acknowledgments, proposals and comments (virtue, dates), check-ins (when, which activity),
nominations and honours, responsibilities, evidence the office recorded (its title and files are
the office's record). The audit trail is not touched: nobody can change it (migration 0008's
triggers), and the snapshots chain to it; it keeps who changed what in the office's records, and
`personal.export` shows a person what it holds about them.

Idempotent: a person erased has `erased_at` and is not erased again. Nothing here commits.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import conversation
from models.activity import CheckIn
from models.console import ConsoleLink, ConsoleSession
from models.evidence import Evidence
from models.files import CHECKIN_PHOTO, StoredFile
from models.nomination import Nomination
from models.outbox import EXPIRED, PENDING, OutboxMessage
from models.proposal import PlanComment, Proposal
from models.staff import Staff

ERASED_NAME = "ผู้ที่ออกจากสำนักงาน (ลบข้อมูลแล้ว)"
ERASED_TEXT = "(ลบข้อมูลแล้ว)"
ERASED_CODE = "erased-{id}"  # the roster code (unique) of an erased person
ACCOUNT_COLUMN = "line_user_id"
KEPT_TABLES = ("staff", "audit_log")  # rows keyed by a LINE id that are not deleted (staff is cleared above)
OUTBOX_ERROR = "the recipient's personal data was erased"


@dataclass
class Erased:
    """What one run erased: people, and rows changed or deleted per kind."""

    people: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)  # stored names of files to delete from disk

    def add(self, other: Erased) -> None:
        self.people += other.people
        self.rows.update(other.rows)
        self.files += other.files


def due(db: Session, now: datetime, days: int) -> list[Staff]:
    """People off the roster for at least `days` days whose data is not erased yet, oldest first."""
    cutoff = now - timedelta(days=days)
    return list(db.scalars(sa.select(Staff).where(
        Staff.active.is_(False), Staff.erased_at.is_(None), Staff.left_at.is_not(None), Staff.left_at <= cutoff)
        .order_by(Staff.left_at, Staff.id)))


def erase_due(db: Session, now: datetime, days: int) -> Erased:
    """Erase everyone `due`; what was erased. Does not commit."""
    total = Erased()
    for person in due(db, now, days):
        total.add(erase(db, person, now))
    return total


def erase(db: Session, person: Staff, now: datetime) -> Erased:
    """Erase one person's personal data (see the module's docstring). Does not commit."""
    if person.erased_at is not None:
        return Erased()
    if person.active:
        raise ValueError(f"{person!r} is on the roster; only people who left are erased")
    done = Erased(people=1)
    rows = done.rows
    line_id, name = person.line_user_id, person.name
    # The roster's row first: the flush also frees the LINE id before the rows keyed by it go.
    person.name, person.code, person.position = ERASED_NAME, ERASED_CODE.format(id=person.id), ""
    person.invite_code, person.line_user_id, person.weekly_digest = None, None, None
    person.erased_at = now
    db.flush()
    rows["staff"] += 1

    def update(model: Any, where: Any, **values: Any) -> None:
        result = db.execute(sa.update(model).where(where).values(**values).execution_options(synchronize_session=False))
        rows[model.__tablename__] += result.rowcount or 0  # type: ignore[attr-defined]

    def delete(model: Any, where: Any) -> None:
        result = db.execute(sa.delete(model).where(where).execution_options(synchronize_session=False))
        rows[model.__tablename__] += result.rowcount or 0  # type: ignore[attr-defined]

    update(Proposal, Proposal.staff_id == person.id, problem=ERASED_TEXT, good=ERASED_TEXT)
    update(PlanComment, PlanComment.staff_id == person.id, text=ERASED_TEXT)
    update(Nomination, sa.or_(Nomination.nominator_id == person.id, Nomination.nominee_id == person.id),
           reason=ERASED_TEXT)
    update(CheckIn, CheckIn.staff_id == person.id, latitude=None, longitude=None, note="")
    delete(ConsoleLink, ConsoleLink.staff_id == person.id)
    delete(ConsoleSession, ConsoleSession.staff_id == person.id)
    done.files += _photos(db, person, rows)
    _outbox(db, person, line_id, name, rows)
    if line_id:
        _account(db, line_id, rows)
    return done


def _photos(db: Session, person: Staff, rows: Counter[str]) -> list[str]:
    """Delete the photos `person` sent during activities that no evidence item keeps; their stored names."""
    kept = sa.select(Evidence.id).where(Evidence.file_id == StoredFile.id).exists()
    photos = list(db.scalars(sa.select(StoredFile).where(
        StoredFile.uploaded_by_id == person.id, StoredFile.purpose == CHECKIN_PHOTO, ~kept)))
    for photo in photos:
        db.delete(photo)
    db.flush()
    rows["files"] += len(photos)
    return [p.stored_name for p in photos]


def _outbox(db: Session, person: Staff, line_id: str | None, name: str, rows: Counter[str]) -> None:
    """Pushes to `person`: no recipient, their own messages gone, a pending one given up. Their name
    in any other push kept in the outbox (a digest that listed them): replaced."""
    mine = OutboxMessage.staff_id == person.id
    if line_id:
        mine = sa.or_(mine, OutboxMessage.recipient == line_id)
    for message in db.scalars(sa.select(OutboxMessage).where(mine)):
        message.recipient = ERASED_CODE.format(id=person.id) + f":{message.id}"
        message.staff_id = person.id
        if not message.multicast:  # a multicast's messages, on one row of its batch, are the same for all
            message.messages = None
        if message.status == PENDING:
            message.status, message.error, message.lease_until = EXPIRED, OUTBOX_ERROR, None
        rows["outbox"] += 1
    db.flush()
    if not name:
        return
    forms = {name, json.dumps(name)[1:-1]}  # as typed, and as JSON escapes Thai (ensure_ascii)
    text = sa.cast(OutboxMessage.messages, sa.Text)
    for message in db.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.messages.is_not(None), sa.or_(*(text.contains(form, autoescape=True) for form in forms)))):
        message.messages = _replaced(message.messages, name)
        rows["outbox"] += 1
    db.flush()


def _replaced(value: Any, name: str) -> Any:
    if isinstance(value, str):
        return value.replace(name, ERASED_NAME)
    if isinstance(value, list):
        return [_replaced(v, name) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, name) for k, v in value.items()}
    return value


def _account(db: Session, line_id: str, rows: Counter[str]) -> None:
    """Every other row keyed by the LINE account: deleted, or the account taken out where the row must
    stay (a nullable column: webhook events keep their id, so a redelivery is still recognised). Read
    from the database itself, so a table added later is covered too."""
    keys = [line_id, line_id + conversation.ASIDE]
    connection = db.connection()
    inspector = sa.inspect(connection)
    for table_name in inspector.get_table_names():
        if table_name in KEPT_TABLES:
            continue
        columns = {c["name"]: c for c in inspector.get_columns(table_name)}
        if ACCOUNT_COLUMN not in columns:
            continue
        table = sa.table(table_name, sa.column(ACCOUNT_COLUMN))
        where = table.c[ACCOUNT_COLUMN].in_(keys)
        if columns[ACCOUNT_COLUMN].get("nullable", False):
            result = connection.execute(sa.update(table).where(where).values({ACCOUNT_COLUMN: None}))
        else:
            result = connection.execute(sa.delete(table).where(where))
        rows[table_name] += result.rowcount or 0


def summary(erased: Erased) -> dict[str, int]:
    """Rows per kind, biggest first (for the job's record and the log)."""
    return dict(sorted(((k, v) for k, v in erased.rows.items() if v), key=lambda kv: (-kv[1], kv[0])))
