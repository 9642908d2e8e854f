"""Activities of the plan, the people responsible for them, and check-ins (indicators 2.2 and 3.1)."""
from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, relationship

from models.base import Base, insert_ignoring_conflicts, utcnow
from models.proposal import VIRTUES
from models.staff import Staff

CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679"  # no look-alikes, like invite codes
CODE_LENGTH = 6
DEFAULT_OPENS_BEFORE = timedelta(minutes=30)
ROTATION = 120  # seconds a rotating QR code stays valid
# The plan's standard columns (2.1): the virtue, the problem to solve, the good to do, the indicator, the budget
MAX_PLAN_TEXT = 1000
MAX_INDICATOR_CODE = 16
INDICATOR_CODE = re.compile(r"\d+(\.\d+)*")
MAX_BAHT = Decimal(10) ** 10  # a budget is below ten billion baht: Numeric(12, 2)
SATANG = Decimal("0.01")


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (sa.UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    key: Mapped[str | None] = mapped_column(sa.String(64))  # its id in the plan file
    title: Mapped[str] = mapped_column(sa.String(300))
    type: Mapped[str] = mapped_column(sa.String(40), default="activity")
    plan_workshop: Mapped[bool] = mapped_column(default=False)  # attending counts for 2.1
    due: Mapped[date | None]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    checkin_from: Mapped[datetime | None]
    checkin_until: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    radius_m: Mapped[int | None]
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    rotating_qr: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None]
    done_note: Mapped[str] = mapped_column(sa.Text, default="")
    evidence_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    virtue: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")  # of VIRTUES, or ""
    problem: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # the problem to solve
    good: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # the good to do
    indicator_code: Mapped[str] = mapped_column(sa.String(16), default="", server_default="")  # "3.1"
    budget: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))  # planned, baht
    budget_used: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))  # baht, when carried out
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    responsible: Mapped[list[Staff]] = relationship(secondary="activity_responsibles", lazy="selectin",
                                                    order_by=Staff.name)

    @property
    def has_place(self) -> bool:
        return self.latitude is not None and self.longitude is not None and bool(self.radius_m)

    @property
    def scheduled(self) -> bool:
        return self.checkin_from is not None and self.checkin_until is not None

    def open_at(self, moment: datetime) -> bool:
        opens, closes = self.checkin_from, self.checkin_until
        return opens is not None and closes is not None and opens <= moment <= closes


class ActivityResponsible(Base):
    __tablename__ = "activity_responsibles"

    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), primary_key=True)


class CheckIn(Base):
    """One check-in per person per activity."""

    __tablename__ = "checkins"
    __table_args__ = (sa.UniqueConstraint("activity_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    at: Mapped[datetime]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    webhook_event_id: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # a walk-in's, e.g. "no phone"
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))  # a coordinator, for a walk-in


class ActivityError(ValueError):
    pass


# -- codes ---------------------------------------------------------------------------------------
def new_code(db: Session) -> str:
    taken = set(db.scalars(sa.select(Activity.code)))
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum() or ch == "-")


def rotating_code(secret: str, activity: Activity, moment: datetime) -> str:
    """The code a rotating QR shows at `moment`: CODE-XXXX, the suffix signed for a 2-minute slot."""
    slot = int(moment.timestamp()) // ROTATION
    return f"{activity.code}-{_slot_signature(secret, activity.code, slot)}"


def _slot_signature(secret: str, code: str, slot: int) -> str:
    digest = hmac.new(secret.encode(), f"{code}:{slot}".encode(), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:4])


def rotating_valid(secret: str, code: str, suffix: str, moment: datetime) -> bool:
    """Valid in the slot it was shown and the next one: at most 2 minutes after it left the screen."""
    slot = int(moment.timestamp()) // ROTATION
    return any(hmac.compare_digest(_slot_signature(secret, code, s), suffix) for s in (slot, slot - 1))


def page_token(secret: str, activity: Activity) -> str:
    """Opens the coordinator's rotating-QR page for one activity."""
    return hmac.new(secret.encode(), f"qr-page:{activity.id}:{activity.code}".encode(), hashlib.sha256).hexdigest()[:32]


# -- queries -------------------------------------------------------------------------------------
def by_code(db: Session, code: str) -> Activity | None:
    return db.scalar(sa.select(Activity).where(Activity.code == normalize_code(code).split("-")[0]))


# The plans table as this module needs it (models.plan imports this module, not the other way).
_plans = sa.table("plans", sa.column("id"), sa.column("fiscal_year"), sa.column("status"))


def by_key(db: Session, key: str) -> Activity | None:
    """An activity by its id in the plan file (`honour-ceremony`). Every year's plan has the same keys:
    the plan in use of the latest year wins over a draft and over past years."""
    return db.scalar(
        sa.select(Activity).outerjoin(_plans, _plans.c.id == Activity.plan_id).where(Activity.key == key)
        .order_by((_plans.c.status == "active").desc(), _plans.c.fiscal_year.desc(), Activity.id.desc()).limit(1))


def of_plan(db: Session, plan_id: int | None) -> list[Activity]:
    stmt = sa.select(Activity).order_by(sa.func.coalesce(Activity.starts_at, Activity.created_at), Activity.id)
    if plan_id is not None:
        stmt = stmt.where(Activity.plan_id == plan_id)
    return list(db.scalars(stmt))


def open_now(db: Session, moment: datetime) -> list[Activity]:
    """Activities whose check-in window holds `moment`; never a draft plan's (staff do not see drafts)."""
    return list(db.scalars(
        sa.select(Activity).outerjoin(_plans, _plans.c.id == Activity.plan_id)
        .where(Activity.checkin_from <= moment, Activity.checkin_until >= moment,
               sa.or_(Activity.plan_id.is_(None), _plans.c.status != "draft"))
        .order_by(Activity.starts_at)
    ))


def recent(db: Session, plan_id: int, moment: datetime, days: int = 14, limit: int = 5) -> list[Activity]:
    """The plan's activities a coordinator most likely has evidence of at `moment`: open for check-in,
    or started or carried out in the `days` before; the newest first (by start, else by when carried
    out), at most `limit` (one statement)."""
    since = moment - timedelta(days=days)
    chosen = sa.or_(sa.and_(Activity.checkin_from <= moment, Activity.checkin_until >= moment),
                    Activity.starts_at.between(since, moment), Activity.done_at.between(since, moment))
    newest = sa.func.coalesce(Activity.starts_at, Activity.done_at)
    return list(db.scalars(sa.select(Activity).where(Activity.plan_id == plan_id, chosen)
                           .order_by(newest.desc(), Activity.id.desc()).limit(limit)))


def titled(db: Session, plan_id: int, title: str) -> list[Activity]:
    """The plan's activities with exactly this title (spaces as set_title keeps them), oldest first."""
    wanted = " ".join(title.split())
    return list(db.scalars(sa.select(Activity).where(Activity.plan_id == plan_id, Activity.title == wanted)
                           .order_by(Activity.id)))


def attended(db: Session, staff: Staff) -> list[tuple[Activity, CheckIn]]:
    return list(db.execute(
        sa.select(Activity, CheckIn).join(CheckIn, CheckIn.activity_id == Activity.id)
        .where(CheckIn.staff_id == staff.id).order_by(CheckIn.at)
    ).tuples())


def find_checkin(db: Session, activity: Activity, staff: Staff) -> CheckIn | None:
    return db.scalar(sa.select(CheckIn).where(CheckIn.activity_id == activity.id, CheckIn.staff_id == staff.id))


# -- changes -------------------------------------------------------------------------------------
def schedule(activity: Activity, starts_at: datetime, ends_at: datetime | None,
             opens_before: timedelta = DEFAULT_OPENS_BEFORE) -> None:
    if starts_at.tzinfo is None or (ends_at is not None and ends_at.tzinfo is None):
        raise ActivityError("start and end need a time zone (e.g. 2026-01-20T09:00+07:00)")
    ends_at = ends_at or starts_at + timedelta(hours=3)
    if ends_at <= starts_at:
        raise ActivityError("the end must be after the start")
    activity.starts_at, activity.ends_at = starts_at, ends_at
    activity.checkin_from, activity.checkin_until = starts_at - opens_before, ends_at


def set_place(activity: Activity, place: str, latitude: float | None, longitude: float | None,
              radius_m: int | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ActivityError("give both --lat and --lon, or neither")
    if latitude is not None and longitude is not None:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ActivityError("latitude must be within ±90 and longitude within ±180")
        radius_m = radius_m or 200
        if not 10 <= radius_m <= 50_000:
            raise ActivityError("the radius must be 10 to 50,000 metres")
    activity.place, activity.latitude, activity.longitude = place, latitude, longitude
    activity.radius_m = radius_m if latitude is not None else None


def set_responsible(db: Session, activity: Activity, codes: list[str]) -> None:
    people = {p.code: p for p in db.scalars(sa.select(Staff).where(Staff.code.in_(codes)))} if codes else {}
    unknown = [c for c in codes if c not in people]
    if unknown:
        raise ActivityError(f"no person with code {', '.join(unknown)} on the roster")
    activity.responsible = [people[c] for c in codes]


def mark_done(activity: Activity, at: datetime, note: str, evidence_url: str,
              budget_used: Decimal | None = None) -> None:
    """Carried out, with a note and an evidence link; `budget_used` (baht) when given, else the budget
    used stays as recorded. Does not commit."""
    if evidence_url and not evidence_url.startswith(("http://", "https://")):
        raise ActivityError("the evidence link must start with http:// or https://")
    if budget_used is not None:
        activity.budget_used = baht(budget_used, "the budget used")
    activity.done_at, activity.done_note, activity.evidence_url = at, note.strip(), evidence_url.strip()


# -- the plan's columns ----------------------------------------------------------------------------
def plan_virtue(text: str) -> str:
    """The target virtue an activity serves: one of VIRTUES, or "" for none."""
    virtue = text.strip()
    if virtue and virtue not in VIRTUES:
        raise ActivityError(f"the virtue must be one of {', '.join(VIRTUES)}, or empty")
    return virtue


def plan_text(text: str, what: str) -> str:
    """The problem to solve or the good to do (`what` names it in the refusal), trimmed."""
    text = text.strip()
    if len(text) > MAX_PLAN_TEXT:
        raise ActivityError(f"{what} is longer than {MAX_PLAN_TEXT:,} characters")
    return text


def plan_indicator(text: str) -> str:
    """The code of the indicator an activity serves ("3.1"), or "" for none."""
    code = text.strip()
    if code and (len(code) > MAX_INDICATOR_CODE or not INDICATOR_CODE.fullmatch(code)):
        raise ActivityError("the indicator code must be numbers with dots, like 3.1")
    return code


def baht(value: Decimal | None, what: str = "the budget") -> Decimal | None:
    """A sum of baht as the plan keeps it (0 or more, at most 2 decimals, below 10^10), or None for none;
    `what` names it in the refusal."""
    if value is None:
        return None
    if not value.is_finite() or value < 0:
        raise ActivityError(f"{what} must be 0 or more baht")
    if value >= MAX_BAHT:
        raise ActivityError(f"{what} must be below {MAX_BAHT:,} baht")
    if value != value.quantize(SATANG):
        raise ActivityError(f"{what} has more than 2 decimals")
    return value.quantize(SATANG)


def set_plan_columns(activity: Activity, *, virtue: str = "", problem: str = "", good: str = "",
                     indicator_code: str = "", budget: Decimal | None = None) -> None:
    """The activity's columns of the plan (indicator 2.1), all of them: a column not given is emptied.
    Checked first, so a refusal (ActivityError) changes nothing. Does not commit."""
    checked = (plan_virtue(virtue), plan_text(problem, "the problem to solve"), plan_text(good, "the good to do"),
               plan_indicator(indicator_code), baht(budget))
    activity.virtue, activity.problem, activity.good, activity.indicator_code, activity.budget = checked


def check_in(db: Session, activity: Activity, staff: Staff, at: datetime, event_id: str | None = None,
             latitude: float | None = None, longitude: float | None = None) -> tuple[CheckIn, bool]:
    created = insert_ignoring_conflicts(db, CheckIn.__table__, {
        "activity_id": activity.id, "staff_id": staff.id, "at": at, "latitude": latitude,
        "longitude": longitude, "webhook_event_id": event_id,
    }, ["activity_id", "staff_id"])
    found = find_checkin(db, activity, staff)
    assert found is not None
    return found, created


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def copy_to(db: Session, from_plan_id: int, to_plan_id: int, shift: Callable[[Any], Any]) -> int:
    """Copy a plan's activities to another plan with every date moved by `shift` (a year, for the next
    fiscal year): the same titles, keys, places, plan columns (virtue, problem, good, indicator, budget)
    and responsible people (those still on the roster), new check-in codes, nothing carried out (no
    budget used). How many. Does not commit."""
    copied = 0
    for old in db.scalars(sa.select(Activity).where(Activity.plan_id == from_plan_id).order_by(Activity.id)):
        new = Activity(plan_id=to_plan_id, key=old.key, title=old.title, type=old.type,
                       plan_workshop=old.plan_workshop, rotating_qr=old.rotating_qr, code=new_code(db),
                       due=shift(old.due) if old.due else None, place=old.place, latitude=old.latitude,
                       longitude=old.longitude, radius_m=old.radius_m, virtue=old.virtue, problem=old.problem,
                       good=old.good, indicator_code=old.indicator_code, budget=old.budget)
        for name in ("starts_at", "ends_at", "checkin_from", "checkin_until"):
            value = getattr(old, name)
            setattr(new, name, shift(value) if value is not None else None)
        new.responsible = [p for p in old.responsible if p.active]
        db.add(new)
        db.flush()
        copied += 1
    return copied


# -- attendance ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attendance:
    name: str
    attended: int
    total: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.attended / self.total, 1) if self.total else 0.0


def attendance_per_activity(db: Session, plan_id: int | None) -> list[tuple[Activity, int]]:
    people = sa.func.count(CheckIn.id)
    stmt = (sa.select(Activity, people).outerjoin(CheckIn, CheckIn.activity_id == Activity.id)
            .group_by(Activity.id).order_by(Activity.starts_at, Activity.id))
    if plan_id is not None:
        stmt = stmt.where(Activity.plan_id == plan_id)
    return list(db.execute(stmt).tuples())


def attendance_per_unit(db: Session, plan_id: int | None) -> list[Attendance]:
    """Per unit: people who came to at least one activity, of the unit's people."""
    came = sa.select(CheckIn.staff_id).join(Activity, Activity.id == CheckIn.activity_id)
    if plan_id is not None:
        came = came.where(Activity.plan_id == plan_id)
    attended_ = sa.func.count(sa.case((Staff.id.in_(came), 1)))
    rows = db.execute(sa.select(Staff.unit, attended_, sa.func.count(Staff.id)).where(Staff.active)
                      .group_by(Staff.unit).order_by(Staff.unit))
    return [Attendance(unit, a, t) for unit, a, t in rows]


def never_came(db: Session, plan_id: int | None) -> list[Staff]:
    came = sa.select(CheckIn.staff_id).join(Activity, Activity.id == CheckIn.activity_id)
    if plan_id is not None:
        came = came.where(Activity.plan_id == plan_id)
    return list(db.scalars(sa.select(Staff).where(Staff.active, Staff.id.not_in(came))
                           .order_by(Staff.unit, Staff.name)))


# -- the console's lists and changes ---------------------------------------------------------------
# Which activities a list shows (`FILTERS`): every one, those starting later, those open for check-in
# now, those carried out, those with no date yet.
ALL, UPCOMING, OPEN, DONE, UNSCHEDULED = "all", "upcoming", "open", "done", "unscheduled"
FILTERS = (ALL, UPCOMING, OPEN, DONE, UNSCHEDULED)
MAX_TITLE = 300
MAX_PLACE = 300
MAX_EVIDENCE = 1000  # the evidence links, one a line, as one text
MAX_NOTE = 2000


def _chosen(which: str, moment: datetime) -> sa.ColumnElement[bool]:
    if which == UPCOMING:
        return Activity.starts_at > moment
    if which == OPEN:
        return sa.and_(Activity.checkin_from <= moment, Activity.checkin_until >= moment)
    if which == DONE:
        return Activity.done_at.is_not(None)
    if which == UNSCHEDULED:
        return Activity.starts_at.is_(None)
    return sa.true()


def filter_counts(db: Session, plan_id: int, moment: datetime) -> dict[str, int]:
    """How many of a plan's activities each filter shows (one statement)."""
    columns = [sa.func.count(Activity.id)] + [
        sa.func.coalesce(sa.func.sum(sa.case((_chosen(which, moment), 1), else_=0)), 0) for which in FILTERS[1:]]
    row = db.execute(sa.select(*columns).where(Activity.plan_id == plan_id)).one()
    return {which: int(n or 0) for which, n in zip(FILTERS, row, strict=True)}


def attendance_count(db: Session, activity_id: int) -> int:
    return db.scalar(sa.select(sa.func.count(CheckIn.id)).where(CheckIn.activity_id == activity_id)) or 0


def listing(db: Session, plan_id: int, which: str, moment: datetime, offset: int = 0,
            limit: int = 50) -> list[tuple[Activity, int]]:
    """One page of a plan's activities that `which` chooses, each with its number of check-ins (one
    statement; the responsible people come in one more)."""
    people = (sa.select(sa.func.count(CheckIn.id)).where(CheckIn.activity_id == Activity.id)
              .correlate(Activity).scalar_subquery())
    order = (Activity.starts_at, Activity.id) if which == UPCOMING else (
        (Activity.done_at.desc(), Activity.id) if which == DONE
        else (sa.func.coalesce(Activity.starts_at, Activity.created_at), Activity.id))
    stmt = (sa.select(Activity, people).where(Activity.plan_id == plan_id, _chosen(which, moment))
            .order_by(*order).offset(offset).limit(limit))
    return [(activity, int(n or 0)) for activity, n in db.execute(stmt).tuples()]


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def people_matching(db: Session, text: str, leave_out: list[int] | tuple[int, ...] = (),
                    activity_id: int | None = None, limit: int = 8) -> list[tuple[Staff, bool]]:
    """People on the roster whose name has every typed word (or whose code or unit has the text), by
    name, without `leave_out`; each with whether they checked in at `activity_id` already."""
    words = text.split()
    if not words:
        return []
    joined = " ".join(words)
    by_name = sa.and_(*(Staff.name.ilike(_like(w), escape="\\") for w in words))
    where = [Staff.active.is_(True), sa.or_(by_name, Staff.code.ilike(_like(joined), escape="\\"),
                                            Staff.unit.ilike(_like(joined), escape="\\"))]
    if leave_out:
        where.append(Staff.id.not_in(list(leave_out)))
    came: Any = sa.false()
    if activity_id is not None:
        came = sa.exists().where(CheckIn.activity_id == activity_id, CheckIn.staff_id == Staff.id)
    rows = db.execute(sa.select(Staff, came).where(*where).order_by(Staff.name, Staff.id).limit(limit)).tuples()
    return [(person, bool(checked)) for person, checked in rows]


def people_by_ids(db: Session, ids: list[int]) -> list[Staff]:
    """The people of these staff ids in the given order; ActivityError for one not on the roster."""
    wanted = list(dict.fromkeys(ids))
    found = {p.id: p for p in db.scalars(sa.select(Staff).where(Staff.id.in_(wanted), Staff.active))} if wanted else {}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ActivityError(f"no person with id {', '.join(missing)} on the roster")
    return [found[i] for i in wanted]


def set_title(activity: Activity, title: str) -> None:
    title = " ".join(title.split())
    if not title:
        raise ActivityError("the title is empty")
    if len(title) > MAX_TITLE:
        raise ActivityError(f"the title is longer than {MAX_TITLE} characters")
    activity.title = title


def unschedule(activity: Activity) -> None:
    """No date, no check-in window (a plan activity before its date is set)."""
    activity.starts_at = activity.ends_at = activity.checkin_from = activity.checkin_until = None


def evidence_links(activity: Activity) -> list[str]:
    """The evidence links of an activity carried out, one a line in `evidence_url`."""
    return [line.strip() for line in (activity.evidence_url or "").splitlines() if line.strip()]


def mark_done_with(activity: Activity, at: datetime, note: str, links: list[str],
                   budget_used: Decimal | None = None) -> None:
    """Carried out, with a note, any number of evidence links (kept one a line) and the budget used
    (baht; None for not known): the whole record, as the console's form has it. Does not commit."""
    links = list(dict.fromkeys(link.strip() for link in links if link.strip()))
    for link in links:
        if not link.startswith(("http://", "https://")) or any(ch.isspace() for ch in link):
            raise ActivityError("the evidence link must start with http:// or https://")
    if len("\n".join(links)) > MAX_EVIDENCE:
        raise ActivityError(f"the evidence links are longer than {MAX_EVIDENCE:,} characters")
    if len(note.strip()) > MAX_NOTE:
        raise ActivityError(f"the note is longer than {MAX_NOTE:,} characters")
    activity.budget_used = baht(budget_used, "the budget used")
    activity.done_at, activity.done_note, activity.evidence_url = at, note.strip(), "\n".join(links)


def mark_not_done(activity: Activity) -> None:
    """Undo "carried out"; the note and links stay for the next time it is recorded."""
    activity.done_at = None


def walk_in(db: Session, activity: Activity, staff: Staff, at: datetime, note: str,
            added_by: Staff) -> tuple[CheckIn, bool]:
    """A check-in a coordinator adds for someone who came without checking in (no phone, …): one per
    person per activity like any check-in; True when it was added. A plain INSERT (the audit trail
    needs `models.audit.record`). Does not commit."""
    created = insert_ignoring_conflicts(db, CheckIn.__table__, {
        "activity_id": activity.id, "staff_id": staff.id, "at": at, "note": note.strip()[:MAX_NOTE],
        "added_by_id": added_by.id,
    }, ["activity_id", "staff_id"])
    found = find_checkin(db, activity, staff)
    assert found is not None
    return found, created


@dataclass(frozen=True)
class Attendee:
    checkin: CheckIn
    person: Staff
    added_by: Staff | None  # a coordinator who added a walk-in


def attendees(db: Session, activity_id: int, offset: int = 0, limit: int | None = 50) -> list[Attendee]:
    """Who checked in at an activity, in the order they came (one statement)."""
    adder = aliased(Staff)
    stmt = (sa.select(CheckIn, Staff, adder).join(Staff, Staff.id == CheckIn.staff_id)
            .outerjoin(adder, adder.id == CheckIn.added_by_id).where(CheckIn.activity_id == activity_id)
            .order_by(CheckIn.at, CheckIn.id).offset(offset))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [Attendee(c, p, a) for c, p, a in db.execute(stmt).tuples()]
