"""`flask --app bot plan …`: the plan of an office and fiscal year, from its YAML file."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli import options
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


@group.command("list")
def list_() -> None:
    """Every plan, past years included."""
    with options.session() as db:
        for plan in plans.every(db):
            count = len(activities.of_plan(db, plan.id))
            click.echo(f"FY{plan.fiscal_year} {plan.office}: {plan.starts_on} – {plan.ends_on}, "
                       f"{len(plan.indicators)} indicators, {count} activities")


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
            raise click.ClickException("no plan for that year; load one with `flask --app bot plan load FILE`")
        for plan in found:
            click.echo(f"FY{plan.fiscal_year} {plan.office} at {moment.isoformat()}")
            for item in measures.progress(db, plan, moment):
                ind = item.indicator
                states = ", ".join(f"{m.due}: {m.state.value}" for m in item.milestones)
                click.echo(f"  {ind.code}: {item.measured.value:g} of {ind.target:g} ({ind.target_kind}; "
                           f"{item.measured.done}/{item.measured.total}) — {states}")
