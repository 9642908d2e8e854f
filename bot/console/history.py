"""ประวัติการแก้ไข: the audit trail (models.audit), newest first, read-only.

Every change a coordinator or executive made in the console, in LINE or with the CLI: who, when,
through which channel, what (in the words people use for it) and each field before → after.
Filters: channel, kind of record, a person, a date range and a search of the labels and names.
Nothing here changes an entry; the database refuses to (models.audit).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from bot import thai
from bot.console import common
from models import audit
from models.audit import AuditEntry

bp = Blueprint("history", __name__, url_prefix="/history")

SOURCE_NAMES = {"console": "หน้าเว็บ", "line": "LINE", "cli": "คำสั่งบนเซิร์ฟเวอร์"}
ACTION_NAMES = {audit.CREATE: "เพิ่ม", audit.UPDATE: "แก้ไข", audit.DELETE: "ลบ"}
ENTITY_NAMES = {  # the tables the trail covers (models.audit.AUDITED and the plain-SQL records)
    "staff": "บุคลากร",
    "pledge_documents": "เอกสารปฏิญญา",
    "pledge_versions": "ฉบับของปฏิญญา",
    "plans": "แผน",
    "indicators": "ตัวชี้วัด",
    "milestones": "หมุดหมาย",
    "activities": "กิจกรรม",
    "checkins": "การเช็คอิน",
    "nomination_rounds": "รอบเสนอชื่อ",
    "honours": "การยกย่อง",
    "job_settings": "การตั้งค่าการแจ้งเตือน",
    "files": "ไฟล์หลักฐาน",
    "evidence": "หลักฐานตัวชี้วัด",
}
FIELD_NAMES = {
    "code": "รหัส", "name": "ชื่อ", "position": "ตำแหน่ง", "unit": "หน่วยงาน", "role": "บทบาท",
    "active": "อยู่ในรายชื่อ", "line_user_id": "บัญชี LINE", "invite_code": "รหัสเชิญ",
    "title": "ชื่อเรื่อง", "version": "ฉบับที่", "body": "ข้อความ",
    "office": "สำนักงาน", "fiscal_year": "ปีงบประมาณ", "starts_on": "เริ่ม", "ends_on": "สิ้นสุด", "status": "สถานะ",
    "counts": "สิ่งที่นับ", "measure": "วิธีวัด", "target_kind": "ชนิดเป้าหมาย", "target": "เป้าหมาย",
    "responsible": "ผู้รับผิดชอบ", "due": "กำหนด", "label": "คำอธิบาย",
    "type": "ประเภท", "plan_workshop": "ประชุมร่วมทำแผน", "starts_at": "เริ่ม", "ends_at": "สิ้นสุด", "place": "สถานที่",
    "latitude": "ละติจูด", "longitude": "ลองจิจูด", "radius_m": "รัศมี (เมตร)", "rotating_qr": "คิวอาร์โค้ดเปลี่ยนทุกนาที",
    "done_at": "ดำเนินการแล้วเมื่อ", "done_note": "บันทึกผล", "evidence_url": "ลิงก์หลักฐาน",
    "activity_id": "กิจกรรม", "staff_id": "บุคลากร", "at": "เวลา", "note": "หมายเหตุ",
    "opens_at": "เปิด", "closes_on": "ปิดวันที่", "closed_at": "ปิดเมื่อ",
    "kind": "ประเภท", "virtue": "คุณธรรม", "value": "ค่า",
    "indicator_code": "ตัวชี้วัด", "dated": "ลงวันที่", "url": "ลิงก์", "removed_at": "นำออกเมื่อ",
    "filename": "ชื่อไฟล์", "size": "ขนาด", "content_type": "ชนิดไฟล์",
    "problem": "ปัญหาที่อยากแก้", "good": "ความดีที่อยากทำ", "budget": "งบประมาณ (บาท)", "budget_used": "ใช้จริง (บาท)",
}
VALUE_NAMES = {
    "role": {"staff": "บุคลากร", "coordinator": "ผู้ประสานงาน", "executive": "ผู้บริหาร"},
    "status": {"draft": "ร่าง", "active": "ใช้งาน"},
    "target_kind": {"percent": "ร้อยละ", "count": "จำนวน", "evidence": "มีหลักฐาน"},
    "kind": {"person": "บุคคล", "unit": "หน่วยงาน"},
}
LONG_TEXT = 160  # longer values fold into a "ดูทั้งหมด"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    long: bool


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    source: str
    action: str
    entity: str
    changes: list[Change]


@dataclass(frozen=True)
class Filters:
    source: str
    entity: str
    actor: int | None
    since: date | None
    until: date | None
    search: str

    @property
    def args(self) -> dict[str, str]:
        """The query arguments that keep these filters (for the page links)."""
        found = {"source": self.source, "entity": self.entity, "actor": str(self.actor or ""),
                 "since": self.since.isoformat() if self.since else "",
                 "until": self.until.isoformat() if self.until else "", "q": self.search}
        return {k: v for k, v in found.items() if v}

    def but(self, **changes: str) -> dict[str, str]:
        """The arguments with some changed ("" drops one)."""
        return {k: v for k, v in {**self.args, **changes}.items() if v}


@bp.get("/")
def index() -> str:
    filters, problems = read_filters()
    tz = common.bot().settings.tz
    since = datetime.combine(filters.since, time(), tz) if filters.since else None
    until = datetime.combine(filters.until + timedelta(days=1), time(), tz) if filters.until else None
    db = common.reading()
    query = audit.Query(filters.source, filters.entity, filters.actor, since, until, filters.search)
    pages = common.pages(audit.count(db, query))
    rows = [row_of(entry) for entry in audit.entries(db, query, pages.offset, pages.per_page)]
    actor_name = next((r.entry.actor_name for r in rows if filters.actor and r.entry.actor_id == filters.actor), "")
    return render_template("console/history/index.html", rows=rows, pages=pages, filters=filters, problems=problems,
                           sources=SOURCE_NAMES, entities=ENTITY_NAMES, actor_name=actor_name)


def read_filters() -> tuple[Filters, list[str]]:
    """The filters of the query string; what cannot be read is dropped and said."""
    args = request.args
    problems = []
    source = args.get("source", "")
    if source not in SOURCE_NAMES:
        source = ""
    entity = args.get("entity", "")
    if entity not in ENTITY_NAMES:
        entity = ""
    actor_text = args.get("actor", "")
    actor = int(actor_text) if actor_text.isdigit() and len(actor_text) < 10 else None
    days: dict[str, date | None] = {}
    for key, name in (("since", "วันเริ่ม"), ("until", "วันสิ้นสุด")):
        text = args.get(key, "").strip()
        try:
            days[key] = date.fromisoformat(text) if text else None
        except ValueError:
            days[key] = None
            problems.append(f"อ่าน{name}ไม่ได้ จึงไม่ได้กรองตามวันนั้น")
    since, until = days["since"], days["until"]
    if since and until and since > until:
        problems.append("วันเริ่มอยู่หลังวันสิ้นสุด จึงสลับให้")
        since, until = until, since
    return Filters(source, entity, actor, since, until, args.get("q", "").strip()[:100]), problems


# -- showing an entry ------------------------------------------------------------------------------
def row_of(entry: AuditEntry) -> Row:
    changes = []
    for field, pair in (entry.changes or {}).items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        shown_before, shown_after = shown(field, before), shown(field, after)
        changes.append(Change(FIELD_NAMES.get(field, field), shown_before, shown_after,
                              max(len(shown_before), len(shown_after)) > LONG_TEXT))
    return Row(entry, SOURCE_NAMES.get(entry.source, entry.source), ACTION_NAMES.get(entry.action, entry.action),
               ENTITY_NAMES.get(entry.entity, entry.entity), changes)


def shown(field: str, value: Any) -> str:
    """A stored value the way people read it: Thai dates, yes/no, role names."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "ใช่" if value else "ไม่ใช่"
    if isinstance(value, list):
        return ", ".join(shown(field, v) for v in value) or "-"
    if isinstance(value, str):
        names = VALUE_NAMES.get(field)
        if names and value in names:
            return names[value]
        return when(value) or value
    if isinstance(value, float):
        return thai.percent(value)
    return str(value)


def when(text: str) -> str:
    """An ISO date or datetime as Thai text; "" when `text` is not one."""
    if not (10 <= len(text) <= 32 and text[:4].isdigit() and text[4:5] == "-"):
        return ""
    try:
        if len(text) == 10:
            return thai.thai_date(date.fromisoformat(text))
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(common.bot().settings.tz)
    return thai.thai_datetime(moment)
