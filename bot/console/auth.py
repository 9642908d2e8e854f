"""Signing in and out: the one-time link from `เว็บ` in LINE, and LINE Login when it is configured.

    /console/login/<token>        the link `เว็บ` replies with: one use, 10 minutes, one person
    /console/signin               how to sign in (send เว็บ; or "เข้าสู่ระบบด้วย LINE")
    /console/login/line           LINE Login: to LINE's authorization page, with state and nonce
    /console/login/line/callback  back from LINE: the code exchanged, the ID token verified
    /console/logout, /console/logout-all   (POST)

The session is a random token in an HttpOnly cookie (Secure under https, SameSite=Lax, path
/console) whose SHA-256 the database keeps (models/console.py): 8 hours idle, 7 days at most.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from bot import links
from bot.console import common
from models import console as consoles
from models import staff as people

bp = Blueprint("auth", __name__)
COOKIE = "khunnatham_console"
FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
PUBLIC = ("link", "signin", "line_start", "line_callback")
LINE_STATE = "line_login"  # the Flask session key of LINE Login's state and nonce
REFUSED = {
    consoles.LinkOutcome.UNKNOWN: (404, "ลิงก์นี้ใช้เข้าสู่ระบบไม่ได้"),
    consoles.LinkOutcome.USED: (410, "ลิงก์นี้ถูกใช้ไปแล้ว (ใช้ได้ครั้งเดียว)"),
    consoles.LinkOutcome.EXPIRED: (410, "ลิงก์นี้หมดอายุแล้ว (ใช้ได้ภายใน 10 นาที)"),
    consoles.LinkOutcome.NOT_ALLOWED: (403, "บัญชีนี้ไม่ได้เป็นผู้ประสานงานหรือผู้บริหารแล้ว"),
}


def signed_in_now() -> consoles.Signed | None:
    """The session of this request's cookie, noted as used (a short write of its own)."""
    token = request.cookies.get(COOKIE, "")
    if not token:
        return None
    with common.bot().db.session() as db:
        signed = consoles.signed_in(db, token, common.now())
        if signed is not None:
            db.expunge(signed.person)
            db.expunge(signed.session)
    return signed


def _start(person_id: int, via: str) -> BaseResponse:
    with common.bot().db.session() as db:
        person = db.get(people.Staff, person_id)
        assert person is not None
        token = consoles.start_session(db, person, common.now(), via=via,
                                       user_agent=request.headers.get("User-Agent", ""))
    response = redirect(url_for("console.overview.index"))
    response.set_cookie(COOKIE, token, max_age=int(consoles.MAX_AGE.total_seconds()), path="/console",
                        httponly=True, secure=common.bot().settings.https, samesite="Lax")
    return response


def _refused(status: int, reason: str) -> Response:
    page = render_template("console/signin.html", problem=reason, line_login=common.bot().settings.line_login)
    response = Response(page, status=status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get(links.CONSOLE_LOGIN.removeprefix("/console") + "<token>")
def link(token: str) -> BaseResponse:
    with common.bot().db.session() as db:
        redeemed = consoles.redeem_link(db, token[:200], common.now())
        person_id = redeemed.person.id if redeemed.person is not None else None
    if person_id is None:
        status, reason = REFUSED[redeemed.outcome]
        return _refused(status, reason)
    return _start(person_id, "link")


@bp.get("/signin")
def signin() -> str:
    return render_template("console/signin.html", problem="", line_login=common.bot().settings.line_login)


@bp.post("/logout")
def logout() -> BaseResponse:
    with common.bot().db.session() as db:
        consoles.end_session(db, request.cookies.get(COOKIE, ""), common.now())
    return _signed_out()


@bp.post("/logout-all")
def logout_all() -> BaseResponse:
    with common.bot().db.session() as db:
        consoles.end_all_sessions(db, common.person(), common.now())
    return _signed_out()


def _signed_out() -> BaseResponse:
    response = redirect(url_for("console.auth.signin"))
    response.delete_cookie(COOKIE, path="/console")
    return response


# -- LINE Login ----------------------------------------------------------------------------------
def _callback_url() -> str:
    return common.bot().settings.public_base_url + url_for("console.auth.line_callback")


@bp.get("/login/line")
def line_start() -> BaseResponse:
    settings = common.bot().settings
    if not settings.line_login:
        abort(404)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    session[LINE_STATE] = {"state": state, "nonce": nonce}
    query = urlencode({"response_type": "code", "client_id": settings.line_login_channel_id,
                       "redirect_uri": _callback_url(), "state": state, "nonce": nonce,
                       "scope": "openid profile"})
    return redirect(f"{settings.line_login_authorize_url}?{query}")


@bp.get("/login/line/callback")
def line_callback() -> BaseResponse:
    settings = common.bot().settings
    if not settings.line_login:
        abort(404)
    expected = session.pop(LINE_STATE, None) or {}
    if request.args.get("error"):
        return _refused(400, "ยกเลิกการเข้าสู่ระบบด้วย LINE แล้ว")
    if not expected or not secrets.compare_digest(request.args.get("state", ""), expected.get("state", "")):
        return _refused(400, "การเข้าสู่ระบบด้วย LINE ไม่สมบูรณ์ (หมดเวลาหรือเปิดจากหน้าอื่น)")
    user_id = common.bot().line.login_user(request.args.get("code", ""), _callback_url(), expected.get("nonce", ""))
    if user_id is None:
        return _refused(400, "ตรวจสอบการเข้าสู่ระบบด้วย LINE ไม่ผ่าน")
    with common.bot().db.reading() as db:
        found = people.by_line_user(db, user_id)
        person_id = found.id if consoles.may_use_console(found) and found is not None else None
    if person_id is None:
        return _refused(403, "บัญชี LINE นี้ไม่ได้ลงทะเบียนเป็นผู้ประสานงานหรือผู้บริหาร")
    return _start(person_id, "line-login")


