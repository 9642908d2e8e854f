"""What every page of the console uses: who is signed in, the request's database sessions, the
coordinator-only guard, pagination, and the Thai formatting the templates call.

Every request of the console has a signed-in coordinator or executive (bot/console/__init__.py
checks before any page runs). Pages read through `reading()` (no write lock on SQLite) and change
things inside `writing()`, whose flushes go to the audit trail as the signed-in person's.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from flask import abort, g, request
from sqlalchemy.orm import Session

from bot import thai
from bot.services import Bot, current_bot
from jobs import menus as menu_job
from models import audit
from models.staff import Role, Staff

F = TypeVar("F", bound=Callable[..., Any])
PER_PAGE = 50


def bot() -> Bot:
    return current_bot()


def person() -> Staff:
    """The signed-in coordinator or executive of this request."""
    found: Staff | None = g.get("console_person")
    if found is None:  # the console's before_request lets no request through without one
        abort(403)
    return found


def is_coordinator() -> bool:
    """The signed-in person may change things (executives read)."""
    return person().role == Role.COORDINATOR.value


def coordinator_only(view: F) -> F:
    """A page or action for coordinators; an executive gets 403 (they read, they do not change)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not is_coordinator():
            abort(403)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def reading() -> Session:
    """This request's read-only session (opened on first use, closed after the response)."""
    db: Session | None = g.get("console_read")
    if db is None:
        context = bot().db.reading()
        db = context.__enter__()
        g.console_read, g.console_read_context = db, context
    return db


@contextmanager
def writing() -> Iterator[Session]:
    """A session that commits on success; every change it flushes is in the audit trail as the
    signed-in person's, from the console."""
    with bot().db.session() as db:
        audit.act_as(db, audit.person(person(), "console"))
        yield db


def sync_menus() -> None:
    """After a change of role or of who is on the roster: coordinators' and executives' own rich menu
    follows at once (the rich-menus job would within 5 minutes). One query when nothing differs; a
    failure at LINE is left for the job."""
    with bot().db.session() as db:
        menu_job.sync(db, bot().line, now())


def close_sessions(_exc: BaseException | None = None) -> None:
    context = g.pop("console_read_context", None)
    g.pop("console_read", None)
    if context is not None:
        context.__exit__(None, None, None)


def now() -> datetime:
    return datetime.now(bot().settings.tz)


# -- pagination ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pages:
    page: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.per_page, self.total)


def page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def pages(total: int, per_page: int = PER_PAGE) -> Pages:
    number = page_number()
    count = max(1, math.ceil(total / per_page))
    return Pages(min(number, count), per_page, total)


# -- template helpers ------------------------------------------------------------------------------
def thai_date(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.astimezone(bot().settings.tz)
    return thai.thai_date(value)


def thai_datetime(value: datetime | None) -> str:
    if value is None:
        return "-"
    return thai.thai_datetime(value.astimezone(bot().settings.tz))


def local_input(value: datetime | None) -> str:
    """A datetime as an <input type="datetime-local"> value, in the office's time zone."""
    return value.astimezone(bot().settings.tz).strftime("%Y-%m-%dT%H:%M") if value else ""


TEMPLATE_FILTERS: dict[str, Callable[..., Any]] = {
    "thai_date": thai_date,
    "thai_datetime": thai_datetime,
    "percent": thai.percent,
    "local_input": local_input,
    "file_size": thai.file_size,
}


# -- spreadsheets ------------------------------------------------------------------------------------
# Text typed by others (a nomination's reason, a walk-in's note, a name) goes into downloads that a
# coordinator opens in Excel; a value starting with one of these would run as a formula there.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(row: Iterable[Any]) -> list[Any]:
    """A CSV row whose text cannot start a formula in a spreadsheet (a leading apostrophe, as OWASP
    recommends)."""
    return ["'" + v if isinstance(v, str) and len(v) > 1 and v.startswith(FORMULA_START) else v for v in row]


def no_formulas(cells: Iterable[Any]) -> None:
    """openpyxl stores a string starting with "=" as a formula: keep the ones we were given as text."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"
