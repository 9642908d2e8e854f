"""A fictional office for the sandbox: 30 people in 4 units, most of them already on LINE."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import activity as activities
from models import audit, roster
from models import evidence as proofs
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
    """The demo office, on top of an empty roster (the defaults must already exist)."""
    rows = [roster.RosterRow(i + 2, code, name, position, UNITS[unit], role)
            for i, (code, name, position, unit, role) in enumerate(PEOPLE)]
    roster.apply(db, rows)
    people = {p.code: p for p in db.scalars(sa.select(Staff))}
    for i, (code, person) in enumerate(sorted(people.items())):
        if code not in UNREGISTERED:
            person.line_user_id = line_user_id(code)
            person.registered_at = now - timedelta(days=20 - i % 10)
    db.flush()
    for version in pledges.current_versions(db):
        for i, code in enumerate(ACKNOWLEDGED):
            pledges.acknowledge(db, people[code], version, at=now - timedelta(days=10 - i % 7, hours=i))
    plan = this_year(db, now)
    for i, (code, problem, good, virtue) in enumerate(PROPOSALS):
        proposals.add(db, people[code], plan.id if plan else None, problem, good, virtue,
                      now - timedelta(days=5, hours=i), None)
    if plan is not None:
        _demo_activities(db, plan, people, now)
        _demo_evidence(db, plan, people, now)


def _demo_evidence(db: Session, plan: plans.Plan, people: dict[str, Staff], now: datetime) -> None:
    """A little evidence, so หลักฐาน and 4.3 have something to show: two publicity channels and a note
    (fictional links; dated inside the fiscal year, never after today)."""
    recorded = proofs.Recorded("console", people["D001"].id, now)
    day = max(plan.starts_on, (now - timedelta(days=7)).date())
    proofs.add_publicity(db, plan, "facebook", day, recorded, url="https://www.facebook.com/example.office/posts/1",
                         title="ภาพกิจกรรมประกาศเจตนารมณ์ทางเพจของสำนักงาน")
    proofs.add_publicity(db, plan, "board", day, recorded, url="https://example.org/board-photo",
                         title="ติดประกาศปฏิญญาที่บอร์ดประชาสัมพันธ์")
    proofs.add(db, plan, "1.1", proofs.NOTE, "ประชุมกำหนดคุณธรรมเป้าหมาย", day, recorded,
               note="ประชุมทุกกลุ่มงานเพื่อกำหนดคุณธรรมเป้าหมาย 5 ประการ ผู้เข้าร่วม 18 คน")


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


PROPOSALS = (
    ("D004", "มาประชุมไม่ตรงเวลา", "เริ่มประชุมตรงเวลาทุกครั้ง", "วินัย"),
    ("D008", "เปิดไฟและแอร์ทิ้งไว้ตอนพักเที่ยง", "ปิดไฟและแอร์เมื่อไม่ใช้งาน", "พอเพียง"),
    ("D016", "ชุมชนขาดคนช่วยงานส่วนรวม", "ร่วมกิจกรรมจิตอาสาพัฒนาชุมชนเดือนละครั้ง", "จิตอาสา"),
)


def _demo_activities(db: Session, plan: plans.Plan, people: dict[str, Staff], now: datetime) -> None:
    """Give the plan's activities dates and people, so check-in and the summary have something to show:
    one open for check-in right now, one already carried out."""
    by_key = {a.key: a for a in activities.of_plan(db, plan.id) if a.key}
    workshop = by_key.get("virtue-workshop")
    if workshop is not None:
        start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        activities.schedule(workshop, start, start + timedelta(hours=10))
        workshop.place = "ห้องประชุมสำนักงาน"
        activities.set_responsible(db, workshop, ["D001", "D002"])
        for code in ("D003", "D009"):
            activities.check_in(db, workshop, people[code], now - timedelta(minutes=20))
    announcement = by_key.get("pledge-announcement")
    if announcement is not None:
        day = now - timedelta(days=12)
        activities.schedule(announcement, day, day + timedelta(hours=2))
        activities.set_responsible(db, announcement, ["D002"])
        for code in ACKNOWLEDGED[:6]:
            activities.check_in(db, announcement, people[code], day + timedelta(minutes=10))
        activities.mark_done(announcement, day + timedelta(hours=2), "ประกาศปฏิญญาที่ห้องประชุมใหญ่", "")


def wipe(db: Session) -> None:
    """Every row of every table (the schema stays), the audit trail included."""
    audit.unlock_for_wipe(db)
    for table in reversed(Base.metadata.sorted_tables):
        if table is not audit.AuditUnlock.__table__:
            db.execute(table.delete())
    db.execute(audit.AuditUnlock.__table__.delete())
    db.flush()
