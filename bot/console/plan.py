"""แผน: a fiscal year's plan — its indicators (what counts, how it is measured, the target, who is
responsible), their dated milestones and where each stands now, and its activities; the plan file
(YAML) to download and to upload (validated as `flask --app bot plan load` validates it).

The fiscal year runs 1 October – 30 September. `/console/plan/` is this year's plan; when this year
has none yet, the page says so and offers to start it from the latest plan (models.plan.next_year: a
draft with the same indicators and activities, every date a year later). A draft is shown with a
banner and can be changed, then put in use ("เริ่มใช้แผนนี้"); staff never see it before. Past
years stay readable at `/console/plan/<year>`; only plans of this year or later can be changed.

Coordinators change things; executives read (the console's guard refuses their POSTs).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, FloatField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bot import thai
from bot.console import common, planerrors
from models import measures, planfile
from models import plan as plans
from models.plan import Indicator, Milestone, Plan, PlanEditError

bp = Blueprint("plan", __name__, url_prefix="/plan")

MAX_FILE = 1024 * 1024  # a plan file is a few kilobytes
MEASURE_NAMES = {
    "proposals": "ร้อยละของบุคลากรที่เสนอ \"ปัญหาที่อยากแก้ ความดีที่อยากทำ\" (นับจากการเสนอในแชต)",
    "pledge": "ร้อยละของบุคลากรที่รับทราบปฏิญญาฉบับปัจจุบัน (ฉบับที่รับทราบน้อยที่สุด)",
    "plan_participation": "ร้อยละของบุคลากรที่ให้ความเห็นต่อแผน หรือเข้าร่วมประชุมจัดทำแผน",
    "responsible_assigned": "ร้อยละของกิจกรรมตามแผนที่มีผู้รับผิดชอบ",
    "activities_done": "ร้อยละของกิจกรรมตามแผนที่ดำเนินการแล้ว",
    "honours": "มีผู้ได้รับการยกย่อง และจัดกิจกรรมยกย่องเชิดชูเกียรติแล้ว",
    "awards": "รางวัลหรือคำขอบคุณที่บันทึกเป็นหลักฐาน",
    "channels": "ช่องทางเผยแพร่ที่บันทึกเป็นหลักฐาน",
    "report": "รายงานผลและสรุปบทเรียนที่บันทึกเป็นหลักฐาน",
    "confirmation": "การยืนยันของหน่วยงานที่บันทึกเป็นหลักฐาน",
}
KIND_NAMES = {"percent": "ร้อยละ", "count": "จำนวน", "evidence": "มีหลักฐาน"}


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def _trimmed(value: str | None) -> str:
    return (value or "").strip()


class IndicatorForm(FlaskForm):
    title = StringField("ชื่อตัวชี้วัด", filters=[_one_line], validators=[
        InputRequired("กรุณาใส่ชื่อตัวชี้วัด"), Length(max=1000, message="ชื่อยาวได้ไม่เกิน 1,000 ตัวอักษร")])
    counts = TextAreaField("นับอย่างไร", filters=[_trimmed], validators=[
        Length(max=2000, message="ยาวได้ไม่เกิน 2,000 ตัวอักษร")])
    target = FloatField("เป้าหมาย", validators=[Optional()])
    responsible = StringField("ผู้รับผิดชอบ", filters=[_one_line], validators=[
        Length(max=200, message="ยาวได้ไม่เกิน 200 ตัวอักษร")])


class MilestoneForm(FlaskForm):
    due = DateField("วันที่", validators=[InputRequired("กรุณาเลือกวันที่")])
    target = FloatField("เป้าหมาย ณ วันนั้น", validators=[Optional()])
    label = StringField("คำอธิบาย", filters=[_one_line], validators=[
        Length(max=200, message="คำอธิบายยาวได้ไม่เกิน 200 ตัวอักษร")])


class StartForm(FlaskForm):
    year = IntegerField(validators=[InputRequired()])


class UploadForm(FlaskForm):
    file = FileField("ไฟล์แผน (.yaml)", validators=[FileRequired("กรุณาเลือกไฟล์แผน")])


class ActionForm(FlaskForm):
    """A button that changes something and carries nothing but its CSRF token."""

    confirm = HiddenField()


# -- reading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    state: str | None     # models.plan.State value; None: not measured (no data, a draft, a year to come)
    expected: float | None


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    value: str | None     # what it measures now, e.g. "45% (9/20)"; None: no data
    share: float | None   # 0–100 for the bar
    state: str | None
    milestones: list[MilestoneRow]


def this_year() -> int:
    return plans.fiscal_year_of(common.now().date())


def year_span(year: int) -> tuple[date, date]:
    """1 October – 30 September of a Buddhist-Era fiscal year."""
    return date(year - 544, 10, 1), date(year - 543, 9, 30)


def target_text(kind: str, value: float) -> str:
    if kind == "percent":
        return f"ร้อยละ {thai.percent(value)}"
    if kind == "count":
        return f"{thai.percent(value)}"
    return "มีหลักฐาน"


def _measured_at(plan: Plan, now: datetime) -> datetime | None:
    """The moment a plan is measured at: now for this year's, its last day for a past year's; never
    for a draft or a year still to come."""
    if plan.status != plans.ACTIVE or plan.starts_on > now.date():
        return None
    if plan.ends_on < now.date():
        return datetime.combine(plan.ends_on, time(23, 59), tzinfo=now.tzinfo)
    return now


def indicator_rows(db: Session, plan: Plan, now: datetime) -> list[IndicatorRow]:
    at = _measured_at(plan, now)
    progress = {p.indicator.id: p for p in measures.progress(db, plan, at)} if at is not None else {}
    rows = []
    for indicator in plan.indicators:
        item = progress.get(indicator.id)
        states = {s.milestone.id: s for s in item.milestones} if item is not None else {}
        milestones = [MilestoneRow(m, states[m.id].state.value if m.id in states else None,
                                   states[m.id].expected if m.id in states else None) for m in indicator.milestones]
        value = share = None
        if item is not None:
            m = item.measured
            if indicator.target_kind == "percent":
                value, share = f"{thai.percent(m.value)}%" + (f" ({m.done}/{m.total})" if m.total else ""), m.value
            elif indicator.target_kind == "count":
                value = f"{thai.percent(m.value)} จาก {thai.percent(indicator.target)}"
                share = min(100.0, 100.0 * m.value / indicator.target) if indicator.target else 0.0
            else:
                value, share = ("มีแล้ว", 100.0) if m.value >= indicator.target else ("ยังไม่มี", 0.0)
        rows.append(IndicatorRow(indicator, value, share, item.state.value if item is not None else None, milestones))
    return rows


def _plan_of(db: Session, year: int) -> Plan:
    found = plans.of_year(db, year)
    if found is None:
        abort(404)
    return found


def _page(db: Session, year: int, plan: Plan | None, status: int = 200,
          upload_errors: list[planerrors.Explained] | None = None, upload_name: str = "") -> tuple[str, int]:
    now = common.now()
    current_year = plans.fiscal_year_of(now.date())
    years_ = plans.years(db)
    context: dict[str, object] = {
        "year": year, "plan": plan, "current_year": current_year, "years": years_,
        "years_only": [y for y, _ in years_],
        "span": year_span(year), "upload": UploadForm(), "start": StartForm(), "action": ActionForm(),
        "upload_errors": upload_errors or [], "upload_name": upload_name,
        "measure_names": MEASURE_NAMES, "kind_names": KIND_NAMES, "target_text": target_text,
    }
    if plan is None:
        source = plans.latest(db, before=year)
        context.update(source=source, past=year < current_year)
        return render_template("console/plan/index.html", **context), status
    total, done = plans.activity_counts(db, plan)
    pages = common.pages(total)
    next_plan = plans.of_year(db, plan.fiscal_year + 1)
    context.update(
        rows=indicator_rows(db, plan, now), editable=plans.editable(plan, now), past=year < current_year,
        draft=plan.status == plans.DRAFT, is_current=plan.status == plans.ACTIVE and year == current_year,
        measured_at=_measured_at(plan, now), activities=plans.activity_page(db, plan, pages.offset, pages.per_page),
        pages=pages, total=total, done=done, next_year=plan.fiscal_year + 1,
        offer_next=next_plan is None and plan.status == plans.ACTIVE and year >= current_year,
        activities_url=url_for("console.activities.index"))
    return render_template("console/plan/index.html", **context), status


@bp.get("/")
def index() -> BaseResponse | tuple[str, int]:
    """This fiscal year's plan (in use or a draft), or the notice that it has none and how to start it."""
    asked = request.args.get("year", "")
    if asked.isdigit():
        return redirect(url_for(".show", year=int(asked)))
    db = common.reading()
    year_ = this_year()
    return _page(db, year_, plans.of_year(db, year_))


@bp.get("/<int:year>")
def show(year: int) -> BaseResponse | tuple[str, int]:
    """A fiscal year's plan: a past year (read only), this year, a draft or a year to come."""
    db = common.reading()
    plan = plans.of_year(db, year)
    if plan is None and year != this_year():
        abort(404)
    return _page(db, year, plan)


@bp.get("/<int:year>/download")
def download(year: int) -> Response:
    """The plan as its YAML file, which uploads (or `flask --app bot plan load`) take back as it is."""
    plan = _plan_of(common.reading(), year)
    text = planfile.dump(plan, common.bot().settings.tz)
    response = Response(text, mimetype="application/yaml")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'plan_fy{year}.yaml')}"
    return response


# -- changing ----------------------------------------------------------------------------------------
EDIT_ERRORS = {
    "title": "กรุณาใส่ชื่อตัวชี้วัด",
    "date_taken": "ตัวชี้วัดนี้มีหมุดหมายวันที่นี้อยู่แล้ว แต่ละหมุดหมายต้องต่างวันกัน",
    "last_milestone": "ตัวชี้วัดต้องมีหมุดหมายอย่างน้อย 1 รายการ จึงลบรายการสุดท้ายไม่ได้",
    "closed": "แผนของปีที่ผ่านมาเก็บไว้ตามเดิม แก้ไขไม่ได้",
}


class _Refused(Exception):
    """A change refused with a Thai reason; raised inside `writing()` so nothing of it is kept."""


def _edit_error(exc: PlanEditError, indicator: Indicator) -> str:
    if exc.reason == "target":
        if indicator.target_kind == "percent":
            return "เป้าหมายร้อยละต้องเป็นตัวเลขตั้งแต่ 0 ถึง 100"
        return "เป้าหมายต้องเป็นจำนวนเต็มตั้งแต่ 1 ขึ้นไป"
    if exc.reason == "outside_year":
        plan = indicator.plan
        return (f"วันที่ต้องอยู่ในปีงบประมาณ {plan.fiscal_year} "
                f"({thai.thai_date(plan.starts_on)} – {thai.thai_date(plan.ends_on)})")
    return EDIT_ERRORS.get(exc.reason, "แก้ไขไม่ได้")


def _form_errors(form: FlaskForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) or "ข้อมูลไม่ครบ"


def _back(year: int, anchor: str = "") -> BaseResponse:
    return redirect(url_for(".show", year=year) + (f"#{anchor}" if anchor else ""))


def _indicator(db: Session, year: int, indicator_id: int) -> Indicator:
    found = db.get(Indicator, indicator_id)
    if found is None or found.plan.fiscal_year != year:
        abort(404)
    if not plans.editable(found.plan, common.now()):
        raise PlanEditError("closed")
    return found


def _milestone(db: Session, year: int, milestone_id: int) -> Milestone:
    found = db.get(Milestone, milestone_id)
    if found is None:
        abort(404)
    _indicator(db, year, found.indicator_id)
    return found


@bp.post("/<int:year>/indicators/<int:indicator_id>")
def edit_indicator(year: int, indicator_id: int) -> BaseResponse:
    form = IndicatorForm()
    anchor = f"indicator-{indicator_id}"
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(year, anchor)
    try:
        with common.writing() as db:
            indicator = _indicator(db, year, indicator_id)
            code = indicator.code
            try:
                plans.update_indicator(indicator, form.title.data or "", form.counts.data or "", form.target.data,
                                       form.responsible.data or "")
            except PlanEditError as exc:
                raise _Refused(f"ตัวชี้วัด {code}: {_edit_error(exc, indicator)}") from None
    except PlanEditError as exc:
        flash(EDIT_ERRORS.get(exc.reason, "แก้ไขไม่ได้"), "error")
        return _back(year, anchor)
    except _Refused as exc:
        flash(str(exc), "error")
        return _back(year, anchor)
    flash(f"บันทึกตัวชี้วัด {code} แล้ว", "success")
    return _back(year, anchor)


def _save_milestone(year: int, indicator_id: int | None, milestone_id: int | None) -> BaseResponse:
    form = MilestoneForm()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(year)
    try:
        with common.writing() as db:
            milestone = _milestone(db, year, milestone_id) if milestone_id is not None else None
            indicator = milestone.indicator if milestone is not None else _indicator(db, year, indicator_id or 0)
            code, anchor = indicator.code, f"indicator-{indicator.id}"
            due = form.due.data
            assert due is not None  # InputRequired
            try:
                plans.set_milestone(db, indicator, milestone, due, form.target.data, form.label.data or "")
            except PlanEditError as exc:
                raise _Refused(f"ตัวชี้วัด {code}: {_edit_error(exc, indicator)}") from None
    except PlanEditError as exc:
        flash(EDIT_ERRORS.get(exc.reason, "แก้ไขไม่ได้"), "error")
        return _back(year)
    except _Refused as exc:
        flash(str(exc), "error")
        return _back(year)
    flash(f"ตัวชี้วัด {code}: {'เพิ่ม' if milestone_id is None else 'บันทึก'}หมุดหมาย {thai.thai_date(due)} แล้ว",
          "success")
    return _back(year, anchor)


@bp.post("/<int:year>/indicators/<int:indicator_id>/milestones")
def add_milestone(year: int, indicator_id: int) -> BaseResponse:
    return _save_milestone(year, indicator_id, None)


@bp.post("/<int:year>/milestones/<int:milestone_id>")
def edit_milestone(year: int, milestone_id: int) -> BaseResponse:
    return _save_milestone(year, None, milestone_id)


@bp.post("/<int:year>/milestones/<int:milestone_id>/remove")
def remove_milestone(year: int, milestone_id: int) -> BaseResponse:
    try:
        with common.writing() as db:
            milestone = _milestone(db, year, milestone_id)
            indicator = milestone.indicator
            code, due, anchor = indicator.code, milestone.due, f"indicator-{indicator.id}"
            try:
                plans.remove_milestone(db, milestone)
            except PlanEditError as exc:
                raise _Refused(f"ตัวชี้วัด {code}: {_edit_error(exc, indicator)}") from None
    except PlanEditError as exc:
        flash(EDIT_ERRORS.get(exc.reason, "แก้ไขไม่ได้"), "error")
        return _back(year)
    except _Refused as exc:
        flash(str(exc), "error")
        return _back(year)
    flash(f"ตัวชี้วัด {code}: ลบหมุดหมาย {thai.thai_date(due)} แล้ว", "success")
    return _back(year, anchor)


@bp.post("/start")
def start() -> BaseResponse:
    """Start a fiscal year's plan (this one, or the next) from the latest plan before it: a draft."""
    form = StartForm()
    if not form.validate_on_submit() or form.year.data is None:
        flash("ไม่ทราบว่าจะเริ่มแผนของปีใด กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง", "error")
        return redirect(url_for(".index"))
    target, current = form.year.data, this_year()
    if target not in (current, current + 1):
        flash(f"เริ่มได้เฉพาะแผนปีงบประมาณ {current} หรือ {current + 1} ค่ะ", "error")
        return redirect(url_for(".index"))
    with common.writing() as db:
        existing = plans.of_year(db, target)
        source = plans.latest(db, before=target)
        if existing is None and source is not None:
            draft = plans.next_year(db, source, common.now(), fiscal_year=target)
            made = (source.fiscal_year, len(draft.indicators), plans.activity_counts(db, draft)[0])
        else:
            made = None
    if existing is not None:
        flash(f"แผนปีงบประมาณ {target} มีอยู่แล้วค่ะ", "warning")
    elif made is None:
        flash("ยังไม่มีแผนของปีก่อนให้คัดลอก กรุณาอัปโหลดไฟล์แผนของปีนี้แทนค่ะ", "error")
        return redirect(url_for(".index"))
    else:
        source_year, indicators, count = made
        flash(f"สร้างร่างแผนปีงบประมาณ {target} จากแผนปี {source_year} แล้ว: ตัวชี้วัด {indicators} ตัว "
              f"กิจกรรม {count} กิจกรรม วันที่เลื่อนไป {target - source_year} ปี "
              "ตรวจและแก้ไขได้ แล้วกด \"เริ่มใช้แผนนี้\"", "success")
    return _back(target)


@bp.post("/<int:year>/activate")
def activate(year: int) -> BaseResponse:
    """Put a draft in use: staff see it (once its year has come) and its indicators are measured."""
    if not ActionForm().validate_on_submit():
        abort(400)
    with common.writing() as db:
        plan = _plan_of(db, year)
        was_draft = plan.status == plans.DRAFT
        if was_draft:
            plans.activate(db, plan, common.bot().settings.tz)
        starts_on = plan.starts_on
    if not was_draft:
        flash(f"แผนปีงบประมาณ {year} ใช้อยู่แล้วค่ะ", "warning")
    elif year <= this_year():
        flash(f"เริ่มใช้แผนปีงบประมาณ {year} แล้ว บุคลากรเห็นแผนและกิจกรรมของปีนี้แล้วค่ะ", "success")
    else:
        flash(f"พร้อมใช้แผนปีงบประมาณ {year} แล้ว บุคลากรจะเห็นแผนนี้ตั้งแต่ {thai.thai_date(starts_on)}", "success")
    return _back(year)


@bp.post("/upload")
def upload() -> BaseResponse | tuple[str, int]:
    """Load a plan file: checked as `flask --app bot plan load` checks it; nothing is loaded when it has
    an error, and every error is listed with its field (or YAML line)."""
    form = UploadForm()
    shown_year = this_year()
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return redirect(url_for(".index"))
    storage = form.file.data
    name = (storage.filename or "plan.yaml").rsplit("/", 1)[-1]
    data = storage.read(MAX_FILE + 1)
    problems: list[str] = []
    if len(data) > MAX_FILE:
        problems = [f"{name}: ไฟล์ใหญ่เกิน 1 MB — ไฟล์แผนปกติมีขนาดไม่กี่กิโลไบต์"]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = [f"{name}: not UTF-8 text"]  # as `plan load` says it (planerrors says it in Thai)
    if not problems:
        try:
            spec = planfile.parse(text, name)
            shown_year = spec.fiscal_year
            if spec.fiscal_year < this_year():
                problems = [f"fiscal_year: แผนของปีที่ผ่านมา ({spec.fiscal_year}) เก็บไว้ตามเดิม อัปโหลดทับไม่ได้"]
            else:
                with common.writing() as db:
                    plan, report = planfile.load(db, spec, text, common.bot().settings.tz)
                    year_ = plan.fiscal_year
        except planfile.PlanFileError as exc:
            problems = exc.problems
    if problems:
        db = common.reading()  # the page of the file's year when it has a plan, else this year's
        if plans.of_year(db, shown_year) is None:
            shown_year = this_year()
        return _page(db, shown_year, plans.of_year(db, shown_year), status=422,
                     upload_errors=[planerrors.explain(p, name) for p in problems], upload_name=name)
    verb = "สร้าง" if report["created"] else "ปรับปรุง"
    flash(f"{verb}แผนปีงบประมาณ {year_} จากไฟล์ {name} แล้ว: ตัวชี้วัด {report['indicators']} ตัว "
          f"กิจกรรม {report['activities']} กิจกรรม (ใหม่ {report['activities_added']})", "success")
    return _back(year_)
