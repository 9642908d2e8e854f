"""สถานะ — who I am registered as, and what I have taken part in."""
from __future__ import annotations

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router
from models import activity as activities
from models import names
from models import pledge as pledges
from models import proposal as proposals

ROLE_NAMES = {"staff": "บุคลากร", "coordinator": "ผู้ประสานงาน", "executive": "ผู้บริหาร"}


def register(router: Router) -> None:
    router.text(words.STATUS, show)


def show(ctx: Context, args: str = "") -> Reply:
    person = ctx.staff
    assert person is not None
    registered = thai.thai_date(person.registered_at.astimezone(ctx.settings.tz)) if person.registered_at else "-"
    body: list[ui.Flex] = [
        ui.label(person.name, weight="bold", size="md", color=ui.INK),
        ui.label(" · ".join(p for p in (person.position, person.unit) if p), size="sm", color=ui.GREY),
        ui.label(f"บทบาท: {ROLE_NAMES.get(person.role, person.role)} · ลงทะเบียนเมื่อ {registered}",
                 size="xs", color=ui.GREY),
        ui.separator(),
        ui.label("ปฏิญญาองค์กรคุณธรรม", weight="bold", size="sm", margin="md", color=ui.INK),
    ]
    versions = pledges.current_versions(ctx.db)
    acks = pledges.acks_of(ctx.db, person)
    waiting = 0
    for version in versions:
        ack = acks.get(version.id)
        if ack is None:
            waiting += 1
            mark, color = "ยังไม่รับทราบ", ui.RED
        else:
            mark, color = f"รับทราบแล้ว {thai.thai_date(ack.acknowledged_at.astimezone(ctx.settings.tz))}", ui.GREEN
        # The title and its state one under the other: a long title beside a date wrapped one word a line.
        body.append({"type": "box", "layout": "vertical", "margin": "sm", "contents": [
            ui.label(version.title, size="xs", color=ui.INK),
            ui.label(mark, size="xs", color=color, weight="bold"),
        ]})
    if not versions:
        body.append(ui.label("ยังไม่มีปฏิญญาที่ประกาศใช้", size="xs", color=ui.GREY))
    own = proposals.of_staff(ctx.db, person)
    body += [ui.separator(), ui.label("ความดีที่ท่านเสนอ", weight="bold", size="sm", margin="md",
                                       color=ui.INK),
             ui.label(f"เสนอแล้ว {len(own)} รายการ" if own else f"ยังไม่ได้เสนอ — แตะ \"{words.PROPOSE}\" เพื่อเสนอ",
                      size="xs", color=ui.GREEN if own else ui.RED)]
    came = activities.attended(ctx.db, person)
    body += [ui.separator(), ui.label(f"กิจกรรมที่เข้าร่วม ({len(came)})", weight="bold", size="sm", margin="md",
                                       color=ui.INK)]
    for activity, checkin in came[-5:]:
        when = thai.thai_date(checkin.at.astimezone(ctx.settings.tz))
        body.append({"type": "box", "layout": "vertical", "margin": "sm", "contents": [
            ui.label(activity.title, size="xs", color=ui.INK),
            ui.label(f"เช็คอิน {when}", size="xxs", color=ui.GREY),
        ]})
    if len(came) > 5:
        body.append(ui.label(f"และก่อนหน้านี้อีก {len(came) - 5} กิจกรรม", size="xs", color=ui.GREY))
    if not came:
        body.append(ui.label("ยังไม่ได้เช็คอินกิจกรรมใด", size="xs", color=ui.GREY))
    footer = [ui.button(ui.message_action("อ่านและรับทราบปฏิญญา", words.PLEDGE))] if waiting else None
    pledged = f"รอรับทราบ {waiting} ฉบับ" if waiting else "รับทราบครบแล้ว"
    summary = (f"สถานะของ{names.address(person.name)}: ปฏิญญา {pledged}"
               f" · เสนอความดี {len(own)} · ร่วมกิจกรรม {len(came)}")
    return [ui.flex(summary, ui.bubble("สถานะของฉัน", body, footer=footer))]
