"""What the year's documents say, gathered from the database as plain values, as of a moment.

The progress report, the signature sheet, the proposals table, the plan, the honours, the order and
the evidence pack (bot/documents/) are each built from one of these, so every document of the same
moment agrees with the others and with สรุป. Rows recorded after `at` are left out; a proposal
withdrawn after `at` still counts, an evidence item removed after `at` is still listed.

Every gathering is a fixed number of statements whatever the size of the office (the signature sheet
of 10,000 staff is one query). Nothing here formats for people: bot/documents does, in Thai.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import evidence as proofs
from models import measures, nomination
from models import pledge as pledges
from models.activity import Activity, ActivityResponsible, CheckIn
from models.evidence import Evidence
from models.files import StoredFile
from models.plan import IndicatorProgress, Measured, Plan, State
from models.proposal import VIRTUES, PlanComment, Proposal
from models.staff import Staff


# -- indicators --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MilestoneLine:
    due: date
    target: float
    label: str
    state: State | None  # None while nothing is measured


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    title: str
    counts: str
    kind: str  # percent / count / evidence
    target: float
    responsible: str
    measured: Measured | None
    state: State | None
    milestones: list[MilestoneLine]
    evidence: int  # evidence items recorded for it


def indicator_lines(db: Session, plan: Plan, at: datetime) -> list[IndicatorLine]:
    """Every indicator of the plan in the plan's order, with where it stands at `at`."""
    progress: dict[str, IndicatorProgress] = {p.indicator.code: p for p in measures.progress(db, plan, at)}
    counted = evidence_counts(db, plan, at)
    lines = []
    for indicator in plan.indicators:
        p = progress.get(indicator.code)
        states = {m.milestone.id: m.state for m in p.milestones} if p else {}
        lines.append(IndicatorLine(
            indicator.code, indicator.title, indicator.counts, indicator.target_kind, indicator.target,
            indicator.responsible, p.measured if p else None, p.state if p else None,
            [MilestoneLine(m.due, m.target, m.label, states.get(m.id)) for m in indicator.milestones],
            counted.get(indicator.code, 0)))
    return lines


# -- evidence ----------------------------------------------------------------------------------------
def _evidence_as_of(plan: Plan, at: datetime) -> list[sa.ColumnElement[bool]]:
    return [Evidence.plan_id == plan.id, Evidence.recorded_at <= at,
            sa.or_(Evidence.removed_at.is_(None), Evidence.removed_at > at)]


def evidence_counts(db: Session, plan: Plan, at: datetime) -> dict[str, int]:
    return dict(db.execute(sa.select(Evidence.indicator_code, sa.func.count()).where(*_evidence_as_of(plan, at))
                           .group_by(Evidence.indicator_code)).tuples().all())


@dataclass(frozen=True)
class EvidenceLine:
    id: int
    indicator_code: str
    activity_id: int | None
    activity_title: str
    kind: str
    record: str
    title: str
    note: str
    url: str
    dated: date
    source: str
    recorded_by: str
    recorded_at: datetime
    file: StoredFile | None


def evidence_lines(db: Session, plan: Plan, at: datetime) -> list[EvidenceLine]:
    """The plan's evidence at `at`, by indicator then date, each with its file and activity (one statement)."""
    rows = db.execute(
        sa.select(Evidence, StoredFile, Activity.title, Staff.name)
        .outerjoin(StoredFile, StoredFile.id == Evidence.file_id)
        .outerjoin(Activity, Activity.id == Evidence.activity_id)
        .outerjoin(Staff, Staff.id == Evidence.recorded_by_id)
        .where(*_evidence_as_of(plan, at))
        .order_by(Evidence.indicator_code, Evidence.dated, Evidence.id)).tuples()
    return [EvidenceLine(e.id, e.indicator_code, e.activity_id, title or "", e.kind, e.record, e.title, e.note, e.url,
                         e.dated, e.source, name or "", e.recorded_at, f) for e, f, title, name in rows]


# -- activities --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActivityLine:
    id: int
    title: str
    due: date | None
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    participants: int
    done_at: datetime | None  # None: not carried out by `at`
    note: str
    links: list[str]
    responsible: list[tuple[str, str, str]]  # (name, position, unit)
    virtue: str = ""
    problem: str = ""
    good: str = ""
    indicator_code: str = ""
    budget: Decimal | None = None
    budget_used: Decimal | None = None
    photos: list[StoredFile] = field(default_factory=list)   # images, oldest first
    files: list[StoredFile] = field(default_factory=list)    # other files (minutes, reports)


def activity_lines(db: Session, plan: Plan, at: datetime) -> list[ActivityLine]:
    """The plan's activities in date order, each with its participants, responsible people and files at
    `at` (four statements)."""
    rows = list(db.scalars(sa.select(Activity).where(Activity.plan_id == plan.id)
                           .order_by(sa.func.coalesce(Activity.starts_at, Activity.created_at), Activity.id)))
    ids = [a.id for a in rows]
    came = dict(db.execute(sa.select(CheckIn.activity_id, sa.func.count())
                           .join(Activity, Activity.id == CheckIn.activity_id)
                           .where(Activity.plan_id == plan.id, CheckIn.at <= at)
                           .group_by(CheckIn.activity_id)).tuples().all())
    people: dict[int, list[tuple[str, str, str]]] = {}
    for activity_id, name, position, unit in db.execute(
            sa.select(ActivityResponsible.activity_id, Staff.name, Staff.position, Staff.unit)
            .join(Staff, Staff.id == ActivityResponsible.staff_id)
            .join(Activity, Activity.id == ActivityResponsible.activity_id)
            .where(Activity.plan_id == plan.id).order_by(Staff.name)).tuples():
        people.setdefault(activity_id, []).append((name, position, unit))
    files = activity_files(db, plan, at) if ids else {}
    lines = []
    for a in rows:
        done = a.done_at if a.done_at is not None and a.done_at <= at else None
        found = files.get(a.id, [])
        lines.append(ActivityLine(
            a.id, a.title, a.due, a.starts_at, a.ends_at, a.place, came.get(a.id, 0), done,
            a.done_note if done else "", [u for u in a.evidence_url.split() if u] if done else [],
            people.get(a.id, []), a.virtue, a.problem, a.good, a.indicator_code, a.budget,
            a.budget_used if done else None,
            [f for f in found if f.content_type.startswith("image/")],
            [f for f in found if not f.content_type.startswith("image/")]))
    return lines


def activity_files(db: Session, plan: Plan, at: datetime) -> dict[int, list[StoredFile]]:
    """Each activity's files at `at`: those uploaded when it was carried out, and the evidence items
    filed under it (a staff photo counts once it is attached as evidence). One statement."""
    attached = (sa.select(Evidence.file_id).where(*_evidence_as_of(plan, at), Evidence.activity_id.is_not(None),
                                                  Evidence.file_id.is_not(None)))
    rows = db.execute(
        sa.select(StoredFile, sa.func.coalesce(StoredFile.activity_id, Evidence.activity_id))
        .outerjoin(Evidence, sa.and_(Evidence.file_id == StoredFile.id, *_evidence_as_of(plan, at)))
        .join(Activity, Activity.id == sa.func.coalesce(StoredFile.activity_id, Evidence.activity_id))
        .where(Activity.plan_id == plan.id, StoredFile.uploaded_at <= at,
               sa.or_(StoredFile.purpose == "evidence", StoredFile.id.in_(attached)))
        .order_by(StoredFile.uploaded_at, StoredFile.id)).tuples()
    found: dict[int, list[StoredFile]] = {}
    seen: set[int] = set()
    for f, activity_id in rows:
        if f.id not in seen:
            seen.add(f.id)
            found.setdefault(activity_id, []).append(f)
    return found


def without_photos(db: Session, plan: Plan, at: datetime) -> list[str]:
    """3.1: the titles of activities carried out by `at` that have no photo yet, in date order (two
    statements): what a coordinator still has to add before the assessor looks."""
    done = db.execute(sa.select(Activity.id, Activity.title).where(
        Activity.plan_id == plan.id, Activity.done_at.is_not(None), Activity.done_at <= at)
        .order_by(Activity.done_at, Activity.id)).tuples().all()
    if not done:
        return []
    files = activity_files(db, plan, at)
    return [title for activity_id, title in done
            if not any(f.content_type.startswith("image/") for f in files.get(activity_id, []))]


# -- the pledge (1.2) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signature:
    name: str
    position: str
    unit: str
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class SignatureSheet:
    title: str
    version: int
    body: str
    published_at: datetime
    rows: list[Signature]  # everyone on the roster at `at`, by unit then name

    @property
    def headcount(self) -> int:
        return len(self.rows)

    @property
    def signed(self) -> int:
        return sum(1 for r in self.rows if r.acknowledged_at is not None)

    @property
    def percent(self) -> float:
        return round(100.0 * self.signed / self.headcount, 1) if self.rows else 0.0


def signature_sheets(db: Session, at: datetime) -> list[SignatureSheet]:
    """One sheet per pledge document in use: its current version, and every active staff member with
    when they acknowledged that version (None: not yet by `at`). One statement per document."""
    sheets = []
    for version in pledges.current_versions(db):
        acked = (sa.select(pledges.PledgeAck.staff_id, pledges.PledgeAck.acknowledged_at)
                 .where(pledges.PledgeAck.version_id == version.id, pledges.PledgeAck.acknowledged_at <= at).subquery())
        rows = db.execute(sa.select(Staff.name, Staff.position, Staff.unit, acked.c.acknowledged_at)
                          .outerjoin(acked, acked.c.staff_id == Staff.id)
                          .where(Staff.active).order_by(Staff.unit, Staff.name, Staff.id)).tuples()
        sheets.append(SignatureSheet(version.title, version.version, version.body, version.published_at,
                                     [Signature(*row) for row in rows]))
    return sheets


# -- proposals (1.1) ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalLine:
    problem: str
    good: str
    virtue: str
    name: str
    unit: str
    created_at: datetime


@dataclass(frozen=True)
class ProposalTable:
    rows: list[ProposalLine]   # by virtue (VIRTUES order), then time
    per_virtue: dict[str, int]
    people: int                # staff who proposed at least once
    headcount: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.people / self.headcount, 1) if self.headcount else 0.0


def _headcount(db: Session) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Staff).where(Staff.active)) or 0


def proposal_table(db: Session, plan: Plan, at: datetime) -> ProposalTable:
    rows = db.execute(sa.select(Proposal.problem, Proposal.good, Proposal.virtue, Staff.name, Staff.unit,
                                Proposal.staff_id, Proposal.created_at)
                      .join(Staff, Staff.id == Proposal.staff_id)
                      .where(Proposal.plan_id == plan.id, Proposal.created_at <= at,
                             sa.or_(Proposal.withdrawn_at.is_(None), Proposal.withdrawn_at > at))
                      .order_by(Proposal.created_at, Proposal.id)).tuples()
    lines, people = [], set()
    for problem, good, virtue, name, unit, staff_id, created in rows:
        lines.append(ProposalLine(problem, good, virtue, name, unit, created))
        people.add(staff_id)
    order = {v: i for i, v in enumerate(VIRTUES)}
    lines.sort(key=lambda p: order.get(p.virtue, len(order)))
    per_virtue = {v: 0 for v in VIRTUES}
    for p in lines:
        per_virtue[p.virtue] = per_virtue.get(p.virtue, 0) + 1
    return ProposalTable(lines, per_virtue, len(people), _headcount(db))


# -- the plan (2.1) ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommentLine:
    text: str
    name: str
    unit: str
    created_at: datetime


@dataclass(frozen=True)
class PlanComments:
    comments: list[CommentLine]  # oldest first
    people: int                  # staff who commented
    per_unit: dict[str, int]     # comments per unit, most first


def plan_comments(db: Session, plan: Plan, at: datetime) -> PlanComments:
    rows = db.execute(sa.select(PlanComment.text, Staff.name, Staff.unit, PlanComment.staff_id, PlanComment.created_at)
                      .join(Staff, Staff.id == PlanComment.staff_id)
                      .where(PlanComment.plan_id == plan.id, PlanComment.created_at <= at)
                      .order_by(PlanComment.created_at, PlanComment.id)).tuples()
    lines, people = [], set()
    per_unit: dict[str, int] = {}
    for text, name, unit, staff_id, created in rows:
        lines.append(CommentLine(text, name, unit, created))
        people.add(staff_id)
        per_unit[unit] = per_unit.get(unit, 0) + 1
    return PlanComments(lines, len(people), dict(sorted(per_unit.items(), key=lambda kv: (-kv[1], kv[0]))))


# -- honours (4.1) -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HonourLine:
    honour_id: int      # the first Honour row: what a certificate's QR verifies
    kind: str           # person / unit
    name: str
    position: str
    unit: str
    virtues: list[str]  # [] = overall
    round_title: str
    honoured_at: datetime
    nominations: int    # how many nominations they had in the round


def honour_lines(db: Session, plan: Plan, at: datetime) -> list[HonourLine]:
    """Everyone honoured in the plan's rounds by `at`, round by round, people first."""
    lines = []
    for round_ in sorted(nomination.rounds_of_plan(db, plan), key=lambda r: (r.opens_at, r.id)):
        lines.extend(_round_honours(db, round_, at))
    return lines


def honour_of(db: Session, honour_id: int) -> HonourLine | None:
    """The honouree a certificate names (its QR's check): None when that honour no longer exists."""
    first = db.get(nomination.Honour, honour_id)
    round_ = db.get(nomination.NominationRound, first.round_id) if first is not None else None
    if round_ is None:
        return None
    found = [line for line in _round_honours(db, round_, None) if line.honour_id == honour_id]
    return found[0] if found else None


def _round_honours(db: Session, round_: nomination.NominationRound, at: datetime | None) -> list[HonourLine]:
    """A round's honourees (each once, with the virtues they are honoured for), people first (two statements)."""
    honour = nomination.Honour
    stmt = (sa.select(honour, Staff.name, Staff.position, Staff.unit).outerjoin(Staff, Staff.id == honour.nominee_id)
            .where(honour.round_id == round_.id).order_by(honour.honoured_at, honour.id))
    if at is not None:
        stmt = stmt.where(honour.honoured_at <= at)
    nominated = dict(db.execute(sa.select(nomination.Nomination.target, sa.func.count())
                                .where(nomination.Nomination.round_id == round_.id)
                                .group_by(nomination.Nomination.target)).tuples().all())
    found: dict[str, HonourLine] = {}
    for h, name, position, unit in db.execute(stmt).tuples():
        if h.target not in found:
            person = h.kind == nomination.PERSON
            found[h.target] = HonourLine(
                h.id, h.kind, (name or "-") if person else h.unit, (position or "") if person else "",
                (unit or h.unit) if person else h.unit, [], round_.title, h.honoured_at, nominated.get(h.target, 0))
        if h.virtue:
            found[h.target].virtues.append(h.virtue)
    for line in found.values():
        line.virtues.sort(key=lambda v: VIRTUES.index(v) if v in VIRTUES else len(VIRTUES))
    return sorted(found.values(), key=lambda h: (nomination.KINDS.index(h.kind), nomination.name_key(h.name)))


# -- the rest of the report --------------------------------------------------------------------------
@dataclass(frozen=True)
class Year:
    """Everything the progress report says."""

    plan: Plan
    at: datetime
    indicators: list[IndicatorLine]
    activities: list[ActivityLine]
    honours: list[HonourLine]
    channels: list[tuple[str, list[EvidenceLine]]]   # (channel key, its items), in CHANNELS order
    awards: list[tuple[EvidenceLine, proofs.Award]]
    lessons: proofs.Lessons | None
    lessons_item: EvidenceLine | None
    confirmation: proofs.Confirmation | None
    confirmation_item: EvidenceLine | None
    evidence: list[EvidenceLine]
    headcount: int


def year(db: Session, plan: Plan, at: datetime) -> Year:
    """The progress report's content at `at` (6-month and 12-month are the same report, later)."""
    items = evidence_lines(db, plan, at)
    by_id = {e.id: e for e in items}
    records = {e.id for e in items if e.record}
    publicity = dict(db.execute(sa.select(proofs.Publicity.evidence_id, proofs.Publicity.channel)
                                .where(proofs.Publicity.evidence_id.in_(records))).tuples().all()) if records else {}
    channels = [(key, [by_id[i] for i, c in publicity.items() if c == key and by_id[i].dated <= at.date()])
                for key in proofs.CHANNELS]
    oldest, last = proofs.award_window(plan)
    awards = [(by_id[a.evidence_id], a) for a in db.scalars(
        sa.select(proofs.Award).where(proofs.Award.evidence_id.in_(records)))
        if oldest <= by_id[a.evidence_id].dated <= min(last, at.date())] if records else []
    awards.sort(key=lambda pair: (pair[0].dated, pair[0].id))
    lessons = _latest(db, proofs.Lessons, records, by_id)
    confirmation = _latest(db, proofs.Confirmation, records, by_id)
    return Year(plan, at, indicator_lines(db, plan, at), activity_lines(db, plan, at), honour_lines(db, plan, at),
                [(k, found) for k, found in channels if found], awards,
                lessons[1] if lessons else None, lessons[0] if lessons else None,
                confirmation[1] if confirmation else None, confirmation[0] if confirmation else None,
                items, _headcount(db))


def _latest(db: Session, model: type[proofs.Lessons] | type[proofs.Confirmation], records: set[int],
            by_id: dict[int, EvidenceLine]) -> tuple[EvidenceLine, Any] | None:
    """The latest-dated record of a type (4.4's lessons, 4.5's confirmation) among the items."""
    if not records:
        return None
    rows: list[Any] = list(db.scalars(sa.select(model).where(model.__table__.c.evidence_id.in_(records))))
    found = [(by_id[r.evidence_id], r) for r in rows]
    return max(found, key=lambda pair: (pair[0].dated, pair[0].id)) if found else None


def order_of(db: Session, plan: Plan, at: datetime) -> tuple[EvidenceLine, proofs.AppointmentOrder] | None:
    """2.2: the latest appointment order recorded by `at`."""
    items = {e.id: e for e in evidence_lines(db, plan, at) if e.record == proofs.ORDER}
    if not items:
        return None
    found = [(items[o.evidence_id], o) for o in db.scalars(
        sa.select(proofs.AppointmentOrder).where(proofs.AppointmentOrder.evidence_id.in_(items)))]
    return max(found, key=lambda pair: (pair[0].dated, pair[0].id)) if found else None
