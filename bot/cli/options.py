"""What the command groups share: the moment an option names, dates, the running bot."""
from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import click
from sqlalchemy.orm import Session

from bot import thai
from bot.services import current_bot
from models import audit

AT_HELP = "The moment of this action (ISO-8601); now when omitted."


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits on success; what it changes goes to the audit trail as done with the
    CLI by the server's user."""
    with current_bot().db.session() as db:
        audit.act_as(db, audit.Actor(None, f"คำสั่งบนเซิร์ฟเวอร์ ({_user()})", "cli"))
        yield db


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "?"


def moment(value: str | None, option: str = "--at") -> datetime:
    """An ISO-8601 option as an aware datetime (a time without a zone is the office's time); now, in
    the office's zone, when empty."""
    tz = current_bot().settings.tz
    if not value:
        return datetime.now(tz)
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO-8601 date or time, e.g. 2026-02-16T08:30+07:00",
                                 param_hint=option) from None
    return found if found.tzinfo else found.replace(tzinfo=tz)


def day(value: str | None, today: date) -> date | None:
    """A date option as people write it (2026-03-31, 31/3/2569, 31 มี.ค. 2569); None when empty."""
    if not value:
        return None
    found = thai.parse_day(value, today)
    if found is None:
        raise click.ClickException(f"cannot read the date '{value}'; write it as 2026-03-31 (or 31/3/2569)")
    return found


def codes(value: str) -> list[str]:
    """Roster codes, comma-separated: "P01, P02" → ["P01", "P02"]."""
    return [c.strip() for c in value.split(",") if c.strip()]
