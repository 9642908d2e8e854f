"""กิจกรรม — the plan's activities with dates and check-in codes; coordinators record one as carried
out, with a note and an evidence link (indicator 3.1)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router, coordinator_only
from handlers import texts
from models import activity as activities
from models import plan as plans
from models.activity import Activity, ActivityError
from models.staff import Role

FLOW = "activity_done"
DONE = "activity.done"  # a=activity.done&id=<activity id>
SHOW = 10


@dataclass(frozen=True)
class DoneDraft:
    activity: int = 0  # its id
    note: str = ""


def register(router: Router) -> None:
    router.flow(FLOW, "การบันทึกผลกิจกรรม", steps=("note", "evidence"), draft=DoneDraft)
    router.text(words.ACTIVITIES, show)
    router.postback(DONE, ask_note)
    router.step(FLOW, "note", note, prompt=ask_note_again)
    router.step(FLOW, "evidence", evidence, prompt=ask_evidence)


def show(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    plan = plans.current(ctx.db, ctx.now)
    coordinator = ctx.staff.is_coordinator
    if plan is None:  # never last year's activities as this year's
        return [ui.text(_preparing(ctx), ui.quick(words.CHECK_IN, words.STATUS))]
    items = activities.of_plan(ctx.db, plan.id)
    if not items:
        return [ui.text("ยังไม่มีกิจกรรมในแผนค่ะ")]
    pending = [a for a in items if not a.done_at]
    shown = (pending if coordinator else [a for a in items if a.starts_at]) or items
    bubbles = []
    for a in shown[:SHOW]:
        when = (thai.time_span(a.starts_at.astimezone(ctx.settings.tz),
                               a.ends_at.astimezone(ctx.settings.tz) if a.ends_at else None) if a.starts_at
                else f"ภายใน {thai.thai_date(a.due)} (ยังไม่กำหนดวัน)" if a.due else "ยังไม่กำหนดวัน")
        body = [ui.label(when, size="xs", color=ui.GREY)]
        if a.place:
            body.append(ui.label(f"สถานที่: {a.place}", size="sm", color=ui.INK))
        if a.responsible:
            body.append(ui.label("ผู้รับผิดชอบ: " + ", ".join(p.name for p in a.responsible[:3]), size="xs",
                                 color=ui.INK))
        if a.scheduled and not a.rotating_qr:
            body.append(ui.label(f"รหัสเช็คอิน: {a.code}", size="sm", weight="bold", color=ui.INK, margin="md"))
        footer = None
        if a.done_at:
            body.append(ui.label(f"✓ ดำเนินการแล้ว {thai.thai_date(a.done_at.astimezone(ctx.settings.tz))}",
                                 size="sm", color=ui.GREEN, margin="md"))
        elif coordinator:
            footer = [ui.button(ui.postback("บันทึกว่าจัดแล้ว", DONE, display_text=f"บันทึกผล: {a.title}"[:300],
                                            id=a.id))]
        bubbles.append(ui.bubble(a.title, body, footer=footer))
    done = sum(1 for a in items if a.done_at)
    intro = f"กิจกรรมตามแผน {len(items)} กิจกรรม ดำเนินการแล้ว {done} กิจกรรม"
    return [ui.text(intro), ui.flex(intro, ui.carousel(bubbles))]


def _preparing(ctx: Context) -> str:
    year = plans.fiscal_year_of(ctx.now.date())
    text = (f"แผนองค์กรคุณธรรม ปีงบประมาณ {year} อยู่ระหว่างจัดทำค่ะ จึงยังไม่มีกิจกรรมของปีนี้\n"
            f"หากมีรหัสเช็คอินจากผู้จัด พิมพ์ \"{words.CHECK_IN} รหัส\" ได้เลยค่ะ")
    if ctx.staff is not None and ctx.staff.role == Role.COORDINATOR.value:  # who can start it
        draft = plans.of_year(ctx.db, year, plans.DRAFT)
        text += ("\nร่างแผนเตรียมไว้แล้ว เริ่มใช้ได้ที่เว็บ: แผน → \"เริ่มใช้แผนนี้\"" if draft is not None
                 else f"\nเริ่มแผนได้ที่เว็บ: แผน → \"เริ่มแผนปีงบประมาณ {year}\"")
    return text


@coordinator_only
def ask_note(ctx: Context, id: str) -> Reply:
    activity_id = ui.row_id(id)
    activity = ctx.db.get(Activity, activity_id) if activity_id else None
    if activity is None:
        return [ui.text(texts.NO_ACTIVITY, ui.quick(words.ACTIVITIES))]
    if activity.done_at:
        return [ui.text(f"{texts.quoted(activity.title, None)} บันทึกว่าดำเนินการแล้วเมื่อ "
                        f"{thai.thai_date(activity.done_at.astimezone(ctx.settings.tz))} ค่ะ")]
    ctx.begin(FLOW, "note", DoneDraft(activity=activity.id))
    return _note_question(activity)


def _note_question(activity: Activity) -> Reply:
    return [ui.text(f"บันทึกผล {texts.quoted(activity.title, None)}\nขั้นที่ 1/2: สรุปสั้น ๆ ว่าทำอะไร มีผู้ร่วมกี่คนคะ?",
                    ui.quick(words.CANCEL))]


def ask_note_again(ctx: Context) -> Reply:
    """The first step's question again (after ช่วยเหลือ, or on ทำต่อ)."""
    activity = ctx.db.get(Activity, ctx.draft(DoneDraft).activity)
    if activity is None:
        ctx.end()
        return [ui.text(texts.NO_ACTIVITY, ui.quick(words.ACTIVITIES))]
    return _note_question(activity)


def ask_evidence(ctx: Context) -> Reply:
    return [ui.text("ขั้นที่ 2/2: ลิงก์หลักฐาน (ภาพถ่าย รายงาน หรือโพสต์) ขึ้นต้นด้วย https:// "
                    f"หรือแตะ \"{words.SKIP}\" หากยังไม่มี", ui.quick(words.SKIP, words.CANCEL))]


def note(ctx: Context, text: str) -> Reply:
    if len(text.strip()) < 3:
        return [ui.text("กรุณาพิมพ์สรุปสั้น ๆ อย่างน้อย 3 ตัวอักษรค่ะ", ui.quick(words.CANCEL))]
    ctx.begin(FLOW, "evidence", replace(ctx.draft(DoneDraft), note=text.strip()[:1000]))
    return ask_evidence(ctx)


def evidence(ctx: Context, text: str) -> Reply:
    draft = ctx.draft(DoneDraft)
    link = "" if text.strip().casefold() in words.SKIP.spellings else text.strip()
    activity = ctx.db.get(Activity, draft.activity)
    if activity is None:
        ctx.end()
        return [ui.text(texts.NO_ACTIVITY)]
    try:
        activities.mark_done(activity, ctx.now, draft.note, link)
    except ActivityError:
        return [ui.text(f"ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https:// ค่ะ หรือแตะ \"{words.SKIP}\"",
                        ui.quick(words.SKIP, words.CANCEL))]
    ctx.end()
    return [ui.text(f"บันทึกว่า {texts.quoted(activity.title, None)} ดำเนินการแล้ว "
                    f"เมื่อ {thai.thai_date(ctx.now)} ค่ะ",
                    ui.quick(words.SUMMARY, words.ACTIVITIES))]
