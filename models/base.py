"""Declarative base, naming convention and time helpers shared by every model."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    __table__: ClassVar[sa.Table]  # every model here maps one Table (DeclarativeBase says FromClause)
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class LengthProblem:
    """A typed text outside its allowed length: `length` characters, and the `limit` it is under
    (`short`) or over."""

    short: bool
    length: int
    limit: int


def dialect_insert(db: Session, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT support (`on_conflict_do_nothing`, `on_conflict_do_update`) on SQLite
    and PostgreSQL."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database: {dialect}")  # pragma: no cover - only the two supported


_INSERT_ONCE: dict[tuple[str, tuple[str, ...], tuple[str, ...]], sa.TextClause] = {}


def insert_ignoring_conflicts(db: Session, table: sa.Table, values: dict[str, Any],
                              index_elements: list[str]) -> bool:
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
