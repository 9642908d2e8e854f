"""รายงาน — a coordinator's or executive's signed links to download the year's documents (bot/downloads.py).

Each link button opens /download/<token>: the document as of the moment รายงาน was sent, for 24 hours,
for this person while they are still a coordinator or executive. The evidence pack takes minutes
for a large office, so its button asks for it instead (models/docbuild.py): the bot answers that it
is being made, and pushes the download link when it is ready (jobs/documents.py). The console's
รายงาน page offers every document, as of any day of the year.
"""
from __future__ import annotations

from datetime import datetime

from bot import links, thai, words
from bot import messages as ui
from bot.router import WAKE_DOCUMENTS, Context, Reply, Router, coordinator_only
from models import docbuild
from models import plan as plans
from models import snapshot as snapshots

MAKE = "reports.make"  # a=reports.make&k=pack&t=<epoch seconds of the data>: make it in the background
PACK = ("pack", "ชุดหลักฐานทั้งหมด")
# (kind of bot/documents/reports.py, the button's label): with the pack, 4 buttons fit a bubble's footer well
BUTTONS = (("progress", "รายงานผลการดำเนินงาน"), ("memo", "บันทึกข้อความ"), ("xlsx", "ข้อมูล Excel"))
NO_KEY = ("ยังส่งลิงก์ดาวน์โหลดไม่ได้ค่ะ เพราะเซิร์ฟเวอร์ยังไม่ได้ตั้งค่า SECRET_KEY "
          "(หรือ LINE_CHANNEL_SECRET) กรุณาแจ้งผู้ดูแลระบบ ระหว่างนี้ดาวน์โหลดได้ที่หน้าเว็บ: "
          f"รายงาน (พิมพ์ \"{words.WEB}\")")


def register(router: Router) -> None:
    router.text(words.REPORTS, links_of)
    router.postback(MAKE, make)


def _no_plan(ctx: Context) -> Reply:
    year = plans.fiscal_year_of(ctx.now.date())
    return [ui.text(f"ปีงบประมาณ {year} ยังไม่มีแผนที่ใช้อยู่ จึงยังไม่มีรายงานของปีนี้ค่ะ "
                    f"เริ่มแผนได้ที่เว็บ: แผน (พิมพ์ \"{words.WEB}\")", ui.quick(words.WEB))]


@coordinator_only
def links_of(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        return _no_plan(ctx)
    key = ctx.settings.signing_key
    if not key:
        return [ui.text(NO_KEY, ui.quick(words.WEB))]
    at = ctx.now.isoformat()
    hours = links.DOWNLOAD_LIFETIME // 3600
    body = [
        ui.label(f"ข้อมูล ณ {thai.thai_datetime(ctx.now)} (ปีงบประมาณ {plan.fiscal_year})", size="sm", color=ui.INK),
        ui.label(f"ลิงก์ใช้ได้ {hours} ชั่วโมง สำหรับท่านเท่านั้น กรุณาอย่าส่งต่อข้อความนี้", size="xs",
                 color=ui.GREY, margin="md"),
    ]
    found = snapshots.latest(ctx.db, plan, ctx.now)
    if found is not None:
        body.append(ui.label(found.reference, size="xs", color=ui.GREY, margin="sm"))
    body.append(ui.label(f"{PACK[1]}: กดแล้วระบบจะจัดทำ และส่งลิงก์ดาวน์โหลดมาในแชตนี้เมื่อเสร็จ",
                         size="xs", color=ui.GREY, margin="sm"))
    body.append(ui.label(f"เอกสารอื่นและข้อมูล ณ วันอื่น: หน้าเว็บ เมนูรายงาน (พิมพ์ \"{words.WEB}\")",
                         size="xs", color=ui.GREY, margin="sm"))
    base = ctx.settings.public_base_url
    pack = ui.postback(PACK[1], MAKE, f"ขอ{PACK[1]}", k=PACK[0], t=int(ctx.now.timestamp()))
    footer = [ui.button(pack)] + [
        ui.button(ui.uri_action(label, links.download(base, key, kind, at, ctx.staff.id)), style="secondary")
        for kind, label in BUTTONS]
    return [ui.flex("เอกสารสำหรับผู้ประเมิน (ลิงก์ดาวน์โหลดใช้ได้ 24 ชั่วโมง)",
                    ui.bubble("เอกสารสำหรับผู้ประเมิน", body, footer=footer, subtitle=ctx.settings.office_name))]


def _moment(ctx: Context, t: str, plan: plans.Plan) -> datetime:
    """The moment the bubble's data was as of (its `t`), when it is one this plan can be as of; else now."""
    if t.isascii() and t.isdigit() and len(t) <= 12:
        moment = datetime.fromtimestamp(int(t), ctx.settings.tz)
        if moment <= ctx.now and plan.starts_on <= moment.date() <= plan.ends_on:
            return moment
    return ctx.now


@coordinator_only
def make(ctx: Context, k: str = "", t: str = "") -> Reply:
    """The pack button of รายงาน: ask for the pack; the link comes in this chat when it is made."""
    assert ctx.staff is not None
    if k != PACK[0]:
        return links_of(ctx)  # a button this version does not make: the bubble again, as it is now
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        return _no_plan(ctx)
    if not ctx.settings.signing_key:
        return [ui.text(NO_KEY, ui.quick(words.WEB))]
    at = _moment(ctx, t, plan)
    build, new = docbuild.ask(ctx.db, plan.id, k, at, ctx.staff.id, docbuild.LINE, ctx.now)
    ctx.wake.add(WAKE_DOCUMENTS)
    if not new:
        build.via = docbuild.LINE  # asked in the console first: this chat is told too
        asked = thai.thai_datetime(build.requested_at.astimezone(ctx.settings.tz))
        return [ui.text(f"ชุดหลักฐานที่ท่านขอไว้เมื่อ {asked} กำลังจัดทำอยู่ค่ะ "
                        "เมื่อเสร็จจะส่งลิงก์ดาวน์โหลดมาในแชตนี้")]
    local = at.astimezone(ctx.settings.tz)
    return [ui.text(f"รับคำขอแล้วค่ะ กำลังจัดทำชุดหลักฐาน ข้อมูล ณ {thai.thai_datetime(local)} "
                    f"(ปีงบประมาณ {plan.fiscal_year}) เมื่อเสร็จจะส่งลิงก์ดาวน์โหลดมาในแชตนี้ "
                    "สำนักงานที่มีบุคลากรมากอาจใช้เวลาสองถึงสามนาที")]
