"""Invite sheets: one card per person (name, unit, the invite code in large letters and the QR code of
its registration link), to print and hand out at a meeting. The console shows the same cards as a
printable page; this module makes the PDF, with WeasyPrint from HTML and CSS in the Sarabun font.

    sheet = invites.cards([(name, unit, invite_code), …], basic_id="@office")
    data = invites.pdf(sheet, office="สำนักงาน…", notice="")

A PDF carries its QR codes inside (data: URIs). The console's page gives `qr_url`, so that its HTML
comes at once and the browser fetches the QR images beside it, each made once per process.
"""
from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot import links, words

HERE = Path(__file__).resolve().parent
FONTS_DIR = HERE.parent / "fonts"
TEMPLATES = HERE / "templates"
INSTRUCTION = f"สแกน QR ด้วย LINE หรือพิมพ์ {words.REGISTER} ตามด้วยรหัส"
# Per file (and per page in the console): 32 A4 pages. On a 2-CPU AMD EPYC VM a PDF of 500 cards took
# 17.7 s (5 s of QR codes, the rest WeasyPrint): too close to a request's 30 s; 250 take about 9 s.
MAX_CARDS = 250
PER_PAGE = 8     # 2 columns × 4 rows on A4


@dataclass(frozen=True)
class Card:
    name: str
    unit: str
    code: str  # the 8-character invite code
    link: str  # https://line.me/R/oaMessage/<basic id>/?ลงทะเบียน%20<code>
    qr: str    # where the link's QR code is: a data: URI of a PNG, or a URL


def cards(people: Iterable[Sequence[Any]], basic_id: str,
          qr_url: Callable[[Sequence[Any]], str] | None = None) -> list[Card]:
    """A card for each (name, unit, invite code, …). The QR image is in the card (a data: URI) unless
    `qr_url` says where to fetch it for that person."""
    made = []
    for person in people:
        name, unit, code = person[0], person[1], person[2]
        link = links.invite(basic_id, code)
        if qr_url is not None:
            qr = qr_url(person)
        else:
            qr = "data:image/png;base64," + base64.b64encode(links.qr_png(link)).decode("ascii")
        made.append(Card(name, unit, code, link, qr))
    return made


def css_string(text: str) -> Markup:
    """Text for inside a CSS string ("…") in a <style> element: no quote, backslash, line break or
    tag can end it (each is written as a CSS escape, which HTML leaves alone)."""
    return Markup("".join(ch if ch.isprintable() and ch not in '"\'\\<>&' else f"\\{ord(ch):x} " for ch in text))


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["css_string"] = css_string


def font_faces() -> str:
    """@font-face rules for Sarabun from bot/fonts (file:// URLs, for WeasyPrint). The Latin and Thai
    subsets are two families, "Sarabun latin" then "Sarabun thai": WeasyPrint given one family with
    `unicode-range` faces drew Latin letters with the Thai subset's glyphs."""
    rules = []
    for weight in (400, 700):
        for script in ("latin", "thai"):
            # The Thai subset as bot/documents/thaifont.py fixes it for PDFs (ำ copies as ำ)
            suffix = "-pdf" if script == "thai" else ""
            url = (FONTS_DIR / f"sarabun-{script}-{weight}-normal{suffix}.woff").as_uri()
            rules.append(f'@font-face {{ font-family: "Sarabun {script}"; font-weight: {weight}; '
                         f'src: url("{url}") format("woff"); }}')
    return "\n".join(rules)


def html(sheet: list[Card], office: str, title: str = "บัตรเชิญลงทะเบียน", footer: str = "") -> str:
    """The sheet as a standalone HTML document (what the PDF is made from); `footer` is printed at
    the bottom of every page (which part of a long list this file is)."""
    return _env.get_template("invites.html").render(
        cards=sheet, office=office, title=title, footer=footer or title, instruction=INSTRUCTION,
        fonts=font_faces(), pages=[sheet[i:i + PER_PAGE] for i in range(0, len(sheet), PER_PAGE)])


def render(sheet: list[Card], office: str, title: str = "บัตรเชิญลงทะเบียน", footer: str = "") -> Any:
    """The sheet laid out by WeasyPrint (a weasyprint.Document: its pages, then write_pdf())."""
    from weasyprint import HTML  # heavy (~0.5 s to import); only the documents need it

    return HTML(string=html(sheet, office, title, footer), base_url=str(TEMPLATES)).render()


def pdf(sheet: list[Card], office: str, title: str = "บัตรเชิญลงทะเบียน", footer: str = "") -> bytes:
    """The sheet as an A4 PDF, 8 cards a page, to cut along the dashed lines."""
    data: bytes = render(sheet, office, title, footer).write_pdf()
    return data


def text_of(document: Any) -> str:
    """The text a laid-out document shows, page after page (for checking what a PDF holds)."""
    words = []
    for page in document.pages:
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            text = getattr(box, "text", None)
            if isinstance(text, str):
                words.append(text)
            stack.extend(reversed(getattr(box, "children", [])))
    return " ".join(words)
