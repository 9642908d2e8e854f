"""ปฏิญญา — read the current pledge documents and acknowledge each (indicator 1.2)."""
from __future__ import annotations

from datetime import tzinfo

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router
from models import pledge as pledges
from models.pledge import PledgeAck, PledgeVersion

ACK = "pledge.ack"    # a=pledge.ack&v=<version id>
READ = "pledge.read"  # a=pledge.read&v=<version id>: the full text of a long document
PREVIEW_CHARS = 600   # in a carousel; a single card shows the whole text
NOT_FOUND = f"ไม่พบปฏิญญาฉบับนี้แล้วค่ะ พิมพ์ \"{words.PLEDGE}\" เพื่ออ่านฉบับปัจจุบัน"


def register(router: Router) -> None:
    router.text(words.PLEDGE, show)
    router.postback(ACK, acknowledge)
    router.postback(READ, read)


def show(ctx: Context, args: str = "") -> Reply:
    versions = pledges.current_versions(ctx.db)
    if not versions:
        return [ui.text("ขณะนี้ยังไม่มีปฏิญญาที่ประกาศใช้ค่ะ")]
    assert ctx.staff is not None
    acks = pledges.acks_of(ctx.db, ctx.staff)
    waiting = [v for v in versions if v.id not in acks]
    shown = waiting or versions
    preview = len(shown) > 1
    cards = [card(ctx.settings.tz, v, acks.get(v.id), preview=preview) for v in shown]
    if waiting:
        intro = "กรุณาอ่านและแตะ \"รับทราบ\" ใต้ปฏิญญา" + (f" ทั้ง {len(waiting)} ฉบับค่ะ" if len(waiting) > 1 else "ค่ะ")
    else:
        intro = "ท่านรับทราบปฏิญญาครบทุกฉบับแล้ว ขอบคุณค่ะ"
    return [ui.text(intro), ui.flex(f"ปฏิญญา: {', '.join(v.title for v in shown)}", ui.carousel(cards))]


def read(ctx: Context, v: str) -> Reply:
    version = _version(ctx, v)
    if version is None:
        return [ui.text(NOT_FOUND, ui.quick(words.PLEDGE))]
    assert ctx.staff is not None
    ack = pledges.find_ack(ctx.db, ctx.staff, version)
    return [ui.flex(f"ปฏิญญา: {version.title}", card(ctx.settings.tz, version, ack))]


def acknowledge(ctx: Context, v: str) -> Reply:
    """The busiest path of the bot (everyone taps once per version): one insert and one read when
    the tap counts; the reasons it does not count are looked up only then."""
    assert ctx.staff is not None
    version_id = ui.row_id(v)
    stood = pledges.acknowledge_current(ctx.db, ctx.staff, version_id, at=ctx.now, event_id=ctx.event_id) \
        if version_id else None
    if stood is None:
        return _not_stored(ctx, version_id)
    done = stood.progress
    lines = [
        f"ขอบคุณที่ร่วมรับทราบ \"{stood.title}\" ค่ะ",
        f"บันทึกเมื่อ {thai.thai_datetime(ctx.now.astimezone(ctx.settings.tz))}",
        f"ขณะนี้ร่วมแล้ว {done.done} จาก {done.total} คน ({thai.percent(done.percent)}%)",
    ]
    if stood.waiting:
        lines.append(f"\nยังมีอีก {stood.waiting} ฉบับที่รอท่านรับทราบ แตะ \"{words.PLEDGE}\" เพื่ออ่านต่อ")
        return [ui.text("\n".join(lines), ui.quick(words.PLEDGE))]
    return [ui.text("\n".join(lines), ui.quick(words.STATUS, words.HELP))]


def _not_stored(ctx: Context, version_id: int) -> Reply:
    """Why a tap stored nothing: no such version, a retired document, an old card, or a second tap."""
    assert ctx.staff is not None
    target = pledges.ack_target(ctx.db, version_id)
    if target is None:
        return [ui.text(NOT_FOUND, ui.quick(words.PLEDGE))]
    if not target.active:
        return [ui.text(f"\"{target.title}\" ยกเลิกการใช้แล้ว ไม่ต้องรับทราบค่ะ", ui.quick(words.PLEDGE))]
    if not target.is_latest:
        latest = pledges.get_version(ctx.db, target.latest_id)
        assert latest is not None
        return [
            ui.text(f"\"{target.title}\" มีฉบับปรับปรุงใหม่ (ฉบับที่ {latest.version}) ค่ะ "
                    "กรุณาอ่านฉบับล่าสุดแล้วแตะ \"รับทราบ\" อีกครั้ง"),
            ui.flex(f"ปฏิญญา: {latest.title}",
                    card(ctx.settings.tz, latest, pledges.find_ack(ctx.db, ctx.staff, latest))),
        ]
    ack = pledges.find_ack(ctx.db, ctx.staff, target)
    if ack is None:  # the document changed between the two statements: let the person try again
        return [ui.text("ขออภัย กรุณาแตะ \"รับทราบ\" อีกครั้งค่ะ", ui.quick(words.PLEDGE))]
    when = thai.thai_datetime(ack.acknowledged_at.astimezone(ctx.settings.tz))
    return [ui.text(f"ท่านรับทราบ \"{target.title}\" ไว้แล้วเมื่อ {when} ค่ะ", ui.quick(words.STATUS))]


def _version(ctx: Context, v: str) -> PledgeVersion | None:
    version_id = ui.row_id(v)
    return pledges.get_version(ctx.db, version_id) if version_id else None


def card(tz: tzinfo, version: PledgeVersion, ack: PledgeAck | None, preview: bool = False) -> ui.Flex:
    """One document's card, dates in the office's time zone `tz`: the whole text (the first
    PREVIEW_CHARS in a carousel of several, with a button for the rest) and "รับทราบ", or the date
    this person acknowledged it. The console's preview builds the same card."""
    body_text = version.body
    cut = preview and len(body_text) > PREVIEW_CHARS
    if cut:
        body_text = body_text[:PREVIEW_CHARS].rstrip() + " …"
    published = thai.thai_date(version.published_at.astimezone(tz))
    footer: list[ui.Flex] = []
    if ack is None:
        footer.append(ui.button(ui.postback("รับทราบ", ACK, display_text="รับทราบปฏิญญา", v=version.id)))
    else:
        when = thai.thai_date(ack.acknowledged_at.astimezone(tz))
        footer.append(ui.label(f"✓ ท่านรับทราบแล้วเมื่อ {when}", size="sm", color=ui.GREEN, align="center"))
    if cut:
        footer.append(ui.button(ui.postback("อ่านฉบับเต็ม", READ, v=version.id), style="link"))
    return ui.bubble(
        version.title,
        [ui.label(body_text, size="sm", color=ui.INK)],
        footer=footer,
        subtitle=f"ฉบับที่ {version.version} · ประกาศ {published}",
    )
