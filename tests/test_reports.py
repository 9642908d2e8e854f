"""The year's documents (`flask --app bot report …`), built from an office scripted through LINE and the
CLI: the text pdftotext reads back holds the right Thai strings and numbers, the fonts are embedded,
the pages render (PNG files under tests/artefacts/reports/ to look at), the Word and Excel files
agree with the database, and the evidence pack's index matches its files byte for byte."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import traceback
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from docx import Document
from PIL import Image

from bot.documents import reports
from models import plan as plans
from models import pledge as pledges
from models.activity import Activity
from models.evidence import Evidence
from models.nomination import Honour
from models.staff import Staff
from tests.conftest import text_of
from tests.handlers.test_nomination import nominate, open_round
from tests.handlers.test_proposal import propose

BKK = ZoneInfo("Asia/Bangkok")
DAY = datetime(2026, 11, 10, 9, 0, tzinfo=BKK)  # the activity (FY2570, before "today" 1–2 Dec 2026)
ARTEFACTS = Path(__file__).resolve().parent / "artefacts" / "reports"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (6, 199, 85)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def year(bot, line, register, runner, this_year_plan):
    """An office's autumn: 6 people registered, 3 acknowledged the pledge, 2 proposed, one activity
    carried out with 2 check-ins and a photo sent in LINE, publicity on 2 channels, an award, lessons
    learned, the 4.5 confirmation, and one person honoured."""
    users = {code: register(code) for code in ("C01", "E01", "S01", "S02", "S03", "S04")}
    with bot.db.sessions() as db:
        (version,) = pledges.current_versions(db)
        version_id = version.id
    for code, at in (("S01", datetime(2026, 10, 5, 9, 15, tzinfo=BKK)),
                     ("S02", datetime(2026, 10, 6, 14, 5, tzinfo=BKK)),
                     ("C01", datetime(2026, 11, 20, 8, 0, tzinfo=BKK))):
        assert "ขอบคุณ" in text_of(line.tap(users[code], f"a=pledge.ack&v={version_id}", at=at))
    propose(line, users["S01"], "ใช้กระดาษสิ้นเปลือง", "พิมพ์สองหน้าและใช้เอกสารออนไลน์", "พอเพียง",
            at=datetime(2026, 10, 8, 10, 0, tzinfo=BKK))
    propose(line, users["S03"], "มาประชุมสายเป็นประจำ", "ตรงต่อเวลาทุกการประชุม", "วินัย",
            at=datetime(2026, 10, 9, 10, 0, tzinfo=BKK))
    added = runner.invoke(args=[
        "activity", "add", "--title", "วันจิตอาสาพัฒนาวัด", "--start", "2026-11-10T09:00+07:00",
        "--end", "2026-11-10T12:00+07:00", "--place", "วัดพระแก้ว อำเภอเมืองเชียงราย", "--responsible", "C01,S01",
        "--virtue", "จิตอาสา", "--problem", "บุคลากรไม่ค่อยร่วมงานส่วนรวม", "--good", "ร่วมกันทำความสะอาดวัด",
        "--indicator", "3.1", "--budget", "15000"])
    assert added.exit_code == 0, added.output
    code = added.output.split()[-1]
    for who, minutes in (("S01", 5), ("S03", 12)):
        assert "เรียบร้อย" in text_of(line.say(users[who], f"เช็คอิน {code}", at=DAY + timedelta(minutes=minutes)))
    done = runner.invoke(args=["activity", "done", code, "--note", "ร่วมกันทำความสะอาดวัดและถวายภัตตาหาร",
                               "--at", "2026-11-10T12:30+07:00", "--budget-used", "12500.50"])
    assert done.exit_code == 0, done.output
    # The coordinator sends the activity's photo in LINE, for indicator 3.1.
    line.say(users["C01"], "หลักฐาน")
    line.send_content(users["C01"], PHOTO, file_name="")
    assert "บันทึกหลักฐานตัวชี้วัด 3.1 แล้ว" in text_of(line.say(users["C01"], "3.1"))
    for args in (
        ["channel", "--channel", "facebook", "--link", "https://facebook.com/cdd.chiangrai/posts/1",
         "--date", "2026-11-11", "--title", "ภาพกิจกรรมวันจิตอาสา"],
        ["channel", "--channel", "website", "--link", "https://chiangrai.cdd.go.th/news/2", "--date", "2026-11-12",
         "--title", "ข่าวกิจกรรมบนเว็บไซต์สำนักงาน"],
        ["award", "--issuer", "จังหวัดเชียงราย", "--kind", "thanks", "--title", "หนังสือขอบคุณการจัดกิจกรรมจิตอาสา",
         "--date", "2026-11-15", "--link", "https://chiangrai.go.th/thanks/9"],
        ["lessons", "--done", "จัดกิจกรรมจิตอาสาและรณรงค์ลดกระดาษ", "--results", "ดำเนินการแล้ว 1 จาก 1 กิจกรรม",
         "--worked", "บุคลากรมาร่วมด้วยความเต็มใจ", "--problems", "แจ้งกำหนดการช้า", "--improvements",
         "แจ้งล่วงหน้าสองสัปดาห์", "--date", "2026-11-25", "--sent-on", "2026-11-26",
         "--acknowledged-by", "นายบุญมี ผู้อำนวยการ", "--acknowledged-on", "2026-11-27"],
        ["confirm", "--by", "นายบุญมี ผู้อำนวยการ", "--position", "พัฒนาการจังหวัดเชียงราย", "--date", "2026-11-28"],
    ):
        result = runner.invoke(args=["evidence", *args])
        assert result.exit_code == 0, result.output
    open_round(line, users["C01"], at=datetime(2026, 11, 16, 9, 0, tzinfo=BKK))
    nominate(line, users["S02"], "สมชาย", "นายสมชาย ใจดี", "จิตอาสา", at=datetime(2026, 11, 16, 10, 0, tzinfo=BKK))
    honoured = runner.invoke(args=["nominate", "honour", "--person", "S01", "--virtue", "จิตอาสา",
                                   "--at", "2026-11-18T10:00+07:00"])
    assert honoured.exit_code == 0, honoured.output
    return users


PHOTO = photo()


def make(runner, tmp_path: Path, kind: str, *extra: str, name: str = "") -> Path:
    out = tmp_path / (name or f"{kind}{Path(reports.FILE_NAMES[kind]).suffix}")
    result = runner.invoke(args=["report", kind, "--out", str(out), *extra])
    if result.exit_code != 0 and result.exc_info:
        traceback.print_exception(*result.exc_info)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    return out


def squash(text: str) -> str:
    """Text without its white space: a table cell wraps a Thai phrase anywhere, and Thai has no spaces
    between words to find it by."""
    return re.sub(r"\s+", "", text)


def holds(text: str, *expected: str) -> None:
    flat = squash(text)
    for phrase in expected:
        assert squash(phrase) in flat, phrase


def raw_text(path: Path) -> str:
    """The PDF's text in reading order (also kept beside the page images, to read)."""
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"{path.stem}.txt").write_text(text)
    return text


def fonts_embedded(path: Path) -> list[str]:
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows, "no fonts in the PDF"
    assert all(row.split()[-5] == "yes" for row in rows), rows  # the "emb" column
    return [row.split()[0] for row in rows]


def look(path: Path, name: str, pages: int = 2) -> list[Path]:
    """Render the first pages to PNG (under tests/artefacts/reports/) to look at; each is a real image."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTEFACTS / name
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", str(pages), str(path), str(stem)], check=True)
    found = sorted(ARTEFACTS.glob(f"{name}-*.png"))
    for png in found:
        with Image.open(png) as image:
            assert image.size[0] > 300
    assert found
    return found


@needs_poppler
def test_progress_report_states_every_indicator_and_what_was_done(bot, runner, year, tmp_path):
    path = make(runner, tmp_path, "progress")
    text = raw_text(path)
    assert "Sarabun" in " ".join(fonts_embedded(path))
    holds(text, "รายงานผลการดำเนินงานตามแผนส่งเสริมคุณธรรม รอบ 6 เดือน", "สำนักงานพัฒนาชุมชนจังหวัดเชียงราย",
          "ปีงบประมาณ พ.ศ. 2570", "วันจิตอาสาพัฒนาวัด", "วัดพระแก้ว อำเภอเมืองเชียงราย", "ผู้เข้าร่วม 2 คน",
          "15,000.00 บาท ใช้จริง 12,500.50 บาท", "ร่วมกันทำความสะอาดวัดและถวายภัตตาหาร",
          "นายสมชาย ใจดี", "หนังสือขอบคุณการจัดกิจกรรมจิตอาสา", "จังหวัดเชียงราย",
          "2 จาก 5 ช่องทาง", "เพจ Facebook", "เว็บไซต์ของหน่วยงาน", "แจ้งล่วงหน้าสองสัปดาห์",
          "นายบุญมี ผู้อำนวยการ ทราบเมื่อ 27 พฤศจิกายน 2569", "ขอรับรองว่า ในปีงบประมาณ พ.ศ. 2570",
          "ดำเนินการแล้ว เมื่อ 10 พฤศจิกายน 2569")
    # 1.2: 3 of 6 acknowledged; every indicator is in the table.
    holds(text, "ร้อยละ 50 (3/6)")
    for code in ("1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2", "4.3", "4.4", "4.5"):
        assert re.search(rf"^{re.escape(code)} ", text, re.M), code
    # The photo sent in LINE is drawn in the report (an image in the PDF).
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) >= 3
    look(path, "progress", pages=3)


@needs_poppler
@pytest.mark.parametrize("thai_digits", [False, True])
def test_a_long_report_laid_out_in_parts_reads_and_is_numbered_as_one(bot, year, tmp_path, thai_digits):
    """A large office's report is laid out a few activities at a time (here 2; 200 in production) and
    joined: the same text as laid out at once, its activities in order, and "หน้า X / Y" on every page
    counted over the whole file."""
    digits = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙") if thai_digits else str.maketrans("", "")
    at = datetime.now(bot.settings.tz)
    with bot.db.reading() as db:
        plan = plans.current(db, at)
        office = reports.Office.of(bot.settings, db, plan, at, thai_digits=thai_digits)
        count = db.scalar(sa.select(sa.func.count(Activity.id)).where(Activity.plan_id == plan.id))
        assert count >= 5  # three parts of activities or more
        footer = squash(office.context(plan, at, reports.report_title(plan, at))["footer"].translate(digits))
        whole, parts = tmp_path / "whole.pdf", tmp_path / "parts.pdf"
        whole.write_bytes(reports.progress(db, plan, at, office))
        parts.write_bytes(reports.progress(db, plan, at, office, part_size=2))
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(parts)], capture_output=True, text=True,
                                                          check=True).stdout).group(1))
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(parts), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert f"หน้า {page} / {pages}".translate(digits) in text, (page, text[-200:])
    assert "Sarabun" in " ".join(fonts_embedded(parts))

    def body(path: Path) -> str:  # the text without the page footers (the pages break elsewhere)
        return squash(re.sub(r"หน้า [0-9๐-๙]+ / [0-9๐-๙]+", "", raw_text(path))).replace(footer, "")

    assert body(parts) == body(whole)
    # A quote in a title is a character reference in the HTML (&#34;): Thai digits leave it alone.
    assert "&#" not in raw_text(parts)
    assert squash('"ปัญหาที่อยากแก้') in squash(raw_text(parts))
    headings = re.findall(r"กิจกรรมที่ ([0-9๐-๙]+) ", raw_text(parts))
    assert headings == [str(n).translate(digits) for n in range(1, count + 1)]
    look(parts, "progress-in-parts" + ("-thai" if thai_digits else ""), pages=2)


@needs_poppler
def test_a_report_as_of_an_earlier_day_leaves_out_what_came_later(bot, runner, year, tmp_path):
    path = make(runner, tmp_path, "progress", "--at", "2026-11-01", name="early.pdf")
    text = raw_text(path)
    holds(text, "ข้อมูล ณ วันที่ 1 พฤศจิกายน 2569", "ยังไม่ได้ดำเนินการ", "ยังไม่มีการถอดบทเรียน",
          "ยังไม่มีรางวัลหรือการยกย่องจากภายนอก")
    assert squash("ดำเนินการแล้ว เมื่อ") not in squash(text)  # done on 10 Nov
    assert squash("หนังสือขอบคุณการจัดกิจกรรมจิตอาสา") not in squash(text)
    assert squash("ผู้เข้าร่วม 2 คน") not in squash(text)  # nobody had checked in yet


@needs_poppler
def test_memo_pdf_and_docx_in_the_government_layout(bot, runner, year, tmp_path):
    path = make(runner, tmp_path, "memo", "--thai-digits")
    text = raw_text(path)
    holds(text, "บันทึกข้อความ", "ส่วนราชการ", "วันที่", "เรื่อง", "เรียน ผู้ว่าราชการจังหวัดเชียงราย",
          "จึงเรียนมาเพื่อโปรดทราบ", "สำนักงานพัฒนาชุมชนจังหวัดเชียงราย", "ปีงบประมาณ พ.ศ. ๒๕๗๐")
    assert not re.search(r"[0-9]", text.replace("หน้า", "")), "Arabic digits left with --thai-digits"
    fonts_embedded(path)
    look(path, "memo", pages=1)
    word = Document(str(make(runner, tmp_path, "memo-docx")))
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[0] == "บันทึกข้อความ"
    assert any(p.startswith("ส่วนราชการ สำนักงานพัฒนาชุมชนจังหวัดเชียงราย") for p in paragraphs)
    assert any("ดำเนินกิจกรรมแล้ว 1 จาก" in p for p in paragraphs)
    assert word.styles["Normal"].font.size.pt == 16


@needs_poppler
def test_signature_sheet_lists_everyone_against_the_headcount(bot, runner, year, tmp_path):
    path = make(runner, tmp_path, "signatures")
    text = raw_text(path)
    fonts_embedded(path)
    holds(text, "บุคลากรทั้งหมด 6 คน รับทราบแล้ว 3 คน (ร้อยละ 50) ยังไม่รับทราบ 3 คน", "5 ต.ค. 69 09:15 น.",
          "6 ต.ค. 69 14:05 น.", "20 พ.ย. 69 08:00 น.")
    with bot.db.sessions() as db:
        names = list(db.scalars(sa.select(Staff.name).where(Staff.active)))
    holds(text, *names)
    assert text.count("ยังไม่รับทราบ") == 3 + 1  # the three rows and the totals line
    look(path, "signatures", pages=1)


@needs_poppler
@pytest.mark.parametrize("processes", [1, 2])
def test_a_long_signature_sheet_laid_out_in_parts_reads_and_is_numbered_as_one(bot, year, tmp_path, processes):
    """A large office's sheet lists one line a person under their unit, laid out a few people at a time
    (here 2; 5,000 in production) and joined: everyone once, numbered in their unit across the parts,
    a unit's heading with the whole unit's counts ("(ต่อ)" where it goes on), the declaration and the
    signature block once, and "หน้า X / Y" on every page counted over the sheet; the same when the
    parts are laid out by two worker processes (REPORT_PROCESSES=2)."""
    at = datetime.now(bot.settings.tz)
    with bot.db.reading() as db:
        plan = plans.current(db, at)
        office = reports.Office.of(bot.settings.replace(report_processes=processes), db, plan, at)
        people = db.execute(sa.select(Staff.unit, Staff.name).where(Staff.active).order_by(Staff.unit, Staff.name,
                                                                                          Staff.id)).all()
        path = tmp_path / "sheet.pdf"
        path.write_bytes(reports.signatures(db, plan, at, office, compact_over=2, part_size=2))
    text = raw_text(path)
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                                                          check=True).stdout).group(1))
    assert pages >= 4  # each of the four parts begins a page
    for page in range(1, pages + 1):
        one = subprocess.run(["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(path), "-"],
                             capture_output=True, text=True, check=True).stdout
        assert f"หน้า {page} / {pages}" in one, (page, one[-200:])
    fonts_embedded(path)
    flat = squash(text)
    assert flat.count(squash("บุคลากรทั้งหมด 6 คน รับทราบแล้ว 3 คน")) == 1
    assert flat.count(squash("แต่ละบรรทัด: ลำดับในหน่วยงาน")) == 1
    assert text.count("ลงชื่อ ....") == 1
    units: dict[str, list[str]] = {}
    for unit, name in people:
        units.setdefault(unit, []).append(name)
    for unit, names in units.items():
        for n, name in enumerate(names, start=1):
            assert flat.count(squash(name)) == 1, name
            assert squash(f"{n}. {name}") in flat, (n, name)
        heading = squash(f"{unit} ({len(names)} คน")
        assert flat.count(heading) == 2  # three people of a unit in parts of two: the unit goes on once
        assert squash(f"{heading}") + "รับทราบแล้ว" in flat
    assert flat.count(squash("(ต่อ)")) == len(units)
    # Each unit's lines come in roster order, the parts joined in order.
    order = [flat.index(squash(f"{n}. {name}")) for names in units.values() for n, name in enumerate(names, 1)]
    assert order == sorted(order)
    look(path, f"signatures-in-parts-{processes}", pages=2)


def test_a_sheet_in_parts_keeps_everyone_once_in_order_and_a_unit_whole_when_it_fits():
    from hypothesis import given
    from hypothesis import strategies as st

    from models.report import Signature

    @given(st.lists(st.integers(min_value=1, max_value=9), max_size=8), st.integers(min_value=1, max_value=7))
    def check(sizes: list[int], size: int) -> None:
        rows = [Signature(f"คนที่ {i}", "", f"หน่วย {u:02d}", None) for u, count in enumerate(sizes)
                for i in range(count)]
        parts = reports.signature_parts(rows, size)
        assert [row for part in parts for run in part for _, row in run.rows] == rows
        assert all(0 < sum(len(run.rows) for run in part) <= size for part in parts)
        for u, count in enumerate(sizes):
            runs = [run for part in parts for run in part if run.unit == f"หน่วย {u:02d}"]
            assert [n for run in runs for n, _ in run.rows] == list(range(1, count + 1))
            assert [run.continued for run in runs] == [False] + [True] * (len(runs) - 1)
            assert all(run.count == count for run in runs)
            if count <= size:
                assert len(runs) == 1, (sizes, size)

    check()


@needs_poppler
@pytest.mark.parametrize("processes", [1, 2])
def test_layouts_side_by_side_read_as_laid_out_here(tmp_path, processes):
    """Layouts hands pages to worker processes only when two or more wait (a document of one part never
    starts one); each PDF comes back whole and in its own order; nothing is left running or on disk."""
    import multiprocessing

    from bot.documents import pdf

    def page_of(n: int) -> dict:
        return dict(pages=n, title="ทดสอบ", office="สำนักงาน", footer=f"สำนักงานทำเอกสารส่วนที่ {n}")

    with pdf.Layouts(processes) as layouts:
        alone = layouts.pdf("docs/numbers.html", **page_of(1)).result()
        assert multiprocessing.active_children() == []
        folder = layouts.folder()
        assert folder.is_dir()
        laters = [layouts.pdf("docs/numbers.html", **page_of(n)) for n in (3, 2, 4)]
        assert bool(multiprocessing.active_children()) == (processes > 1)
        made = [later.result() for later in [*laters, laters[0]]]  # a result read twice is the same
    assert multiprocessing.active_children() == []
    assert not folder.exists()
    assert made[3] == made[0]
    for n, data in zip((1, 3, 2, 4), [alone, *made[:3]], strict=True):
        path = tmp_path / f"part-{n}.pdf"
        path.write_bytes(data)
        text = raw_text(path)
        assert text.count(f"สำนักงานทำเอกสารส่วนที่ {n}") == n
        assert f"หน้า {n} / {n}" in text


@needs_poppler
def test_proposals_table_with_and_without_names(bot, runner, year, tmp_path):
    path = make(runner, tmp_path, "proposals")
    fonts_embedded(path)
    text = raw_text(path)
    holds(text, "บุคลากรร่วมเสนอ 2 คน จากทั้งหมด 6 คน (ร้อยละ 33.3)", "ใช้กระดาษสิ้นเปลือง", "ตรงต่อเวลาทุกการประชุม",
          "นายสมชาย ใจดี", "พอเพียง 1", "วินัย 1")
    anonymous = raw_text(make(runner, tmp_path, "proposals", "--no-names", name="anonymous.pdf"))
    holds(anonymous, "ใช้กระดาษสิ้นเปลือง")
    assert squash("นายสมชาย ใจดี") not in squash(anonymous)


@needs_poppler
def test_plan_in_the_standard_columns(bot, runner, year, tmp_path):
    path = make(runner, tmp_path, "plan")
    text = raw_text(path)
    fonts_embedded(path)
    holds(text, "คุณธรรมเป้าหมาย", "ปัญหาที่อยากแก้", "ความดีที่อยากทำ", "ผู้รับผิดชอบ", "จิตอาสา",
          "บุคลากรไม่ค่อยร่วมงานส่วนรวม", "ร่วมกันทำความสะอาดวัด", "15,000.00", "นางสาวกมลา ประสานงาน")
    look(path, "plan", pages=1)


@needs_poppler
def test_honours_announcement_and_certificates_that_verify(bot, client, runner, year, tmp_path):
    path = make(runner, tmp_path, "honours")
    text = raw_text(path)
    fonts_embedded(path)
    holds(text, "เรื่อง การยกย่องเชิดชูบุคคลคุณธรรมและหน่วยงานคุณธรรม ประจำปีงบประมาณ พ.ศ. 2570",
          "เกียรติบัตรฉบับนี้ให้ไว้เพื่อแสดงว่า", "นายสมชาย ใจดี", "บุคคลคุณธรรม ด้านจิตอาสา",
          "ให้ไว้ ณ วันที่ 18 พฤศจิกายน 2569")
    look(path, "honours", pages=2)
    with bot.db.sessions() as db:
        honour_id = db.scalar(sa.select(Honour.id))
    from bot import links

    url = links.certificate_check(bot.settings.public_base_url, bot.settings.signing_key, honour_id)
    page = client.get(url.removeprefix(bot.settings.public_base_url))
    assert page.status_code == 200 and "นายสมชาย ใจดี" in page.get_data(as_text=True)
    assert "ถูกต้อง" in page.get_data(as_text=True)
    forged = client.get(url.removeprefix(bot.settings.public_base_url)[:-4] + "0000")
    assert forged.status_code == 404 and "นายสมชาย" not in forged.get_data(as_text=True)


def test_order_draft_names_each_activitys_responsible_people(bot, runner, year, tmp_path):
    word = Document(str(make(runner, tmp_path, "order")))
    assert any(p.text.startswith("คำสั่งสำนักงานพัฒนาชุมชนจังหวัดเชียงราย") for p in word.paragraphs)
    (table,) = word.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["ที่", "กิจกรรม/โครงการ", "ผู้รับผิดชอบ", "ตำแหน่ง"]
    (row,) = [r for r in rows if r[1] == "วันจิตอาสาพัฒนาวัด"]
    assert row[2].split("\n") == ["นางสาวกมลา ประสานงาน", "นายสมชาย ใจดี"]
    assert row[3].split("\n") == ["นักวิชาการพัฒนาชุมชนชำนาญการ", "นักวิชาการพัฒนาชุมชน"]


@needs_poppler
def test_pack_holds_a_folder_per_indicator_and_an_index_of_hashes(bot, runner, year, tmp_path):
    path = make(runner, tmp_path, "pack")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "สารบัญ.pdf" in names and "ข้อมูลทั้งปี.xlsx" in names
        folders = {n.split("/")[0] for n in names if "/" in n}
        assert {f.split(" ")[0] for f in folders} >= {"1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.4"}
        # The photo sent in LINE is in 3.1's folder, byte for byte.
        (photo_name,) = [n for n in names if n.startswith("3.1 ") and n.endswith((".jpg", ".jpeg"))]
        assert zf.read(photo_name) == PHOTO
        index_path = tmp_path / "index.pdf"
        index_path.write_bytes(zf.read("สารบัญ.pdf"))
        index = raw_text(index_path).replace("\n", "")
        fonts_embedded(index_path)
        for name in names:
            if name == "สารบัญ.pdf":
                continue
            assert hashlib.sha256(zf.read(name)).hexdigest() in index, name
    with bot.db.sessions() as db:
        links_recorded = list(db.scalars(sa.select(Evidence.url).where(Evidence.url != "")))
    assert links_recorded and all(url.replace("\n", "") in index for url in links_recorded)
    look(index_path, "pack-index", pages=1)


def test_bad_options_say_what_to_fix(bot, runner, tmp_path, this_year_plan):
    missing = runner.invoke(args=["report", "progress", "--out", str(tmp_path / "nowhere" / "x.pdf")])
    assert missing.exit_code != 0 and "does not exist" in missing.output
    bad = runner.invoke(args=["report", "progress", "--at", "tomorrow", "--out", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and "ISO-8601" in bad.output
    none = runner.invoke(args=["report", "progress", "--at", "2030-01-01", "--out", str(tmp_path / "x.pdf")])
    assert none.exit_code != 0 and "no plan in use" in none.output


@needs_poppler
def test_a_report_states_its_snapshot_and_a_later_change_of_a_past_record(bot, line, register, runner, tmp_path):
    """FY2569 (the seed plan): the 27 Feb milestone is frozen the night after; the report of 1 March says
    it stands on that snapshot. Then an activity is marked done "on 20 Feb" afterwards: the next report
    says the data of 27 Feb was changed later."""
    with bot.db.sessions() as db:
        (version,) = pledges.current_versions(db)
        version_id = version.id
    line.tap(register("S01"), f"a=pledge.ack&v={version_id}", at=datetime(2026, 2, 20, 9, 0, tzinfo=BKK))
    ran = runner.invoke(args=["jobs", "run", "milestone-snapshots", "--at", "2026-02-28T00:10+07:00"])
    assert ran.exit_code == 0, ran.output
    first = raw_text(make(runner, tmp_path, "progress", "--at", "2026-03-01", name="march.pdf"))
    holds(first, "ข้อมูลนี้อ้างอิงภาพรวม ณ วันที่ 27 ก.พ. 2569 (รหัส")
    assert "ถูกแก้ไขภายหลัง" not in first
    with bot.db.sessions() as db:
        workshop = db.scalar(sa.select(Activity.key).where(Activity.plan_workshop, Activity.key.is_not(None)))
    done = runner.invoke(args=["activity", "done", workshop, "--at", "2026-02-20T10:00+07:00"])
    assert done.exit_code == 0, done.output
    later = raw_text(make(runner, tmp_path, "progress", "--at", "2026-03-02", name="march-later.pdf"))
    holds(later, "ข้อมูลนี้อ้างอิงภาพรวม ณ วันที่ 27 ก.พ. 2569", "ข้อมูลวันที่ 27 ก.พ. 2569 ถูกแก้ไขภายหลัง")


def test_what_is_missing_names_an_activity_carried_out_without_a_photo(bot, year):
    from jobs import digest
    from models import measures
    from models import plan as plans

    with bot.db.sessions() as db:
        now = datetime.now(BKK)
        plan = plans.current(db, now)
        (found,) = [p for p in measures.progress(db, plan, now) if p.indicator.code == "3.1"]
        said = digest.action(db, plan, found, now.date())
    # The photo sent in LINE went to indicator 3.1, not to the activity: the activity still has none.
    assert "ต้องดำเนินกิจกรรมอีก" in said and "3.1" in said and 'กิจกรรม "วันจิตอาสาพัฒนาวัด" ยังไม่มีภาพ' in said


def test_the_plan_columns_of_an_activity_are_in_the_audit_trail(bot, year):
    from models.audit import AuditEntry

    with bot.db.sessions() as db:
        entries = list(db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "activities",
                                                              AuditEntry.label == "วันจิตอาสาพัฒนาวัด")))
    created = next(e for e in entries if e.action == "create")
    assert created.changes["virtue"] == [None, "จิตอาสา"] and created.changes["budget"][1] == "15000.00"
    done = next(e for e in entries if "budget_used" in e.changes)
    assert done.changes["budget_used"] == [None, "12500.50"]
