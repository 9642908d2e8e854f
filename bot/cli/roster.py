"""`flask --app bot roster …`: the staff roster and invite codes."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from bot import links
from bot.cli import options
from bot.services import current_bot
from models import personal, roster
from models import staff as people

group = AppGroup("roster", help="The staff roster and invite codes.")


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--retire-missing", is_flag=True,
              help="Mark people who are not in the file as no longer on the roster (kept, not deleted).")
def import_(file: Path, retire_missing: bool) -> None:
    """Add or update people from a CSV or .xlsx file: code,name,position,unit,role."""
    try:
        rows = roster.parse(file)
    except roster.RosterError as exc:
        click.echo(f"{file}: nothing imported; fix these rows and import again:", err=True)
        for line, reason in exc.problems:
            click.echo(f"  line {line}: {reason}", err=True)
        sys.exit(1)
    with options.session() as db:
        report = roster.apply(db, rows, retire_missing=retire_missing)
    click.echo(f"{file}: {len(rows)} people read; {report.added} added, {report.updated} updated, "
               f"{report.reactivated} back on the roster, {report.unchanged} unchanged")
    if report.missing:
        verb = "marked as no longer on the roster" if retire_missing else \
            "are not in this file (still counted; use --retire-missing to retire them)"
        click.echo(f"{len(report.missing)} people {verb}: {', '.join(report.missing[:20])}"
                   + (" …" if len(report.missing) > 20 else ""))


@group.command("invites")
@click.option("--unregistered", is_flag=True, help="Only people who have not registered yet.")
def invites(unregistered: bool) -> None:
    """Print CSV code,name,unit,invite_code,link for every person on the roster."""
    settings = current_bot().settings
    with options.session() as db:
        people.ensure_invite_codes(db)
        persons = people.on_roster(db, unregistered_only=unregistered)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "unit", "invite_code", "link"])
    for p in persons:
        out.writerow([p.code, p.name, p.unit, p.invite_code, links.invite(settings.bot_basic_id, p.invite_code or "")])


@group.command("reset")
@click.argument("code")
def reset(code: str) -> None:
    """Unlink a person's LINE account (new phone) and issue a new invite code. Acknowledgments stay."""
    settings = current_bot().settings
    with options.session() as db:
        person = people.by_code(db, code)
        if person is None:
            raise click.ClickException(f"no person with code '{code}' on the roster")
        new_code = people.unlink(db, person)
    click.echo(f"{code}: registration cleared; new invite code {new_code}\n"
               f"{links.invite(settings.bot_basic_id, new_code)}")


@group.command("export-person")
@click.argument("code")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the JSON to this file instead of printing it.")
def export_person(code: str, out: Path | None) -> None:
    """Everything kept about one person, as JSON (UTF-8): the right of access under the PDPA."""
    with current_bot().db.reading() as db:
        person = people.by_code(db, code)
        if person is None:
            raise click.ClickException(f"no person with code '{code}' (a person whose data was erased has none)")
        found = personal.export(db, person)
    text = json.dumps(found, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    records = sum(len(v) for part in (found, found["line_account"]) for v in part.values() if isinstance(v, list))
    click.echo(f"{code}: everything kept about them written to {out} ({records:,} records besides the roster's)")
