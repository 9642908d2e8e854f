"""แผน — the draft plan's activities in brief, and a comment or suggestion on it (indicator 2.1)."""
from __future__ import annotations

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router
from handlers import texts
from models import activity as activities
from models import plan as plans
from models import proposal as proposals
from models.staff import Role

FLOW = "plan_comment"
COMMENT = "plan.comment"
SHOW = 10


def register(router: Router) -> None:
    router.flow(FLOW, "การให้ความเห็นต่อแผน", steps=("text",))
    router.text(words.PLAN, show)
    router.postback(COMMENT, ask)
    router.step(FLOW, "text", comment, prompt=ask_again)


def preparing(ctx: Context) -> str:
    """This fiscal year has no plan in use: said to staff (last year's is never shown as this year's);
    a coordinator also hears how to start it."""
    year = plans.fiscal_year_of(ctx.now.date())
    text = f"แผนองค์กรคุณธรรม ปีงบประมาณ {year} อยู่ระหว่างจัดทำค่ะ"
    if ctx.staff is not None and ctx.staff.role == Role.COORDINATOR.value:  # who can start it
        draft = plans.of_year(ctx.db, year, plans.DRAFT)
        text += ("\nร่างแผนเตรียมไว้แล้ว เริ่มใช้ได้ที่เว็บ: แผน → \"เริ่มใช้แผนนี้\"" if draft is not None
                 else f"\nเริ่มแผนได้ที่เว็บ: แผน → \"เริ่มแผนปีงบประมาณ {year}\"")
        text += f" (พิมพ์ \"{words.WEB}\" เพื่อเปิดเว็บ)"
    return text


def show(ctx: Context, args: str = "") -> Reply:
    plan = plans.current(ctx.db, ctx.now)
    if plan is None:  # staff may still suggest what the new plan should hold (2.1 once it is in use)
        return [ui.text(preparing(ctx) + "\nมีข้อเสนอแนะสำหรับแผนใหม่ แตะ \"เสนอแนะต่อแผน\" ได้เลยค่ะ",
                        ui.chips(ui.pick_chip("เสนอแนะต่อแผน", "ขอให้ความเห็นต่อแผน", COMMENT), words.STATUS))]
    items = activities.of_plan(ctx.db, plan.id)
    body: list[ui.Flex] = [ui.label("กิจกรรมตามแผน", weight="bold", size="sm", color=ui.INK)]
    for a in items[:SHOW]:
        when = (thai.thai_date(a.starts_at.astimezone(ctx.settings.tz)) if a.starts_at
                else f"ภายใน {thai.thai_date(a.due)}" if a.due else "ยังไม่กำหนดวัน")
        body.append({"type": "box", "layout": "vertical", "margin": "md", "contents": [
            ui.label(f"• {a.title}", size="sm", color=ui.INK),
            ui.label(when + (" · ทำแล้ว" if a.done_at else ""), size="xs", color=ui.GREY),
        ]})
    if len(items) > SHOW:
        body.append(ui.label(f"และอีก {len(items) - SHOW} กิจกรรม", size="xs", color=ui.GREY, margin="md"))
    if not items:
        body.append(ui.label("ยังไม่มีกิจกรรม", size="sm", color=ui.GREY))
    footer = [ui.button(ui.postback("ส่งความเห็นต่อแผน", COMMENT, display_text="ขอให้ความเห็นต่อแผน"))]
    card = ui.bubble(f"แผนองค์กรคุณธรรม ปี {plan.fiscal_year}", body, footer=footer, subtitle=plan.office)
    return [ui.flex(f"แผนองค์กรคุณธรรม ปี {plan.fiscal_year}: {len(items)} กิจกรรม", card)]


EXAMPLE = "\"ควรเพิ่มกิจกรรมจิตอาสาในชุมชน\" หรือ \"อยากให้จัดอบรมช่วงเช้าแทนช่วงบ่าย\""


def ask(ctx: Context) -> Reply:
    ctx.begin(FLOW, "text")
    return ask_again(ctx)


def ask_again(ctx: Context) -> Reply:
    return [ui.text(f"พิมพ์ความเห็นหรือข้อเสนอแนะต่อแผนได้เลยค่ะ {texts.TYPE_CANCEL_TO_LEAVE}", ui.quick(words.CANCEL))]


def comment(ctx: Context, text: str) -> Reply:
    issue = texts.answer_problem(text, proposals.text_problem(text))
    if issue:
        example = f"\nเช่น {EXAMPLE}" if isinstance(issue, proposals.Vague) else ""
        return [ui.text(f"{texts.length_problem(issue)}{example}\nพิมพ์ความเห็นต่อแผนอีกครั้งได้เลยค่ะ",
                        ui.quick(words.CANCEL))]
    assert ctx.staff is not None
    plan = plans.current(ctx.db, ctx.now)
    proposals.add_comment(ctx.db, ctx.staff, plan.id if plan else None, text, ctx.now)
    ctx.end()
    return [ui.text("ขอบคุณสำหรับความเห็นค่ะ ผู้ประสานงานจะนำไปใช้ปรับปรุงแผน", ui.quick(words.PLAN, words.STATUS))]
