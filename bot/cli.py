"""`flask --app bot …` commands for the office's IT person and coordinator."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from bot import db as database
from models import defaults
from models import pledge as pledges
from models import roster
from models import staff as people
from models.staff import Staff

db_cli = AppGroup("db", help="Database schema and defaults.")
roster_cli = AppGroup("roster", help="The staff roster and invite codes.")
pledge_cli = AppGroup("pledge", help="Pledge documents (indicator 1.2).")
richmenu_cli = AppGroup("richmenu", help="The staff rich menu on LINE.")


def _bot():
    return current_app.extensions["khunnatham"]


def init_app(app: Flask) -> None:
    from bot.cli_plan import activity_cli, plan_cli

    for group in (plan_cli, activity_cli):
        app.cli.add_command(group)
    for group in (db_cli, roster_cli, pledge_cli, richmenu_cli):
        app.cli.add_command(group)


def setup_database(bot) -> list[str]:
    """Migrations to head, then the defaults every office starts with (FY2569 pledge and plan)."""
    database.upgrade(bot.settings.database_url)
    with bot.db.session() as db:
        created = defaults.ensure(db)
    if bot.settings.sandbox:
        from bot.sandbox import ensure_demo

        ensure_demo(bot)
    return created


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations; add the default FY2569 pledge and plan where there is none yet."""
    created = setup_database(_bot())
    click.echo("database is up to date" + (f"; added {' and '.join(created)}" if created else ""))


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--retire-missing", is_flag=True,
              help="Mark people who are not in the file as no longer on the roster (kept, not deleted).")
def roster_import(file: Path, retire_missing: bool) -> None:
    """Add or update people from a CSV or .xlsx file: code,name,position,unit,role."""
    try:
        rows = roster.parse(file)
    except roster.RosterError as exc:
        click.echo(f"{file}: nothing imported; fix these rows and import again:", err=True)
        for line, reason in exc.problems:
            click.echo(f"  line {line}: {reason}", err=True)
        sys.exit(1)
    with _bot().db.session() as db:
        report = roster.apply(db, rows, retire_missing=retire_missing)
    click.echo(f"{file}: {len(rows)} people read; {report.added} added, {report.updated} updated, "
               f"{report.reactivated} back on the roster, {report.unchanged} unchanged")
    if report.missing:
        verb = "marked as no longer on the roster" if retire_missing else \
            "are not in this file (still counted; use --retire-missing to retire them)"
        click.echo(f"{len(report.missing)} people {verb}: {', '.join(report.missing[:20])}"
                   + (" …" if len(report.missing) > 20 else ""))


def invite_link(basic_id: str, code: str) -> str:
    return f"https://line.me/R/oaMessage/{basic_id}/?ลงทะเบียน%20{code}"


@roster_cli.command("invites")
@click.option("--unregistered", is_flag=True, help="Only people who have not registered yet.")
def roster_invites(unregistered: bool) -> None:
    """Print CSV code,name,unit,invite_code,link for every person on the roster."""
    bot = _bot()
    with bot.db.session() as db:
        people.ensure_invite_codes(db)
        stmt = sa.select(Staff).where(Staff.active).order_by(Staff.unit, Staff.code)
        if unregistered:
            stmt = stmt.where(Staff.line_user_id.is_(None))
        persons = list(db.scalars(stmt))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "unit", "invite_code", "link"])
    for p in persons:
        out.writerow([p.code, p.name, p.unit, p.invite_code, invite_link(bot.settings.bot_basic_id, p.invite_code)])


@roster_cli.command("reset")
@click.argument("code")
def roster_reset(code: str) -> None:
    """Unlink a person's LINE account (new phone) and issue a new invite code. Acknowledgments stay."""
    bot = _bot()
    with bot.db.session() as db:
        person = people.by_code(db, code)
        if person is None:
            raise click.ClickException(f"no person with code '{code}' on the roster")
        new_code = people.unlink(db, person)
    click.echo(f"{code}: registration cleared; new invite code {new_code}\n"
               f"{invite_link(bot.settings.bot_basic_id, new_code)}")


@pledge_cli.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="The document's title; the file's first line when omitted. "
                              "An existing title gets a new version that everyone acknowledges again.")
def pledge_publish(file: Path, title: str | None) -> None:
    """Publish a pledge document (UTF-8 text) or a new version of one."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text; save it as UTF-8 and try again") from None
    body = text.strip()
    if not title:
        title, body = pledges.split_title(text)
    with _bot().db.session() as db:
        try:
            version = pledges.publish(db, title, body)
        except pledges.PledgeError as exc:
            raise click.ClickException(f"{file}: {exc}") from None
        click.echo(f"published '{version.title}' version {version.version}"
                   + ("; everyone is asked to acknowledge it again" if version.version > 1 else ""))


@pledge_cli.command("list")
def pledge_list() -> None:
    """Every document, its current version and how many have acknowledged it."""
    with _bot().db.session() as db:
        current = {v.document_id: v for v in pledges.current_versions(db)}
        for document in db.scalars(sa.select(pledges.PledgeDocument).order_by(pledges.PledgeDocument.id)):
            version = current.get(document.id)
            if version is None:
                click.echo(f"[retired] {document.title}")
                continue
            done = pledges.progress(db, version)
            click.echo(f"{document.title} (version {version.version}): {done.done}/{done.total} "
                       f"({done.percent}%)")


@pledge_cli.command("retire")
@click.argument("title")
def pledge_retire(title: str) -> None:
    """Stop asking for acknowledgment of a document (its history is kept)."""
    with _bot().db.session() as db:
        try:
            pledges.retire(db, title)
        except pledges.PledgeError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"retired '{title}'")


@pledge_cli.command("pending")
def pledge_pending() -> None:
    """CSV of everyone who has not acknowledged the current version of each document."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["document", "version", "code", "name", "unit", "registered"])
    with _bot().db.session() as db:
        for version in pledges.current_versions(db):
            for p in pledges.pending(db, version):
                out.writerow([version.title, version.version, p.code, p.name, p.unit,
                              "yes" if p.line_user_id else "no"])


@richmenu_cli.command("render")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PNG; the committed bot/static/richmenu.png when omitted.")
def richmenu_render(output: Path | None) -> None:
    """Draw the rich menu image from its definition (needs Pillow and fonts-thai-tlwg)."""
    from bot import richmenu

    path = output or richmenu.IMAGE_PATH
    try:
        data = richmenu.render_image(path)
    except (richmenu.FontNotFound, RuntimeError, ImportError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: {richmenu.WIDTH}x{richmenu.HEIGHT}, {len(data):,} bytes")


@richmenu_cli.command("deploy")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A PNG or JPEG of the menu's size; the committed bot/static/richmenu.png when omitted.")
def richmenu_deploy(image: Path | None) -> None:
    """Create the rich menu on LINE, upload its image, make it everyone's default, remove older ones."""
    from bot import richmenu
    from bot.line import LineError

    path = image or richmenu.IMAGE_PATH
    if not path.is_file():
        raise click.ClickException(f"{path} is missing; run `flask --app bot richmenu render` first")
    data = path.read_bytes()
    found = richmenu.image_size(data)
    definition = richmenu.definition()
    size = (definition["size"]["width"], definition["size"]["height"])
    if found is None:
        raise click.ClickException(f"{path} is not a PNG or JPEG")
    if found[1:] != size:
        raise click.ClickException(f"{path} is {found[1]}x{found[2]}; the rich menu is {size[0]}x{size[1]}; "
                                   f"run `flask --app bot richmenu render`")
    if len(data) > richmenu.MAX_IMAGE_BYTES:
        raise click.ClickException(f"{path} is {len(data):,} bytes; LINE takes at most 1 MB")
    line = _bot().line
    new_id = None
    try:
        new_id = line.create_rich_menu(definition)
        line.upload_rich_menu_image(new_id, data)
        line.set_default_rich_menu(new_id)
    except LineError as exc:
        if new_id is not None:  # do not leave a half-made menu behind
            try:
                line.delete_rich_menu(new_id)
            except LineError:
                pass
        raise click.ClickException(f"rich menu not deployed: {exc}") from None
    removed = []
    try:
        for menu in line.list_rich_menus():
            if menu.get("name") == definition["name"] and menu["richMenuId"] != new_id:
                line.delete_rich_menu(menu["richMenuId"])
                removed.append(menu["richMenuId"])
    except LineError as exc:
        raise click.ClickException(f"rich menu {new_id} is deployed and the default, but older menus "
                                   f"were not all removed: {exc}") from None
    click.echo(f"rich menu {new_id} is the default"
               + (f"; removed {len(removed)} older: {', '.join(removed)}" if removed else ""))
