"""ช่วยเหลือ — what can be typed; ยกเลิก and ทำต่อ, which leave and resume a conversation; and the answer to
anything that is not a command: a greeting or thanks, a command word misspelt ("หมายถึง … ใช่ไหมคะ"),
or words the bot does not understand."""
from __future__ import annotations

from bot import messages as ui
from bot import words
from bot.router import Context, Reply, Router
from handlers import texts
from models import names

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
    (words.DIGEST, f"ดูว่ารับสรุปรายสัปดาห์ทาง LINE อยู่หรือไม่; \"{words.DIGEST_ON}\" หรือ \"{words.DIGEST_OFF}\" เพื่อเปลี่ยน"),
)


def register(router: Router) -> None:
    router.text(words.HELP, show, everywhere=True)
    router.text(words.CANCEL, cancel, everywhere=True)
    router.text(words.RESUME, resume, everywhere=True)
    router.suggest(did_you_mean)
    router.fallback(not_understood)
    router.non_text(not_text)


def _chips(ctx: Context) -> ui.QuickReply:
    labels = [word for word, _ in STAFF_COMMANDS]
    if ctx.staff is not None and ctx.staff.is_coordinator:
        labels.insert(2, words.SUMMARY)
    return ui.quick(*labels)


def _with_aside(ctx: Context, chips: ui.QuickReply) -> ui.QuickReply:
    """The chips, with ทำต่อ first when a conversation is put aside."""
    if not ctx.aside_flow:
        return chips
    return ui.chips(words.RESUME, *[i for i in chips.items if getattr(i.action, "text", None) != words.RESUME])


def _aside_line(ctx: Context) -> str:
    aside = ctx.aside_flow
    return f"\n{aside}ที่พักไว้ยังรออยู่ แตะ \"{words.RESUME}\" เพื่อทำต่อได้ค่ะ" if aside else ""


def cancel(ctx: Context, args: str = "") -> Reply:
    if ctx.conversation is None:
        aside = ctx.aside_flow
        if aside:  # nothing open: ยกเลิก drops what was put aside
            ctx.drop_aside()
            return [ui.text(f"ยกเลิก{aside}ที่พักไว้แล้วค่ะ ไม่ได้บันทึกสิ่งที่พิมพ์ไว้", _chips(ctx))]
        return [ui.text("ตอนนี้ไม่มีรายการที่ค้างอยู่ค่ะ", _chips(ctx))]
    name = ctx.flow_name
    ctx.end()
    return [ui.text(f"ยกเลิก{name}แล้วค่ะ ไม่ได้บันทึกสิ่งที่พิมพ์ไว้" + _aside_line(ctx), _with_aside(ctx, _chips(ctx)))]


def resume(ctx: Context, args: str = "") -> Reply:
    """ทำต่อ: back to the conversation put aside, at the step it was left, with its question again."""
    if not ctx.resume():
        if ctx.conversation is not None:
            return ctx.router.prompt(ctx) if ctx.router else []
        return [ui.text("ไม่มีรายการที่พักไว้ค่ะ (รายการที่พักไว้เก็บไว้ให้ 1 วัน) เริ่มใหม่ได้เลย", _chips(ctx))]
    assert ctx.router is not None
    return [ui.text(f"กลับมาที่{ctx.flow_name}ที่ทำค้างไว้แล้วค่ะ ทำต่อจากขั้นนี้ได้เลย")] + ctx.router.prompt(ctx)


def show(ctx: Context, args: str = "") -> Reply:
    """The commands; in the middle of a conversation, then the step the person is at, again."""
    lines = ["พิมพ์หรือแตะคำสั่งเหล่านี้ได้เลยค่ะ"]
    lines += [f"• {word} — {what}" for word, what in STAFF_COMMANDS]
    if ctx.staff is not None and ctx.staff.is_coordinator:
        lines.append("\nสำหรับผู้ประสานงานและผู้บริหาร")
        lines += [f"• {word} — {what}" for word, what in COORDINATOR_COMMANDS]
    if ctx.conversation is not None and ctx.router is not None:
        lines.append(f"\nตอนนี้ท่านอยู่ระหว่าง{ctx.flow_name} ทำต่อจากขั้นด้านล่างได้เลย "
                     f"หรือพิมพ์ \"{words.CANCEL}\" เพื่อออก")
        return [ui.text("\n".join(lines))] + ctx.router.prompt(ctx)
    return [ui.text("\n".join(lines) + _aside_line(ctx), _with_aside(ctx, _chips(ctx)))]


def greet(ctx: Context, kind: str) -> Reply:
    """A greeting or thanks, answered in kind, with the main choices."""
    who = f" {names.address(ctx.staff.name)}" if ctx.staff is not None else ""
    if kind == "thanks":
        said = f"ยินดีค่ะ{who} ขอบคุณที่ร่วมสร้างองค์กรคุณธรรมไปด้วยกันนะคะ\nมีอะไรให้ช่วยอีก แตะเลือกด้านล่างได้เลย"
    else:
        said = f"สวัสดีค่ะ{who} วันนี้ให้ช่วยอะไรดีคะ แตะเลือกด้านล่างได้เลย"
    return [ui.text(said + _aside_line(ctx), _with_aside(ctx, _chips(ctx)))]


def did_you_mean(ctx: Context, word: str, typed: str, rest: str = "") -> Reply:
    """A command word misspelt by a letter or two: offer the word, as a chip that types it."""
    kind = texts.social(typed)
    if kind and ctx.registered:
        return greet(ctx, kind)
    meant = words.phrase(word, rest) if rest else word
    chips = [meant] if not ctx.registered else [meant, *[c for c in _labels(ctx) if c != word]][:6]
    return [ui.text(f"หมายถึง {texts.quoted(meant)} ใช่ไหมคะ แตะปุ่มด้านล่างได้เลย", ui.chips(*chips))]


def _labels(ctx: Context) -> list[str]:
    return [str(i.action.text) for i in _chips(ctx).items]


def not_understood(ctx: Context, text: str = "") -> Reply:
    if text:
        kind = texts.social(text)
        if kind:
            return greet(ctx, kind)
        aside = ctx.aside_flow
        if aside:
            return [ui.text(f"ขออภัยค่ะ ตอนนี้{aside}พักไว้อยู่ ระบบจึงยังไม่ได้รับคำตอบนี้\n"
                            f"แตะ \"{words.RESUME}\" เพื่อกลับไปทำต่อ แล้วพิมพ์คำตอบอีกครั้งนะคะ",
                            _with_aside(ctx, _chips(ctx)))]
        return [ui.text(f"ขออภัย ระบบไม่เข้าใจคำว่า {texts.quoted(text, 30)} ค่ะ\n"
                        f"แตะคำสั่งด้านล่าง หรือพิมพ์ \"{words.HELP}\"", _chips(ctx))]
    return [ui.text(f"ปุ่มนี้ใช้ไม่ได้แล้วค่ะ แตะคำสั่งด้านล่าง หรือพิมพ์ \"{words.HELP}\"", _chips(ctx))]


def not_text(ctx: Context) -> Reply:
    return [ui.text("ขอบคุณค่ะ ระบบอ่านได้เฉพาะข้อความและการแตะปุ่ม แตะคำสั่งด้านล่างได้เลย", _chips(ctx))]
