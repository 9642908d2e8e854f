"""Evidence for the plan's indicators: what an assessor looks at (../shared/ASSESSMENT.md).

An evidence item belongs to an indicator of a plan (by its code, "4.3") and optionally to one of the
plan's activities. It is a file (a photo, a PDF, a scan: a row of models.files, with its size and
sha256), a link or a note, with the date it bears, where it was recorded (console, LINE, CLI) and by
whom. Some indicators need more than an item, and get a record on top of one:

- 2.2 the appointment order (คำสั่งแต่งตั้ง): its number, date and signer;
- 4.2 an award, certificate or thank-you letter from outside the office: its issuer and kind, dated
  within the indicator's window (from one year before the fiscal year began to its end);
- 4.3 publicity: one channel from CHANNELS per item; the indicator counts distinct channels;
- 4.4 lessons learned: what was done, results against targets, what worked, problems, improvements,
  when it went to the supervisor and who acknowledged it (ทราบ);
- 4.5 the confirmation that no one was disciplined, charged or sued in the fiscal year: who
  confirmed, their position, the date, the statement.

Nothing is deleted: removing an item marks it removed (who, when), so the audit trail and later
reports still see what was there. Rules refuse with EvidenceError(reason, **details); the console,
LINE and the CLI each say it in their words. Nothing here commits.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import audit, jobrun
from models.activity import Activity
from models.base import Base, utcnow
from models.files import StoredFile
from models.plan import Indicator, Measured, Plan, years_later

FILE, LINK, NOTE = "file", "link", "note"
KINDS = (FILE, LINK, NOTE)
SOURCES = ("console", "line", "cli")

# The record types on top of an item.
ORDER, AWARD, PUBLICITY, LESSONS, CONFIRMATION = "order", "award", "publicity", "lessons", "confirmation"
RECORD_INDICATORS = {ORDER: "2.2", AWARD: "4.2", PUBLICITY: "4.3", LESSONS: "4.4", CONFIRMATION: "4.5"}

# 4.3's channels, as assessors list them (key → Thai name)
CHANNELS = {
    "website": "เว็บไซต์ของหน่วยงาน",
    "facebook": "เพจ Facebook",
    "line_oa": "LINE Official Account",
    "line_group": "กลุ่ม LINE",
    "youtube": "YouTube",
    "tiktok": "TikTok",
    "board": "บอร์ดประชาสัมพันธ์ / โปสเตอร์",
    "newsletter": "จดหมายข่าว",
    "radio": "วิทยุ",
    "newspaper": "หนังสือพิมพ์",
    "meeting": "วาระการประชุม",
}
# 4.2's kinds of recognition
AWARD_KINDS = {"award": "รางวัล", "certificate": "เกียรติบัตร", "plaque": "โล่", "thanks": "หนังสือขอบคุณ",
               "praise": "คำชื่นชม"}

MAX_TITLE = 300
MAX_TEXT = 4000
MAX_URL = 2000


class Reason(enum.Enum):
    NO_INDICATOR = "no_indicator"            # the plan has no indicator with that code
    WRONG_INDICATOR = "wrong_indicator"      # a record type filed under another indicator
    NO_ACTIVITY = "no_activity"              # the activity is not one of this plan's
    EMPTY = "empty"                          # a needed field is empty (details: field)
    TOO_LONG = "too_long"                    # (field, limit)
    BAD_URL = "bad_url"                      # not an http(s) link
    NEED_CONTENT = "need_content"            # a file item without a file, a link item without a link…
    FUTURE = "future"                        # dated after today
    OUTSIDE_YEAR = "outside_year"            # dated outside the fiscal year (first, last)
    AWARD_TOO_OLD = "award_too_old"          # older than 4.2's window (oldest)
    UNKNOWN_CHANNEL = "unknown_channel"      # not in CHANNELS
    UNKNOWN_AWARD_KIND = "unknown_award_kind"
    ACK_BEFORE_SENT = "ack_before_sent"      # acknowledged before it was sent
    NOT_FOUND = "not_found"                  # no such item (or removed already)


class EvidenceError(ValueError):
    def __init__(self, reason: Reason, **details: object):
        self.reason, self.details = reason, details
        super().__init__(f"{reason.value}: {details}" if details else reason.value)


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    indicator_code: Mapped[str] = mapped_column(sa.String(16))
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # file / link / note
    record: Mapped[str] = mapped_column(sa.String(16), default="")  # "" or one of the record types
    title: Mapped[str] = mapped_column(sa.String(MAX_TITLE))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(MAX_URL), default="")
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("files.id", ondelete="SET NULL"))
    dated: Mapped[date]  # the date the evidence bears (the award's, the post's), not when it was recorded
    source: Mapped[str] = mapped_column(sa.String(16))  # console / line / cli
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    __table_args__ = (sa.Index("ix_evidence_plan_indicator", "plan_id", "indicator_code"),)


class AppointmentOrder(Base):
    """2.2: คำสั่ง … ที่ 12/2569 เรื่อง แต่งตั้งคณะทำงาน…"""

    __tablename__ = "evidence_orders"

    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    signer: Mapped[str] = mapped_column(sa.String(200))


class Award(Base):
    """4.2: recognition from a body outside the office."""

    __tablename__ = "evidence_awards"

    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(300))
    award_kind: Mapped[str] = mapped_column(sa.String(20))


class Publicity(Base):
    """4.3: one item published on one channel."""

    __tablename__ = "evidence_publicity"

    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20))


class Lessons(Base):
    """4.4: the lessons learned (ถอดบทเรียน), and its presentation to the supervisor."""

    __tablename__ = "evidence_lessons"

    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    done: Mapped[str] = mapped_column(sa.Text)          # what was done
    results: Mapped[str] = mapped_column(sa.Text)       # results against the targets
    worked: Mapped[str] = mapped_column(sa.Text)        # what worked
    problems: Mapped[str] = mapped_column(sa.Text)
    improvements: Mapped[str] = mapped_column(sa.Text)  # for next year
    sent_on: Mapped[date | None]                         # presented to the supervisor
    acknowledged_by: Mapped[str] = mapped_column(sa.String(200), default="")
    acknowledged_on: Mapped[date | None]                 # the supervisor's ทราบ


class Confirmation(Base):
    """4.5: no one was disciplined, charged or sued in the fiscal year."""

    __tablename__ = "evidence_confirmations"

    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), primary_key=True)
    confirmed_by: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str] = mapped_column(sa.String(200))
    statement: Mapped[str] = mapped_column(sa.Text)


DEFAULT_STATEMENT = ("ขอรับรองว่า ในปีงบประมาณ พ.ศ. {year} ไม่มีบุคลากรในสังกัดถูกดำเนินการทางวินัย "
                     "หรือต้องหาว่ากระทำความผิดทางอาญา หรือถูกฟ้องคดีอาญา")


# -- recording -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recorded:
    """Who records, from where, when: the same for every kind of record."""

    source: str        # console / line / cli
    by: int | None     # staff id (None from the CLI)
    at: datetime       # now, aware


def _text(field: str, value: str | None, limit: int, required: bool = True) -> str:
    text = " ".join((value or "").split()) if limit <= MAX_TITLE else (value or "").strip()
    if required and not text:
        raise EvidenceError(Reason.EMPTY, field=field)
    if len(text) > limit:
        raise EvidenceError(Reason.TOO_LONG, field=field, limit=limit)
    return text


def _url(value: str | None) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    if not url.lower().startswith(("https://", "http://")) or len(url) < 12 or any(c.isspace() for c in url):
        raise EvidenceError(Reason.BAD_URL, url=url[:100])
    if len(url) > MAX_URL:
        raise EvidenceError(Reason.TOO_LONG, field="url", limit=MAX_URL)
    return url


def year_span(plan: Plan) -> tuple[date, date]:
    return plan.starts_on, plan.ends_on


def award_window(plan: Plan) -> tuple[date, date]:
    """4.2 counts recognition from one year before the fiscal year began ("ย้อนหลังไม่เกิน 1 ปี": from
    1 Oct 2567 for FY2569, i.e. FY2568 on) to the year's last day."""
    return years_later(plan.starts_on, -1), plan.ends_on


def _dated(plan: Plan, dated: date, recorded: Recorded, this_year_only: bool = False) -> date:
    """Not after today; inside the fiscal year for what only counts there (publicity, the 4.5
    confirmation), else from a year before it began (an order signed before the year, an award)."""
    today = recorded.at.date()
    if dated > today:
        raise EvidenceError(Reason.FUTURE, dated=dated, today=today)
    start, end = year_span(plan) if this_year_only else award_window(plan)
    if dated < start or dated > end:
        raise EvidenceError(Reason.OUTSIDE_YEAR, dated=dated, first=start, last=end)
    return dated


def indicator_of(db: Session, plan: Plan, code: str) -> Indicator:
    found = db.scalar(sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.code == code.strip()))
    if found is None:
        raise EvidenceError(Reason.NO_INDICATOR, code=code.strip()[:16],
                            codes=[i.code for i in plan.indicators])
    return found


def add(db: Session, plan: Plan, indicator_code: str, kind: str, title: str, dated: date, recorded: Recorded, *,
        url: str = "", note: str = "", file: StoredFile | None = None, activity_id: int | None = None,
        record: str = "") -> Evidence:
    """An evidence item of `indicator_code` in `plan`. A file item needs `file`, a link item `url`, a
    note item `note`; a file or a note may carry a link too."""
    indicator = indicator_of(db, plan, indicator_code)
    if record and RECORD_INDICATORS[record] != indicator.code:
        raise EvidenceError(Reason.WRONG_INDICATOR, record=record, code=indicator.code,
                            expected=RECORD_INDICATORS[record])
    if kind not in KINDS:
        raise ValueError(f"unknown evidence kind {kind!r}")
    title = _text("title", title, MAX_TITLE)
    note = _text("note", note, MAX_TEXT, required=kind == NOTE)
    url = _url(url)
    if (kind == FILE and file is None) or (kind == LINK and not url):
        raise EvidenceError(Reason.NEED_CONTENT, kind=kind)
    if activity_id is not None:
        owner = db.scalar(sa.select(Activity.plan_id).where(Activity.id == activity_id))
        if owner != plan.id:
            raise EvidenceError(Reason.NO_ACTIVITY, activity_id=activity_id)
    item = Evidence(plan_id=plan.id, indicator_code=indicator.code, activity_id=activity_id, kind=kind, record=record,
                    title=title, note=note, url=url, file_id=file.id if file is not None else None,
                    dated=_dated(plan, dated, recorded, this_year_only=record in (PUBLICITY, CONFIRMATION)),
                    source=recorded.source, recorded_by_id=recorded.by, recorded_at=recorded.at)
    db.add(item)
    db.flush()
    return item


def attach_file(db: Session, plan: Plan, indicator_code: str, file: StoredFile, title: str, dated: date,
                recorded: Recorded, activity_id: int | None = None) -> tuple[Evidence, bool]:
    """`file` as a file item of `indicator_code` in `plan`, unless it is one already: (the item, made now).
    Attaching the same file twice (a double click, two coordinators) keeps one item."""
    found = db.scalar(sa.select(Evidence).where(*_kept(plan), Evidence.indicator_code == indicator_code.strip(),
                                                Evidence.file_id == file.id).limit(1))
    if found is not None:
        return found, False
    return add(db, plan, indicator_code, FILE, title, dated, recorded, file=file, activity_id=activity_id), True


def _content_kind(file: StoredFile | None, url: str) -> str:
    return FILE if file is not None else LINK if url.strip() else NOTE


def add_order(db: Session, plan: Plan, number: str, dated: date, signer: str, recorded: Recorded, *,
              title: str = "", file: StoredFile | None = None, url: str = "") -> tuple[Evidence, AppointmentOrder]:
    """2.2: the order appointing the working group (or the people responsible for each activity)."""
    number, signer = _text("number", number, 40), _text("signer", signer, 200)
    item = add(db, plan, RECORD_INDICATORS[ORDER], _content_kind(file, url),
               title or f"คำสั่งแต่งตั้งผู้รับผิดชอบการขับเคลื่อนองค์กรคุณธรรม ที่ {number}", dated, recorded,
               url=url, note="" if file or url else f"คำสั่งที่ {number} ลงนามโดย {signer}", file=file, record=ORDER)
    order = AppointmentOrder(evidence_id=item.id, number=number, signer=signer)
    db.add(order)
    db.flush()
    return item, order


def add_award(db: Session, plan: Plan, issuer: str, award_kind: str, dated: date, recorded: Recorded, *,
              title: str = "", file: StoredFile | None = None, url: str = "") -> tuple[Evidence, Award]:
    """4.2: recognition from outside the office, with its scan or a link; refused when it is older
    than the window (award_window)."""
    issuer = _text("issuer", issuer, 300)
    if award_kind not in AWARD_KINDS:
        raise EvidenceError(Reason.UNKNOWN_AWARD_KIND, kind=award_kind, kinds=list(AWARD_KINDS))
    oldest, _ = award_window(plan)
    if dated < oldest:
        raise EvidenceError(Reason.AWARD_TOO_OLD, dated=dated, oldest=oldest)
    if file is None and not (url or "").strip():
        raise EvidenceError(Reason.NEED_CONTENT, kind=FILE)
    item = add(db, plan, RECORD_INDICATORS[AWARD], _content_kind(file, url),
               title or f"{AWARD_KINDS[award_kind]}จาก{issuer}", dated, recorded, url=url, file=file, record=AWARD)
    award = Award(evidence_id=item.id, issuer=issuer, award_kind=award_kind)
    db.add(award)
    db.flush()
    return item, award


def add_publicity(db: Session, plan: Plan, channel: str, dated: date, recorded: Recorded, *, url: str = "",
                  file: StoredFile | None = None, title: str = "") -> tuple[Evidence, Publicity]:
    """4.3: one dated item on one channel, with its link and/or a screenshot."""
    if channel not in CHANNELS:
        raise EvidenceError(Reason.UNKNOWN_CHANNEL, channel=channel, channels=list(CHANNELS))
    if file is None and not (url or "").strip():
        raise EvidenceError(Reason.NEED_CONTENT, kind=LINK)
    item = add(db, plan, RECORD_INDICATORS[PUBLICITY], _content_kind(file, url),
               title or f"เผยแพร่ทาง{CHANNELS[channel]}", dated, recorded, url=url, file=file, record=PUBLICITY)
    publicity = Publicity(evidence_id=item.id, channel=channel)
    db.add(publicity)
    db.flush()
    return item, publicity


def add_lessons(db: Session, plan: Plan, dated: date, recorded: Recorded, *, done: str, results: str, worked: str,
                problems: str, improvements: str, sent_on: date | None = None, acknowledged_by: str = "",
                acknowledged_on: date | None = None, file: StoredFile | None = None,
                title: str = "") -> tuple[Evidence, Lessons]:
    """4.4: the lessons learned; met once it went to the supervisor and they acknowledged it."""
    fields = {name: _text(name, value, MAX_TEXT) for name, value in (
        ("done", done), ("results", results), ("worked", worked), ("problems", problems),
        ("improvements", improvements))}
    acknowledged_by = _text("acknowledged_by", acknowledged_by, 200, required=acknowledged_on is not None)
    for moment in (sent_on, acknowledged_on):
        if moment is not None and moment > recorded.at.date():
            raise EvidenceError(Reason.FUTURE, dated=moment, today=recorded.at.date())
    if acknowledged_on is not None and (sent_on is None or acknowledged_on < sent_on):
        raise EvidenceError(Reason.ACK_BEFORE_SENT, sent_on=sent_on, acknowledged_on=acknowledged_on)
    item = add(db, plan, RECORD_INDICATORS[LESSONS], FILE if file is not None else NOTE,
               title or f"สรุปองค์ความรู้และถอดบทเรียน ปีงบประมาณ {plan.fiscal_year}", dated, recorded,
               note=fields["done"], file=file, record=LESSONS)
    lessons = Lessons(evidence_id=item.id, sent_on=sent_on, acknowledged_by=acknowledged_by,
                      acknowledged_on=acknowledged_on, **fields)
    db.add(lessons)
    db.flush()
    return item, lessons


def add_confirmation(db: Session, plan: Plan, confirmed_by: str, position: str, dated: date, recorded: Recorded, *,
                     statement: str = "", file: StoredFile | None = None) -> tuple[Evidence, Confirmation]:
    """4.5: the head's or HR's confirmation for the fiscal year (re-confirmed as often as the office
    wants: the latest counts)."""
    confirmed_by, position = _text("confirmed_by", confirmed_by, 200), _text("position", position, 200)
    statement = _text("statement", statement or DEFAULT_STATEMENT.format(year=plan.fiscal_year), MAX_TEXT)
    item = add(db, plan, RECORD_INDICATORS[CONFIRMATION], FILE if file is not None else NOTE,
               f"หนังสือรับรองของ{confirmed_by} {position}", dated, recorded, note=statement, file=file,
               record=CONFIRMATION)
    confirmation = Confirmation(evidence_id=item.id, confirmed_by=confirmed_by, position=position, statement=statement)
    db.add(confirmation)
    db.flush()
    return item, confirmation


def remove(db: Session, item_id: int, recorded: Recorded) -> Evidence:
    """Mark an item removed (it stays in the database and the audit trail)."""
    item = db.get(Evidence, item_id)
    if item is None or item.removed_at is not None:
        raise EvidenceError(Reason.NOT_FOUND, id=item_id)
    item.removed_at, item.removed_by_id = recorded.at, recorded.by
    db.flush()
    return item


# -- reading -------------------------------------------------------------------------------------------
def _kept(plan: Plan) -> list[sa.ColumnElement[bool]]:
    return [Evidence.plan_id == plan.id, Evidence.removed_at.is_(None)]


def items(db: Session, plan: Plan, indicator_code: str | None = None) -> list[Evidence]:
    """The plan's evidence (not removed), by indicator, then date."""
    stmt = sa.select(Evidence).where(*_kept(plan))
    if indicator_code:
        stmt = stmt.where(Evidence.indicator_code == indicator_code)
    return list(db.scalars(stmt.order_by(Evidence.indicator_code, Evidence.dated, Evidence.id)))


def files_of(db: Session, found: list[Evidence]) -> dict[int, StoredFile]:
    """The stored files of these items, by file id (one statement)."""
    ids = [i.file_id for i in found if i.file_id]
    return {f.id: f for f in db.scalars(sa.select(StoredFile).where(StoredFile.id.in_(ids)))} if ids else {}


def attached(db: Session, plan: Plan, indicator_code: str, file_ids: list[int]) -> set[int]:
    """Which of these files are already an item (not removed) of `indicator_code` in `plan`."""
    if not file_ids:
        return set()
    return set(db.scalars(sa.select(Evidence.file_id).where(*_kept(plan), Evidence.indicator_code == indicator_code,
                                                            Evidence.file_id.in_(file_ids))))


def counts(db: Session, plan: Plan) -> dict[str, int]:
    """Items per indicator code (not removed)."""
    return dict(db.execute(sa.select(Evidence.indicator_code, sa.func.count()).where(*_kept(plan))
                           .group_by(Evidence.indicator_code)).tuples())


def channels(db: Session, plan: Plan, now: datetime) -> list[str]:
    """4.3: the distinct channels used this fiscal year by `now`, in CHANNELS' order."""
    start, end = year_span(plan)
    used = set(db.scalars(sa.select(Publicity.channel).join(Evidence, Evidence.id == Publicity.evidence_id)
                          .where(*_kept(plan), Evidence.dated >= start, Evidence.dated <= min(end, now.date()))))
    return [c for c in CHANNELS if c in used]


def awards(db: Session, plan: Plan, now: datetime) -> list[tuple[Evidence, Award]]:
    """4.2: recognition inside the window and dated by `now`."""
    oldest, last = award_window(plan)
    return list(db.execute(sa.select(Evidence, Award).join(Award, Award.evidence_id == Evidence.id)
                           .where(*_kept(plan), Evidence.dated >= oldest, Evidence.dated <= min(last, now.date()))
                           .order_by(Evidence.dated, Evidence.id)).tuples())


def lessons(db: Session, plan: Plan) -> tuple[Evidence, Lessons] | None:
    """4.4: the latest lessons-learned record."""
    row = db.execute(sa.select(Evidence, Lessons).join(Lessons, Lessons.evidence_id == Evidence.id)
                     .where(*_kept(plan)).order_by(Evidence.dated.desc(), Evidence.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def confirmation(db: Session, plan: Plan, now: datetime) -> tuple[Evidence, Confirmation] | None:
    """4.5: the latest confirmation dated in the fiscal year by `now`."""
    start, end = year_span(plan)
    row = db.execute(sa.select(Evidence, Confirmation).join(Confirmation, Confirmation.evidence_id == Evidence.id)
                     .where(*_kept(plan), Evidence.dated >= start, Evidence.dated <= min(end, now.date()))
                     .order_by(Evidence.dated.desc(), Evidence.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


# -- 4.5's monthly re-confirmation (an office's choice) -------------------------------------------------
MONTHLY_CONFIRMATION = "confirmation_monthly"  # a JobSetting: "on" when the office re-confirms 4.5 each month


def monthly_confirmation(db: Session) -> bool:
    """Whether the office wants a reminder each month to re-confirm 4.5 (off unless switched on)."""
    return jobrun.get_setting(db, MONTHLY_CONFIRMATION) == "on"


def set_monthly_confirmation(db: Session, on: bool, now: datetime) -> None:
    """Does not commit."""
    jobrun.set_setting(db, MONTHLY_CONFIRMATION, "on" if on else "off", now)


def confirmed_in_month(db: Session, plan: Plan, day: date) -> bool:
    """A 4.5 confirmation dated in the month of `day`."""
    first = day.replace(day=1)
    return db.scalar(sa.select(sa.func.count()).select_from(Confirmation)
                     .join(Evidence, Evidence.id == Confirmation.evidence_id)
                     .where(*_kept(plan), Evidence.dated >= first, Evidence.dated <= day)) != 0


# -- measures (models/measures.py MEASURES) -------------------------------------------------------------
def awards_measure(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """4.2: how many awards, certificates or letters of thanks from outside are recorded."""
    found = len(awards(db, plan, now))
    return Measured(float(found), found, 0)


def channels_measure(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """4.3: distinct publicity channels (the target is 5)."""
    used = len(channels(db, plan, now))
    return Measured(float(used), used, len(CHANNELS))


REPORT_STEPS = 3  # 4.4: recorded, presented to the supervisor, acknowledged (ทราบ)


def report_measure(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """4.4: met (1) when the lessons learned went to the supervisor and they acknowledged it by `now`;
    `done` is how far it got (0 nothing recorded, 1 recorded, 2 presented, 3 acknowledged)."""
    found = lessons(db, plan)
    if found is None:
        return Measured(0.0, 0, REPORT_STEPS)
    record = found[1]
    sent = record.sent_on is not None and record.sent_on <= now.date()
    acknowledged = sent and record.acknowledged_on is not None and record.acknowledged_on <= now.date()
    return Measured(1.0 if acknowledged else 0.0, 1 + int(sent) + int(acknowledged), REPORT_STEPS)


def confirmation_measure(db: Session, plan: Plan, now: datetime) -> Measured | None:
    """4.5: met (1) when the office confirmed it for this fiscal year."""
    return Measured(1.0 if confirmation(db, plan, now) is not None else 0.0, 0, 0)


audit.register(Evidence, audit.Audited(("indicator_code", "kind", "title", "url", "dated", "activity_id",
                                        "removed_at"), lambda e: f"หลักฐานตัวชี้วัด {e.indicator_code}: {e.title}"))
