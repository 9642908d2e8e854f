"""The sandbox: the whole bot on one machine, with no LINE account.

`create_app` calls `init_app` only in sandbox mode (no LINE_CHANNEL_ACCESS_TOKEN, or SANDBOX=1);
otherwise none of these routes exist. The fake LINE platform (`bot.fakeline`, the same one the
tests use) is mounted at /sandbox/line and the LINE client points at it. The chat page at /sandbox
sends every text, tap, follow and unfollow as a LINE event signed with this process's generated
channel secret to the real /callback over HTTP: signature, dedupe, router and handlers all run as
they do for LINE.
"""
from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from html import escape

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, jsonify, redirect, render_template, request, send_file
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot import richmenu
from bot.config import SANDBOX_LINE_PATH, is_loopback
from bot.fakeline import FakeLine
from bot.sandbox import demo, jobtexts
from bot.sandbox.flexhtml import render_message, render_quick_reply
from bot.services import EXTENSION, Bot, current_bot
from bot.webhook import signature
from jobs import JOBS
from models import defaults, jobrun
from models import staff as people
from models.staff import Staff

log = logging.getLogger(__name__)
bp = Blueprint("sandbox", __name__, url_prefix="/sandbox", template_folder="templates",
               static_folder="static", static_url_path="/static")


def init_app(app: Flask) -> None:
    bot: Bot = app.extensions[EXTENSION]
    fake = FakeLine(access_token=bot.settings.access_token)
    fake.quota_limit = 300
    bot.sandbox = fake
    # Flask's documented way to put WSGI middleware around the app; mypy reads it as replacing a method.
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SANDBOX_LINE_PATH: fake.app()})  # type: ignore[method-assign]
    app.register_blueprint(bp)
    quiet_polling()
    app.add_url_rule("/", "sandbox_home", lambda: redirect("/sandbox/"))
    if sa.inspect(bot.db.engine).has_table(Staff.__tablename__):
        ensure_demo(bot)  # else `flask db upgrade` is about to create the schema, and loads it then


def ensure_demo(bot: Bot, now: datetime | None = None) -> bool:
    """Load the demo office into an empty, migrated sandbox database, living at `now` (default: this
    moment): True when it was loaded now."""
    with bot.db.session() as db:
        if demo.is_loaded(db):
            return False
        defaults.ensure(db)
        demo.load(db, now or datetime.now(bot.settings.tz))
    log.info("sandbox: demo office loaded (%d people)", len(demo.PEOPLE))
    return True


POLL_PATH = "/sandbox/api/chat"


class _PollingFilter(logging.Filter):
    """Drops the development server's access-log line of a successful chat poll (each open sandbox
    tab asks every two seconds); everything else, a failed poll included, is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if len(args) >= 2 and isinstance(args[0], str) and args[0].startswith(f"GET {POLL_PATH}"):
            return str(args[1]) != "200"
        return True


POLLING_FILTER = _PollingFilter()


def quiet_polling() -> None:
    """werkzeug logs each request as ('"%s" %s %s', request line, status, size) on its "werkzeug" logger."""
    logger = logging.getLogger("werkzeug")
    if POLLING_FILTER not in logger.filters:
        logger.addFilter(POLLING_FILTER)


def _fake() -> FakeLine:
    fake = current_bot().sandbox
    assert fake is not None, "the sandbox routes exist only in sandbox mode"
    return fake


@bp.before_request
def loopback_only():
    if not current_bot().settings.sandbox_allow_remote and not is_loopback(request.remote_addr or ""):
        abort(403, "the sandbox answers only this machine (set SANDBOX_ALLOW_REMOTE=1 to allow others)")


@bp.get("/")
def page() -> str:
    # Both menus are on the page; the script shows the one LINE links to the chosen person (by role).
    menus = [(kind, menu.definition()) for kind, menu in richmenu.MENUS.items()]
    roles = {role: richmenu.menu_for(role).kind for role in ("staff", "coordinator", "executive")}
    return render_template("sandbox.html", office=current_bot().settings.office_name, menus=menus,
                           menu_of_role=roles)


@bp.get("/richmenu.png")
@bp.get("/richmenu/<kind>.png")
def richmenu_image(kind: str = richmenu.STAFF.kind) -> Response:
    menu = richmenu.MENUS.get(kind)
    if menu is None:
        abort(404)
    return send_file(menu.image_path, mimetype="image/png")


# -- the API the page uses ---------------------------------------------------------------------
@bp.get("/api/people")
def roster():
    bot = current_bot()
    with bot.db.sessions() as db:
        everyone = people.on_roster(db)
    return jsonify([{
        "code": p.code, "name": p.name, "unit": p.unit, "role": p.role, "userId": p.line_user_id,
        "inviteCode": p.invite_code,
        "inviteText": f"ลงทะเบียน {p.invite_code}",
    } for p in everyone])


@bp.post("/api/users")
def new_user():
    return jsonify(userId="U" + uuid.uuid4().hex)


@bp.get("/api/chat")
def chat():
    fake = _fake()
    tz = current_bot().settings.tz
    user = _user_id(request.args.get("user", ""))
    after = request.args.get("after", "0")
    items = fake.transcript(user, int(after) if after.isdigit() else 0)
    rendered = []
    for item in items:
        message = item["message"]
        if item["kind"] == "user":
            html = render_user_message(message)
        else:
            html = render_message(message)
        rendered.append({"seq": item["seq"], "from": "user" if item["kind"] == "user" else "bot",
                         "kind": item["kind"], "html": html,
                         "quickReply": render_quick_reply(message) if item["kind"] != "user" else "",
                         "time": datetime.fromtimestamp(item["at"], tz).strftime("%H:%M")})
    return jsonify(items=rendered, blocked=fake.is_blocked(user))


@bp.post("/api/say")
def say():
    payload = request.get_json(silent=True) or {}
    user = _user_id(payload.get("user", ""))
    _not_blocked(user)
    text = str(payload.get("text", "")).strip()
    if not text:
        abort(400, "empty message")
    if len(text) > 5000:
        abort(400, "LINE messages are at most 5000 characters")
    _fake().user_said(user, {"type": "text", "text": text})
    return _deliver(user, "message", message={
        "id": str(uuid.uuid4().int)[:18], "type": "text", "text": text, "quoteToken": uuid.uuid4().hex})


SEND_LIMIT = 10 * 1024 * 1024  # what LINE's chat takes here is the bot's own limit (bot/uploads.py)


@bp.post("/api/send-file")
def send_file_message():
    """A photo or a file sent in the chat: the fake LINE keeps its bytes for the content API and the
    bot gets an image message (an image/* file) or a file message, as LINE sends them."""
    request.max_content_length = SEND_LIMIT + 64 * 1024
    user = _user_id(request.form.get("user", ""))
    _not_blocked(user)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        abort(400, "no file")
    data = upload.read(SEND_LIMIT + 1)
    if not data:
        abort(400, "the file is empty")
    if len(data) > SEND_LIMIT:
        abort(400, "the sandbox sends files of at most 10 MB")
    message_id = str(uuid.uuid4().int)[:18]
    fake = _fake()
    with fake.lock:
        fake.contents[message_id] = data
    name = os.path.basename(upload.filename.replace("\\", "/"))[:200]
    if (upload.mimetype or "").startswith("image/"):
        fake.user_said(user, {"type": "image", "size": len(data)})
        return _deliver(user, "message", message={"id": message_id, "type": "image", "quoteToken": uuid.uuid4().hex,
                                                  "contentProvider": {"type": "line"}})
    fake.user_said(user, {"type": "file", "fileName": name, "size": len(data)})
    return _deliver(user, "message", message={"id": message_id, "type": "file", "fileName": name,
                                              "fileSize": len(data)})


@bp.post("/api/postback")
def postback():
    payload = request.get_json(silent=True) or {}
    user = _user_id(payload.get("user", ""))
    _not_blocked(user)
    data = str(payload.get("data", ""))
    display = payload.get("displayText")
    if display:
        _fake().user_said(user, {"type": "text", "text": str(display)})
    return _deliver(user, "postback", postback={"data": data})


@bp.post("/api/follow")
def follow():
    user = _user_id((request.get_json(silent=True) or {}).get("user", ""))
    fake = _fake()
    unblocked = fake.is_blocked(user)
    fake.unblock(user)
    return _deliver(user, "follow", follow={"isUnblocked": unblocked})


@bp.post("/api/unfollow")
def unfollow():
    """Blocking the account, as in LINE: the bot hears an unfollow, and from then on the person can
    send nothing and receives nothing (the fake LINE drops replies and pushes) until they add it again."""
    user = _user_id((request.get_json(silent=True) or {}).get("user", ""))
    _fake().block(user)
    return _deliver(user, "unfollow", reply=False)


@bp.post("/api/reset")
def reset():
    bot = current_bot()
    with bot.db.session() as db:
        demo.wipe(db)
        defaults.ensure(db)
        demo.load(db, datetime.now(bot.settings.tz))
    _fake().reset()
    return jsonify(ok=True)


@bp.get("/api/jobs")
def jobs() -> Response:
    """The scheduled jobs a coordinator can run from the page, with their Thai names."""
    return jsonify([{"name": name, "label": jobtexts.label(name)} for name in sorted(JOBS, key=jobtexts.order)])


@bp.post("/api/jobs/<name>")
def run_job(name: str) -> Response:
    """Run a job now; the answer says in Thai what it sent and to whom, or why it sent nothing (from
    the JobRun the job records and the messages the fake LINE delivered)."""
    bot = current_bot()
    fake = _fake()
    payload = request.get_json(silent=True) or {}
    user = payload.get("user")
    with bot.db.sessions() as db:
        person = db.scalar(sa.select(Staff).where(Staff.line_user_id == user)) if user else None
        if person is None or not person.is_coordinator:
            abort(403, "only a coordinator can run a scheduled job")
        if name not in JOBS:
            abort(404, f"no job named {name}")
        job = JOBS[name]
        now = datetime.now(bot.settings.tz)
        before = len(fake.calls())
        result = job.run(now, db, bot.line)
        db.commit()
        delivered = jobtexts.delivered(fake.calls()[before:])
        run = jobrun.run_of(db, name, job.period(now))
        if run is not None and abs((run.at - now).total_seconds()) > 1:
            run = None  # an earlier run of the same period: this one recorded nothing
        names = {p.line_user_id: p.name for p in db.scalars(
            sa.select(Staff).where(Staff.line_user_id.in_(list(delivered))))} if delivered else {}
        outcome = jobtexts.outcome(name, run, delivered, names)
    return jsonify(ok=True, result=result, label=jobtexts.label(name), text=outcome.text,
                   messages=outcome.messages, recipients=outcome.recipients,
                   status=run.status if run is not None else "none")


# -- helpers -----------------------------------------------------------------------------------
BLOCKED = "คุณบล็อกบัญชีนี้อยู่ จึงส่งข้อความไม่ได้ กด 'เพิ่มเพื่อน' เพื่อคุยต่อ"


def _not_blocked(user: str) -> None:
    """LINE sends nothing from a person who blocked the account: nor does the sandbox (409)."""
    if _fake().is_blocked(user):
        abort(Response(json.dumps({"blocked": True, "message": BLOCKED}, ensure_ascii=False), 409,
                       mimetype="application/json"))


def _user_id(value: str) -> str:
    if not (isinstance(value, str) and len(value) == 33 and value.startswith("U")
            and all(c in "0123456789abcdef" for c in value[1:])):
        abort(400, "user must be a LINE user id: U followed by 32 hex digits")
    return value


def _deliver(user: str, type_: str, reply: bool = True, **fields):
    """Sign one event with this process's channel secret and POST it to the real /callback."""
    bot = current_bot()
    fake = _fake()
    event = {
        "type": type_, "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user}, "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False}, **fields,
    }
    if reply:
        event["replyToken"] = fake.issue_reply_token(user)
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]}, ensure_ascii=False).encode()
    port = request.environ.get("SERVER_PORT", "8000")
    call = urllib.request.Request(f"http://127.0.0.1:{port}/callback", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Line-Signature": signature(bot.settings.channel_secret, body)})
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return jsonify(status=status), (200 if status == 200 else 502)


def render_user_message(message: dict) -> str:
    if message.get("type") == "image":
        return f'<div class="lb-bubble lb-user-text">รูปภาพ · {int(message.get("size", 0)):,} ไบต์</div>'
    if message.get("type") == "file":
        return (f'<div class="lb-bubble lb-user-text">ไฟล์ {escape(str(message.get("fileName", "")))}'
                f' · {int(message.get("size", 0)):,} ไบต์</div>')
    return f'<div class="lb-bubble lb-user-text">{escape(message.get("text", ""))}</div>'
