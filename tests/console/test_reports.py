"""Console รายงาน: a card per document with what it is for, the day it is "as of" (milestone chips),
what the documents stand on (the snapshot, a later change as a warning), each document downloaded with
its Thai file name and type, refusals in Thai, and who may."""
from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from bot.console import common
from bot.documents import reports
from models.activity import Activity
from models.docbuild import DocumentBuild
from models.staff import Staff
from tests.support import text_of_page

BKK = ZoneInfo("Asia/Bangkok")


def file_name(response) -> str:
    return response.headers["Content-Disposition"]


def fetch(browser, path: str):
    """A download read to its end and closed, as a WSGI server does (the temporary file goes with it)."""
    return browser.get(path, buffered=True)


def test_the_page_lists_every_document_for_a_coordinator_and_an_executive(console, executive_console,
                                                                           this_year_plan):
    for browser in (console, executive_console):
        response = browser.get("/console/reports/")
        assert response.status_code == 200
        page = text_of_page(response)
        for expected in ("รายงานและเอกสาร", "ข้อมูล ณ วันที่", "ใช้เลขไทย", "แสดงชื่อผู้เสนอ",
                         "บัญชีรายชื่อการรับทราบปฏิญญา (ตัวชี้วัด 1.2)", "ชุดหลักฐานทั้งหมด", "จัดทำเบื้องหลัง",
                         "ยังไม่มีภาพรวมข้อมูล ณ วันครบกำหนด"):
            assert expected in page, expected
        html = response.get_data(as_text=True)
        for kind in reports.KINDS:
            if kind == "pack":  # made in the background: the button sends the form that asks for it
                assert 'form="make-pack"' in html and 'action="/console/reports/pack/make"' in html
            else:
                assert f'formaction="/console/reports/{kind}"' in html, kind
        assert '<a href="/console/reports/" aria-current="page">รายงาน</a>' in html  # the menu item


def test_documents_download_with_their_thai_names_and_types(console, this_year_plan):
    progress = fetch(console, "/console/reports/progress?at=2026-11-30&thai=1")
    assert progress.status_code == 200 and progress.mimetype == "application/pdf"
    assert progress.data.startswith(b"%PDF")
    assert quote(reports.FILE_NAMES["progress"]) in file_name(progress)
    order = fetch(console, "/console/reports/order?at=2026-11-30")
    assert order.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert Document(io.BytesIO(order.data)).paragraphs
    workbook = fetch(console, "/console/reports/xlsx")  # no day: as of now
    assert workbook.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "สรุป" in load_workbook(io.BytesIO(workbook.data), read_only=True).sheetnames
    proposals = fetch(console, "/console/reports/proposals?at=2026-11-30&names=0")
    assert proposals.mimetype == "application/pdf" and proposals.data.startswith(b"%PDF")
    assert quote("ตารางข้อเสนอ.pdf") in file_name(proposals)


def made_lines(browser, path: str = "/console/reports/", seconds: float = 120.0) -> tuple[str, str]:
    """The reports page once nothing asked for is waiting or being made (it reloads itself until then):
    (its visible text, its html)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = browser.get(path)
        html = response.get_data(as_text=True)
        if 'http-equiv="refresh"' not in html:
            return text_of_page(response), html
        assert "รอคิว" in text_of_page(response) or "กำลังจัดทำ" in text_of_page(response)
        time.sleep(0.2)
    raise AssertionError(f"still being made after {seconds} s")


def test_the_pack_is_made_in_the_background_and_listed_until_downloaded(bot, console, executive_console,
                                                                        this_year_plan):
    asked = console.post("/console/reports/pack/make", {"at": "2026-11-30", "thai": "1"})
    assert asked.status_code == 303
    assert asked.headers["Location"].endswith("/console/reports/?at=2026-11-30&thai=1#made")
    again = executive_console.post("/console/reports/pack/make", {"at": "2026-11-30"})  # executives may ask too
    assert again.status_code == 303
    text, html = made_lines(console, "/console/reports/?at=2026-11-30")
    assert text.count("พร้อมดาวน์โหลด") == 2 and "ข้อมูล ณ 30 พ.ย. 2569" in text and "เลขไทย" in text
    assert "เก็บไว้ถึง" in text
    links = re.findall(r'href="(/console/reports/made/\d+)"', html)
    assert len(links) == 2
    pack = fetch(executive_console, links[-1])  # the coordinator's, the older of the two
    assert pack.status_code == 200 and pack.mimetype == "application/zip"
    assert quote("ชุดหลักฐาน.zip") in file_name(pack)
    names = zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
    assert "สารบัญ.pdf" in names and any(n.endswith("รายงานผลการดำเนินงาน.pdf") for n in names)
    with bot.db.session() as db:
        builds = {b.id: b for b in db.scalars(sa.select(DocumentBuild))}
    build = builds[int(links[-1].rsplit("/", 1)[1])]
    assert build.thai_digits and build.sha256 == hashlib.sha256(pack.data).hexdigest()
    assert build.at.astimezone(BKK).date().isoformat() == "2026-11-30"
    (bot.settings.documents_dir / build.stored_name).unlink()  # gone from the disk: said, not a 500
    gone = console.get(links[-1])
    assert gone.status_code == 404 and "ไฟล์นี้ไม่มีแล้ว" in text_of_page(gone)
    assert console.get("/console/reports/made/99999").status_code == 404


def test_asking_for_the_pack_needs_the_form_token_and_a_usable_day(console, this_year_plan):
    assert console.post("/console/reports/pack/make", {"at": "2026-11-30"}, csrf=False).status_code in (400, 403)
    refused = console.post("/console/reports/pack/make", {"at": "2569-11-30"})
    assert refused.status_code == 400 and "ปีต้องเป็น ค.ศ." in text_of_page(refused)
    assert console.post("/console/reports/progress/make", {"at": "2026-11-30"}).status_code == 404
    text, _ = made_lines(console)
    assert "พร้อมดาวน์โหลด" not in text  # nothing was asked


def test_a_double_click_makes_one_pack_and_another_day_another(bot, console, this_year_plan):
    for day in ("2026-11-30", "2026-11-30", "2026-11-29"):
        assert console.post("/console/reports/pack/make", {"at": day}).status_code == 303
    text, _ = made_lines(console)
    assert text.count("พร้อมดาวน์โหลด") == 2 and "ข้อมูล ณ 29 พ.ย. 2569" in text and "ข้อมูล ณ 30 พ.ย. 2569" in text
    with bot.db.session() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(DocumentBuild)) == 2


def test_the_pack_is_a_zip_and_an_executive_may_download(executive_console, this_year_plan):
    pack = fetch(executive_console, "/console/reports/pack?at=2026-11-30")
    assert pack.status_code == 200 and pack.mimetype == "application/zip"
    assert quote("ชุดหลักฐาน.zip") in file_name(pack)
    names = zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
    assert "สารบัญ.pdf" in names and any(n.endswith("รายงานผลการดำเนินงาน.pdf") for n in names)


@pytest.mark.parametrize(("at", "expected"), [
    ("31-03-2026", "อ่านวันที่ “31-03-2026” ไม่ได้ กรุณาเลือกวันที่จากปฏิทิน"),
    ("2569-11-30", "ปีต้องเป็น ค.ศ. เช่น 2026-11-30"),
    ("2025-12-31", "วันที่ต้องอยู่ในปีงบประมาณ 2570 ของแผนที่ใช้อยู่ (1 ต.ค. 2569 – 30 ก.ย. 2570)"),
])
def test_a_day_that_cannot_be_used_says_what_to_fix(console, this_year_plan, at, expected):
    response = console.get(f"/console/reports/progress?at={at}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert expected in text_of_page(response)
    assert console.get(f"/console/reports/?at={at}").status_code == 400


def test_a_day_after_today_is_refused(console, this_year_plan):
    today = datetime.now(BKK).date()
    if (today.month, today.day) == (9, 30):
        pytest.skip("today is the fiscal year's last day: no day of it lies ahead")
    response = console.get(f"/console/reports/memo?at={today + timedelta(days=1)}")
    assert response.status_code == 400 and "วันที่ต้องไม่เลยวันนี้" in text_of_page(response)


def test_no_plan_in_use_says_so(console):
    response = console.get("/console/reports/")
    assert response.status_code == 200 and "ยังไม่มีแผนของปีงบประมาณ" in text_of_page(response)
    assert console.get("/console/reports/progress").status_code == 200
    assert "ยังไม่มีแผนของปีงบประมาณ" in text_of_page(console.get("/console/reports/progress"))


def test_an_unknown_document_is_404(console, this_year_plan):
    assert console.get("/console/reports/everything").status_code == 404


def test_nobody_without_a_coordinators_session_gets_a_document(bot, anonymous, console, this_year_plan):
    for path in ("/console/reports/", "/console/reports/progress"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/console/signin")
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "C01").values(role="staff"))
    demoted = console.get("/console/reports/progress")
    assert demoted.status_code == 302 and not demoted.data.startswith(b"%PDF")


def test_milestone_chips_and_a_later_change_shown_as_a_warning(bot, console, runner, monkeypatch):
    """FY2569 (the seed plan) on 2 March 2026: the 27 Feb milestone was frozen; an activity marked done
    "on 20 Feb" afterwards is a later change of that day's data, which the page shows as a warning."""
    ran = runner.invoke(args=["jobs", "run", "milestone-snapshots", "--at", "2026-02-28T00:10+07:00"])
    assert ran.exit_code == 0, ran.output
    monkeypatch.setattr(common, "now", lambda: datetime(2026, 3, 2, 10, 0, tzinfo=BKK))
    page = console.get("/console/reports/")
    text = text_of_page(page)
    assert "ข้อมูลนี้อ้างอิงภาพรวม ณ วันที่ 27 ก.พ. 2569 (รหัส" in text and "ถูกแก้ไขภายหลัง" not in text
    assert 'href="/console/reports/?at=2026-02-27"' in page.get_data(as_text=True)  # passed: a chip
    assert "2026-03-31" not in page.get_data(as_text=True).split('class="chips"')[1].split("</ul>")[0]
    with bot.db.sessions() as db:
        workshop = db.scalar(sa.select(Activity.key).where(Activity.plan_workshop, Activity.key.is_not(None)))
    done = runner.invoke(args=["activity", "done", workshop, "--at", "2026-02-20T10:00+07:00"])
    assert done.exit_code == 0, done.output
    later = console.get("/console/reports/?at=2026-03-01")
    assert '<p class="warn" role="alert">⚠ ข้อมูลวันที่ 27 ก.พ. 2569 ถูกแก้ไขภายหลัง</p>' in later.get_data(as_text=True)
    before = text_of_page(console.get("/console/reports/?at=2026-02-26"))  # before the snapshot's day
    assert "ยังไม่มีภาพรวมข้อมูล" in before and "ถูกแก้ไขภายหลัง" not in before
