"""เสนอชื่อ: nomination rounds (open now or at a set time, with or without a last day; close the open
one, cancel the scheduled one), the tally of a round as the chat shows it (overall and per virtue,
people and units ranked by distinct nominators, with their units and reasons — never who
nominated), marking and unmarking honourees, and the tally as .xlsx and CSV (indicator 4.1).

The tally is models.nomination.tally: one statement for the whole round, whatever its size; the
page shows the first TOP of each list and pages through the rest of one list on demand.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import DateField, DateTimeLocalField, StringField
from wtforms.validators import Length, Optional

from bot.console import common
from bot.console.pledges import download_name, xlsx
from handlers import texts
from models import nomination as nominations
from models import plan as plans
from models.nomination import PERSON, UNIT, Entry, NominationError, NominationRound, Tally
from models.proposal import VIRTUES
from models.staff import Staff

bp = Blueprint("nominations", __name__, url_prefix="/nominations")

TOP = 10          # nominees shown per list before "ดูทั้งหมด"
REASONS = 30      # reasons shown per nominee (the downloads have them all)
CSV_COLUMNS = ("section", "virtue", "kind", "rank", "name", "unit", "nominators", "nominations", "honoured",
               "reasons")  # `nominate tally --csv`, text guarded against formulas
XLSX_COLUMNS = ("ส่วน", "ด้าน", "ประเภท", "อันดับ", "ชื่อ", "หน่วยงาน", "จำนวนผู้เสนอ (คน)", "จำนวนรายการ",
                "ได้รับการยกย่อง", "เหตุผล")
KIND_NAMES = {PERSON: "บุคคลคุณธรรม", UNIT: "หน่วยงานคุณธรรม"}


def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


class OpenForm(FlaskForm):
    title = StringField("ชื่อรอบ", filters=[_one_line], validators=[
        Length(max=nominations.MAX_TITLE, message=f"ชื่อรอบยาวได้ไม่เกิน {nominations.MAX_TITLE} ตัวอักษร")])
    opens_at = DateTimeLocalField("เปิดรับเมื่อ", format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                  invalid_value_message="กรุณาเลือกวันและเวลาที่จะเปิดรับ")
    closes_on = DateField("วันสุดท้ายที่รับการเสนอชื่อ", validators=[Optional()],
                          invalid_value_message="กรุณาเลือกวันสุดท้ายที่รับการเสนอชื่อ")


# -- reading ---------------------------------------------------------------------------------------
def state_of(round_: NominationRound, now: datetime) -> str:
    """open / scheduled / cancelled (closed before it opened) / closed."""
    if round_.is_open(now):
        return "open"
    if round_.is_scheduled(now):
        return "scheduled"
    if round_.closed_at is not None and round_.closed_at < round_.opens_at:
        return "cancelled"
    return "closed"


STATES = {"open": ("เปิดรับอยู่", "good"), "scheduled": ("กำหนดเปิดไว้", "warn"), "cancelled": ("ยกเลิกแล้ว", ""),
          "closed": ("ปิดรับแล้ว", "")}


def _section(result: Tally, view: str) -> nominations.Section:
    return result.by_virtue[view] if view else result.overall


def _view() -> str:
    view = request.args.get("view", "")
    return view if view in VIRTUES else ""


def _kind() -> str | None:
    kind = request.args.get("kind")
    return kind if kind in (PERSON, UNIT) else None


def _tally_context(db: Any, round_: NominationRound, now: datetime, paged: bool) -> dict[str, Any]:
    """What the tally partial shows of a round: the chosen view (overall or a virtue) and, on the
    round's own page, every nominee of one kind a page at a time."""
    result = nominations.tally(db, round_)
    view, kind = _view(), (_kind() if paged else None)
    section = _section(result, view)
    lists = []
    for k, entries in ((PERSON, section.people), (UNIT, section.units)):
        if kind is not None and k != kind:
            continue
        if kind is not None:
            pages = common.pages(len(entries))
            shown = list(enumerate(entries[pages.offset:pages.offset + pages.per_page], start=pages.offset + 1))
        else:
            pages, shown = None, list(enumerate(entries[:TOP], start=1))
        lists.append({"kind": k, "name": KIND_NAMES[k], "total": len(entries), "shown": shown, "pages": pages})
    counts = {v: result.by_virtue.size(v) for v in VIRTUES}
    plan = plans.current(db, now)
    return {"round": round_, "result": result, "view": view, "kind": kind, "lists": lists, "counts": counts,
            "honourees": nominations.honourees(db, round_), "reasons_max": REASONS,
            "standing": nominations.honours_standing(db, plan, now) if plan is not None else None,
            "state": state_of(round_, now), "paged": paged}


@bp.get("/")
def index(form: OpenForm | None = None, status: int = 200) -> Any:
    db = common.reading()
    now = common.now()
    pages = common.pages(nominations.count_rounds(db))
    found = nominations.rounds_page(db, pages.offset, pages.per_page)
    counts = nominations.round_counts(db, [r.id for r in found])
    current = nominations.open_round(db, now) or nominations.next_round(db, now)
    latest = nominations.latest_round(db, now)
    plan = plans.current(db, now)
    context: dict[str, Any] = {
        "rounds": found, "round_counts": counts, "pages": pages, "now": now, "current": current, "states": STATES,
        "state_of": state_of, "form": form or OpenForm(formdata=None),
        "closed_on": lambda r: nominations.closed_on(r, common.bot().settings.tz),
        "default_title": nominations.default_title(db, now, plan.id if plan else None),
    }
    if latest is not None:
        context.update(_tally_context(db, latest, now, paged=False))
    return render_template("console/nominations/index.html", **context), status


@bp.get("/<int:round_id>")
def round_page(round_id: int) -> str:
    db = common.reading()
    round_ = nominations.get_round(db, round_id)
    if round_ is None:
        abort(404)
    now = common.now()
    return render_template("console/nominations/round.html", states=STATES, now=now,
                           **_tally_context(db, round_, now, paged=True))


# -- rounds ----------------------------------------------------------------------------------------
@bp.post("/open")
def open_round() -> Any:
    form = OpenForm()
    if not form.validate():
        flash("ยังเปิดรอบไม่ได้ กรุณาแก้ไขตามที่แจ้งไว้ในแบบฟอร์ม", "error")
        return index(form, 400)
    tz = common.bot().settings.tz
    now = common.now()
    opens_at = form.opens_at.data.replace(tzinfo=tz) if form.opens_at.data else None
    if opens_at is not None and opens_at <= now:
        opens_at = None  # a moment already past: open now
    with common.writing() as db:
        plan = plans.current(db, opens_at or now)
        try:
            round_ = nominations.start_round(db, now, form.title.data or None, closes_on=form.closes_on.data,
                                             opens_at=opens_at, plan_id=plan.id if plan else None,
                                             by=common.person())
        except NominationError as exc:
            problem = texts.refusal(exc)
            db.rollback()
        else:
            problem, title, round_id = "", round_.title, round_.id
            scheduled = round_.opens_at > now
            when = round_.opens_at
    if problem:
        flash(f"ยังเปิดรอบไม่ได้: {problem}", "error")
        return index(form, 400)
    until = (f" รับถึงสิ้นวันที่ {common.thai_date(form.closes_on.data)}" if form.closes_on.data
             else " ยังไม่กำหนดวันปิด ปิดรับได้จากหน้านี้เมื่อต้องการ")
    if scheduled:
        flash(f"กำหนดเปิดรอบ \"{title}\" เมื่อ {common.thai_datetime(when)} แล้ว{until}", "success")
    else:
        flash(f"เปิดรับการเสนอชื่อ \"{title}\" แล้ว{until} บุคลากรพิมพ์ \"เสนอชื่อ\" ใน LINE เพื่อร่วมเสนอชื่อได้ทันที",
              "success")
    return redirect(url_for(".round_page", round_id=round_id))


@bp.post("/close")
def close_round() -> BaseResponse:
    now = common.now()
    with common.writing() as db:
        try:
            round_ = nominations.close_round(db, now)
        except NominationError as exc:
            problem = texts.refusal(exc)
        else:
            problem, title, round_id, cancelled = "", round_.title, round_.id, round_.opens_at > now
    if problem:
        flash(problem, "warning")
        return redirect(url_for(".index"))
    if cancelled:
        flash(f"ยกเลิกรอบ \"{title}\" ที่กำหนดเปิดไว้แล้ว", "success")
        return redirect(url_for(".index"))
    flash(f"ปิดรับการเสนอชื่อ \"{title}\" แล้ว เลือกผู้ได้รับการยกย่องได้จากผลการเสนอชื่อด้านล่าง", "success")
    return redirect(url_for(".round_page", round_id=round_id))


# -- honours ---------------------------------------------------------------------------------------
def _back(round_id: int) -> BaseResponse:
    """Back to where the button was: the index or the round's page, with its view, list and page."""
    args: dict[str, Any] = {k: v for k, v in (("view", request.form.get("view", "")),
                                              ("kind", request.form.get("kind", "")),
                                              ("page", request.form.get("page", ""))) if v}
    if request.form.get("back") == "index":
        return redirect(url_for(".index", **args) + "#tally")
    return redirect(url_for(".round_page", round_id=round_id, **args) + "#tally")


@bp.post("/<int:round_id>/honour")
def honour(round_id: int) -> BaseResponse:
    """Mark (or, with remove, unmark) a nominee of the round as honoured, overall or for a virtue."""
    target, virtue = request.form.get("target", ""), request.form.get("virtue", "")
    remove = request.form.get("remove") == "1"
    if virtue and virtue not in VIRTUES:
        abort(400)
    now = common.now()
    with common.writing() as db:
        round_ = nominations.get_round(db, round_id)
        if round_ is None:
            abort(404)
        entry = _nominees(db, round_).get(target)
        if entry is None:
            flash("ไม่พบผู้ถูกเสนอชื่อรายนี้ในรอบนี้แล้ว (อาจถูกถอน)", "warning")
            return _back(round_id)
        what = f"ด้าน{virtue}" if virtue else "ในภาพรวม"
        if remove:
            removed = nominations.remove_honour(db, round_, target, virtue)
            message = (f"ยกเลิกการยกย่อง {entry.name} {what}แล้ว", "success") if removed else (
                f"{entry.name} ไม่ได้อยู่ในรายชื่อผู้ได้รับการยกย่อง{what}", "warning")
        else:
            nominee = db.get(Staff, int(target[2:])) if entry.kind == PERSON else None
            try:
                _, created = nominations.honour(db, round_, entry.kind, now, nominee=nominee, unit=entry.unit,
                                                virtue=virtue, by=common.person())
            except NominationError as exc:
                db.rollback()
                message = (f"บันทึกไม่ได้: {texts.refusal(exc)}", "error")
            else:
                message = (f"บันทึกให้ {entry.name} ได้รับการยกย่อง{what}แล้ว", "success") if created else (
                    f"{entry.name} ได้รับการยกย่อง{what}อยู่แล้ว", "warning")
    flash(*message)
    return _back(round_id)


def _nominees(db: Any, round_: NominationRound) -> dict[str, Entry]:
    overall = nominations.tally(db, round_).overall
    return {e.target: e for e in overall.people + overall.units}


# -- downloads -------------------------------------------------------------------------------------
def tally_rows(result: Tally) -> Iterator[list[Any]]:
    """The rows of `nominate tally --csv`: overall, then each virtue; people, then units."""
    sections = [("overall", "", result.overall)] + [("virtue", v, result.by_virtue[v]) for v in VIRTUES]
    for section, virtue, part in sections:
        for kind, entries in ((PERSON, part.people), (UNIT, part.units)):
            for rank, e in enumerate(entries, start=1):
                yield [section, virtue, kind, rank, e.name, e.unit, e.count, e.nominations,
                       "yes" if virtue in e.honours else "no", " | ".join(e.reasons)]


def _round_for_download(round_id: int) -> tuple[NominationRound, Tally]:
    db = common.reading()
    round_ = nominations.get_round(db, round_id)
    if round_ is None:
        abort(404)
    return round_, nominations.tally(db, round_)


def _file_name(round_: NominationRound, ext: str) -> str:
    return f"ผลการเสนอชื่อ-รอบ{round_.id}-{common.now():%Y-%m-%d}.{ext}"


@bp.get("/<int:round_id>/tally.csv")
def tally_csv(round_id: int) -> Response:
    round_, result = _round_for_download(round_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(common.csv_safe(row) for row in tally_rows(result))
    body = "\ufeff" + out.getvalue()  # the BOM: Excel then reads the Thai as UTF-8
    response = Response(body.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = download_name(_file_name(round_, "csv"))
    return response


@bp.get("/<int:round_id>/tally.xlsx")
def tally_xlsx(round_id: int) -> Response:
    round_, result = _round_for_download(round_id)
    sections = {"overall": "ภาพรวม", "virtue": "รายด้าน"}
    kinds = {PERSON: "บุคคล", UNIT: "หน่วยงาน"}

    def rows() -> Iterator[list[Any]]:
        for section, virtue, kind, rank, name, unit, count, made, honoured, reasons in tally_rows(result):
            yield [sections[section], virtue, kinds[kind], rank, name, unit, count, made,
                   "ใช่" if honoured == "yes" else "", reasons]

    return xlsx(_file_name(round_, "xlsx"), "ผลการเสนอชื่อ", XLSX_COLUMNS, rows(),
                widths=(10, 10, 10, 8, 32, 30, 16, 12, 14, 80))
