"""`flask --app bot richmenu render|deploy`: the staff rich menu (its definition is bot/richmenu.py)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from bot import richmenu
from bot.line import LineError
from bot.services import current_bot

group = AppGroup("richmenu", help="The staff rich menu on LINE.")


@group.command("render")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PNG; the committed bot/static/richmenu.png when omitted.")
def render(output: Path | None) -> None:
    """Draw the rich menu image from its definition (needs Pillow and fonts-thai-tlwg)."""
    path = output or richmenu.IMAGE_PATH
    try:
        data = richmenu.render_image(path)
    except (richmenu.FontNotFound, RuntimeError, ImportError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: {richmenu.WIDTH}x{richmenu.HEIGHT}, {len(data):,} bytes")


@group.command("deploy")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A PNG or JPEG of the menu's size; the committed bot/static/richmenu.png when omitted.")
def deploy(image: Path | None) -> None:
    """Create the rich menu on LINE, upload its image, make it everyone's default, remove older ones."""
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
    line = current_bot().line
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
