"""ความดี — propose "a problem we want to solve" and "a good we want to do", tagged with one of the
5 target virtues (indicator 1.1). A three-step conversation; ยกเลิก leaves at any step."""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router
from handlers import texts
from models import measures
from models import plan as plans
from models import proposal as proposals

FLOW = "proposal"
STEPS = ("problem", "good", "virtue")
WITHDRAW = "proposal.withdraw"  # a=proposal.withdraw&id=<proposal id>
SHOW_MINE = 10


@dataclass(frozen=True)
class ProposalDraft:
    problem: str = ""
    good: str = ""


def register(router: Router) -> None:
    router.flow(FLOW, "การเสนอความดี", steps=STEPS, draft=ProposalDraft)
    router.text(words.PROPOSE, start)
    router.sub(words.PROPOSE, (*words.MINE.spellings, *words.SEE.spellings), mine)
    router.step(FLOW, "problem", problem)
    router.step(FLOW, "good", good)
    router.step(FLOW, "virtue", virtue)
    router.postback(WITHDRAW, withdraw)


def start(ctx: Context, args: str = "") -> Reply:
    ctx.begin(FLOW, "problem", ProposalDraft())
    return [ui.text(
        "ร่วมกำหนดคุณธรรมเป้าหมายของสำนักงาน (3 ขั้น)\n\n"
        "ขั้นที่ 1/3: \"ปัญหาที่อยากแก้\" ในสำนักงานของเราคืออะไรคะ?\n"
        f"เช่น ไม่ตรงต่อเวลา ใช้ทรัพยากรสิ้นเปลือง\n\n{texts.TYPE_CANCEL_TO_LEAVE}",
        ui.quick(words.CANCEL),
    )]


def problem(ctx: Context, text: str) -> Reply:
    issue = proposals.text_problem(text)
    if issue:
        return [ui.text(f"{texts.length_problem(issue)}\nขั้นที่ 1/3: ปัญหาที่อยากแก้คืออะไรคะ?",
                        ui.quick(words.CANCEL))]
    ctx.begin(FLOW, "good", ProposalDraft(problem=text))
    return [ui.text(
        "ขั้นที่ 2/3: \"ความดีที่อยากทำ\" เพื่อแก้ปัญหานี้คืออะไรคะ?\nเช่น มาทำงานก่อนเวลา ปิดไฟเมื่อไม่ใช้งาน",
        ui.quick(words.CANCEL),
    )]


def good(ctx: Context, text: str) -> Reply:
    issue = proposals.text_problem(text)
    if issue:
        return [ui.text(f"{texts.length_problem(issue)}\nขั้นที่ 2/3: ความดีที่อยากทำคืออะไรคะ?",
                        ui.quick(words.CANCEL))]
    ctx.begin(FLOW, "virtue", replace(ctx.draft(ProposalDraft), good=text))
    return [ui.text("ขั้นที่ 3/3: ข้อนี้ตรงกับคุณธรรมเป้าหมายข้อใดมากที่สุดคะ? แตะเลือกด้านล่าง",
                    ui.quick(*proposals.VIRTUES, words.CANCEL))]


def virtue(ctx: Context, text: str) -> Reply:
    chosen = proposals.virtue_of(text)
    if chosen is None:
        return [ui.text("กรุณาเลือกคุณธรรมข้อใดข้อหนึ่งจากปุ่มด้านล่างค่ะ", ui.quick(*proposals.VIRTUES, words.CANCEL))]
    assert ctx.staff is not None
    draft = ctx.draft(ProposalDraft)
    plan = plans.current(ctx.db, ctx.now)
    proposals.add(ctx.db, ctx.staff, plan.id if plan else None, draft.problem, draft.good, chosen,
                  ctx.now, ctx.event_id)
    ctx.end()
    lines = ["ขอบคุณที่ร่วมเสนอความดีค่ะ บันทึกแล้ว",
             f"ปัญหาที่อยากแก้: {draft.problem}", f"ความดีที่อยากทำ: {draft.good}", f"คุณธรรม: {chosen}"]
    share = measures.proposals(ctx.db, plan, ctx.now) if plan is not None else None
    if share is not None:
        lines.append(f"\nขณะนี้ร่วมเสนอแล้ว {share.done} จาก {share.total} คน ({thai.percent(share.value)}%)")
    return [ui.text("\n".join(lines), ui.quick(words.PROPOSE_MINE, words.PROPOSE, words.STATUS))]


def mine(ctx: Context, args: str = "") -> Reply:
    assert ctx.staff is not None
    own = proposals.of_staff(ctx.db, ctx.staff)
    if not own:
        return [ui.text(f"ท่านยังไม่มีข้อเสนอค่ะ แตะ \"{words.PROPOSE}\" เพื่อเสนอ", ui.quick(words.PROPOSE))]
    bubbles = []
    for p in own[-SHOW_MINE:]:
        body = [
            ui.label(f"คุณธรรม: {p.virtue}", weight="bold", size="sm", color=ui.GREEN),
            ui.label(f"ปัญหาที่อยากแก้: {p.problem}", size="sm", color=ui.INK, margin="md"),
            ui.label(f"ความดีที่อยากทำ: {p.good}", size="sm", color=ui.INK, margin="sm"),
            ui.label(f"เสนอเมื่อ {thai.thai_date(p.created_at.astimezone(ctx.settings.tz))}", size="xs",
                     color=ui.GREY, margin="md"),
        ]
        footer = [ui.button(ui.postback("ถอนข้อเสนอนี้", WITHDRAW, display_text="ถอนข้อเสนอ", id=p.id),
                            style="secondary")]
        bubbles.append(ui.bubble("ข้อเสนอของฉัน", body, footer=footer))
    intro = f"ข้อเสนอของท่าน {len(own)} รายการ" + (f" (แสดง {SHOW_MINE} รายการล่าสุด)" if len(own) > SHOW_MINE else "")
    return [ui.text(intro), ui.flex(intro, ui.carousel(bubbles))]


def withdraw(ctx: Context, id: str) -> Reply:
    assert ctx.staff is not None
    proposal_id = ui.row_id(id)
    done = proposals.withdraw(ctx.db, ctx.staff, proposal_id, ctx.now) if proposal_id else None
    if done is None:
        return [ui.text("ข้อเสนอนี้ถูกถอนไปแล้ว หรือไม่ใช่ของท่านค่ะ", ui.quick(words.PROPOSE_MINE))]
    return [ui.text(f"ถอนข้อเสนอ \"{done.good}\" แล้วค่ะ", ui.quick(words.PROPOSE_MINE, words.PROPOSE))]
