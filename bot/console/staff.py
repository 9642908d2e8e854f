"""บุคลากร: the roster (search; filters by unit, role, registration and roster status, each choice
with its count; 50 a page, counted and paged in SQL), one person's page (reset the LINE link,
retire or bring back, change role), importing a roster file (.xlsx or CSV) with a preview of what it
would add, change, bring back and leave out and every bad line with its reason before anything is
stored, the file's template, and invite sheets (one card per person with the invite code and the QR
code of its registration link) as a printable page and a PDF.

An uploaded roster waits under uploads/imports/ under a random name until it is imported (all of
it, in one transaction) or cancelled; either deletes it, and files older than a day are swept away
on the next upload.
"""
from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from bot import links, uploads
from bot.console import common
from bot.documents import invites as sheets
from models import roster
from models import staff as people
from models.staff import ROLES, Refusal, Role, Staff, StaffError

bp = Blueprint("staff", __name__, url_prefix="/staff")

ROLE_NAMES = {Role.STAFF.value: "บุคลากร", Role.COORDINATOR.value: "ผู้ประสานงาน", Role.EXECUTIVE.value: "ผู้บริหาร"}
COLUMN_NAMES = {"code": "รหัส", "name": "ชื่อ", "position": "ตำแหน่ง", "unit": "หน่วยงาน", "role": "บทบาท"}
TEMPLATE_HEADER = roster.COLUMNS
TEMPLATE_EXAMPLE = ("0001", "นายสมชาย ใจดี", "นักพัฒนาชุมชน", "กลุ่มงานประสานฯ", "staff")
TEMPLATE_NAME = "แบบฟอร์มรายชื่อบุคลากร"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN = 100           # people shown per section of an import preview
STALE_SECONDS = 24 * 3600
WHO = {"all": "ทุกคนในทะเบียน", "unregistered": "เฉพาะผู้ที่ยังไม่ลงทะเบียน"}
REFUSALS = {
    Refusal.LAST_COORDINATOR: "ทำไม่ได้ เพราะจะไม่มีผู้ประสานงานเหลือในทะเบียน "
                              "กรุณากำหนดผู้ประสานงานคนอื่นก่อน",
    Refusal.SELF: "ท่านทำรายการนี้กับบัญชีของตนเองไม่ได้ กรุณาให้ผู้ประสานงานคนอื่นทำให้",
    Refusal.BAD_ROLE: "กรุณาเลือกบทบาท",
}
PROBLEMS = {
    roster.Problem.EMPTY_FILE: "ไฟล์ว่าง ต้องมีแถวหัวตาราง code,name,position,unit,role",
    roster.Problem.MISSING_COLUMNS: "ไม่มีคอลัมน์ {columns} (หัวตารางต้องเป็น code,name,position,unit,role "
                                    "หรือ รหัส,ชื่อ,ตำแหน่ง,หน่วยงาน,บทบาท)",
    roster.Problem.NO_PEOPLE: "มีแถวหัวตารางแต่ไม่มีรายชื่อ",
    roster.Problem.ENCODING: "อ่านตัวอักษรไม่ได้ กรุณาบันทึกเป็น .xlsx หรือ CSV UTF-8",
    roster.Problem.WORKBOOK: "เปิดไฟล์ Excel ไม่ได้ ไฟล์อาจเสียหาย กรุณาบันทึกใหม่แล้วลองอีกครั้ง",
    roster.Problem.CSV: "รูปแบบ CSV ไม่ถูกต้อง",
    roster.Problem.EMPTY: "ไม่ได้กรอก{column}",
    roster.Problem.TOO_LONG: "{column}ยาวเกิน {limit} ตัวอักษร",
    roster.Problem.ROLE: "บทบาท “{value}” ไม่ถูกต้อง ใส่ บุคลากร ผู้ประสานงาน หรือ ผู้บริหาร "
                         "(เว้นว่างได้ หมายถึงบุคลากร)",
    roster.Problem.REPEAT: "รหัส {value} ซ้ำกับบรรทัดที่ {other}",
}
UPLOAD_REFUSALS = {
    "empty": "ไฟล์ว่าง กรุณาเลือกไฟล์รายชื่ออีกครั้ง",
    "too_big": "ไฟล์ใหญ่เกินไป (ไม่เกิน 10 MB)",
    "type": "รับเฉพาะไฟล์ .xlsx หรือ .csv",
}


# -- forms -------------------------------------------------------------------------------------------
class UploadForm(FlaskForm):
    file = FileField("ไฟล์รายชื่อ (.xlsx หรือ .csv)", validators=[FileRequired("กรุณาเลือกไฟล์รายชื่อ")])


class ConfirmForm(FlaskForm):
    retire_missing = BooleanField("นำผู้ที่ไม่มีในไฟล์ออกจากทะเบียนด้วย")


class RoleForm(FlaskForm):
    role = SelectField("บทบาท", choices=[SelectChoice(r, ROLE_NAMES[r]) for r in ROLES])


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


# -- the list ------------------------------------------------------------------------------------------
def _filters() -> tuple[roster.Filters, dict[str, str]]:
    """The list's filters from the query string, and the query arguments that keep them."""
    args = request.args
    search = " ".join(args.get("q", "").split())[:100]
    unit = args.get("unit", "")[:200]
    role = args.get("role", "") if args.get("role", "") in ROLES else ""
    registered = {"yes": True, "no": False}.get(args.get("registered", ""))
    status = args.get("status", "active") if args.get("status") in ("active", "retired", "all") else "active"
    kept = {"q": search, "unit": unit, "role": role, "registered": args.get("registered", "") if registered is not None
            else "", "status": "" if status == "active" else status}
    active = {"active": True, "retired": False, "all": None}[status]
    return (roster.Filters(search=search, unit=unit, role=role, registered=registered, active=active),
            {k: v for k, v in kept.items() if v})


@bp.get("/")
def index() -> str:
    db = common.reading()
    filters, kept = _filters()
    pages = common.pages(roster.count(db, filters))
    found = roster.listing(db, filters, pages.offset, pages.per_page)
    counts = roster.counts(db, filters)
    return render_template("console/staff/index.html", people=found, pages=pages, filters=filters, kept=kept,
                           counts=counts, summary=people.registration_counts(db), role_names=ROLE_NAMES,
                           status=kept.get("status", "active"), registered=kept.get("registered", ""))


# -- one person ------------------------------------------------------------------------------------------
def _person(db: Any, staff_id: int) -> Staff:
    person = db.get(Staff, staff_id)
    if person is None:
        abort(404)
    return person


@bp.get("/<int:staff_id>")
def person(staff_id: int) -> str:
    db = common.reading()
    found = _person(db, staff_id)
    form = RoleForm(role=found.role)
    link = links.invite(common.bot().settings.bot_basic_id, found.invite_code) if found.invite_code else ""
    return render_template("console/staff/person.html", person=found, involvement=roster.involvement(db, found.id),
                           role_form=form, action=ActionForm(), role_names=ROLE_NAMES, link=link,
                           me=common.person().id == found.id)


def _back(staff_id: int) -> BaseResponse:
    return redirect(url_for(".person", staff_id=staff_id))


def _refused(exc: StaffError, staff_id: int) -> BaseResponse:
    flash(REFUSALS[exc.refusal], "error")
    return _back(staff_id)


@bp.post("/<int:staff_id>/unlink")
def unlink(staff_id: int) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        with common.writing() as db:
            found = _person(db, staff_id)
            code = people.unlink(db, found, by=common.person())
            name = found.name
    except StaffError as exc:
        return _refused(exc, staff_id)
    common.sync_menus()
    flash(f"ยกเลิกการเชื่อม LINE ของ{name}แล้ว รหัสเชิญใหม่คือ {code} (ประวัติการรับทราบยังอยู่ครบ)", "success")
    return _back(staff_id)


@bp.post("/<int:staff_id>/active")
def active(staff_id: int) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("active") == "1"
    try:
        with common.writing() as db:
            found = _person(db, staff_id)
            changed = people.set_active(db, found, wanted, by=common.person())
            name = found.name
    except StaffError as exc:
        return _refused(exc, staff_id)
    if changed:
        common.sync_menus()
        flash(f"นำ{name}กลับเข้าทะเบียนแล้ว" if wanted else
              f"นำ{name}ออกจากทะเบียนแล้ว (ข้อมูลยังเก็บไว้ แต่ไม่นับรวมในตัวชี้วัด)", "success")
    return _back(staff_id)


@bp.post("/<int:staff_id>/role")
def role(staff_id: int) -> BaseResponse:
    form = RoleForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(REFUSALS[Refusal.BAD_ROLE], "error")
        return _back(staff_id)
    try:
        with common.writing() as db:
            found = _person(db, staff_id)
            changed = people.change_role(db, found, form.role.data or "")
            name = found.name
    except StaffError as exc:
        return _refused(exc, staff_id)
    if changed:
        common.sync_menus()
        flash(f"เปลี่ยนบทบาทของ{name}เป็น{ROLE_NAMES[form.role.data or '']}แล้ว", "success")
    return _back(staff_id)


# -- importing a roster file ---------------------------------------------------------------------------
def _imports() -> Any:
    return common.bot().settings.uploads_dir / "imports"


def _sweep() -> None:
    """Uploads nobody imported or cancelled, a day later."""
    folder = _imports()
    if not folder.is_dir():
        return
    old = time.time() - STALE_SECONDS
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < old:
            path.unlink(missing_ok=True)


def problem_text(issue: roster.Issue) -> str:
    """An issue of a roster file, in Thai."""
    return PROBLEMS[issue.problem].format(
        column=COLUMN_NAMES.get(issue.column, issue.column),
        columns=", ".join(COLUMN_NAMES.get(c, c) + f" ({c})" for c in issue.column.split(",") if c),
        limit=roster.MAX_FIELD, value=issue.value, other=issue.other_line)


def change_text(change: roster.Change) -> str:
    return "; ".join(f"{COLUMN_NAMES[c]}: {ROLE_NAMES.get(a, a) if c == 'role' else a or '-'} → "
                     f"{ROLE_NAMES.get(b, b) if c == 'role' else b or '-'}" for c, (a, b) in change.fields.items())


@dataclass(frozen=True)
class Checked:
    """An uploaded file as the preview and the confirmation see it."""

    rows: list[roster.RosterRow]
    errors: list[tuple[int, list[str]]]       # (line, Thai reasons): nothing can be imported
    preview: roster.Preview | None
    blocked: str                               # why even a good file cannot be imported as it is
    blocked_retiring: str                      # why it cannot be imported with retire-missing


def _check(db: Any, data: bytes) -> Checked:
    try:
        rows = roster.parse_bytes(data)
    except roster.RosterError as exc:
        return Checked([], [(line, [problem_text(i) for i in issues]) for line, issues in exc.by_line()], None, "", "")
    preview = roster.preview(db, rows)
    me = common.person()
    blocked = blocked_retiring = ""
    if preview.coordinators_after == 0:
        blocked = "ไฟล์นี้จะทำให้ไม่มีผู้ประสานงานเหลือในทะเบียน กรุณาแก้บทบาทในไฟล์แล้วอัปโหลดใหม่"
    if preview.coordinators_after_retiring == 0:
        blocked_retiring = "ถ้านำผู้ที่ไม่มีในไฟล์ออก จะไม่มีผู้ประสานงานเหลือในทะเบียน"
    elif any(m.staff_id == me.id for m in preview.missing):
        blocked_retiring = "ไฟล์นี้ไม่มีรายชื่อของท่านเอง จึงนำผู้ที่ไม่มีในไฟล์ออกพร้อมกันไม่ได้"
    return Checked(rows, [], preview, blocked, blocked_retiring)


def _upload_path(name: str) -> Any:
    path = uploads.path_of(_imports(), name)
    if path is None:
        flash("ไม่พบไฟล์ที่อัปโหลดไว้ (นำเข้าหรือยกเลิกไปแล้ว หรือเกิน 1 วัน) กรุณาอัปโหลดใหม่", "warning")
    return path


@bp.get("/import")
@common.coordinator_only
def upload_page() -> str:
    return render_template("console/staff/import.html", form=UploadForm())


@bp.post("/import")
def upload() -> BaseResponse | str:
    form = UploadForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_template("console/staff/import.html", form=form)
    data = form.file.data.read()
    _sweep()
    try:
        saved = uploads.save(_imports(), data, allowed=uploads.ROSTER_TYPES)
    except uploads.UploadError as exc:
        form.file.errors = [UPLOAD_REFUSALS.get(exc.reason, UPLOAD_REFUSALS["type"])]
        return render_template("console/staff/import.html", form=form)
    return redirect(url_for(".preview", name=saved.stored_name))


@bp.get("/import/<name>")
@common.coordinator_only
def preview(name: str) -> BaseResponse | str:
    path = _upload_path(name)
    if path is None:
        return redirect(url_for(".upload_page"))
    checked = _check(common.reading(), path.read_bytes())
    return render_template("console/staff/preview.html", name=name, checked=checked, form=ConfirmForm(),
                           cancel=ActionForm(), shown=SHOWN, change_text=change_text, role_names=ROLE_NAMES)


@bp.post("/import/<name>/confirm")
def confirm(name: str) -> BaseResponse:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    path = _upload_path(name)
    if path is None:
        return redirect(url_for(".upload_page"))
    retire = bool(form.retire_missing.data)
    with common.writing() as db:
        checked = _check(db, path.read_bytes())
        refusal = ("ไฟล์นี้มีบรรทัดที่ต้องแก้ไข" if checked.errors else checked.blocked
                   or (checked.blocked_retiring if retire else ""))
        if refusal:
            db.rollback()
            flash(refusal + " จึงยังไม่ได้นำเข้า", "error")
            return redirect(url_for(".preview", name=name))
        report = roster.apply(db, checked.rows, retire_missing=retire)
    path.unlink(missing_ok=True)
    common.sync_menus()
    done = (f"นำเข้าแล้ว {len(checked.rows):,} คน: เพิ่ม {report.added:,} คน ปรับปรุง {report.updated:,} คน "
            f"กลับเข้าทะเบียน {report.reactivated:,} คน ไม่เปลี่ยนแปลง {report.unchanged:,} คน")
    if report.retired:
        done += f" และนำออกจากทะเบียน {report.retired:,} คน"
    elif report.missing:
        done += f" (ผู้ที่ไม่มีในไฟล์ {len(report.missing):,} คน ยังอยู่ในทะเบียน)"
    flash(done, "success")
    return redirect(url_for(".index"))


@bp.post("/import/<name>/cancel")
def cancel(name: str) -> BaseResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    uploads.remove(_imports(), name)
    flash("ยกเลิกการนำเข้าแล้ว ไม่มีการเปลี่ยนแปลงรายชื่อ", "success")
    return redirect(url_for(".index"))


def _download(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@bp.get("/template.csv")
def template_csv() -> Response:
    text = ",".join(TEMPLATE_HEADER) + "\r\n" + ",".join(TEMPLATE_EXAMPLE) + "\r\n"
    return _download(text.encode("utf-8-sig"), TEMPLATE_NAME + ".csv", "text/csv")


@bp.get("/template.xlsx")
def template_xlsx() -> Response:
    from openpyxl import Workbook  # 120 ms to import: only this download needs it
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "รายชื่อ"
    sheet.append(list(TEMPLATE_HEADER))
    sheet.append(list(TEMPLATE_EXAMPLE))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (12, 30, 28, 28, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet["A2"].number_format = "@"  # codes are text: 0001 keeps its zeros
    out = io.BytesIO()
    book.save(out)
    return _download(out.getvalue(), TEMPLATE_NAME + ".xlsx", XLSX)


# -- invite sheets ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    who: str
    unit: str
    part: int
    parts: int
    total: int
    first: int
    last: int
    cards: list[sheets.Card]

    @property
    def footer(self) -> str:
        scope = WHO[self.who] + (f" · {self.unit}" if self.unit else "")
        if self.parts > 1:
            return f"{scope} · ชุดที่ {self.part}/{self.parts} (บัตรที่ {self.first:,}–{self.last:,} จาก {self.total:,})"
        return f"{scope} · {self.total:,} คน"


def _sheet(pdf: bool = False) -> Sheet:
    """The cards the query string asks for, every person given an invite code first."""
    who = request.args.get("who", "all") if request.args.get("who") in WHO else "all"
    unit = request.args.get("unit", "")[:200]
    part = request.args.get("part", "1")
    number = int(part) if part.isdigit() and 0 < int(part) < 10_000 else 1
    db = common.reading()
    if roster.without_invite_code(db):
        with common.writing() as writer:
            people.ensure_invite_codes(writer)
        db.rollback()  # a new read transaction, which sees the codes just given
    total = roster.invitee_count(db, unregistered=who == "unregistered", unit=unit)
    parts = max(1, -(-total // sheets.MAX_CARDS))
    number = min(number, parts)
    offset = (number - 1) * sheets.MAX_CARDS
    chosen = roster.invitees(db, unregistered=who == "unregistered", unit=unit, offset=offset,
                             limit=sheets.MAX_CARDS)
    # The page's HTML comes at once and the browser fetches the QR images beside it; a PDF holds them.
    qr_url = None if pdf else (lambda person: url_for(".invite_qr", staff_id=person.staff_id))
    cards = sheets.cards(chosen, common.bot().settings.bot_basic_id, qr_url=qr_url)
    return Sheet(who, unit, number, parts, total, offset + 1 if total else 0, offset + len(cards), cards)


@bp.get("/invites")
@common.coordinator_only
def invites() -> str:
    sheet = _sheet()
    return render_template("console/staff/invites.html", sheet=sheet, who_names=WHO,
                           units=roster.units(common.reading()), instruction=sheets.INSTRUCTION,
                           per_file=sheets.MAX_CARDS)


@bp.get("/<int:staff_id>/invite-qr.png")
@common.coordinator_only
def invite_qr(staff_id: int) -> Response:
    """The QR code of a person's invite link, for the invite sheet page (by id: no code in the URL)."""
    person = common.reading().get(Staff, staff_id)
    if person is None or not person.invite_code:
        abort(404)
    return Response(links.qr_png(links.invite(common.bot().settings.bot_basic_id, person.invite_code)),
                    mimetype="image/png")


@bp.get("/invites.pdf")
@common.coordinator_only
def invites_pdf() -> Response:
    sheet = _sheet(pdf=True)
    office = common.bot().settings.office_name
    data = sheets.pdf(sheet.cards, office, footer=sheet.footer)
    name = "บัตรเชิญลงทะเบียน" + (f"-{sheet.unit}" if sheet.unit else "") + \
        ("-ยังไม่ลงทะเบียน" if sheet.who == "unregistered" else "") + \
        (f"-ชุดที่{sheet.part}" if sheet.parts > 1 else "") + ".pdf"
    return _download(data, name, "application/pdf")
