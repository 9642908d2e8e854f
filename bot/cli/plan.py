"""`flask --app bot plan …`: the plan of an office and fiscal year, from its YAML file; the next
fiscal year's plan made from this year's (a draft), and put in use."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli import options
from bot.services import current_bot
from models import activity as activities
from models import measures, planfile
from models import plan as plans

group = AppGroup("plan", help="The plan of an office and fiscal year (YAML).")


@group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Validate a plan file and load it (or update the plan of the same office and year)."""
    try:
        spec, text = planfile.read(file)
        with options.session() as db:
            plan, report = planfile.load(db, spec, text, current_bot().settings.tz)
            year, office = plan.fiscal_year, plan.office
    except planfile.PlanFileError as exc:
        click.echo(f"{file}: nothing loaded; fix these and load again:", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    verb = "loaded" if report["created"] else "updated"
    click.echo(f"{verb} the FY{year} plan of {office}: {report['indicators']} indicators, "
               f"{report['activities']} activities ({report['activities_added']} new)")


@group.command("list")
def list_() -> None:
    """Every plan, past years included: draft (prepared, not in use) or active; which one is current."""
    now = datetime.now(current_bot().settings.tz)
    with options.session() as db:
        current = plans.current(db, now)
        for plan in plans.every(db):
            count = len(activities.of_plan(db, plan.id))
            mark = ", current" if current is not None and plan.id == current.id else ""
            click.echo(f"FY{plan.fiscal_year} {plan.office}: {plan.starts_on} – {plan.ends_on}, "
                       f"{len(plan.indicators)} indicators, {count} activities ({plan.status}{mark})")
        missing = plans.missing(db, now)
        if missing is not None:
            draft = plans.of_year(db, missing, plans.DRAFT)
            click.echo(f"FY{missing} (this fiscal year) has no plan in use; "
                       + (f"put its draft in use with `flask --app bot plan activate {missing}`" if draft
                          else "make it with `flask --app bot plan next-year`"))


@group.command("next-year")
@click.option("--from", "from_year", type=int,
              help="Fiscal year (Buddhist Era) to copy; the latest plan's when omitted.")
def next_year(from_year: int | None) -> None:
    """Make the next fiscal year's plan as a draft from a year's plan: the same indicators, targets and
    activities, every date a year later. Staff do not see it until `plan activate YEAR`."""
    now = datetime.now(current_bot().settings.tz)
    with options.session() as db:
        sources = plans.by_year(db, from_year) if from_year else [p for p in [plans.latest(db)] if p]
        if not sources:
            raise click.ClickException(
                f"no plan of FY{from_year} to copy; see `flask --app bot plan list`" if from_year
                else "no plan to copy; load one with `flask --app bot plan load FILE`")
        made = []
        for source in sources:
            try:
                draft = plans.next_year(db, source, now)
            except plans.RolloverError as exc:
                found = plans.of_year(db, exc.fiscal_year)
                state = f" ({found.status})" if found is not None else ""
                raise click.ClickException(
                    f"the FY{exc.fiscal_year} plan of {source.office} exists already{state}; nothing made. "
                    "Change it on the console's plan page, or see `flask --app bot plan list`") from None
            made.append((source, draft, len(activities.of_plan(db, draft.id))))
        for source, draft, count in made:
            click.echo(f"made a draft of the FY{draft.fiscal_year} plan of {draft.office} from FY{source.fiscal_year}: "
                       f"{draft.starts_on} – {draft.ends_on}, {len(draft.indicators)} indicators, {count} activities "
                       "(dates a year later, new check-in codes)")
        year = made[0][1].fiscal_year
    click.echo(f"staff do not see it yet; check it on the console's plan page, then put it in use with "
               f"`flask --app bot plan activate {year}`")


@group.command("activate")
@click.argument("year", type=int)
def activate(year: int) -> None:
    """Put a fiscal year's draft plan in use: from its first day it is the plan staff see."""
    tz = current_bot().settings.tz
    with options.session() as db:
        found = plans.by_year(db, year)
        if not found:
            raise click.ClickException(f"no plan of FY{year}; make it with `flask --app bot plan next-year` "
                                       "or load its file with `flask --app bot plan load FILE`")
        drafts = [p for p in found if p.status == plans.DRAFT]
        if not drafts:
            click.echo(f"the FY{year} plan is in use already; nothing changed")
            return
        for plan in drafts:
            plans.activate(db, plan, tz)
            click.echo(f"the FY{year} plan of {plan.office} is in use"
                       + ("" if plans.fiscal_year_of(datetime.now(tz).date()) >= year
                          else f" from {plan.starts_on}, when its fiscal year begins"))


@group.command("progress")
@click.option("--at", "at", help="The moment to measure at (ISO-8601); now when omitted.")
@click.option("--year", type=int, help="Fiscal year (Buddhist Era); the one containing --at when omitted.")
def progress(at: str | None, year: int | None) -> None:
    """Each indicator's value, target and milestone states, most urgent first."""
    moment = options.moment(at)
    with options.session() as db:
        found = plans.by_year(db, year) if year else [plans.current(db, moment)]
        found = [p for p in found if p is not None]
        if not found:
            wanted = year or plans.fiscal_year_of(moment.date())
            raise click.ClickException(f"no plan in use for FY{wanted}; make it with `flask --app bot plan next-year` "
                                       "(then `plan activate`) or load one with `flask --app bot plan load FILE`")
        for plan in found:
            click.echo(f"FY{plan.fiscal_year} {plan.office} at {moment.isoformat()}")
            for item in measures.progress(db, plan, moment):
                ind = item.indicator
                states = ", ".join(f"{m.due}: {m.state.value}" for m in item.milestones)
                click.echo(f"  {ind.code}: {item.measured.value:g} of {ind.target:g} ({ind.target_kind}; "
                           f"{item.measured.done}/{item.measured.total}) — {states}")
