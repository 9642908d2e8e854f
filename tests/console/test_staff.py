"""บุคลากร in the console: the roster list (search, filters with counts, pages, a constant number of
SQL statements), importing a file with its preview (bad lines, changes, retiring the missing), the
templates, one person's actions with their audit trail and guards, and the invite sheets (HTML, PDF)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bot import links
from bot.documents import invites as sheets
from models import roster
from models.audit import HIDDEN, HIDDEN_NEW, AuditEntry
from models.staff import Staff
from tests.conftest import ROSTER_HEADER, add_people, count_rows
from tests.support import text_of_page

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
UNITS = ("อำเภอแม่สาย", "อำเภอเชียงของ", "อำเภอพาน")


def people(bot) -> dict[str, Staff]:
    with bot.db.sessions() as db:
        return {p.code: p for p in db.scalars(sa.select(Staff))}


def staff_id(bot, code: str) -> int:
    return people(bot)[code].id


def add_many(bot, n: int = 120) -> None:
    add_people(bot, [(f"P{i:03d}", f"{'นาย' if i % 2 else 'นางสาว'}ทดสอบ คนที่{i:03d}", "นักพัฒนาชุมชน",
                      UNITS[i % 3], "staff") for i in range(n)])


def upload(console, data: bytes, name: str = "roster.csv"):
    """Upload a roster file; returns the preview page (followed) and the stored file's name."""
    response = console.post("/console/staff/import", {"file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    stored = location.rstrip("/").rsplit("/", 1)[1]
    return console.get(location), stored


def upload_dir(bot) -> Path:
    return bot.settings.uploads_dir / "imports"


# -- the list -------------------------------------------------------------------------------------------
def test_the_roster_lists_searches_filters_and_pages(console, bot, register):
    add_many(bot)
    register("S02")
    page = console.get("/console/staff/")
    text = text_of_page(page)
    assert page.status_code == 200
    assert "พบ 126 คน" in text and "แสดง 1–50" in text
    assert "ในทะเบียน 126 คน · ลงทะเบียน LINE แล้ว 2 คน" in text  # C01 (signed in) and S02
    html = page.get_data(as_text=True)
    assert "อำเภอแม่สาย (40)" in html and "ลงทะเบียนแล้ว (2)" in html and "ยังไม่ลงทะเบียน (124)" in html
    assert "ผู้ประสานงาน (1)" in html and "บุคลากร (124)" in html
    pages = [console.get(f"/console/staff/?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    rows = [re.findall(r'<td class="code" data-label="รหัส">([^<]+)</td>', html) for html in pages]
    assert [len(r) for r in rows] == [50, 50, 26] and len(set(sum(rows, []))) == 126
    assert "แสดง 101–126" in text_of_page(console.get("/console/staff/?page=3"))

    # search: names with or without the title, several words, codes
    for query in ("สมชาย", "นายสมชาย", "สมชาย ใจดี", "ใจดี", "S01"):
        found = text_of_page(console.get("/console/staff/", query_string={"q": query}))
        assert "พบ 1 คน" in found and "นายสมชาย ใจดี" in found, query
    assert "พบ 120 คน" in text_of_page(console.get("/console/staff/?q=นางสาวทดสอบ"))  # titles are not compared
    assert "ไม่พบบุคลากรตามที่ค้นหา" in text_of_page(console.get("/console/staff/?q=ไม่มีชื่อนี้"))

    # filters, and the counts of each filter follow the others
    mae_sai = console.get("/console/staff/", query_string={"unit": "อำเภอแม่สาย"})
    assert "พบ 40 คน" in text_of_page(mae_sai)
    assert "ยังไม่ลงทะเบียน (40)" in mae_sai.get_data(as_text=True)
    registered = text_of_page(console.get("/console/staff/?registered=yes"))
    assert "พบ 2 คน" in registered and "นางสมศรี รักดี" in registered and "ทดสอบ" not in registered
    assert "พบ 1 คน" in text_of_page(console.get("/console/staff/?role=executive"))
    kept = console.get("/console/staff/?registered=no").get_data(as_text=True)  # 124: pages keep the filter
    assert re.search(r'href="/console/staff/\?[^"]*page=2[^"]*registered=no|registered=no[^"]*page=2', kept)


def test_retired_people_are_listed_apart(console, bot):
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "S04").values(active=False))
    active = text_of_page(console.get("/console/staff/"))
    assert "นางสาวดวงใจ สดใส" not in active and "พบ 5 คน" in active
    retired = text_of_page(console.get("/console/staff/?status=retired"))
    assert "พบ 1 คน" in retired and "นางสาวดวงใจ สดใส" in retired and "ออกจากทะเบียนแล้ว" in retired
    assert "พบ 6 คน" in text_of_page(console.get("/console/staff/?status=all"))


def test_a_page_takes_as_many_statements_for_126_people_as_for_6(console, bot):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def run() -> int:
        statements.clear()
        sa.event.listen(bot.db.engine, "before_cursor_execute", count)
        try:
            assert console.get("/console/staff/?q=ทดสอบ&registered=no").status_code == 200
            assert console.get("/console/staff/").status_code == 200
        finally:
            sa.event.remove(bot.db.engine, "before_cursor_execute", count)
        return len(statements)

    small = run()
    add_many(bot)
    assert run() == small


# -- importing ------------------------------------------------------------------------------------------
GOOD = ROSTER_HEADER + (
    "C01,นางสาวกมลา ประสานงาน,นักวิชาการพัฒนาชุมชนชำนาญการ,กลุ่มงานประสานฯ,coordinator\n"
    "E01,นายบุญมี ผู้อำนวยการ,พัฒนาการจังหวัด,กลุ่มงานประสานฯ,executive\n"
    "S01,นายสมชาย ใจดี,นักวิชาการพัฒนาชุมชน,กลุ่มงานประสานฯ,staff\n"
    "S02,นางสมศรี รักดี,เจ้าพนักงานธุรการ,อำเภอแม่สาย,staff\n"
    "N01,นายใหม่ มาแล้ว,นักพัฒนาชุมชน,อำเภอแม่สาย,\n"
    "N02,นางสาวใหม่ อีกคน,นักพัฒนาชุมชน,อำเภอแม่สาย,บุคลากร\n"
)


def test_a_bad_file_lists_every_bad_line_and_stores_nothing(console, bot):
    before = count_rows(bot, Staff)
    bad = GOOD + ("N03,,นักพัฒนาชุมชน,อำเภอแม่สาย,staff\n"
                  "N04,นายบอส ใหญ่,นักพัฒนาชุมชน,อำเภอแม่สาย,boss\n"
                  "N01,นายซ้ำ รหัส,นักพัฒนาชุมชน,,staff\n")
    page, stored = upload(console, bad.encode("utf-8-sig"))
    text = text_of_page(page)
    assert page.status_code == 200
    assert "3 บรรทัดที่ต้องแก้ไข" in text
    assert re.search(r"8 ไม่ได้กรอกชื่อ", text)
    assert re.search(r"9 บทบาท “boss” ไม่ถูกต้อง", text)
    assert re.search(r"10 ไม่ได้กรอกหน่วยงาน · รหัส N01 ซ้ำกับบรรทัดที่ 6", text)
    assert "/confirm" not in page.get_data(as_text=True) and "ยืนยันนำเข้า" not in text
    refused = console.post(f"/console/staff/import/{stored}/confirm")  # even posted by hand
    assert refused.status_code == 302
    assert count_rows(bot, Staff) == before and "N02" not in people(bot)
    assert (upload_dir(bot) / stored).exists()
    console.post(f"/console/staff/import/{stored}/cancel")
    assert not (upload_dir(bot) / stored).exists()

    header = text_of_page(upload(console, "code,name\nX1,ก\n".encode())[0])
    assert "ไม่มีคอลัมน์ ตำแหน่ง (position), หน่วยงาน (unit), บทบาท (role)" in header


def test_an_upload_that_is_not_a_roster_is_refused_at_once(console, bot):
    response = console.post("/console/staff/import", {"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n0000"), "x.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 200 and "รับเฉพาะไฟล์ .xlsx หรือ .csv" in text_of_page(response)
    empty = console.post("/console/staff/import", {}, content_type="multipart/form-data")
    assert empty.status_code == 200 and "กรุณาเลือกไฟล์รายชื่อ" in text_of_page(empty)


def test_a_good_file_is_previewed_without_storing_then_imported_whole(console, bot, register):
    user = register("S01")
    page, stored = upload(console, GOOD.encode("cp874"), "roster.csv")  # as Thai Excel saves CSV
    text = text_of_page(page)
    assert "อ่านรายชื่อได้ 6 คน" in text
    assert "เพิ่มใหม่ 2 คน" in text and "นายใหม่ มาแล้ว" in text and "นางสาวใหม่ อีกคน" in text
    assert "ปรับปรุงข้อมูล 1 คน" in text and "หน่วยงาน: อำเภอเมืองเชียงราย → อำเภอแม่สาย" in text
    assert "อยู่ในทะเบียนแต่ไม่มีในไฟล์ 2 คน" in text and "นายวิชัย มั่นคง" in text
    assert "ยืนยันนำเข้าทั้งหมด" in text
    assert "N01" not in people(bot) and people(bot)["S02"].unit == "อำเภอเมืองเชียงราย"  # a preview stores nothing
    assert not count_rows(bot, AuditEntry)

    done = console.post(f"/console/staff/import/{stored}/confirm", {}, follow_redirects=True)
    assert "นำเข้าแล้ว 6 คน: เพิ่ม 2 คน ปรับปรุง 1 คน" in text_of_page(done)
    everyone = people(bot)
    assert everyone["N01"].role == "staff" and everyone["N02"].unit == "อำเภอแม่สาย" and everyone["N01"].invite_code
    assert everyone["S02"].unit == "อำเภอแม่สาย"
    assert everyone["S03"].active and everyone["S04"].active  # not retired: the box was not ticked
    assert everyone["S01"].line_user_id == user  # a registration is never dropped
    assert not (upload_dir(bot) / stored).exists()
    with bot.db.sessions() as db:
        trail = list(db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "staff")))
    created = {e.label for e in trail if e.action == "create"}
    assert {"N01 นายใหม่ มาแล้ว", "N02 นางสาวใหม่ อีกคน"} <= created
    assert all(e.source == "console" and e.actor_name == "นางสาวกมลา ประสานงาน" for e in trail)
    assert any(e.action == "update" and e.changes.get("unit") == ["อำเภอเมืองเชียงราย", "อำเภอแม่สาย"] for e in trail)


def test_retiring_those_missing(console, bot):
    page, stored = upload(console, GOOD.encode())
    assert "นำผู้ที่ไม่มีในไฟล์ออกจากทะเบียนด้วย" in text_of_page(page)
    done = console.post(f"/console/staff/import/{stored}/confirm", {"retire_missing": "y"}, follow_redirects=True)
    assert "และนำออกจากทะเบียน 2 คน" in text_of_page(done)
    everyone = people(bot)
    assert not everyone["S03"].active and not everyone["S04"].active and everyone["S02"].active

    again, stored = upload(console, (GOOD + "S03,นายวิชัย มั่นคง,นักพัฒนาชุมชน,อำเภอเมืองเชียงราย,staff\n").encode())
    assert "กลับเข้าทะเบียน 1 คน" in text_of_page(again)
    console.post(f"/console/staff/import/{stored}/confirm")
    assert people(bot)["S03"].active


def test_an_import_may_not_leave_no_coordinator_nor_retire_the_coordinator_importing(console, bot):
    demoted = GOOD.replace("กลุ่มงานประสานฯ,coordinator", "กลุ่มงานประสานฯ,staff")
    page, stored = upload(console, demoted.encode())
    assert "ไม่มีผู้ประสานงานเหลือในทะเบียน" in text_of_page(page) and "ยืนยันนำเข้าทั้งหมด" not in text_of_page(page)
    console.post(f"/console/staff/import/{stored}/confirm")
    assert people(bot)["C01"].role == "coordinator"
    console.post(f"/console/staff/import/{stored}/cancel")

    without_me = GOOD.replace("C01,", "C02,")  # C02 becomes a coordinator; C01 is missing from the file
    page, stored = upload(console, without_me.encode())
    text = text_of_page(page)
    assert "ไม่มีรายชื่อของท่านเอง" in text and 'name="retire_missing"' not in page.get_data(as_text=True)
    refused = console.post(f"/console/staff/import/{stored}/confirm", {"retire_missing": "y"}, follow_redirects=True)
    assert "จึงยังไม่ได้นำเข้า" in text_of_page(refused)
    assert people(bot)["C01"].active and "C02" not in people(bot)
    console.post(f"/console/staff/import/{stored}/confirm")  # without retiring: fine
    assert people(bot)["C02"].role == "coordinator" and people(bot)["C01"].active


def test_the_templates_download_and_import_back(console, bot):
    csv_file = console.get("/console/staff/template.csv")
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
    assert csv_file.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert csv_file.data.startswith("\ufeffcode,name,position,unit,role".encode())
    xlsx = console.get("/console/staff/template.xlsx")
    assert xlsx.headers["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[1]] == ["code", "name", "position", "unit", "role"]
    for data in (csv_file.data, xlsx.data):
        (row,) = roster.parse_bytes(data)
        assert (row.code, row.name, row.role) == ("0001", "นายสมชาย ใจดี", "staff")
    page, stored = upload(console, xlsx.data, "แบบฟอร์ม.xlsx")
    assert "เพิ่มใหม่ 1 คน" in text_of_page(page)
    console.post(f"/console/staff/import/{stored}/confirm")
    assert people(bot)["0001"].name == "นายสมชาย ใจดี"


# -- one person ------------------------------------------------------------------------------------------
def test_a_persons_page_and_resetting_the_line_link(console, bot, register):
    user = register("S01")
    sid = staff_id(bot, "S01")
    old_code = people(bot)["S01"].invite_code
    page = text_of_page(console.get(f"/console/staff/{sid}"))
    assert "นายสมชาย ใจดี" in page and "ลงทะเบียน LINE แล้ว" in page and "รับทราบปฏิญญา" in page
    done = console.post(f"/console/staff/{sid}/unlink", follow_redirects=True)
    person = people(bot)["S01"]
    assert person.line_user_id is None and person.registered_at is None
    assert person.invite_code and person.invite_code != old_code
    assert f"รหัสเชิญใหม่คือ {person.invite_code}" in text_of_page(done)
    assert user  # the LINE account can register again with the new code
    with bot.db.sessions() as db:
        (entry,) = db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "staff",
                                                          AuditEntry.entity_id == str(sid)))
    assert entry.actor_name == "นางสาวกมลา ประสานงาน" and entry.source == "console"
    assert entry.changes["line_user_id"] == [HIDDEN, None]
    assert entry.changes["invite_code"] == [HIDDEN, HIDDEN_NEW]  # a new code: said, never shown
    assert console.get("/console/staff/999999").status_code == 404


def test_retire_bring_back_and_change_role(console, bot):
    sid = staff_id(bot, "S02")
    retired = console.post(f"/console/staff/{sid}/active", {"active": "0"}, follow_redirects=True)
    assert "นำนางสมศรี รักดีออกจากทะเบียนแล้ว" in text_of_page(retired) and not people(bot)["S02"].active
    console.post(f"/console/staff/{sid}/active", {"active": "1"})
    assert people(bot)["S02"].active
    changed = console.post(f"/console/staff/{sid}/role", {"role": "executive"}, follow_redirects=True)
    assert "เป็นผู้บริหารแล้ว" in text_of_page(changed) and people(bot)["S02"].role == "executive"
    assert console.post(f"/console/staff/{sid}/role", {"role": "boss"}).status_code == 302
    assert people(bot)["S02"].role == "executive"
    with bot.db.sessions() as db:
        changes = [e.changes for e in db.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == str(sid))
                                                  .order_by(AuditEntry.id))]
    assert changes == [{"active": [True, False]}, {"active": [False, True]}, {"role": ["staff", "executive"]}]


def test_the_last_coordinator_stays_and_nobody_retires_or_unlinks_themselves(console, bot):
    me = staff_id(bot, "C01")
    refused = console.post(f"/console/staff/{me}/role", {"role": "staff"}, follow_redirects=True)
    assert "จะไม่มีผู้ประสานงานเหลือในทะเบียน" in text_of_page(refused)
    assert people(bot)["C01"].role == "coordinator"
    for action, data in (("active", {"active": "0"}), ("unlink", {})):
        refused = console.post(f"/console/staff/{me}/{action}", data, follow_redirects=True)
        assert "กับบัญชีของตนเองไม่ได้" in text_of_page(refused), action
    assert people(bot)["C01"].active and people(bot)["C01"].line_user_id

    other = staff_id(bot, "S03")
    console.post(f"/console/staff/{other}/role", {"role": "coordinator"})
    assert people(bot)["S03"].role == "coordinator"
    console.post(f"/console/staff/{other}/active", {"active": "0"})  # another coordinator can be retired
    assert not people(bot)["S03"].active
    refused = console.post(f"/console/staff/{me}/role", {"role": "staff"}, follow_redirects=True)
    assert "จะไม่มีผู้ประสานงานเหลือ" in text_of_page(refused)  # S03 is retired: C01 is still the last


def test_a_new_coordinator_gets_the_coordinators_rich_menu_at_once(console, bot, runner, line_api, register):
    assert runner.invoke(args=["richmenu", "deploy"]).exit_code == 0
    [menu_id] = [i for i, m in line_api.rich_menus.items() if m["name"] == "khunnatham coordinator menu"]
    s01 = register("S01")
    sid = staff_id(bot, "S01")
    console.post(f"/console/staff/{sid}/role", {"role": "coordinator"})
    assert line_api.user_rich_menus.get(s01) == menu_id
    console.post(f"/console/staff/{sid}/role", {"role": "staff"})
    assert s01 not in line_api.user_rich_menus
    console.post(f"/console/staff/{sid}/role", {"role": "executive"})
    console.post(f"/console/staff/{sid}/active", {"active": "0"})  # retired: the staff menu again
    assert s01 not in line_api.user_rich_menus


# -- invite sheets ----------------------------------------------------------------------------------------
def test_the_invite_sheet_page_gives_everyone_a_code(console, bot, register):
    register("S01")
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "S04").values(invite_code=None))
    page = console.get("/console/staff/invites?who=unregistered")
    html = page.get_data(as_text=True)
    everyone = people(bot)
    assert everyone["S04"].invite_code  # given one for the sheet
    for code in ("S02", "S03", "S04", "E01"):
        assert everyone[code].invite_code in html and everyone[code].name in html
    cards = html[html.index('class="invite-sheet"'):]
    assert everyone["S01"].name not in cards and everyone["C01"].name not in cards  # registered
    # The QR images come beside the page, by staff id (no invite code in a URL), each its person's link.
    shown = re.findall(r'<img class="invite-qr" src="/console/staff/(\d+)/invite-qr.png"', html)
    assert sorted(shown) == sorted(str(everyone[code].id) for code in ("S02", "S03", "S04", "E01"))
    image = console.get(f"/console/staff/{everyone['S04'].id}/invite-qr.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == links.qr_png(links.invite("@testoffice", everyone["S04"].invite_code))
    assert console.get("/console/staff/999999/invite-qr.png").status_code == 404
    assert "สแกน QR ด้วย LINE หรือพิมพ์ ลงทะเบียน ตามด้วยรหัส" in html and "data-print" in html
    all_page = console.get("/console/staff/invites?who=all&unit=อำเภอเมืองเชียงราย").get_data(as_text=True)
    assert all_page.count('class="invite-card"') == 3


def test_the_invite_sheet_pdf(console, bot):
    add_many(bot, 12)
    response = console.get("/console/staff/invites.pdf?who=all")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response.data.startswith(b"%PDF-")
    ARTEFACTS.mkdir(exist_ok=True)
    pdf = ARTEFACTS / "staff-invites.pdf"
    pdf.write_bytes(response.data)
    everyone = people(bot)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        squeezed = "".join(text.split())  # the codes are letter-spaced: pdftotext reads gaps as spaces
        assert all(p.invite_code in squeezed for p in everyone.values())
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                        str(ARTEFACTS / "staff-invites")], check=True)
    # the same cards, laid out by WeasyPrint: 18 people, 8 a page
    with bot.db.sessions() as db:
        chosen = roster.invitees(db)
    document = sheets.render(sheets.cards(chosen, "@testoffice"), "สำนักงานทดสอบ")
    assert len(document.pages) == 3
    text = sheets.text_of(document)
    assert all(p.invite_code in text for p in everyone.values()) and "นายสมชาย ใจดี" in text
    assert "ลงทะเบียน" in text and "สำนักงานทดสอบ" in text


def test_long_lists_are_printed_in_parts(console, bot, monkeypatch):
    add_many(bot, 20)
    monkeypatch.setattr(sheets, "MAX_CARDS", 10)  # 26 people: 3 files of at most 10 cards
    page = console.get("/console/staff/invites?who=all&part=3")
    text = text_of_page(page)
    assert page.get_data(as_text=True).count('class="invite-card"') == 6
    assert "ชุดที่ 3 จาก 3" in text and "บัตรที่ 21–26 จาก 26" in text
    pdf = console.get("/console/staff/invites.pdf?who=all&part=2")
    assert pdf.data.startswith(b"%PDF-") and "%E0%B8%8A%E0%B8%B8%E0%B8%94" in pdf.headers["Content-Disposition"]


# -- who may -------------------------------------------------------------------------------------------------
def test_executives_read_the_roster_but_change_nothing(executive_console, bot):
    page = executive_console.get("/console/staff/")
    assert page.status_code == 200 and "นายสมชาย ใจดี" in text_of_page(page)
    assert "นำเข้ารายชื่อ" not in text_of_page(page)
    sid = staff_id(bot, "S01")
    person = executive_console.get(f"/console/staff/{sid}")
    html = person.get_data(as_text=True)
    assert person.status_code == 200 and "นายสมชาย ใจดี" in html and 'action="/console/staff/' not in html
    for path in ("/console/staff/import", "/console/staff/invites", "/console/staff/invites.pdf",
                 f"/console/staff/{sid}/invite-qr.png"):
        assert executive_console.get(path).status_code == 403, path
    stored = "x" * 32
    for path, data in ((f"/console/staff/{sid}/unlink", {}), (f"/console/staff/{sid}/active", {"active": "0"}),
                       (f"/console/staff/{sid}/role", {"role": "coordinator"}),
                       ("/console/staff/import", {"file": (io.BytesIO(GOOD.encode()), "r.csv")}),
                       (f"/console/staff/import/{stored}/confirm", {}), (f"/console/staff/import/{stored}/cancel", {})):
        assert executive_console.post(path, data).status_code == 403, path
    after = people(bot)
    assert after["S01"].role == "staff" and after["S01"].active and "N01" not in after


def test_no_session_no_roster(anonymous, office, bot):
    for path in ("/console/staff/", f"/console/staff/{staff_id(bot, 'S01')}", "/console/staff/import",
                 "/console/staff/invites", "/console/staff/invites.pdf", "/console/staff/template.csv",
                 f"/console/staff/{staff_id(bot, 'S01')}/invite-qr.png"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/console/signin"), path
    refused = anonymous.post(f"/console/staff/{staff_id(bot, 'S01')}/active", {"active": "0"}, csrf=False)
    assert refused.status_code == 401 and people(bot)["S01"].active


def test_a_form_without_its_csrf_token_is_refused(console, bot):
    sid = staff_id(bot, "S02")
    for path, data in ((f"/console/staff/{sid}/active", {"active": "0"}),
                       (f"/console/staff/{sid}/role", {"role": "executive"}), (f"/console/staff/{sid}/unlink", {}),
                       ("/console/staff/import", {"file": (io.BytesIO(GOOD.encode()), "r.csv")})):
        assert console.post(path, data, csrf=False).status_code == 400, path
    after = people(bot)
    assert after["S02"].active and after["S02"].role == "staff" and "N01" not in after


@pytest.fixture(autouse=True)
def _no_leftover_uploads(bot):
    before = set(upload_dir(bot).iterdir()) if upload_dir(bot).is_dir() else set()
    yield
    for path in (set(upload_dir(bot).iterdir()) if upload_dir(bot).is_dir() else set()) - before:
        path.unlink(missing_ok=True)
