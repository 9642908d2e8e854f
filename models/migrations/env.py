"""Alembic environment. Nothing here imports the bot: the caller hands in the connection.

- `flask --app bot db upgrade` (the Procfile's release) and the tests go through `bot.db.upgrade`,
  which passes a connection of the bot's own engine (`config.attributes["connection"]`), so the
  migrations run with the settings the bot runs with.
- Alembic's own CLI (`alembic -c pyproject.toml upgrade head`, `--sql` for the statements only)
  takes the URL from DATABASE_URL (`postgres://` and `postgresql://` use psycopg 3).
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from models.all import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    section = config.config_ini_section  # set by bot.db.alembic_config; Alembic's CLI has no .ini here
    given = (config.get_main_option("sqlalchemy.url") if config.file_config.has_option(section, "sqlalchemy.url")
             else os.environ.get("DATABASE_URL", "").strip())
    if not given:
        raise SystemExit("no database: set DATABASE_URL (e.g. sqlite:///instance/khunnatham.sqlite), "
                         "or run `flask --app bot db upgrade`")
    url = sa.engine.make_url(given)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    handed = config.attributes.get("connection")
    if handed is not None:
        run_migrations(handed)
        return
    engine = sa.create_engine(database_url())
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
