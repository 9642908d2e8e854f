"""The raw data of a plan's year as it stood at a moment `at`, for the Excel workbook
(bot/documents/workbook.py): one generator per table, each one streaming query (`yield_per`, a
server-side cursor on PostgreSQL) with the names it needs joined in, so a department of 10,000 staff
is written without holding its rows or asking once per row.

"As of `at`": a row created, acknowledged, checked in, recorded or dated after `at` is left out; a
withdrawal, removal, registration or "carried out" after `at` had not happened yet (None).

Rows are small frozen dataclasses of plain values; times are aware UTC datetimes as stored (the
caller puts them in the office's time zone). Nothing here is worded in Thai.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models.activity import Activity, ActivityResponsible, CheckIn
from models.evidence import AppointmentOrder, Award, Confirmation, Evidence, Lessons, Publicity
from models.files import StoredFile
from models.nomination import PERSON, Honour, Nomination, NominationRound, rounds_of_plan
from models.plan import Plan
from models.pledge import PledgeAck, PledgeDocument, PledgeVersion
from models.proposal import PlanComment, Proposal
from models.staff import Staff

CHUNK = 1000  # rows fetched at a time


def _stream(db: Session, stmt: sa.Select[Any]) -> Iterator[sa.Row[Any]]:
    yield from db.execute(stmt.execution_options(yield_per=CHUNK))


def _until(value: datetime | None, at: datetime) -> datetime | None:
    """A moment that had happened by `at`, else None (not yet)."""
    return value if value is not None and value <= at else None


def _day_until(value: date | None, at: datetime) -> date | None:
    return value if value is not None and value <= at.date() else None


# -- the roster ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Person:
    code: str
    name: str
    position: str
    unit: str
    role: str
    active: bool
    registered_at: datetime | None  # linked with LINE (by `at`)


def roster(db: Session, at: datetime) -> Iterator[Person]:
    """Everyone on the roster (retired people too, `active` False), by unit and code: today's roster,
    as the measures count it (who was on it on a past day is not kept), with LINE links made by `at`."""
    stmt = (sa.select(Staff.code, Staff.name, Staff.position, Staff.unit, Staff.role, Staff.active,
                      Staff.registered_at)
            .order_by(Staff.unit, Staff.code))
    for code, name, position, unit, role, active, registered_at in _stream(db, stmt):
        yield Person(code, name, position, unit, role, bool(active), _until(registered_at, at))


# -- pledge acknowledgments -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Acknowledgment:
    code: str
    name: str
    unit: str
    document: str  # the pledge document's title
    version: int
    acknowledged_at: datetime


def acknowledgments(db: Session, at: datetime) -> Iterator[Acknowledgment]:
    """Every acknowledgment of any pledge version made by `at`, by document, version and time."""
    stmt = (sa.select(Staff.code, Staff.name, Staff.unit, PledgeDocument.title, PledgeVersion.version,
                      PledgeAck.acknowledged_at)
            .join(Staff, Staff.id == PledgeAck.staff_id)
            .join(PledgeVersion, PledgeVersion.id == PledgeAck.version_id)
            .join(PledgeDocument, PledgeDocument.id == PledgeVersion.document_id)
            .where(PledgeAck.acknowledged_at <= at)
            .order_by(PledgeDocument.id, PledgeVersion.version, PledgeAck.acknowledged_at, PledgeAck.id))
    for row in _stream(db, stmt):
        yield Acknowledgment(*row)


# -- proposals and plan comments -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProposalRow:
    code: str
    name: str
    unit: str
    virtue: str
    problem: str
    good: str
    created_at: datetime
    withdrawn_at: datetime | None  # by `at`


def proposals(db: Session, plan: Plan, at: datetime) -> Iterator[ProposalRow]:
    """The plan's proposals made by `at` (withdrawn ones too, with when), oldest first."""
    stmt = (sa.select(Staff.code, Staff.name, Staff.unit, Proposal.virtue, Proposal.problem, Proposal.good,
                      Proposal.created_at, Proposal.withdrawn_at)
            .join(Staff, Staff.id == Proposal.staff_id)
            .where(Proposal.plan_id == plan.id, Proposal.created_at <= at)
            .order_by(Proposal.created_at, Proposal.id))
    for code, name, unit, virtue, problem, good, created_at, withdrawn_at in _stream(db, stmt):
        yield ProposalRow(code, name, unit, virtue, problem, good, created_at, _until(withdrawn_at, at))


@dataclass(frozen=True, slots=True)
class CommentRow:
    code: str
    name: str
    unit: str
    text: str
    created_at: datetime


def comments(db: Session, plan: Plan, at: datetime) -> Iterator[CommentRow]:
    """Comments on the plan made by `at`, oldest first."""
    stmt = (sa.select(Staff.code, Staff.name, Staff.unit, PlanComment.text, PlanComment.created_at)
            .join(Staff, Staff.id == PlanComment.staff_id)
            .where(PlanComment.plan_id == plan.id, PlanComment.created_at <= at)
            .order_by(PlanComment.created_at, PlanComment.id))
    for row in _stream(db, stmt):
        yield CommentRow(*row)


# -- activities and check-ins ----------------------------------------------------------------------------
# The plan's standard columns on an activity (virtue, problem, good, indicator, budget), read when the
# model has them.
PLAN_COLUMNS = ("virtue", "problem", "good", "indicator_code", "budget", "budget_used")


@dataclass(frozen=True, slots=True)
class ActivityRow:
    id: int
    key: str
    title: str
    type: str
    plan_workshop: bool
    due: date | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    responsible: tuple[str, ...]  # names, by name
    participants: int  # check-ins by `at`
    done_at: datetime | None  # by `at`
    done_note: str
    evidence_url: str
    virtue: str = ""
    problem: str = ""
    good: str = ""
    indicator_code: str = ""
    budget: Decimal | None = None
    budget_used: Decimal | None = None


def _checkins_of(plan: Plan, at: datetime) -> list[sa.ColumnElement[bool]]:
    of_plan = sa.select(Activity.id).where(Activity.plan_id == plan.id)
    return [CheckIn.activity_id.in_(of_plan), CheckIn.at <= at]


def activities(db: Session, plan: Plan, at: datetime) -> Iterator[ActivityRow]:
    """The plan's activities added by `at`, in the order the console lists them, each with its
    responsible people and its number of check-ins by `at`."""
    responsible: dict[int, list[str]] = {}
    for activity_id, name in db.execute(
            sa.select(ActivityResponsible.activity_id, Staff.name)
            .join(Staff, Staff.id == ActivityResponsible.staff_id)
            .join(Activity, Activity.id == ActivityResponsible.activity_id)
            .where(Activity.plan_id == plan.id).order_by(ActivityResponsible.activity_id, Staff.name)):
        responsible.setdefault(activity_id, []).append(name)
    came = (sa.select(CheckIn.activity_id, sa.func.count().label("n")).where(*_checkins_of(plan, at))
            .group_by(CheckIn.activity_id).subquery())
    extra = [name for name in PLAN_COLUMNS if hasattr(Activity, name)]
    stmt = (sa.select(Activity.id, Activity.key, Activity.title, Activity.type, Activity.plan_workshop, Activity.due,
                      Activity.starts_at, Activity.ends_at, Activity.place, sa.func.coalesce(came.c.n, 0),
                      Activity.done_at, Activity.done_note, Activity.evidence_url,
                      *(getattr(Activity, name) for name in extra))
            .outerjoin(came, came.c.activity_id == Activity.id)
            .where(Activity.plan_id == plan.id)  # the plan's activities, whenever they were added to it
            .order_by(sa.func.coalesce(Activity.starts_at, Activity.created_at), Activity.id))
    for row in _stream(db, stmt):
        (id_, key, title, type_, workshop, due, starts_at, ends_at, place, participants, done_at, note,
         url) = row[:13]
        plan_values = {name: value for name, value in zip(extra, row[13:], strict=True) if value is not None}
        yield ActivityRow(id_, key or "", title, type_, bool(workshop), due, starts_at, ends_at, place or "",
                          tuple(responsible.get(id_, ())), int(participants), _until(done_at, at),
                          note or "", url or "", **plan_values)


@dataclass(frozen=True, slots=True)
class CheckInRow:
    activity: str  # its title
    activity_code: str
    code: str
    name: str
    unit: str
    at: datetime
    added_by: str  # the coordinator who added a walk-in, else ""
    note: str


def checkins(db: Session, plan: Plan, at: datetime) -> Iterator[CheckInRow]:
    """Check-ins at the plan's activities by `at`, by activity and time."""
    adder = aliased(Staff)
    stmt = (sa.select(Activity.title, Activity.code, Staff.code, Staff.name, Staff.unit, CheckIn.at, adder.name,
                      CheckIn.note)
            .join(Activity, Activity.id == CheckIn.activity_id)
            .join(Staff, Staff.id == CheckIn.staff_id)
            .outerjoin(adder, adder.id == CheckIn.added_by_id)
            .where(*_checkins_of(plan, at))
            .order_by(CheckIn.activity_id, CheckIn.at, CheckIn.id))
    for title, activity_code, code, name, unit, moment, added_by, note in _stream(db, stmt):
        yield CheckInRow(title, activity_code, code, name, unit, moment, added_by or "", note or "")


# -- nominations and honours ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class NominationRow:
    round: str  # its title
    created_at: datetime
    kind: str  # person / unit
    nominee: str  # the person's name, or the unit
    unit: str
    virtue: str
    reason: str


def _round_ids(db: Session, plan: Plan) -> list[int]:
    return [r.id for r in rounds_of_plan(db, plan)]


def nominations(db: Session, plan: Plan, at: datetime) -> Iterator[NominationRow]:
    """Nominations in the plan's rounds made by `at`, oldest first. Nominations are private and the
    tally names no nominator: neither does this."""
    ids = _round_ids(db, plan)
    if not ids:
        return
    stmt = (sa.select(NominationRound.title, Nomination.created_at, Nomination.kind, Staff.name, Nomination.unit,
                      Nomination.virtue, Nomination.reason)
            .join(NominationRound, NominationRound.id == Nomination.round_id)
            .outerjoin(Staff, Staff.id == Nomination.nominee_id)
            .where(Nomination.round_id.in_(ids), Nomination.created_at <= at)
            .order_by(Nomination.created_at, Nomination.id))
    for title, created_at, kind, person, unit, virtue, reason in _stream(db, stmt):
        nominee = (person or "-") if kind == PERSON else unit
        yield NominationRow(title, created_at, kind, nominee, unit, virtue, reason)


@dataclass(frozen=True, slots=True)
class HonourRow:
    round: str
    honoured_at: datetime
    kind: str
    name: str  # the person's name, or the unit
    unit: str
    virtue: str  # "" = overall
    honoured_by: str


def honours(db: Session, plan: Plan, at: datetime) -> Iterator[HonourRow]:
    """Honours in the plan's rounds recorded by `at`, oldest first."""
    ids = _round_ids(db, plan)
    if not ids:
        return
    by = aliased(Staff)
    stmt = (sa.select(NominationRound.title, Honour.honoured_at, Honour.kind, Staff.name, Honour.unit, Honour.virtue,
                      by.name)
            .join(NominationRound, NominationRound.id == Honour.round_id)
            .outerjoin(Staff, Staff.id == Honour.nominee_id)
            .outerjoin(by, by.id == Honour.honoured_by_id)
            .where(Honour.round_id.in_(ids), Honour.honoured_at <= at)
            .order_by(Honour.honoured_at, Honour.id))
    for title, honoured_at, kind, person, unit, virtue, honoured_by in _stream(db, stmt):
        name = (person or "-") if kind == PERSON else unit
        yield HonourRow(title, honoured_at, kind, name, unit, virtue or "", honoured_by or "")


# -- evidence --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EvidenceRow:
    id: int
    indicator_code: str
    kind: str  # file / link / note
    record: str  # "" or a record type (models.evidence ORDER, AWARD …)
    title: str
    dated: date
    activity: str  # the activity's title, or ""
    url: str
    note: str
    source: str
    recorded_by: str
    recorded_at: datetime
    removed_at: datetime | None  # by `at`
    file_name: str
    file_type: str
    file_size: int | None
    file_sha256: str
    # the record's fields
    order_number: str = ""
    order_signer: str = ""
    award_issuer: str = ""
    award_kind: str = ""
    channel: str = ""
    lessons_done: str = ""
    lessons_results: str = ""
    lessons_worked: str = ""
    lessons_problems: str = ""
    lessons_improvements: str = ""
    lessons_sent_on: date | None = None
    lessons_acknowledged_by: str = ""
    lessons_acknowledged_on: date | None = None
    confirmed_by: str = ""
    confirmed_position: str = ""
    statement: str = ""


def evidence(db: Session, plan: Plan, at: datetime) -> Iterator[EvidenceRow]:
    """The plan's evidence recorded by `at` (removed items too, with when), by indicator, date and id."""
    recorder = aliased(Staff)
    stmt = (sa.select(Evidence.id, Evidence.indicator_code, Evidence.kind, Evidence.record, Evidence.title,
                      Evidence.dated, Activity.title, Evidence.url, Evidence.note, Evidence.source, recorder.name,
                      Evidence.recorded_at, Evidence.removed_at, StoredFile.original_name, StoredFile.content_type,
                      StoredFile.size, StoredFile.sha256,
                      AppointmentOrder.number, AppointmentOrder.signer, Award.issuer, Award.award_kind,
                      Publicity.channel, Lessons.done, Lessons.results, Lessons.worked, Lessons.problems,
                      Lessons.improvements, Lessons.sent_on, Lessons.acknowledged_by, Lessons.acknowledged_on,
                      Confirmation.confirmed_by, Confirmation.position, Confirmation.statement)
            .outerjoin(Activity, Activity.id == Evidence.activity_id)
            .outerjoin(recorder, recorder.id == Evidence.recorded_by_id)
            .outerjoin(StoredFile, StoredFile.id == Evidence.file_id)
            .outerjoin(AppointmentOrder, AppointmentOrder.evidence_id == Evidence.id)
            .outerjoin(Award, Award.evidence_id == Evidence.id)
            .outerjoin(Publicity, Publicity.evidence_id == Evidence.id)
            .outerjoin(Lessons, Lessons.evidence_id == Evidence.id)
            .outerjoin(Confirmation, Confirmation.evidence_id == Evidence.id)
            .where(Evidence.plan_id == plan.id, Evidence.recorded_at <= at, Evidence.dated <= at.date())
            .order_by(Evidence.indicator_code, Evidence.dated, Evidence.id))
    for row in _stream(db, stmt):
        (id_, code, kind, record, title, dated, activity, url, note, source, recorded_by, recorded_at, removed_at,
         file_name, file_type, file_size, file_sha256, *fields) = row
        texts = ["" if value is None else value for value in fields]
        (number, signer, issuer, award_kind, channel, done, results, worked, problems, improvements, _sent,
         acknowledged_by, _acknowledged, confirmed_by, position, statement) = texts
        yield EvidenceRow(
            id_, code, kind, record or "", title, dated, activity or "", url or "", note or "", source,
            recorded_by or "", recorded_at, _until(removed_at, at), file_name or "", file_type or "", file_size,
            file_sha256 or "", number, signer, issuer, award_kind, channel, done, results, worked, problems,
            improvements, _day_until(fields[10], at), acknowledged_by, _day_until(fields[12], at), confirmed_by,
            position, statement)
