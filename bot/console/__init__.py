"""The coordinator's console: /console/, the whole plan run from a browser, signed in from LINE.

Coordinators change things; executives read. Nobody else gets anything: a request without a live
session gets the sign-in page (or 401 for an in-page update), a form without its CSRF token 400,
an executive's change 403. Pages are server-rendered Jinja, made livelier with htmx; charts are
Chart.js; both are vendored (static/VENDORED.md), as is the Sarabun font (bot/fonts/). The
Content-Security-Policy allows no inline script.

One blueprint per area, registered under the `console` blueprint:

    auth           /console/login/<token>, /console/signin, /console/logout …, LINE Login
    overview       /console/                      indicators, participation, actions, quota
    staff          /console/staff/                the roster, imports, invite sheets
    pledges        /console/pledges/              documents, versions, who has not acknowledged
    plan           /console/plan/                 the year's plan, the next fiscal year
    activities     /console/activities/           activities, the projector page, attendance
    nominations    /console/nominations/          rounds, the tally, honourees
    notifications  /console/notifications/        the scheduled jobs, the digest, nudges, quota
    reports        /console/reports/              the year's documents for the assessor, as of a day
    history        /console/history/              the audit trail
"""
from __future__ import annotations

import secrets

from flask import Blueprint, Flask, Response, g, redirect, render_template, request, send_from_directory, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from bot import thai
from bot.console import (
    activities,
    auth,
    common,
    evidence,
    history,
    nominations,
    notifications,
    overview,
    plan,
    pledges,
    reports,
    staff,
)
from bot.services import Bot

FONTS_DIR = auth.FONTS_DIR
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
NAV = (  # (blueprint, Thai name): the menu, in this order
    ("overview", "ภาพรวม"),
    ("staff", "บุคลากร"),
    ("pledges", "ปฏิญญา"),
    ("plan", "แผน"),
    ("activities", "กิจกรรม"),
    ("evidence", "หลักฐาน"),
    ("reports", "รายงาน"),
    ("nominations", "เสนอชื่อ"),
    ("notifications", "การแจ้งเตือน"),
    ("history", "ประวัติการแก้ไข"),
)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
UPLOAD_LIMIT = 11 * 1024 * 1024  # the console's requests: a 10 MB file and its form
ERRORS = {
    400: "คำขอไม่ถูกต้อง กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง",
    401: "กรุณาเข้าสู่ระบบอีกครั้ง",
    403: "หน้านี้หรือการแก้ไขนี้ไม่เปิดให้บัญชีของท่าน",
    404: "ไม่พบหน้าที่ต้องการ",
    413: "ไฟล์ใหญ่เกินไป (ไม่เกิน 10 MB)",
}

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates", static_folder="static",
               static_url_path="/static")
csrf = CSRFProtect()
PUBLIC = {"console.static", "console.fonts"} | {f"console.auth.{name}" for name in auth.PUBLIC}
ANY_ROLE = {"console.auth.logout", "console.auth.logout_all", "console.reports.make"}  # forms an executive may send too

for area in (auth, overview, staff, pledges, plan, activities, evidence, reports, nominations, notifications, history):
    bp.register_blueprint(area.bp)
for name, fn in common.TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(fn, name)
bp.add_app_template_global(thai.STATE_NAMES.get, "state_name")


def init_app(app: Flask) -> None:
    bot: Bot = app.extensions["khunnatham"]
    app.secret_key = bot.settings.signing_key or secrets.token_hex(32)  # one process only, then
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # only the console's forms; the webhook is signed
    app.config["WTF_CSRF_TIME_LIMIT"] = None      # the session's own lifetime bounds a form's
    app.config["SESSION_COOKIE_SECURE"] = bot.settings.https
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    csrf.init_app(app)
    app.register_blueprint(bp)


@bp.get("/fonts/<path:name>")
def fonts(name: str) -> Response:
    return send_from_directory(FONTS_DIR, name, max_age=7 * 24 * 3600)


@bp.before_request
def guard() -> BaseResponse | None:
    request.max_content_length = UPLOAD_LIMIT
    if request.endpoint in PUBLIC:
        return None
    signed = auth.signed_in_now()
    if signed is None:
        if request.method in SAFE_METHODS and not request.headers.get("HX-Request"):
            return redirect(url_for("console.auth.signin"))
        return error_page(401)
    g.console_person, g.console_session = signed.person, signed.session
    if request.method not in SAFE_METHODS:
        csrf.protect()
        if not common.is_coordinator() and request.endpoint not in ANY_ROLE:
            return error_page(403)
    return None


@bp.after_request
def headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint not in ("console.static", "console.fonts"):
        response.headers["Cache-Control"] = "no-store"
    return response


bp.teardown_request(common.close_sessions)


@bp.context_processor
def layout() -> dict[str, object]:
    here = (request.blueprint or "").removeprefix("console.")
    return {"nav": NAV, "here": here, "signed": g.get("console_person"),
            "office": common.bot().settings.office_name,
            "can_edit": g.get("console_person") is not None and common.is_coordinator()}


def error_page(status: int, message: str = "") -> Response:
    page = render_template("console/error.html", status=status, message=message or ERRORS.get(status, ERRORS[400]))
    return Response(page, status=status)


@bp.app_errorhandler(CSRFError)
def csrf_failed(exc: CSRFError) -> Response:
    return error_page(400, "แบบฟอร์มนี้หมดอายุหรือไม่ได้มาจากหน้าของระบบ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException) -> Response:
    return error_page(exc.code or 400)
