"""รายงาน — a coordinator's or executive's signed links to download the year's documents (bot/downloads.py).

Each button opens /download/<token>: the document as of the moment รายงาน was sent, for 24 hours, for
this person while they are still a coordinator or executive. The console's รายงาน page offers every
document, as of any day of the year.
"""
from __future__ import annotations

from bot import links, thai, words
from bot import messages as ui
from bot.router import Context, Reply, Router, coordinator_only
from models import plan as plans
from models import snapshot as snapshots

# (kind of bot/documents/reports.py, the button's label): at most 4 buttons fit a bubble's footer well
BUTTONS = (("pack", "ชุดหลักฐานทั้งหมด"), ("progress", "รายงานผลการดำเนินงาน"), ("memo", "บันทึกข้อความ"),
           ("xlsx", "ข้อมูล Excel"))


def register(router: Router) -> None:
    router.text(words.REPORTS, links_of)


@coordinator_only
def links_of(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        year = plans.fiscal_year_of(ctx.now.date())
        return [ui.text(f"ปีงบประมาณ {year} ยังไม่มีแผนที่ใช้อยู่ จึงยังไม่มีรายงานของปีนี้ค่ะ "
                        f"เริ่มแผนได้ที่เว็บ: แผน (พิมพ์ \"{words.WEB}\")", ui.quick(words.WEB))]
    key = ctx.settings.signing_key
    if not key:
        return [ui.text("ยังส่งลิงก์ดาวน์โหลดไม่ได้ค่ะ เพราะเซิร์ฟเวอร์ยังไม่ได้ตั้งค่า SECRET_KEY "
                        "(หรือ LINE_CHANNEL_SECRET) กรุณาแจ้งผู้ดูแลระบบ ระหว่างนี้ดาวน์โหลดได้ที่หน้าเว็บ: "
                        f"รายงาน (พิมพ์ \"{words.WEB}\")", ui.quick(words.WEB))]
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
    body.append(ui.label(f"เอกสารอื่นและข้อมูล ณ วันอื่น: หน้าเว็บ เมนูรายงาน (พิมพ์ \"{words.WEB}\")",
                         size="xs", color=ui.GREY, margin="sm"))
    base = ctx.settings.public_base_url
    footer = [ui.button(ui.uri_action(label, links.download(base, key, kind, at, ctx.staff.id)),
                        style="primary" if i == 0 else "secondary")
              for i, (kind, label) in enumerate(BUTTONS)]
    return [ui.flex("เอกสารสำหรับผู้ประเมิน (ลิงก์ดาวน์โหลดใช้ได้ 24 ชั่วโมง)",
                    ui.bubble("เอกสารสำหรับผู้ประเมิน", body, footer=footer, subtitle=ctx.settings.office_name))]
