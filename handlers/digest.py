"""สรุปรายสัปดาห์ — a coordinator's or an executive's own switch for the weekly digest in LINE.

Coordinators get the digest unless they switch it off; executives get it once they switch it on
(models.staff.DIGEST_BY_DEFAULT). The choice is the person's own and outlives a change of role.
Staff are refused by the router (coordinators only).
"""
from __future__ import annotations

from bot import messages as ui
from bot import words
from bot.router import Context, Reply, Router, coordinator_only
from models import names
from models import staff as people

# The days of a "mon 08:30" schedule (DIGEST_CRON), as the reply says them.
DAYS = {"mon": "วันจันทร์", "tue": "วันอังคาร", "wed": "วันพุธ", "thu": "วันพฤหัสบดี", "fri": "วันศุกร์",
        "sat": "วันเสาร์", "sun": "วันอาทิตย์"}


def register(router: Router) -> None:
    router.text(words.DIGEST, show)                    # สรุปรายสัปดาห์: on or off, with a chip to switch
    router.sub(words.DIGEST, words.ON, switch_on)      # สรุปรายสัปดาห์ เปิด
    router.sub(words.DIGEST, words.OFF, switch_off)    # สรุปรายสัปดาห์ ปิด
    router.text(words.DIGEST_ON, switch_on)            # รับสรุป
    router.text(words.DIGEST_OFF, switch_off)          # ไม่รับสรุป


def when(ctx: Context) -> str:
    """"ทุกวันจันทร์ เวลา 08:30 น." from DIGEST_CRON, "ทุกสัปดาห์" for a crontab."""
    parts = ctx.settings.digest_cron.split()
    if len(parts) == 2 and parts[0].lower() in DAYS:
        return f"ทุก{DAYS[parts[0].lower()]} เวลา {parts[1]} น."
    return "ทุกสัปดาห์"


@coordinator_only
def show(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    who = names.address(ctx.staff.name)
    if people.gets_digest(ctx.staff):
        return [ui.text(f"{who}รับสรุปประจำสัปดาห์ทาง LINE อยู่ค่ะ ({when(ctx)})\n"
                        f"หากไม่ต้องการรับแล้ว แตะ \"{words.DIGEST_OFF}\" ด้านล่าง",
                        ui.quick(words.DIGEST_OFF, words.SUMMARY))]
    return [ui.text(f"ตอนนี้{who}ยังไม่ได้รับสรุปประจำสัปดาห์ทาง LINE ค่ะ\n"
                    f"สรุปจะส่ง{when(ctx)} บอกความคืบหน้าของตัวชี้วัด สิ่งที่ควรทำก่อน และกำหนดการที่ใกล้ถึง "
                    f"หากต้องการรับ แตะ \"{words.DIGEST_ON}\" ด้านล่าง",
                    ui.quick(words.DIGEST_ON, words.SUMMARY))]


@coordinator_only
def switch_on(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    if not people.set_digest(ctx.staff, True):
        return [ui.text(f"{names.address(ctx.staff.name)}รับสรุปประจำสัปดาห์อยู่แล้วค่ะ ({when(ctx)})",
                        ui.quick(words.SUMMARY))]
    return [ui.text(f"เปิดรับสรุปประจำสัปดาห์ให้แล้วค่ะ\n"
                    f"{when(ctx)} จะส่งความคืบหน้าของตัวชี้วัด สิ่งที่ควรทำก่อน และกำหนดการในสองสัปดาห์ข้างหน้า"
                    f"ให้ทาง LINE\nหากไม่ต้องการรับแล้ว พิมพ์ \"{words.DIGEST_OFF}\" ได้ทุกเมื่อ",
                    ui.quick(words.SUMMARY))]


@coordinator_only
def switch_off(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    if not people.set_digest(ctx.staff, False):
        return [ui.text(f"{names.address(ctx.staff.name)}ไม่ได้รับสรุปประจำสัปดาห์อยู่แล้วค่ะ\n"
                        f"หากต้องการรับ พิมพ์ \"{words.DIGEST_ON}\"", ui.quick(words.DIGEST_ON))]
    reminders = ("\nกำหนดการที่ใกล้ถึงจะแจ้งเป็นข้อความเตือนแยกให้แทน"
                 if ctx.staff.role == people.Role.COORDINATOR.value else "")
    return [ui.text(f"ปิดการรับสรุปประจำสัปดาห์แล้วค่ะ{reminders}\n"
                    f"ดูสรุปล่าสุดได้ทุกเมื่อด้วยคำว่า \"{words.SUMMARY}\" "
                    f"หากต้องการรับอีกครั้ง พิมพ์ \"{words.DIGEST_ON}\"", ui.quick(words.SUMMARY, words.DIGEST_ON))]
