"""`flask --app bot db upgrade`: the schema and what every office starts with (the Procfile's release);
`db backup FILE` and `db restore FILE` (bot/backup.py)."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from bot import backup as backups
from bot import db as database
from bot import sandbox
from bot.services import Bot, current_bot
from models import defaults

group = AppGroup("db", help="Database schema and defaults, backups and restoring one.")


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


@group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup(file: Path) -> None:
    """Back up the whole database into FILE, while the bot runs (SQLite: its online backup; PostgreSQL:
    pg_dump's custom format). FILE is replaced when it exists."""
    settings = current_bot().settings
    try:
        made = backups.backup(settings.database_url, file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {_shown(settings.database_url)} to {made.path} "
               f"({made.size:,} bytes, {made.kind}, migration {made.revision})")


@group.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database's content.")
def restore(file: Path, yes: bool) -> None:
    """Replace everything in the database with the backup in FILE (made by `db backup`). Stop the web
    and scheduler processes first: what they write meanwhile is lost."""
    bot = current_bot()
    url = bot.settings.database_url
    try:
        found = backups.inspect(file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm(f"Replace every record in {_shown(url)} with the {found.kind} backup {file} "
                      f"(migration {found.revision})? What is in the database now is lost", abort=True)
    bot.db.dispose()  # no pooled connection of this process holds the old database
    try:
        backups.restore(url, file)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {_shown(url)} from {file} (migration {found.revision})")
    latest = backups.head()
    if found.revision != latest:
        click.echo(f"the backup is at migration {found.revision}; run `flask --app bot db upgrade` to bring it "
                   f"to {latest}")


def _shown(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)
