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


def parse_moment(value: str | None, option: str = "--at"):
    """An ISO-8601 option as an aware datetime (the office's zone when none is given); now when empty."""
    from datetime import datetime

    tz = _bot().settings.tz
    if not value:
        return datetime.now(tz)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not an ISO-8601 date or time, e.g. 2026-02-16T08:30+07:00",
                                 param_hint=option) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def init_app(app: Flask) -> None:
    from bot.cli_plan import activity_cli, plan_cli

    for group in (plan_cli, activity_cli):
        app.cli.add_command(group)
    for group in (db_cli, roster_cli, pledge_cli, richmenu_cli, nominate_cli):
        app.cli.add_command(group)
    app.cli.add_command(jobs_cli)


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


# -- nominations and honours (indicator 4.1) ---------------------------------------------------------
nominate_cli = AppGroup("nominate", help="Nomination rounds, the tally and honourees (indicator 4.1).")


def _day_option(value: str | None, today):
    if not value:
        return None
    from handlers.nomination import parse_day

    day = parse_day(value, today)
    if day is None:
        raise click.ClickException(f"cannot read the date '{value}'; write it as 2026-03-31 (or 31/3/2569)")
    return day


def _nominate_now(at: str | None):
    """The moment of a nomination command: --at (ISO-8601) or now, in the office's time zone."""
    return parse_moment(at).astimezone(_bot().settings.tz)


AT_HELP = "The moment of this action (ISO-8601); now when omitted."


def _round_or_latest(db, round_id: int | None, now):
    from models import nomination as nominations

    round_ = nominations.get_round(db, round_id) if round_id else nominations.latest_round(db, now)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}" if round_id else "no nomination round yet")
    return round_


@nominate_cli.command("open")
@click.option("--closes", help="The last day nominations are taken, e.g. 2026-03-31; "
                               "without it, until `nominate close`.")
@click.option("--opens", help="Schedule the round instead of opening it now: a date (opens at 00:00) or "
                              "2026-03-01T08:30+07:00.")
@click.option("--title", help="The round's name; 'เสนอชื่อบุคคลคุณธรรมและหน่วยงานคุณธรรม ปีงบประมาณ <year>' "
                              "when omitted.")
@click.option("--at", "at", help=AT_HELP)
def nominate_open(closes: str | None, opens: str | None, title: str | None, at: str | None) -> None:
    """Open a nomination round (or schedule one). Refused while another is open or scheduled."""
    from datetime import datetime

    from handlers.nomination import default_title
    from models import nomination as nominations
    from models import plan as plans

    bot = _bot()
    now = _nominate_now(at)
    opens_at = None
    if opens:
        try:
            opens_at = datetime.fromisoformat(opens)
        except ValueError:
            day = _day_option(opens, now.date())
            opens_at = datetime(day.year, day.month, day.day)
        if opens_at.tzinfo is None:  # a date, or a time without a zone: the office's time
            opens_at = opens_at.replace(tzinfo=bot.settings.tz)
    with bot.db.session() as db:
        plan = plans.current(db, opens_at or now)
        try:
            round_ = nominations.start_round(db, now, title or default_title(db, opens_at or now, plan),
                                             closes_on=_day_option(closes, now.date()), opens_at=opens_at,
                                             plan_id=plan.id if plan else None)
        except nominations.NominationError as exc:
            raise click.ClickException(str(exc)) from None
        when = ("opened" if round_.opens_at <= now
                else f"scheduled to open {round_.opens_at.astimezone(bot.settings.tz):%Y-%m-%d %H:%M}")
        closes = f"closes at the end of {round_.closes_on}" if round_.closes_on else "no closing date"
        click.echo(f"round {round_.id} '{round_.title}' {when}; {closes}")


@nominate_cli.command("close")
@click.option("--at", "at", help=AT_HELP)
def nominate_close(at: str | None) -> None:
    """Close the open round (or cancel the scheduled one)."""
    from models import nomination as nominations

    bot = _bot()
    now = _nominate_now(at)
    with bot.db.session() as db:
        try:
            round_ = nominations.close_round(db, now)
        except nominations.NominationError as exc:
            raise click.ClickException(str(exc)) from None
        result = nominations.tally(db, round_)
        click.echo(f"round {round_.id} '{round_.title}' closed: {result.nominators} nominators, "
                   f"{result.nominations} nominations")


@nominate_cli.command("rounds")
def nominate_rounds() -> None:
    """Every round: id, title, opens, closes, state, nominations."""
    from datetime import datetime

    from models import nomination as nominations

    bot = _bot()
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as db:
        for r in nominations.rounds(db):
            state = "open" if r.is_open(now) else "scheduled" if r.is_scheduled(now) else "closed"
            result = nominations.tally(db, r)
            click.echo(f"{r.id}\t{r.title}\topens {r.opens_at.astimezone(bot.settings.tz):%Y-%m-%d %H:%M}\t"
                       f"closes {r.closes_on or '-'}\t{state}\t{result.nominations} nominations")


@nominate_cli.command("tally")
@click.option("--round", "round_id", type=int,
              help="The round's id (`nominate rounds`); the latest when omitted.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: section,virtue,kind,rank,name,unit,nominators,"
                                                    "nominations,honoured,reasons.")
def nominate_tally(round_id: int | None, as_csv: bool) -> None:
    """Nominees ranked by distinct nominators, overall and per virtue, people and units, with reasons."""
    from datetime import datetime

    from models import nomination as nominations
    from models.proposal import VIRTUES

    bot = _bot()
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as db:
        round_ = _round_or_latest(db, round_id, now)
        result = nominations.tally(db, round_)
    sections = [("overall", "", result.overall)] + [("virtue", v, result.by_virtue[v]) for v in VIRTUES]
    if as_csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["section", "virtue", "kind", "rank", "name", "unit", "nominators", "nominations",
                      "honoured", "reasons"])
        for section, virtue, part in sections:
            for kind, entries in (("person", part.people), ("unit", part.units)):
                for rank, e in enumerate(entries, start=1):
                    out.writerow([section, virtue, kind, rank, e.name, e.unit, e.count, e.nominations,
                                  "yes" if virtue in e.honours else "no", " | ".join(e.reasons)])
        return
    click.echo(f"round {round_.id} '{round_.title}': {result.nominators} nominators, "
               f"{result.nominations} nominations")
    for section, virtue, part in sections:
        if not part.people and not part.units:
            continue
        click.echo(f"\n== {virtue or 'overall'} ==")
        for kind, entries in (("people", part.people), ("units", part.units)):
            click.echo(f"-- {kind}")
            for rank, e in enumerate(entries, start=1):
                mark = " [honoured]" if virtue in e.honours else ""
                click.echo(f"{rank}. {e.name}" + (f" ({e.unit})" if e.kind == "person" else "")
                           + f": {e.count} nominators{mark}")
                for reason in e.reasons:
                    click.echo(f"     - {reason}")


@nominate_cli.command("honour")
@click.option("--person", "code", help="The person's roster code.")
@click.option("--unit", help="The unit's name as on the roster.")
@click.option("--virtue", default="",
              help="Honoured for this virtue (พอเพียง วินัย สุจริต จิตอาสา กตัญญู); overall when omitted.")
@click.option("--round", "round_id", type=int, help="The round's id; the latest when omitted.")
@click.option("--remove", is_flag=True, help="Remove this honour instead.")
@click.option("--at", "at", help=AT_HELP)
def nominate_honour(code: str | None, unit: str | None, virtue: str, round_id: int | None, remove: bool,
                    at: str | None) -> None:
    """Record (or --remove) an honouree of a round: this makes indicator 4.1's honouring count."""
    from models import nomination as nominations

    if bool(code) == bool(unit):
        raise click.UsageError("give exactly one of --person CODE or --unit NAME")
    bot = _bot()
    now = _nominate_now(at)
    with bot.db.session() as db:
        round_ = _round_or_latest(db, round_id, now)
        person = None
        if code:
            person = people.by_code(db, code)
            if person is None:
                raise click.ClickException(f"no person with code '{code}' on the roster")
            target, name = nominations.person_target(person.id), person.name
        else:
            if unit not in nominations.units(db):
                raise click.ClickException(f"no unit '{unit}' on the roster")
            target, name = nominations.unit_target(unit), unit
        what = f" for {virtue}" if virtue else ""
        if remove:
            if not nominations.remove_honour(db, round_, target, virtue):
                raise click.ClickException(f"{name} is not honoured{what} in round {round_.id}")
            click.echo(f"removed: {name}{what}, round {round_.id}")
            return
        try:
            _, created = nominations.honour(db, round_, "person" if person else "unit", now, nominee=person,
                                            unit=unit or "", virtue=virtue)
        except nominations.NominationError as exc:
            raise click.ClickException(str(exc)) from None
        overall = nominations.tally(db, round_).overall
        nominated = target in {e.target for e in overall.people + overall.units}
        click.echo(("honoured" if created else "already honoured") + f": {name}{what}, round {round_.id}"
                   + ("" if nominated else " (not nominated in this round)"))


# -- scheduled jobs (jobs/) ------------------------------------------------------------------------
jobs_cli = AppGroup("jobs", help="Scheduled jobs: weekly digest, deadline reminders, nudges.")





@jobs_cli.command("list")
def jobs_list() -> None:
    """Each job, when it runs, and what its latest run did."""
    from jobs import JOBS, nudges, schedule_texts
    from models import outbox

    bot = _bot()
    crons = schedule_texts(bot.settings)
    with bot.db.sessions() as db:
        runs = outbox.latest_runs(db)
        nudging = nudges.enabled(db, bot.settings)
    for name in JOBS:
        line = f"{name:20} {crons[name]:12} ({bot.settings.timezone})"
        if name == nudges.NAME:
            line += " [on]" if nudging else " [off]"
        last = runs.get(name)
        if last is not None:
            line += (f"; last: {last.period} {last.status}, {last.sent} sent"
                     + (f", {last.held} held" if last.held else "")
                     + (f" ({last.detail})" if last.detail else ""))
        click.echo(line)


@jobs_cli.command("run")
@click.argument("name")
@click.option("--at", "at", default=None,
              help="Run as if it were this moment (ISO-8601), e.g. 2026-02-16T08:30+07:00.")
def jobs_run(name: str, at: str | None) -> None:
    """Run one job now (or as of --at). Safe to repeat: nothing is sent twice for the same period."""
    from jobs import JOBS

    if name not in JOBS:
        raise click.UsageError(f"no job named {name!r}; jobs: {', '.join(JOBS)}")
    bot = _bot()
    moment = parse_moment(at)
    with bot.db.sessions() as db:
        sent = JOBS[name].run(moment, db, bot.line)
        db.commit()
    click.echo(f"{name} at {moment.isoformat()}: {sent} message(s) sent")


@jobs_cli.command("nudges")
@click.argument("state", required=False, type=click.Choice(["on", "off", "default"]))
def jobs_nudges(state: str | None) -> None:
    """Switch the weekly staff nudges on or off (stored; wins over NUDGES), or back to the NUDGES default."""
    from datetime import datetime

    from jobs import nudges
    from models import outbox

    bot = _bot()
    with bot.db.session() as db:
        if state == "default":
            outbox.clear_setting(db, nudges.SWITCH)
        elif state is not None:
            outbox.set_setting(db, nudges.SWITCH, state, datetime.now(bot.settings.tz))
        on = nudges.enabled(db, bot.settings)
    click.echo(f"nudges are {'on' if on else 'off'} (at most {bot.settings.nudge_max} per person, "
               f"{bot.settings.push_reserve} pushes a month kept for coordinators)")
