"""ช่วยเหลือ — what can be typed; and the answer to anything the bot does not understand."""
from __future__ import annotations

from bot.router import Context, Reply, Router
from handlers import ui

WORDS = ("ช่วยเหลือ", "help", "เมนู", "menu")
CANCEL = ("ยกเลิก", "cancel")
STAFF_COMMANDS = (
    ("ปฏิญญา", "อ่านและรับทราบปฏิญญาของสำนักงาน"),
    ("ความดี", "เสนอปัญหาที่อยากแก้และความดีที่อยากทำ; \"ความดี ของฉัน\" ดูและถอนได้"),
    ("แผน", "ดูกิจกรรมตามแผนและส่งความเห็นต่อแผน"),
    ("เช็คอิน", "เช็คอินกิจกรรม (หรือ เช็คอิน ตามด้วยรหัสกิจกรรม)"),
    ("กิจกรรม", "กิจกรรมตามแผน วันเวลา และรหัสเช็คอิน"),
    ("เสนอชื่อ", "เสนอชื่อบุคคลและหน่วยงานคุณธรรม (เป็นความลับ); \"เสนอชื่อ ของฉัน\" ดูและถอนได้"),
    ("สถานะ", "ดูข้อมูลและการมีส่วนร่วมของฉัน"),
    ("ช่วยเหลือ", "ดูคำสั่งทั้งหมด"),
)
COORDINATOR_COMMANDS = (
    ("สรุป", "ภาพรวมตัวชี้วัด การรับทราบปฏิญญา และการเข้าร่วมกิจกรรม"),
    ("สรุป รายชื่อ", "รายชื่อผู้ที่ยังไม่รับทราบปฏิญญาทั้งหมด"),
    ("สรุป กิจกรรม", "การเข้าร่วมรายกิจกรรม รายหน่วยงาน และผู้ที่ยังไม่เคยมา"),
    ("กิจกรรม", "บันทึกว่ากิจกรรมดำเนินการแล้ว พร้อมลิงก์หลักฐาน"),
    ("เปิดเสนอชื่อ [วันปิด]", "เปิดรอบการเสนอชื่อ เช่น เปิดเสนอชื่อ 31 มี.ค. 2569"),
    ("ปิดเสนอชื่อ", "ปิดรอบการเสนอชื่อ"),
    ("สรุปเสนอชื่อ", "ผลการเสนอชื่อรายด้าน และเลือกผู้ได้รับการยกย่อง (4.1)"),
    ("ประกาศยกย่อง", "การ์ดประกาศผู้ได้รับการยกย่อง สำหรับส่งต่อในกลุ่ม LINE"),
)


def register(router: Router) -> None:
    router.text(WORDS, show, everywhere=True)
    router.text(CANCEL, cancel, everywhere=True)
    router.fallback(not_understood)
    router.non_text(not_text)


def _chips(ctx: Context) -> ui.QuickReply:
    labels = [word for word, _ in STAFF_COMMANDS]
    if ctx.staff is not None and ctx.staff.is_coordinator:
        labels.insert(2, "สรุป")
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
        return [ui.text(f"ขออภัย ระบบไม่เข้าใจคำว่า \"{text[:30]}\" ค่ะ\nแตะคำสั่งด้านล่าง หรือพิมพ์ \"ช่วยเหลือ\"",
                        _chips(ctx))]
    return [ui.text("ปุ่มนี้ใช้ไม่ได้แล้วค่ะ แตะคำสั่งด้านล่าง หรือพิมพ์ \"ช่วยเหลือ\"", _chips(ctx))]


def not_text(ctx: Context) -> Reply:
    return [ui.text("ขอบคุณค่ะ ระบบอ่านได้เฉพาะข้อความและการแตะปุ่ม แตะคำสั่งด้านล่างได้เลย", _chips(ctx))]
