"""The Excel workbook of a plan's year as it stood at a moment: a summary sheet, a sheet per indicator,
and the raw data (models/rawdata.py) that the next level re-keys or checks.

    workbook.write(db, plan, at, "khunnatham-2569.xlsx", tz=ZoneInfo("Asia/Bangkok"))

Written with openpyxl's streaming mode (`Workbook(write_only=True)`): rows go to the file as they come
from the database, so 10,000 staff and 50,000 check-ins take seconds and little memory (the strings
are kept once each, for the shared-strings table; bench/report_workbook_bench.py measures it).

Dates and times are real Excel cells (in the office's time zone, with a number format), and the main
date of each raw sheet has a Thai Buddhist-Era text column beside it. Percentages are numbers with a
percent format. Text typed by others never becomes a formula (`FORMULA_START`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from bot import thai
from models import evidence as proofs
from models import measures, rawdata
from models.plan import Indicator, IndicatorProgress, Plan

# Text typed by others (a proposal, a reason, a name) that starts with one of these would be read as a
# formula by a spreadsheet (the console's downloads follow the same rule, bot/console/common.py). Such
# a cell is written as a string and marked "quote prefix", so that Excel keeps it text even when the
# cell is edited.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters an .xlsx cannot hold
_TO_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
BAHT_FORMAT = "#,##0.00"
MET_FORMAT = '"มีแล้ว";;"ยังไม่มี"'  # an evidence indicator's 1 / 0
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)

NO_DATA = "ยังไม่มีข้อมูล"
ROLE_NAMES = {"staff": "บุคลากร", "coordinator": "ผู้ประสานงาน", "executive": "ผู้บริหาร"}
SOURCE_NAMES = {"console": "หน้าเว็บ", "line": "LINE", "cli": "คำสั่งบนเซิร์ฟเวอร์"}
EVIDENCE_KINDS = {proofs.FILE: "ไฟล์", proofs.LINK: "ลิงก์", proofs.NOTE: "บันทึก"}
RECORD_NAMES = {"": "", proofs.ORDER: "คำสั่งแต่งตั้ง", proofs.AWARD: "รางวัล/การยกย่องจากภายนอก",
                proofs.PUBLICITY: "การเผยแพร่", proofs.LESSONS: "รายงานผลและถอดบทเรียน",
                proofs.CONFIRMATION: "การรับรองไม่มีผู้ถูกดำเนินการทางวินัย"}
NOMINEE_KINDS = {"person": "บุคคล", "unit": "หน่วยงาน"}
YES = "ใช่"


# -- cells ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    heading: str
    width: float = 14
    number_format: str | None = None  # for numbers in this column (dates and times have theirs)


class _Sheet:
    """A write-only sheet and how its values become cells."""

    def __init__(self, book: Workbook, title: str, tz: tzinfo, thai_digits: bool):
        # a WriteOnlyWorksheet: openpyxl gives it column_dimensions at run time, unknown to its stubs
        self.ws: Any = book.create_sheet(title)
        self.tz, self.thai_digits = tz, thai_digits

    def widths(self, widths: Iterable[float]) -> None:
        for number, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(number)].width = width

    def cell(self, value: Any, number_format: str | None = None, font: Font | None = None) -> Any:
        """A value as openpyxl appends it, or a styled cell when it needs one."""
        if isinstance(value, str):
            if not value:
                return None
            if _ILLEGAL.search(value):
                value = _ILLEGAL.sub("", value)
            if value.startswith(FORMULA_START):
                made = WriteOnlyCell(self.ws, value=value)
                made.data_type = "s"  # openpyxl makes "=…" a formula
                made.quotePrefix = True
                if font is not None:
                    made.font = font
                return made
        elif isinstance(value, datetime):
            value = value.astimezone(self.tz).replace(tzinfo=None)
            number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            number_format = DATE_FORMAT
        elif isinstance(value, bool):
            value = YES if value else ""
        if value is None or value == "":
            return None
        if number_format is None and font is None:
            return value
        made = WriteOnlyCell(self.ws, value=value)
        if number_format is not None and not isinstance(value, str):
            made.number_format = number_format
        if font is not None:
            made.font = font
        return made

    def row(self, values: Sequence[Any], formats: Sequence[str | None] = (), font: Font | None = None) -> None:
        self.ws.append([self.cell(v, formats[i] if i < len(formats) else None, font) for i, v in enumerate(values)])

    def be(self, value: date | datetime | None) -> str:
        """A date (and time) the Thai way: `27 ก.พ. 2569`, `27 ก.พ. 2569 09:30 น.`."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            local = value.astimezone(self.tz)
            clock = f"{local:%H:%M}"
            return f"{thai.thai_date(local, self.thai_digits)} " + (
                clock.translate(_TO_THAI_DIGITS) if self.thai_digits else clock) + " น."
        return thai.thai_date(value, self.thai_digits)


def _table(book: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], tz: tzinfo,
           thai_digits: bool, cells: Callable[[_Sheet, Any], Sequence[Any]]) -> int:
    """A raw-data sheet: a bold, frozen heading row, then one row per item. How many rows."""
    sheet = _Sheet(book, title, tz, thai_digits)
    sheet.widths(c.width for c in columns)
    sheet.ws.freeze_panes = "A2"
    sheet.row([c.heading for c in columns], font=BOLD)
    formats = [c.number_format for c in columns]
    written = 0
    for item in rows:
        sheet.row(cells(sheet, item), formats)
        written += 1
    return written


# -- the summary and the indicators ---------------------------------------------------------------------
def _value_format(indicator: Indicator) -> str:
    return {"percent": PERCENT_FORMAT, "count": COUNT_FORMAT}.get(indicator.target_kind, MET_FORMAT)


def _number(indicator: Indicator, value: float | None) -> float | None:
    """A value or target as its cell holds it: a percentage as a fraction (72.5 % → 0.725)."""
    if value is None:
        return None
    return value / 100 if indicator.target_kind == "percent" else value


def _state(found: IndicatorProgress | None) -> str:
    return thai.STATE_NAMES[found.state.value] if found is not None else NO_DATA


def _summary(book: Workbook, plan: Plan, at: datetime, progress: dict[int, IndicatorProgress], tz: tzinfo,
             thai_digits: bool) -> None:
    sheet = _Sheet(book, "สรุป", tz, thai_digits)
    sheet.widths((10, 60, 12, 12, 14, 16, 12, 12))
    sheet.ws.freeze_panes = "A7"
    sheet.row(["สรุปผลการขับเคลื่อนองค์กรคุณธรรม"], font=TITLE)
    sheet.row(["หน่วยงาน", plan.office])
    sheet.row(["ปีงบประมาณ", plan.fiscal_year])
    sheet.row(["ข้อมูล ณ วันที่", sheet.be(at), at])
    sheet.row([])
    sheet.row(["ตัวชี้วัด", "ชื่อตัวชี้วัด", "ผลงาน", "เป้าหมาย", "สถานะ", "กำหนดถัดไป", "ทำได้", "จากทั้งหมด"], font=BOLD)
    for indicator in plan.indicators:
        found = progress.get(indicator.id)
        upcoming = found.next if found is not None else None
        value_format = _value_format(indicator)
        sheet.row([indicator.code, indicator.title,
                   _number(indicator, found.measured.value) if found is not None else None,
                   _number(indicator, indicator.target), _state(found),
                   sheet.be(upcoming.due) if upcoming is not None else "",
                   found.measured.done if found is not None and found.measured.total else None,
                   found.measured.total if found is not None and found.measured.total else None],
                  [None, None, value_format, value_format, None, None, COUNT_FORMAT, COUNT_FORMAT])


def sheet_name(indicator: Indicator) -> str:
    """`ตัวชี้วัด 1.1` (a sheet's name: at most 31 characters, none of : \\ / ? * [ ])."""
    return ("ตัวชี้วัด " + re.sub(r"[:\\/?*\[\]]", "-", indicator.code))[:31]


def _indicator(book: Workbook, indicator: Indicator, found: IndicatorProgress | None, at: datetime, tz: tzinfo,
               thai_digits: bool) -> None:
    sheet = _Sheet(book, sheet_name(indicator), tz, thai_digits)
    sheet.widths((22, 16, 18, 14, 16, 14, 40))
    value_format = _value_format(indicator)
    sheet.row([f"ตัวชี้วัด {indicator.code}", indicator.title], font=TITLE)
    sheet.row(["สิ่งที่นับ", indicator.counts])
    sheet.row(["เป้าหมาย", _number(indicator, indicator.target)], [None, value_format])
    sheet.row(["ผู้รับผิดชอบ", indicator.responsible])
    sheet.row([f"ผลงาน ณ {sheet.be(at)}", _number(indicator, found.measured.value) if found is not None else NO_DATA],
              [None, value_format])
    if found is not None and found.measured.total:
        sheet.row(["ทำได้", found.measured.done, "จากทั้งหมด", found.measured.total],
                  [None, COUNT_FORMAT, None, COUNT_FORMAT])
    sheet.row(["สถานะ", _state(found)])
    sheet.row([])
    sheet.row(["หมุดหมาย", "กำหนด", "กำหนด (พ.ศ.)", "เป้าหมาย", "ควรถึง ณ วันนี้", "สถานะ", "หมายเหตุ"], font=BOLD)
    states = {m.milestone.id: m for m in found.milestones} if found is not None else {}
    for number, milestone in enumerate(indicator.milestones, start=1):
        state = states.get(milestone.id)
        sheet.row([number, milestone.due, sheet.be(milestone.due), _number(indicator, milestone.target),
                   _number(indicator, state.expected) if state is not None else None,
                   thai.STATE_NAMES[state.state.value] if state is not None else NO_DATA, milestone.label],
                  [None, None, None, value_format, value_format])


# -- the raw data ---------------------------------------------------------------------------------------
ROSTER = (Column("รหัส", 12), Column("ชื่อ-สกุล", 28), Column("ตำแหน่ง", 24), Column("หน่วยงาน", 28),
          Column("บทบาท", 14), Column("อยู่ในทะเบียน", 12), Column("ลงทะเบียน LINE เมื่อ", 18),
          Column("ลงทะเบียน LINE (พ.ศ.)", 22))
ACKS = (Column("รหัส", 12), Column("ชื่อ-สกุล", 28), Column("หน่วยงาน", 28), Column("เอกสาร", 40),
        Column("ฉบับที่", 8), Column("รับทราบเมื่อ", 18), Column("รับทราบเมื่อ (พ.ศ.)", 22))
PROPOSALS = (Column("รหัส", 12), Column("ชื่อ-สกุล", 28), Column("หน่วยงาน", 28), Column("คุณธรรม", 12),
             Column("ปัญหาที่อยากแก้", 40), Column("ความดีที่อยากทำ", 40), Column("เสนอเมื่อ", 18),
             Column("เสนอเมื่อ (พ.ศ.)", 22), Column("ถอนเมื่อ", 18))
COMMENTS = (Column("รหัส", 12), Column("ชื่อ-สกุล", 28), Column("หน่วยงาน", 28), Column("ความเห็น", 60),
            Column("เมื่อ", 18), Column("เมื่อ (พ.ศ.)", 22))
ACTIVITIES = (Column("รหัสในแผน", 16), Column("กิจกรรม", 40), Column("ประเภท", 12), Column("เวทีร่วมทำแผน", 10),
              Column("คุณธรรมเป้าหมาย", 14), Column("ปัญหาที่อยากแก้", 30), Column("ความดีที่อยากทำ", 30),
              Column("ตัวชี้วัด", 10), Column("กำหนด", 12), Column("กำหนด (พ.ศ.)", 14), Column("เริ่ม", 18),
              Column("สิ้นสุด", 18), Column("สถานที่", 24), Column("ผู้รับผิดชอบ", 30),
              Column("ผู้เข้าร่วม (คน)", 12, COUNT_FORMAT), Column("งบประมาณ (บาท)", 14, BAHT_FORMAT),
              Column("ใช้จริง (บาท)", 14, BAHT_FORMAT), Column("ดำเนินการแล้วเมื่อ", 18),
              Column("ดำเนินการแล้ว (พ.ศ.)", 22), Column("บันทึกผล", 40), Column("ลิงก์หลักฐาน", 40))
CHECKINS = (Column("กิจกรรม", 40), Column("รหัสกิจกรรม", 10), Column("รหัส", 12), Column("ชื่อ-สกุล", 28),
            Column("หน่วยงาน", 28), Column("เข้าร่วมเมื่อ", 18), Column("เข้าร่วมเมื่อ (พ.ศ.)", 22),
            Column("ผู้บันทึกแทน", 24), Column("หมายเหตุ", 30))
NOMINATIONS = (Column("รอบ", 40), Column("เสนอเมื่อ", 18), Column("เสนอเมื่อ (พ.ศ.)", 22), Column("ประเภท", 10),
               Column("ผู้ถูกเสนอชื่อ", 28), Column("หน่วยงาน", 28), Column("คุณธรรม", 12), Column("เหตุผล", 60))
HONOURS = (Column("รอบ", 40), Column("ยกย่องเมื่อ", 18), Column("ยกย่องเมื่อ (พ.ศ.)", 22), Column("ประเภท", 10),
           Column("ผู้ได้รับการยกย่อง", 28), Column("หน่วยงาน", 28), Column("คุณธรรม", 12), Column("บันทึกโดย", 24))
EVIDENCE = (Column("ลำดับ", 8), Column("ตัวชี้วัด", 10), Column("ชนิด", 10), Column("ประเภทบันทึก", 22),
            Column("ชื่อหลักฐาน", 40), Column("ลงวันที่", 12), Column("ลงวันที่ (พ.ศ.)", 14), Column("กิจกรรม", 30),
            Column("ลิงก์", 40), Column("บันทึก", 40), Column("ไฟล์", 24), Column("ชนิดไฟล์", 16),
            Column("ขนาด (ไบต์)", 12, COUNT_FORMAT), Column("SHA-256", 30), Column("เลขที่คำสั่ง", 14),
            Column("ผู้ลงนาม", 24), Column("หน่วยงานที่มอบ", 28), Column("ประเภทการยกย่อง", 16),
            Column("ช่องทาง", 22), Column("สิ่งที่ทำ", 30), Column("ผลเทียบเป้าหมาย", 30),
            Column("สิ่งที่ได้ผลดี", 30), Column("ปัญหาอุปสรรค", 30), Column("ข้อปรับปรุง", 30),
            Column("เสนอผู้บังคับบัญชาเมื่อ", 14), Column("ผู้บังคับบัญชาที่ทราบ", 24), Column("ทราบเมื่อ", 14),
            Column("ผู้รับรอง", 24), Column("ตำแหน่งผู้รับรอง", 24), Column("ข้อความรับรอง", 40),
            Column("บันทึกจาก", 12), Column("บันทึกโดย", 24), Column("บันทึกเมื่อ", 18), Column("นำออกเมื่อ", 18))


def _person(s: _Sheet, p: rawdata.Person) -> Sequence[Any]:
    return (p.code, p.name, p.position, p.unit, ROLE_NAMES.get(p.role, p.role), p.active, p.registered_at,
            s.be(p.registered_at))


def _ack(s: _Sheet, a: rawdata.Acknowledgment) -> Sequence[Any]:
    return (a.code, a.name, a.unit, a.document, a.version, a.acknowledged_at, s.be(a.acknowledged_at))


def _proposal(s: _Sheet, p: rawdata.ProposalRow) -> Sequence[Any]:
    return (p.code, p.name, p.unit, p.virtue, p.problem, p.good, p.created_at, s.be(p.created_at), p.withdrawn_at)


def _comment(s: _Sheet, c: rawdata.CommentRow) -> Sequence[Any]:
    return (c.code, c.name, c.unit, c.text, c.created_at, s.be(c.created_at))


def _activity(s: _Sheet, a: rawdata.ActivityRow) -> Sequence[Any]:
    return (a.key, a.title, a.type, a.plan_workshop, a.virtue, a.problem, a.good, a.indicator_code, a.due,
            s.be(a.due), a.starts_at, a.ends_at, a.place, ", ".join(a.responsible), a.participants, a.budget,
            a.budget_used, a.done_at, s.be(a.done_at), a.done_note, a.evidence_url)


def _checkin(s: _Sheet, c: rawdata.CheckInRow) -> Sequence[Any]:
    return (c.activity, c.activity_code, c.code, c.name, c.unit, c.at, s.be(c.at), c.added_by, c.note)


def _nomination(s: _Sheet, n: rawdata.NominationRow) -> Sequence[Any]:
    return (n.round, n.created_at, s.be(n.created_at), NOMINEE_KINDS.get(n.kind, n.kind), n.nominee, n.unit,
            n.virtue, n.reason)


def _honour(s: _Sheet, h: rawdata.HonourRow) -> Sequence[Any]:
    return (h.round, h.honoured_at, s.be(h.honoured_at), NOMINEE_KINDS.get(h.kind, h.kind), h.name, h.unit,
            h.virtue or "ภาพรวม", h.honoured_by)


def _evidence(s: _Sheet, e: rawdata.EvidenceRow) -> Sequence[Any]:
    return (e.id, e.indicator_code, EVIDENCE_KINDS.get(e.kind, e.kind), RECORD_NAMES.get(e.record, e.record), e.title,
            e.dated, s.be(e.dated), e.activity, e.url, e.note, e.file_name, e.file_type, e.file_size, e.file_sha256,
            e.order_number, e.order_signer, e.award_issuer, proofs.AWARD_KINDS.get(e.award_kind, e.award_kind),
            proofs.CHANNELS.get(e.channel, e.channel), e.lessons_done, e.lessons_results, e.lessons_worked,
            e.lessons_problems, e.lessons_improvements, e.lessons_sent_on, e.lessons_acknowledged_by,
            e.lessons_acknowledged_on, e.confirmed_by, e.confirmed_position, e.statement,
            SOURCE_NAMES.get(e.source, e.source), e.recorded_by, e.recorded_at, e.removed_at)


def raw_sheets(db: Session, plan: Plan, at: datetime) -> Iterator[tuple[str, Sequence[Column], Iterable[Any],
                                                                         Callable[[_Sheet, Any], Sequence[Any]]]]:
    """(sheet name, columns, the rows from models/rawdata.py, how a row becomes cells), in order."""
    yield "บุคลากร", ROSTER, rawdata.roster(db, at), _person
    yield "การรับทราบปฏิญญา", ACKS, rawdata.acknowledgments(db, at), _ack
    yield "ข้อเสนอ", PROPOSALS, rawdata.proposals(db, plan, at), _proposal
    yield "ความเห็นต่อแผน", COMMENTS, rawdata.comments(db, plan, at), _comment
    yield "กิจกรรม", ACTIVITIES, rawdata.activities(db, plan, at), _activity
    yield "การลงชื่อเข้าร่วม", CHECKINS, rawdata.checkins(db, plan, at), _checkin
    yield "การเสนอชื่อ", NOMINATIONS, rawdata.nominations(db, plan, at), _nomination
    yield "การยกย่อง", HONOURS, rawdata.honours(db, plan, at), _honour
    yield "หลักฐาน", EVIDENCE, rawdata.evidence(db, plan, at), _evidence


# -- the workbook ---------------------------------------------------------------------------------------
def write(db: Session, plan: Plan, at: datetime, out: str | Path | IO[bytes], *, tz: tzinfo,
          thai_digits: bool = False) -> None:
    """Write the workbook of `plan` as it stood at `at` (aware) to `out` (a path or a binary file).
    Reads only: the caller's session is left as it was."""
    if at.tzinfo is None:
        raise ValueError("`at` needs a time zone")
    at = at.astimezone(tz)
    book = Workbook(write_only=True)
    progress = {p.indicator.id: p for p in measures.progress(db, plan, at)}
    _summary(book, plan, at, progress, tz, thai_digits)
    for indicator in plan.indicators:
        _indicator(book, indicator, progress.get(indicator.id), at, tz, thai_digits)
    for title, columns, rows, cells in raw_sheets(db, plan, at):
        _table(book, title, columns, rows, tz, thai_digits, cells)
    book.save(out)
