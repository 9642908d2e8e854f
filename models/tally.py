"""Counters the database keeps itself (triggers, migrations 0006 and 0007): read, never written, by the code.

    staff.active              people on the roster
    pledge.acks.<version id>  acknowledgments of that pledge version by people on the roster

They make the progress line of every acknowledgment a primary-key range read instead of two counts
over the roster; tests check them against counted rows after every kind of change.

A counter is the sum of its rows (name, slot). On PostgreSQL a person's acknowledgments are counted
in slot `staff id % 16`, so people acknowledging at the same moment mostly lock different rows;
`staff.active`, and everything on SQLite (one writer at a time), is in slot 0.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base

STAFF_ACTIVE = "staff.active"


class Tally(Base):
    __tablename__ = "tallies"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True, server_default="0")
    value: Mapped[int]


def pledge_acks(version_id: int) -> str:
    return f"pledge.acks.{version_id}"


_READ = sa.text("SELECT name, sum(value) FROM tallies WHERE name IN :names GROUP BY name").bindparams(
    sa.bindparam("names", expanding=True)
)


def read(db: Session, *names: str) -> dict[str, int]:
    """The tallies by name; 0 for one never counted."""
    found = {name: value for name, value in db.execute(_READ, {"names": list(names)})}
    return {name: found.get(name, 0) for name in names}
