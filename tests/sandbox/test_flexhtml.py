"""bot.sandbox.flexhtml: LINE messages to chat-bubble HTML.

The samples in flex_samples/ are shaped like the LINE Flex Message Simulator showcase (restaurant,
receipt, shopping carousel, to-do progress, apparel) plus the bot's own progress card and a
hostile one; each is first proven to be a real Flex container by line-bot-sdk's model. The HTML is
read back with the stdlib parser into a small tree, so the assertions are about elements and
attributes, not substrings.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from linebot.v3.messaging import FlexContainer

from bot.sandbox.flexhtml import color, length, offset, render_message, render_quick_reply, safe_url

SAMPLES = Path(__file__).parent / "flex_samples"
CSS = Path(__file__).resolve().parents[2] / "bot" / "sandbox" / "static" / "flex.css"
VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr"}


# -- a tiny DOM ------------------------------------------------------------------------------------
@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def style(self) -> dict[str, str]:
        result = {}
        for decl in (self.attrs.get("style") or "").split(";"):
            if ":" in decl:
                name, value = decl.split(":", 1)
                result[name.strip()] = value.strip()
        return result

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def elements(self) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                found.append(child)
                found.extend(child.elements())
        return found

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.elements() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag or '*'} class={cls}>"
        return found[0]

    def element_children(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]


class TreeBuilder(HTMLParser):
    """Builds a Node tree and fails on any mis-nested or unclosed tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs), parent=self.stack[-1]))

    def handle_endtag(self, tag):
        assert tag not in VOID, f"</{tag}>"
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed tags"
    return builder.root


def load(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def flex(contents: dict, alt: str = "alt") -> Node:
    return parse(render_message({"type": "flex", "altText": alt, "contents": contents}))


def bubble_of(*contents: dict, layout: str = "vertical", **box) -> dict:
    return {"type": "bubble", "body": {"type": "box", "layout": layout, "contents": list(contents), **box}}


def body_children(tree: Node) -> list[Node]:
    return tree.find(cls="lb-body").find(cls="lb-root").element_children()


SAMPLE_NAMES = sorted(p.stem for p in SAMPLES.glob("*.json"))


# -- samples ---------------------------------------------------------------------------------------
def test_there_are_samples():
    assert {"restaurant", "receipt", "shopping_carousel", "progress", "todo_carousel", "apparel_spans",
            "hostile"} <= set(SAMPLE_NAMES)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_is_a_real_flex_container(name):
    FlexContainer.from_dict(load(name))


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_renders_to_well_formed_html(name):
    sample = load(name)
    tree = flex(sample, alt=f"ตัวอย่าง {name}")
    [message] = tree.element_children()
    assert message.classes[:2] == ["lb-msg", "lb-flex"]
    assert message.attrs["aria-label"] == f"ตัวอย่าง {name}"
    bubbles = tree.find_all(cls="lb-bubble-flex")
    assert len(bubbles) == (len(sample["contents"]) if sample["type"] == "carousel" else 1)
    assert not tree.find_all("script")
    for node in tree.elements():
        assert not any(name.startswith("on") for name in node.attrs), node.attrs


def test_every_class_the_renderer_emits_is_styled():
    css = CSS.read_text(encoding="utf-8")
    defined = set(re.findall(r"\.(lb-[\w-]+)", css))
    used = set()
    for name in SAMPLE_NAMES:
        for node in flex(load(name)).elements():
            used.update(c for c in node.classes if not c.startswith("lb-size-"))
    used.update(["lb-bot-text", "lb-user-text", "lb-placeholder", "lb-chip", "lb-quick-reply", "lb-link"])
    assert used - defined == set()
    assert {f"lb-size-{s}" for s in ("nano", "micro", "deca", "hecto", "kilo", "mega", "giga")} <= defined


# -- progress bars -------------------------------------------------------------------------------
def test_progress_bar_fill_has_its_percent_width_inside_a_grey_track():
    tree = flex(load("progress"))
    [fill] = [n for n in tree.find_all(cls="lb-box") if n.style.get("width") == "17%"]
    assert fill.style["background-color"] == "#06C755"
    assert fill.style["height"] == "8px"
    track = fill.parent
    assert track.style["background-color"] == "#E6E6E6"
    assert track.style["height"] == "8px"
    assert track.style["border-radius"] == "4px"
    assert "lb-vertical" in track.classes
    # the fill is sized, so it neither grows nor stretches past its width
    assert fill.style["flex"] == "0 0 auto"


def test_progress_bar_from_the_bots_own_builder():
    from bot import messages as ui

    card = ui.bubble("สถานะ", [ui.progress_row("กลุ่มงานคลัง", 1, 6, 16.7), ui.progress_row("ทั้งหมด", 0, 4, 0.0)])
    FlexContainer.from_dict(card)
    tree = flex(card)
    widths = [n.style.get("width") for n in tree.find_all(cls="lb-box") if n.style.get("width")]
    assert widths == ["17%"]
    assert "กลุ่มงานคลัง" in tree.text


def test_todo_carousel_nano_bubbles_and_translucent_tracks():
    tree = flex(load("todo_carousel"))
    carousel = tree.find(cls="lb-carousel")
    bubbles = carousel.element_children()
    assert len(bubbles) == 3
    assert all("lb-size-nano" in b.classes for b in bubbles)
    fills = [n for n in tree.find_all(cls="lb-box") if n.style.get("width", "").endswith("%")]
    assert [f.style["width"] for f in fills] == ["70%", "30%", "100%"]
    assert fills[0].parent.style["background-color"] == "rgba(159,216,227,0.431)"
    header = bubbles[0].find(cls="lb-header").find(cls="lb-root")
    assert header.style["padding"] == "12px"
    assert header.style["padding-top"] == "19px"
    assert header.style["padding-bottom"] == "16px"
    assert header.style["background-color"] == "#27ACB2"


# -- layout --------------------------------------------------------------------------------------
def test_horizontal_children_default_to_flex_1_and_vertical_ones_to_0():
    tree = flex(load("receipt"))
    rows = [n for n in tree.find_all(cls="lb-horizontal")]
    item, price = rows[0].element_children()
    assert item.text == "เครื่องดื่มชูกำลัง" and item.style["flex"] == "0 0 auto"     # "flex": 0
    assert price.text == "฿29.00" and price.style["flex"] == "1 0 0"              # default in a row
    assert price.style["text-align"] == "end"
    label, count = rows[3].element_children()
    assert label.style["flex"] == count.style["flex"] == "1 0 0"
    for child in body_children(tree):
        assert child.style["flex"] == "0 0 auto"                                   # default in a column


def test_flex_ratios_in_baseline_rows():
    tree = flex(load("restaurant"))
    place, address = [n for n in tree.find_all(cls="lb-baseline")][1].element_children()
    assert (place.style["flex"], address.style["flex"]) == ("1 0 0", "5 0 0")
    assert "lb-wrap" in address.classes and "lb-nowrap" in place.classes
    assert address.style["margin-inline-start"] == "4px"                          # spacing: sm
    assert "margin-inline-start" not in place.style                               # first child


def test_spacing_applies_between_children_unless_margin_says_otherwise():
    tree = flex(load("receipt"))
    title, name, address, separator, items, *_ = body_children(tree)
    assert "margin-top" not in title.style
    assert name.style["margin-top"] == "8px"        # margin md
    assert separator.style["margin-top"] == "20px"  # margin xxl
    assert "lb-separator-h" in separator.classes
    rows = items.element_children()
    assert "margin-top" not in rows[0].style
    assert rows[1].style["margin-top"] == "4px"     # parent's spacing sm
    assert rows[4].style["margin-top"] == "20px"    # own margin beats spacing


def test_text_styles():
    tree = flex(load("restaurant"))
    title = tree.find(cls="lb-root").element_children()[0]
    assert title.text == "Brown Cafe คาเฟ่หมีน้ำตาล"
    assert title.style["font-size"] == "22px" and title.style["font-weight"] == "700"
    rating = [n for n in tree.find_all(cls="lb-text") if n.text == "4.0"][0]
    assert rating.style["color"] == "#999999"
    assert rating.style["margin-inline-start"] == "8px"


def test_block_defaults_and_styles():
    tree = flex(load("restaurant"))
    body_root = tree.find(cls="lb-body").find(cls="lb-root")
    assert body_root.style["padding"] == "20px"
    hero = tree.find(cls="lb-hero")
    assert "padding" not in hero.find(cls="lb-image").style
    receipt = flex(load("receipt"))
    assert not receipt.find_all(cls="lb-block-separator")   # separator only above an existing footer
    progress = flex(load("progress"))
    footer = progress.find(cls="lb-footer")
    assert "lb-block-separator" in footer.classes
    assert footer.style["border-top-color"] == "#EEEEEE"
    assert progress.find(cls="lb-header").find(cls="lb-root").style["padding"] == "16px"
    assert [b.attrs["class"].split()[1] for b in progress.find_all(cls="lb-block")] == [
        "lb-header", "lb-body", "lb-footer"]


def test_bubble_sizes_and_direction():
    for size in ("nano", "micro", "deca", "hecto", "kilo", "mega", "giga"):
        assert f"lb-size-{size}" in flex({**bubble_of(), "size": size}).find(cls="lb-bubble-flex").classes
    assert "lb-size-mega" in flex({**bubble_of(), "size": "huge"}).find(cls="lb-bubble-flex").classes
    assert flex({**bubble_of(), "direction": "rtl"}).find(cls="lb-bubble-flex").attrs["dir"] == "rtl"
    nano = flex({**bubble_of({"type": "text", "text": "x"}), "size": "nano"})
    assert nano.find(cls="lb-root").style["padding"] == "10px"


def test_images_and_icons():
    tree = flex(load("restaurant"))
    frame = tree.find(cls="lb-hero").find(cls="lb-img-frame")
    assert frame.style["width"] == "100%"
    assert frame.style["aspect-ratio"] == "20/13"
    hero = frame.find("img")
    assert hero.attrs["src"] == "https://developers-resource.landpress.line.me/fx/img/01_1_cafe.png"
    assert hero.attrs["loading"] == "lazy" and hero.attrs["alt"] == ""
    assert hero.style["object-fit"] == "cover"
    icons = tree.find_all("img", "lb-icon")
    assert len(icons) == 5
    assert all(i.style["height"] == "14px" and i.style["width"] == "14px" for i in icons)
    assert icons[-1].attrs["src"].endswith("review_gray_star_28.png")
    apparel = flex(load("apparel_spans"))
    [wide] = apparel.find_all("img", "lb-icon")
    assert (wide.style["height"], wide.style["width"]) == ("16px", "32px")   # aspectRatio 2:1
    small = parse(render_message({"type": "flex", "altText": "a", "contents": bubble_of(
        {"type": "image", "url": "https://example.com/a.png", "size": "sm", "align": "end"})}))
    image = small.find(cls="lb-image")
    assert image.style["justify-content"] == "flex-end"
    assert image.find(cls="lb-img-frame").style["width"] == "80px"
    assert image.find("img").style["object-fit"] == "contain"                  # aspectMode default fit


def test_absolute_positioning_spans_fillers_and_gradients():
    tree = flex(load("apparel_spans"))
    badge = [n for n in tree.find_all(cls="lb-box") if n.text == "SALE"][0]
    assert badge.style["position"] == "absolute"
    assert badge.style["top"] == "18px" and badge.style["inset-inline-start"] == "18px"
    assert badge.style["border-radius"] == "20px"
    assert badge.style["justify-content"] == "center" and badge.style["align-items"] == "center"
    assert badge.style["width"] == "53px" and badge.style["height"] == "25px"
    assert "margin-top" not in badge.style
    panel = badge.parent.element_children()[1]
    assert panel.style["position"] == "absolute"
    assert panel.style["bottom"] == "0px"
    assert panel.style["background-image"] == "linear-gradient(0deg,rgba(0,0,0,0.8) 0%,rgba(0,0,0,0) 100%)"
    spans = tree.find_all("span", "lb-span")
    assert [s.text for s in spans] == ["ลดทันที ", "35%", " ถึงสิ้นเดือนนี้เท่านั้น"]
    assert spans[1].style == {"font-size": "22px", "font-weight": "700", "color": "#FFD700",
                              "text-decoration": "underline"}
    assert spans[2].style == {"font-style": "italic"}
    cart_label = [n for n in tree.find_all(cls="lb-text") if n.text == "ใส่ตะกร้า"][0]
    assert cart_label.style["top"] == "-2px"
    struck = [n for n in tree.find_all(cls="lb-text") if n.text == "฿399"][0]
    assert struck.style["text-decoration"] == "line-through"
    title = [n for n in tree.find_all(cls="lb-text") if n.text.startswith("เสื้อยืด")][0]
    assert "lb-clamp" in title.classes and title.style["-webkit-line-clamp"] == "2"
    fillers = tree.find_all(cls="lb-filler")
    assert len(fillers) == 2 and all(f.style["flex"] == "1 0 0" for f in fillers)
    cart = fillers[0].parent
    assert "lb-action" in cart.classes
    assert cart.style["border"] == "1px solid #FFFFFF"


def test_spacer_is_drawn_although_deprecated():
    tree = flex(bubble_of({"type": "text", "text": "a"}, {"type": "spacer", "size": "xl"},
                          {"type": "box", "layout": "horizontal", "contents": [{"type": "spacer"}]}))
    vertical, horizontal = tree.find_all(cls="lb-spacer")
    assert vertical.style["height"] == "16px"
    assert horizontal.style["width"] == "8px"


def test_separator_in_a_row_is_vertical():
    tree = flex(bubble_of({"type": "text", "text": "a"}, {"type": "separator", "color": "#FF0000"},
                          {"type": "text", "text": "b"}, layout="horizontal"))
    separator = tree.find(cls="lb-separator")
    assert "lb-separator-v" in separator.classes
    assert separator.style["border-color"] == "#FF0000"


# -- actions -------------------------------------------------------------------------------------
def test_buttons_carry_their_action_as_json():
    sample = load("shopping_carousel")
    tree = flex(sample)
    carousel = tree.find(cls="lb-carousel")
    assert len(carousel.element_children()) == 3
    buttons = tree.find_all("button", "lb-button")
    originals = [c["action"] for b in sample["contents"] for block in ("body", "footer")
                 for c in b.get(block, {}).get("contents", []) if c["type"] == "button"]
    assert len(buttons) == len(originals) == 5
    for button, action in zip(buttons, originals, strict=True):
        assert "lb-action" in button.classes
        assert json.loads(button.attrs["data-action"]) == action
        assert button.text == action["label"]
    first, wish = buttons[0], buttons[1]
    assert "lb-button-primary" in first.classes and first.style["background-color"] == "#17c950"
    assert "lb-button-md" in first.classes
    assert "lb-button-link" in wish.classes                   # style defaults to link
    grey = buttons[2]
    assert grey.style["background-color"] == "#AAAAAA" and grey.style["flex"] == "2 0 auto"
    assert "ขอใส่ตะกร้า: เก้าอี้มีพนักแขน" in buttons[0].attrs["data-action"]   # Thai kept, not \\u-escaped


def test_button_styles_and_heights():
    tree = flex(load("progress"))
    primary, secondary = tree.find_all("button")
    assert primary.style["background-color"] == "#06C755"
    assert "lb-button-sm" in primary.classes
    assert "lb-button-secondary" in secondary.classes and "background-color" not in secondary.style
    link = flex(bubble_of({"type": "button", "style": "link", "color": "#123456",
                           "action": {"type": "message", "label": "ก", "text": "ก"}})).find("button")
    assert link.style["color"] == "#123456"


def test_boxes_texts_and_images_with_actions_are_clickable():
    tree = flex(load("restaurant"))
    hero = tree.find(cls="lb-hero").find(cls="lb-image")
    assert "lb-action" in hero.classes and hero.attrs["role"] == "button"
    assert json.loads(hero.attrs["data-action"]) == {"type": "uri", "label": "เว็บไซต์ร้าน", "uri": "https://line.me/"}
    actions = [
        {"type": "postback", "data": "a=1", "label": "p", "displayText": "พี"},
        {"type": "message", "label": "m", "text": "ข้อความ"},
        {"type": "datetimepicker", "label": "d", "data": "a=d", "mode": "date"},
        {"type": "camera", "label": "กล้อง"},
        {"type": "cameraRoll", "label": "อัลบั้ม"},
        {"type": "location", "label": "ตำแหน่ง"},
    ]
    texts = [{"type": "text", "text": a["label"], "action": a} for a in actions]
    tree = flex(bubble_of(*texts, action={"type": "message", "label": "box", "text": "box"}))
    root = tree.find(cls="lb-root")
    assert json.loads(root.attrs["data-action"])["text"] == "box"
    for node, action in zip(root.element_children(), actions, strict=True):
        assert "lb-action" in node.classes
        assert json.loads(node.attrs["data-action"]) == action


def test_invalid_actions_are_not_clickable():
    tree = flex(bubble_of({"type": "text", "text": "x", "action": {"type": "evil"}},
                          {"type": "text", "text": "y", "action": "postback"},
                          {"type": "button", "action": {"label": "no type"}}))
    assert not tree.find_all(cls="lb-action")
    assert not any("data-action" in n.attrs for n in tree.elements())
    assert "disabled" in tree.find("button").attrs


# -- safety --------------------------------------------------------------------------------------
def test_text_is_escaped():
    tree = flex(load("hostile"))
    assert not tree.find_all("script")
    first = tree.find_all(cls="lb-text")[0]
    assert first.text == "<script>alert('x')</script> & \"quotes\" ยังอยู่ครบ"
    button = tree.find("button")
    assert not button.find_all("img")
    assert button.text == "<img src=x onerror=alert(1)>"
    assert json.loads(button.attrs["data-action"])["data"] == 'a="><script>alert(1)</script>'
    alt = parse(render_message({"type": "flex", "altText": '"><script>x</script>', "contents": bubble_of()}))
    assert not alt.find_all("script")


def test_bad_colors_lengths_and_urls_are_dropped():
    html = render_message({"type": "flex", "altText": "x", "contents": load("hostile")})
    tree = parse(html)
    for node in tree.elements():
        style = node.attrs.get("style") or ""
        for bad in ("red", "evil", "fixed", "calc", "vh", "vw", "expression", "display:none", "z-index",
                    "GGGGGG", "#12345;", "url("):
            assert bad not in style, (bad, style)
        for attr in ("src", "href"):
            value = node.attrs.get(attr)
            if value is not None:
                assert value.startswith(("https://", "http://", "data:image/")), value
    texts = tree.find_all(cls="lb-text")
    assert "color" not in texts[0].style and "color" not in texts[1].style
    assert "font-size" not in texts[1].style and "margin-top" not in texts[1].style
    root = tree.find(cls="lb-root")
    assert root.style["padding"] == "13px"                     # kilo default; calc() ignored
    assert "background-color" not in root.style
    hero = tree.find(cls="lb-hero").find(cls="lb-img-frame")
    assert "lb-img-missing" in hero.classes and not hero.find_all("img")   # the place stays, empty
    assert hero.style["aspect-ratio"] == "1/1"                 # bad aspectRatio falls back
    row = tree.find(cls="lb-horizontal")
    assert "width" not in row.style and "border" not in row.style and "border-radius" not in row.style
    frames = row.find_all(cls="lb-img-frame")
    assert [bool(f.find_all("img")) for f in frames] == [False, False, True]   # //host, data:text refused
    assert "lb-img-missing" in row.find(cls="lb-icon").classes
    assert tree.find("button").style["background-color"] == "#17c950"   # "green" is not a hex colour


def test_sanitizers():
    assert color("#06c755") == "#06C755"
    assert color("#FFFFFFCC") == "rgba(255,255,255,0.8)"
    assert color("#00000000") == "rgba(0,0,0,0)"
    assert color(" #06C755 ") == "#06C755"
    for bad in ("#FFF", "06C755", "#06C755;x", "rgb(0,0,0)", "#06C755\n;x", None, 123, "#GGGGGG"):
        assert color(bad) is None, bad
    assert length("md") == "8px" and length("none") == "0px"
    assert length("12.5px") == "12.5px" and length("17%") == "17%"
    for bad in ("12", "-4px", "1em", "10px;x", "calc(1px)", "3xl", None, 5):
        assert length(bad) is None, bad
    assert offset("-2px") == "-2px" and offset("lg") == "12px" and offset("-2px;x") is None
    assert safe_url("https://a.example/x.png") == "https://a.example/x.png"
    assert safe_url("data:image/png;base64,AAAA") == "data:image/png;base64,AAAA"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:x", "//a.example", "ftp://a", "data:text/html,x",
                "https://a.example/\nx", "/relative.png", None):
        assert safe_url(bad) is None, bad


# -- robustness ----------------------------------------------------------------------------------
@pytest.mark.parametrize("message", [
    None, "text", 42, [], {}, {"type": None}, {"type": "flex"}, {"type": "flex", "contents": "x"},
    {"type": "flex", "contents": {"type": "bubble", "body": "oops", "styles": "x"}},
    {"type": "flex", "contents": {"type": "carousel", "contents": [1, None, {"type": "box"}]}},
    {"type": "flex", "contents": bubble_of("x", None, 3, {"type": "text"}, {"type": "unknown-thing", "contents": []},
                                           {"type": "box", "layout": "diagonal", "contents": "nope", "flex": "2"},
                                           {"type": "text", "text": 5, "flex": 1.5, "maxLines": "2", "wrap": "yes"},
                                           {"type": "image"}, {"type": "icon", "size": "5xl"},
                                           {"type": "text", "contents": [{"type": "span"}, "x"]})},
    {"type": "text"}, {"type": "text", "text": None}, {"type": "image"}, {"type": "sticker"},
    {"type": "video"}, {"type": "<b>bold</b>"},
])
def test_odd_input_never_raises(message):
    html = render_message(message)
    assert isinstance(html, str) and html
    parse(html)
    assert isinstance(render_quick_reply(message), str)


def test_deep_nesting_does_not_blow_the_stack():
    box: dict = {"type": "text", "text": "ลึก"}
    for _ in range(3000):
        box = {"type": "box", "layout": "vertical", "contents": [box]}
    html = render_message({"type": "flex", "altText": "deep", "contents": {"type": "bubble", "body": box}})
    parse(html)


def test_unknown_components_are_skipped_but_siblings_render():
    tree = flex(bubble_of({"type": "text", "text": "ก่อน"}, {"type": "chart", "data": [1, 2]},
                          {"type": "text", "text": "หลัง"}, spacing="md"))
    before, after = body_children(tree)
    assert (before.text, after.text) == ("ก่อน", "หลัง")
    assert after.style["margin-top"] == "8px"


def test_unknown_message_types_become_a_placeholder():
    tree = parse(render_message({"type": "audio", "originalContentUrl": "https://a.example/a.m4a"}))
    [node] = tree.element_children()
    assert "lb-placeholder" in node.classes
    assert node.text == "[ข้อความประเภท audio]"
    assert parse(render_message({"type": "<b>x</b>"})).text == "[ข้อความประเภท <b>x</b>]"
    assert parse(render_message({"type": "template", "altText": "t"})).text == "[ข้อความประเภท template]"


# -- text, image, sticker messages ---------------------------------------------------------------
def test_text_message_keeps_newlines_and_links_urls():
    text = "สวัสดีครับ\nดูแผนได้ที่ https://example.go.th/plan?id=1&x=2.\n<ไม่ใช่แท็ก> javascript:alert(1)"
    tree = parse(render_message({"type": "text", "text": text}))
    [bubble] = tree.element_children()
    assert bubble.classes == ["lb-msg", "lb-bubble", "lb-bot-text"]
    assert bubble.text == text                              # newlines and Thai intact, nothing lost
    [link] = bubble.find_all("a")
    assert link.attrs["href"] == "https://example.go.th/plan?id=1&x=2"   # trailing '.' left out
    assert link.attrs["target"] == "_blank" and "noopener" in link.attrs["rel"]
    assert not bubble.find_all("ไม่ใช่แท็ก")


def test_links_cannot_break_out_of_the_attribute():
    tree = parse(render_message({"type": "text", "text": 'https://a.example/"onmouseover="alert(1) ok'}))
    [link] = tree.find_all("a")
    assert link.attrs["href"] == "https://a.example/"
    assert set(link.attrs) == {"class", "href", "target", "rel"}


def test_image_and_sticker_messages():
    tree = parse(render_message({"type": "image", "originalContentUrl": "https://a.example/full.jpg",
                                 "previewImageUrl": "https://a.example/small.jpg"}))
    img = tree.find("img")
    assert img.attrs["src"] == "https://a.example/small.jpg" and img.attrs["loading"] == "lazy"
    assert tree.find("a").attrs["href"] == "https://a.example/full.jpg"
    bad = parse(render_message({"type": "image", "originalContentUrl": "javascript:x", "previewImageUrl": "x"}))
    assert not bad.find_all("img") and "lb-placeholder" in bad.element_children()[0].classes
    sticker = parse(render_message({"type": "sticker", "packageId": "446", "stickerId": "1988"}))
    assert "lb-sticker" in sticker.element_children()[0].classes
    assert sticker.element_children()[0].attrs["title"] == "446/1988"


# -- quick replies -------------------------------------------------------------------------------
def test_quick_reply_chips():
    items = [
        {"type": "action", "action": {"type": "message", "label": "ลงนามปฏิญญา", "text": "ลงนามปฏิญญา"}},
        {"type": "action", "imageUrl": "https://a.example/i.png",
         "action": {"type": "postback", "label": "สถานะ", "data": "a=status", "displayText": "ขอดูสถานะ"}},
        {"type": "action", "imageUrl": "javascript:x", "action": {"type": "camera", "label": "กล้อง"}},
        {"type": "action", "action": {"type": "location", "label": "ตำแหน่ง"}},
        {"type": "action", "action": {"type": "bogus", "label": "x"}},
        "junk",
    ]
    message = {"type": "text", "text": "เลือกเมนู", "quickReply": {"items": items}}
    tree = parse(render_quick_reply(message))
    chips = tree.find_all("button")
    assert len(chips) == 4
    for chip, item in zip(chips, items, strict=False):  # the last two items make no chip
        assert chip.classes == ["lb-chip", "lb-action"]
        assert json.loads(chip.attrs["data-action"]) == item["action"]
        assert chip.text == item["action"]["label"]
    assert chips[1].find("img").attrs["src"] == "https://a.example/i.png"
    assert not chips[2].find_all("img")
    # the message itself renders without the chips
    assert "lb-chip" not in render_message(message)


def test_quick_reply_is_empty_without_items():
    assert render_quick_reply({"type": "text", "text": "x"}) == ""
    assert render_quick_reply({"type": "text", "text": "x", "quickReply": {"items": []}}) == ""
    assert render_quick_reply({"quickReply": {"items": [{"type": "action", "action": {"type": "nope"}}]}}) == ""
    assert render_quick_reply({"quickReply": "x"}) == ""


def test_quick_reply_labels_are_escaped():
    html = render_quick_reply({"quickReply": {"items": [
        {"type": "action", "action": {"type": "message", "label": "<b>ตัวหนา</b>", "text": "x\"><script>"}}]}})
    tree = parse(html)
    chip = tree.find("button")
    assert not chip.find_all("b") and not tree.find_all("script")
    assert chip.text == "<b>ตัวหนา</b>"
    assert json.loads(chip.attrs["data-action"])["text"] == 'x"><script>'


# -- Thai ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["ความซื่อสัตย์สุจริต", "ปฏิญญา ๒๕๖๙", "น้ำใจ ผู้ใหญ่ ฤๅษี", "เกื้อกูล ญาติ"])
def test_thai_text_survives_intact(text):
    tree = flex(bubble_of({"type": "text", "text": text, "wrap": True},
                          {"type": "button", "action": {"type": "message", "label": text, "text": text}}))
    node, button = body_children(tree)
    assert node.text == text
    assert button.text == text
    assert json.loads(button.attrs["data-action"])["text"] == text
    assert parse(render_message({"type": "text", "text": text})).text == text


def test_video_hero_shows_its_preview():
    bubble = {"type": "bubble", "size": "giga", "hero": {
        "type": "video", "url": "https://a.example/v.mp4", "previewUrl": "https://a.example/v.jpg",
        "aspectRatio": "16:9",
        "altContent": {"type": "image", "url": "https://a.example/v.jpg", "size": "full", "aspectRatio": "16:9"},
        "action": {"type": "uri", "label": "ดูวิดีโอ", "uri": "https://a.example/watch"}}}
    FlexContainer.from_dict(bubble)
    tree = flex(bubble)
    video = tree.find(cls="lb-video")
    assert video.find("img").attrs["src"] == "https://a.example/v.jpg"
    assert video.find(cls="lb-img-frame").style["aspect-ratio"] == "16/9"
    assert json.loads(video.attrs["data-action"])["uri"] == "https://a.example/watch"
    assert not tree.find_all("video") and not tree.find_all("script")
