"""รายงาน: the year's documents for the assessor and the supervisor (bot/documents/reports.py), as of a day.

    /console/reports/                   one card per document, the day they are "as of" (milestone dates as
                                        chips), Thai digits, names on the proposals table, and what the
                                        documents stand on (the latest milestone snapshot, any later change)
    /console/reports/<kind>?at=YYYY-MM-DD&thai=1&names=1
                                        the document itself, with its Thai file name; a day alone is the end
                                        of that day in the office's time zone (today: now); no `at` is now
    POST /console/reports/pack/make     the evidence pack, made in the background (models/docbuild.py):
                                        the page lists the packs asked for in the last day, being made
                                        (it reloads itself until they are ready) or ready to download
    /console/reports/made/<id>          a pack made in the background, while it is kept (a day)

Coordinators and executives both download (reading only). A day that cannot be read, lies ahead or
falls outside the fiscal year of the plan in use gets this page again, 400, saying what to fix.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from bot import thai
from bot.console import common
from bot.documents import reports
from bot.downloads import MIME, send_made
from jobs import documents as made_documents
from models import docbuild
from models import plan as plans
from models import snapshot as snapshots
from models.plan import Plan

bp = Blueprint("reports", __name__, url_prefix="/reports")


@dataclass(frozen=True)
class Document:
    """A card of the page: one document, in one or more of reports.KINDS (its formats)."""

    title: str
    about: str
    formats: tuple[tuple[str, str], ...]  # (kind, the button's label)
    slow: bool = False


DOCUMENTS = (
    Document("ชุดหลักฐานทั้งหมด (ทุกตัวชี้วัด)",
             "ไฟล์ .zip แยกโฟลเดอร์ตามตัวชี้วัด รวมเอกสารทุกฉบับในหน้านี้ ไฟล์และภาพหลักฐานที่บันทึกไว้ "
             "และสารบัญพร้อมรหัสตรวจสอบไฟล์ (sha256) ส่งผู้ตรวจประเมินได้ทั้งชุด",
             (("pack", "จัดทำชุดหลักฐาน (ZIP)"),), slow=True),
    Document("รายงานผลการดำเนินงานตามแผนส่งเสริมคุณธรรม (ตัวชี้วัด 3.1 และ 4.4)",
             "รายงานรอบ 6 เดือน (ถึง 31 มี.ค.) หรือรอบ 12 เดือน ผลของทุกตัวชี้วัด กิจกรรมที่ดำเนินการ "
             "ผู้เข้าร่วมและภาพกิจกรรม สำหรับเสนอผู้บังคับบัญชา",
             (("progress", "ดาวน์โหลด PDF"),)),
    Document("บันทึกข้อความเสนอรายงาน (ตัวชี้วัด 4.4)",
             "บันทึกข้อความตามแบบหนังสือราชการ นำเสนอรายงานผลต่อผู้บังคับบัญชา "
             "ไฟล์ Word แก้ไขถ้อยคำก่อนพิมพ์ลงนามได้",
             (("memo", "ดาวน์โหลด PDF"), ("memo-docx", "Word"))),
    Document("บัญชีรายชื่อการรับทราบปฏิญญา (ตัวชี้วัด 1.2)",
             "รายชื่อบุคลากรทุกคนแยกตามหน่วยงาน กับวันเวลาที่รับทราบปฏิญญาแต่ละฉบับ "
             "เทียบกับจำนวนบุคลากรทั้งหมด",
             (("signatures", "ดาวน์โหลด PDF"),)),
    Document("ตารางข้อเสนอ ปัญหาที่อยากแก้ ความดีที่อยากทำ (ตัวชี้วัด 1.1)",
             "ข้อเสนอของบุคลากรจัดตามคุณธรรมเป้าหมาย พร้อมจำนวนผู้เสนอและร้อยละการมีส่วนร่วม",
             (("proposals", "ดาวน์โหลด PDF"),)),
    Document("แผนส่งเสริมคุณธรรม (ตัวชี้วัด 2.1)",
             "แผนตามแบบฟอร์มมาตรฐาน: คุณธรรม ปัญหา ความดี กิจกรรม ผู้รับผิดชอบ งบประมาณ "
             "พร้อมความเห็นของบุคลากรต่อร่างแผน",
             (("plan", "ดาวน์โหลด PDF"),)),
    Document("ร่างคำสั่งแต่งตั้งผู้รับผิดชอบกิจกรรม (ตัวชี้วัด 2.2)",
             "ไฟล์ Word ร่างคำสั่งแต่งตั้งผู้รับผิดชอบแต่ละกิจกรรมตามแผน แก้ไขแล้วเสนอลงนาม",
             (("order", "ดาวน์โหลด Word"),)),
    Document("ประกาศยกย่องและเกียรติบัตร (ตัวชี้วัด 4.1)",
             "ประกาศยกย่องบุคคลและหน่วยงานคุณธรรม กับเกียรติบัตรรายคน "
             "ที่มีคิวอาร์โค้ดให้ตรวจสอบกับฐานข้อมูลของสำนักงานได้",
             (("honours", "ดาวน์โหลด PDF"),)),
    Document("ข้อมูลทั้งปี (Excel)",
             "สรุปผล แผ่นงานแยกตามตัวชี้วัด และข้อมูลดิบทุกตาราง สำหรับตรวจสอบหรือจัดทำตารางเพิ่มเติม",
             (("xlsx", "ดาวน์โหลด Excel"),)),
)


def _end_of(day: date) -> datetime:
    """A report "as of 31 March" includes what was done on the 31st."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=common.bot().settings.tz)


def _day(plan: Plan) -> tuple[date, str]:
    """The day of ?at= (today when absent), and what is wrong with it ("" when nothing)."""
    today = common.now().date()
    value = request.values.get("at", "").strip()
    if not value:
        return today, ""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return today, (f"อ่านวันที่ “{value[:40]}” ไม่ได้ กรุณาเลือกวันที่จากปฏิทิน "
                       "หรือพิมพ์แบบ ปี ค.ศ.-เดือน-วัน เช่น 2026-03-31")
    if day.year > 2400:
        return today, f"ปีต้องเป็น ค.ศ. เช่น {day.year - 543}-{day:%m-%d} (ไม่ใช่ พ.ศ. {day.year})"
    if not plan.starts_on <= day <= plan.ends_on:
        return today, (f"วันที่ต้องอยู่ในปีงบประมาณ {plan.fiscal_year} ของแผนที่ใช้อยู่ "
                       f"({thai.thai_date(plan.starts_on)} – {thai.thai_date(plan.ends_on)})")
    if day > today:
        return today, f"วันที่ต้องไม่เลยวันนี้ ({thai.thai_date(today)}): รายงานบอกข้อมูลที่มีแล้วเท่านั้น"
    return day, ""


def _flag(name: str) -> bool:
    return request.values.get(name, "") in ("1", "on", "true")


def _page(db: Session, plan: Plan | None, day: date, problem: str = "", status: int = 400) -> tuple[str, int]:
    today = common.now().date()
    basis: list[tuple[str, bool]] = []
    milestones: list[date] = []
    made: list[Made] = []
    if plan is not None:
        basis = reports.snapshot_lines(db, plan, _end_of(day), common.bot().settings.tz)
        milestones = [d for d in snapshots.due_days(plan) if d <= today]
        made = _made(db, plan)
    return render_template(
        "console/reports/index.html", plan=plan, documents=DOCUMENTS, day=day, today=today, problem=problem,
        basis=basis, milestones=milestones, thai_digits=_flag("thai"), names=_flag("names"),
        this_year=plans.fiscal_year_of(today), made=made,
        refresh=any(m.build.open for m in made)), status if problem else 200


@dataclass(frozen=True)
class Made:
    """A document asked for in the background, as its line on the page says it."""

    build: docbuild.DocumentBuild
    by: str
    state: str       # in Thai
    tone: str        # good / warn / bad / "" (the console's badge colours)
    until: datetime | None  # kept for download until


MADE_STATES = {docbuild.WAITING: ("รอคิว", "warn"), docbuild.MAKING: ("กำลังจัดทำ", "warn"),
               docbuild.READY: ("พร้อมดาวน์โหลด", "good"), docbuild.FAILED: ("ไม่สำเร็จ", "bad"),
               docbuild.EXPIRED: ("หมดเวลาเก็บไฟล์แล้ว", "")}


def _made(db: Session, plan: Plan) -> list[Made]:
    settings = common.bot().settings
    lines = []
    for row, asker in docbuild.recent(db, plan.id, common.now() - made_documents.KEPT):
        state, tone = MADE_STATES.get(row.state, (row.state, ""))
        if row.state == docbuild.READY and made_documents.path_of(settings, row) is None:
            state, tone = MADE_STATES[docbuild.EXPIRED]
        until = row.finished_at + made_documents.KEPT if row.state == docbuild.READY and row.finished_at else None
        lines.append(Made(row, asker.name if asker else "-", state, tone, until))
    return lines


@bp.get("/")
def index() -> tuple[str, int]:
    db = common.reading()
    plan = plans.current(db, common.now())
    if plan is None:
        return _page(db, None, common.now().date())
    day, problem = _day(plan)
    return _page(db, plan, day, problem)


@dataclass(frozen=True)
class Asked:
    plan: Plan
    at: datetime


def _asked(db: Session) -> Asked | tuple[str, int]:
    """The plan in use and the moment the request asks for (a day alone: its end, today: now), or
    the page again saying what to fix."""
    plan = plans.current(db, common.now())
    if plan is None:
        return _page(db, None, common.now().date())
    day, problem = _day(plan)
    if problem:
        return _page(db, plan, day, problem)
    return Asked(plan, min(_end_of(day), common.now()) if request.values.get("at") else common.now())


@bp.post("/<kind>/make")
def make(kind: str) -> BaseResponse | tuple[str, int]:
    """Ask for the pack to be made in the background; back to the page, which lists it."""
    if kind != "pack":
        abort(404)
    with common.writing() as db:
        asked = _asked(db)
        if not isinstance(asked, Asked):
            return asked
        plan, at = asked.plan, asked.at
        docbuild.ask(db, plan.id, kind, at, common.person().id, docbuild.CONSOLE, common.now(),
                     thai_digits=_flag("thai"))
    common.bot().builder.kick()
    kept: dict[str, Any] = {k: v for k, v in (("at", request.values.get("at", "")),
                                              ("thai", "1" if _flag("thai") else "")) if v}
    return redirect(url_for(".index", _anchor="made", **kept), code=303)


@bp.get("/made/<int:build_id>")
def made(build_id: int) -> Response | tuple[str, int]:
    """A pack made in the background, while its file is kept."""
    db = common.reading()
    build = docbuild.get(db, build_id)
    path = made_documents.path_of(common.bot().settings, build) if build is not None else None
    if build is None or path is None:
        plan = plans.current(db, common.now())
        return _page(db, plan, common.now().date(),
                     "ไฟล์นี้ไม่มีแล้ว (เก็บไว้ให้ดาวน์โหลด 1 วันหลังจัดทำเสร็จ) กรุณากดจัดทำชุดหลักฐานใหม่", 404)
    return send_made(build, path)


@bp.get("/<kind>")
def download(kind: str) -> Response | tuple[str, int]:
    if kind not in reports.KINDS:
        abort(404)
    db = common.reading()
    asked = _asked(db)
    if not isinstance(asked, Asked):
        return asked
    plan, at = asked.plan, asked.at
    office = reports.Office.of(common.bot().settings, db, plan, at, thai_digits=_flag("thai"))
    name = reports.FILE_NAMES[kind]
    suffix = Path(name).suffix
    handle = tempfile.NamedTemporaryFile(prefix="khunnatham-", suffix=suffix)
    try:
        reports.write(kind, db, plan, at, office, Path(handle.name), names=_flag("names"))
    except BaseException:
        handle.close()
        raise
    response = send_file(handle.name, as_attachment=True, download_name=name,
                         mimetype=MIME.get(suffix, "application/octet-stream"))
    response.call_on_close(handle.close)
    return response
