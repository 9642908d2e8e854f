"""ความดี — propose "a problem we want to solve" and "a good we want to do", tagged with one of the
5 target virtues (indicator 1.1). A three-step conversation; ยกเลิก leaves at any step. An answer that
says nothing (keyboard mash, digits or emoji alone, a greeting) is asked again with an example.
Withdrawing one's proposal asks first (flow "proposal_withdraw": ยืนยัน / ยกเลิก)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot import messages as ui
from bot import thai, words
from bot.router import Context, Reply, Router
from handlers import texts
from models import measures
from models import plan as plans
from models import proposal as proposals
from models.base import LengthProblem
from models.proposal import Vague

FLOW = "proposal"
STEPS = ("problem", "good", "virtue")
WITHDRAW = "proposal.withdraw"        # a=proposal.withdraw&id=<proposal id>: asks first
WITHDRAW_OK = "proposal.withdraw_ok"  # a=proposal.withdraw_ok&id=<proposal id>: confirmed
WITHDRAW_NO = "proposal.withdraw_no"  # a=proposal.withdraw_no&id=<proposal id>: kept
WITHDRAW_FLOW = "proposal_withdraw"
SHOW_MINE = 10
EXAMPLES = {  # what a person might write at each step, shown when an answer says nothing
    "problem": "\"ประชุมเริ่มช้ากว่าเวลานัด\" หรือ \"ใช้กระดาษสิ้นเปลือง\"",
    "good": "\"มาก่อนเวลาประชุม 5 นาที\" หรือ \"พิมพ์เอกสารสองหน้า\"",
}


@dataclass(frozen=True)
class ProposalDraft:
    problem: str = ""
    good: str = ""


@dataclass(frozen=True)
class WithdrawDraft:
    proposal: int = 0  # the proposal's id


def register(router: Router) -> None:
    router.flow(FLOW, "การเสนอความดี", steps=STEPS, draft=ProposalDraft)
    router.flow(WITHDRAW_FLOW, "การถอนข้อเสนอ", steps=("confirm",), draft=WithdrawDraft)
    router.text(words.PROPOSE, start)
    router.sub(words.PROPOSE, (*words.MINE.spellings, *words.SEE.spellings), mine)
    router.step(FLOW, "problem", problem, prompt=ask_problem)
    router.step(FLOW, "good", good, prompt=ask_good)
    router.step(FLOW, "virtue", virtue, prompt=ask_virtue)
    router.step(WITHDRAW_FLOW, "confirm", typed_withdraw, prompt=ask_withdraw)
    router.postback(WITHDRAW, withdraw)
    router.postback(WITHDRAW_OK, withdraw_confirmed)
    router.postback(WITHDRAW_NO, withdraw_cancelled)


def start(ctx: Context, args: str = "") -> Reply:
    ctx.begin(FLOW, "problem", ProposalDraft())
    return [ui.text(
        "ร่วมกำหนดคุณธรรมเป้าหมายของสำนักงาน (3 ขั้น)\n\n"
        "ขั้นที่ 1/3: \"ปัญหาที่อยากแก้\" ในสำนักงานของเราคืออะไรคะ?\n"
        f"เช่น ไม่ตรงต่อเวลา ใช้ทรัพยากรสิ้นเปลือง\n\n{texts.TYPE_CANCEL_TO_LEAVE}",
        ui.quick(words.CANCEL),
    )]


def _said_nothing(step: str, issue: LengthProblem | Vague) -> str:
    """Why the answer was not taken, and, when it says nothing, an example of what to write."""
    said = texts.length_problem(issue)
    if isinstance(issue, Vague):
        said += f"\nเช่น {EXAMPLES[step]}"
    return said


def ask_problem(ctx: Context, prefix: str = "") -> Reply:
    return [ui.text(prefix + "ขั้นที่ 1/3: ปัญหาที่อยากแก้ในสำนักงานของเราคืออะไรคะ?\n"
                    "เช่น ไม่ตรงต่อเวลา ใช้ทรัพยากรสิ้นเปลือง", ui.quick(words.CANCEL))]


def ask_good(ctx: Context, prefix: str = "") -> Reply:
    return [ui.text(prefix + "ขั้นที่ 2/3: \"ความดีที่อยากทำ\" เพื่อแก้ปัญหานี้คืออะไรคะ?\n"
                    "เช่น มาทำงานก่อนเวลา ปิดไฟเมื่อไม่ใช้งาน", ui.quick(words.CANCEL))]


def ask_virtue(ctx: Context, prefix: str = "") -> Reply:
    return [ui.text(prefix + "ขั้นที่ 3/3: ข้อนี้ตรงกับคุณธรรมเป้าหมายข้อใดมากที่สุดคะ? แตะเลือกด้านล่าง",
                    ui.quick(*proposals.VIRTUES, words.CANCEL))]


def problem(ctx: Context, text: str) -> Reply:
    issue = texts.answer_problem(text, proposals.text_problem(text))
    if issue:
        return ask_problem(ctx, prefix=_said_nothing("problem", issue) + "\n\n")
    ctx.begin(FLOW, "good", ProposalDraft(problem=text))
    return ask_good(ctx)


def good(ctx: Context, text: str) -> Reply:
    issue = texts.answer_problem(text, proposals.text_problem(text))
    if issue:
        return ask_good(ctx, prefix=_said_nothing("good", issue) + "\n\n")
    ctx.begin(FLOW, "virtue", replace(ctx.draft(ProposalDraft), good=text))
    return ask_virtue(ctx)


def virtue(ctx: Context, text: str) -> Reply:
    chosen = proposals.virtue_of(text)
    if chosen is None:
        return ask_virtue(ctx, prefix="กรุณาเลือกคุณธรรมข้อใดข้อหนึ่งจากปุ่มด้านล่างค่ะ\n")
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


# -- withdrawing, once confirmed ---------------------------------------------------------------------
def _gone() -> Reply:
    return [ui.text("ข้อเสนอนี้ถูกถอนไปแล้ว หรือไม่ใช่ของท่านค่ะ", ui.quick(words.PROPOSE_MINE))]


def _own(ctx: Context, proposal_id: int) -> proposals.Proposal | None:
    assert ctx.staff is not None
    found = ctx.db.get(proposals.Proposal, proposal_id) if proposal_id else None
    if found is None or found.staff_id != ctx.staff.id or found.withdrawn_at is not None:
        return None
    return found


def withdraw(ctx: Context, id: str) -> Reply:
    """The card's ถอน button: ask first (nothing is withdrawn yet)."""
    found = _own(ctx, ui.row_id(id))
    if found is None:
        return _gone()
    ctx.begin(WITHDRAW_FLOW, "confirm", WithdrawDraft(proposal=found.id))
    return ask_withdraw(ctx)


def ask_withdraw(ctx: Context) -> Reply:
    draft = ctx.draft(WithdrawDraft)
    found = _own(ctx, draft.proposal)
    if found is None:
        ctx.end()
        return _gone()
    return [ui.text(
        f"ถอนข้อเสนอนี้ใช่ไหมคะ?\nปัญหาที่อยากแก้: {found.problem}\nความดีที่อยากทำ: {found.good}\n"
        "ถอนแล้วข้อเสนอนี้จะไม่นับในผลการมีส่วนร่วม (เสนอใหม่ได้เสมอ)",
        ui.chips(ui.pick_chip(words.CONFIRM, "ยืนยันการถอนข้อเสนอ", WITHDRAW_OK, id=found.id),
                 ui.pick_chip(words.CANCEL, "ไม่ถอนข้อเสนอ", WITHDRAW_NO, id=found.id)))]


def _asked(ctx: Context, proposal_id: int) -> bool:
    """The confirmation on offer is for this proposal (a chip from an older question does nothing)."""
    c = ctx.conversation
    return (c is not None and c.flow == WITHDRAW_FLOW and proposal_id != 0
            and ctx.draft(WithdrawDraft).proposal == proposal_id)


def withdraw_confirmed(ctx: Context, id: str) -> Reply:
    proposal_id = ui.row_id(id)
    if not _asked(ctx, proposal_id):
        return [ui.text(f"ปุ่มนี้ใช้ไม่ได้แล้วค่ะ ยังไม่ได้ถอนข้อเสนอ ดูข้อเสนอของท่านได้ที่ \"{words.PROPOSE_MINE}\"",
                        ui.quick(words.PROPOSE_MINE))]
    return _withdraw(ctx, proposal_id)


def typed_withdraw(ctx: Context, text: str) -> Reply:
    if text.strip().casefold() in words.CONFIRM.spellings:
        return _withdraw(ctx, ctx.draft(WithdrawDraft).proposal)
    return ask_withdraw(ctx)


def _withdraw(ctx: Context, proposal_id: int) -> Reply:
    assert ctx.staff is not None
    ctx.end()
    done = proposals.withdraw(ctx.db, ctx.staff, proposal_id, ctx.now)
    if done is None:
        return _gone()
    return [ui.text(f"ถอนข้อเสนอ {texts.quoted(done.good)} แล้วค่ะ", ui.quick(words.PROPOSE_MINE, words.PROPOSE))]


def withdraw_cancelled(ctx: Context, id: str) -> Reply:
    if _asked(ctx, ui.row_id(id)):
        ctx.end()
    return [ui.text("ไม่ได้ถอนค่ะ ข้อเสนอของท่านยังอยู่เหมือนเดิม", ui.quick(words.PROPOSE_MINE, words.PROPOSE))]
