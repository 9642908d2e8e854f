"""สรุป — the coordinator's view: who has acknowledged each pledge document, and who has not."""
from __future__ import annotations

from itertools import groupby

import sqlalchemy as sa

from bot.router import Context, Reply, Router, coordinator_only
from handlers import ui
from models import pledge as pledges
from models.pledge import PledgeVersion
from models.staff import Staff

WORDS = ("สรุป", "summary")
LIST_WORDS = ("รายชื่อ", "ทั้งหมด", "list", "all")
SHOW_UNITS = 8
SHOW_NAMES = 5


def register(router: Router) -> None:
    router.text(WORDS, summary)


@coordinator_only
def summary(ctx: Context, args: str = "") -> Reply:
    if args.strip().casefold() in LIST_WORDS:
        return pending_list(ctx)
    versions = pledges.current_versions(ctx.db)
    if not versions:
        return [ui.text("ยังไม่มีปฏิญญาที่ประกาศใช้ค่ะ")]
    registered, total = _registration(ctx)
    cards = [_card(ctx, v, registered, total) for v in versions]
    alt = "สรุปการรับทราบปฏิญญา: " + ", ".join(
        f"{v.title} {ui.percent(pledges.progress(ctx.db, v).percent)}%" for v in versions)
    return [ui.flex(alt, ui.carousel(cards))]


def _registration(ctx: Context) -> tuple[int, int]:
    row = ctx.db.execute(
        sa.select(sa.func.count(Staff.line_user_id), sa.func.count(Staff.id)).where(Staff.active)
    ).one()
    return row[0], row[1]


def deadline_text(ctx: Context) -> tuple[str, str]:
    deadline = ctx.settings.pledge_deadline
    days = (deadline - ctx.now.date()).days
    when = f"กำหนด {ui.thai_date(deadline)}"
    if days > 0:
        return f"{when} · เหลืออีก {days} วัน", ui.AMBER if days <= 14 else ui.GREY
    if days == 0:
        return f"{when} · ครบกำหนดวันนี้", ui.RED
    return f"{when} · เลยกำหนดมาแล้ว {-days} วัน", ui.RED


def _card(ctx: Context, version: PledgeVersion, registered: int, total: int) -> dict:
    overall = pledges.progress(ctx.db, version)
    units = sorted(pledges.unit_progress(ctx.db, version), key=lambda u: (u.percent, u.unit))
    deadline, deadline_color = deadline_text(ctx)
    if overall.total and overall.remaining == 0:
        deadline, deadline_color = f"ครบทุกคนแล้ว ({deadline})", ui.GREEN
    body: list[dict] = [
        ui.progress_row("ทั้งสำนักงาน", overall.done, overall.total, overall.percent, bold=True),
        ui.label(deadline, size="xs", color=deadline_color, margin="sm"),
        ui.label(f"ลงทะเบียน LINE แล้ว {registered} จาก {total} คน", size="xs", color=ui.GREY),
        ui.separator(),
        ui.label("รายหน่วยงาน (น้อยที่สุดก่อน)", size="sm", weight="bold", color=ui.INK, margin="md"),
    ]
    body += [ui.progress_row(u.unit, u.done, u.total, u.percent) for u in units[:SHOW_UNITS]]
    if len(units) > SHOW_UNITS:
        body.append(ui.label(f"และอีก {len(units) - SHOW_UNITS} หน่วยงาน", size="xs", color=ui.GREY, margin="sm"))
    footer: list[dict] = []
    if overall.remaining:
        names = pledges.pending(ctx.db, version, limit=SHOW_NAMES)
        body += [ui.separator(),
                 ui.label(f"ยังไม่รับทราบ {overall.remaining} คน", size="sm", weight="bold", color=ui.RED,
                          margin="md")]
        body += [ui.label(f"• {p.name} ({p.unit})", size="xs", color=ui.INK) for p in names]
        if overall.remaining > len(names):
            body.append(ui.label(f"และอีก {overall.remaining - len(names)} คน", size="xs", color=ui.GREY))
        footer.append(ui.button(ui.message_action("ดูรายชื่อทั้งหมด", "สรุป รายชื่อ"), style="secondary"))
    return ui.bubble(version.title, body, footer=footer or None,
                     subtitle=f"ฉบับที่ {version.version} · ตัวชี้วัด 1.2 (เป้าหมาย 100%)")


@coordinator_only
def pending_list(ctx: Context) -> Reply:
    versions = pledges.current_versions(ctx.db)
    if not versions:
        return [ui.text("ยังไม่มีปฏิญญาที่ประกาศใช้ค่ะ")]
    lines: list[str] = []
    for version in versions:
        people = pledges.pending(ctx.db, version)
        lines.append(f"{'' if not lines else chr(10)}📄 {version.title} (ฉบับที่ {version.version})")
        if not people:
            lines.append("รับทราบครบทุกคนแล้ว")
            continue
        lines.append(f"ยังไม่รับทราบ {len(people)} คน")
        for unit, members in groupby(people, key=lambda p: p.unit):
            members = list(members)
            lines.append(f"\n{unit} ({len(members)} คน)")
            lines += [f"• {p.name}{'' if p.line_user_id else ' (ยังไม่ลงทะเบียน)'}" for p in members]
    return ui.texts(lines)
