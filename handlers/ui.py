"""Message builders shared by the handlers: text, quick replies, Flex parts, Thai dates.

Flex containers are written as plain dicts (they read like LINE's Flex Message Simulator output)
and turned into line-bot-sdk v3 models once, here, so a malformed card fails in our tests and not
at LINE.
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Iterable, Sequence
from urllib.parse import urlencode

from linebot.v3.messaging import (
    FlexContainer,
    FlexMessage,
    LocationAction,
    Message,
    MessageAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

THAI_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MAX_TEXT = 5000
MAX_QUICK_REPLY = 13
MAX_POSTBACK_DATA = 300

GREEN = "#06C755"
AMBER = "#F5A623"
RED = "#E5483A"
GREY = "#8C8C8C"
TRACK = "#E6E6E6"
INK = "#111111"


# -- dates ----------------------------------------------------------------------------------------
def thai_date(value: date | datetime, thai_digits: bool = False) -> str:
    """`27 ก.พ. 2569` (Buddhist Era). Datetimes must already be in the office's time zone."""
    text = f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + 543}"
    return text.translate(THAI_DIGITS) if thai_digits else text


def thai_datetime(value: datetime) -> str:
    return f"{thai_date(value)} เวลา {value:%H:%M} น."


def percent(value: float) -> str:
    """72.5 → '72.5', 100.0 → '100'."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


# -- text and quick replies ----------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def quick(*labels: str) -> QuickReply:
    """Quick-reply chips that type their own label. Every set of labels is fixed in the code, so each
    is built once and shared (the SDK only reads it): for two chips, five models fewer to validate
    per reply."""
    return QuickReply(items=[
        QuickReplyItem(action=MessageAction(label=label[:20], text=label)) for label in labels[:MAX_QUICK_REPLY]
    ])


@functools.lru_cache(maxsize=16)
def quick_location(label: str, *labels: str) -> QuickReply:
    """A "send my location" chip first, then chips that type their label (built once, like `quick`)."""
    items = [QuickReplyItem(action=LocationAction(label=label[:20]))]
    items += [QuickReplyItem(action=MessageAction(label=x[:20], text=x)) for x in labels[: MAX_QUICK_REPLY - 1]]
    return QuickReply(items=items)


def text(body: str, quick_reply: QuickReply | None = None) -> TextMessage:
    if len(body) > MAX_TEXT:
        body = body[: MAX_TEXT - 1] + "…"
    return TextMessage(text=body, quick_reply=quick_reply)


def texts(lines: Iterable[str], header: str = "", limit: int = 5) -> list[Message]:
    """Long lists split across up to `limit` text messages, never cutting a line in half."""
    chunks: list[str] = []
    current = header
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_TEXT - 50:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    if len(chunks) > limit:
        chunks = chunks[:limit]
        chunks[-1] += "\n… (ยาวเกินกว่าจะแสดงในแชตได้ทั้งหมด)"
    return [text(c) for c in chunks]


def row_id(value: str) -> int:
    """A row id named by a postback: 0 unless it is 1 to 9 ASCII digits (forged or garbled data, or a
    number beyond the database's integer range, which would fail the query instead of finding nothing)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 0


def postback_data(action: str, **params: object) -> str:
    data = urlencode({"a": action, **{k: str(v) for k, v in params.items()}})
    if len(data) > MAX_POSTBACK_DATA:
        raise ValueError(f"postback data is {len(data)} characters; LINE allows {MAX_POSTBACK_DATA}")
    return data


def postback(label: str, action: str, display_text: str | None = None, **params: object) -> dict:
    """A Flex postback action (dict form)."""
    result = {"type": "postback", "label": label[:40], "data": postback_data(action, **params)}
    if display_text:
        result["displayText"] = display_text[:300]
    return result


def message_action(label: str, typed: str | None = None) -> dict:
    return {"type": "message", "label": label[:40], "text": typed or label}


# -- flex -----------------------------------------------------------------------------------------
def flex(alt_text: str, contents: dict, quick_reply: QuickReply | None = None) -> FlexMessage:
    return FlexMessage(alt_text=alt_text[:1500], contents=FlexContainer.from_dict(contents), quick_reply=quick_reply)


def carousel(bubbles: Sequence[dict]) -> dict:
    if len(bubbles) == 1:
        return bubbles[0]
    return {"type": "carousel", "contents": list(bubbles)[:12]}


def label(value: str, **style) -> dict:
    return {"type": "text", "text": value or " ", "wrap": True, **style}


def button(action: dict, style: str = "primary", color: str | None = GREEN) -> dict:
    result = {"type": "button", "style": style, "height": "sm", "action": action}
    if color and style == "primary":
        result["color"] = color
    return result


def bar_color(ratio: float) -> str:
    return GREEN if ratio >= 0.999 else AMBER if ratio >= 0.5 else RED


def progress_bar(done: int, total: int, height: str = "8px") -> dict:
    """A horizontal bar: a coloured box whose width is the share done, on a grey track."""
    ratio = done / total if total else 0.0
    width = max(0, min(100, round(ratio * 100)))
    fill = {"type": "box", "layout": "vertical", "contents": [], "height": height,
            "backgroundColor": bar_color(ratio), "width": f"{width}%"}
    return {"type": "box", "layout": "vertical", "height": height, "backgroundColor": TRACK,
            "cornerRadius": "4px", "contents": [fill] if width else [{"type": "filler"}]}


def progress_row(name: str, done: int, total: int, pct: float, bold: bool = False) -> dict:
    weight = "bold" if bold else "regular"
    return {
        "type": "box", "layout": "vertical", "spacing": "xs", "margin": "md",
        "contents": [
            {"type": "box", "layout": "horizontal", "contents": [
                label(name, size="sm", weight=weight, color=INK, flex=5),
                {"type": "text", "text": f"{done}/{total} ({percent(pct)}%)", "size": "xs",
                 "color": GREY, "align": "end", "flex": 3, "gravity": "center"},
            ]},
            progress_bar(done, total),
        ],
    }


def bubble(title: str, body: list[dict], footer: list[dict] | None = None, subtitle: str | None = None,
           color: str = GREEN) -> dict:
    header = [label(title, weight="bold", size="lg", color="#FFFFFF")]
    if subtitle:
        header.append(label(subtitle, size="xs", color="#FFFFFFCC"))
    result = {
        "type": "bubble",
        "size": "mega",
        "header": {"type": "box", "layout": "vertical", "backgroundColor": color, "paddingAll": "16px",
                   "contents": header},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    }
    if footer:
        result["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer}
    return result


STATE_MARKS = {  # models.plan.State value → (Thai, colour)
    "done": ("ครบแล้ว", GREEN),
    "on_track": ("ตามแผน", GREEN),
    "behind": ("ล่าช้า", AMBER),
    "overdue": ("เลยกำหนด", RED),
}


def days_text(due: date, today: date) -> str:
    days = (due - today).days
    if days > 0:
        return f"เหลือ {days} วัน"
    return "ครบกำหนดวันนี้" if days == 0 else f"เลยมา {-days} วัน"


def separator() -> dict:
    return {"type": "separator", "margin": "md"}
