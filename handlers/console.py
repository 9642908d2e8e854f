"""เว็บ — a coordinator's or executive's one-time link into the console (bot/console/)."""
from __future__ import annotations

from bot import links, words
from bot import messages as ui
from bot.router import Context, Reply, Router, coordinator_only
from models import console as consoles
from models import names


def register(router: Router) -> None:
    router.text(words.WEB, link)


@coordinator_only
def link(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    token = consoles.issue_link(ctx.db, ctx.staff, ctx.now)
    if token is None:
        return [ui.text(f"ขอลิงก์เข้าเว็บบ่อยเกินไปค่ะ (ไม่เกิน {consoles.LINKS_PER_WINDOW} ครั้งใน 10 นาที) "
                        f"กรุณารอสักครู่แล้วพิมพ์ {words.WEB} อีกครั้ง")]
    minutes = int(consoles.LINK_LIFETIME.total_seconds() // 60)
    body = [
        ui.label(names.address(ctx.staff.name), weight="bold", size="md", color=ui.INK),
        ui.label(f"แตะปุ่มด้านล่างเพื่อเปิดหน้าเว็บของระบบองค์กรคุณธรรม ใช้ได้ครั้งเดียว ภายใน {minutes} นาที",
                 size="sm", color=ui.INK, margin="md"),
        ui.label("กรุณาอย่าส่งต่อข้อความนี้ ผู้ที่ได้ลิงก์จะเข้าระบบในชื่อของท่านได้", size="xs", color=ui.GREY,
                 margin="md"),
    ]
    footer = [ui.button(ui.uri_action("เปิดหน้าเว็บ", links.console_login(ctx.settings.public_base_url, token)))]
    return [ui.flex("ลิงก์เข้าหน้าเว็บ (ใช้ได้ครั้งเดียว ภายใน 10 นาที)",
                    ui.bubble("เข้าหน้าเว็บ", body, footer=footer, subtitle=ctx.settings.office_name))]
