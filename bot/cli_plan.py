"""`flask --app bot plan …` and `flask --app bot activity …`: the plan file, activities, their QR codes."""
from __future__ import annotations

import io
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import click
import qrcode
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from bot.cli import parse_moment

from models import activity as activities
from models import plan as plans
from models import planfile
from models.activity import Activity, ActivityError
from models.plan import Plan

plan_cli = AppGroup("plan", help="The plan of an office and fiscal year (YAML).")
activity_cli = AppGroup("activity", help="Activities, check-in codes and QR codes.")


def _bot():
    return current_app.extensions["khunnatham"]


def checkin_link(basic_id: str, code: str) -> str:
    return f"https://line.me/R/oaMessage/{basic_id}/?{quote('เช็คอิน')}%20{code}"


def qr_png(data: str) -> bytes:
    image = qrcode.make(data, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@plan_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def plan_load(file: Path) -> None:
    """Validate a plan file and load it (or update the plan of the same office and year)."""
    try:
        spec, text = planfile.read(file)
        with _bot().db.session() as db:
            plan, report = planfile.load(db, spec, text)
            year, office = plan.fiscal_year, plan.office
    except planfile.PlanFileError as exc:
        click.echo(f"{file}: nothing loaded; fix these and load again:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    verb = "loaded" if report["created"] else "updated"
    click.echo(f"{verb} the FY{year} plan of {office}: {report['indicators']} indicators, "
               f"{report['activities']} activities ({report['activities_added']} new)")


@plan_cli.command("list")
def plan_list() -> None:
    """Every plan, past years included."""
    with _bot().db.session() as db:
        for plan in db.scalars(sa.select(Plan).order_by(Plan.fiscal_year, Plan.office)):
            count = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.plan_id == plan.id))
            click.echo(f"FY{plan.fiscal_year} {plan.office}: {plan.starts_on} – {plan.ends_on}, "
                       f"{len(plan.indicators)} indicators, {count} activities")


@plan_cli.command("progress")
@click.option("--at", "at", help="The moment to measure at (ISO-8601); now when omitted.")
@click.option("--year", type=int, help="Fiscal year (Buddhist Era); the one containing --at when omitted.")
def plan_progress(at: str | None, year: int | None) -> None:
    """Each indicator's value, target and milestone states, most urgent first."""
    moment = parse_moment(at)
    with _bot().db.session() as db:
        found = plans.by_year(db, year) if year else [plans.current(db, moment)]
        found = [p for p in found if p is not None]
        if not found:
            raise click.ClickException("no plan for that year; load one with `flask --app bot plan load FILE`")
        for plan in found:
            click.echo(f"FY{plan.fiscal_year} {plan.office} at {moment.isoformat()}")
            for item in plans.progress(db, plan, moment):
                ind = item.indicator
                states = ", ".join(f"{m.due}: {m.state.value}" for m in item.milestones)
                click.echo(f"  {ind.code}: {item.measured.value:g} of {ind.target:g} ({ind.target_kind}; "
                           f"{item.measured.done}/{item.measured.total}) — {states}")


@activity_cli.command("add")
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
def activity_add(title, start, end, place, lat, lon, radius, responsible, type_, workshop, rotating_qr) -> None:
    """Add an activity to the current plan; the last word printed is its check-in code."""
    bot = _bot()
    starts, ends = parse_moment(start, "--start"), parse_moment(end, "--end")
    codes = [c.strip() for c in responsible.split(",") if c.strip()]
    with bot.db.session() as db:
        plan = plans.current(db, starts)
        activity = Activity(plan_id=plan.id if plan else None, title=title.strip(), type=type_,
                            plan_workshop=workshop, rotating_qr=rotating_qr, code=activities.new_code(db))
        try:
            if not activity.title:
                raise ActivityError("the title is empty")
            activities.schedule(activity, starts, ends)
            activities.set_place(activity, place, lat, lon, radius)
            db.add(activity)
            activities.set_responsible(db, activity, codes)
        except ActivityError as exc:
            db.rollback()
            raise click.ClickException(str(exc)) from None
        db.flush()
        code = activity.code
    click.echo(f"added '{title}' to FY{plan.fiscal_year if plan else '-'}; check-in link "
               f"{checkin_link(bot.settings.bot_basic_id, code)}; code {code}")


@activity_cli.command("list")
def activity_list() -> None:
    """Activities of the current plan with code, window, responsible people and attendance."""
    bot = _bot()
    with bot.db.session() as db:
        plan = plans.current(db, datetime.now(bot.settings.tz))
        for activity, count in activities.attendance_per_activity(db, plan.id if plan else None):
            window = (f"{activity.starts_at.astimezone(bot.settings.tz):%Y-%m-%d %H:%M}" if activity.starts_at
                      else f"due {activity.due}" if activity.due else "unscheduled")
            people = ",".join(p.code for p in activity.responsible) or "-"
            click.echo(f"{activity.code}  {window}  {'done' if activity.done_at else 'open'}  "
                       f"responsible={people}  attended={count}  {activity.title}")


def _find(db, code: str) -> Activity:
    activity = activities.by_code(db, code)
    if activity is None:
        activity = db.scalar(sa.select(Activity).where(Activity.key == code))
    if activity is None:
        raise click.ClickException(f"no activity with code or key '{code}'")
    return activity


@activity_cli.command("schedule")
@click.argument("code")
@click.option("--start", "start", required=True)
@click.option("--end", "end", required=True)
@click.option("--place", default=None)
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--radius", type=int)
def activity_schedule(code, start, end, place, lat, lon, radius) -> None:
    """Give an activity (by code or plan key) its date, time and place."""
    with _bot().db.session() as db:
        activity = _find(db, code)
        try:
            activities.schedule(activity, parse_moment(start, "--start"), parse_moment(end, "--end"))
            if place is not None or lat is not None:
                activities.set_place(activity, place or activity.place, lat, lon, radius)
        except ActivityError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"scheduled '{activity.title}'; code {activity.code}")


@activity_cli.command("assign")
@click.argument("code")
@click.argument("people")
def activity_assign(code: str, people: str) -> None:
    """Set the responsible people (roster codes, comma-separated) of an activity (indicator 2.2)."""
    with _bot().db.session() as db:
        activity = _find(db, code)
        try:
            activities.set_responsible(db, activity, [c.strip() for c in people.split(",") if c.strip()])
        except ActivityError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"'{activity.title}': responsible {', '.join(p.name for p in activity.responsible)}")


@activity_cli.command("done")
@click.argument("code")
@click.option("--note", default="", help="What was done.")
@click.option("--evidence", default="", help="A link to photos, minutes or a report.")
@click.option("--at", "at", help="When it was carried out (ISO-8601); now when omitted.")
def activity_done(code: str, note: str, evidence: str, at: str | None) -> None:
    """Mark an activity as carried out (indicator 3.1), with a note and an evidence link."""
    moment = parse_moment(at)
    with _bot().db.session() as db:
        activity = _find(db, code)
        try:
            activities.mark_done(activity, moment, note, evidence)
        except ActivityError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"'{activity.title}' marked done on {moment.date()}")


@activity_cli.command("qr")
@click.argument("code")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="PNG file (default CODE.png).")
def activity_qr(code: str, output: Path | None) -> None:
    """Write the check-in QR code (a PNG of the deep link); for rotating-QR activities, print the
    address of the page that shows the changing code."""
    bot = _bot()
    with bot.db.session() as db:
        activity = _find(db, code)
        if activity.rotating_qr:
            token = activities.page_token(bot.settings.channel_secret, activity)
            click.echo(f"{bot.settings.public_base_url}/activity/{activity.id}/qr?t={token}")
            return
        link = checkin_link(bot.settings.bot_basic_id, activity.code)
        path = output or Path(f"{activity.code}.png")
        path.write_bytes(qr_png(link))
        click.echo(f"{path} ({link})")
