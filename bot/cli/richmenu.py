"""`flask --app bot richmenu render|deploy|sync`: the rich menus (their definitions are bot/richmenu.py)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from bot import richmenu
from bot.cli import options
from bot.line import LineClient, LineError
from bot.services import current_bot
from jobs import menus as menu_job
from models import menus

group = AppGroup("richmenu", help="The rich menus on LINE: staff (the default) and coordinators'.")
KINDS = click.Choice(sorted(richmenu.MENUS))


@group.command("render")
@click.option("--menu", "kind", type=KINDS, default=None, help="Only this menu (both when omitted).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PNG (with --menu); the committed bot/static/richmenu*.png when omitted.")
def render(kind: str | None, output: Path | None) -> None:
    """Draw the menus' images from their definitions (needs Pillow and fonts-thai-tlwg)."""
    if output is not None and kind is None:
        raise click.ClickException("--output needs --menu (one image per file)")
    for menu in [richmenu.MENUS[kind]] if kind else richmenu.MENUS.values():
        path = output or menu.image_path
        try:
            data = richmenu.render_image(path, menu)
        except (richmenu.FontNotFound, RuntimeError, ImportError) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{menu.kind}: {path}: {richmenu.WIDTH}x{richmenu.HEIGHT}, {len(data):,} bytes")


def checked_image(menu: richmenu.Menu, path: Path) -> bytes:
    if not path.is_file():
        raise click.ClickException(f"{path} is missing; run `flask --app bot richmenu render` first")
    data = path.read_bytes()
    found = richmenu.image_size(data)
    if found is None:
        raise click.ClickException(f"{path} is not a PNG or JPEG")
    if found[1:] != (richmenu.WIDTH, richmenu.HEIGHT):
        raise click.ClickException(f"{path} is {found[1]}x{found[2]}; the rich menu is {richmenu.WIDTH}x"
                                   f"{richmenu.HEIGHT}; run `flask --app bot richmenu render`")
    if len(data) > richmenu.MAX_IMAGE_BYTES:
        raise click.ClickException(f"{path} is {len(data):,} bytes; LINE takes at most 1 MB")
    return data


def create(line: LineClient, menu: richmenu.Menu, data: bytes) -> str:
    """Create a menu with its image on LINE; its id. Leaves no half-made menu behind."""
    new_id = None
    try:
        new_id = line.create_rich_menu(menu.definition())
        line.upload_rich_menu_image(new_id, data)
        if menu.kind == menus.STAFF:
            line.set_default_rich_menu(new_id)
    except LineError as exc:
        if new_id is not None:
            try:
                line.delete_rich_menu(new_id)
            except LineError:
                pass
        raise click.ClickException(f"{menu.kind} rich menu not deployed: {exc}") from None
    return new_id


@group.command("deploy")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A PNG or JPEG of the staff menu's size; the committed bot/static/richmenu.png when omitted.")
@click.option("--coordinator-image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The same for the coordinators' menu (bot/static/richmenu-coordinator.png when omitted).")
def deploy(image: Path | None, coordinator_image: Path | None) -> None:
    """Create both menus on LINE with their images: the staff menu becomes everyone's default, the
    coordinators' menu is linked to each coordinator and executive; older menus are removed."""
    images = {menus.STAFF: checked_image(richmenu.STAFF, image or richmenu.STAFF.image_path),
              menus.COORDINATOR: checked_image(richmenu.COORDINATOR,
                                               coordinator_image or richmenu.COORDINATOR.image_path)}
    bot = current_bot()
    line = bot.line
    now = datetime.now(bot.settings.tz)
    new_ids = {}
    for kind, menu in richmenu.MENUS.items():
        new_ids[kind] = create(line, menu, images[kind])
        with options.session() as db:
            menus.set_deployed(db, kind, new_ids[kind], now)
        click.echo(f"{kind} rich menu {new_ids[kind]}" + (" is the default" if kind == menus.STAFF else ""))
    with bot.db.session() as db:
        report = menu_job.sync(db, line, now)
    click.echo(f"coordinators' menu linked to {report.linked} account(s)"
               + (f"; {report.failed} failed (the rich-menus job retries every 5 minutes)" if report.failed else ""))
    names = {menu.name: new_ids[kind] for kind, menu in richmenu.MENUS.items()}
    removed = []
    try:
        for found in line.list_rich_menus():
            if found.get("name") in names and found["richMenuId"] != names[found["name"]]:
                line.delete_rich_menu(found["richMenuId"])
                removed.append(found["richMenuId"])
    except LineError as exc:
        raise click.ClickException(f"the menus are deployed, but older menus were not all removed: {exc}") from None
    if removed:
        click.echo(f"removed {len(removed)} older: {', '.join(removed)}")


@group.command("sync")
def sync() -> None:
    """Link the coordinators' menu to every coordinator and executive now, and give everyone else the
    staff menu back (the rich-menus job does the same every 5 minutes)."""
    bot = current_bot()
    with bot.db.session() as db:
        report = menu_job.sync(db, bot.line, datetime.now(bot.settings.tz))
    if not report.deployed:
        raise click.ClickException("the coordinators' menu is not on LINE yet; run `flask --app bot richmenu deploy`")
    click.echo(f"linked {report.linked}, unlinked {report.unlinked}, failed {report.failed}")
    if report.failed:
        raise click.ClickException(f"{report.failed} account(s) could not be changed; see the log")
