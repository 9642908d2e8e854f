"""Nominations of virtuous people and units, nomination rounds, the tally and honours (indicator 4.1).

A round is open from `opens_at` until the coordinator closes it (`closed_at`) or until the end of
its closing date (`closes_on`, a date in the office's time zone): a round past its closing date
counts as closed. At most one round is open or scheduled at a time.

A nomination names a person or a unit, one of the 5 target virtues and a reason. One per nominator
per nominee per virtue per round (UNIQUE on `target`, which is `p:<staff id>` or `u:<unit name>`).
Nobody nominates themselves or their own unit. Nominations are private: only coordinators and
executives see them, and the tally names no nominator.

Functions take `now` as an aware datetime in the office's time zone (the event's time, or the
CLI's clock), so that `now.date()` is the office's date.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.activity import Activity
from models.base import Base, LengthProblem, insert_ignoring_conflicts
from models.names import TITLES
from models.plan import Measured, Plan, fiscal_year_of
from models.proposal import VIRTUES, Vague, vague
from models.staff import Staff

PERSON = "person"
UNIT = "unit"
KINDS = (PERSON, UNIT)
MIN_REASON = 10   # characters, spaces not counted: at least a short sentence
MAX_REASON = 500
MAX_TITLE = 200
MAX_MATCHES = 12  # people or units offered as quick replies at once
HONOUR_ACTIVITY_KEY = "honour-ceremony"
HONOUR_ACTIVITY_TYPE = "honouring"
# A round's title when none is given (stored data, like the default pledge): the plan's fiscal year,
# then "รอบที่ 2", "รอบที่ 3" … for later rounds of the same year.
DEFAULT_TITLE = "เสนอชื่อบุคคลคุณธรรมและหน่วยงานคุณธรรม ปีงบประมาณ {year}"
LATER_ROUND = "{title} รอบที่ {number}"

# Both the roster's names and what a person types lose their titles (models.names.TITLES) before comparing.
_TITLE_PREFIXES = tuple(sorted({t.replace(" ", "") for t in TITLES}, key=len, reverse=True))
_TITLE_KEYS = frozenset(_TITLE_PREFIXES)
_TITLE_RE = re.compile("|".join(re.escape(t) for t in _TITLE_PREFIXES))  # longest first
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"\s+")


class Refusal(enum.Enum):
    """Why the rules refuse a round change, a nomination or an honour (the handler says it in Thai,
    the CLI in English)."""

    TITLE_LENGTH = "title_length"          # a round's title: 1 to MAX_TITLE characters
    NO_TIME_ZONE = "no_time_zone"          # a round's opening time without a zone
    ROUND_OPEN = "round_open"              # another round is open (`title`)
    ROUND_SCHEDULED = "round_scheduled"    # another round is scheduled (`title`)
    CLOSES_TOO_EARLY = "closes_too_early"  # the last day is before the opening day or today
    NO_ROUND = "no_round"                  # nothing open or scheduled to close
    ROUND_CLOSED = "round_closed"          # the round takes no more nominations
    WITHDRAW_CLOSED = "withdraw_closed"    # the round has closed: its nominations stay
    NOT_ON_ROSTER = "not_on_roster"        # the person nominated is not (or no longer) on the roster
    SELF = "self"                          # nobody nominates themselves
    NO_UNIT = "no_unit"
    OWN_UNIT = "own_unit"                  # nobody nominates their own unit
    BAD_KIND = "bad_kind"                  # neither a person nor a unit
    BAD_VIRTUE = "bad_virtue"              # not one of the 5 virtues (`virtue`)
    REASON = "reason"                      # the reason (`problem`: a LengthProblem, or a proposal.Vague)
    NO_PERSON = "no_person"                # an honour for a person without the person


class NominationError(ValueError):
    """A round change, nomination or honour that the rules refuse: `refusal` says why, `details`
    what it was about (a round's `title`, a `virtue`, a length `problem`)."""

    def __init__(self, refusal: Refusal, **details: object):
        super().__init__(refusal.value + "".join(f" {k}={v!r}" for k, v in details.items()))
        self.refusal = refusal
        self.details = details


class NominationRound(Base):
    __tablename__ = "nomination_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(MAX_TITLE))
    opens_at: Mapped[datetime]
    closes_on: Mapped[date | None]  # the last day nominations are taken (office time zone)
    closed_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    def is_open(self, now: datetime) -> bool:
        return (self.opens_at <= now and self.closed_at is None
                and (self.closes_on is None or now.date() <= self.closes_on))

    def is_scheduled(self, now: datetime) -> bool:
        return self.closed_at is None and self.opens_at > now


class Nomination(Base):
    __tablename__ = "nominations"
    __table_args__ = (sa.UniqueConstraint("round_id", "nominator_id", "target", "virtue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination_rounds.id"), index=True)
    nominator_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # person / unit
    target: Mapped[str] = mapped_column(sa.String(210))  # p:<staff id> / u:<unit name>
    nominee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    unit: Mapped[str] = mapped_column(sa.String(200))  # the unit nominated, or the person's unit then
    virtue: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    webhook_event_id: Mapped[str | None] = mapped_column(sa.String(64))


class Honour(Base):
    """A person or unit the coordinator honoured in a round, for one virtue or ('') overall."""

    __tablename__ = "honours"
    __table_args__ = (sa.UniqueConstraint("round_id", "target", "virtue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination_rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    target: Mapped[str] = mapped_column(sa.String(210))
    nominee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    unit: Mapped[str] = mapped_column(sa.String(200))
    virtue: Mapped[str] = mapped_column(sa.String(20), default="")
    honoured_at: Mapped[datetime]
    honoured_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))


def person_target(staff_id: int) -> str:
    return f"p:{staff_id}"


def unit_target(unit: str) -> str:
    return f"u:{unit}"


# -- rounds --------------------------------------------------------------------------------------
def rounds(db: Session) -> list[NominationRound]:
    return list(db.scalars(sa.select(NominationRound).order_by(NominationRound.opens_at, NominationRound.id)))


def open_round(db: Session, now: datetime) -> NominationRound | None:
    """The round taking nominations at `now`."""
    candidates = db.scalars(
        sa.select(NominationRound).where(NominationRound.closed_at.is_(None), NominationRound.opens_at <= now)
        .order_by(NominationRound.opens_at.desc()))
    return next((r for r in candidates if r.is_open(now)), None)


def next_round(db: Session, now: datetime) -> NominationRound | None:
    """The next scheduled round (not open yet), if any."""
    return db.scalar(
        sa.select(NominationRound).where(NominationRound.closed_at.is_(None), NominationRound.opens_at > now)
        .order_by(NominationRound.opens_at).limit(1))


def latest_round(db: Session, now: datetime) -> NominationRound | None:
    """The most recent round that has opened (open or closed)."""
    return db.scalar(sa.select(NominationRound).where(NominationRound.opens_at <= now)
                     .order_by(NominationRound.opens_at.desc(), NominationRound.id.desc()).limit(1))


def get_round(db: Session, round_id: int) -> NominationRound | None:
    return db.get(NominationRound, round_id)


def closed_on(round_: NominationRound, tz) -> date | None:
    """The day a closed round stopped taking nominations."""
    if round_.closed_at is not None:
        day = round_.closed_at.astimezone(tz).date()
        return min(day, round_.closes_on) if round_.closes_on else day
    return round_.closes_on


def default_title(db: Session, at: datetime, plan_id: int | None = None) -> str:
    """The title of a new round: DEFAULT_TITLE with the plan's fiscal year (the year of `at` without
    a plan), numbered after the first round of that title."""
    plan = db.get(Plan, plan_id) if plan_id is not None else None
    year = plan.fiscal_year if plan is not None else fiscal_year_of(at.date())
    title = DEFAULT_TITLE.format(year=year)
    earlier = [r for r in rounds(db) if r.title.startswith(title)]
    return LATER_ROUND.format(title=title, number=len(earlier) + 1) if earlier else title


def start_round(db: Session, now: datetime, title: str | None = None, closes_on: date | None = None,
                opens_at: datetime | None = None, plan_id: int | None = None,
                by: Staff | None = None) -> NominationRound:
    """Open a round now (or schedule it for `opens_at`), titled `title` or `default_title`. Refused
    while another is open or scheduled."""
    opens_at = opens_at or now
    title = default_title(db, opens_at, plan_id) if title is None else " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise NominationError(Refusal.TITLE_LENGTH)
    if opens_at.tzinfo is None:
        raise NominationError(Refusal.NO_TIME_ZONE)
    current = open_round(db, now)
    if current is not None:
        raise NominationError(Refusal.ROUND_OPEN, title=current.title)
    scheduled = next_round(db, now)
    if scheduled is not None:
        raise NominationError(Refusal.ROUND_SCHEDULED, title=scheduled.title)
    if closes_on is not None and closes_on < max(now.date(), opens_at.astimezone(now.tzinfo).date()):
        raise NominationError(Refusal.CLOSES_TOO_EARLY)
    round_ = NominationRound(title=title, opens_at=opens_at, closes_on=closes_on, plan_id=plan_id,
                             opened_by_id=by.id if by is not None else None)
    db.add(round_)
    db.flush()
    return round_


def close_round(db: Session, now: datetime) -> NominationRound:
    """Close the open round, or cancel the scheduled one."""
    round_ = open_round(db, now) or next_round(db, now)
    if round_ is None:
        raise NominationError(Refusal.NO_ROUND)
    round_.closed_at = now
    db.flush()
    return round_


@dataclass(frozen=True)
class RoundCounts:
    nominations: int = 0
    nominators: int = 0
    honoured: int = 0  # distinct people and units honoured


def round_counts(db: Session, round_ids: list[int]) -> dict[int, RoundCounts]:
    """Per round: nominations, distinct nominators and distinct honourees (two statements)."""
    if not round_ids:
        return {}
    made = {rid: (n, who) for rid, n, who in db.execute(
        sa.select(Nomination.round_id, sa.func.count(), sa.func.count(sa.distinct(Nomination.nominator_id)))
        .where(Nomination.round_id.in_(round_ids)).group_by(Nomination.round_id))}
    honoured = dict(db.execute(
        sa.select(Honour.round_id, sa.func.count(sa.distinct(Honour.target)))
        .where(Honour.round_id.in_(round_ids)).group_by(Honour.round_id)).tuples().all())
    return {rid: RoundCounts(*made.get(rid, (0, 0)), honoured=honoured.get(rid, 0)) for rid in round_ids}


def count_rounds(db: Session) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(NominationRound)) or 0


def rounds_page(db: Session, offset: int, limit: int) -> list[NominationRound]:
    """One page of the rounds, newest first."""
    return list(db.scalars(sa.select(NominationRound).order_by(
        NominationRound.opens_at.desc(), NominationRound.id.desc()).offset(offset).limit(limit)))


# -- finding people and units ----------------------------------------------------------------------
def _clean(text: str) -> str:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return text.replace("\u0e4d\u0e32", "\u0e33").casefold()  # นิคหิต + สระอา typed for สระอำ


def _without_titles(compact: str) -> str:
    """`compact` (no spaces) without the titles in front of it."""
    while True:
        title = _TITLE_RE.match(compact)
        if title is None or title.end() == len(compact):
            return compact
        compact = compact[title.end():]


def name_key(name: str) -> str:
    """A name as compared: no titles, no spaces, Thai spelling variants folded."""
    return _without_titles("".join(_clean(name).split()))


def query_parts(query: str) -> list[str]:
    """What a person typed to find a name: its words without titles; [] when only titles are left."""
    words = [_without_titles(w) for w in _SPACES.split(_clean(query).strip()) if w]
    return [w for w in words if w.strip(".") and w not in _TITLE_KEYS]


def _matches(parts: list[str], joined: str, key: str) -> bool:
    return joined in key or all(p in key for p in parts)


def search_people(db: Session, query: str) -> list[Staff]:
    """Active people whose name matches, sorted by name without titles. (The roster is read whole:
    10,000 names take milliseconds.)"""
    parts = query_parts(query)
    if not parts:
        return []
    joined = "".join(parts)
    ids = [i for i, name in db.execute(sa.select(Staff.id, Staff.name).where(Staff.active))
           if _matches(parts, joined, name_key(name))]
    if not ids:
        return []
    people = db.scalars(sa.select(Staff).where(Staff.id.in_(ids)))
    return sorted(people, key=lambda p: (name_key(p.name), p.id))


def units(db: Session) -> list[str]:
    """The units of the people on the roster."""
    return list(db.scalars(
        sa.select(Staff.unit).where(Staff.active, Staff.unit != "").distinct().order_by(Staff.unit)))


def search_units(db: Session, query: str) -> list[str]:
    parts = [p for p in _SPACES.split(_clean(query).strip()) if p]
    if not parts:
        return []
    found = []
    for unit in units(db):
        key = _SPACES.sub("", _clean(unit))
        if "".join(parts) in key or all(p in key for p in parts):
            found.append(unit)
    return found


# -- nominating ----------------------------------------------------------------------------------
def reason_problem(text: str) -> LengthProblem | Vague | None:
    """Why a reason cannot be stored (at least MIN_REASON characters, spaces not counted; at most
    MAX_REASON; not keyboard mash, digits or emoji alone: `proposal.vague`); None when it is fine."""
    length = len(_SPACES.sub("", text))
    if length < MIN_REASON:
        return LengthProblem(short=True, length=length, limit=MIN_REASON)
    if len(text.strip()) > MAX_REASON:
        return LengthProblem(short=False, length=len(text.strip()), limit=MAX_REASON)
    return vague(text)


def target_problem(nominator: Staff, kind: str, nominee: Staff | None = None, unit: str = "") -> Refusal | None:
    """Why this nominator may not nominate this person or unit; None when they may."""
    if kind == PERSON:
        if nominee is None or not nominee.active:
            return Refusal.NOT_ON_ROSTER
        if nominee.id == nominator.id:
            return Refusal.SELF
        return None
    if kind == UNIT:
        if not unit:
            return Refusal.NO_UNIT
        if unit == nominator.unit:
            return Refusal.OWN_UNIT
        return None
    return Refusal.BAD_KIND


def nominated_virtues(db: Session, round_: NominationRound, nominator: Staff, target: str) -> set[str]:
    """The virtues this nominator already nominated this target for, in this round."""
    return set(db.scalars(sa.select(Nomination.virtue).where(
        Nomination.round_id == round_.id, Nomination.nominator_id == nominator.id,
        Nomination.target == target)))


def nominate(db: Session, round_: NominationRound, nominator: Staff, kind: str, virtue: str, reason: str,
             now: datetime, nominee: Staff | None = None, unit: str = "",
             event_id: str | None = None) -> tuple[Nomination, bool]:
    """Store a nomination once; (the nomination, False) when this one was already made.

    Safe under concurrent calls: INSERT … ON CONFLICT DO NOTHING on the round/nominator/target/virtue key.
    """
    if not round_.is_open(now):
        raise NominationError(Refusal.ROUND_CLOSED)
    refusal = target_problem(nominator, kind, nominee, unit)
    if refusal is not None:
        raise NominationError(refusal)
    if virtue not in VIRTUES:
        raise NominationError(Refusal.BAD_VIRTUE, virtue=virtue)
    problem = reason_problem(reason)
    if problem is not None:
        raise NominationError(Refusal.REASON, problem=problem)
    if kind == PERSON:
        assert nominee is not None
        target, unit = person_target(nominee.id), nominee.unit
    else:
        target = unit_target(unit)
    created = insert_ignoring_conflicts(db, Nomination.__table__, {
        "round_id": round_.id, "nominator_id": nominator.id, "kind": kind, "target": target,
        "nominee_id": nominee.id if kind == PERSON and nominee is not None else None, "unit": unit,
        "virtue": virtue, "reason": " ".join(reason.split()), "created_at": now, "webhook_event_id": event_id,
    }, ["round_id", "nominator_id", "target", "virtue"])
    found = db.scalar(sa.select(Nomination).where(
        Nomination.round_id == round_.id, Nomination.nominator_id == nominator.id,
        Nomination.target == target, Nomination.virtue == virtue))
    assert found is not None
    return found, created


def of_nominator(db: Session, round_: NominationRound,
                 nominator: Staff) -> list[tuple[Nomination, Staff | None]]:
    """A nominator's own nominations in a round, with the person nominated (None for units)."""
    rows = db.execute(
        sa.select(Nomination, Staff).outerjoin(Staff, Staff.id == Nomination.nominee_id)
        .where(Nomination.round_id == round_.id, Nomination.nominator_id == nominator.id)
        .order_by(Nomination.created_at, Nomination.id))
    return [(n, s) for n, s in rows.tuples()]


def withdraw(db: Session, nominator: Staff, nomination_id: int, now: datetime) -> Nomination | None:
    """Withdraw one's own nomination while its round is open (the row is deleted, so it may be made
    again); None when it is not theirs or is gone; NominationError when the round has closed."""
    nomination = db.get(Nomination, nomination_id)
    if nomination is None or nomination.nominator_id != nominator.id:
        return None
    round_ = db.get(NominationRound, nomination.round_id)
    if round_ is None or not round_.is_open(now):
        raise NominationError(Refusal.WITHDRAW_CLOSED)
    db.delete(nomination)
    db.flush()
    return nomination


def display_name(db: Session, nomination: Nomination) -> str:
    if nomination.kind == PERSON and nomination.nominee_id is not None:
        person = db.get(Staff, nomination.nominee_id)
        return person.name if person is not None else "-"
    return nomination.unit


# -- the tally -----------------------------------------------------------------------------------
@dataclass
class Entry:
    """One nominee (person or unit) in a tally: ranked by distinct nominators."""

    kind: str
    target: str
    name: str
    unit: str
    ref: int  # the id of one of its nominations: how postbacks point at this nominee
    nominators: set[int] = field(default_factory=set)
    nominations: int = 0
    reasons: list[str] = field(default_factory=list)
    tagged: list[tuple[str, str]] = field(default_factory=list)  # (virtue, reason), for the overall list
    virtues: dict[str, int] = field(default_factory=dict)  # virtue → distinct nominators
    honours: set[str] = field(default_factory=set)  # virtues honoured for ('' = overall)
    # per virtue: who nominated for it, and the first such nomination (for that virtue's list)
    virtue_nominators: dict[str, set[int]] = field(default_factory=dict)
    virtue_refs: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.nominators)


@dataclass
class Section:
    people: list[Entry]
    units: list[Entry]


class VirtueSections(Mapping[str, Section]):
    """A tally's list for each virtue, made from the overall one when first asked for: a page shows one
    virtue at a time, and a round of thousands of nominations need not build all five."""

    def __init__(self, overall: Section):
        self._overall = overall
        self._made: dict[str, Section] = {}

    def __getitem__(self, virtue: str) -> Section:
        if virtue not in VIRTUES:
            raise KeyError(virtue)
        if virtue not in self._made:
            self._made[virtue] = Section(self._of(self._overall.people, virtue), self._of(self._overall.units, virtue))
        return self._made[virtue]

    def __iter__(self) -> Iterator[str]:
        return iter(VIRTUES)

    def __len__(self) -> int:
        return len(VIRTUES)

    def size(self, virtue: str) -> int:
        """How many people and units were nominated for this virtue, without making its lists."""
        return sum(1 for e in (*self._overall.people, *self._overall.units) if virtue in e.virtue_nominators)

    @staticmethod
    def _of(entries: list[Entry], virtue: str) -> list[Entry]:
        made = {}
        for e in entries:
            nominators = e.virtue_nominators.get(virtue)
            if not nominators:
                continue
            reasons = [r for v, r in e.tagged if v == virtue]
            made[e.target] = Entry(e.kind, e.target, e.name, e.unit, e.virtue_refs[virtue], nominators=nominators,
                                   nominations=len(reasons), reasons=reasons,
                                   tagged=[(virtue, r) for r in reasons], virtues={virtue: e.virtues[virtue]},
                                   honours=e.honours, virtue_nominators={virtue: nominators},
                                   virtue_refs={virtue: e.virtue_refs[virtue]})
        return _ranked(made)


@dataclass
class Tally:
    round: NominationRound
    nominators: int  # distinct people who nominated anyone
    nominations: int
    overall: Section
    by_virtue: VirtueSections


def _ranked(entries: dict[str, Entry]) -> list[Entry]:
    keys = {target: name_key(e.name) for target, e in entries.items()}  # once per nominee, not per comparison
    return sorted(entries.values(), key=lambda e: (-e.count, -e.nominations, keys[e.target], e.target))


def tally(db: Session, round_: NominationRound) -> Tally:
    # Plain columns, not Nomination objects: a round of 3,000 nominations is read in a third of the time.
    rows = db.execute(
        sa.select(Nomination.id, Nomination.nominator_id, Nomination.kind, Nomination.target, Nomination.unit,
                  Nomination.virtue, Nomination.reason, Staff.name, Staff.unit)
        .outerjoin(Staff, Staff.id == Nomination.nominee_id)
        .where(Nomination.round_id == round_.id).order_by(Nomination.created_at, Nomination.id)).all()
    honoured: dict[str, set[str]] = {}
    for target, virtue in db.execute(
            sa.select(Honour.target, Honour.virtue).where(Honour.round_id == round_.id)):
        honoured.setdefault(target, set()).add(virtue)

    overall: dict[str, dict[str, Entry]] = {PERSON: {}, UNIT: {}}
    nominators: set[int] = set()
    for nomination_id, nominator_id, kind, target, nominated_unit, virtue, reason, person_name, person_unit in rows:
        nominators.add(nominator_id)
        table = overall[kind]
        entry = table.get(target)
        if entry is None:
            name = person_name if kind == PERSON else nominated_unit
            unit = (person_unit if person_unit is not None else nominated_unit) if kind == PERSON else nominated_unit
            entry = table[target] = Entry(kind, target, name or "-", unit or "", nomination_id,
                                          honours=honoured.get(target, set()))
        entry.nominators.add(nominator_id)
        entry.nominations += 1
        entry.reasons.append(reason)
        entry.tagged.append((virtue, reason))
        entry.virtues[virtue] = entry.virtues.get(virtue, 0) + 1
        entry.virtue_nominators.setdefault(virtue, set()).add(nominator_id)
        entry.virtue_refs.setdefault(virtue, nomination_id)
    section = Section(_ranked(overall[PERSON]), _ranked(overall[UNIT]))
    return Tally(round=round_, nominators=len(nominators), nominations=len(rows), overall=section,
                 by_virtue=VirtueSections(section))


# -- honours -------------------------------------------------------------------------------------
def honour(db: Session, round_: NominationRound, kind: str, now: datetime, nominee: Staff | None = None,
           unit: str = "", virtue: str = "", by: Staff | None = None) -> tuple[Honour, bool]:
    """Record an honouree of a round (for a virtue, or '' overall); (the honour, False) when it was
    recorded before."""
    if virtue and virtue not in VIRTUES:
        raise NominationError(Refusal.BAD_VIRTUE, virtue=virtue)
    if kind == PERSON:
        if nominee is None:
            raise NominationError(Refusal.NO_PERSON)
        target, unit = person_target(nominee.id), nominee.unit
    elif kind == UNIT and unit:
        target = unit_target(unit)
    else:
        raise NominationError(Refusal.NO_UNIT)
    found = _honour_of(db, round_, target, virtue)
    if found is not None:
        return found, False
    # Through the ORM, so that the audit trail (models/audit.py) sees who honoured whom from LINE, the
    # CLI or the console; a concurrent twin hits the UNIQUE key and is rolled back to the savepoint.
    created = Honour(round_id=round_.id, kind=kind, target=target, virtue=virtue, unit=unit,
                     nominee_id=nominee.id if kind == PERSON and nominee is not None else None,
                     honoured_at=now, honoured_by_id=by.id if by is not None else None)
    try:
        with db.begin_nested():
            db.add(created)
            db.flush()
    except sa.exc.IntegrityError:
        found = _honour_of(db, round_, target, virtue)
        assert found is not None
        return found, False
    return created, True


def _honour_of(db: Session, round_: NominationRound, target: str, virtue: str) -> Honour | None:
    return db.scalar(sa.select(Honour).where(Honour.round_id == round_.id, Honour.target == target,
                                             Honour.virtue == virtue))


def honour_nominee_of(db: Session, nomination: Nomination, now: datetime, virtue: str = "",
                      by: Staff | None = None) -> tuple[Honour, bool]:
    """Honour the person or unit a nomination names, in its round."""
    round_ = db.get(NominationRound, nomination.round_id)
    assert round_ is not None
    nominee = db.get(Staff, nomination.nominee_id) if nomination.nominee_id is not None else None
    return honour(db, round_, nomination.kind, now, nominee=nominee, unit=nomination.unit, virtue=virtue,
                  by=by)


def remove_honour(db: Session, round_: NominationRound, target: str, virtue: str = "") -> bool:
    """Take an honour back; False when there was none. Through the ORM, for the audit trail."""
    found = _honour_of(db, round_, target, virtue)
    if found is None:
        return False
    db.delete(found)
    db.flush()
    return True


@dataclass
class Honouree:
    kind: str
    target: str
    name: str
    unit: str
    virtues: list[str]  # the virtues honoured for, in VIRTUES order; [] = overall only
    ids: list[int]  # the Honour rows


def honourees(db: Session, round_: NominationRound) -> list[Honouree]:
    """A round's honourees, people first, each once with the virtues they are honoured for."""
    rows = db.execute(sa.select(Honour, Staff.name, Staff.unit)
                      .outerjoin(Staff, Staff.id == Honour.nominee_id)
                      .where(Honour.round_id == round_.id).order_by(Honour.honoured_at, Honour.id)).tuples()
    found: dict[str, Honouree] = {}
    for h, person_name, person_unit in rows:
        item = found.get(h.target)
        if item is None:
            name = (person_name or "-") if h.kind == PERSON else h.unit
            unit = (person_unit or h.unit) if h.kind == PERSON else h.unit
            item = found[h.target] = Honouree(h.kind, h.target, name, unit, [], [])
        if h.virtue:
            item.virtues.append(h.virtue)
        item.ids.append(h.id)
    for item in found.values():
        item.virtues.sort(key=VIRTUES.index)
    return sorted(found.values(), key=lambda h: (KINDS.index(h.kind), name_key(h.name)))


def latest_honoured_round(db: Session, now: datetime) -> NominationRound | None:
    return db.scalar(sa.select(NominationRound).where(
        NominationRound.opens_at <= now,
        NominationRound.id.in_(sa.select(Honour.round_id))).order_by(
        NominationRound.opens_at.desc(), NominationRound.id.desc()).limit(1))


# -- indicator 4.1 -------------------------------------------------------------------------------
def rounds_of_plan(db: Session, plan: Plan) -> list[NominationRound]:
    """Rounds of the plan: opened for it, or (with no plan recorded) opened within its fiscal year."""
    found = []
    for r in db.scalars(sa.select(NominationRound).where(
            sa.or_(NominationRound.plan_id == plan.id, NominationRound.plan_id.is_(None)))):
        if r.plan_id == plan.id:
            found.append(r)
        else:
            day = r.opens_at.date()  # UTC date: within a day of the office's, enough for a fiscal year edge
            if plan.starts_on <= day <= plan.ends_on:
                found.append(r)
    return found


def honour_activities(db: Session, plan: Plan) -> list[Activity]:
    """The plan's honouring activity: key honour-ceremony, type honouring, or a key with "honour"."""
    return list(db.scalars(sa.select(Activity).where(
        Activity.plan_id == plan.id,
        sa.or_(Activity.key == HONOUR_ACTIVITY_KEY, Activity.type == HONOUR_ACTIVITY_TYPE,
               Activity.key.contains("honour")))))


@dataclass(frozen=True)
class HonoursStanding:
    """Where indicator 4.1 stands: people and units honoured in the plan's rounds, and whether the
    honouring activity was carried out."""

    honoured: int
    held: bool

    @property
    def met(self) -> bool:
        return bool(self.honoured) and self.held


def honours_standing(db: Session, plan: Plan, now: datetime) -> HonoursStanding | None:
    """4.1 at `now`; None while no nomination round exists at all."""
    if db.scalar(sa.select(sa.func.count()).select_from(NominationRound)) == 0:
        return None
    round_ids = [r.id for r in rounds_of_plan(db, plan)]
    honoured = 0
    if round_ids:
        honoured = db.scalar(sa.select(sa.func.count(sa.distinct(Honour.target))).where(
            Honour.round_id.in_(round_ids), Honour.honoured_at <= now)) or 0
    held = any(a.done_at is not None and a.done_at <= now for a in honour_activities(db, plan))
    return HonoursStanding(honoured, held)


def honours_measure(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """4.1: met (1) when a round of this fiscal year has an honouree and the honouring activity is done.

    None while no nomination round exists at all."""
    standing = honours_standing(db, plan, now)
    if standing is None:
        return None
    return Measured(1.0 if standing.met else 0.0, int(bool(standing.honoured)) + int(standing.held), 2)
