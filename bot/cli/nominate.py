"""`flask --app bot nominate …`: nomination rounds, the tally and honourees (indicator 4.1)."""
from __future__ import annotations

import csv
import sys
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from bot.cli import options
from bot.services import current_bot
from models import nomination as nominations
from models import plan as plans
from models import staff as people
from models.nomination import NominationError, NominationRound, Refusal
from models.proposal import VIRTUES

group = AppGroup("nominate", help="Nomination rounds, the tally and honourees (indicator 4.1).")

# Why the rules refused (models.nomination.Refusal), for the office's IT person.
REFUSALS = {
    Refusal.TITLE_LENGTH: f"a round's title is 1 to {nominations.MAX_TITLE} characters",
    Refusal.NO_TIME_ZONE: "the opening time needs a time zone",
    Refusal.ROUND_OPEN: "round \"{title}\" is open; close it first",
    Refusal.ROUND_SCHEDULED: "round \"{title}\" is scheduled; cancel it first (`nominate close`)",
    Refusal.CLOSES_TOO_EARLY: "the last day cannot be before the opening day or today",
    Refusal.NO_ROUND: "no nomination round is open or scheduled",
    Refusal.ROUND_CLOSED: "the round is closed",
    Refusal.WITHDRAW_CLOSED: "the round is closed; its nominations stay",
    Refusal.NOT_ON_ROSTER: "that person is not on the roster",
    Refusal.SELF: "nobody nominates themselves",
    Refusal.NO_UNIT: "no such unit",
    Refusal.OWN_UNIT: "nobody nominates their own unit",
    Refusal.BAD_KIND: "a nomination is of a person or a unit",
    Refusal.BAD_VIRTUE: "\"{virtue}\" is not one of the virtues: " + ", ".join(VIRTUES),
    Refusal.REASON: "the reason's length is out of bounds",
    Refusal.NO_PERSON: "no such person",
}


def refusal(exc: NominationError) -> str:
    return REFUSALS[exc.refusal].format(**exc.details)


def _now(at: str | None) -> datetime:
    """The moment of a nomination command: --at (ISO-8601) or now, in the office's time zone."""
    return options.moment(at).astimezone(current_bot().settings.tz)


def _round_or_latest(db: Session, round_id: int | None, now: datetime) -> NominationRound:
    round_ = nominations.get_round(db, round_id) if round_id else nominations.latest_round(db, now)
    if round_ is None:
        raise click.ClickException(f"no round {round_id}" if round_id else "no nomination round yet")
    return round_


@group.command("open")
@click.option("--closes", help="The last day nominations are taken, e.g. 2026-03-31; "
                               "without it, until `nominate close`.")
@click.option("--opens", help="Schedule the round instead of opening it now: a date (opens at 00:00) or "
                              "2026-03-01T08:30+07:00.")
@click.option("--title", help=f"The round's name; '{nominations.DEFAULT_TITLE.format(year='<year>')}' "
                              "when omitted.")
@click.option("--at", "at", help=options.AT_HELP)
def open_(closes: str | None, opens: str | None, title: str | None, at: str | None) -> None:
    """Open a nomination round (or schedule one). Refused while another is open or scheduled."""
    settings = current_bot().settings
    now = _now(at)
    opens_at = None
    if opens:
        try:
            opens_at = datetime.fromisoformat(opens)
        except ValueError:
            day = options.day(opens, now.date())
            assert day is not None
            opens_at = datetime(day.year, day.month, day.day)
        if opens_at.tzinfo is None:  # a date, or a time without a zone: the office's time
            opens_at = opens_at.replace(tzinfo=settings.tz)
    with options.session() as db:
        plan = plans.current(db, opens_at or now)
        try:
            round_ = nominations.start_round(db, now, title, closes_on=options.day(closes, now.date()),
                                             opens_at=opens_at, plan_id=plan.id if plan else None)
        except NominationError as exc:
            raise click.ClickException(refusal(exc)) from None
        when = ("opened" if round_.opens_at <= now
                else f"scheduled to open {round_.opens_at.astimezone(settings.tz):%Y-%m-%d %H:%M}")
        closes = f"closes at the end of {round_.closes_on}" if round_.closes_on else "no closing date"
        click.echo(f"round {round_.id} '{round_.title}' {when}; {closes}")


@group.command("close")
@click.option("--at", "at", help=options.AT_HELP)
def close(at: str | None) -> None:
    """Close the open round (or cancel the scheduled one)."""
    now = _now(at)
    with options.session() as db:
        try:
            round_ = nominations.close_round(db, now)
        except NominationError as exc:
            raise click.ClickException(refusal(exc)) from None
        result = nominations.tally(db, round_)
        click.echo(f"round {round_.id} '{round_.title}' closed: {result.nominators} nominators, "
                   f"{result.nominations} nominations")


@group.command("rounds")
def rounds() -> None:
    """Every round: id, title, opens, closes, state, nominations."""
    tz = current_bot().settings.tz
    now = datetime.now(tz)
    with options.session() as db:
        for r in nominations.rounds(db):
            state = "open" if r.is_open(now) else "scheduled" if r.is_scheduled(now) else "closed"
            result = nominations.tally(db, r)
            click.echo(f"{r.id}\t{r.title}\topens {r.opens_at.astimezone(tz):%Y-%m-%d %H:%M}\t"
                       f"closes {r.closes_on or '-'}\t{state}\t{result.nominations} nominations")


@group.command("tally")
@click.option("--round", "round_id", type=int,
              help="The round's id (`nominate rounds`); the latest when omitted.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: section,virtue,kind,rank,name,unit,nominators,"
                                                    "nominations,honoured,reasons.")
def tally(round_id: int | None, as_csv: bool) -> None:
    """Nominees ranked by distinct nominators, overall and per virtue, people and units, with reasons."""
    now = datetime.now(current_bot().settings.tz)
    with options.session() as db:
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
    for _section, virtue, part in sections:
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


@group.command("honour")
@click.option("--person", "code", help="The person's roster code.")
@click.option("--unit", help="The unit's name as on the roster.")
@click.option("--virtue", default="",
              help=f"Honoured for this virtue ({' '.join(VIRTUES)}); overall when omitted.")
@click.option("--round", "round_id", type=int, help="The round's id; the latest when omitted.")
@click.option("--remove", is_flag=True, help="Remove this honour instead.")
@click.option("--at", "at", help=options.AT_HELP)
def honour(code: str | None, unit: str | None, virtue: str, round_id: int | None, remove: bool,
                    at: str | None) -> None:
    """Record (or --remove) an honouree of a round: this makes indicator 4.1's honouring count."""
    if bool(code) == bool(unit):
        raise click.UsageError("give exactly one of --person CODE or --unit NAME")
    now = _now(at)
    with options.session() as db:
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
            assert unit is not None
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
        except NominationError as exc:
            raise click.ClickException(refusal(exc)) from None
        overall = nominations.tally(db, round_).overall
        nominated = target in {e.target for e in overall.people + overall.units}
        click.echo(("honoured" if created else "already honoured") + f": {name}{what}, round {round_.id}"
                   + ("" if nominated else " (not nominated in this round)"))
