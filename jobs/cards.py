"""The messages the jobs push: the weekly digest, a deadline reminder, a nudge. Plain Flex dicts
built with bot.messages, returned as line-bot-sdk models (so a malformed card fails in our tests)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from linebot.v3.messaging import FlexMessage

from bot import messages as ui
from bot import thai, words
from models.plan import Measured, MilestoneState

TITLE_CHARS = 40
MAX_REMINDER_ITEMS = 8


def value_text(measured: Measured, kind: str, target: float) -> str:
    if kind == "percent":
        return f"{thai.percent(measured.value)}%"
    if kind == "count":
        return f"{int(measured.value)}/{int(target)}"
    return "มีแล้ว" if measured.value >= target else "ยังไม่มี"


def change_text(delta: float | None, kind: str) -> str:
    if delta is None:
        return ""
    if abs(delta) < 0.05:
        return "เท่าเดิม"
    unit = "%" if kind == "percent" else ""
    return f"{'▲' if delta > 0 else '▼'} {thai.percent(abs(delta))}{unit}"


# -- weekly digest ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DigestRow:
    code: str
    title: str
    kind: str            # percent / count / evidence
    target: float
    measured: Measured
    state: str           # models.plan.State value
    next: MilestoneState | None
    delta: float | None  # change since the previous snapshot; None: no previous week


@dataclass
class Digest:
    today: date
    fiscal_year: int
    rows: list[DigestRow]
    without_data: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (text, colour)


def _indicator_row(row: DigestRow, today: date) -> ui.Flex:
    mark, colour = ui.state_mark(row.state)
    right = value_text(row.measured, row.kind, row.target)
    change = change_text(row.delta, row.kind)
    if change:
        right += f" ({change})"
    if row.next is not None:
        due = row.next.due
        when = f"{mark} · {thai.thai_date(due)} · {thai.days_text(due, today)}"
    else:
        when = mark
    ratio_done = min(row.measured.value, row.target) if row.target else 0.0
    return {
        "type": "box", "layout": "vertical", "spacing": "xs", "margin": "md",
        "contents": [
            {"type": "box", "layout": "horizontal", "contents": [
                ui.label(f"{row.code} {thai.shorten(row.title, TITLE_CHARS)}", size="xs", color=ui.INK, flex=1),
                ui.figure(right, size="xs"),
            ]},
            ui.progress_bar(ratio_done, row.target or 1, height="6px", color=colour),
            ui.label(when, size="xxs", color=colour),
        ],
    }


def digest_message(digest: Digest) -> FlexMessage:
    today = digest.today
    body: list[ui.Flex] = [ui.label("สิ่งที่ควรทำก่อน", weight="bold", size="sm", color=ui.INK)]
    if digest.actions:
        body += [ui.label(f"{i}. {text}", size="xs", color=ui.INK, margin="sm")
                 for i, text in enumerate(digest.actions, start=1)]
    else:
        body.append(ui.label("ทุกตัวชี้วัดที่มีข้อมูลครบตามเป้าหมายแล้ว 🎉", size="xs", color=ui.GREEN))
    body += [ui.label(text, size="xs", color=colour, margin="sm") for text, colour in digest.notices]
    body += [ui.separator(),
             ui.label("ตัวชี้วัด (เร่งด่วนก่อน)", weight="bold", size="sm", color=ui.INK, margin="md")]
    body += [_indicator_row(row, today) for row in digest.rows]
    if not digest.rows:
        body.append(ui.label("ยังไม่มีข้อมูลของตัวชี้วัดใด", size="xs", color=ui.GREY))
    if digest.without_data:
        body.append(ui.label(f"ยังไม่มีข้อมูล: ตัวชี้วัด {', '.join(digest.without_data)}", size="xxs",
                             color=ui.GREY, margin="md"))
    footer = [ui.button(ui.message_action("ดูรายชื่อผู้ที่ยังไม่รับทราบ", words.SUMMARY_NAMES), style="secondary"),
              ui.button(ui.message_action("ดูสรุปล่าสุด", words.SUMMARY), style="secondary")]
    bubble = ui.bubble("สรุปประจำสัปดาห์", body, footer=footer,
                       subtitle=f"องค์กรคุณธรรม ปีงบประมาณ {digest.fiscal_year} · {thai.thai_date(today)}")
    overview = " · ".join(f"{r.code} {value_text(r.measured, r.kind, r.target)}"
                          f" {ui.state_mark(r.state)[0]}" for r in digest.rows[:6])
    return ui.flex(f"สรุปประจำสัปดาห์ {thai.thai_date(today)}: {overview or 'ยังไม่มีข้อมูล'}"[:400], bubble)


def no_plan_message(fiscal_year: int, draft: bool, today: date) -> FlexMessage:
    """The digest of a week whose fiscal year has no plan in use: which year, and how to start it."""
    if draft:
        title = f"แผนปี {fiscal_year} ยังไม่เริ่มใช้"
        lines = [f"ร่างแผนปีงบประมาณ {fiscal_year} เตรียมไว้แล้ว แต่ยังไม่เริ่มใช้ "
                 "บุคลากรจึงยังไม่เห็นแผนและกิจกรรมของปีนี้ และยังไม่มีตัวชี้วัดให้สรุป",
                 f"ตรวจแก้แล้วเริ่มใช้ได้ที่เว็บ: แผน → ปี {fiscal_year} → \"เริ่มใช้แผนนี้\"",
                 f"หรือคำสั่งบนเซิร์ฟเวอร์ flask --app bot plan activate {fiscal_year}"]
    else:
        title = f"ยังไม่มีแผนปี {fiscal_year}"
        lines = [f"ปีงบประมาณ {fiscal_year} (1 ต.ค. {fiscal_year - 1} – 30 ก.ย. {fiscal_year}) ยังไม่มีแผน "
                 "บุคลากรจึงยังไม่เห็นแผนและกิจกรรมของปีนี้ และยังไม่มีตัวชี้วัดให้สรุป",
                 f"เริ่มได้ที่เว็บ: แผน → \"เริ่มแผนปีงบประมาณ {fiscal_year}\" (ตัวชี้วัดและกิจกรรมเดิม "
                 "เลื่อนวันไป 1 ปี แก้ไขได้ก่อนเริ่มใช้)",
                 "หรือคำสั่งบนเซิร์ฟเวอร์ flask --app bot plan next-year"]
    body = [ui.label(lines[0], size="sm", color=ui.INK)]
    body += [ui.label(line, size="xs", color=ui.GREY, margin="md") for line in lines[1:]]
    footer = [ui.button(ui.message_action("เปิดเว็บ", words.WEB)),
              ui.button(ui.message_action("ดูสรุปล่าสุด", words.SUMMARY), style="secondary")]
    bubble = ui.bubble(f"สรุปประจำสัปดาห์: {title}", body, footer=footer,
                       subtitle=f"องค์กรคุณธรรม · {thai.thai_date(today)}", color=ui.AMBER)
    return ui.flex(f"สรุปประจำสัปดาห์ {thai.thai_date(today)}: {title}", bubble)


# -- deadline reminders -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReminderLine:
    title: str
    due: date
    detail: str
    late: bool


def reminder_message(lines: Sequence[ReminderLine], today: date, coordinator: bool) -> FlexMessage:
    shown = list(lines)[:MAX_REMINDER_ITEMS]
    body: list[ui.Flex] = []
    for item in shown:
        colour = ui.RED if item.late or item.due <= today else ui.AMBER
        body.append({"type": "box", "layout": "vertical", "margin": "md", "spacing": "xs", "contents": [
            ui.label(item.title, size="sm", weight="bold", color=ui.INK),
            ui.label(f"กำหนด {thai.thai_date(item.due)} · {thai.days_text(item.due, today)}", size="xs", color=colour),
            *([ui.label(item.detail, size="xs", color=ui.GREY)] if item.detail else []),
        ]})
    if len(lines) > len(shown):
        body.append(ui.label(f"และอีก {len(lines) - len(shown)} รายการ", size="xs", color=ui.GREY, margin="md"))
    late = any(item.late for item in lines)
    word = words.SUMMARY if coordinator else words.STATUS
    footer = [ui.button(ui.message_action("ดูสรุป" if coordinator else "ดูสถานะของฉัน", word), style="secondary")]
    bubble = ui.bubble("เลยกำหนดแล้ว ยังไม่ครบ" if late and len(lines) == 1 else "เตือนกำหนดการ", body,
                       footer=footer, subtitle=thai.thai_date(today), color=ui.RED if late else ui.AMBER)
    alt = "เตือนกำหนด: " + "; ".join(f"{i.title} {thai.days_text(i.due, today)}" for i in shown)
    return ui.flex(alt[:400], bubble)


# -- nudges -------------------------------------------------------------------------------------------
NUDGE_TEXT = {
    "pledge": ("รับทราบปฏิญญาขององค์กร",
               "ปฏิญญาองค์กรคุณธรรมของเรายังรอคุณอ่านและกดรับทราบอยู่ ใช้เวลาไม่ถึงนาทีค่ะ",
               "อ่านปฏิญญา", words.PLEDGE),
    "proposal": ("ร่วมเสนอความดีที่อยากทำ",
                 "ชวนเสนอ \"ปัญหาที่อยากแก้\" และ \"ความดีที่อยากทำ\" ของสำนักงาน คนละหนึ่งเรื่อง",
                 "เสนอความดี", words.PROPOSE),
}


def nudge_message(topics: Sequence[str]) -> FlexMessage:
    body: list[ui.Flex] = [ui.label("สวัสดีค่ะ 🙏 ขอชวนร่วมเป็นส่วนหนึ่งขององค์กรคุณธรรม", size="sm", color=ui.INK)]
    footer: list[ui.Flex] = []
    for topic in topics:
        heading, text, button, word = NUDGE_TEXT[topic]
        body += [ui.label(f"• {heading}", size="sm", weight="bold", color=ui.INK, margin="md"),
                 ui.label(text, size="xs", color=ui.GREY)]
        footer.append(ui.button(ui.message_action(button, word)))
    alt = "ชวนร่วมองค์กรคุณธรรม: " + " และ ".join(NUDGE_TEXT[t][0] for t in topics)
    return ui.flex(alt, ui.bubble("ชวนร่วมองค์กรคุณธรรม", body, footer=footer))


# -- the weekly digest's coming dates: the reminders folded into it (jobs.reminders.FOLDED) ---------------
DIGEST_DATES = 4        # dates shown
DIGEST_DATE_ITEMS = 4   # items shown under each date


def digest_deadlines(message: FlexMessage, lines: Sequence[ReminderLine], today: date, ahead: int) -> FlexMessage:
    """The digest card with the dates of the next `ahead` days, each with what is due on it: a section
    placed after the actions and notices (before the indicators), the rest as digest_message made it."""
    if not lines:
        return message
    card = message.to_dict()
    body = card["contents"]["body"]["contents"]
    days: dict[date, list[ReminderLine]] = {}
    for line in sorted(lines, key=lambda x: x.due):
        days.setdefault(line.due, []).append(line)
    section: list[ui.Flex] = [ui.separator(), ui.label(f"กำหนดการใน {ahead} วันข้างหน้า", weight="bold", size="sm",
                                                       color=ui.INK, margin="md")]
    for due, items in list(days.items())[:DIGEST_DATES]:
        colour = ui.RED if (due - today).days <= 1 else ui.AMBER
        block: list[ui.Flex] = [ui.label(f"{thai.thai_date(due)} · {thai.days_text(due, today)}", size="xs",
                                         weight="bold", color=colour)]
        for item in items[:DIGEST_DATE_ITEMS]:
            block.append(ui.label(f"• {item.title}", size="xs", color=ui.INK))
            if item.detail:
                block.append(ui.label(f"  {item.detail}", size="xxs", color=ui.GREY))
        if len(items) > DIGEST_DATE_ITEMS:
            block.append(ui.label(f"และอีก {len(items) - DIGEST_DATE_ITEMS} รายการในวันเดียวกัน", size="xxs",
                                  color=ui.GREY))
        section.append({"type": "box", "layout": "vertical", "spacing": "xs", "margin": "md", "contents": block})
    if len(days) > DIGEST_DATES:
        rest = sum(len(items) for items in list(days.values())[DIGEST_DATES:])
        section.append(ui.label(f"และอีก {rest} รายการในวันถัดไป", size="xxs", color=ui.GREY, margin="sm"))
    first_separator = next((i for i, block in enumerate(body) if block.get("type") == "separator"), len(body))
    body[first_separator:first_separator] = section
    soonest = next(iter(days))
    card["altText"] = (f"{card['altText']} · กำหนดใกล้ถึง {len(lines)} รายการ"
                       f" เร็วที่สุด {thai.thai_date(soonest)}")[:400]
    return FlexMessage.from_dict(card)


def digest_switch_note(message: FlexMessage) -> FlexMessage:
    """The digest card with a last line saying how to stop it (handlers/digest.py)."""
    card = message.to_dict()
    card["contents"]["body"]["contents"].append(ui.label(
        f"ไม่ต้องการรับสรุปนี้ทาง LINE พิมพ์ \"{words.DIGEST_OFF}\"", size="xxs", color=ui.GREY, margin="lg"))
    return FlexMessage.from_dict(card)


def digest_own(message: FlexMessage, topics: Sequence[str]) -> FlexMessage:
    """The digest card for a recipient who has something to do themselves (NUDGE_TEXT's topics: the
    digest says it instead of a nudge), first in the body."""
    if not topics:
        return message
    card = message.to_dict()
    lines: list[ui.Flex] = [ui.label("ส่วนของคุณเอง", weight="bold", size="sm", color=ui.INK)]
    lines += [ui.label(f"• {NUDGE_TEXT[t][0]} พิมพ์ \"{NUDGE_TEXT[t][3]}\"", size="xs", color=ui.INK) for t in topics]
    card["contents"]["body"]["contents"][0:0] = [
        {"type": "box", "layout": "vertical", "spacing": "xs", "contents": lines}, ui.separator()]
    return FlexMessage.from_dict(card)
