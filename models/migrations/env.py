"""Alembic environment: the URL comes from the caller (bot.db.upgrade) or from Settings."""
from __future__ import annotations

from alembic import context

from bot.config import Settings
from bot.db import make_engine
from models.all import Base

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    section = config.config_ini_section
    if config.file_config.has_option(section, "sqlalchemy.url"):
        return config.get_main_option("sqlalchemy.url")
    return Settings.from_env().database_url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
