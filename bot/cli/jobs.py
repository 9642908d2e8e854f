"""`flask --app bot jobs …`: the scheduled jobs (jobs/), run by hand or as of a moment."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from bot.cli import options
from bot.services import current_bot
from jobs import JOBS, nudges
from models import jobrun

group = AppGroup("jobs", help="Scheduled jobs: weekly digest, deadline reminders, nudges.")


@group.command("list")
def list_() -> None:
    """Each job, when it runs, and what its latest run did."""
    settings = current_bot().settings
    with current_bot().db.sessions() as db:
        runs = jobrun.latest_runs(db)
        nudging = nudges.enabled(db, settings)
    for name, job in JOBS.items():
        line = f"{name:20} {job.schedule_text(settings):12} ({settings.timezone})"
        if name == nudges.NAME:
            line += " [on]" if nudging else " [off]"
        last = runs.get(name)
        if last is not None:
            line += (f"; last: {last.period} {last.status}, {last.sent} sent"
                     + (f", {last.held} held" if last.held else "")
                     + (f" ({last.detail})" if last.detail else ""))
        click.echo(line)


@group.command("run")
@click.argument("name")
@click.option("--at", "at", default=None,
              help="Run as if it were this moment (ISO-8601), e.g. 2026-02-16T08:30+07:00.")
def run(name: str, at: str | None) -> None:
    """Run one job now (or as of --at). Safe to repeat: nothing is sent twice for the same period."""
    if name not in JOBS:
        raise click.UsageError(f"no job named {name!r}; jobs: {', '.join(JOBS)}")
    moment = options.moment(at)
    with current_bot().db.sessions() as db:
        sent = JOBS[name].run(moment, db, current_bot().line)
        db.commit()
    click.echo(f"{name} at {moment.isoformat()}: {sent} message(s) sent")


@group.command("nudges")
@click.argument("state", required=False, type=click.Choice(["on", "off", "default"]))
def switch_nudges(state: str | None) -> None:
    """Switch the weekly staff nudges on or off (stored; wins over NUDGES), or back to the NUDGES default."""
    settings = current_bot().settings
    with options.session() as db:
        if state == "default":
            jobrun.clear_setting(db, nudges.SWITCH)
        elif state is not None:
            jobrun.set_setting(db, nudges.SWITCH, state, datetime.now(settings.tz))
        on = nudges.enabled(db, settings)
    click.echo(f"nudges are {'on' if on else 'off'} (at most {settings.nudge_max} per person, "
               f"{settings.push_reserve} pushes a month kept for coordinators)")
