"""People on the office's roster, their LINE link, invite codes and registration rules."""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import tally
from models.base import Base, TimestampMixin, utcnow


class Role(str, enum.Enum):
    STAFF = "staff"
    COORDINATOR = "coordinator"
    EXECUTIVE = "executive"


ROLES = tuple(r.value for r in Role)
# No look-alikes: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V.
INVITE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"
INVITE_LENGTH = 8

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


class Staff(TimestampMixin, Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    unit: Mapped[str] = mapped_column(sa.String(200), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.STAFF.value)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    invite_code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    line_user_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    registered_at: Mapped[datetime | None]
    # The weekly digest in LINE: None follows the role (DIGEST_BY_DEFAULT), True/False is the person's
    # own choice (the LINE word สรุปรายสัปดาห์ เปิด/ปิด), kept if their role changes.
    weekly_digest: Mapped[bool | None]
    # When the person left the roster (retired in the console or by `roster import --retire-missing`;
    # set whenever `active` goes false, cleared when they come back), and when the retention job
    # erased their personal data (models/retention.py), RETENTION_DAYS after leaving.
    left_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    @property
    def is_coordinator(self) -> bool:
        return self.role in (Role.COORDINATOR.value, Role.EXECUTIVE.value)

    def __repr__(self) -> str:
        return f"Staff({self.code!r}, {self.name!r})"


@event.listens_for(Staff.active, "set", active_history=True)
def _left_or_back(person: Staff, value: bool, previous: object, _initiator: object) -> None:
    """Whoever takes a person off the roster (the console, the roster import, a script) dates it."""
    if value is False and previous is not False:
        person.left_at = utcnow()
    elif value and previous is not True:
        person.left_at = None


# Who gets the weekly digest unless they chose: coordinators work from it; executives read สรุป when
# they want and get it only once they ask (a push a week each, out of the same monthly quota).
DIGEST_BY_DEFAULT = {Role.COORDINATOR.value: True, Role.EXECUTIVE.value: False}


def gets_digest(person: Staff) -> bool:
    """Whether the weekly digest goes to this person (staff never get it)."""
    if person.role not in DIGEST_BY_DEFAULT:
        return False
    return DIGEST_BY_DEFAULT[person.role] if person.weekly_digest is None else person.weekly_digest


def digest_condition() -> sa.ColumnElement[bool]:
    """`gets_digest` in SQL."""
    on_by_default = [role for role, on in DIGEST_BY_DEFAULT.items() if on]
    return sa.and_(Staff.role.in_(list(DIGEST_BY_DEFAULT)), sa.or_(
        Staff.weekly_digest.is_(True), sa.and_(Staff.weekly_digest.is_(None), Staff.role.in_(on_by_default))))


def set_digest(person: Staff, on: bool) -> bool:
    """Switch this person's weekly digest on or off; whether that changed anything. Does not commit."""
    if person.role not in DIGEST_BY_DEFAULT:
        raise ValueError(f"{person!r} is not a coordinator or an executive")
    changed = gets_digest(person) != on
    person.weekly_digest = on
    return changed


class RegistrationFailure(Base):
    """A wrong invite code typed by a LINE account (for the 5-in-15-minutes lock)."""

    __tablename__ = "registration_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    code_tried: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime]


_BY_LINE_USER = sa.select(Staff).where(Staff.line_user_id == sa.bindparam("user"))  # built once: every event


def by_line_user(db: Session, line_user_id: str) -> Staff | None:
    return db.scalar(_BY_LINE_USER, {"user": line_user_id})


def by_code(db: Session, code: str) -> Staff | None:
    return db.scalar(sa.select(Staff).where(Staff.code == code))


def on_roster(db: Session, unregistered_only: bool = False) -> list[Staff]:
    """People on the roster by unit and code (only those without a LINE account, when asked)."""
    stmt = sa.select(Staff).where(Staff.active).order_by(Staff.unit, Staff.code)
    if unregistered_only:
        stmt = stmt.where(Staff.line_user_id.is_(None))
    return list(db.scalars(stmt))


def active_count(db: Session) -> int:
    """People on the roster: the tally the database keeps (migration 0006), not a count of rows."""
    return tally.read(db, tally.STAFF_ACTIVE)[tally.STAFF_ACTIVE]


def registration_counts(db: Session) -> tuple[int, int]:
    """(people on the roster who registered with LINE, people on the roster)."""
    registered, total = db.execute(
        sa.select(sa.func.count(Staff.line_user_id), sa.func.count(Staff.id)).where(Staff.active)).one()
    return registered, total


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalize_invite_code(text: str) -> str:
    """What a person typed, as the stored form: upper case, no spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def ensure_invite_codes(db: Session) -> int:
    """Give every person without one a fresh, unique invite code. Returns how many were made."""
    taken = set(db.scalars(sa.select(Staff.invite_code).where(Staff.invite_code.is_not(None))))
    made = 0
    for person in db.scalars(sa.select(Staff).where(Staff.invite_code.is_(None)).order_by(Staff.id)):
        code = new_invite_code()
        while code in taken:
            code = new_invite_code()
        taken.add(code)
        person.invite_code = code
        made += 1
    db.flush()
    return made


class Outcome(enum.Enum):
    REGISTERED = "registered"
    ALREADY = "already"  # this LINE account is already linked (to someone)
    UNKNOWN_CODE = "unknown_code"
    CODE_TAKEN = "code_taken"  # the code's person is linked to another LINE account
    LOCKED = "locked"


@dataclass(frozen=True)
class Registration:
    outcome: Outcome
    staff: Staff | None = None
    locked_until: datetime | None = None
    tries_left: int | None = None


def locked_until(db: Session, line_user_id: str, now: datetime) -> datetime | None:
    """When the account may try again, if 5 wrong codes within 15 minutes locked it."""
    since = now - FAILURE_WINDOW - LOCK_DURATION
    times = list(
        db.scalars(
            sa.select(RegistrationFailure.at)
            .where(RegistrationFailure.line_user_id == line_user_id, RegistrationFailure.at > since)
            .order_by(RegistrationFailure.at)
        )
    )
    for i in range(MAX_FAILURES - 1, len(times)):
        if times[i] - times[i - MAX_FAILURES + 1] <= FAILURE_WINDOW:
            until = times[i] + LOCK_DURATION
            if until > now:
                return until
    return None


def _recent_failures(db: Session, line_user_id: str, now: datetime) -> int:
    return db.scalar(
        sa.select(sa.func.count())
        .select_from(RegistrationFailure)
        .where(RegistrationFailure.line_user_id == line_user_id, RegistrationFailure.at > now - FAILURE_WINDOW)
    ) or 0


def register(db: Session, line_user_id: str, typed_code: str, now: datetime) -> Registration:
    """Link a LINE account to the person whose invite code it typed."""
    linked = by_line_user(db, line_user_id)
    if linked is not None:
        return Registration(Outcome.ALREADY, staff=linked)
    until = locked_until(db, line_user_id, now)
    if until is not None:
        return Registration(Outcome.LOCKED, locked_until=until)

    code = normalize_invite_code(typed_code)
    person = db.scalar(sa.select(Staff).where(Staff.invite_code == code, Staff.active)) if code else None
    if person is None:
        db.add(RegistrationFailure(line_user_id=line_user_id, code_tried=typed_code[:64], at=now))
        db.flush()
        until = locked_until(db, line_user_id, now)
        if until is not None:
            return Registration(Outcome.LOCKED, locked_until=until)
        return Registration(Outcome.UNKNOWN_CODE, tries_left=MAX_FAILURES - _recent_failures(db, line_user_id, now))
    if person.line_user_id is not None:
        return Registration(Outcome.CODE_TAKEN, staff=person)

    # Conditional update: two accounts racing for one code cannot both win, and one account racing
    # with two codes hits the UNIQUE line_user_id (rolled back to the savepoint, not the event).
    try:
        with db.begin_nested():
            won = cast(sa.CursorResult[Any], db.execute(
                sa.update(Staff)
                .where(Staff.id == person.id, Staff.line_user_id.is_(None))
                .values(line_user_id=line_user_id, registered_at=now)
                .execution_options(synchronize_session=False)
            )).rowcount
    except sa.exc.IntegrityError:
        return Registration(Outcome.ALREADY, staff=by_line_user(db, line_user_id))
    if won != 1:
        return Registration(Outcome.CODE_TAKEN, staff=person)
    db.refresh(person)
    return Registration(Outcome.REGISTERED, staff=person)


def unlink(db: Session, person: Staff, by: Staff | None = None) -> str:
    """Free a person's registration (new phone, new LINE account) and issue a new invite code.
    Refused (StaffError SELF) when `by`, the coordinator doing it, is that person."""
    if by is not None and by.id == person.id:
        raise StaffError(Refusal.SELF)
    code = _unused_invite_code(db)  # before changing anything: its query would flush the change half-done
    person.line_user_id = None
    person.registered_at = None
    person.invite_code = code
    db.flush()  # one flush, so the audit trail has one entry for the reset
    return code


def _unused_invite_code(db: Session) -> str:
    while True:
        code = new_invite_code()
        if db.scalar(sa.select(Staff.id).where(Staff.invite_code == code)) is None:
            return code


# -- the console's changes to one person ---------------------------------------------------------------
class Refusal(enum.Enum):
    LAST_COORDINATOR = "last_coordinator"  # nobody on the roster would be a coordinator any more
    SELF = "self"                          # a coordinator retiring or unlinking themselves
    BAD_ROLE = "bad_role"


class StaffError(ValueError):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.value)
        self.refusal = refusal


def other_coordinators(db: Session, person: Staff) -> int:
    """Coordinators on the roster other than `person`."""
    return db.scalar(sa.select(sa.func.count(Staff.id)).where(
        Staff.role == Role.COORDINATOR.value, Staff.active, Staff.id != person.id)) or 0


def _keeps_a_coordinator(db: Session, person: Staff) -> None:
    if person.active and person.role == Role.COORDINATOR.value and other_coordinators(db, person) == 0:
        raise StaffError(Refusal.LAST_COORDINATOR)


def change_role(db: Session, person: Staff, role: str) -> bool:
    """Make `person` staff, coordinator or executive; refused for the last coordinator on the roster.
    Returns whether anything changed. Does not commit."""
    if role not in ROLES:
        raise StaffError(Refusal.BAD_ROLE)
    if role == person.role:
        return False
    if role != Role.COORDINATOR.value:
        _keeps_a_coordinator(db, person)
    person.role = role
    db.flush()
    return True


def set_active(db: Session, person: Staff, active: bool, by: Staff | None = None) -> bool:
    """Put a person back on the roster or retire them (kept, not counted; the registration stays).
    Refused for `by` themselves and for the last coordinator. Returns whether anything changed."""
    if person.active == active:
        return False
    if not active:
        if by is not None and by.id == person.id:
            raise StaffError(Refusal.SELF)
        _keeps_a_coordinator(db, person)
    person.active = active
    db.flush()
    return True
