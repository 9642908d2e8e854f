"""`flask --app bot db upgrade`: the schema and what every office starts with (the Procfile's release)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from bot import db as database
from bot import sandbox
from bot.services import Bot, current_bot
from models import defaults

group = AppGroup("db", help="Database schema and defaults.")


def setup_database(bot: Bot) -> list[str]:
    """Migrations to head, then the defaults every office starts with (FY2569 pledge and plan)."""
    database.upgrade(bot.settings.database_url)
    with bot.db.session() as db:  # what every office starts with: nobody's change
        created = defaults.ensure(db)
    if bot.settings.sandbox:
        sandbox.ensure_demo(bot)
    return created


@group.command("upgrade")
def upgrade() -> None:
    """Apply migrations; add the default FY2569 pledge and plan where there is none yet."""
    created = setup_database(current_bot())
    click.echo("database is up to date" + (f"; added {' and '.join(created)}" if created else ""))
