"""กิจกรรม: the plan's activities (indicators 2.1, 2.2 and 3.1).

    /console/activities/                    the current plan's activities (?year= a past year's), filtered
                                            (upcoming, open for check-in now, carried out, no date yet) and
                                            paged, each with its attendance counted in SQL
    /console/activities/new                 create (coordinator): title, start and end, place, map position
                                            and radius, responsible people (picked from the roster), the
                                            workshop flag (2.1), the rotating QR, the plan's columns (2.1:
                                            virtue, problem, good, indicator, budget)
    /console/activities/people?find=…       the picker's suggestions (htmx: a small HTML list)
    /console/activities/<id>                one activity, whatever its plan: the check-in code and link,
                                            attendance (paged), walk-ins, carried out with files and links
    /console/activities/<id>/edit           change it (coordinator; activities of past years are read-only)
    /console/activities/<id>/projector      full screen for the room: a huge QR, the code, a live count
    /console/activities/<id>/attendance.xlsx
    /console/activities/<id>/photos/<file id>/attach
                                            a participant's photo from LINE as evidence of 3.1 (coordinator)
    /console/files/<id>                     an uploaded file, to signed-in coordinators and executives

The models speak English (`ActivityError`, the CLI's words); `thai_error` says it in Thai here.
"""
from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask.blueprints import BlueprintSetupState
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput, TextInput

from bot import links, thai, uploads
from bot.console import common
from models import activity as activities
from models import audit
from models import evidence as proofs
from models import files as stored
from models import plan as plans
from models.activity import Activity, ActivityError
from models.plan import Plan
from models.proposal import VIRTUES
from models.staff import Staff

bp = Blueprint("activities", __name__, url_prefix="/activities")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUGGESTIONS = 8
LINE_SPLIT = re.compile(r"[\r\n]+")
LATE = timedelta(minutes=5)  # a walk-in's or a done time may be this much ahead of the server's clock
MAX_FILES = 20
LIVE_SECONDS = 4        # the projector's count
QR_SECONDS = 15         # the projector's rotating QR (each code lives 2 to 4 minutes)
FILTER_NAMES = {
    activities.ALL: "ทั้งหมด",
    activities.UPCOMING: "กำลังจะมาถึง",
    activities.OPEN: "เปิดเช็คอินอยู่",
    activities.DONE: "ดำเนินการแล้ว",
    activities.UNSCHEDULED: "ยังไม่กำหนดวัน",
}
TYPE_NAMES = {
    "image/png": "รูปภาพ PNG", "image/jpeg": "รูปภาพ JPEG", "image/gif": "รูปภาพ GIF", "image/webp": "รูปภาพ WebP",
    "image/heic": "รูปภาพ HEIC", "application/pdf": "PDF", uploads.DOCUMENT_TYPES[1]: "เอกสาร Word",
    uploads.DOCUMENT_TYPES[2]: "ตาราง Excel", uploads.DOCUMENT_TYPES[3]: "งานนำเสนอ PowerPoint",
}
NONE = "—"  # a select's "none chosen"
BAHT_RULE = "เป็นจำนวนเงิน 0 บาทขึ้นไป ทศนิยมไม่เกิน 2 ตำแหน่ง และน้อยกว่า 10,000 ล้านบาท"
SUFFIXES = {"image/jpeg": (".jpg", ".jpeg", ".jfif"), "image/heic": (".heic", ".heif")}
UPLOAD_REFUSALS = {
    "empty": "“{name}” เป็นไฟล์ว่าง",
    "too_big": "“{name}” ใหญ่เกิน 10 MB",
    "type": "“{name}” ไม่ใช่ไฟล์ที่รับ (รับเฉพาะรูปภาพ PDF และเอกสาร Word, Excel, PowerPoint)",
}

# The models' English (the CLI's words) → (the form field it belongs to, Thai). By the start of the text.
MODEL_ERRORS: tuple[tuple[str, str, str], ...] = (
    ("the title is empty", "title", "กรุณากรอกชื่อกิจกรรม"),
    ("the title is longer", "title", f"ชื่อกิจกรรมยาวได้ไม่เกิน {activities.MAX_TITLE} ตัวอักษร"),
    ("start and end need a time zone", "starts_at", "วันเวลาไม่ถูกต้อง กรุณาเลือกใหม่"),
    ("the end must be after the start", "ends_at", "เวลาสิ้นสุดต้องอยู่หลังเวลาเริ่ม"),
    ("give both", "latitude", "กรุณากรอกทั้งละติจูดและลองจิจูด หรือเว้นว่างทั้งสองช่อง"),
    ("latitude must be", "latitude", "ละติจูดต้องอยู่ระหว่าง -90 ถึง 90 และลองจิจูดระหว่าง -180 ถึง 180"),
    ("the radius must be", "radius_m", "รัศมีต้องอยู่ระหว่าง 10 ถึง 50,000 เมตร"),
    ("no person with", "responsible", "ไม่พบบุคลากรที่เลือกในทะเบียน (อาจถูกนำออกจากทะเบียนแล้ว) กรุณาเลือกใหม่"),
    ("the evidence link must", "links", "ลิงก์หลักฐานต้องขึ้นต้นด้วย http:// หรือ https:// และไม่มีช่องว่าง"),
    ("the evidence links are longer", "links", f"ลิงก์หลักฐานรวมกันยาวได้ไม่เกิน {activities.MAX_EVIDENCE:,} ตัวอักษร"),
    ("the note is longer", "note", f"บันทึกผลยาวได้ไม่เกิน {activities.MAX_NOTE:,} ตัวอักษร"),
    ("the virtue must be", "virtue", "กรุณาเลือกคุณธรรมเป้าหมายจากรายการ"),
    ("the problem to solve is longer", "problem",
     f"ปัญหาที่อยากแก้ยาวได้ไม่เกิน {activities.MAX_PLAN_TEXT:,} ตัวอักษร"),
    ("the good to do is longer", "good", f"ความดีที่อยากทำยาวได้ไม่เกิน {activities.MAX_PLAN_TEXT:,} ตัวอักษร"),
    ("the indicator code must", "indicator_code", "กรุณาเลือกตัวชี้วัดจากรายการ"),
    ("the budget used", "budget_used", f"งบประมาณที่ใช้จริงต้อง{BAHT_RULE}"),
    ("the budget", "budget", f"งบประมาณต้อง{BAHT_RULE}"),
)


def thai_error(exc: ActivityError) -> tuple[str, str]:
    """(field, Thai message) for a model's refusal."""
    text = str(exc)
    for start, field, thai_text in MODEL_ERRORS:
        if text.startswith(start):
            return field, thai_text
    return "", "บันทึกไม่ได้ กรุณาตรวจสอบข้อมูลอีกครั้ง"


# -- forms -------------------------------------------------------------------------------------------
def _tz() -> Any:
    return common.bot().settings.tz


def _moment_field(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(label, validators=[Optional()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                              tz=_tz, invalid_value_message="กรุณาเลือกวันและเวลาให้ครบ")


class BahtField(DecimalField):
    """Baht as typed, `15,000` or `15000.50` (commas and spaces left out), in a text box: a number box
    would send a typed comma as nothing."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata([str(v).replace(",", "").replace(" ", "") for v in valuelist])


def _baht_field(label: str) -> BahtField:
    return BahtField(label, validators=[Optional()], invalid_value_message=f"{label}ต้องเป็นตัวเลข เช่น 15,000 หรือ 2500.50")


def _plan_text_field(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[Length(
        max=activities.MAX_PLAN_TEXT, message=f"{label}ยาวได้ไม่เกิน {activities.MAX_PLAN_TEXT:,} ตัวอักษร")])


class ActivityForm(FlaskForm):
    title = StringField("ชื่อกิจกรรม", filters=[lambda text: " ".join(text.split()) if text else text], validators=[
        DataRequired("กรุณากรอกชื่อกิจกรรม"),
        Length(max=activities.MAX_TITLE, message=f"ชื่อกิจกรรมยาวได้ไม่เกิน {activities.MAX_TITLE} ตัวอักษร")])
    starts_at = _moment_field("เริ่ม")
    ends_at = _moment_field("สิ้นสุด")
    place = StringField("สถานที่", validators=[
        Length(max=activities.MAX_PLACE, message=f"สถานที่ยาวได้ไม่เกิน {activities.MAX_PLACE} ตัวอักษร")])
    latitude = FloatField("ละติจูด", validators=[
        Optional(), NumberRange(-90, 90, "ละติจูดต้องอยู่ระหว่าง -90 ถึง 90")],
        invalid_value_message="ละติจูดต้องเป็นตัวเลข เช่น 19.9105")
    longitude = FloatField("ลองจิจูด", validators=[
        Optional(), NumberRange(-180, 180, "ลองจิจูดต้องอยู่ระหว่าง -180 ถึง 180")],
        invalid_value_message="ลองจิจูดต้องเป็นตัวเลข เช่น 99.8406")
    radius_m = IntegerField("รัศมีที่รับเช็คอิน (เมตร)", validators=[
        Optional(), NumberRange(10, 50_000, "รัศมีต้องอยู่ระหว่าง 10 ถึง 50,000 เมตร")],
        invalid_value_message="รัศมีต้องเป็นจำนวนเต็ม (เมตร)")
    plan_workshop = BooleanField("เป็นการประชุมจัดทำแผน (ผู้เข้าร่วมนับในตัวชี้วัด 2.1)")
    rotating_qr = BooleanField("ใช้ QR ที่เปลี่ยนทุก 2 นาที (เช็คอินได้เฉพาะผู้ที่สแกนจากจอที่หน้างาน)")
    virtue = SelectField("คุณธรรมเป้าหมาย", choices=[SelectChoice("", NONE), *map(SelectChoice, VIRTUES)], default="",
                         invalid_choice_message="กรุณาเลือกคุณธรรมเป้าหมายจากรายการ")
    problem = _plan_text_field("ปัญหาที่อยากแก้")
    good = _plan_text_field("ความดีที่อยากทำ")
    indicator_code = SelectField("ตัวชี้วัด", choices=[SelectChoice("", NONE)], default="",
                                 invalid_choice_message="กรุณาเลือกตัวชี้วัดจากรายการ")
    budget = _baht_field("งบประมาณ (บาท)")

    def validate(self, extra_validators: Any = None) -> bool:
        good = super().validate(extra_validators)
        starts, ends = self.starts_at.data, self.ends_at.data
        if ends is not None and starts is None and not self.starts_at.errors:
            self.starts_at.errors = [*self.starts_at.errors, "กรุณาเลือกวันเวลาเริ่ม"]
            good = False
        if starts is not None and ends is not None and ends <= starts:
            self.ends_at.errors = [*self.ends_at.errors, "เวลาสิ้นสุดต้องอยู่หลังเวลาเริ่ม"]
            good = False
        lat, lon = self.latitude, self.longitude
        if not lat.errors and not lon.errors and (lat.data is None) != (lon.data is None):
            (lon if lon.data is None else lat).errors = ["กรุณากรอกทั้งละติจูดและลองจิจูด หรือเว้นว่างทั้งสองช่อง"]
            good = False
        if self.radius_m.data is not None and lat.data is None and lon.data is None and not lat.errors:
            self.radius_m.errors = [*self.radius_m.errors, "กรุณากรอกละติจูดและลองจิจูดด้วย หรือเว้นรัศมีว่าง"]
            good = False
        return good


class WalkInForm(FlaskForm):
    person = IntegerField("ผู้เข้าร่วม", widget=HiddenInput(), validators=[InputRequired("กรุณาเลือกผู้เข้าร่วม")],
                          invalid_value_message="กรุณาเลือกผู้เข้าร่วมจากรายชื่อ")
    walk_note = StringField("หมายเหตุ", validators=[Length(max=500, message="หมายเหตุยาวได้ไม่เกิน 500 ตัวอักษร")])
    walk_at = _moment_field("เวลาที่มาร่วม")


class DoneForm(FlaskForm):
    done_at = _moment_field("วันเวลาที่จัด")
    note = TextAreaField("สรุปผลการดำเนินงาน", validators=[
        Length(max=activities.MAX_NOTE, message=f"บันทึกผลยาวได้ไม่เกิน {activities.MAX_NOTE:,} ตัวอักษร")])
    links = TextAreaField("ลิงก์หลักฐาน (บรรทัดละหนึ่งลิงก์)")
    files = MultipleFileField("ไฟล์หลักฐาน (รูปภาพ PDF เอกสาร Word, Excel, PowerPoint ไฟล์ละไม่เกิน 10 MB)")
    budget_used = _baht_field("งบประมาณที่ใช้จริง (บาท)")


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


# -- helpers -----------------------------------------------------------------------------------------
def when(activity: Activity) -> str:
    """`2 ธ.ค. 2569 เวลา 09:00–12:00 น.`, or over several days, or when it is due."""
    if activity.starts_at is None:
        return f"ภายใน {thai.thai_date(activity.due)} (ยังไม่กำหนดวัน)" if activity.due else "ยังไม่กำหนดวัน"
    tz = _tz()
    start = activity.starts_at.astimezone(tz)
    end = activity.ends_at.astimezone(tz) if activity.ends_at else None
    if end is None:
        return thai.thai_datetime(start)
    if start.date() == end.date():
        return f"{thai.thai_date(start)} เวลา {start:%H:%M}–{end:%H:%M} น."
    return f"{thai.thai_datetime(start)} ถึง {thai.thai_datetime(end)}"


def window(activity: Activity) -> str:
    """When check-in is open."""
    if activity.checkin_from is None or activity.checkin_until is None:
        return "ยังไม่เปิดให้เช็คอิน (ยังไม่กำหนดวันเวลา)"
    tz = _tz()
    start, end = activity.checkin_from.astimezone(tz), activity.checkin_until.astimezone(tz)
    if start.date() == end.date():
        return f"{thai.thai_date(start)} เวลา {start:%H:%M}–{end:%H:%M} น."
    return f"{thai.thai_datetime(start)} ถึง {thai.thai_datetime(end)}"


def check_in_state(activity: Activity, moment: datetime) -> tuple[str, str]:
    """(badge class, Thai) of the check-in window at `moment`."""
    if not activity.scheduled:
        return "", "ยังไม่กำหนดวันเวลา"
    assert activity.checkin_from is not None and activity.checkin_until is not None
    if moment < activity.checkin_from:
        opens = activity.checkin_from.astimezone(_tz())
        same_day = opens.date() == moment.astimezone(_tz()).date()
        return "warn", f"เปิดเช็คอิน{'วันนี้ ' if same_day else ' ' + thai.thai_date(opens) + ' '}เวลา {opens:%H:%M} น."
    if moment > activity.checkin_until:
        return "", "ปิดการเช็คอินแล้ว"
    return "good", "เปิดเช็คอินอยู่"


def names(people: list[Staff], shown: int = 3) -> str:
    if not people:
        return "-"
    text = ", ".join(p.name for p in people[:shown])
    return text + (f" และอีก {len(people) - shown} คน" if len(people) > shown else "")


HELPERS: dict[str, Callable[..., Any]] = {"when": when, "window": window, "size_text": thai.file_size, "names": names,
                                          "type_name": lambda kind: TYPE_NAMES.get(kind, kind)}


def _activity(db: Session, activity_id: int) -> Activity:
    found = db.get(Activity, activity_id)
    if found is None:
        abort(404)
    return found


def _current(db: Session) -> Plan | None:
    return plans.current(db, common.now())


def _editable(db: Session, activity: Activity) -> bool:
    """Activities of the plan in use (or of a draft being prepared) change; past years' are a record."""
    if activity.plan_id is None:
        return True
    plan = db.get(Plan, activity.plan_id)
    current = _current(db)
    return plan is None or (current is not None and plan.id == current.id) or plan.status == plans.DRAFT


def _editable_or_403(db: Session, activity: Activity) -> None:
    if not _editable(db, activity):
        abort(403)


def _back(activity_id: int, anchor: str = "") -> BaseResponse:
    return redirect(url_for(".detail", activity_id=activity_id) + (f"#{anchor}" if anchor else ""))


def _check_in_link(code: str) -> str:
    return links.check_in(common.bot().settings.bot_basic_id, code)


# -- the list ----------------------------------------------------------------------------------------
@bp.get("/")
def index() -> str:
    db = common.reading()
    now = common.now()
    every = plans.every(db)
    current = _current(db)
    year = request.args.get("year", "")
    plan: Plan | None = current
    if year.isdigit():
        chosen = [p for p in every if p.fiscal_year == int(year)]
        plan = next((p for p in chosen if p.status != plans.DRAFT), chosen[0] if chosen else None)
    which = request.args.get("show", activities.ALL)
    which = which if which in activities.FILTERS else activities.ALL
    counts = activities.filter_counts(db, plan.id, now) if plan else dict.fromkeys(activities.FILTERS, 0)
    pages = common.pages(counts[which])
    rows = activities.listing(db, plan.id, which, now, pages.offset, pages.per_page) if plan else []
    kept = {k: v for k, v in (("year", year if plan is not current else ""),
                              ("show", "" if which == activities.ALL else which)) if v}
    base = {k: v for k, v in kept.items() if k != "show"}
    tabs = [(key, name, base | ({"show": key} if key != activities.ALL else {})) for key, name in FILTER_NAMES.items()]
    return render_template("console/activities/index.html", plan=plan, current=current, rows=rows, pages=pages,
                           counts=counts, tabs=tabs, which=which, kept=kept, filter_names=FILTER_NAMES, now=now,
                           years=sorted({p.fiscal_year for p in every}, reverse=True),
                           this_year=plans.fiscal_year_of(now.date()), state=check_in_state, **HELPERS)


# -- create and edit ---------------------------------------------------------------------------------
def _picked(db: Session, ids: list[str]) -> tuple[list[Staff], str]:
    """The people the picker submitted (their staff ids), and a Thai error."""
    try:
        wanted = [int(i) for i in ids if i.strip()]
    except ValueError:
        return [], thai_error(ActivityError("no person with that id"))[1]
    try:
        return activities.people_by_ids(db, wanted), ""
    except ActivityError as exc:
        return [], thai_error(exc)[1]


def _activity_form(db: Session, activity: Activity | None, **values: Any) -> ActivityForm:
    """The form, its indicators those of the activity's plan (a new one's: the plan in use), with the
    code it has kept even when the plan no longer has it."""
    form = ActivityForm(**values)
    plan = db.get(Plan, activity.plan_id) if activity is not None and activity.plan_id else _current(db)
    choices = [SelectChoice(i.code, f"{i.code} {thai.shorten(i.title, 60)}") for i in (plan.indicators if plan else [])]
    kept = activity.indicator_code if activity is not None else ""
    if kept and kept not in {c.value for c in choices}:
        choices.append(SelectChoice(kept))
    form.indicator_code.choices = [SelectChoice("", NONE), *choices]
    return form


def _form_page(form: ActivityForm, activity: Activity | None, people: list[Staff], people_error: str = "",
               status: int = 200) -> tuple[str, int]:
    return render_template("console/activities/form.html", form=form, activity=activity, people=people,
                           people_error=people_error, **HELPERS), status


def _apply(db: Session, activity: Activity, form: ActivityForm, people: list[Staff]) -> None:
    """The form onto the activity, through the models' rules (ActivityError)."""
    activities.set_title(activity, form.title.data or "")
    if form.starts_at.data is not None:
        activities.schedule(activity, form.starts_at.data, form.ends_at.data)
    else:
        activities.unschedule(activity)
    activities.set_place(activity, " ".join((form.place.data or "").split()), form.latitude.data,
                         form.longitude.data, form.radius_m.data)
    activity.plan_workshop = bool(form.plan_workshop.data)
    activity.rotating_qr = bool(form.rotating_qr.data)
    activities.set_plan_columns(activity, virtue=form.virtue.data or "", problem=form.problem.data or "",
                                good=form.good.data or "", indicator_code=form.indicator_code.data or "",
                                budget=form.budget.data)
    activity.responsible = people


def _saved(form: ActivityForm, activity_id: int | None) -> tuple[int | None, str, str]:
    """Create or change an activity from a valid form: (its id, field, Thai error)."""
    with common.writing() as db:
        people, error = _picked(db, request.form.getlist("responsible"))
        if error:
            return None, "responsible", error
        if activity_id is None:
            current = _current(db)
            if current is None:
                return None, "", "ยังไม่มีแผนของปีงบประมาณนี้ จึงยังเพิ่มกิจกรรมไม่ได้"
            activity = Activity(plan_id=current.id, title="", code=activities.new_code(db))
        else:
            activity = _activity(db, activity_id)
            _editable_or_403(db, activity)
        try:
            _apply(db, activity, form, people)
        except ActivityError as exc:
            db.rollback()
            field, text = thai_error(exc)
            return None, field, text
        db.add(activity)
        db.flush()
        return activity.id, "", ""


def _show_error(form: ActivityForm, field: str, text: str) -> None:
    target = getattr(form, field, None) if field != "responsible" else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, text]
    elif field != "responsible":
        flash(text, "error")


def _submitted(activity_id: int | None) -> BaseResponse | tuple[str, int]:
    db = common.reading()
    people, people_error = _picked(db, request.form.getlist("responsible"))
    activity = _activity(db, activity_id) if activity_id is not None else None
    form = _activity_form(db, activity)
    if not form.validate_on_submit() or people_error:
        return _form_page(form, activity, people, people_error, 400)
    saved, field, text = _saved(form, activity_id)
    if saved is None:
        _show_error(form, field, text)
        return _form_page(form, activity, people, text if field == "responsible" else "", 400)
    flash("เพิ่มกิจกรรมแล้ว" if activity_id is None else "บันทึกการแก้ไขแล้ว", "success")
    return _back(saved)


@bp.get("/new")
@common.coordinator_only
def new() -> BaseResponse | tuple[str, int]:
    if _current(common.reading()) is None:
        flash("ยังไม่มีแผนของปีงบประมาณนี้ จึงยังเพิ่มกิจกรรมไม่ได้", "warning")
        return redirect(url_for(".index"))
    return _form_page(_activity_form(common.reading(), None), None, [])


@bp.post("/new")
def create() -> BaseResponse | tuple[str, int]:
    if _current(common.reading()) is None:
        flash("ยังไม่มีแผนของปีงบประมาณนี้ จึงยังเพิ่มกิจกรรมไม่ได้", "warning")
        return redirect(url_for(".index"))
    return _submitted(None)


@bp.get("/<int:activity_id>/edit")
@common.coordinator_only
def edit(activity_id: int) -> tuple[str, int]:
    db = common.reading()
    activity = _activity(db, activity_id)
    _editable_or_403(db, activity)
    form = _activity_form(db, activity, obj=activity)
    return _form_page(form, activity, list(activity.responsible))


@bp.post("/<int:activity_id>/edit")
def update(activity_id: int) -> BaseResponse | tuple[str, int]:
    return _submitted(activity_id)


@bp.get("/people")
@common.coordinator_only
def people() -> str:
    """The picker's suggestions: people whose name, code or unit has what was typed."""
    db = common.reading()
    text = " ".join(request.args.get("find", "").split())[:100]
    leave_out = [int(i) for i in request.args.getlist("responsible") if i.isdigit()]
    activity_id = request.args.get("activity", "")
    found = activities.people_matching(db, text, leave_out, int(activity_id) if activity_id.isdigit() else None,
                                       SUGGESTIONS + 1)
    return render_template("console/activities/_people.html", found=found[:SUGGESTIONS], text=text,
                           more=len(found) > SUGGESTIONS, single=request.args.get("mode") == "one")


# -- one activity ------------------------------------------------------------------------------------
def _detail(activity_id: int, walk_form: WalkInForm | None = None, done_form: DoneForm | None = None,
            status: int = 200) -> tuple[str, int]:
    db = common.reading()
    activity = _activity(db, activity_id)
    plan = db.get(Plan, activity.plan_id) if activity.plan_id else None
    total = activities.attendance_count(db, activity.id)
    pages = common.pages(total)
    now = common.now()
    if done_form is None:
        done_form = DoneForm(note=activity.done_note, links="\n".join(activities.evidence_links(activity)),
                             budget_used=activity.budget_used)
        default = activity.done_at or (activity.ends_at if activity.ends_at and activity.ends_at < now else now)
        done_form.done_at.data = default.astimezone(_tz())
    settings = common.bot().settings
    walk_form = walk_form or WalkInForm()
    picked = db.get(Staff, walk_form.person.data) if isinstance(walk_form.person.data, int) else None
    return render_template(
        "console/activities/detail.html", walk_people=[picked] if picked is not None else [],
        activity=activity, plan=plan, total=total, pages=pages,
        attendees=activities.attendees(db, activity.id, pages.offset, pages.per_page),
        files=stored.of_activity_with_uploader(db, activity.id), evidence=activities.evidence_links(activity),
        editable=common.is_coordinator() and _editable(db, activity), walk_form=walk_form,
        done_form=done_form, action=ActionForm(), link=_check_in_link(activity.code), now=now,
        link_text=unquote(_check_in_link(activity.code)),
        state=check_in_state(activity, now), qr_page=(
            f"{settings.public_base_url}/activity/{activity.id}/qr?t="
            f"{activities.page_token(settings.channel_secret, activity)}" if activity.rotating_qr else ""),
        **HELPERS), status


@bp.get("/<int:activity_id>")
def detail(activity_id: int) -> tuple[str, int]:
    return _detail(activity_id)


def _qr_code(activity: Activity, moment: datetime) -> str:
    """What the QR holds and the screen shows: the code, or for a rotating QR this 2 minutes' code."""
    if activity.rotating_qr:
        return activities.rotating_code(common.bot().settings.channel_secret, activity, moment)
    return activity.code


@bp.get("/<int:activity_id>/qr.png")
def qr(activity_id: int) -> Response:
    activity = _activity(common.reading(), activity_id)
    png = links.qr_png(_check_in_link(_qr_code(activity, common.now())))
    if request.args.get("download") and not activity.rotating_qr:
        return send_file(io.BytesIO(png), mimetype="image/png", as_attachment=True,
                         download_name=f"QR-เช็คอิน-{activity.code}.png")
    return Response(png, mimetype="image/png")


# -- the projector -----------------------------------------------------------------------------------
@bp.get("/<int:activity_id>/projector")
def projector(activity_id: int) -> str:
    db = common.reading()
    activity = _activity(db, activity_id)
    now = common.now()
    return render_template("console/activities/projector.html", activity=activity, now=now,
                           count=activities.attendance_count(db, activity.id), state=check_in_state(activity, now),
                           code=_qr_code(activity, now), slot=int(now.timestamp()) // activities.ROTATION,
                           live_seconds=LIVE_SECONDS, qr_seconds=QR_SECONDS, **HELPERS)


@bp.get("/<int:activity_id>/projector/count")
def projector_count(activity_id: int) -> str:
    db = common.reading()
    activity = _activity(db, activity_id)
    now = common.now()
    return render_template("console/activities/_count.html", activity=activity,
                           count=activities.attendance_count(db, activity.id), state=check_in_state(activity, now),
                           live_seconds=LIVE_SECONDS)


@bp.get("/<int:activity_id>/projector/qr")
def projector_qr(activity_id: int) -> str:
    activity = _activity(common.reading(), activity_id)
    now = common.now()
    return render_template("console/activities/_qr.html", activity=activity, code=_qr_code(activity, now),
                           slot=int(now.timestamp()) // activities.ROTATION, qr_seconds=QR_SECONDS, oob=True)


# -- attendance --------------------------------------------------------------------------------------
def how(attendee: activities.Attendee) -> str:
    if attendee.checkin.added_by_id is not None:
        by = attendee.added_by.name if attendee.added_by else "ผู้ประสานงาน"
        return f"เพิ่มโดย {by}"
    return "LINE (ยืนยันตำแหน่ง)" if attendee.checkin.latitude is not None else "LINE"


HELPERS["how"] = how


@bp.get("/<int:activity_id>/attendance.xlsx")
def attendance_xlsx(activity_id: int) -> Response:
    db = common.reading()
    activity = _activity(db, activity_id)
    tz = _tz()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "ผู้เข้าร่วม"
    sheet.append([activity.title])
    sheet.append([when(activity) + (f" · {activity.place}" if activity.place else "")])
    header = ["ลำดับ", "รหัส", "ชื่อ", "ตำแหน่ง", "หน่วยงาน", "เวลาเช็คอิน", "วิธี", "หมายเหตุ"]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    sheet["A1"].font = Font(bold=True, size=14)
    for number, attendee in enumerate(activities.attendees(db, activity.id, limit=None), start=1):
        person = attendee.person
        sheet.append([number, person.code, person.name, person.position, person.unit,
                      thai.thai_datetime(attendee.checkin.at.astimezone(tz)), how(attendee), attendee.checkin.note])
    common.no_formulas(cell for row in sheet.iter_rows() for cell in row)
    for column, width in zip("ABCDEFGH", (7, 12, 28, 24, 28, 26, 26, 30), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=f"ผู้เข้าร่วม-{activity.code}.xlsx")


@bp.post("/<int:activity_id>/walk-in")
def walk_in(activity_id: int) -> BaseResponse | tuple[str, int]:
    form = WalkInForm()
    if not form.validate_on_submit():
        return _detail(activity_id, walk_form=form, status=400)
    with common.writing() as db:
        activity = _activity(db, activity_id)
        _editable_or_403(db, activity)
        person = db.get(Staff, form.person.data)
        if person is None or not person.active:
            form.person.errors = ["ไม่พบบุคลากรที่เลือกในทะเบียน กรุณาเลือกใหม่"]
            return _detail(activity_id, walk_form=form, status=400)
        at = form.walk_at.data or common.now()
        if at > common.now() + LATE:
            form.walk_at.errors = ["เวลาที่มาร่วมต้องไม่เลยเวลาปัจจุบัน"]
            return _detail(activity_id, walk_form=form, status=400)
        note = " ".join((form.walk_note.data or "").split())
        checkin, created = activities.walk_in(db, activity, person, at, note, common.person())
        if created:
            audit.record(db, audit.CREATE, "checkins", checkin.id, f"เช็คอิน #{checkin.id}", {
                "activity_id": [None, activity.id], "staff_id": [None, person.id], "at": [None, at.isoformat()],
                "note": [None, note], "added_by_id": [None, common.person().id]})
        name, came = person.name, checkin.at
    if not created:
        flash(f"{name} เช็คอินกิจกรรมนี้ไว้แล้วเมื่อ {thai.thai_datetime(came.astimezone(_tz()))}", "warning")
    else:
        flash(f"เพิ่ม{name}เป็นผู้เข้าร่วมแล้ว", "success")
    return _back(activity_id, "attendance")


# -- carried out, evidence ---------------------------------------------------------------------------
def _file_name(upload: FileStorage, kind: str) -> str:
    """The name a browser sent, without folders or control characters, ending as its type does."""
    raw = PurePosixPath((upload.filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", raw) if unicodedata.category(ch)[0] != "C").strip()
    name = name[:200] or "หลักฐาน"
    suffixes = SUFFIXES.get(kind, (uploads.EXTENSIONS.get(kind, ""),))
    if not name.lower().endswith(suffixes):
        name += suffixes[0]
    return name


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def _uploads(form: DoneForm) -> tuple[list[Upload], list[str]]:
    """The files of the form that we take, and a Thai line for each one we do not."""
    taken: list[Upload] = []
    refused: list[str] = []
    chosen = [f for f in (form.files.data or []) if isinstance(f, FileStorage) and f.filename]
    if len(chosen) > MAX_FILES:
        return [], [f"ส่งได้ครั้งละไม่เกิน {MAX_FILES} ไฟล์"]
    for upload in chosen:
        data = upload.read(uploads.MAX_BYTES + 1)
        shown = PurePosixPath((upload.filename or "").replace("\\", "/")).name[:80]
        try:
            kind = uploads.check(data, uploads.EVIDENCE_TYPES)
        except uploads.UploadError as exc:
            refused.append(UPLOAD_REFUSALS.get(exc.reason, UPLOAD_REFUSALS["type"]).format(name=shown))
            continue
        taken.append(Upload(_file_name(upload, kind), data))
    return taken, refused


@bp.post("/<int:activity_id>/done")
def done(activity_id: int) -> BaseResponse | tuple[str, int]:
    form = DoneForm()
    if not form.validate_on_submit():
        return _detail(activity_id, done_form=form, status=400)
    taken, refused = _uploads(form)
    if refused:
        form.files.errors = [*refused, "ยังไม่ได้บันทึกอะไร กรุณาเลือกไฟล์ใหม่แล้วส่งอีกครั้ง"]
        return _detail(activity_id, done_form=form, status=400)
    directory = common.bot().settings.uploads_dir
    saved: list[tuple[Upload, uploads.Saved]] = []
    try:
        with common.writing() as db:
            activity = _activity(db, activity_id)
            _editable_or_403(db, activity)
            at = form.done_at.data or activity.done_at or common.now()
            if at > common.now() + LATE:
                form.done_at.errors = ["วันเวลาที่จัดต้องไม่เลยเวลาปัจจุบัน"]
                return _detail(activity_id, done_form=form, status=400)
            try:
                activities.mark_done_with(activity, at, form.note.data or "", LINE_SPLIT.split(form.links.data or ""),
                                          form.budget_used.data)
            except ActivityError as exc:
                db.rollback()
                field, text = thai_error(exc)
                target = getattr(form, field, form.links)
                target.errors = [*target.errors, text]
                return _detail(activity_id, done_form=form, status=400)
            for upload in taken:
                kept = uploads.save(directory, upload.data)
                saved.append((upload, kept))
                stored.add(db, kept.stored_name, upload.name, kept.content_type, kept.size, kept.sha256,
                           common.person().id, common.now(), activity_id=activity.id)
    except BaseException:
        for _upload, kept in saved:
            uploads.remove(directory, kept.stored_name)
        raise
    flash("บันทึกว่าดำเนินการแล้ว" + (f" พร้อมไฟล์หลักฐาน {len(saved)} ไฟล์" if saved else ""), "success")
    return _back(activity_id, "done")


@bp.post("/<int:activity_id>/undone")
def undone(activity_id: int) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    with common.writing() as db:
        activity = _activity(db, activity_id)
        _editable_or_403(db, activity)
        activities.mark_not_done(activity)
    flash("ยกเลิกการบันทึกว่าดำเนินการแล้ว (บันทึกผลและหลักฐานยังเก็บไว้)", "success")
    return _back(activity_id, "done")


def _file_to_change(db: Session, activity_id: int, file_id: int,
                    purpose: str | None = None) -> tuple[Activity, stored.StoredFile]:
    """A button on a file of an activity that may change: 400 without its CSRF token, 403 for a past
    year's activity, 404 for a file that is not this activity's (or not of `purpose`)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    activity = _activity(db, activity_id)
    _editable_or_403(db, activity)
    row = stored.get(db, file_id)
    if row is None or row.activity_id != activity.id or (purpose is not None and row.purpose != purpose):
        abort(404)
    return activity, row


@bp.post("/<int:activity_id>/files/<int:file_id>/delete")
def remove_file(activity_id: int, file_id: int) -> BaseResponse:
    with common.writing() as db:
        _, row = _file_to_change(db, activity_id, file_id)
        name = row.original_name
        stored_name = stored.remove(db, row)
    uploads.remove(common.bot().settings.uploads_dir, stored_name)
    flash(f"ลบไฟล์ “{name}” แล้ว", "success")
    return _back(activity_id, "done")


def download(file_id: int) -> Response:
    """/console/files/<id>: a stored file, as an attachment of the type sniffed when it came."""
    row = stored.get(common.reading(), file_id)
    if row is None:
        abort(404)
    path = uploads.path_of(common.bot().settings.uploads_dir, row.stored_name)
    if path is None:
        abort(404)
    # read whole (at most 10 MB): the response holds no open file
    return send_file(io.BytesIO(path.read_bytes()), mimetype=row.content_type, as_attachment=True,
                     download_name=row.original_name, max_age=0)


@bp.record_once
def _files_route(state: BlueprintSetupState) -> None:
    """Files are the console's, not only activities': /console/files/<id>, beside the areas. The rule's
    endpoint stays in this blueprint ("console.activities.file"), so the console's guard (signed in,
    coordinators and executives only), headers and error pages apply to it as to every page here."""
    console_prefix = (state.url_prefix or "").rsplit("/", 1)[0]
    endpoint = f"{state.name_prefix}.{state.name}.file".lstrip(".")
    state.app.add_url_rule(f"{console_prefix}/files/<int:file_id>", endpoint=endpoint, view_func=download,
                           methods=["GET"])


# -- participants' photos (sent in LINE during check-in) as evidence of 3.1 ------------------------------
PHOTO_INDICATOR = "3.1"
PHOTO_REFUSALS = {
    proofs.Reason.NO_INDICATOR: f"แผนของกิจกรรมนี้ไม่มีตัวชี้วัด {PHOTO_INDICATOR} จึงแนบภาพไม่ได้",
    proofs.Reason.FUTURE: "วันที่ของภาพเลยวันนี้ จึงแนบภาพไม่ได้",
    proofs.Reason.OUTSIDE_YEAR: "ภาพนี้อยู่นอกปีงบประมาณของแผน จึงแนบเป็นหลักฐานไม่ได้",
}


@dataclass(frozen=True)
class Photo:
    file: stored.StoredFile
    sender: Staff | None
    attached: bool  # already an evidence item of 3.1


def participant_photos(activity: Activity) -> list[Photo]:
    """The photos participants sent of `activity`, each with who sent it and whether it is evidence yet."""
    db = common.reading()
    found = stored.photos_of(db, activity.id)
    plan = db.get(Plan, activity.plan_id) if activity.plan_id else None
    done = proofs.attached(db, plan, PHOTO_INDICATOR, [f.id for f, _ in found]) if plan is not None else set()
    return [Photo(f, who, f.id in done) for f, who in found]


@bp.context_processor
def _photo_helpers() -> dict[str, Any]:
    return {"participant_photos": participant_photos, "checkin_photo": stored.CHECKIN_PHOTO,
            "photo_indicator": PHOTO_INDICATOR}


@bp.post("/<int:activity_id>/photos/<int:file_id>/attach")
@common.coordinator_only
def attach_photo(activity_id: int, file_id: int) -> BaseResponse:
    with common.writing() as db:
        activity, row = _file_to_change(db, activity_id, file_id, stored.CHECKIN_PHOTO)
        plan = db.get(Plan, activity.plan_id) if activity.plan_id else None
        if plan is None:
            flash("กิจกรรมนี้ไม่อยู่ในแผนใด จึงแนบภาพเป็นหลักฐานไม่ได้", "error")
            return _back(activity_id, "photos")
        sender = db.get(Staff, row.uploaded_by_id) if row.uploaded_by_id else None
        title = f"ภาพกิจกรรม “{activity.title}”" + (f" จาก{sender.name}" if sender else "")
        try:
            _item, created = proofs.attach_file(
                db, plan, PHOTO_INDICATOR, row, title[:proofs.MAX_TITLE], row.uploaded_at.astimezone(_tz()).date(),
                proofs.Recorded("console", common.person().id, common.now()), activity_id=activity.id)
        except proofs.EvidenceError as exc:
            db.rollback()
            flash(PHOTO_REFUSALS.get(exc.reason, "แนบภาพไม่ได้ กรุณาลองใหม่อีกครั้ง"), "error")
            return _back(activity_id, "photos")
    if created:
        flash(f"แนบภาพเป็นหลักฐานตัวชี้วัด {PHOTO_INDICATOR} แล้ว", "success")
    else:
        flash(f"ภาพนี้แนบเป็นหลักฐานตัวชี้วัด {PHOTO_INDICATOR} ไว้แล้ว", "warning")
    return _back(activity_id, "photos")
