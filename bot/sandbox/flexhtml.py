"""Render LINE message objects as HTML that looks like the LINE app's chat bubbles.

The sandbox chat page shows what the bot sent without a phone: every message the fake LINE
platform received (the Messaging API wire format: camelCase dicts such as
``{"type": "flex", "altText": ..., "contents": {...}}``) goes through `render_message`, and its
quick reply through `render_quick_reply`. Styling lives in ``static/flex.css`` (classes ``lb-*``).

Flex Messages follow LINE's spec (https://developers.line.biz/en/reference/messaging-api/#flex-message):
bubbles and carousels; box, text, span, button, image, video (as its preview), icon, separator,
spacer and filler. Layout maps onto CSS flexbox the way LINE describes it: a component's ``flex``
is its share of a horizontal box's width (default 1) or of a vertical box's height (default 0),
``spacing`` of a box is the gap before each child that has no ``margin`` of its own, and
``position: absolute`` places a component against its parent box.

Safety: the data is untrusted. Every text is HTML-escaped, and nothing from the data reaches an
attribute unless it passed a whitelist: colours must be ``#RRGGBB`` or ``#RRGGBBAA``, lengths a
LINE keyword or ``<number>px`` / ``<number>%``, images ``http(s)://`` or ``data:image/`` URLs.
Anything else is silently dropped. Actions are carried as escaped JSON in ``data-action`` on an
element with class ``lb-action``; the page decides what a tap does. Nothing here raises: odd
input renders as a grey placeholder (or, inside a Flex Message, as nothing).
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

log = logging.getLogger(__name__)

# -- LINE's keyword scales ------------------------------------------------------------------------
FONT_SIZES = {"xxs": "11px", "xs": "13px", "sm": "14px", "md": "16px", "lg": "19px", "xl": "22px",
              "xxl": "29px", "3xl": "35px", "4xl": "48px", "5xl": "74px"}
SPACES = {"none": "0px", "xs": "2px", "sm": "4px", "md": "8px", "lg": "12px", "xl": "16px", "xxl": "20px"}
IMAGE_SIZES = {"xxs": "40px", "xs": "60px", "sm": "80px", "md": "100px", "lg": "120px", "xl": "140px",
               "xxl": "160px", "3xl": "180px", "4xl": "200px", "5xl": "220px", "full": "100%"}
CORNER_RADII = SPACES
BORDER_WIDTHS = {"none": "0px", "light": "0.5px", "normal": "1px", "medium": "2px", "semi-bold": "3px",
                 "bold": "4px"}
BUBBLE_SIZES = ("nano", "micro", "deca", "hecto", "kilo", "mega", "giga")
BLOCK_PADDING = {"nano": "10px", "micro": "10px", "deca": "11px", "hecto": "12px", "kilo": "13px",
                 "mega": "20px", "giga": "20px"}
BLOCKS = ("header", "hero", "body", "footer")

JUSTIFY = {"flex-start", "center", "flex-end", "space-between", "space-around", "space-evenly"}
ALIGN_ITEMS = {"flex-start", "center", "flex-end"}
TEXT_ALIGN = {"start": "start", "end": "end", "center": "center"}
GRAVITY = {"top": "flex-start", "center": "center", "bottom": "flex-end"}
DECORATION = {"none": "none", "underline": "underline", "line-through": "line-through"}
ACTION_TYPES = {"postback", "message", "uri", "datetimepicker", "camera", "cameraRoll", "location",
                "richmenuswitch", "clipboard"}

PRIMARY_GREEN = "#17c950"
MAX_DEPTH = 40

COLOR_RE = re.compile(r"^#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?$")
LENGTH_RE = re.compile(r"^\d+(\.\d+)?(px|%)$")
OFFSET_RE = re.compile(r"^-?\d+(\.\d+)?(px|%)$")  # offsets may pull a component back
ANGLE_RE = re.compile(r"^-?\d+(\.\d+)?deg$")
RATIO_RE = re.compile(r"^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$")
URL_IN_TEXT_RE = re.compile(r"https?://[^\s<>\"'\u3000]+")
TRAILING_PUNCT = ".,;:!?)]}'\"”’»"


# -- sanitizers: data in, safe CSS/attribute values (or None) out ---------------------------------
def color(value: Any) -> str | None:
    """``#RRGGBB`` as is, ``#RRGGBBAA`` as ``rgba()``; anything else None."""
    if not isinstance(value, str):
        return None
    match = COLOR_RE.match(value.strip())
    if not match:
        return None
    rgb, alpha = match.groups()
    if alpha is None:
        return "#" + rgb.upper()
    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{round(int(alpha, 16) / 255, 3):g})"


def length(value: Any, keywords: Mapping[str, str] = SPACES) -> str | None:
    """A LINE keyword from `keywords`, or ``<n>px`` / ``<n>%``; anything else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if value in keywords:
        return keywords[value]
    return value if LENGTH_RE.match(value) else None


def offset(value: Any) -> str | None:
    """Like `length` (LINE's spacing keywords), but a pixel or percent value may be negative."""
    if isinstance(value, str) and OFFSET_RE.match(value.strip()):
        return value.strip()
    return length(value)


def safe_url(value: Any, allow_data: bool = True) -> str | None:
    """Only http(s) URLs (and ``data:image/...`` when allowed) survive."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if any(ord(c) < 32 or c in "\\" for c in url):
        return None
    lower = url.lower()
    if lower.startswith(("https://", "http://")) and len(url) > 8:
        return url
    if allow_data and lower.startswith("data:image/"):
        return url
    return None


def aspect_ratio(value: Any, default: str = "1:1") -> tuple[float, float]:
    match = RATIO_RE.match(value.strip()) if isinstance(value, str) else None
    if not match:
        match = RATIO_RE.match(default)
        assert match is not None, f"the default aspect ratio {default!r} is not W:H"
    width, height = float(match.group(1)), float(match.group(2))
    if width <= 0 or height <= 0:
        return 1.0, 1.0
    return width, height


def _int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return default


def _str(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


# -- HTML building --------------------------------------------------------------------------------
def _attrs(classes: list[str], styles: list[str], extra: Mapping[str, str | None] | None = None) -> str:
    parts = []
    if classes:
        parts.append(f'class="{escape(" ".join(classes))}"')
    if styles:
        parts.append(f'style="{escape(";".join(styles))}"')
    for name, value in (extra or {}).items():
        if value is not None:
            parts.append(f'{name}="{escape(value)}"')
    return (" " + " ".join(parts)) if parts else ""


def _element(tag: str, classes: list[str], styles: list[str], inner: str = "",
             extra: Mapping[str, str | None] | None = None) -> str:
    return f"<{tag}{_attrs(classes, styles, extra)}>{inner}</{tag}>"


def valid_action(action: Any) -> dict | None:
    if isinstance(action, dict) and action.get("type") in ACTION_TYPES:
        return action
    return None


def action_json(action: dict) -> str:
    return json.dumps(action, ensure_ascii=False)


def _clickable(classes: list[str], extra: dict[str, str | None], action: Any) -> None:
    """Mark an element as tappable when `action` is a LINE action (mutates both arguments)."""
    act = valid_action(action)
    if act is None:
        return
    classes.append("lb-action")
    extra["data-action"] = action_json(act)
    extra.setdefault("role", "button")
    extra.setdefault("tabindex", "0")
    label = _str(act.get("label"))
    if label:
        extra.setdefault("title", label)


# -- layout context -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slot:
    """Where a component sits: its parent's layout and the space before it."""

    layout: str = "vertical"          # parent box layout: vertical | horizontal | baseline
    spacing: str | None = None        # parent's spacing, when this is not the first in-flow child
    depth: int = 0

    @property
    def horizontal(self) -> bool:
        return self.layout != "vertical"


def _flex(component: dict, slot: Slot) -> str:
    """LINE's flex rule: default 1 in horizontal/baseline boxes, 0 in vertical ones."""
    grow = _int(component.get("flex"))
    if grow is None or grow < 0:
        grow = 1 if slot.horizontal else 0
    if grow == 0:
        return "flex:0 0 auto"
    return f"flex:{grow} 0 0" if slot.horizontal else f"flex:{grow} 0 auto"


def _margin(component: dict, slot: Slot) -> list[str]:
    """The component's margin, else the parent's spacing, on the side facing the previous sibling."""
    if component.get("position") == "absolute":
        return []
    space = length(component.get("margin")) or slot.spacing
    if not space:
        return []
    side = "margin-inline-start" if slot.horizontal else "margin-top"
    return [f"{side}:{space}"]


def _position(component: dict) -> list[str]:
    styles = []
    if component.get("position") == "absolute":
        styles.append("position:absolute")
    for key, prop in (("offsetTop", "top"), ("offsetBottom", "bottom"),
                      ("offsetStart", "inset-inline-start"), ("offsetEnd", "inset-inline-end")):
        value = offset(component.get(key))
        if value:
            styles.append(f"{prop}:{value}")
    return styles


def _gravity(component: dict, slot: Slot) -> list[str]:
    gravity = GRAVITY.get(_str(component.get("gravity")))
    if gravity and slot.layout == "horizontal":
        return [f"align-self:{gravity}"]
    return []


def _item(component: dict, slot: Slot, fixed: bool = False) -> list[str]:
    """Styles every component gets from its place in the parent box (`fixed`: sized, so no flex)."""
    flex = "flex:0 0 auto" if fixed else _flex(component, slot)
    return [flex, *_margin(component, slot), *_position(component), *_gravity(component, slot)]


# -- components -----------------------------------------------------------------------------------
def render_component(component: Any, slot: Slot) -> str:
    """One Flex component; unknown types and broken data render as nothing."""
    if not isinstance(component, dict) or slot.depth > MAX_DEPTH:
        return ""
    renderer = COMPONENTS.get(_str(component.get("type")))
    if renderer is None:
        return ""
    try:
        return renderer(component, slot)
    except Exception:
        log.exception("flexhtml: could not render %s component", component.get("type"))
        return ""


def render_children(contents: Any, layout: str, spacing: str | None, depth: int) -> str:
    parts = []
    in_flow = 0
    for child in _list(contents):
        if not isinstance(child, dict):
            continue
        slot = Slot(layout=layout, spacing=spacing if in_flow else None, depth=depth + 1)
        html = render_component(child, slot)
        if html:
            parts.append(html)
            if child.get("position") != "absolute":
                in_flow += 1
    return "".join(parts)


def _padding(box: dict, default: str | None = None) -> list[str]:
    styles = []
    base = length(box.get("paddingAll")) or default
    if base:
        styles.append(f"padding:{base}")
    for key, prop in (("paddingTop", "padding-top"), ("paddingBottom", "padding-bottom"),
                      ("paddingStart", "padding-inline-start"), ("paddingEnd", "padding-inline-end")):
        value = length(box.get(key))
        if value:
            styles.append(f"{prop}:{value}")
    return styles


def _background(box: dict) -> list[str]:
    styles = []
    fill = color(box.get("backgroundColor"))
    if fill:
        styles.append(f"background-color:{fill}")
    gradient = _dict(box.get("background"))
    if gradient.get("type") == "linearGradient":
        start, end = color(gradient.get("startColor")), color(gradient.get("endColor"))
        angle = _str(gradient.get("angle")).strip()
        if start and end and ANGLE_RE.match(angle):
            stops = [f"{start} 0%"]
            center = color(gradient.get("centerColor"))
            position = length(gradient.get("centerPosition"), {})
            if center:
                stops.append(f"{center} {position if position and position.endswith('%') else '50%'}")
            stops.append(f"{end} 100%")
            styles.append(f"background-image:linear-gradient({angle},{','.join(stops)})")
    return styles


def _border(box: dict) -> list[str]:
    styles = []
    width = length(box.get("borderWidth"), BORDER_WIDTHS)
    if width and not width.endswith("%"):
        styles.append(f"border:{width} solid {color(box.get('borderColor')) or '#000000'}")
    radius = length(box.get("cornerRadius"), CORNER_RADII)
    if radius:
        styles.append(f"border-radius:{radius}")
        styles.append("overflow:hidden")
    return styles


def _dimensions(component: dict) -> list[str]:
    styles = []
    for key, prop in (("width", "width"), ("maxWidth", "max-width"), ("height", "height"),
                      ("maxHeight", "max-height")):
        value = length(component.get(key), {})
        if value:
            styles.append(f"{prop}:{value}")
    return styles


def render_box(box: dict, slot: Slot, default_padding: str | None = None, root: bool = False) -> str:
    """A box; `root` is a block's own box, which fills its block and takes the block's padding."""
    layout = _str(box.get("layout"))
    if layout not in ("vertical", "horizontal", "baseline"):
        layout = "vertical"
    # A fixed size along the parent's main axis wins over flex, as in LINE.
    main_size = box.get("width") if slot.horizontal else box.get("height")
    styles = ["flex:1 0 auto"] if root else _item(box, slot, fixed=length(main_size, {}) is not None)
    styles += _dimensions(box) + _padding(box, default_padding) + _background(box) + _border(box)
    justify = _str(box.get("justifyContent"))
    if justify in JUSTIFY:
        styles.append(f"justify-content:{justify}")
    align = _str(box.get("alignItems"))
    if align in ALIGN_ITEMS and layout != "baseline":
        styles.append(f"align-items:{align}")
    classes = ["lb-box", f"lb-{layout}", *(["lb-root"] if root else [])]
    extra: dict[str, str | None] = {}
    _clickable(classes, extra, box.get("action"))
    inner = render_children(box.get("contents"), layout, length(box.get("spacing")), slot.depth)
    return _element("div", classes, styles, inner, extra)


def _component_box(component: dict, slot: Slot) -> str:
    return render_box(component, slot)


def _font(component: dict) -> list[str]:
    """Font styles shared by text and span."""
    styles = []
    size = length(component.get("size"), FONT_SIZES)
    if size and not size.endswith("%"):
        styles.append(f"font-size:{size}")
    if component.get("weight") == "bold":
        styles.append("font-weight:700")
    fg = color(component.get("color"))
    if fg:
        styles.append(f"color:{fg}")
    if component.get("style") == "italic":
        styles.append("font-style:italic")
    decoration = DECORATION.get(_str(component.get("decoration")))
    if decoration:
        styles.append(f"text-decoration:{decoration}")
    return styles


def render_span(span: dict, slot: Slot) -> str:
    return _element("span", ["lb-span"], _font(span), escape(_str(span.get("text"))))


def render_text(text: dict, slot: Slot) -> str:
    styles = _item(text, slot) + _font(text)
    align = TEXT_ALIGN.get(_str(text.get("align")))
    if align:
        styles.append(f"text-align:{align}")
    classes = ["lb-text"]
    if text.get("wrap") is True:
        classes.append("lb-wrap")
        lines = _int(text.get("maxLines"), 0) or 0
        if lines > 0:
            classes.append("lb-clamp")
            styles.append(f"-webkit-line-clamp:{lines}")
    else:
        classes.append("lb-nowrap")
    spans = [s for s in _list(text.get("contents")) if isinstance(s, dict) and s.get("type") == "span"]
    if spans:
        inner = "".join(render_span(s, slot) for s in spans)
    else:
        inner = escape(_str(text.get("text")))
    extra: dict[str, str | None] = {}
    _clickable(classes, extra, text.get("action"))
    return _element("div", classes, styles, inner, extra)


def render_button(button: dict, slot: Slot) -> str:
    style = _str(button.get("style")) or "link"
    if style not in ("primary", "secondary", "link"):
        style = "link"
    height = "sm" if button.get("height") == "sm" else "md"
    styles = _item(button, slot)
    tint = color(button.get("color"))
    if style == "primary":
        styles.append(f"background-color:{tint or PRIMARY_GREEN}")
    elif style == "secondary" and tint:
        styles.append(f"background-color:{tint}")
    elif style == "link" and tint:
        styles.append(f"color:{tint}")
    action = _dict(button.get("action"))
    classes = ["lb-button", f"lb-button-{style}", f"lb-button-{height}"]
    extra: dict[str, str | None] = {"type": "button"}
    _clickable(classes, extra, action)
    extra.pop("role", None)
    extra.pop("tabindex", None)
    if "lb-action" not in classes:
        extra["disabled"] = "disabled"
    label = _element("span", ["lb-button-label"], [], escape(_str(action.get("label"))))
    return _element("button", classes, styles, label, extra)


def _img(url: str | None, classes: list[str], styles: list[str]) -> str:
    if url is None:
        return _element("span", [*classes, "lb-img-missing"], styles)
    return f'<img{_attrs(classes, styles, {"src": url, "alt": "", "loading": "lazy"})}>'


def _frame(url: str | None, frame_styles: list[str], fit: str) -> str:
    """A box of the image's aspect ratio that keeps its place even before (or without) the picture."""
    classes = ["lb-img-frame"] + ([] if url else ["lb-img-missing"])
    inner = _img(url, ["lb-img"], [f"object-fit:{fit}"]) if url else ""
    return _element("div", classes, frame_styles, inner)


def render_image(image: dict, slot: Slot) -> str:
    outer = _item(image, slot)
    align = {"start": "flex-start", "end": "flex-end", "center": "center"}.get(
        _str(image.get("align")), "center")
    outer.append(f"justify-content:{align}")
    width, height = aspect_ratio(image.get("aspectRatio"))
    size = length(image.get("size"), IMAGE_SIZES) or IMAGE_SIZES["md"]
    frame = [f"width:{size}", f"aspect-ratio:{_num(width)}/{_num(height)}"]
    fill = color(image.get("backgroundColor"))
    if fill:
        frame.append(f"background-color:{fill}")
    fit = "cover" if image.get("aspectMode") == "cover" else "contain"
    classes = ["lb-image"]
    extra: dict[str, str | None] = {}
    _clickable(classes, extra, image.get("action"))
    return _element("div", classes, outer, _frame(safe_url(image.get("url")), frame, fit), extra)


def render_video(video: dict, slot: Slot) -> str:
    """LINE plays the video in place; the sandbox shows its preview image with a play mark."""
    width, height = aspect_ratio(video.get("aspectRatio"), "16:9")
    frame = ["width:100%", f"aspect-ratio:{_num(width)}/{_num(height)}"]
    inner = _frame(safe_url(video.get("previewUrl")), frame, "cover") + '<span class="lb-play">▶</span>'
    classes = ["lb-image", "lb-video"]
    extra: dict[str, str | None] = {}
    _clickable(classes, extra, video.get("action"))
    return _element("div", classes, _item(video, slot), inner, extra)


def render_icon(icon: dict, slot: Slot) -> str:
    size = length(icon.get("size"), FONT_SIZES) or FONT_SIZES["md"]
    styles = ["flex:0 0 auto", *_margin(icon, slot), *_position(icon)]
    if size.endswith("px"):
        width, height = aspect_ratio(icon.get("aspectRatio"))
        styles += [f"height:{size}", f"width:{_num(float(size[:-2]) * width / height)}px"]
    return _img(safe_url(icon.get("url")), ["lb-icon"], styles)


def render_separator(separator: dict, slot: Slot) -> str:
    styles = ["flex:0 0 auto", *_margin(separator, slot)]
    line = color(separator.get("color"))
    if line:
        styles.append(f"border-color:{line}")
    direction = "lb-separator-v" if slot.horizontal else "lb-separator-h"
    return _element("div", ["lb-separator", direction], styles)


def render_spacer(spacer: dict, slot: Slot) -> str:
    """Deprecated by LINE (and refused by line-bot-sdk), still drawn for old JSON."""
    size = length(spacer.get("size"), SPACES) or SPACES["md"]
    prop = "width" if slot.horizontal else "height"
    return _element("div", ["lb-spacer"], ["flex:0 0 auto", f"{prop}:{size}"])


def render_filler(filler: dict, slot: Slot) -> str:
    grow = _int(filler.get("flex"), 1)
    grow = 1 if grow is None or grow < 0 else grow
    return _element("div", ["lb-filler"], [f"flex:{grow} 0 0" if grow else "flex:0 0 0"])


COMPONENTS: dict[str, Callable[[dict, Slot], str]] = {
    "box": _component_box,
    "text": render_text,
    "span": render_span,
    "button": render_button,
    "image": render_image,
    "video": render_video,
    "icon": render_icon,
    "separator": render_separator,
    "spacer": render_spacer,
    "filler": render_filler,
}


# -- containers -----------------------------------------------------------------------------------
def render_block(name: str, block: dict, bubble: dict, size: str, first: bool) -> str:
    style = _dict(_dict(bubble.get("styles")).get(name))
    classes = ["lb-block", f"lb-{name}"]
    styles = []
    fill = color(style.get("backgroundColor"))
    if fill:
        styles.append(f"background-color:{fill}")
    if style.get("separator") is True and not first:
        classes.append("lb-block-separator")
        line = color(style.get("separatorColor"))
        if line:
            styles.append(f"border-top-color:{line}")
    padding = None if name == "hero" else BLOCK_PADDING[size]
    slot = Slot(layout="vertical", depth=1)
    if block.get("type") == "box":
        inner = render_box(block, slot, default_padding=padding, root=True)
    else:
        inner = render_component(block, slot)
    return _element("div", classes, styles, inner)


def render_bubble(bubble: dict) -> str:
    size = _str(bubble.get("size")) or "mega"
    if size not in BUBBLE_SIZES:
        size = "mega"
    blocks: list[str] = []
    for name in BLOCKS:
        block = bubble.get(name)
        if isinstance(block, dict):
            blocks.append(render_block(name, block, bubble, size, first=not blocks))
    classes = ["lb-bubble-flex", f"lb-size-{size}"]
    extra: dict[str, str | None] = {"dir": "rtl" if bubble.get("direction") == "rtl" else None}
    _clickable(classes, extra, bubble.get("action"))
    return _element("div", classes, [], "".join(blocks), extra)


def render_carousel(carousel: dict) -> str:
    bubbles = [render_bubble(b) for b in _list(carousel.get("contents"))
               if isinstance(b, dict) and b.get("type") == "bubble"]
    return _element("div", ["lb-carousel"], [], "".join(bubbles))


def render_container(container: Any) -> str | None:
    container = _dict(container)
    if container.get("type") == "bubble":
        return render_bubble(container)
    if container.get("type") == "carousel":
        return render_carousel(container)
    return None


# -- messages -------------------------------------------------------------------------------------
def linkify(text: str) -> str:
    """Escape `text` and turn http(s) URLs in it into links that open in a new tab."""
    parts = []
    last = 0
    for match in URL_IN_TEXT_RE.finditer(text):
        url = match.group(0).rstrip(TRAILING_PUNCT)
        if len(url) <= len("https://"):
            continue
        start, end = match.start(), match.start() + len(url)
        parts.append(escape(text[last:start]))
        parts.append(f'<a class="lb-link" href="{escape(url)}" target="_blank" '
                     f'rel="noopener noreferrer nofollow">{escape(url)}</a>')
        last = end
    parts.append(escape(text[last:]))
    return "".join(parts)


def placeholder(kind: Any) -> str:
    return f'<div class="lb-msg lb-placeholder">[ข้อความประเภท {escape(_str(kind) or "?")}]</div>'


def _text_message(message: dict) -> str:
    return f'<div class="lb-msg lb-bubble lb-bot-text">{linkify(_str(message.get("text")))}</div>'


def _flex_message(message: dict) -> str:
    inner = render_container(message.get("contents"))
    if inner is None:
        return placeholder("flex")
    alt = _str(message.get("altText"))
    return _element("div", ["lb-msg", "lb-flex"], [], inner, {"aria-label": alt or None})


def _image_message(message: dict) -> str:
    url = safe_url(message.get("previewImageUrl")) or safe_url(message.get("originalContentUrl"))
    if url is None:
        return placeholder("image")
    full = safe_url(message.get("originalContentUrl"), allow_data=False)
    img = f'<img{_attrs(["lb-photo"], [], {"src": url, "alt": "", "loading": "lazy"})}>'
    if full:
        img = f'<a href="{escape(full)}" target="_blank" rel="noopener noreferrer">{img}</a>'
    return f'<div class="lb-msg lb-image-message">{img}</div>'


def _sticker_message(message: dict) -> str:
    ident = f"{_str(message.get('packageId'))}/{_str(message.get('stickerId'))}"
    return (f'<div class="lb-msg lb-sticker" title="{escape(ident)}">'
            f'<span class="lb-sticker-face">🙂</span><span class="lb-sticker-label">สติกเกอร์</span></div>')


def _location_message(message: dict) -> str:
    title = escape(_str(message.get("title")) or "ตำแหน่งที่ตั้ง")
    address = escape(_str(message.get("address")))
    return (f'<div class="lb-msg lb-bubble lb-bot-text lb-location">📍 <b>{title}</b>'
            f'{"<br>" + address if address else ""}</div>')


MESSAGES: dict[str, Callable[[dict], str]] = {
    "text": _text_message,
    "flex": _flex_message,
    "image": _image_message,
    "sticker": _sticker_message,
    "location": _location_message,
}


def render_message(message: dict) -> str:
    """HTML for one message the bot sent; never raises."""
    if not isinstance(message, dict):
        return placeholder(type(message).__name__)
    kind = message.get("type")
    renderer = MESSAGES.get(kind) if isinstance(kind, str) else None
    if renderer is None:
        return placeholder(kind)
    try:
        return renderer(message)
    except Exception:
        log.exception("flexhtml: could not render a %s message", kind)
        return placeholder(kind)


def render_quick_reply(message: dict) -> str:
    """The quick-reply chips of `message` ('' when it has none); never raises."""
    try:
        items = _list(_dict(_dict(message).get("quickReply")).get("items"))
        chips = [chip for chip in (_chip(item) for item in items) if chip]
    except Exception:
        log.exception("flexhtml: could not render a quick reply")
        return ""
    if not chips:
        return ""
    return f'<div class="lb-quick-reply">{"".join(chips)}</div>'


def _chip(item: Any) -> str:
    action = valid_action(_dict(item).get("action"))
    if action is None:
        return ""
    label = _str(action.get("label")) or _str(action.get("text"))
    icon = safe_url(_dict(item).get("imageUrl"))
    icon_html = f'<img class="lb-chip-icon" src="{escape(icon)}" alt="" loading="lazy">' if icon else ""
    return (f'<button type="button" class="lb-chip lb-action" data-action="{escape(action_json(action))}">'
            f"{icon_html}{escape(label)}</button>")


__all__ = ["render_message", "render_quick_reply", "render_container", "color", "length", "offset", "safe_url"]
