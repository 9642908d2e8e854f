"""`flask --app bot report KIND --at ISO-8601 --out FILE`: the year's documents (bot/documents/reports.py).

    flask --app bot report progress --out report.pdf                 # now
    flask --app bot report signatures --at 2026-02-27 --out sheet.pdf --thai-digits
    flask --app bot report pack --at 2026-06-30T16:30 --out pack.zip
"""
from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli import options
from bot.documents import reports
from bot.services import current_bot
from models import plan as plans

group = AppGroup("report", help="The year's documents for the assessor, as of a moment.")

KIND_HELP = {
    "progress": "the progress report to the supervisor (PDF; 6-month and 12-month are the same report, later)",
    "memo": "the memo (บันทึกข้อความ) sending the report up (PDF; memo-docx: the same as Word)",
    "signatures": "the pledge's signature sheet, every staff member (PDF, 1.2)",
    "proposals": "problem → good → virtue, with counts and participation (PDF, 1.1; --no-names leaves out who)",
    "plan": "the plan in the standard columns with the staff's comments (PDF, 2.1)",
    "honours": "the honour announcement and a certificate per honouree with a QR that verifies it (PDF, 4.1)",
    "order": "a draft order appointing each activity's responsible people (Word, 2.2)",
    "xlsx": "the workbook: summary, one sheet per indicator, the raw data (Excel)",
    "pack": "the evidence pack: a folder per indicator with its documents and files, and an index with sha256 (zip)",
}


def moment_of(value: str | None) -> datetime:
    """--at as a moment; a date alone means the end of that day (a report "as of 31 March" includes
    what was done on the 31st)."""
    if value and len(value) == 10 and value[4] == "-":
        day = options.day(value, datetime.now(current_bot().settings.tz).date())
        assert day is not None
        return datetime.combine(day, time(23, 59, 59), tzinfo=current_bot().settings.tz)
    return options.moment(value)


def _write(kind: str, at_text: str | None, out: Path, thai_digits: bool, no_names: bool = False) -> None:
    at = moment_of(at_text)
    settings = current_bot().settings
    with current_bot().db.reading() as db:
        plan = plans.current(db, at) or plans.of_year(db, plans.fiscal_year_of(at.date()), plans.ACTIVE)
        if plan is None:
            year = plans.fiscal_year_of(at.date())
            raise click.ClickException(f"FY{year} has no plan in use on {at:%Y-%m-%d}; load it (`plan load FILE`)")
        office = reports.Office.of(settings, db, plan, at, thai_digits=thai_digits)
        if out.parent and not out.parent.exists():
            raise click.ClickException(f"the folder {out.parent} does not exist")
        reports.write(kind, db, plan, at, office, out, names=not no_names)
    click.echo(f"{out} ({out.stat().st_size:,} bytes): {KIND_HELP.get(kind, kind)}, as of {at.isoformat()}")


def _shortcut(kind: str) -> None:
    @group.command(kind, help=KIND_HELP.get(kind.removesuffix("-docx"), kind))
    @click.option("--at", "at_text", help="As of this moment (ISO-8601; a date alone is the end of that day).")
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--thai-digits", is_flag=True, help="Numbers and dates in Thai digits.")
    @click.option("--no-names", is_flag=True, help="proposals: leave out who proposed what.")
    def command(at_text: str | None, out: Path, thai_digits: bool, no_names: bool) -> None:
        _write(kind, at_text, out, thai_digits, no_names)


for _kind in reports.KINDS:
    _shortcut(_kind)
