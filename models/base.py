"""Declarative base, naming convention and time helpers shared by every model."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


_INSERT_ONCE: dict[tuple, sa.TextClause] = {}


def insert_ignoring_conflicts(db, table: sa.Table, values: dict, index_elements: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING on SQLite and PostgreSQL; True when a row was inserted.

    Written as text once per shape: SQLAlchemy's dialect `insert()` is not cacheable and would be
    compiled again on every call, and this runs on every webhook event. RETURNING, not rowcount:
    psycopg 3 reports -1 for rowcount here.
    """
    key = (table.name, tuple(values), tuple(index_elements))
    stmt = _INSERT_ONCE.get(key)
    if stmt is None:
        columns = ", ".join(values)
        params = ", ".join(f":{name}" for name in values)
        returning = ", ".join(c.name for c in table.primary_key.columns)
        stmt = sa.text(
            f"INSERT INTO {table.name} ({columns}) VALUES ({params}) "
            f"ON CONFLICT ({', '.join(index_elements)}) DO NOTHING RETURNING {returning}"
        ).bindparams(*(sa.bindparam(name, type_=table.c[name].type) for name in values))
        _INSERT_ONCE[key] = stmt
    return db.execute(stmt, values).first() is not None
