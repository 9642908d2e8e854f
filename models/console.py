"""Signing in to the coordinator's console without a password.

A coordinator or executive sends `เว็บ` in LINE and gets a one-time link (`issue_link`): valid for
LINK_LIFETIME, bound to that person, used once (`redeem_link`). Opening it starts a session
(`start_session`): a random token in an HttpOnly cookie, of which only the SHA-256 is stored, that
ends after IDLE without a request and after MAX_AGE in any case, or when the person signs out here
or everywhere. A person who is no longer on the roster, or no longer a coordinator or executive,
has no session any more, whatever the cookie says.
"""
from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.staff import Staff

LINK_LIFETIME = timedelta(minutes=10)
LINKS_PER_WINDOW = 5           # links one person may ask for …
LINK_WINDOW = timedelta(minutes=10)  # … within this long
IDLE = timedelta(hours=8)
MAX_AGE = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=1)  # how stale last_seen_at may get before a request writes it


class ConsoleLink(Base):
    __tablename__ = "console_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the absolute end: created_at + MAX_AGE
    ended_at: Mapped[datetime | None]
    via: Mapped[str] = mapped_column(sa.String(16), default="link")  # link / line-login
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_use_console(person: Staff | None) -> bool:
    return person is not None and person.active and person.is_coordinator


# -- links -----------------------------------------------------------------------------------------
def links_asked(db: Session, person: Staff, now: datetime) -> int:
    """Links this person asked for within the last LINK_WINDOW."""
    return db.scalar(sa.select(sa.func.count()).select_from(ConsoleLink).where(
        ConsoleLink.staff_id == person.id, ConsoleLink.created_at > now - LINK_WINDOW)) or 0


def issue_link(db: Session, person: Staff, now: datetime) -> str | None:
    """A new one-time sign-in token for this person; None when they asked for LINKS_PER_WINDOW already
    (or may not use the console). Does not commit."""
    if not may_use_console(person) or links_asked(db, person, now) >= LINKS_PER_WINDOW:
        return None
    token = secrets.token_urlsafe(32)
    db.add(ConsoleLink(token_hash=digest(token), staff_id=person.id, created_at=now, expires_at=now + LINK_LIFETIME))
    db.flush()
    return token


class LinkOutcome(enum.Enum):
    SIGNED_IN = "signed_in"
    UNKNOWN = "unknown"        # no such link: mistyped, forged, or from another installation
    USED = "used"              # opened before
    EXPIRED = "expired"        # older than LINK_LIFETIME
    NOT_ALLOWED = "not_allowed"  # the person is no longer a coordinator or executive on the roster


@dataclass(frozen=True)
class Redeemed:
    outcome: LinkOutcome
    person: Staff | None = None


def redeem_link(db: Session, token: str, now: datetime) -> Redeemed:
    """Use a sign-in link once: of two requests with the same link, one gets the person. Does not
    commit."""
    hashed = digest(token)
    link = db.scalar(sa.select(ConsoleLink).where(ConsoleLink.token_hash == hashed))
    if link is None:
        return Redeemed(LinkOutcome.UNKNOWN)
    if link.used_at is not None:
        return Redeemed(LinkOutcome.USED)
    if link.expires_at <= now:
        return Redeemed(LinkOutcome.EXPIRED)
    won = cast(sa.CursorResult[Any], db.execute(
        sa.update(ConsoleLink).where(ConsoleLink.id == link.id, ConsoleLink.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))).rowcount
    if won != 1:
        return Redeemed(LinkOutcome.USED)
    person = db.get(Staff, link.staff_id)
    if not may_use_console(person):
        return Redeemed(LinkOutcome.NOT_ALLOWED)
    return Redeemed(LinkOutcome.SIGNED_IN, person)


# -- sessions --------------------------------------------------------------------------------------
def start_session(db: Session, person: Staff, now: datetime, via: str = "link", user_agent: str = "") -> str:
    """A new session for this person; its token (for the cookie). Does not commit."""
    token = secrets.token_urlsafe(32)
    db.add(ConsoleSession(token_hash=digest(token), staff_id=person.id, created_at=now, last_seen_at=now,
                          expires_at=now + MAX_AGE, via=via, user_agent=user_agent[:200]))
    db.flush()
    return token


@dataclass(frozen=True)
class Signed:
    session: ConsoleSession
    person: Staff


def signed_in(db: Session, token: str, now: datetime) -> Signed | None:
    """The live session of this cookie and its person, or None (ended, idle for IDLE, past MAX_AGE,
    or the person may no longer use the console). Notes the request when last_seen_at is older than
    TOUCH_EVERY. Does not commit."""
    if not token:
        return None
    found = db.execute(sa.select(ConsoleSession, Staff).join(Staff, Staff.id == ConsoleSession.staff_id)
                       .where(ConsoleSession.token_hash == digest(token))).first()
    if found is None:
        return None
    session, person = found._tuple()
    if session.ended_at is not None or session.expires_at <= now or session.last_seen_at + IDLE <= now:
        return None
    if not may_use_console(person):
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
        db.flush()
    return Signed(session, person)


def end_session(db: Session, token: str, now: datetime) -> None:
    """Sign out this browser. Does not commit."""
    db.execute(sa.update(ConsoleSession).where(ConsoleSession.token_hash == digest(token),
                                               ConsoleSession.ended_at.is_(None)).values(ended_at=now))


def end_all_sessions(db: Session, person: Staff, now: datetime) -> int:
    """Sign this person out everywhere; how many sessions ended. Does not commit."""
    result = cast(sa.CursorResult[Any], db.execute(
        sa.update(ConsoleSession).where(ConsoleSession.staff_id == person.id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=now)))
    return result.rowcount
