"""`flask --app bot activity …`: the plan's activities, their check-in codes and QR codes."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from bot import links
from bot.cli import options
from bot.services import current_bot
from models import activity as activities
from models import plan as plans
from models.activity import Activity, ActivityError
from models.proposal import VIRTUES

group = AppGroup("activity", help="Activities, check-in codes and QR codes.")


def _baht(text: str | None, flag: str) -> Decimal | None:
    """A sum of baht as typed (`15000`, `15,000.50`), or None when the option is not given."""
    if text is None or not text.strip():
        return None
    try:
        return Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise click.BadParameter("give a number of baht, e.g. 15000 or 2500.50", param_hint=flag) from None


@group.command("add")
@click.option("--title", required=True)
@click.option("--start", "start", required=True, help="ISO-8601, e.g. 2026-01-20T09:00+07:00")
@click.option("--end", "end", required=True, help="ISO-8601")
@click.option("--place", default="")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--radius", type=int, help="Metres around lat/lon where check-in is accepted (default 200).")
@click.option("--responsible", default="", help="Roster codes, comma-separated.")
@click.option("--type", "type_", default="activity")
@click.option("--workshop", is_flag=True, help="The plan workshop: attending counts for indicator 2.1.")
@click.option("--rotating-qr", is_flag=True, help="Only a QR shown on the coordinator's screen works (2-minute codes).")
@click.option("--virtue", default="", help=f"The target virtue it serves: {', '.join(VIRTUES)}.")
@click.option("--problem", default="", help="The problem to solve (ปัญหาที่อยากแก้).")
@click.option("--good", default="", help="The good to do (ความดีที่อยากทำ).")
@click.option("--indicator", default="", help="The code of the plan's indicator it serves, e.g. 3.1.")
@click.option("--budget", help="The planned budget in baht, e.g. 15000.")
def add(title, start, end, place, lat, lon, radius, responsible, type_, workshop, rotating_qr,
        virtue, problem, good, indicator, budget) -> None:
    """Add an activity to the current plan, with its columns of the plan (indicator 2.1); the last word
    printed is its check-in code."""
    bot = current_bot()
    starts, ends = options.moment(start, "--start"), options.moment(end, "--end")
    codes = options.codes(responsible)
    planned = _baht(budget, "--budget")
    with options.session() as db:
        plan = plans.current(db, starts)
        if plan is None:
            year = plans.fiscal_year_of(starts.date())
            raise click.ClickException(
                f"FY{year} (the fiscal year of --start) has no plan in use: load it with `plan load FILE`, "
                f"or start it from last year's with `plan next-year` and then `plan activate {year}`")
        activity = Activity(plan_id=plan.id, title=title.strip(), type=type_,
                            plan_workshop=workshop, rotating_qr=rotating_qr, code=activities.new_code(db))
        try:
            if not activity.title:
                raise ActivityError("the title is empty")
            activities.schedule(activity, starts, ends)
            activities.set_place(activity, place, lat, lon, radius)
            if indicator.strip() and indicator.strip() not in {i.code for i in plan.indicators}:
                raise ActivityError(f"FY{plan.fiscal_year}'s plan has no indicator {indicator.strip()}")
            activities.set_plan_columns(activity, virtue=virtue, problem=problem, good=good, indicator_code=indicator,
                                        budget=planned)
            db.add(activity)
            activities.set_responsible(db, activity, codes)
        except ActivityError as exc:
            db.rollback()
            raise click.ClickException(str(exc)) from None
        db.flush()
        code = activity.code
    click.echo(f"added '{title}' to FY{plan.fiscal_year}; check-in link "
               f"{links.check_in(bot.settings.bot_basic_id, code)}; code {code}")


@group.command("list")
def list_() -> None:
    """Activities of the current plan with code, window, responsible people and attendance."""
    bot = current_bot()
    with options.session() as db:
        plan = plans.current(db, datetime.now(bot.settings.tz))
        for activity, count in activities.attendance_per_activity(db, plan.id if plan else None):
            window = (f"{activity.starts_at.astimezone(bot.settings.tz):%Y-%m-%d %H:%M}" if activity.starts_at
                      else f"due {activity.due}" if activity.due else "unscheduled")
            people = ",".join(p.code for p in activity.responsible) or "-"
            click.echo(f"{activity.code}  {window}  {'done' if activity.done_at else 'open'}  "
                       f"responsible={people}  attended={count}  {activity.title}")


def _find(db: Session, code: str) -> Activity:
    activity = activities.by_code(db, code) or activities.by_key(db, code)
    if activity is None:
        raise click.ClickException(f"no activity with code or key '{code}'")
    return activity


@group.command("schedule")
@click.argument("code")
@click.option("--start", "start", required=True)
@click.option("--end", "end", required=True)
@click.option("--place", default=None)
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--radius", type=int)
def schedule(code, start, end, place, lat, lon, radius) -> None:
    """Give an activity (by code or plan key) its date, time and place."""
    with options.session() as db:
        activity = _find(db, code)
        try:
            activities.schedule(activity, options.moment(start, "--start"), options.moment(end, "--end"))
            if place is not None or lat is not None:
                activities.set_place(activity, place or activity.place, lat, lon, radius)
        except ActivityError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"scheduled '{activity.title}'; code {activity.code}")


@group.command("assign")
@click.argument("code")
@click.argument("people")
def assign(code: str, people: str) -> None:
    """Set the responsible people (roster codes, comma-separated) of an activity (indicator 2.2)."""
    with options.session() as db:
        activity = _find(db, code)
        try:
            activities.set_responsible(db, activity, options.codes(people))
        except ActivityError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"'{activity.title}': responsible {', '.join(p.name for p in activity.responsible)}")


@group.command("done")
@click.argument("code")
@click.option("--note", default="", help="What was done.")
@click.option("--evidence", default="", help="A link to photos, minutes or a report.")
@click.option("--at", "at", help="When it was carried out (ISO-8601); now when omitted.")
@click.option("--budget-used", "budget_used", help="The baht it cost, e.g. 12500.50; kept as recorded when omitted.")
def done(code: str, note: str, evidence: str, at: str | None, budget_used: str | None) -> None:
    """Mark an activity as carried out (indicator 3.1), with a note, an evidence link and the baht used."""
    moment = options.moment(at)
    used = _baht(budget_used, "--budget-used")
    with options.session() as db:
        activity = _find(db, code)
        try:
            activities.mark_done(activity, moment, note, evidence, used)
        except ActivityError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"'{activity.title}' marked done on {moment.date()}")


@group.command("qr")
@click.argument("code")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="PNG file (default CODE.png).")
def qr(code: str, output: Path | None) -> None:
    """Write the check-in QR code (a PNG of the deep link); for rotating-QR activities, print the
    address of the page that shows the changing code."""
    bot = current_bot()
    with options.session() as db:
        activity = _find(db, code)
        if activity.rotating_qr:
            token = activities.page_token(bot.settings.channel_secret, activity)
            click.echo(f"{bot.settings.public_base_url}/activity/{activity.id}/qr?t={token}")
            return
        link = links.check_in(bot.settings.bot_basic_id, activity.code)
        path = output or Path(f"{activity.code}.png")
        path.write_bytes(links.qr_png(link))
        click.echo(f"{path} ({link})")
