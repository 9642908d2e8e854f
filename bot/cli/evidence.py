"""`flask --app bot evidence …`: evidence for the current plan's indicators (models/evidence.py).

Files are checked and stored as the console stores uploads (type sniffed from the content, at most
10 MB, a random name under UPLOADS_DIR), with their size and sha256.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from bot import uploads
from bot.cli import options
from bot.services import current_bot
from models import activity as activities
from models import evidence as proofs
from models import files as stored
from models import plan as plans
from models.evidence import EvidenceError, Reason
from models.files import StoredFile

group = AppGroup("evidence", help="Evidence for the plan's indicators (files, links, notes, and the records of "
                                  "2.2, 4.2, 4.3, 4.4 and 4.5).")

DATE_HELP = "The date the evidence bears (2026-03-31 or 31/3/2569); today when omitted."
MESSAGES = {
    Reason.NO_INDICATOR: "the plan has no indicator {code}; its indicators: {codes}",
    Reason.WRONG_INDICATOR: "this record belongs to indicator {expected}, not {code}",
    Reason.NO_ACTIVITY: "activity {activity_id} is not one of this plan's",
    Reason.EMPTY: "{field} is empty",
    Reason.TOO_LONG: "{field} is longer than {limit} characters",
    Reason.BAD_URL: "'{url}' is not a web link (https://…)",
    Reason.NEED_CONTENT: "give a file (--file) or a link (--link)",
    Reason.FUTURE: "{dated} is after today ({today})",
    Reason.OUTSIDE_YEAR: "{dated} is outside {first} – {last}",
    Reason.AWARD_TOO_OLD: "{dated} is older than indicator 4.2 accepts (from {oldest}: at most a year before the "
                          "fiscal year began)",
    Reason.UNKNOWN_CHANNEL: "no channel '{channel}'; use one of {channels}",
    Reason.UNKNOWN_AWARD_KIND: "no kind '{kind}'; use one of {kinds}",
    Reason.ACK_BEFORE_SENT: "acknowledged ({acknowledged_on}) before it was presented ({sent_on}); give --sent-on",
    Reason.NOT_FOUND: "no evidence item {id} (or it was removed already)",
}


def say(exc: EvidenceError) -> click.ClickException:
    details = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in exc.details.items()}
    return click.ClickException(MESSAGES[exc.reason].format(**details))


def _now() -> datetime:
    return datetime.now(current_bot().settings.tz)


def _plan(db: Session, now: datetime) -> plans.Plan:
    plan = plans.current(db, now)
    if plan is None:
        year = plans.fiscal_year_of(now.date())
        raise click.ClickException(f"FY{year} has no plan in use; load it (`plan load FILE`) or start it "
                                   f"(`plan next-year`, then `plan activate {year}`)")
    return plan


def _recorded(now: datetime) -> proofs.Recorded:
    return proofs.Recorded("cli", None, now)


def _file(db: Session, path: Path | None, now: datetime, activity_id: int | None = None) -> StoredFile | None:
    if path is None:
        return None
    data = path.read_bytes()
    try:
        saved = uploads.save(current_bot().settings.uploads_dir, data)
    except uploads.UploadError as exc:
        raise click.ClickException({
            "empty": f"{path} is empty",
            "too_big": f"{path} is {len(data):,} bytes; at most {uploads.MAX_BYTES:,}",
        }.get(exc.reason, f"{path}: only photos, PDF and Office files are taken ({exc})")) from None
    return stored.add(db, saved.stored_name, path.name, saved.content_type, saved.size, saved.sha256, None, now,
                      activity_id=activity_id)


def _day(value: str | None, now: datetime) -> date:
    found = options.day(value, now.date())
    return found if found is not None else now.date()


FILE_OPTION = click.option("--file", "file_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           help="A photo, PDF or Office file.")
LINK_OPTION = click.option("--link", default="", help="A web link (https://…).")
DATE_OPTION = click.option("--date", "dated", help=DATE_HELP)


def _done(item: proofs.Evidence, file: StoredFile | None) -> None:
    stored_text = f"; file {file.original_name} ({file.size:,} bytes, sha256 {file.sha256})" if file else ""
    click.echo(f"recorded evidence {item.id} for indicator {item.indicator_code}: {item.title} "
               f"({item.dated}){stored_text}")


@dataclass(frozen=True)
class Recording:
    """What a recording command's record is made with."""

    db: Session
    plan: plans.Plan
    now: datetime
    recorded: proofs.Recorded
    file: StoredFile | None  # the --file, stored like an upload
    activity_id: int | None  # the --activity

    def day(self, value: str | None) -> date:
        return _day(value, self.now)


def _record(file_path: Path | None, make: Callable[[Recording], proofs.Evidence], activity_code: str | None = None,
            then: Callable[[Recording], None] | None = None) -> None:
    """What every recording command does: the plan in use, the file stored like an upload, the record
    made (a refusal said in words, nothing stored), what was recorded printed, then `then`."""
    now = _now()
    with options.session() as db:
        plan = _plan(db, now)
        activity_id = None
        if activity_code:
            found = activities.by_code(db, activity_code) or activities.by_key(db, activity_code)
            if found is None:
                raise click.ClickException(f"no activity with code or key '{activity_code}'")
            activity_id = found.id
        try:
            file = _file(db, file_path, now, activity_id)
            recording = Recording(db, plan, now, _recorded(now), file, activity_id)
            item = make(recording)
        except EvidenceError as exc:
            db.rollback()
            raise say(exc) from None
        _done(item, file)
        if then is not None:
            then(recording)


@group.command("add")
@click.option("--indicator", required=True, help="The indicator's code, e.g. 3.1.")
@FILE_OPTION
@LINK_OPTION
@click.option("--note", default="", help="A note (the evidence itself when there is no file or link).")
@click.option("--title", default="", help="What it is; the file name when omitted.")
@click.option("--activity", "activity_code", help="The activity it belongs to (check-in code or plan key).")
@DATE_OPTION
def add(indicator, file_path, link, note, title, activity_code, dated) -> None:
    """Record a file, a link or a note as evidence of an indicator (optionally of one activity)."""
    def make(r: Recording) -> proofs.Evidence:
        kind = proofs.FILE if r.file else proofs.LINK if link.strip() else proofs.NOTE
        shown = title or (file_path.name if file_path else "") or link or note[:80]
        return proofs.add(r.db, r.plan, indicator, kind, shown, r.day(dated), r.recorded, url=link, note=note,
                          file=r.file, activity_id=r.activity_id)

    _record(file_path, make, activity_code)


@group.command("order")
@click.option("--number", required=True, help="The order's number, e.g. 12/2569.")
@click.option("--signer", required=True, help="Who signed it (name and position).")
@FILE_OPTION
@LINK_OPTION
@DATE_OPTION
def order(number, signer, file_path, link, dated) -> None:
    """Indicator 2.2: the order appointing the working group or the people responsible."""
    _record(file_path, lambda r: proofs.add_order(r.db, r.plan, number, r.day(dated), signer, r.recorded, file=r.file,
                                                  url=link)[0])


@group.command("award")
@click.option("--issuer", required=True, help="The body outside the office that gave it.")
@click.option("--kind", "award_kind", type=click.Choice(list(proofs.AWARD_KINDS)), required=True)
@click.option("--title", default="")
@FILE_OPTION
@LINK_OPTION
@DATE_OPTION
def award(issuer, award_kind, title, file_path, link, dated) -> None:
    """Indicator 4.2: an award, certificate, plaque or thanks from outside (its scan or a news link)."""
    _record(file_path, lambda r: proofs.add_award(r.db, r.plan, issuer, award_kind, r.day(dated), r.recorded,
                                                  title=title, file=r.file, url=link)[0])


@group.command("channel")
@click.option("--channel", type=click.Choice(list(proofs.CHANNELS)), required=True)
@click.option("--title", default="")
@FILE_OPTION
@LINK_OPTION
@DATE_OPTION
def channel(channel, title, file_path, link, dated) -> None:
    """Indicator 4.3: one item published on one channel (its link and/or a screenshot)."""
    def used(r: Recording) -> None:
        found = proofs.channels(r.db, r.plan, r.now)
        click.echo(f"indicator 4.3: {len(found)} distinct channel(s): {', '.join(found)}")

    _record(file_path, lambda r: proofs.add_publicity(r.db, r.plan, channel, r.day(dated), r.recorded, url=link,
                                                      file=r.file, title=title)[0], then=used)


@group.command("lessons")
@click.option("--done", "done_", required=True, help="What was done.")
@click.option("--results", required=True, help="Results against the targets.")
@click.option("--worked", required=True, help="What worked.")
@click.option("--problems", required=True)
@click.option("--improvements", required=True, help="What to improve next year.")
@click.option("--sent-on", help="When it was presented to the supervisor.")
@click.option("--acknowledged-by", default="", help="The supervisor who acknowledged it (ทราบ).")
@click.option("--acknowledged-on", help="When they acknowledged it.")
@FILE_OPTION
@DATE_OPTION
def lessons(done_, results, worked, problems, improvements, sent_on, acknowledged_by, acknowledged_on, file_path,
            dated) -> None:
    """Indicator 4.4: the lessons learned, and its presentation to the supervisor."""
    _record(file_path, lambda r: proofs.add_lessons(
        r.db, r.plan, r.day(dated), r.recorded, done=done_, results=results, worked=worked, problems=problems,
        improvements=improvements, sent_on=options.day(sent_on, r.now.date()), acknowledged_by=acknowledged_by,
        acknowledged_on=options.day(acknowledged_on, r.now.date()), file=r.file)[0])


@group.command("confirm")
@click.option("--by", "confirmed_by", required=True, help="Who confirms (the head of office or HR).")
@click.option("--position", required=True)
@click.option("--statement", default="", help="The statement; the standard one for the fiscal year when omitted.")
@FILE_OPTION
@DATE_OPTION
def confirm(confirmed_by, position, statement, file_path, dated) -> None:
    """Indicator 4.5: no one was disciplined, charged or sued in the fiscal year."""
    _record(file_path, lambda r: proofs.add_confirmation(r.db, r.plan, confirmed_by, position, r.day(dated),
                                                         r.recorded, statement=statement, file=r.file)[0])


@group.command("monthly")
@click.argument("state", required=False, type=click.Choice(["on", "off"]))
def monthly(state: str | None) -> None:
    """Indicator 4.5 re-confirmed each month: on sends the coordinators a reminder in the last days of
    each month without a confirmation dated in it (the deadline-reminders job); shows it when omitted."""
    with options.session() as db:
        if state is not None:
            proofs.set_monthly_confirmation(db, state == "on", _now())
        on = proofs.monthly_confirmation(db)
    click.echo(f"monthly 4.5 re-confirmation reminder: {'on' if on else 'off'}")


@group.command("list")
@click.option("--indicator", default="", help="Only this indicator's.")
def list_(indicator: str) -> None:
    """The current plan's evidence: id, indicator, date, kind, source, title, link or file."""
    now = _now()
    with options.session() as db:
        plan = _plan(db, now)
        found = proofs.items(db, plan, indicator or None)
        names = proofs.files_of(db, found)
        for item in found:
            where = item.url or (f"file {names[item.file_id].original_name} sha256 {names[item.file_id].sha256}"
                                 if item.file_id in names else "")
            click.echo("\t".join([str(item.id), item.indicator_code, str(item.dated), item.kind, item.source,
                                  item.title, where]))
        if not found:
            click.echo("no evidence recorded" + (f" for indicator {indicator}" if indicator else ""))


@group.command("remove")
@click.argument("item_id", type=int)
def remove(item_id: int) -> None:
    """Remove an evidence item (it stays in the database and the audit trail, marked removed)."""
    now = _now()
    with options.session() as db:
        try:
            item = proofs.remove(db, item_id, _recorded(now))
        except EvidenceError as exc:
            raise say(exc) from None
        click.echo(f"removed evidence {item.id} ({item.indicator_code}: {item.title})")
