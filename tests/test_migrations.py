"""The migrations make exactly the tables the models declare (on SQLite and on PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.all import Base


def test_the_migrated_schema_is_the_models(bot):
    with bot.db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
