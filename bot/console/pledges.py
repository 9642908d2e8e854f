"""ปฏิญญา: every pledge document (in use and retired) with its current version and versions, the
office's progress and each unit's, who has not acknowledged the current version (a list by unit and
an .xlsx), publishing a document or a new version (previewed as the very LINE card staff will get),
and retiring one (indicator 1.2).

The preview is the pledge handler's own card (handlers.pledge.card) drawn by the sandbox's LINE
look-alike (bot.sandbox.flexhtml), whose stylesheet this blueprint serves as flex.css.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from bot import messages as ui
from bot.console import common
from bot.sandbox import flexhtml
from handlers import pledge as pledge_cards
from models import pledge as pledges
from models.pledge import MAX_BODY, MAX_TITLE, PledgeDocument, PledgeError, PledgeVersion

bp = Blueprint("pledges", __name__, url_prefix="/pledges")

FLEX_CSS = Path(flexhtml.__file__).resolve().parent / "static" / "flex.css"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_COLUMNS = ("ปฏิญญา", "ฉบับที่", "รหัส", "ชื่อ-สกุล", "หน่วยงาน", "ลงทะเบียน LINE")


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def _trimmed(value: str | None) -> str:
    return (value or "").strip()


class PublishForm(FlaskForm):
    """A new document (title and text) or, with `document`, a new version of that document."""

    document = HiddenField()
    title = StringField("ชื่อปฏิญญา", filters=[_one_line], validators=[
        DataRequired("กรุณาตั้งชื่อปฏิญญา"),
        Length(max=MAX_TITLE, message=f"ชื่อยาวได้ไม่เกิน {MAX_TITLE} ตัวอักษร")])
    body = TextAreaField("ข้อความ", filters=[_trimmed], validators=[
        DataRequired("กรุณาใส่ข้อความของปฏิญญา"),
        Length(max=MAX_BODY, message=f"ข้อความยาวได้ไม่เกิน {MAX_BODY:,} ตัวอักษร เพื่อให้อยู่ในการ์ด LINE ใบเดียว")])


# -- helpers shared with the other pages of this area ----------------------------------------------
def download_name(name: str) -> str:
    """Content-Disposition for a download named `name` (Thai kept, for every browser)."""
    return f"attachment; filename*=UTF-8''{quote(name)}"


def xlsx(name: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
         widths: Sequence[int] = ()) -> Response:
    """An .xlsx download of one sheet: a bold header row, then `rows`."""
    from openpyxl import Workbook  # 120 ms to import: only downloads need it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    table = book.create_sheet(sheet[:31])
    for column, width in enumerate(widths):
        table.column_dimensions[chr(ord("A") + column)].width = width
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(table, value=title)
        cell.font = bold
        cells.append(cell)
    table.append(cells)
    for row in rows:
        made = [WriteOnlyCell(table, value=value) for value in row]
        common.no_formulas(made)
        table.append(made)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    response = send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers["Content-Disposition"] = download_name(name)
    return response


def flex_html(message: dict[str, Any]) -> Markup:
    """A LINE message (the Messaging API's JSON) drawn as the LINE app shows it; escaped by flexhtml."""
    return Markup(flexhtml.render_message(message))  # safe: flexhtml escapes every text and attribute


@bp.get("/flex.css")
def flex_css() -> Response:
    """The LINE look-alike's stylesheet (bot/sandbox/static/flex.css), for the card previews."""
    return Response(FLEX_CSS.read_bytes(), mimetype="text/css")


# -- reading ---------------------------------------------------------------------------------------
def _overview(db: Any) -> list[dict[str, Any]]:
    """Each document with its current version and progress (a few statements per document: an office
    has a handful of documents)."""
    versions = pledges.versions_by_document(db)
    found = []
    for document in pledges.documents(db):
        history = versions.get(document.id, [])
        current = history[0] if history else None
        done = pledges.progress(db, current) if current is not None and document.active else None
        found.append({"document": document, "current": current, "versions": history, "progress": done})
    return found


@bp.get("/")
def index(form: PublishForm | None = None, status: int = 200) -> Any:
    db = common.reading()
    form = form or PublishForm(formdata=None)
    return render_template("console/pledges/index.html", documents=_overview(db), form=form,
                           max_body=MAX_BODY), status


@bp.get("/<int:document_id>")
def detail(document_id: int, form: PublishForm | None = None, status: int = 200) -> Any:
    db = common.reading()
    document = pledges.get_document(db, document_id)
    if document is None:
        abort(404)
    versions = pledges.versions_by_document(db).get(document.id, [])
    current = versions[0] if versions else None
    unit = request.args.get("unit") or None
    context: dict[str, Any] = {"document": document, "current": current, "versions": versions, "unit": unit,
                               "max_body": MAX_BODY, "acks": pledges.ack_counts(db, [v.id for v in versions])}
    if current is not None and document.active:  # a retired document asks nobody any more
        units = pledges.unit_progress(db, current)
        total = pledges.pending_count(db, current, unit)
        pages = common.pages(total)
        context.update(
            progress=pledges.progress(db, current), units=units, pages=pages,
            pending=pledges.pending(db, current, limit=pages.per_page, offset=pages.offset, unit=unit),
            unit_names=[u.unit for u in units if u.remaining or u.unit == unit])
    if form is None:
        form = PublishForm(formdata=None, document=str(document.id), title=document.title,
                           body=current.body if current is not None else "")
    context["form"] = form
    return render_template("console/pledges/detail.html", **context), status


@bp.get("/pending.xlsx")
def pending_xlsx() -> Response:
    """Everyone who has not acknowledged the current version of each document in use (or of one)."""
    db = common.reading()
    versions = pledges.current_versions(db)
    wanted = request.args.get("document", type=int)
    if wanted is not None:
        versions = [v for v in versions if v.document_id == wanted]
        if not versions:
            abort(404)

    def rows() -> Iterable[list[Any]]:
        for version in versions:
            for person in pledges.pending(db, version):
                yield [version.title, version.version, person.code, person.name, person.unit,
                       "ลงทะเบียนแล้ว" if person.line_user_id else "ยังไม่ลงทะเบียน"]

    day = common.now().strftime("%Y-%m-%d")
    name = f"ผู้ยังไม่รับทราบปฏิญญา-{day}.xlsx"
    return xlsx(name, "ยังไม่รับทราบ", PENDING_COLUMNS, rows(), widths=(40, 9, 12, 32, 32, 18))


# -- publishing ------------------------------------------------------------------------------------
def _target(db: Any, form: PublishForm) -> PledgeDocument | None:
    """The document a form publishes a new version of (None: a new document). A new version keeps
    its document's title, whatever the form says."""
    wanted = form.document.data or ""
    if not wanted:
        return None
    document = pledges.get_document(db, int(wanted)) if wanted.isdigit() else None
    if document is None:
        abort(404)
    form.title.data = document.title
    return document


def _form_problem(form: PublishForm) -> str:
    """The form's own checks (a title and a text, each within its length), in Thai; '' when met."""
    if not form.validate():
        return next(iter(e for errors in form.errors.values() for e in errors), "กรุณาตรวจสอบแบบฟอร์ม")
    return ""


def _rule_problem(db: Any, form: PublishForm, document: PledgeDocument | None) -> str:
    """The rules of models.pledge.publish beyond the form's (whose PledgeError speaks English, for the
    CLI), in Thai; '' when it may be published."""
    title, body = form.title.data or "", form.body.data or ""
    if document is None:
        if pledges.document_titled(db, title) is not None:
            problem = "มีปฏิญญาชื่อนี้อยู่แล้ว หากต้องการปรับปรุงข้อความ กรุณาเผยแพร่ฉบับใหม่จากหน้าของปฏิญญานั้น"
            form.title.errors = [problem]
            return problem
        return ""
    latest = pledges.latest_version_of(db, document.id)
    if latest is not None and latest.body == body and document.active:
        problem = f"ข้อความเหมือนฉบับที่ {latest.version} ทุกตัวอักษร จึงยังไม่ต้องเผยแพร่ฉบับใหม่"
        form.body.errors = [problem]
        return problem
    return ""


@bp.post("/preview")
def preview() -> str:
    """The LINE card of what is being typed, as staff will get it; nothing is stored."""
    form = PublishForm()
    db = common.reading()
    document = _target(db, form)
    problem = _form_problem(form)
    card, warning = None, ""
    if not problem:
        warning = _rule_problem(db, form, document)
        title = form.title.data or ""
        latest = pledges.latest_version_of(db, document.id) if document is not None else None
        draft = PledgeVersion(version=(latest.version if latest else 0) + 1, body=form.body.data or "",
                              published_at=common.now())
        draft.document = PledgeDocument(title=title)  # transient, like the version: never in a session
        draft.id = 0
        bubble = pledge_cards.card(common.bot().settings.tz, draft, None)
        card = flex_html(ui.flex(f"ปฏิญญา: {title}", ui.carousel([bubble])).to_dict())
    return render_template("console/pledges/_preview.html", card=card, problem=problem, warning=warning,
                           long=len(form.body.data or "") > pledge_cards.PREVIEW_CHARS,
                           preview_chars=pledge_cards.PREVIEW_CHARS)


@bp.post("/publish")
def publish() -> Any:
    form = PublishForm()
    with common.writing() as db:
        document = _target(db, form)
        document_id = document.id if document is not None else None
        problem = _form_problem(form) or _rule_problem(db, form, document)
        version, number, title = None, 0, ""
        if not problem:
            try:
                version = pledges.publish(db, form.title.data or "", form.body.data or "", at=common.now())
            except PledgeError:  # the checks above are its rules: someone else published just now
                problem = "ข้อมูลเพิ่งเปลี่ยนไป กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง"
                db.rollback()
        if version is not None:
            document_id, number, title = version.document_id, version.version, version.title
    if version is None:
        flash(f"ยังเผยแพร่ไม่ได้: {problem}", "error")
        return detail(document_id, form, 400) if document_id is not None else index(form, 400)
    if number > 1:
        flash(f"เผยแพร่ \"{title}\" ฉบับที่ {number} แล้ว ทุกคนจะได้รับคำขอให้รับทราบฉบับนี้อีกครั้ง"
              " เมื่อพิมพ์ \"ปฏิญญา\" ใน LINE", "success")
    else:
        flash(f"เผยแพร่ \"{title}\" แล้ว บุคลากรพิมพ์ \"ปฏิญญา\" ใน LINE เพื่ออ่านและรับทราบได้ทันที", "success")
    return redirect(url_for(".detail", document_id=document_id))


@bp.post("/<int:document_id>/retire")
def retire(document_id: int) -> BaseResponse:
    with common.writing() as db:
        document = pledges.get_document(db, document_id)
        if document is None:
            abort(404)
        title, active = document.title, document.active
        if active:
            pledges.retire(db, title)
    if not active:
        flash(f"\"{title}\" ยกเลิกการใช้ไว้แล้ว", "warning")
    else:
        flash(f"ยกเลิกการใช้ \"{title}\" แล้ว บุคลากรจะไม่ถูกขอให้รับทราบฉบับนี้อีก (ประวัติยังเก็บไว้)", "success")
    return redirect(url_for(".detail", document_id=document_id))
