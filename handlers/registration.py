"""ลงทะเบียน — link a LINE account to a person on the roster with a personal invite code."""
from __future__ import annotations

from bot import messages as ui
from bot import thai, words
from bot.config import Settings
from bot.router import Context, Reply, Router
from handlers import texts
from models import names
from models import pledge as pledges
from models import staff as people
from models.staff import Outcome

HOW_TO = (f"พิมพ์คำว่า {words.REGISTER} ตามด้วยรหัสเชิญ 8 ตัวที่ได้รับจากผู้ประสานงาน\n"
          f"เช่น {words.REGISTER_EXAMPLE}\n(หรือแตะลิงก์ลงทะเบียนที่ได้รับ ระบบจะพิมพ์ให้)")

PDPA = (
    "ข้อมูลส่วนบุคคลที่ระบบเก็บ: บัญชี LINE ของท่าน (รหัสผู้ใช้) ซึ่งผูกกับชื่อ ตำแหน่ง และหน่วยงานตามทะเบียนบุคลากร "
    "และการมีส่วนร่วมของท่าน เช่น การรับทราบปฏิญญา ข้อเสนอ การเช็คอินกิจกรรม และการเสนอชื่อ\n"
    "ใช้เพื่อติดตามและรายงานผลการขับเคลื่อนองค์กรคุณธรรมของสำนักงานเท่านั้น ผู้ประสานงานและผู้บริหารของสำนักงานเป็นผู้ดูข้อมูล "
    "ไม่เปิดเผยต่อบุคคลภายนอก\n"
    "{kept}\n"
    "หากต้องการขอดู ขอสำเนา แก้ไข หรือลบข้อมูล กรุณาติดต่อผู้ประสานงานของสำนักงาน"
)
# How long it is kept: RETENTION_DAYS after leaving the office (the retention job erases it), or, when
# the office set no period, as long as the office keeps the records of its plan.
KEPT_FOR = ("ข้อมูลของท่านเก็บไว้ตลอดที่ท่านเป็นบุคลากรของสำนักงาน และจะลบชื่อ บัญชี LINE และข้อความที่ท่านเขียน "
            "ภายใน {days} วันหลังท่านออกจากสำนักงาน โดยคงไว้เพียงตัวเลขสรุปที่ไม่ระบุตัวบุคคล")
KEPT_WHILE = ("ข้อมูลของท่านเก็บไว้ตลอดที่ท่านเป็นบุคลากรของสำนักงาน และตามระยะเวลาที่สำนักงานเก็บรักษาเอกสาร"
              "ผลการดำเนินงานองค์กรคุณธรรม")


def privacy(settings: Settings) -> str:
    """The privacy notice of the welcome message, with how long data is kept under these settings."""
    days = settings.retention_days
    return PDPA.format(kept=KEPT_FOR.format(days=f"{days:,}") if days else KEPT_WHILE)


def register(router: Router) -> None:
    router.event("follow", welcome)
    router.text(words.REGISTER, link, public=True)
    router.unregistered(how_to_register)


def how_to_register(ctx: Context) -> Reply:
    if ctx.staff is not None and not ctx.staff.active:
        return [ui.text("บัญชีนี้ไม่อยู่ในทะเบียนบุคลากรของสำนักงานแล้วค่ะ หากข้อมูลไม่ถูกต้อง กรุณาติดต่อผู้ประสานงาน")]
    said = _typed(ctx)
    kind = texts.social(said) if said else ""
    if kind:  # a greeting or thanks is answered in kind before the way in
        hello = ("ยินดีค่ะ หากจะเริ่มใช้ระบบองค์กรคุณธรรม" if kind == "thanks"
                 else "สวัสดีค่ะ ยินดีต้อนรับสู่ระบบองค์กรคุณธรรม")
        return [ui.text(f"{hello} {ctx.settings.office_name}\nเริ่มต้นด้วยการลงทะเบียน: {HOW_TO}")]
    return [ui.text(f"ท่านยังไม่ได้ลงทะเบียนค่ะ กรุณา{HOW_TO}")]


def _typed(ctx: Context) -> str:
    """The text of the message being answered ("" for a tap or any other event)."""
    message = getattr(ctx.event, "message", None)
    text = getattr(message, "text", None)
    return text if isinstance(text, str) else ""


def welcome(ctx: Context) -> Reply:
    if ctx.registered:
        assert ctx.staff is not None
        return [ui.text(
            f"ยินดีต้อนรับกลับค่ะ {names.address(ctx.staff.name)}\nพิมพ์ \"{words.HELP}\" เพื่อดูสิ่งที่ทำได้",
            ui.quick(words.PLEDGE, words.STATUS, words.HELP),
        )]
    return [
        ui.text(f"ยินดีต้อนรับสู่ระบบองค์กรคุณธรรม {ctx.settings.office_name} ค่ะ\n\n"
                f"เริ่มต้นด้วยการลงทะเบียน: {HOW_TO}"),
        ui.text(privacy(ctx.settings)),
    ]


def link(ctx: Context, args: str) -> Reply:
    if not args:
        return [ui.text(f"กรุณาพิมพ์ {words.REGISTER} ตามด้วยรหัสเชิญ 8 ตัว เช่น {words.REGISTER_EXAMPLE}")]
    assert ctx.user_id is not None
    result = people.register(ctx.db, ctx.user_id, args, ctx.now)
    if result.outcome is Outcome.REGISTERED:
        person = result.staff
        assert person is not None
        ctx.staff = person
        detail = ", ".join(p for p in (person.position, person.unit) if p)
        waiting = len(pledges.current_versions(ctx.db))
        next_step = f"ขั้นต่อไป: แตะ \"{words.PLEDGE}\" เพื่ออ่านและร่วมรับทราบปฏิญญาของสำนักงาน" if waiting else \
            f"พิมพ์ \"{words.HELP}\" เพื่อดูสิ่งที่ทำได้"
        return [ui.text(
            f"ลงทะเบียนเรียบร้อยแล้วค่ะ {names.address(person.name)}\n{person.name} ({detail})\n\n{next_step}",
            ui.quick(words.PLEDGE, words.STATUS, words.HELP),
        )]
    if result.outcome is Outcome.ALREADY:
        assert result.staff is not None
        return [ui.text(
            f"บัญชี LINE นี้ลงทะเบียนแล้วในชื่อ {result.staff.name} ค่ะ\n"
            "หากไม่ใช่ท่าน กรุณาติดต่อผู้ประสานงาน",
            ui.quick(words.STATUS, words.HELP),
        )]
    if result.outcome is Outcome.CODE_TAKEN:
        return [ui.text(
            "รหัสเชิญนี้ถูกใช้ลงทะเบียนกับบัญชี LINE อื่นแล้วค่ะ\n"
            "หากเป็นรหัสของท่าน (เช่น เปลี่ยนโทรศัพท์หรือบัญชี LINE) กรุณาติดต่อผู้ประสานงานเพื่อขอรหัสใหม่"
        )]
    if result.outcome is Outcome.LOCKED:
        assert result.locked_until is not None
        until = result.locked_until.astimezone(ctx.settings.tz)
        return [ui.text(
            "พิมพ์รหัสเชิญไม่ถูกต้องหลายครั้ง ระบบจึงพักการลงทะเบียนของบัญชีนี้ไว้ชั่วคราวค่ะ\n"
            f"ลองใหม่ได้หลัง {thai.thai_datetime(until)}\nหากไม่แน่ใจรหัส กรุณาติดต่อผู้ประสานงาน"
        )]
    left = f"\n(ลองได้อีก {result.tries_left} ครั้ง)" if result.tries_left is not None and result.tries_left <= 3 else ""
    return [ui.text(
        f"ไม่พบรหัสเชิญ \"{args[:20]}\" ค่ะ\n"
        f"กรุณาตรวจสอบรหัส 8 ตัวจากผู้ประสานงาน แล้วพิมพ์อีกครั้ง เช่น {words.REGISTER_EXAMPLE}{left}"
    )]
