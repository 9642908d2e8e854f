"""Fixtures for the scheduled jobs: a LINE client that does not sleep between retries, a clock in
Asia/Bangkok, helpers to run a job at a fixed moment and to register people in bulk."""
from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.line import LineClient
from jobs import JOBS
from models import pledge as pledges
from models.outbox import OutboxMessage
from models.staff import Staff
from tests.conftest import add_people

BKK = ZoneInfo("Asia/Bangkok")


def at(year: int, month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BKK)


def user_of(code: str) -> str:
    """The LINE user id the `register` fixture gives a person."""
    return "U" + hashlib.md5(code.encode()).hexdigest()


@pytest.fixture
def client(settings, line_api):
    line = LineClient(settings, sleep=lambda s: None)
    yield line
    line.close()


@pytest.fixture
def run_job(bot, client):
    """run_job("weekly-digest", at(2026, 2, 16, 8, 30)) → messages delivered by that run."""

    def _run(name: str, now: datetime, line: LineClient | None = None) -> int:
        with bot.db.sessions() as db:
            return JOBS[name].run(now, db, line or client)

    return _run


def link(bot, codes: list[str]) -> dict[str, str]:
    """Register people without going through the webhook (bulk): code → LINE user id."""
    ids = {code: user_of(code) for code in codes}
    with bot.db.session() as db:
        for code, user in ids.items():
            db.execute(sa.update(Staff).where(Staff.code == code).values(line_user_id=user,
                                                                          registered_at=at(2026, 1, 5)))
    return ids


@pytest.fixture
def staffed(office):
    """The small office with everybody registered (coordinator C01, executive E01, staff S01–S04)."""
    link(office, ["C01", "E01", "S01", "S02", "S03", "S04"])
    return office


def add_staff(bot, count: int, units: int = 4, prefix: str = "N") -> list[str]:
    rows = [(f"{prefix}{i:05d}", f"บุคลากร {prefix}{i:05d}", "นักพัฒนาชุมชน", f"อำเภอ {i % units + 1}", "staff")
            for i in range(count)]
    add_people(bot, rows)
    return [r[0] for r in rows]


def acknowledge(bot, codes: list[str], when: datetime) -> None:
    with bot.db.session() as db:
        (version,) = pledges.current_versions(db)
        for code in codes:
            person = db.scalar(sa.select(Staff).where(Staff.code == code))
            pledges.acknowledge(db, person, version, at=when)


def outbox_rows(bot, job: str | None = None) -> list[OutboxMessage]:
    with bot.db.sessions() as db:
        stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if job:
            stmt = stmt.where(OutboxMessage.job == job)
        return list(db.scalars(stmt))


def billed(line_api, path: str | None = None) -> list:
    """Push and multicast requests LINE accepted."""
    from bot.fakeline import MULTICAST, PUSH

    paths = (path,) if path else (PUSH, MULTICAST)
    return [r for p in paths for r in line_api.calls(p) if r.status == 200]
