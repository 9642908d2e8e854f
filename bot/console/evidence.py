"""หลักฐาน: the evidence of every indicator of this fiscal year's plan (models/evidence.py).

    /console/evidence/                       every indicator: its state, what is missing, its evidence
    /console/evidence/<code>/new   GET/POST  the form of that indicator: the 2.2 order, a 4.2 award, a 4.3
                                             channel, the 4.4 lessons learned, the 4.5 confirmation, or
                                             an item (a file, a link or a note) for any other
    /console/evidence/<id>/remove  POST      remove an item (kept, marked removed, in the audit trail)

Files are checked like every upload (type sniffed from the content, 10 MB) and served by
/console/files/<id>. Executives read; coordinators record.
"""
from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from bot import thai, uploads
from bot.console import common
from jobs import digest
from models import activity as activities
from models import evidence as proofs
from models import files as stored
from models import measures
from models import plan as plans
from models.evidence import EvidenceError, Reason
from models.files import StoredFile
from models.plan import Plan

bp = Blueprint("evidence", __name__, url_prefix="/evidence")

SOURCE_NAMES = {"console": "หน้าเว็บ", "line": "LINE", "cli": "คำสั่งบนเซิร์ฟเวอร์"}
KIND_NAMES = {proofs.FILE: "ไฟล์", proofs.LINK: "ลิงก์", proofs.NOTE: "บันทึก"}
UPLOAD_REFUSALS = {
    "empty": "ไฟล์นี้ว่าง",
    "too_big": "ไฟล์ใหญ่เกิน 10 MB",
    "type": "รับเฉพาะรูปภาพ PDF และเอกสาร Word, Excel, PowerPoint",
}
# The models' refusals → (the form field, Thai)
REFUSALS: dict[Reason, tuple[str, str]] = {
    Reason.EMPTY: ("", "กรุณากรอกช่องนี้"),
    Reason.TOO_LONG: ("", "ยาวเกิน {limit} ตัวอักษร"),
    Reason.BAD_URL: ("link", "ลิงก์ต้องขึ้นต้นด้วย https:// หรือ http://"),
    Reason.NEED_CONTENT: ("file", "กรุณาแนบไฟล์หรือใส่ลิงก์อย่างน้อยหนึ่งอย่าง"),
    Reason.FUTURE: ("dated", "วันที่ต้องไม่เลยวันนี้"),
    Reason.OUTSIDE_YEAR: ("dated", "วันที่ต้องอยู่ระหว่าง {first} ถึง {last}"),
    Reason.AWARD_TOO_OLD: ("dated", "ตัวชี้วัด 4.2 นับรางวัลย้อนหลังไม่เกิน 1 ปี ตั้งแต่ {oldest} เท่านั้น"),
    Reason.ACK_BEFORE_SENT: ("acknowledged_on", "วันที่ผู้บังคับบัญชาทราบต้องไม่ก่อนวันที่เสนอ"),
    Reason.NO_ACTIVITY: ("activity", "กิจกรรมนี้ไม่อยู่ในแผนปีนี้"),
}
FIELD_OF = {"title": "title", "note": "note", "number": "number", "signer": "signer", "issuer": "issuer",
            "done": "done", "results": "results", "worked": "worked", "problems": "problems",
            "improvements": "improvements", "acknowledged_by": "acknowledged_by", "confirmed_by": "confirmed_by",
            "position": "position", "statement": "statement", "url": "link"}


def _date_field(label: str, required: bool = True) -> DateField:
    return DateField(label, validators=[InputRequired("กรุณาเลือกวันที่") if required else Optional()],
                     render_kw={"type": "date"})


def _file_field(label: str = "ไฟล์ (รูปภาพ PDF หรือเอกสาร ไม่เกิน 10 MB)") -> FileField:
    return FileField(label)


def _link_field() -> StringField:
    return StringField("ลิงก์", validators=[Length(max=proofs.MAX_URL)], render_kw={"placeholder": "https://…"})


class ItemForm(FlaskForm):
    title = StringField("เรื่อง", validators=[InputRequired("กรุณากรอกว่าเป็นหลักฐานอะไร"), Length(max=proofs.MAX_TITLE)])
    dated = _date_field("วันที่ของหลักฐาน")
    activity = SelectField("กิจกรรม (ถ้ามี)", choices=[], validate_choice=False)
    link = _link_field()
    note = TextAreaField("บันทึก", validators=[Length(max=proofs.MAX_TEXT)])
    file = _file_field()


class OrderForm(FlaskForm):
    number = StringField("เลขที่คำสั่ง", validators=[InputRequired("กรุณากรอกเลขที่คำสั่ง"), Length(max=40)],
                         render_kw={"placeholder": "เช่น 12/2570"})
    signer = StringField("ผู้ลงนาม", validators=[InputRequired("กรุณากรอกผู้ลงนาม"), Length(max=200)])
    dated = _date_field("ลงวันที่")
    link = _link_field()
    file = _file_field("ไฟล์คำสั่ง (สแกนหรือ PDF)")


class AwardForm(FlaskForm):
    issuer = StringField("หน่วยงานที่มอบ", validators=[InputRequired("กรุณากรอกหน่วยงานที่มอบ"), Length(max=300)])
    award_kind = SelectField("ประเภท", choices=[SelectChoice(k, v) for k, v in proofs.AWARD_KINDS.items()])
    title = StringField("ชื่อรางวัล (ถ้ามี)", validators=[Length(max=proofs.MAX_TITLE)])
    dated = _date_field("ลงวันที่")
    link = _link_field()
    file = _file_field("สำเนาเกียรติบัตร โล่ หรือหนังสือ (รูปภาพหรือ PDF)")


class ChannelForm(FlaskForm):
    channel = SelectField("ช่องทาง", choices=[SelectChoice(k, v) for k, v in proofs.CHANNELS.items()])
    title = StringField("เรื่องที่เผยแพร่ (ถ้ามี)", validators=[Length(max=proofs.MAX_TITLE)])
    dated = _date_field("วันที่เผยแพร่")
    link = _link_field()
    file = _file_field("ภาพหน้าจอ (ถ้ามี)")


class LessonsForm(FlaskForm):
    dated = _date_field("วันที่จัดทำ")
    done = TextAreaField("สิ่งที่ดำเนินการ", validators=[InputRequired("กรุณากรอกช่องนี้")])
    results = TextAreaField("ผลเทียบกับเป้าหมาย", validators=[InputRequired("กรุณากรอกช่องนี้")])
    worked = TextAreaField("สิ่งที่ได้ผลดี", validators=[InputRequired("กรุณากรอกช่องนี้")])
    problems = TextAreaField("ปัญหาและอุปสรรค", validators=[InputRequired("กรุณากรอกช่องนี้")])
    improvements = TextAreaField("แนวทางปรับปรุงปีถัดไป", validators=[InputRequired("กรุณากรอกช่องนี้")])
    sent_on = _date_field("วันที่เสนอผู้บังคับบัญชา", required=False)
    acknowledged_by = StringField("ผู้บังคับบัญชาที่ทราบ", validators=[Length(max=200)])
    acknowledged_on = _date_field("วันที่ผู้บังคับบัญชาทราบ", required=False)
    file = _file_field("ไฟล์รายงาน (ถ้ามี)")


class ConfirmForm(FlaskForm):
    confirmed_by = StringField("ผู้รับรอง", validators=[InputRequired("กรุณากรอกชื่อผู้รับรอง"), Length(max=200)])
    position = StringField("ตำแหน่ง", validators=[InputRequired("กรุณากรอกตำแหน่ง"), Length(max=200)])
    dated = _date_field("วันที่รับรอง")
    statement = TextAreaField("ข้อความรับรอง (เว้นว่างได้ ใช้ข้อความมาตรฐาน)", validators=[Length(max=proofs.MAX_TEXT)])
    file = _file_field("หนังสือรับรองที่ลงนามแล้ว (ถ้ามี)")


class ActionForm(FlaskForm):
    pass


FORMS: dict[str, type[FlaskForm]] = {"2.2": OrderForm, "4.2": AwardForm, "4.3": ChannelForm, "4.4": LessonsForm,
                                     "4.5": ConfirmForm}
FORM_TITLES = {"2.2": "บันทึกคำสั่งแต่งตั้ง", "4.2": "บันทึกรางวัลหรือคำชื่นชมจากหน่วยงานภายนอก",
               "4.3": "บันทึกการเผยแพร่ประชาสัมพันธ์", "4.4": "บันทึกรายงานผลและการถอดบทเรียน",
               "4.5": "บันทึกการรับรองว่าไม่มีบุคลากรถูกดำเนินการทางวินัยหรือคดีอาญา"}


# -- reading -------------------------------------------------------------------------------------------
def _current(db: Session) -> Plan | None:
    return plans.current(db, common.now())


@bp.get("/")
def index() -> str:
    db = common.reading()
    now = common.now()
    plan = _current(db)
    cards: list[dict[str, Any]] = []
    if plan is not None:
        progress = {p.indicator.code: p for p in measures.progress(db, plan, now)}
        found = proofs.items(db, plan)
        files = proofs.files_of(db, found)
        for indicator in plan.indicators:
            p = progress.get(indicator.code)
            missing = ""
            if p is not None and p.state.value != "done":
                missing = digest.missing(db, plan, p, now.date())
            cards.append({"indicator": indicator, "progress": p, "missing": missing,
                          "items": [(i, files.get(i.file_id) if i.file_id else None)
                                    for i in found if i.indicator_code == indicator.code]})
    return render_template("console/evidence/index.html", plan=plan, cards=cards, this_year=plans.fiscal_year_of(
        now.date()), can_edit=common.is_coordinator(), action=ActionForm(), sources=SOURCE_NAMES, kinds=KIND_NAMES,
        channels=proofs.CHANNELS, monthly=proofs.monthly_confirmation(db))


@bp.post("/monthly")
@common.coordinator_only
def monthly() -> BaseResponse:
    """4.5 re-confirmed each month: the deadline reminders remind the coordinators in a month's last days."""
    if not ActionForm().validate_on_submit():
        abort(400)
    on = request.form.get("on") == "1"
    with common.writing() as db:
        proofs.set_monthly_confirmation(db, on, common.now())
    flash("จะเตือนให้ยืนยันตัวชี้วัด 4.5 ทุกสิ้นเดือน" if on else "ปิดการเตือนยืนยันตัวชี้วัด 4.5 รายเดือนแล้ว", "success")
    return redirect(url_for(".index") + "#i4-5")


# -- recording -----------------------------------------------------------------------------------------
def _form_for(code: str) -> FlaskForm:
    form = FORMS.get(code, ItemForm)()
    if isinstance(form, ItemForm):
        db = common.reading()
        plan = _current(db)
        form.activity.choices = [SelectChoice("", "— ไม่ระบุ —")] + [
            SelectChoice(str(a.id), a.title) for a in (activities.of_plan(db, plan.id) if plan else [])]
    return form


def _page(code: str, form: FlaskForm, status: int = 200) -> tuple[str, int]:
    db = common.reading()
    plan = _current(db)
    if plan is None:
        abort(404)
    indicator = plans.indicator(db, plan, code)
    if indicator is None:
        abort(404)
    return render_template("console/evidence/form.html", plan=plan, indicator=indicator, form=form,
                           heading=FORM_TITLES.get(code, "เพิ่มหลักฐาน"), code=code,
                           window=proofs.award_window(plan) if code == "4.2" else None), status


@bp.get("/<code>/new")
@common.coordinator_only
def new(code: str) -> tuple[str, int]:
    form = _form_for(code)
    if hasattr(form, "dated") and form.dated.data is None:
        form.dated.data = common.now().date()
    return _page(code, form)


def _upload(form: FlaskForm) -> tuple[bytes, str] | None:
    storage = getattr(form, "file", None)
    data = storage.data if storage is not None else None
    if not isinstance(data, FileStorage) or not data.filename:
        return None
    name = PurePosixPath((data.filename or "").replace("\\", "/")).name[:200] or "หลักฐาน"
    return data.read(uploads.MAX_BYTES + 1), name


def _refuse(form: FlaskForm, exc: EvidenceError) -> None:
    field, text = REFUSALS.get(exc.reason, ("", "บันทึกไม่ได้ กรุณาตรวจข้อมูลอีกครั้ง"))
    details = {k: thai.thai_date(v) if isinstance(v, date) else v for k, v in exc.details.items()}
    if not field:
        field = FIELD_OF.get(str(exc.details.get("field", "")), "")
    target = getattr(form, field, None) or getattr(form, "dated", None) or form.csrf_token
    target.errors = [*(target.errors or []), text.format(**details)]


def _record(db: Session, plan: Plan, code: str, form: FlaskForm, file: StoredFile | None,
            recorded: proofs.Recorded) -> proofs.Evidence:
    link = form.link.data if hasattr(form, "link") else ""
    if isinstance(form, OrderForm):
        return proofs.add_order(db, plan, form.number.data, form.dated.data, form.signer.data, recorded,
                                file=file, url=link)[0]
    if isinstance(form, AwardForm):
        return proofs.add_award(db, plan, form.issuer.data, form.award_kind.data, form.dated.data, recorded,
                                title=form.title.data or "", file=file, url=link)[0]
    if isinstance(form, ChannelForm):
        return proofs.add_publicity(db, plan, form.channel.data, form.dated.data, recorded, url=link, file=file,
                                    title=form.title.data or "")[0]
    if isinstance(form, LessonsForm):
        return proofs.add_lessons(db, plan, form.dated.data, recorded, done=form.done.data,
                                  results=form.results.data, worked=form.worked.data, problems=form.problems.data,
                                  improvements=form.improvements.data, sent_on=form.sent_on.data,
                                  acknowledged_by=form.acknowledged_by.data or "",
                                  acknowledged_on=form.acknowledged_on.data, file=file)[0]
    if isinstance(form, ConfirmForm):
        return proofs.add_confirmation(db, plan, form.confirmed_by.data, form.position.data, form.dated.data,
                                       recorded, statement=form.statement.data or "", file=file)[0]
    assert isinstance(form, ItemForm)
    activity_id = int(form.activity.data) if (form.activity.data or "").isdigit() else None
    kind = proofs.FILE if file is not None else proofs.LINK if (link or "").strip() else proofs.NOTE
    return proofs.add(db, plan, code, kind, form.title.data, form.dated.data, recorded, url=link,
                      note=form.note.data or "", file=file, activity_id=activity_id)


@bp.post("/<code>/new")
@common.coordinator_only
def create(code: str) -> BaseResponse | tuple[str, int]:
    form = _form_for(code)
    if not form.validate_on_submit():
        return _page(code, form, 400)
    upload = _upload(form)
    if upload is not None:
        try:
            uploads.check(upload[0], uploads.EVIDENCE_TYPES)
        except uploads.UploadError as exc:
            form.file.errors = [UPLOAD_REFUSALS.get(exc.reason, UPLOAD_REFUSALS["type"])]
            return _page(code, form, 400)
    directory = common.bot().settings.uploads_dir
    kept = None
    try:
        with common.writing() as db:
            plan = _current(db)
            if plan is None or plans.indicator(db, plan, code) is None:
                abort(404)
            file = None
            if upload is not None:
                kept = uploads.save(directory, upload[0])
                file = stored.add(db, kept.stored_name, upload[1], kept.content_type, kept.size, kept.sha256,
                                  common.person().id, common.now())
            try:
                item = _record(db, plan, code, form, file, proofs.Recorded("console", common.person().id, common.now()))
            except EvidenceError as exc:
                db.rollback()
                if kept is not None:
                    uploads.remove(directory, kept.stored_name)
                _refuse(form, exc)
                return _page(code, form, 400)
            title = item.title
    except BaseException:
        if kept is not None:
            uploads.remove(directory, kept.stored_name)
        raise
    flash(f"บันทึกหลักฐานตัวชี้วัด {code} แล้ว: {title}", "success")
    return redirect(url_for(".index") + f"#i{code.replace('.', '-')}")


@bp.post("/<int:item_id>/remove")
@common.coordinator_only
def remove(item_id: int) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    with common.writing() as db:
        item = db.get(proofs.Evidence, item_id)
        plan = _current(db)
        if item is None or plan is None or item.plan_id != plan.id:
            abort(404)
        try:
            proofs.remove(db, item_id, proofs.Recorded("console", common.person().id, common.now()))
        except EvidenceError:
            flash("หลักฐานนี้ถูกนำออกไปแล้ว", "warning")
            return redirect(url_for(".index"))
        code, title = item.indicator_code, item.title
    flash(f"นำหลักฐาน “{title}” ออกแล้ว (ยังเก็บไว้ในประวัติการแก้ไข)", "success")
    return redirect(url_for(".index") + f"#i{code.replace('.', '-')}")
