"""หลักฐาน — a coordinator records evidence of an indicator from LINE: a photo, a file, a link or a
short note, then which indicator or activity it belongs to (quick replies: the plan's indicators, then
its recent activities; an activity's evidence is indicator 3.1's, with that activity; its chip sends
the activity's check-in code, and typing the code or the exact title works too, also for an activity
too old to be offered). A photo or a file is fetched from
LINE's content API at once (LINE keeps it only for a while) and stored as every upload is (type read
from the content, 10 MB, a random name under UPLOADS_DIR, its size and sha256). The evidence itself
is models/evidence.py's, as the console and the CLI record it."""
from __future__ import annotations

from dataclasses import dataclass, replace

from linebot.v3.messaging import MessageAction, QuickReplyItem

from bot import messages as ui
from bot import thai, uploads, words
from bot.router import Context, Reply, Router, coordinator_only
from models import activity as activities
from models import evidence as proofs
from models import files as stored
from models import plan as plans
from models.activity import Activity
from models.evidence import EvidenceError, Reason
from models.files import StoredFile
from models.staff import Role

FLOW = "evidence"
MAX_CHIPS = 12  # LINE allows 13 quick replies; one is ยกเลิก
ACTIVITY_INDICATOR = "3.1"  # activities carried out and reported: where an activity's evidence goes
RECENT_DAYS = 14  # an activity open now, or started or carried out this many days ago, is offered
RECENT_LISTED = 5  # at most this many recent activities are listed (as many as fit get a chip)


@dataclass(frozen=True)
class EvidenceDraft:
    link: str = ""
    note: str = ""
    file: int = 0  # the stored file's id (models.files), for a photo or a file
    file_name: str = ""


def register(router: Router) -> None:
    router.flow(FLOW, "การบันทึกหลักฐาน", steps=("content", "indicator"), draft=EvidenceDraft)
    router.text(words.EVIDENCE, start)
    router.step(FLOW, "content", content, accepts=("text", "content"), prompt=ask_content)
    router.step(FLOW, "indicator", indicator, prompt=lambda ctx: [_ask_indicator(ctx)])


def _looks_like_link(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


@coordinator_only
def start(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    if ctx.staff.role != Role.COORDINATOR.value:
        return [ui.text("การบันทึกหลักฐานเป็นงานของผู้ประสานงานค่ะ ผู้บริหารดูหลักฐานทั้งหมดได้ที่หน้าเว็บ "
                        f"(พิมพ์ \"{words.WEB}\")", ui.quick(words.SUMMARY, words.WEB))]
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        year = plans.fiscal_year_of(ctx.now.date())
        return [ui.text(f"ปีงบประมาณ {year} ยังไม่มีแผนที่ใช้อยู่ จึงยังบันทึกหลักฐานของปีนี้ไม่ได้ค่ะ "
                        f"เริ่มแผนได้ที่เว็บ: แผน (พิมพ์ \"{words.WEB}\")", ui.quick(words.WEB))]
    ctx.begin(FLOW, "content", EvidenceDraft())
    if args.strip():
        return content(ctx, args)
    return ask_content(ctx)


def ask_content(ctx: Context) -> Reply:
    return [ui.text("บันทึกหลักฐานตัวชี้วัด\nขั้นที่ 1/2: ส่งรูปภาพหรือไฟล์ (PDF, Word, Excel ไม่เกิน 10 MB) "
                    "ลิงก์ของหลักฐาน (ขึ้นต้นด้วย https://) หรือพิมพ์บันทึกสั้น ๆ ว่าเป็นหลักฐานอะไรค่ะ",
                    ui.quick(words.CANCEL))]


UPLOAD_REFUSALS = {
    "empty": "ไฟล์นี้ว่างค่ะ",
    "too_big": "ไฟล์ใหญ่เกิน 10 MB ค่ะ",
    "type": "รับเฉพาะรูปภาพ PDF และเอกสาร Word, Excel, PowerPoint ค่ะ",
}


def content(ctx: Context, text: str = "", message_id: str = "", content_type: str = "", file_name: str = "") -> Reply:
    if message_id:
        return _file(ctx, message_id, content_type, file_name)
    text = text.strip()
    if _looks_like_link(text.split()[0] if text.split() else ""):
        link, note = text.split()[0], " ".join(text.split()[1:])
    elif len(text) >= 3:
        link, note = "", text
    else:
        return [ui.text("กรุณาส่งลิงก์ (https://…) หรือพิมพ์บันทึกอย่างน้อย 3 ตัวอักษรค่ะ", ui.quick(words.CANCEL))]
    ctx.begin(FLOW, "indicator", replace(ctx.draft(EvidenceDraft), link=link, note=note[:proofs.MAX_TEXT]))
    return [_ask_indicator(ctx)]


def _file(ctx: Context, message_id: str, content_type: str, file_name: str) -> Reply:
    data = ctx.content(message_id) if ctx.content is not None else None
    if data is None:
        return [ui.text("ดึงไฟล์จาก LINE ไม่สำเร็จค่ะ กรุณาส่งอีกครั้ง หรือแนบที่หน้าเว็บ "
                        f"(พิมพ์ \"{words.WEB}\")", ui.quick(words.CANCEL))]
    try:
        saved = uploads.save(ctx.settings.uploads_dir, data)
    except uploads.UploadError as exc:
        return [ui.text(UPLOAD_REFUSALS.get(exc.reason, UPLOAD_REFUSALS["type"]) + " กรุณาส่งไฟล์อื่น",
                        ui.quick(words.CANCEL))]
    extension = uploads.EXTENSIONS.get(saved.content_type, "")
    name = (file_name or f"ภาพจาก LINE {thai.thai_date(ctx.now)}{extension}")[:200]
    row = stored.add(ctx.db, saved.stored_name, name, saved.content_type, saved.size, saved.sha256,
                     ctx.staff.id if ctx.staff else None, ctx.now)
    ctx.begin(FLOW, "indicator", replace(ctx.draft(EvidenceDraft), file=row.id, file_name=name))
    return [_ask_indicator(ctx, prefix=f"ได้รับไฟล์ \"{name}\" ({saved.size:,} ไบต์) แล้วค่ะ\n")]


def _ask_indicator(ctx: Context, prefix: str = "") -> ui.TextMessage:
    plan = plans.current(ctx.db, ctx.now)
    indicators = list(plan.indicators) if plan is not None else []
    recent = activities.recent(ctx.db, plan.id, ctx.now, RECENT_DAYS, RECENT_LISTED) if plan is not None else []
    listing = "\n".join(f"{i.code} {thai.shorten(i.title, 40)}" for i in indicators)
    if recent:
        listing += (f"\nหรือกิจกรรม (บันทึกเป็นตัวชี้วัด {ACTIVITY_INDICATOR}):\n"
                    + "\n".join(_activity_line(ctx, a) for a in recent))
    offered = [_activity_chip(a) for a in recent[:max(0, MAX_CHIPS - len(indicators))]]
    return ui.text(f"{prefix}ขั้นที่ 2/2: หลักฐานนี้ของตัวชี้วัดหรือกิจกรรมใดคะ? แตะด้านล่าง "
                   f"หรือพิมพ์รหัสหรือชื่อกิจกรรม\n{listing}",
                   ui.chips(*[i.code for i in indicators][:MAX_CHIPS], *offered, words.CANCEL))


def _activity_line(ctx: Context, activity: Activity) -> str:
    when = activity.starts_at or activity.done_at
    day = f" ({thai.thai_date(when.astimezone(ctx.now.tzinfo))})" if when is not None else ""
    return f"{activity.code} {thai.shorten(activity.title, 40)}{day}"


def _activity_chip(activity: Activity) -> QuickReplyItem:
    """Shows the title, sends the check-in code first (what the step recognises) and the title."""
    return QuickReplyItem(action=MessageAction(label=thai.shorten(activity.title, ui.MAX_CHIP_LABEL),
                                               text=f"{activity.code} {thai.shorten(activity.title, 60)}"))


def _activity_typed(ctx: Context, plan_id: int, typed: str) -> Activity | list[Activity] | None:
    """The plan's activity whose check-in code is the first word typed, or whose title is the whole text;
    several of the same title (a monthly activity) come back as a list to choose from."""
    found = activities.by_code(ctx.db, typed.split()[0]) if typed else None
    if found is not None and found.plan_id == plan_id:
        return found
    same_title = activities.titled(ctx.db, plan_id, typed) if typed else []
    return same_title[0] if len(same_title) == 1 else same_title or None


def indicator(ctx: Context, text: str) -> Reply:
    draft = ctx.draft(EvidenceDraft)
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:
        ctx.end()
        return [ui.text("แผนของปีนี้ไม่ได้ใช้อยู่แล้ว จึงบันทึกหลักฐานไม่ได้ค่ะ")]
    typed = " ".join(text.split())
    code = typed.split()[0] if typed else ""
    activity = None
    if code not in {i.code for i in plan.indicators}:
        found = _activity_typed(ctx, plan.id, typed)
        if isinstance(found, list):
            choices = ", ".join(_activity_line(ctx, a) for a in found[-RECENT_LISTED:])
            return [_ask_indicator(ctx, prefix=f"มีกิจกรรมชื่อนี้ {len(found)} รายการค่ะ "
                                               f"กรุณาพิมพ์รหัสของกิจกรรมที่ต้องการ: {choices}\n")]
        if found is None:
            what = "ตัวชี้วัด" if activities.INDICATOR_CODE.fullmatch(code) else "ตัวชี้วัดหรือกิจกรรม"
            shown = code[:16] if what == "ตัวชี้วัด" else thai.shorten(typed, 40)
            return [_ask_indicator(ctx, prefix=f"ไม่มี{what} \"{shown}\" ในแผนปีนี้ค่ะ\n")]
        activity, code = found, ACTIVITY_INDICATOR
    file = ctx.db.get(StoredFile, draft.file) if draft.file else None
    title = (draft.note[:80] if draft.note else "") or draft.file_name or "ลิงก์หลักฐาน"
    kind = proofs.FILE if file is not None else proofs.LINK if draft.link else proofs.NOTE
    try:
        item = proofs.add(ctx.db, plan, code, kind, title, ctx.now.date(),
                          proofs.Recorded("line", ctx.staff.id if ctx.staff else None, ctx.now),
                          url=draft.link, note=draft.note, file=file,
                          activity_id=activity.id if activity is not None else None)
    except EvidenceError as exc:
        ctx.end()
        if exc.reason is Reason.NO_INDICATOR:  # only for an activity: a typed indicator is the plan's
            return [ui.text(f"แผนปีนี้ไม่มีตัวชี้วัด {ACTIVITY_INDICATOR} จึงบันทึกหลักฐานของกิจกรรมไม่ได้ค่ะ "
                            f"พิมพ์ \"{words.EVIDENCE}\" เพื่อเริ่มใหม่แล้วเลือกตัวชี้วัด", ui.quick(words.EVIDENCE))]
        if exc.reason is Reason.BAD_URL:
            return [ui.text("ลิงก์ไม่ถูกต้องค่ะ ลิงก์ต้องขึ้นต้นด้วย https:// และไม่มีช่องว่าง "
                            f"พิมพ์ \"{words.EVIDENCE}\" เพื่อเริ่มใหม่", ui.quick(words.EVIDENCE))]
        return [ui.text(f"บันทึกไม่ได้ค่ะ กรุณาลองใหม่ หรือบันทึกที่หน้าเว็บ (พิมพ์ \"{words.WEB}\")",
                        ui.quick(words.EVIDENCE, words.WEB))]
    ctx.end()
    what = (f"กิจกรรม \"{activity.title}\" (ตัวชี้วัด {item.indicator_code})" if activity is not None
            else f"ตัวชี้วัด {item.indicator_code}")
    return [ui.text(f"บันทึกหลักฐาน{what} แล้วค่ะ: {item.title}\n"
                    f"ลงวันที่ {thai.thai_date(item.dated)}", ui.quick(words.EVIDENCE, words.SUMMARY))]
