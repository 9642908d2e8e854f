"""The rich menus: the one definition of each menu's areas, its image, and how the image is drawn.

Two menus on LINE's large size, 2500x1686, each tile a tap that types the bot's word (a tap and a
typed word take the same route):

- STAFF, six tiles (2 rows x 3 columns): the channel's default, what everyone sees;
- COORDINATOR, eight tiles (2 x 4): สรุป and เว็บ beside the staff tiles, linked to each coordinator
  and executive on their own (LINE's per-user rich menus; jobs/menus.py keeps the links right).

The images are drawn with Pillow and a Thai font from Debian's `fonts-thai-tlwg`, then committed
(`Menu.image_path`), so a server without the fonts or Pillow still deploys them:

    flask --app bot richmenu render     # redraw bot/static/richmenu*.png after changing the tiles
    flask --app bot richmenu deploy     # create both on LINE, the staff menu the default, link coordinators

Pillow is imported only when drawing, never at import time.
"""
from __future__ import annotations

import io
import itertools
import math
import struct
from dataclasses import dataclass
from pathlib import Path

from bot import words
from models import menus

WIDTH, HEIGHT = 2500, 1686  # LINE's "large" rich menu
MAX_IMAGE_BYTES = 1024 * 1024  # LINE refuses rich menu images over 1 MB
STATIC = Path(__file__).resolve().parent / "static"

FONT_PACKAGE = "fonts-thai-tlwg"
FONT_DIRS = (Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/opentype/tlwg"))
LABEL_FONTS = ("Loma-Bold.ttf", "Garuda-Bold.ttf", "Loma-Bold.otf", "Garuda-Bold.otf")
SUBTITLE_FONTS = ("Loma.ttf", "Garuda.ttf", "Loma.otf", "Garuda.otf")

GREEN = "#06C755"  # LINE green
GREEN_PALE = "#E3F7EA"
BACKGROUND = "#EDF1EE"
CARD = "#FFFFFF"
INK = "#1E2A23"
GREY = "#66736B"
COORDINATOR_BACKGROUND = "#DCE8E0"  # a shade darker: a coordinator sees at once that it is their menu


@dataclass(frozen=True)
class Area:
    """One tappable tile: what it shows, what a tap types, where it is."""

    label: str
    subtitle: str
    text: str
    icon: str
    x: int
    y: int
    width: int
    height: int

    @property
    def bounds(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height}


Tile = tuple[object, str, object, str]  # label, subtitle, the word a tap types, icon


@dataclass(frozen=True)
class Menu:
    kind: str           # models.menus.STAFF / COORDINATOR
    name: str           # not shown to users; `deploy` replaces older menus of this name
    chat_bar_text: str  # the bar under the chat that opens the menu
    columns: int
    rows: int
    tiles: tuple[Tile, ...]  # row by row
    image_path: Path
    background: str = BACKGROUND

    @property
    def areas(self) -> tuple[Area, ...]:
        xs = [round(i * WIDTH / self.columns) for i in range(self.columns + 1)]  # 0, 833, 1667, 2500
        ys = [round(i * HEIGHT / self.rows) for i in range(self.rows + 1)]  # 0, 843, 1686
        c = self.columns
        return tuple(
            Area(str(label), subtitle, str(text), icon, xs[i % c], ys[i // c], xs[i % c + 1] - xs[i % c],
                 ys[i // c + 1] - ys[i // c])
            for i, (label, subtitle, text, icon) in enumerate(self.tiles)
        )

    def definition(self) -> dict:
        """The rich menu as LINE's RichMenuRequest JSON."""
        return {
            "size": {"width": WIDTH, "height": HEIGHT},
            "selected": True,
            "name": self.name,
            "chatBarText": self.chat_bar_text,
            "areas": [
                {"bounds": area.bounds, "action": {"type": "message", "label": area.label, "text": area.text}}
                for area in self.areas
            ],
        }


_STAFF_TILES: tuple[Tile, ...] = (
    (words.PLEDGE, "อ่านและรับทราบ", words.PLEDGE, "pledge"),
    (words.PROPOSE, "ปัญหาที่อยากแก้ ความดีที่อยากทำ", words.PROPOSE, "heart"),
    (words.CHECK_IN, "ลงชื่อร่วมกิจกรรม", words.CHECK_IN, "pin"),
    (words.NOMINATE, "คนดีและหน่วยงานคุณธรรม", words.NOMINATE, "star"),
    (words.STATUS, "ข้อมูลและการมีส่วนร่วมของฉัน", words.STATUS, "chart"),
    (words.HELP, "คำสั่งทั้งหมด", words.HELP, "help"),
)
STAFF = Menu(menus.STAFF, "khunnatham staff menu", "เมนู", 3, 2, _STAFF_TILES, STATIC / "richmenu.png")
COORDINATOR = Menu(
    menus.COORDINATOR, "khunnatham coordinator menu", "เมนูจัดการ", 4, 2,
    ((words.SUMMARY, "ตัวชี้วัดและสิ่งที่ต้องทำ", words.SUMMARY, "summary"),
     (words.WEB, "เปิดหน้าจัดการบนเว็บ", words.WEB, "web"),
     (words.PLEDGE, "อ่านและรับทราบ", words.PLEDGE, "pledge"),
     (words.PROPOSE, "เสนอความดี", words.PROPOSE, "heart"),
     (words.CHECK_IN, "ลงชื่อร่วมกิจกรรม", words.CHECK_IN, "pin"),
     (words.NOMINATE, "คนดีและหน่วยงาน", words.NOMINATE, "star"),
     (words.STATUS, "การมีส่วนร่วมของฉัน", words.STATUS, "chart"),
     (words.HELP, "คำสั่งทั้งหมด", words.HELP, "help")),
    STATIC / "richmenu-coordinator.png", background=COORDINATOR_BACKGROUND)
MENUS = {menu.kind: menu for menu in (STAFF, COORDINATOR)}

# The staff menu's, as before there were two
NAME, CHAT_BAR_TEXT, IMAGE_PATH = STAFF.name, STAFF.chat_bar_text, STAFF.image_path
AREAS: tuple[Area, ...] = STAFF.areas


def definition(menu: Menu = STAFF) -> dict:
    """A menu as LINE's RichMenuRequest JSON."""
    return menu.definition()


def menu_for(role: str) -> Menu:
    """The menu a person of this role sees."""
    return COORDINATOR if role in menus.OWN_MENU_ROLES else STAFF


# -- image files ----------------------------------------------------------------------------------
def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(content type, width, height) of a PNG or JPEG from its header, without Pillow; None if neither."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return "image/jpeg", width, height
            i += 2 + length
    return None


# -- drawing --------------------------------------------------------------------------------------
class FontNotFound(RuntimeError):
    pass


def find_font(names: tuple[str, ...] = LABEL_FONTS) -> Path:
    """The first of `names` found in the tlwg font folders."""
    for folder in FONT_DIRS:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    raise FontNotFound(
        f"no Thai font ({', '.join(names)}) in {' or '.join(str(d) for d in FONT_DIRS)}; install the Debian "
        f"package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) to draw the rich menu, or deploy the "
        f"committed {IMAGE_PATH.name} as it is"
    )


def _font(path: Path, size: int):
    from PIL import ImageFont, features

    # Thai needs OpenType shaping: ญ and ฐ lose their tails over a lower vowel (ญู, ฐุ), a mark over
    # a tall consonant moves left (ป่, ฟ้), marks stack over upper vowels (ชื่, เช็ค). Pillow's BASIC
    # layout draws each code point's glyph at its default place with no GSUB/GPOS, so the tails
    # collide with ู/ุ and marks over ป/ฝ/ฟ hit the stem (tried with Loma-Bold; the stacked marks of the
    # tlwg fonts happen to sit right by default). RAQM (HarfBuzz; in Pillow's PyPI wheels) shapes it
    # correctly. Without RAQM some words would come out wrong for every user, so we refuse to draw.
    if not features.check("raqm"):
        raise RuntimeError("this Pillow has no raqm (HarfBuzz) layout, so Thai vowels and tone marks would "
                           "be misplaced; install Pillow from PyPI wheels or the libraqm package, or deploy the "
                           f"committed {IMAGE_PATH.name}")
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _fit(path: Path, text: str, size: int, max_width: int):
    """The font at `size`, or smaller until `text` fits in `max_width`."""
    while True:
        font = _font(path, size)
        left, _, right, _ = font.getbbox(text)
        if right - left <= max_width or size <= 24:
            return font
        size -= 4


SCALE = 2  # drawn at twice the size and reduced, which smooths the edges of lines and circles


def render_image(path: Path | str | None = None, menu: Menu = STAFF) -> bytes:
    """Draw a menu as a PNG (2500x1686, under 1 MB); also write it to `path` when given."""
    from PIL import Image, ImageDraw

    label_font = find_font(LABEL_FONTS)
    subtitle_font = find_font(SUBTITLE_FONTS)
    s = SCALE
    image = Image.new("RGB", (WIDTH * s, HEIGHT * s), menu.background)
    draw = ImageDraw.Draw(image)
    gap = 14  # half the space between cards
    for area in menu.areas:
        x0, y0 = (area.x + gap) * s, (area.y + gap) * s
        x1, y1 = (area.x + area.width - gap) * s, (area.y + area.height - gap) * s
        draw.rounded_rectangle((x0, y0, x1, y1), radius=44 * s, fill=CARD)
        cx = (x0 + x1) // 2
        card_h = y1 - y0
        # green accent: a short bar at the top of the card
        draw.rounded_rectangle((cx - 70 * s, y0, cx + 70 * s, y0 + 12 * s), radius=6 * s, fill=GREEN)
        cy = y0 + int(card_h * 0.33)
        radius = 150 * s
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=GREEN_PALE)
        ICONS[area.icon](draw, cx, cy, s)
        max_text = (x1 - x0) - 2 * 60 * s
        font = _fit(label_font, area.label, 132 * s, max_text)
        draw.text((cx, y0 + int(card_h * 0.69)), area.label, font=font, fill=INK, anchor="mm")
        font = _fit(subtitle_font, area.subtitle, 58 * s, max_text)
        draw.text((cx, y0 + int(card_h * 0.86)), area.subtitle, font=font, fill=GREY, anchor="mm")
    image = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    data = _png(image)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
    return data


def _png(image) -> bytes:
    """PNG bytes; a 64-colour palette when the full-colour file would pass LINE's 1 MB limit."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    if buffer.tell() < MAX_IMAGE_BYTES:
        return buffer.getvalue()
    buffer = io.BytesIO()
    image.quantize(colors=64).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


# -- icons: green line drawings centred on (cx, cy), in units of SCALE --------------------------------
STROKE = 16


def _polyline(draw, cx: int, cy: int, s: int, points, closed: bool = False) -> None:
    """A stroke through `points` with round joins and caps: each segment, then a disc on each point
    (Pillow's own joined wide lines leave hairline gaps along tight curves)."""
    pts = [(cx + x * s, cy + y * s) for x, y in points]
    if closed:
        pts.append(pts[0])
    width, r = STROKE * s, STROKE * s / 2
    for a, b in itertools.pairwise(pts):
        draw.line((a, b), fill=GREEN, width=width)
    for x, y in pts:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=GREEN)


def _arc(cx0: float, cy0: float, r: float, start: float, end: float, steps: int = 48):
    return [(cx0 + r * math.cos(math.radians(a)), cy0 + r * math.sin(math.radians(a)))
            for a in (start + (end - start) * i / steps for i in range(steps + 1))]


def _pledge(draw, cx, cy, s):  # a page with lines and a tick
    w, h, fold = 62, 82, 26
    _polyline(draw, cx, cy, s, [(-w, -h), (w - fold, -h), (w, -h + fold), (w, h), (-w, h)], closed=True)
    _polyline(draw, cx, cy, s, [(-30, -38), (24, -38)])
    _polyline(draw, cx, cy, s, [(-30, -4), (30, -4)])
    _polyline(draw, cx, cy, s, [(-28, 38), (-8, 56), (30, 18)])


def _heart(draw, cx, cy, s):  # two round lobes meeting in a dip, tangent lines down to the point
    r, lobe, top = 42, 40, -26
    dip = math.degrees(math.atan2(-math.sqrt(r * r - lobe * lobe), lobe))  # where the lobes meet
    tip = top + (r * math.sin(math.radians(45)) + (lobe + r * math.cos(math.radians(45))))
    _polyline(draw, cx, cy, s, [(0, tip)] + _arc(-lobe, top, r, 135, 360 + dip)
              + _arc(lobe, top, r, 180 - dip, 405) + [(0, tip)])


def _pin(draw, cx, cy, s):  # a map pin: circle tangent to a point, a dot inside
    r, top, tip = 58, -28, 88
    _polyline(draw, cx, cy, s, [(0, tip)] + _arc(0, top, r, 150, 390) + [(0, tip)])
    dot = 20 * s
    draw.ellipse((cx - dot, cy + top * s - dot, cx + dot, cy + top * s + dot), fill=GREEN)


def _star(draw, cx, cy, s):
    pts = []
    for i in range(10):
        radius = 88 if i % 2 == 0 else 38
        a = math.radians(-90 + 36 * i)
        pts.append((radius * math.cos(a), radius * math.sin(a) + 6))
    _polyline(draw, cx, cy, s, pts, closed=True)


def _chart(draw, cx, cy, s):  # three rising bars on a base line
    _polyline(draw, cx, cy, s, [(-78, 74), (78, 74)])
    for x, top in ((-44, 24), (0, -16), (44, -62)):
        _polyline(draw, cx, cy, s, [(x, 44), (x, top)])


def _help(draw, cx, cy, s):  # a question mark
    _polyline(draw, cx, cy, s, _arc(0, -34, 42, 195, 400) + [(0, 18), (0, 34)])
    dot = 12 * s
    draw.ellipse((cx - dot, cy + 72 * s - dot, cx + dot, cy + 72 * s + dot), fill=GREEN)


def _summary(draw, cx, cy, s):  # a clipboard with three ticked lines
    w, h = 64, 84
    _polyline(draw, cx, cy, s, [(-w, -h + 12), (w, -h + 12), (w, h), (-w, h)], closed=True)
    _polyline(draw, cx, cy, s, [(-26, -h), (26, -h), (26, -h + 24), (-26, -h + 24)], closed=True)
    for y in (-28, 12, 52):
        _polyline(draw, cx, cy, s, [(-40, y), (-30, y + 10), (-14, y - 8)])
        _polyline(draw, cx, cy, s, [(4, y), (40, y)])


def _web(draw, cx, cy, s):  # a browser window: a frame, its top bar with three dots, a page
    w, h = 92, 70
    _polyline(draw, cx, cy, s, [(-w, -h), (w, -h), (w, h), (-w, h)], closed=True)
    _polyline(draw, cx, cy, s, [(-w, -h + 36), (w, -h + 36)])
    dot = 8 * s
    for x in (-70, -48, -26):
        draw.ellipse((cx + x * s - dot, cy + (-h + 18) * s - dot, cx + x * s + dot, cy + (-h + 18) * s + dot),
                     fill=GREEN)
    _polyline(draw, cx, cy, s, [(-58, 0), (58, 0)])
    _polyline(draw, cx, cy, s, [(-58, 34), (20, 34)])


ICONS = {"pledge": _pledge, "heart": _heart, "pin": _pin, "star": _star, "chart": _chart, "help": _help,
         "summary": _summary, "web": _web}
