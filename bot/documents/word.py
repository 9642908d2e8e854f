"""Editable Word copies (python-docx): the memo that sends the report up, and the draft order that
appoints each activity's responsible people (2.2). Thai offices finish and sign these in Word, so
they are plain: TH SarabunPSK 16 pt (the font every government computer has; Word falls back to a
Thai font where it is missing), A4, margins 3 cm left and 2 cm right, Buddhist-Era dates.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from bot.documents.pdf import full_date
from bot.documents.pdf import thai_digits as to_thai_digits

if TYPE_CHECKING:
    from models.report import ActivityLine

@dataclass(frozen=True)
class Memo:
    """บันทึกข้อความ: what its lines and body say (reports.memo_of), for the PDF and the Word copy."""

    office: str
    number: str
    day: date
    subject: str
    to: str
    paragraphs: list[str]
    attachments: list[str]
    signer: str
    signer_position: str


FONT = "TH SarabunPSK"
SIZE = Pt(16)


def _document() -> Any:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = SIZE
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    size_cs = style.element.get_or_add_rPr().find(qn("w:szCs"))
    if size_cs is None:
        size_cs = style.element.get_or_add_rPr().makeelement(qn("w:szCs"), {})
        style.element.get_or_add_rPr().append(size_cs)
    size_cs.set(qn("w:val"), str(int(SIZE.pt * 2)))
    style.paragraph_format.space_after = Pt(0)
    return doc


class _Writer:
    """Paragraphs and runs with the document's digits (Thai when asked)."""

    def __init__(self, doc: Any, thai_digits: bool):
        self.doc, self.thai = doc, thai_digits

    def text(self, value: str) -> str:
        return to_thai_digits(value) if self.thai else value

    def para(self, *runs: tuple[str, bool] | str, align: Any = None, indent: bool = False, size: float | None = None,
             before: float = 0) -> Any:
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Cm(2.5)
        if before:
            p.paragraph_format.space_before = Pt(before)
        for run in runs:
            text, bold = (run, False) if isinstance(run, str) else run
            r = p.add_run(self.text(text))
            r.bold = bold
            if size:
                r.font.size = Pt(size)
                r.element.get_or_add_rPr()
        return p

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _sign(w: _Writer, signer: str, position: str) -> None:
    for line in ("", "", f"({signer or '.' * 50})", position):
        p = w.para(line)
        p.paragraph_format.left_indent = Cm(7.5)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def memo(found: Memo, thai_digits: bool = False, garuda: Path | None = None) -> bytes:
    w = _Writer(_document(), thai_digits)
    if garuda is not None and garuda.is_file():
        w.doc.add_picture(str(garuda), height=Cm(1.5))
    w.para(("บันทึกข้อความ", True), align=WD_ALIGN_PARAGRAPH.CENTER, size=29)
    w.para(("ส่วนราชการ ", True), found.office)
    w.para(("ที่ ", True), found.number or "." * 40, "          ", ("วันที่ ", True), full_date(found.day))
    w.para(("เรื่อง ", True), found.subject)
    w.para(("เรียน ", True), found.to, before=8)
    for paragraph in found.paragraphs:
        w.para(paragraph, indent=True, before=4)
    if found.attachments:
        w.para("สิ่งที่ส่งมาด้วย", before=6)
        for i, item in enumerate(found.attachments, 1):
            w.para(f"{i}. {item}")
    _sign(w, found.signer, found.signer_position)
    return w.bytes()


def order(office: str, fiscal_year: int, day: date, activities: Iterable[ActivityLine], head: str,
          head_position: str, thai_digits: bool = False) -> bytes:
    """คำสั่ง … ที่ …/<year> เรื่อง แต่งตั้งผู้รับผิดชอบกิจกรรมตามแผนส่งเสริมคุณธรรม: a draft to finish and sign."""
    w = _Writer(_document(), thai_digits)
    w.para((f"คำสั่ง{office}", True), align=WD_ALIGN_PARAGRAPH.CENTER, size=18)
    w.para(("ที่ ", True), f"........../{fiscal_year}", align=WD_ALIGN_PARAGRAPH.CENTER)
    w.para(("เรื่อง ", True), f"แต่งตั้งผู้รับผิดชอบกิจกรรมตามแผนส่งเสริมคุณธรรม ประจำปีงบประมาณ พ.ศ. {fiscal_year}",
           align=WD_ALIGN_PARAGRAPH.CENTER)
    w.para("-" * 30, align=WD_ALIGN_PARAGRAPH.CENTER)
    w.para(f"เพื่อให้การขับเคลื่อนแผนส่งเสริมคุณธรรม ประจำปีงบประมาณ พ.ศ. {fiscal_year} ของ{office} "
           "เป็นไปอย่างมีประสิทธิภาพ บรรลุตามตัวชี้วัด จึงแต่งตั้งผู้รับผิดชอบกิจกรรม ดังนี้", indent=True, before=6)
    table = w.doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, ("ที่", "กิจกรรม/โครงการ", "ผู้รับผิดชอบ", "ตำแหน่ง"), strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(heading).bold = True
    for i, activity in enumerate(activities, 1):
        people = activity.responsible or [("", "", "")]
        cells = table.add_row().cells
        cells[0].text = w.text(str(i))
        cells[1].text = w.text(activity.title)
        cells[2].text = "\n".join(name for name, _, _ in people) or "-"
        cells[3].text = "\n".join(position for _, position, _ in people) or "-"
    w.para("ให้ผู้ได้รับการแต่งตั้งดำเนินกิจกรรมตามแผน บันทึกผลและหลักฐาน และรายงานผลต่อผู้บังคับบัญชาตามกำหนด",
           indent=True, before=6)
    w.para("ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป", indent=True)
    w.para(f"สั่ง ณ วันที่ {full_date(day)}", indent=True, before=6)
    _sign(w, head, head_position)
    return w.bytes()
