"""Thai text in our PDFs reads back as written: copied or searched, สำนักงาน is สำนักงาน
(bot/documents/thaifont.py). Checked with poppler's pdftotext, in both orders (WeasyPrint maps each
glyph to the first text it meets, so the order of ำ and า on a page used to decide which one broke).
`pdftotext -raw` reads in the order the text is drawn, as copying and searching do; its default layout
mode sorts by position and puts the bold tone mark of ผู้ใหญ่ after ใ, whatever the font says."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from fontTools.ttLib import TTFont

from bot.documents import invites, thaifont

WORDS = ["สำนักงาน", "ทำ", "น้ำ", "กำหนด", "ทำความดี", "คุณธรรม", "ปฏิญญา", "ทั้งหมด", "ผู้ใหญ่", "จำนวน",
         "ทำงาน", "ทาน", "งาน", "ป่ำ", "ค้ำ", "สำนักงานพัฒนาชุมชนจังหวัดเชียงราย", "๒๕๖๙"]

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def text_of_pdf(words: list[str], bold: bool, tmp_path) -> list[str]:
    from weasyprint import HTML

    body = "".join(f"<p>{w}</p>" for w in words)
    html = (f"<html><head><style>{invites.font_faces()} body {{ font-family: 'Sarabun latin', 'Sarabun thai'; "
            f"font-size: 16pt; font-weight: {700 if bold else 400}; }}</style></head><body>{body}</body></html>")
    path = tmp_path / "words.pdf"
    path.write_bytes(HTML(string=html).write_pdf())
    read = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True)
    return read.stdout.split()


@pytest.mark.parametrize("bold", [False, True], ids=["400", "700"])
@pytest.mark.parametrize("order", ["ำ first", "า first"])
def test_sara_am_reads_back_as_written(order, bold, tmp_path):
    words = WORDS if order == "ำ first" else list(reversed(WORDS))
    assert text_of_pdf(words, bold, tmp_path) == words


@pytest.mark.parametrize("weight", thaifont.WEIGHTS)
def test_the_committed_fonts_are_the_fix_of_the_ones_beside_them(weight):
    fixed, original = TTFont(thaifont.target(weight)), TTFont(thaifont.source(weight))
    assert fixed.getGlyphOrder() == original.getGlyphOrder() + [thaifont.twin(t) for t in thaifont.TONES]
    assert fixed["glyf"][thaifont.twin("0E49")].coordinates == original["glyf"][thaifont.SARA_AA].coordinates
    assert fixed.getBestCmap() == original.getBestCmap()  # the same characters; only new glyphs behind them
    assert len(fixed["GSUB"].table.LookupList.Lookup) > len(original["GSUB"].table.LookupList.Lookup)
