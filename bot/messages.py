"""LINE message builders for handlers and jobs: text, quick replies, postback data, Flex parts.

Flex containers are written as plain dicts (they read like LINE's Flex Message Simulator output)
and turned into line-bot-sdk v3 models once, here, so a malformed card fails in our tests and not
at LINE. The words on them are the callers'; dates and numbers are written by bot.thai.
Handlers and jobs import it as `ui` (`from bot import messages as ui`).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from linebot.v3.messaging import (
    FlexContainer,
    FlexMessage,
    LocationAction,
    Message,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot import thai

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_ALT_TEXT = 1500
MAX_QUICK_REPLY = 13
MAX_CHIP_LABEL = 20
MAX_BUTTON_LABEL = 40
MAX_LINK_LABEL = 20  # a link button's label: Thai, on one line of a phone
MAX_URI = 10_000  # a URI action's uri (LINE's limit, as line-bot-sdk 3.27's URIAction checks it)
MAX_DISPLAY_TEXT = 300
MAX_POSTBACK_DATA = 300
MAX_BUBBLES = 12

GREEN = "#06C755"
AMBER = "#F5A623"
RED = "#E5483A"
GREY = "#8C8C8C"
TRACK = "#E6E6E6"
INK = "#111111"
WHITE = "#FFFFFF"

Flex = dict[str, Any]  # a Flex component, container or action, as LINE's JSON


# -- text and quick replies ----------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def quick(*labels: str) -> QuickReply:
    """Quick-reply chips that type their own label. Every set of labels is fixed in the code, so each
    is built once and shared (the SDK only reads it): for two chips, five models fewer to validate
    per reply."""
    return QuickReply(items=[_typing_chip(label) for label in labels[:MAX_QUICK_REPLY]])


@functools.lru_cache(maxsize=16)
def quick_location(label: str, *labels: str) -> QuickReply:
    """A "send my location" chip first, then chips that type their label (built once, like `quick`)."""
    items = [QuickReplyItem(action=LocationAction(label=label[:MAX_CHIP_LABEL]))]
    items += [_typing_chip(x) for x in labels[: MAX_QUICK_REPLY - 1]]
    return QuickReply(items=items)


def chips(*items: QuickReplyItem | str) -> QuickReply:
    """Quick-reply chips made for one reply: strings type themselves, items are used as they are."""
    return QuickReply(items=[_typing_chip(i) if isinstance(i, str) else i for i in items][:MAX_QUICK_REPLY])


def pick_chip(label: str, shown: str, action: str, **params: object) -> QuickReplyItem:
    """A chip that sends a postback, with `shown` appearing in the chat as the person's answer."""
    return QuickReplyItem(action=PostbackAction(label=label[:MAX_CHIP_LABEL], data=postback_data(action, **params),
                                                display_text=shown[:MAX_DISPLAY_TEXT]))


def _typing_chip(label: str) -> QuickReplyItem:
    return QuickReplyItem(action=MessageAction(label=label[:MAX_CHIP_LABEL], text=label))


def text(body: str, quick_reply: QuickReply | None = None) -> TextMessage:
    if len(body) > MAX_TEXT:
        body = body[: MAX_TEXT - 1] + thai.ELLIPSIS
    return TextMessage(text=body, quick_reply=quick_reply)


def texts(lines: Iterable[str], header: str = "", limit: int = MAX_MESSAGES) -> list[Message]:
    """Long lists split across up to `limit` text messages, never cutting a line in half."""
    parts: list[str] = []
    current = header
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_TEXT - 50:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    if len(parts) > limit:
        parts = parts[:limit]
        parts[-1] += "\n" + thai.CUT_NOTE
    return [text(p) for p in parts]


# -- postbacks -----------------------------------------------------------------------------------
def row_id(value: str) -> int:
    """A row id named by a postback: 0 unless it is 1 to 9 ASCII digits (forged or garbled data, or a
    number beyond the database's integer range, which would fail the query instead of finding nothing)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 0


def postback_data(action: str, **params: object) -> str:
    data = urlencode({"a": action, **{k: str(v) for k, v in params.items()}})
    if len(data) > MAX_POSTBACK_DATA:
        raise ValueError(f"postback data is {len(data)} characters; LINE allows {MAX_POSTBACK_DATA}")
    return data


def postback(label: str, action: str, display_text: str | None = None, **params: object) -> Flex:
    """A Flex postback action (dict form)."""
    result: Flex = {"type": "postback", "label": label[:MAX_BUTTON_LABEL], "data": postback_data(action, **params)}
    if display_text:
        result["displayText"] = display_text[:MAX_DISPLAY_TEXT]
    return result


def uri_action(label: str, uri: str) -> Flex:
    """A Flex action that opens a web page."""
    return {"type": "uri", "label": label[:MAX_BUTTON_LABEL], "uri": uri}


def link_button(label_: str, uri: str, style: str = "primary", color: str | None = GREEN) -> Flex:
    """A button that opens `uri`: how a message shows a link. A link with Thai in it is percent-encoded
    (nine characters a letter) and no one can use it as text on a phone; on a button it is a word."""
    if not 1 <= len(label_) <= MAX_LINK_LABEL:
        raise ValueError(f"a link button's label is 1 to {MAX_LINK_LABEL} characters: {label_!r}")
    if len(uri) > MAX_URI:
        raise ValueError(f"a link of {len(uri)} characters; a button takes at most {MAX_URI}")
    return button(uri_action(label_, uri), style, color)


def message_action(label: str, typed: str | None = None) -> Flex:
    return {"type": "message", "label": label[:MAX_BUTTON_LABEL], "text": typed or label}


# -- flex -----------------------------------------------------------------------------------------
def flex(alt_text: str, contents: Flex, quick_reply: QuickReply | None = None) -> FlexMessage:
    return FlexMessage(alt_text=alt_text[:MAX_ALT_TEXT], contents=FlexContainer.from_dict(contents),
                       quick_reply=quick_reply)


def carousel(bubbles: Sequence[Flex]) -> Flex:
    if len(bubbles) == 1:
        return bubbles[0]
    return {"type": "carousel", "contents": list(bubbles)[:MAX_BUBBLES]}


def label(value: str, **style: Any) -> Flex:
    return {"type": "text", "text": value or " ", "wrap": True, **style}


def figure(value: str, **style: Any) -> Flex:
    """A number beside a label in a horizontal box: as wide as it needs (flex 0), never wrapped or cut
    (LINE cuts a text that does not fit its share of the row with "…"); the label beside it wraps."""
    return {"type": "text", "text": value, "flex": 0, "align": "end", "gravity": "center", "color": GREY,
            "margin": "sm", **style}


def button(action: Flex, style: str = "primary", color: str | None = GREEN) -> Flex:
    result: Flex = {"type": "button", "style": style, "height": "sm", "action": action}
    if color and style == "primary":
        result["color"] = color
    return result


def bar_color(ratio: float) -> str:
    return GREEN if ratio >= 0.999 else AMBER if ratio >= 0.5 else RED


def progress_bar(done: float, total: float, height: str = "8px", color: str | None = None) -> Flex:
    """A horizontal bar: a coloured box whose width is the share done, on a grey track. `color`: the
    indicator's state colour (an indicator on track early in the year is not red); by default the
    colour of the share itself."""
    ratio = done / total if total else 0.0
    width = max(0, min(100, round(ratio * 100)))
    fill = {"type": "box", "layout": "vertical", "contents": [], "height": height,
            "backgroundColor": color or bar_color(ratio), "width": f"{width}%"}
    return {"type": "box", "layout": "vertical", "height": height, "backgroundColor": TRACK,
            "cornerRadius": "4px", "contents": [fill] if width else [{"type": "filler"}]}


def progress_row(name: str, done: int, total: int, pct: float, bold: bool = False) -> Flex:
    weight = "bold" if bold else "regular"
    return {
        "type": "box", "layout": "vertical", "spacing": "xs", "margin": "md",
        "contents": [
            {"type": "box", "layout": "horizontal", "contents": [
                label(name, size="sm", weight=weight, color=INK, flex=1),
                figure(f"{done}/{total} ({thai.percent(pct)}%)", size="xs"),
            ]},
            progress_bar(done, total),
        ],
    }


def bubble(title: str, body: list[Flex], footer: list[Flex] | None = None, subtitle: str | None = None,
           color: str = GREEN) -> Flex:
    header = [label(title, weight="bold", size="lg", color=WHITE)]
    if subtitle:
        header.append(label(subtitle, size="xs", color="#FFFFFFCC"))
    result: Flex = {
        "type": "bubble",
        "size": "mega",
        "header": {"type": "box", "layout": "vertical", "backgroundColor": color, "paddingAll": "16px",
                   "contents": header},
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body},
    }
    if footer:
        result["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer}
    return result


def separator() -> Flex:
    return {"type": "separator", "margin": "md"}


STATE_COLOURS = {"done": GREEN, "on_track": GREEN, "behind": AMBER, "overdue": RED}  # models.plan.State values


def state_mark(state: str) -> tuple[str, str]:
    """(Thai name, colour) of an indicator or milestone state (a models.plan.State value)."""
    return thai.STATE_NAMES.get(state, state), STATE_COLOURS.get(state, GREY)
