"""Counters the database keeps itself (migration 0006's triggers): read, never written, by the code.

    staff.active              people on the roster
    pledge.acks.<version id>  acknowledgments of that pledge version by people on the roster

They make the progress line of every acknowledgment one primary-key read instead of two counts over
the roster; tests check them against counted rows after every kind of change.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base

STAFF_ACTIVE = "staff.active"


class Tally(Base):
    __tablename__ = "tallies"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int]


def pledge_acks(version_id: int) -> str:
    return f"pledge.acks.{version_id}"


_READ = sa.text("SELECT name, value FROM tallies WHERE name IN :names").bindparams(
    sa.bindparam("names", expanding=True)
)


def read(db: Session, *names: str) -> dict[str, int]:
    """The tallies by name; 0 for one never counted."""
    found = {name: value for name, value in db.execute(_READ, {"names": list(names)})}
    return {name: found.get(name, 0) for name in names}
