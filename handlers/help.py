"""ช่วยเหลือ — what can be typed; and the answer to anything the bot does not understand."""
from __future__ import annotations

from bot import messages as ui
from bot import words
from bot.router import Context, Reply, Router

STAFF_COMMANDS = (
    (words.PLEDGE, "อ่านและรับทราบปฏิญญาของสำนักงาน"),
    (words.PROPOSE, f"เสนอปัญหาที่อยากแก้และความดีที่อยากทำ; \"{words.PROPOSE_MINE}\" ดูและถอนได้"),
    (words.PLAN, "ดูกิจกรรมตามแผนและส่งความเห็นต่อแผน"),
    (words.CHECK_IN, f"เช็คอินกิจกรรม (หรือ {words.CHECK_IN} ตามด้วยรหัสกิจกรรม)"),
    (words.ACTIVITIES, "กิจกรรมตามแผน วันเวลา และรหัสเช็คอิน"),
    (words.NOMINATE, f"เสนอชื่อบุคคลและหน่วยงานคุณธรรม (เป็นความลับ); \"{words.NOMINATE_MINE}\" ดูและถอนได้"),
    (words.STATUS, "ดูข้อมูลและการมีส่วนร่วมของฉัน"),
    (words.HELP, "ดูคำสั่งทั้งหมด"),
)
COORDINATOR_COMMANDS = (
    (words.SUMMARY, "ภาพรวมตัวชี้วัด การรับทราบปฏิญญา และการเข้าร่วมกิจกรรม"),
    (words.SUMMARY_NAMES, "รายชื่อผู้ที่ยังไม่รับทราบปฏิญญาทั้งหมด"),
    (words.SUMMARY_ACTIVITIES, "การเข้าร่วมรายกิจกรรม รายหน่วยงาน และผู้ที่ยังไม่เคยมา"),
    (words.ACTIVITIES, "บันทึกว่ากิจกรรมดำเนินการแล้ว พร้อมลิงก์หลักฐาน"),
    (f"{words.OPEN_NOMINATIONS} [วันปิด]", f"เปิดรอบการเสนอชื่อ เช่น {words.OPEN_NOMINATIONS} 31 มี.ค. 2569"),
    (words.CLOSE_NOMINATIONS, "ปิดรอบการเสนอชื่อ"),
    (words.NOMINATIONS, "ผลการเสนอชื่อรายด้าน และเลือกผู้ได้รับการยกย่อง (4.1)"),
    (words.HONOURS, "การ์ดประกาศผู้ได้รับการยกย่อง สำหรับส่งต่อในกลุ่ม LINE"),
    (words.WEB, "ลิงก์เข้าหน้าเว็บของผู้ประสานงาน (ใช้ได้ครั้งเดียว ภายใน 10 นาที)"),
    (words.EVIDENCE, "บันทึกภาพ ไฟล์ ลิงก์ หรือบันทึก เป็นหลักฐานของตัวชี้วัดหรือกิจกรรม"),
    (words.REPORTS, "ลิงก์ดาวน์โหลดรายงาน บันทึกข้อความ และชุดหลักฐาน (ใช้ได้ 24 ชั่วโมง)"),
)


def register(router: Router) -> None:
    router.text(words.HELP, show, everywhere=True)
    router.text(words.CANCEL, cancel, everywhere=True)
    router.fallback(not_understood)
    router.non_text(not_text)


def _chips(ctx: Context) -> ui.QuickReply:
    labels = [word for word, _ in STAFF_COMMANDS]
    if ctx.staff is not None and ctx.staff.is_coordinator:
        labels.insert(2, words.SUMMARY)
    return ui.quick(*labels)


def cancel(ctx: Context, args: str = "") -> Reply:
    if ctx.conversation is None:
        return [ui.text("ตอนนี้ไม่มีรายการที่ค้างอยู่ค่ะ", _chips(ctx))]
    name = ctx.flow_name
    ctx.end()
    return [ui.text(f"ยกเลิก{name}แล้วค่ะ ไม่ได้บันทึกสิ่งที่พิมพ์ไว้", _chips(ctx))]


def show(ctx: Context, args: str = "") -> Reply:
    lines = ["พิมพ์หรือแตะคำสั่งเหล่านี้ได้เลยค่ะ"]
    lines += [f"• {word} — {what}" for word, what in STAFF_COMMANDS]
    if ctx.staff is not None and ctx.staff.is_coordinator:
        lines.append("\nสำหรับผู้ประสานงานและผู้บริหาร")
        lines += [f"• {word} — {what}" for word, what in COORDINATOR_COMMANDS]
    return [ui.text("\n".join(lines), _chips(ctx))]


def not_understood(ctx: Context, text: str = "") -> Reply:
    if text:
        return [ui.text(f"ขออภัย ระบบไม่เข้าใจคำว่า \"{text[:30]}\" ค่ะ\n"
                        f"แตะคำสั่งด้านล่าง หรือพิมพ์ \"{words.HELP}\"", _chips(ctx))]
    return [ui.text(f"ปุ่มนี้ใช้ไม่ได้แล้วค่ะ แตะคำสั่งด้านล่าง หรือพิมพ์ \"{words.HELP}\"", _chips(ctx))]


def not_text(ctx: Context) -> Reply:
    return [ui.text("ขอบคุณค่ะ ระบบอ่านได้เฉพาะข้อความและการแตะปุ่ม แตะคำสั่งด้านล่างได้เลย", _chips(ctx))]
