"""The coordinator's rotating check-in QR: a page to put on a screen at the event. The code in the
QR changes every 2 minutes and is signed, so a photo of it shared to someone at home stops working."""
from __future__ import annotations

import hmac
from datetime import datetime

from flask import Blueprint, Response, abort, render_template_string, request

from bot import links
from bot.services import current_bot
from models import activity as activities
from models.activity import Activity

bp = Blueprint("qrpage", __name__)

PAGE = """<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>เช็คอิน · {{ title }}</title>
<style>body{font-family:Loma,Garuda,"Noto Sans Thai",sans-serif;text-align:center;margin:24px;background:#f4f6f8}
h1{font-size:28px}img{width:min(80vmin,560px);background:#fff;padding:12px;border-radius:12px}
p{color:#555;font-size:18px}</style></head><body>
<h1>{{ title }}</h1><img id="qr" src="{{ png }}" alt="QR เช็คอิน">
<p>สแกนด้วย LINE เพื่อเช็คอิน · รหัสเปลี่ยนทุก 2 นาที</p>
<script>setInterval(()=>{document.getElementById("qr").src="{{ png }}&n="+Date.now()},20000)</script>
</body></html>"""


def _activity(activity_id: int) -> Activity:
    bot = current_bot()
    with bot.db.sessions() as db:
        activity = db.get(Activity, activity_id)
    token = request.args.get("t", "")
    if activity is None or not activity.rotating_qr or not hmac.compare_digest(
            activities.page_token(bot.settings.channel_secret, activity), token):
        abort(404)
    return activity


@bp.get("/activity/<int:activity_id>/qr")
def page(activity_id: int) -> Response:
    activity = _activity(activity_id)
    png = f"/activity/{activity_id}/qr.png?t={request.args.get('t', '')}"
    response = Response(render_template_string(PAGE, title=activity.title, png=png))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/activity/<int:activity_id>/qr.png")
def image(activity_id: int) -> Response:
    bot = current_bot()
    activity = _activity(activity_id)
    code = activities.rotating_code(bot.settings.channel_secret, activity, datetime.now(bot.settings.tz))
    response = Response(links.qr_png(links.check_in(bot.settings.bot_basic_id, code)), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response
