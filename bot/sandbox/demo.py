"""A fictional office for the sandbox: 30 people in 4 units, most of them already on LINE, living in
the fiscal year of the moment it is loaded (`load(db, now)`).

The seed's plan is rolled forward to the fiscal year that holds `now`, and the office's year is laid
out on it: each of the plan's activities on a day of its own before its due date (carried out, with
check-ins, once that day has passed; ahead otherwise), one activity open for check-in now, the
year's pledge published before anyone acknowledged it, proposals, evidence and a nomination round
that fit the date (not yet, open, or closed with honourees). Nothing is dated after `now`.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import activity as activities
from models import audit, roster
from models import evidence as proofs
from models import nomination as nominations
from models import plan as plans
from models import pledge as pledges
from models import proposal as proposals
from models.all import Base
from models.staff import Staff

UNITS = ("กลุ่มงานประสานฯ", "กลุ่มงานส่งเสริมการพัฒนาชุมชน", "อำเภอเมืองทองคำ", "อำเภอดอยหมอก")

# (code, name, position, unit index, role) — every name is made up.
PEOPLE = (
    ("D001", "นางสาวกมลวรรณ ศรีสุข", "นักวิชาการพัฒนาชุมชนชำนาญการ", 0, "coordinator"),
    ("D002", "นายธนากร บุญมา", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", 0, "coordinator"),
    ("D003", "นายประเสริฐ วงศ์ใหญ่", "พัฒนาการจังหวัด", 0, "executive"),
    ("D004", "นางพรทิพย์ แสงทอง", "เจ้าพนักงานธุรการชำนาญงาน", 0, "staff"),
    ("D005", "นายอนุชา คำแก้ว", "นักจัดการงานทั่วไป", 0, "staff"),
    ("D006", "นางสาวปิยะนุช ใจงาม", "เจ้าพนักงานการเงินและบัญชี", 0, "staff"),
    ("D007", "นายวรวิทย์ ทองดี", "พนักงานขับรถยนต์", 0, "staff"),
    ("D008", "นางสุภาพร มีสุข", "นักวิชาการพัฒนาชุมชนชำนาญการพิเศษ", 1, "staff"),
    ("D009", "นายสมเกียรติ ปัญญาดี", "นักวิชาการพัฒนาชุมชนชำนาญการ", 1, "staff"),
    ("D010", "นางสาวจิราพร อินทร์แก้ว", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", 1, "staff"),
    ("D011", "นายชัยวัฒน์ ดวงดี", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", 1, "staff"),
    ("D012", "นางวิไลวรรณ คงมั่น", "นักวิชาการพัฒนาชุมชน", 1, "staff"),
    ("D013", "นายภานุวัฒน์ สายสุวรรณ", "นักวิชาการพัฒนาชุมชน", 1, "staff"),
    ("D014", "นางสาวศิริพร บัวแก้ว", "นักวิชาการพัฒนาชุมชน", 1, "staff"),
    ("D015", "นายธีรพงษ์ รุ่งเรือง", "นักวิชาการคอมพิวเตอร์", 1, "staff"),
    ("D016", "นายสุรชัย พรหมมา", "พัฒนาการอำเภอ", 2, "staff"),
    ("D017", "นางอรุณี ชัยมงคล", "นักวิชาการพัฒนาชุมชนชำนาญการ", 2, "staff"),
    ("D018", "นายณัฐพล จันทร์หอม", "นักวิชาการพัฒนาชุมชนปฏิบัติการ", 2, "staff"),
    ("D019", "นางสาวรัตนา ทิพย์มณี", "นักพัฒนาชุมชน", 2, "staff"),
    ("D020", "นายกิตติศักดิ์ ผาสุข", "นักพัฒนาชุมชน", 2, "staff"),
    ("D021", "นางสาวนภัสสร เพชรรัตน์", "เจ้าพนักงานธุรการ", 2, "staff"),
    ("D022", "นายเอกชัย ศรีวิไล", "นักพัฒนาชุมชน", 2, "staff"),
    ("D023", "นางมาลัย ธรรมสุข", "พัฒนาการอำเภอ", 3, "staff"),
    ("D024", "นายพิชิต แก้วประเสริฐ", "นักวิชาการพัฒนาชุมชนชำนาญการ", 3, "staff"),
    ("D025", "นางสาวอัญชลี วงศ์คำ", "นักพัฒนาชุมชน", 3, "staff"),
    ("D026", "นายวีระพล ยอดยิ่ง", "นักพัฒนาชุมชน", 3, "staff"),
    ("D027", "นางสาวเบญจมาศ ใจดี", "นักพัฒนาชุมชน", 3, "staff"),
    ("D028", "นายศุภชัย อุ่นใจ", "เจ้าพนักงานธุรการ", 3, "staff"),
    ("D029", "นางสาวพิมพ์ชนก ทองคำ", "นักพัฒนาชุมชน", 3, "staff"),
    ("D030", "นายอภิชาติ บุญเรือง", "นักพัฒนาชุมชน", 3, "staff"),
)
# Not yet on LINE, so the registration journey has someone to register as.
UNREGISTERED = ("D007", "D013", "D014", "D021", "D022", "D029", "D030")
# Already acknowledged the pledge, so the coordinator's summary has something to show.
ACKNOWLEDGED = ("D001", "D002", "D003", "D004", "D005", "D008", "D009", "D010", "D016", "D017", "D023")


def line_user_id(code: str) -> str:
    """A stable, LINE-shaped user id for a demo person (U + 32 hex digits)."""
    return "U" + hashlib.sha256(f"sandbox:{code}".encode()).hexdigest()[:32]


def is_loaded(db: Session) -> bool:
    return bool(db.scalar(sa.select(sa.func.count()).select_from(Staff)))


def load(db: Session, now: datetime) -> None:
    """The demo office at `now` (aware, in the office's time zone), on top of an empty roster (the
    defaults must already exist). Does not commit."""
    rows = [roster.RosterRow(i + 2, code, name, position, UNITS[unit], role)
            for i, (code, name, position, unit, role) in enumerate(PEOPLE)]
    roster.apply(db, rows)
    people = {p.code: p for p in db.scalars(sa.select(Staff))}
    plan = this_year(db, now)
    if plan is None:  # no plan file at all: only the people and the pledge
        _register(db, people, _publish(db, Year(now.date(), now.date(), now), None, None) - timedelta(days=1))
        return
    year = Year(plan.starts_on, plan.ends_on, now)
    days = _schedule(db, plan, year)
    published = _publish(db, year, days.get("pledge-announcement"), plan.fiscal_year)
    _register(db, people, published - timedelta(days=1))
    for i, code in enumerate(ACKNOWLEDGED):
        at = year.between(published, now, (i + 1) / (len(ACKNOWLEDGED) + 1))
        for version in pledges.current_versions(db):
            pledges.acknowledge(db, people[code], version, at=at)
    for i, (code, problem, good, virtue) in enumerate(PROPOSALS):
        at = year.between(max(year.start, now - timedelta(days=10)), now, (i + 1) / (len(PROPOSALS) + 1))
        proposals.add(db, people[code], plan.id, problem, good, virtue, at, None)
    _carry_out(db, plan, people, year)
    _nomination_round(db, plan, people, year)
    _demo_evidence(db, plan, people, year, published)


@dataclass(frozen=True)
class Year:
    """The fiscal year being lived in, and the moment the demo is loaded at."""

    starts_on: date
    ends_on: date
    now: datetime

    @property
    def tz(self) -> tzinfo:
        return self.now.tzinfo or UTC

    @property
    def start(self) -> datetime:
        return self.at(self.starts_on, time())

    @property
    def end(self) -> datetime:
        """The last minute of the year."""
        return self.at(self.ends_on, time(23, 59))

    def at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def day(self, offset: int) -> date:
        return self.starts_on + timedelta(days=offset)

    @staticmethod
    def between(first: datetime, last: datetime, fraction: float) -> datetime:
        """A minute between two moments (`fraction` of the way), never after `last`."""
        moment = first + (last - first) * fraction
        return min(moment.replace(second=0, microsecond=0), last)


# -- the plan's activities -------------------------------------------------------------------------
@dataclass(frozen=True)
class Planned:
    """When the demo office holds one of the plan's activities: days after the year starts (kept
    before the activity's due date), its hours, who is responsible, and what the record says."""

    offset: int
    starts: time
    hours: int
    responsible: tuple[str, ...]
    note: str
    place: str = "ห้องประชุมสำนักงาน"


PLANNED = {
    "pledge-announcement": Planned(21, time(9, 30), 2, ("D002",), "ประกาศปฏิญญาที่ห้องประชุมใหญ่",
                                   "ห้องประชุมใหญ่ ศาลากลางจังหวัด"),
    "virtue-workshop": Planned(49, time(9), 3, ("D001", "D002"), "บุคลากรร่วมกำหนดคุณธรรมเป้าหมาย 5 ประการ"),
    "plan-workshop": Planned(105, time(9), 7, ("D001",), "บุคลากรร่วมจัดทำแผนการขับเคลื่อนองค์กรคุณธรรม"),
    "honour-ceremony": Planned(224, time(10), 2, ("D002", "D003"), "มอบเกียรติบัตรแก่บุคคลและหน่วยงานคุณธรรม"),
    "lessons-learned": Planned(259, time(13), 3, (), "สรุปบทเรียนและรายงานผลต่อผู้บังคับบัญชา"),
}
ANY_OTHER = Planned(-7, time(9), 3, (), "ดำเนินกิจกรรมตามแผน")  # 7 days before its due date
VOLUNTEER = "กิจกรรมจิตอาสาพัฒนาชุมชนประจำเดือน"
THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม",
               "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


def _day_of(planned: Planned, activity: activities.Activity, year: Year) -> date:
    """The day an activity is held: its planned day, or a week before its due date, never later
    than three days before its due date nor outside the fiscal year."""
    due = activity.due or year.ends_on
    day = year.day(planned.offset) if planned.offset >= 0 else due + timedelta(days=planned.offset)
    return max(year.starts_on, min(day, due - timedelta(days=3), year.ends_on))


def _schedule(db: Session, plan: plans.Plan, year: Year) -> dict[str, tuple[datetime, datetime]]:
    """Give every activity of the plan its day and hours (so they list in date order, due dates
    kept), and an activity of the office's own open for check-in now when none of the plan's is.
    The (start, end) of each by key."""
    days: dict[str, tuple[datetime, datetime]] = {}
    for activity in activities.of_plan(db, plan.id):
        planned = PLANNED.get(activity.key or "", ANY_OTHER)
        start = year.at(_day_of(planned, activity, year), planned.starts)
        end = start + timedelta(hours=planned.hours)
        activities.schedule(activity, start, end)
        activity.place = activity.place or planned.place
        activities.set_responsible(db, activity, list(planned.responsible))
        days[activity.key or str(activity.id)] = (start, end)
    now = year.now
    if not any(a.open_at(now) for a in activities.of_plan(db, plan.id)):
        # Held in the day (08:30–16:30) when now is in the day; otherwise from the hour before now for
        # four hours, so that the demo has something open for check-in at any hour it is opened.
        day = now.replace(hour=8, minute=30, second=0, microsecond=0)
        if day <= now <= day.replace(hour=16):
            start, end = max(day, year.start), min(day.replace(hour=16, minute=30), year.end)
        else:
            start = max(now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1), year.start)
            end = max(min(start + timedelta(hours=4), year.end), now + timedelta(hours=1))
        month = f"{THAI_MONTHS[now.month - 1]} {now.year + 543}"
        volunteer = activities.Activity(plan_id=plan.id, key=None, title=f"{VOLUNTEER}{month}", type="activity",
                                        code=activities.new_code(db), virtue="จิตอาสา", indicator_code="3.1",
                                        problem="ชุมชนขาดคนช่วยงานส่วนรวม",
                                        good="ร่วมกิจกรรมจิตอาสาพัฒนาชุมชนเดือนละครั้ง",
                                        place="ลานวัดบ้านดอยหมอก", created_at=now)
        db.add(volunteer)
        db.flush()
        activities.schedule(volunteer, start, end)
        activities.set_responsible(db, volunteer, ["D016"])
    db.flush()
    return days


def _carry_out(db: Session, plan: plans.Plan, people: dict[str, Staff], year: Year) -> None:
    """Check-ins for every activity that has begun (before now, by people registered by then), and
    the record of carrying out those that have ended."""
    now = year.now
    for n, activity in enumerate(activities.of_plan(db, plan.id)):
        assert activity.checkin_from is not None and activity.starts_at is not None and activity.ends_at is not None
        first = max(activity.checkin_from, year.start)
        if first >= now:
            continue  # ahead
        last = min(activity.ends_at, now - timedelta(minutes=1))
        ended = activity.ends_at < now
        came = [p for i, (code, p) in enumerate(sorted(people.items()))
                if p.registered_at is not None and p.registered_at < first and (i + n) % 4 != 3]
        if not ended:
            came = came[:3]  # the first to arrive
        for i, person in enumerate(came):
            activities.check_in(db, activity, person, year.between(first, last, (i + 1) / (len(came) + 1)))
        if ended:
            note = PLANNED.get(activity.key, ANY_OTHER).note if activity.key else "ร่วมกิจกรรมจิตอาสาในชุมชน"
            activities.mark_done(activity, activity.ends_at, note, "")
    db.flush()


# -- people and the pledge -------------------------------------------------------------------------
def _register(db: Session, people: dict[str, Staff], by: datetime) -> None:
    """Everyone but UNREGISTERED on LINE, the last of them by `by`."""
    for i, (code, person) in enumerate(sorted(people.items())):
        if code not in UNREGISTERED:
            person.line_user_id = line_user_id(code)
            person.registered_at = by - timedelta(days=i % 10, hours=i)
    db.flush()


_BE_YEAR = re.compile(r"(พ\.ศ\.\s*)25\d\d")


def _publish(db: Session, year: Year, ceremony: tuple[datetime, datetime] | None, fiscal_year: int | None) -> datetime:
    """The year's pledge: the default declaration titled with this fiscal year, published at its
    announcement ceremony once that has been held, else on the year's first morning (or a few days
    before now, early in the year's first days). When it was published."""
    now = year.now
    if ceremony is not None and ceremony[0] < now:
        published = ceremony[0]
    elif now - year.start >= timedelta(days=2):
        published = year.at(year.starts_on, time(9))
    else:
        published = now - timedelta(days=3)
    for version in pledges.current_versions(db):
        version.published_at = published
        if fiscal_year is not None:
            version.document.title = _BE_YEAR.sub(lambda m: f"{m.group(1)}{fiscal_year}", version.document.title)
    db.flush()
    return published


PROPOSALS = (
    ("D004", "มาประชุมไม่ตรงเวลา", "เริ่มประชุมตรงเวลาทุกครั้ง", "วินัย"),
    ("D008", "เปิดไฟและแอร์ทิ้งไว้ตอนพักเที่ยง", "ปิดไฟและแอร์เมื่อไม่ใช้งาน", "พอเพียง"),
    ("D016", "ชุมชนขาดคนช่วยงานส่วนรวม", "ร่วมกิจกรรมจิตอาสาพัฒนาชุมชนเดือนละครั้ง", "จิตอาสา"),
)


# -- the nomination round (4.1) --------------------------------------------------------------------
ROUND_OPENS, ROUND_CLOSES = 61, 181  # days after the year starts: about 1 December to 31 March
# (nominator, person nominated or "unit:<unit>", virtue, reason)
NOMINATIONS = (
    ("D004", "D009", "จิตอาสา", "ช่วยเพื่อนร่วมงานทุกครั้งที่มีงานเร่งด่วน และอาสาไปช่วยงานชุมชนในวันหยุด"),
    ("D010", "D008", "วินัย", "มาทำงานตรงเวลาทุกวัน ส่งงานก่อนกำหนด และเป็นแบบอย่างให้น้อง ๆ ในกลุ่มงาน"),
    ("D017", "D016", "สุจริต", "ปฏิเสธของขวัญจากผู้มาติดต่ออย่างสุภาพ และอธิบายนโยบายไม่รับของขวัญให้ทุกคนเข้าใจ"),
    ("D009", "unit:" + UNITS[3], "พอเพียง", "ทั้งอำเภอร่วมกันปิดไฟช่วงพักเที่ยงและใช้กระดาษสองหน้า ค่าไฟลดลงอย่างเห็นได้ชัด"),
    ("D005", "D009", "จิตอาสา", "อาสาขับรถพาทีมไปช่วยชุมชนที่ประสบภัยน้ำท่วมโดยไม่ขอค่าตอบแทน"),
)


def _nomination_round(db: Session, plan: plans.Plan, people: dict[str, Staff], year: Year) -> None:
    """No round before it opens; open with the nominations made so far while it runs; closed, with
    its honourees chosen the next morning, once its last day has passed."""
    now = year.now
    opens = year.at(year.day(ROUND_OPENS), time(8, 30))
    closes_on = year.day(ROUND_CLOSES)
    if opens >= now:
        return
    round_ = nominations.start_round(db, opens, closes_on=closes_on, plan_id=plan.id, by=people["D001"])
    last = min(now - timedelta(minutes=1), year.at(closes_on, time(16, 30)))
    made = []
    for i, (nominator, target, virtue, reason) in enumerate(NOMINATIONS):
        at = year.between(opens, last, (i + 1) / (len(NOMINATIONS) + 1))
        if target.startswith("unit:"):
            nomination, _ = nominations.nominate(db, round_, people[nominator], nominations.UNIT, virtue, reason,
                                                 at, unit=target.removeprefix("unit:"))
        else:
            nomination, _ = nominations.nominate(db, round_, people[nominator], nominations.PERSON, virtue,
                                                 reason, at, nominee=people[target])
        made.append(nomination)
    if now.date() <= closes_on:
        return
    round_.closed_at = min(year.at(closes_on + timedelta(days=1), time()), now)
    chosen = year.at(closes_on + timedelta(days=1), time(10))
    if chosen < now:
        for nomination in (made[0], made[1], made[3]):  # two people and a unit
            nominations.honour_nominee_of(db, nomination, chosen, virtue=nomination.virtue, by=people["D001"])
    db.flush()


# -- evidence --------------------------------------------------------------------------------------
def _demo_evidence(db: Session, plan: plans.Plan, people: dict[str, Staff], year: Year,
                   published: datetime) -> None:
    """A little evidence, so หลักฐาน and 4.3 have something to show: two publicity channels (the
    pledge's, after it was published) and, once the virtue workshop was held, a note of it
    (fictional links; dated inside the fiscal year, never after today)."""
    now = year.now
    today = now.date()
    recorded = proofs.Recorded("console", people["D001"].id, now)
    posted = max(plan.starts_on, min(today, published.date() + timedelta(days=1)))
    by_key = {a.key: a for a in activities.of_plan(db, plan.id) if a.key}
    ceremony = by_key.get("pledge-announcement")
    held = ceremony is not None and ceremony.done_at is not None
    proofs.add_publicity(db, plan, "facebook", posted, recorded, url="https://www.facebook.com/example.office/posts/1",
                         title="ภาพกิจกรรมประกาศเจตนารมณ์ทางเพจของสำนักงาน" if held
                         else "ประชาสัมพันธ์ปฏิญญาองค์กรคุณธรรมทางเพจของสำนักงาน")
    proofs.add_publicity(db, plan, "board", posted, recorded, url="https://example.org/board-photo",
                         title="ติดประกาศปฏิญญาที่บอร์ดประชาสัมพันธ์")
    workshop = by_key.get("virtue-workshop")
    if workshop is not None and workshop.done_at is not None:
        came = activities.attendance_count(db, workshop.id)
        proofs.add(db, plan, "1.1", proofs.NOTE, "ประชุมกำหนดคุณธรรมเป้าหมาย", workshop.done_at.astimezone(year.tz).date(),
                   recorded, note=f"ประชุมทุกกลุ่มงานเพื่อกำหนดคุณธรรมเป้าหมาย 5 ประการ ผู้เข้าร่วม {came} คน")


def this_year(db: Session, now: datetime) -> plans.Plan | None:
    """The plan of today's fiscal year, in use: the demo office lives in the present, so the seed's
    plan (FY2569) is rolled forward a year at a time, as a coordinator would, and put in use."""
    year = plans.fiscal_year_of(now.date())
    plan = plans.latest(db)
    while plan is not None and plan.fiscal_year < year:
        plan = plans.next_year(db, plan, now)
        plans.activate(db, plan, now.tzinfo or UTC)
    if plan is not None and plan.fiscal_year == year and plan.status != plans.ACTIVE:
        plans.activate(db, plan, now.tzinfo or UTC)
    return plans.current(db, now)


def wipe(db: Session) -> None:
    """Every row of every table (the schema stays), the audit trail included."""
    audit.unlock_for_wipe(db)
    for table in reversed(Base.metadata.sorted_tables):
        if table is not audit.AuditUnlock.__table__:
            db.execute(table.delete())
    db.execute(audit.AuditUnlock.__table__.delete())
    db.flush()
