"""Two public addresses that need no console session (part of the shell):

    /download/<signed token>          a document sent in LINE as a link: works for 24 hours, for the
                                      coordinator or executive it was made for, while they still are one;
                                      made now, or one made in the background (the evidence pack,
                                      models/docbuild.py), sent from DOCUMENTS_DIR
    /verify/<honour id>/<signature>   what a certificate's QR opens: whom the office honoured, for what,
                                      when, checked against the database now

Both are signed with the office's key (bot/links.py); a changed, made-up or expired link gets a Thai
page and nothing else.
"""
from __future__ import annotations

import hmac
import tempfile
from datetime import datetime
from pathlib import Path

from flask import Blueprint, Response, render_template_string, send_file

from bot import links
from bot.documents import reports
from bot.documents.pdf import full_date
from bot.services import current_bot
from jobs import documents
from models import docbuild
from models import plan as plans
from models import report as content
from models.staff import Staff

bp = Blueprint("downloads", __name__)

PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<style>body{font-family:Sarabun,Loma,Garuda,"Noto Sans Thai",sans-serif;margin:0;background:#F4F6F5;color:#1E2A23}
main{max-width:560px;margin:32px auto;padding:24px;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:22px;margin:0 0 12px}p{font-size:17px;line-height:1.55;margin:6px 0}.ok{color:#1E7B45;font-weight:700}
.bad{color:#B03A2E;font-weight:700}.muted{color:#5F6B64;font-size:15px}</style></head><body><main>
<h1>{{ title }}</h1>{% for cls, line in lines %}<p class="{{ cls }}">{{ line }}</p>{% endfor %}</main></body></html>"""


def page(title: str, lines: list[tuple[str, str]], status: int = 200) -> Response:
    return Response(render_template_string(PAGE, title=title, lines=lines), status=status,
                    content_type="text/html; charset=utf-8")


@bp.get("/verify/<int:honour_id>/<signature>")
def verify(honour_id: int, signature: str) -> Response:
    bot = current_bot()
    key = bot.settings.signing_key
    expected = links.certificate_signature(key, honour_id) if key else ""
    found = None
    if expected and hmac.compare_digest(expected, signature):
        with bot.db.reading() as db:
            found = content.honour_of(db, honour_id)
    if found is None:
        return page("ตรวจสอบเกียรติบัตร", [
            ("bad", "ไม่พบเกียรติบัตรนี้ในระบบ"),
            ("muted", f"เกียรติบัตรอาจถูกยกเลิก หรือรหัสในคิวอาร์ไม่ถูกต้อง กรุณาสอบถาม{bot.settings.office_name}")],
            status=404)
    what = "บุคคลคุณธรรม" if found.kind == "person" else "หน่วยงานคุณธรรม"
    virtues = f" ด้าน{' ด้าน'.join(found.virtues)}" if found.virtues else ""
    local = found.honoured_at.astimezone(bot.settings.tz)
    return page("ตรวจสอบเกียรติบัตร", [
        ("ok", "ถูกต้อง: เกียรติบัตรนี้ออกโดยสำนักงานจริง"),
        ("", f"{found.name}" + (f" {found.unit}" if found.kind == "person" and found.unit else "")),
        ("", f"ได้รับการยกย่องเป็น{what}{virtues}"),
        ("", f"{found.round_title} เมื่อวันที่ {full_date(local)}"),
        ("muted", f"ตรวจสอบกับฐานข้อมูลของ{bot.settings.office_name} (เลขที่ {honour_id})"),
    ])


@bp.get("/download/<token>")
def download(token: str) -> Response:
    bot = current_bot()
    key = bot.settings.signing_key
    asked = links.read_download(key, token) if key else None
    title = "ดาวน์โหลดเอกสาร"
    made = asked is not None and isinstance(asked.get("build"), int)
    if asked is None or not (made or asked.get("kind") in reports.KINDS) or not isinstance(asked.get("by", 0), int):
        return _expired(title)
    with bot.db.reading() as db:
        person = db.get(Staff, int(asked.get("by", 0)))
        if person is None or not person.active or not person.is_coordinator:
            return page(title, [("bad", "ลิงก์นี้ใช้ไม่ได้แล้ว"),
                                ("muted", "เอกสารนี้สำหรับผู้ประสานงานและผู้บริหารของสำนักงานเท่านั้น")], status=403)
        if made:
            build = docbuild.get(db, int(asked["build"]))
            path = documents.path_of(bot.settings, build) if build is not None else None
            if build is None or path is None:
                return _expired(title)
            return send_made(build, path)
        kind = str(asked["kind"])
        at = datetime.fromisoformat(str(asked["at"])).astimezone(bot.settings.tz)
        plan = plans.current(db, at)
        if plan is None:
            return page(title, [("bad", f"ยังไม่มีแผนของปีงบประมาณ {plans.fiscal_year_of(at.date())}")], status=404)
        office = reports.Office.of(bot.settings, db, plan, at)
        handle = tempfile.NamedTemporaryFile(prefix="khunnatham-", suffix=Path(reports.FILE_NAMES[kind]).suffix)
        reports.write(kind, db, plan, at, office, Path(handle.name))
    response = send_file(handle.name, as_attachment=True, download_name=reports.FILE_NAMES[kind],
                         mimetype=MIME.get(Path(reports.FILE_NAMES[kind]).suffix, "application/octet-stream"))
    response.call_on_close(handle.close)
    return response


def _expired(title: str) -> Response:
    return page(title, [("bad", "ลิงก์นี้หมดอายุหรือไม่ถูกต้อง"),
                        ("muted", "ลิงก์ดาวน์โหลดใช้ได้ 24 ชั่วโมง กรุณาพิมพ์ รายงาน ในแชตเพื่อขอลิงก์ใหม่")], status=404)


def send_made(build: docbuild.DocumentBuild, path: Path) -> Response:
    """A file made in the background, under its document's Thai name."""
    name = reports.FILE_NAMES[build.kind]
    return send_file(path, as_attachment=True, download_name=name, conditional=True,
                     mimetype=MIME.get(Path(name).suffix, "application/octet-stream"))


MIME = {".pdf": "application/pdf", ".zip": "application/zip",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
