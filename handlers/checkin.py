"""เช็คอิน — check in at an activity (indicator 3.1): by code (from its QR or link), or from the list
of activities open now. Once per person per activity; only inside the check-in window; within the
radius when the activity has a place; with a fresh code when the activity shows a rotating QR.

A photo a participant sends while an activity they checked in to is open is kept as that activity's
photo (models.files, purpose CHECKIN_PHOTO) for the coordinator to attach as evidence of 3.1 in the
console. The same bytes from the same person for the same activity are kept once (a resend; a
redelivered event is already stopped by its webhookEventId)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from bot import messages as ui
from bot import thai, uploads, words
from bot.router import Context, Reply, Router
from handlers import texts
from models import activity as activities
from models import files as stored
from models.activity import Activity

FLOW = "checkin"
GO = "checkin.go"  # a=checkin.go&id=<activity id>
SEND_LOCATION = "ส่งตำแหน่งที่ตั้ง"  # the chip that shares the person's location


@dataclass(frozen=True)
class CheckInDraft:
    activity: int = 0  # the id of the activity waiting for the person's location


def register(router: Router) -> None:
    router.flow(FLOW, "การเช็คอิน", steps=("location",), draft=CheckInDraft)
    router.text(words.CHECK_IN, start)
    router.postback(GO, go)
    router.step(FLOW, "location", location, accepts=("location", "text"), prompt=ask_location)
    router.photo(photo)


def _when(ctx: Context, moment: datetime) -> str:
    return thai.thai_datetime(moment.astimezone(ctx.settings.tz))


def _window(ctx: Context, a: Activity) -> str:
    assert a.checkin_from is not None and a.checkin_until is not None  # a scheduled activity
    return thai.time_span(a.checkin_from.astimezone(ctx.settings.tz), a.checkin_until.astimezone(ctx.settings.tz))


def start(ctx: Context, args: str = "") -> Reply:
    if not args:
        return open_list(ctx)
    typed = activities.normalize_code(args)
    code, _, suffix = typed.partition("-")
    activity = activities.by_code(ctx.db, code)
    if activity is None:
        return [ui.text(f"ไม่พบกิจกรรมรหัส \"{args[:20]}\" ค่ะ กรุณาตรวจสอบรหัส หรือแตะ \"{words.CHECK_IN}\" "
                        "เพื่อดูกิจกรรมที่เปิดอยู่", ui.quick(words.CHECK_IN))]
    if activity.rotating_qr and not (suffix and activities.rotating_valid(ctx.settings.channel_secret, activity.code,
                                                                          suffix, ctx.now)):
        return [ui.text(f"{texts.quoted(activity.title, None)} ต้องสแกน QR ที่หน้างานค่ะ (รหัสเปลี่ยนทุก 2 นาที) "
                        "กรุณาสแกนจากจอของผู้จัดอีกครั้ง")]
    return attempt(ctx, activity)


def go(ctx: Context, id: str) -> Reply:
    activity_id = ui.row_id(id)
    activity = ctx.db.get(Activity, activity_id) if activity_id else None
    if activity is None:
        return [ui.text(texts.NO_ACTIVITY, ui.quick(words.CHECK_IN))]
    if activity.rotating_qr:
        return [ui.text(f"{texts.quoted(activity.title, None)} ต้องสแกน QR ที่หน้างานค่ะ")]
    return attempt(ctx, activity)


def attempt(ctx: Context, activity: Activity) -> Reply:
    assert ctx.staff is not None
    done = activities.find_checkin(ctx.db, activity, ctx.staff)
    if done is not None:
        return [ui.text(f"ท่านเช็คอิน {texts.quoted(activity.title, None)} ไว้แล้วเมื่อ {_when(ctx, done.at)} ค่ะ",
                        ui.quick(words.STATUS))]
    refusal = _window_refusal(ctx, activity)
    if refusal:
        return refusal
    if activity.has_place:
        ctx.begin(FLOW, "location", CheckInDraft(activity=activity.id))
        return _location_question(activity)
    return _store(ctx, activity)


def _location_question(activity: Activity) -> Reply:
    return [ui.text(
        f"เช็คอิน {texts.quoted(activity.title, None)}\nกรุณาแตะ \"{SEND_LOCATION}\" เพื่อยืนยันว่าอยู่ที่"
        f"{' ' + activity.place if activity.place else 'สถานที่จัดกิจกรรม'} (ในระยะ {activity.radius_m} เมตร)",
        ui.quick_location(SEND_LOCATION, words.CANCEL),
    )]


def ask_location(ctx: Context) -> Reply:
    """The location question again (after ช่วยเหลือ, or on ทำต่อ)."""
    activity = ctx.db.get(Activity, ctx.draft(CheckInDraft).activity)
    if activity is None:
        ctx.end()
        return [ui.text(texts.NO_ACTIVITY, ui.quick(words.CHECK_IN))]
    return _location_question(activity)


def _window_refusal(ctx: Context, activity: Activity) -> Reply | None:
    opens, closes = activity.checkin_from, activity.checkin_until
    if opens is None or closes is None:  # not scheduled
        return [ui.text(f"{texts.quoted(activity.title, None)} ยังไม่ได้กำหนดวันเวลา จึงยังเช็คอินไม่ได้ค่ะ")]
    if ctx.now < opens:
        return [ui.text(f"{texts.quoted(activity.title, None)} ยังไม่เปิดให้เช็คอินค่ะ\nเปิดเช็คอิน {_window(ctx, activity)}")]
    if ctx.now > closes:
        return [ui.text(f"{texts.quoted(activity.title, None)} ปิดการเช็คอินแล้วค่ะ\n(เปิดเช็คอิน {_window(ctx, activity)})")]
    return None


def _store(ctx: Context, activity: Activity, latitude: float | None = None, longitude: float | None = None) -> Reply:
    assert ctx.staff is not None
    checkin, created = activities.check_in(ctx.db, activity, ctx.staff, ctx.now, ctx.event_id, latitude, longitude)
    if not created:
        return [ui.text(f"ท่านเช็คอิน {texts.quoted(activity.title, None)} ไว้แล้วเมื่อ {_when(ctx, checkin.at)} ค่ะ",
                        ui.quick(words.STATUS))]
    count = len(activities.attended(ctx.db, ctx.staff))
    return [ui.text(f"เช็คอิน {texts.quoted(activity.title, None)} เรียบร้อยค่ะ\nบันทึกเมื่อ {_when(ctx, ctx.now)}\n"
                    f"ท่านร่วมกิจกรรมแล้ว {count} กิจกรรม ขอบคุณที่มาร่วมค่ะ", ui.quick(words.STATUS))]


def location(ctx: Context, text: str | None = None, latitude: float | None = None,
             longitude: float | None = None, address: str = "") -> Reply:
    activity = ctx.db.get(Activity, ctx.draft(CheckInDraft).activity)
    if activity is None:
        ctx.end()
        return [ui.text(texts.NO_ACTIVITY, ui.quick(words.CHECK_IN))]
    if latitude is None or longitude is None:
        return [ui.text(f"กรุณาแตะ \"{SEND_LOCATION}\" ด้านล่าง หรือพิมพ์ {words.CANCEL} ค่ะ",
                        ui.quick_location(SEND_LOCATION, words.CANCEL))]
    refusal = _window_refusal(ctx, activity)
    if refusal:
        ctx.end()
        return refusal
    assert activity.latitude is not None and activity.longitude is not None  # it asked for a location
    distance = activities.distance_m(latitude, longitude, activity.latitude, activity.longitude)
    if distance > (activity.radius_m or 0):
        return [ui.text(f"ตำแหน่งของท่านอยู่ห่างจากสถานที่จัดกิจกรรมประมาณ {_distance(distance)} "
                        f"(ต้องไม่เกิน {activity.radius_m} เมตร) กรุณาส่งตำแหน่งอีกครั้งเมื่ออยู่ที่งานค่ะ",
                        ui.quick_location(SEND_LOCATION, words.CANCEL))]
    ctx.end()
    return _store(ctx, activity, latitude, longitude)


def _distance(metres: float) -> str:
    return f"{metres / 1000:.1f} กิโลเมตร" if metres >= 1000 else f"{round(metres)} เมตร"


def open_list(ctx: Context) -> Reply:
    assert ctx.staff is not None
    open_ = [a for a in activities.open_now(ctx.db, ctx.now) if not a.rotating_qr]
    if not open_:
        return [ui.text("ขณะนี้ไม่มีกิจกรรมที่เปิดเช็คอินค่ะ\n"
                        f"หากอยู่ที่งาน กรุณาสแกน QR หรือพิมพ์ {words.CHECK_IN} ตามด้วยรหัสกิจกรรม")]
    bubbles = []
    for a in open_[:10]:
        done = activities.find_checkin(ctx.db, a, ctx.staff)
        body = []
        if a.starts_at is not None:
            body.append(ui.label(thai.time_span(a.starts_at.astimezone(ctx.settings.tz),
                                                a.ends_at.astimezone(ctx.settings.tz) if a.ends_at else None),
                                 size="sm", color=ui.INK))
        body.append(ui.label(f"เปิดเช็คอิน {_window(ctx, a)}", size="xs", color=ui.GREY))
        if a.place:
            body.append(ui.label(f"สถานที่: {a.place}", size="sm", color=ui.INK))
        footer = ([ui.label(f"✓ เช็คอินแล้ว {_when(ctx, done.at)}", size="sm", color=ui.GREEN, align="center")]
                  if done else [ui.button(ui.postback("เช็คอิน", GO, display_text=f"เช็คอิน {a.title}"[:300], id=a.id))])
        bubbles.append(ui.bubble(a.title, body, footer=footer))
    return [ui.flex(f"กิจกรรมที่เปิดเช็คอิน {len(open_)} กิจกรรม", ui.carousel(bubbles))]


# -- photos of the activity ------------------------------------------------------------------------------
PHOTO_REFUSALS = {
    "empty": "ภาพนี้ว่างเปล่าค่ะ",
    "too_big": "ภาพใหญ่เกิน 10 MB ค่ะ",
    "type": "รับเฉพาะรูปภาพ JPEG, PNG, GIF, WebP และ HEIC ค่ะ",
}


def _photographed(ctx: Context) -> tuple[list[Activity], Activity | None]:
    """The activities open now, and of those the one the person checked in to (the latest check-in)."""
    assert ctx.staff is not None
    open_ = activities.open_now(ctx.db, ctx.now)
    done = [(c.at, a.id, a) for a in open_ if (c := activities.find_checkin(ctx.db, a, ctx.staff)) is not None]
    return open_, max(done, key=lambda row: row[:2])[2] if done else None


def photo(ctx: Context, message_id: str, content_type: str = "image", file_name: str = "") -> Reply:
    assert ctx.staff is not None
    open_, activity = _photographed(ctx)
    if not open_:
        return [ui.text("ขอบคุณสำหรับภาพค่ะ ขณะนี้ไม่มีกิจกรรมที่เปิดเช็คอิน จึงไม่ได้เก็บภาพนี้ไว้\n"
                        "ภาพกิจกรรมส่งได้ระหว่างเวลาเปิดเช็คอิน หลังจากเช็คอินแล้ว หากต้องการความช่วยเหลือ "
                        f"พิมพ์ \"{words.HELP}\"", ui.quick(words.CHECK_IN, words.HELP))]
    if activity is None:
        which = texts.quoted(open_[0].title, None) if len(open_) == 1 else "กิจกรรม"
        return [ui.text(f"ขอบคุณสำหรับภาพค่ะ ระบบรับภาพกิจกรรมจากผู้ที่เช็คอินแล้วเท่านั้น จึงยังไม่ได้เก็บภาพนี้ไว้\n"
                        f"กรุณาเช็คอิน{which}ก่อน แล้วส่งภาพอีกครั้งนะคะ", ui.quick(words.CHECK_IN))]
    data = ctx.content(message_id) if ctx.content is not None else None
    if data is None:
        return [ui.text("ดึงภาพจาก LINE ไม่สำเร็จค่ะ กรุณาส่งภาพอีกครั้ง")]
    try:
        uploads.check(data, uploads.IMAGE_TYPES)
    except uploads.UploadError as exc:
        return [ui.text(PHOTO_REFUSALS.get(exc.reason, PHOTO_REFUSALS["type"]) + " จึงไม่ได้เก็บภาพนี้ไว้ "
                        "กรุณาส่งภาพอื่น")]
    thanks = f"ได้รับภาพกิจกรรม {texts.quoted(activity.title, None)} แล้ว ขอบคุณค่ะ"
    if stored.same_photo(ctx.db, activity.id, ctx.staff.id, hashlib.sha256(data).hexdigest()) is not None:
        return [ui.text(thanks + " (ภาพนี้ส่งมาแล้ว จึงเก็บไว้ครั้งเดียว)")]
    saved = uploads.save(ctx.settings.uploads_dir, data, allowed=uploads.IMAGE_TYPES)
    name = f"ภาพจาก {ctx.staff.name} {thai.thai_date(ctx.now)}{uploads.EXTENSIONS.get(saved.content_type, '')}"
    stored.add(ctx.db, saved.stored_name, name, saved.content_type, saved.size, saved.sha256, ctx.staff.id, ctx.now,
               activity_id=activity.id, purpose=stored.CHECKIN_PHOTO)
    return [ui.text(thanks)]
