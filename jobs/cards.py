"""The messages the jobs push: the weekly digest, a deadline reminder, a nudge. Plain Flex dicts
built with handlers.ui, returned as line-bot-sdk models (so a malformed card fails in our tests)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from linebot.v3.messaging import FlexMessage

from handlers import ui
from models.plan import Measured, MilestoneState

SUMMARY_WORD = "สรุป"
LIST_WORD = "สรุป รายชื่อ"
PLEDGE_WORD = "ปฏิญญา"
PROPOSAL_WORD = "ความดี"
STATUS_WORD = "สถานะ"
TITLE_CHARS = 40
MAX_REMINDER_ITEMS = 8


def short(text: str, limit: int = TITLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def value_text(measured: Measured, kind: str, target: float) -> str:
    if kind == "percent":
        return f"{ui.percent(measured.value)}%"
    if kind == "count":
        return f"{int(measured.value)}/{int(target)}"
    return "มีแล้ว" if measured.value >= target else "ยังไม่มี"


def change_text(delta: float | None, kind: str) -> str:
    if delta is None:
        return ""
    if abs(delta) < 0.05:
        return "เท่าเดิม"
    unit = "%" if kind == "percent" else ""
    return f"{'▲' if delta > 0 else '▼'} {ui.percent(abs(delta))}{unit}"


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


def _indicator_row(row: DigestRow, today: date) -> dict:
    mark, colour = ui.STATE_MARKS.get(row.state, (row.state, ui.GREY))
    right = value_text(row.measured, row.kind, row.target)
    change = change_text(row.delta, row.kind)
    if change:
        right += f" ({change})"
    if row.next is not None:
        due = row.next.due
        when = f"{mark} · {ui.thai_date(due)} · {ui.days_text(due, today)}"
    else:
        when = mark
    ratio_done = min(row.measured.value, row.target) if row.target else 0.0
    return {
        "type": "box", "layout": "vertical", "spacing": "xs", "margin": "md",
        "contents": [
            {"type": "box", "layout": "horizontal", "contents": [
                ui.label(f"{row.code} {short(row.title)}", size="xs", color=ui.INK, flex=5),
                {"type": "text", "text": right, "size": "xs", "color": ui.GREY, "align": "end", "flex": 3,
                 "gravity": "center", "wrap": True},
            ]},
            ui.progress_bar(ratio_done, row.target or 1, height="6px"),
            ui.label(when, size="xxs", color=colour),
        ],
    }


def digest_message(digest: Digest) -> FlexMessage:
    today = digest.today
    body: list[dict] = [ui.label("สิ่งที่ควรทำก่อน", weight="bold", size="sm", color=ui.INK)]
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
    footer = [ui.button(ui.message_action("ดูรายชื่อผู้ที่ยังไม่รับทราบ", LIST_WORD), style="secondary"),
              ui.button(ui.message_action("ดูสรุปล่าสุด", SUMMARY_WORD), style="secondary")]
    bubble = ui.bubble("สรุปประจำสัปดาห์", body, footer=footer,
                       subtitle=f"องค์กรคุณธรรม ปีงบประมาณ {digest.fiscal_year} · {ui.thai_date(today)}")
    overview = " · ".join(f"{r.code} {value_text(r.measured, r.kind, r.target)}"
                          f" {ui.STATE_MARKS.get(r.state, (r.state,))[0]}" for r in digest.rows[:6])
    return ui.flex(f"สรุปประจำสัปดาห์ {ui.thai_date(today)}: {overview or 'ยังไม่มีข้อมูล'}"[:400], bubble)


# -- deadline reminders -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReminderLine:
    title: str
    due: date
    detail: str
    late: bool


def reminder_message(lines: Sequence[ReminderLine], today: date, coordinator: bool) -> FlexMessage:
    shown = list(lines)[:MAX_REMINDER_ITEMS]
    body: list[dict] = []
    for item in shown:
        colour = ui.RED if item.late or item.due <= today else ui.AMBER
        body.append({"type": "box", "layout": "vertical", "margin": "md", "spacing": "xs", "contents": [
            ui.label(item.title, size="sm", weight="bold", color=ui.INK),
            ui.label(f"กำหนด {ui.thai_date(item.due)} · {ui.days_text(item.due, today)}", size="xs", color=colour),
            *([ui.label(item.detail, size="xs", color=ui.GREY)] if item.detail else []),
        ]})
    if len(lines) > len(shown):
        body.append(ui.label(f"และอีก {len(lines) - len(shown)} รายการ", size="xs", color=ui.GREY, margin="md"))
    late = any(item.late for item in lines)
    word = SUMMARY_WORD if coordinator else STATUS_WORD
    footer = [ui.button(ui.message_action("ดูสรุป" if coordinator else "ดูสถานะของฉัน", word), style="secondary")]
    bubble = ui.bubble("เลยกำหนดแล้ว ยังไม่ครบ" if late and len(lines) == 1 else "เตือนกำหนดการ", body,
                       footer=footer, subtitle=ui.thai_date(today), color=ui.RED if late else ui.AMBER)
    alt = "เตือนกำหนด: " + "; ".join(f"{i.title} {ui.days_text(i.due, today)}" for i in shown)
    return ui.flex(alt[:400], bubble)


# -- nudges -------------------------------------------------------------------------------------------
NUDGE_TEXT = {
    "pledge": ("รับทราบปฏิญญาขององค์กร",
               "ปฏิญญาองค์กรคุณธรรมของเรายังรอคุณอ่านและกดรับทราบอยู่ ใช้เวลาไม่ถึงนาทีค่ะ",
               "อ่านปฏิญญา", PLEDGE_WORD),
    "proposal": ("ร่วมเสนอความดีที่อยากทำ",
                 "ชวนเสนอ \"ปัญหาที่อยากแก้\" และ \"ความดีที่อยากทำ\" ของสำนักงาน คนละหนึ่งเรื่อง",
                 "เสนอความดี", PROPOSAL_WORD),
}


def nudge_message(topics: Sequence[str]) -> FlexMessage:
    body: list[dict] = [ui.label("สวัสดีค่ะ 🙏 ขอชวนร่วมเป็นส่วนหนึ่งขององค์กรคุณธรรม", size="sm", color=ui.INK)]
    footer: list[dict] = []
    for topic in topics:
        heading, text, button, word = NUDGE_TEXT[topic]
        body += [ui.label(f"• {heading}", size="sm", weight="bold", color=ui.INK, margin="md"),
                 ui.label(text, size="xs", color=ui.GREY)]
        footer.append(ui.button(ui.message_action(button, word)))
    alt = "ชวนร่วมองค์กรคุณธรรม: " + " และ ".join(NUDGE_TEXT[t][0] for t in topics)
    return ui.flex(alt, ui.bubble("ชวนร่วมองค์กรคุณธรรม", body, footer=footer))
