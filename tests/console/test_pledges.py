"""The console's ปฏิญญา page: documents and versions, progress per unit, who has not acknowledged
(a paged list and an .xlsx), publishing with a preview of the very LINE card, retiring — each change
in the database and the audit trail, and what staff then get in LINE."""
from __future__ import annotations

import io
import re
from urllib.parse import unquote

import sqlalchemy as sa
from openpyxl import load_workbook

from models import pledge as pledges
from models.audit import AuditEntry
from models.pledge import PledgeAck, PledgeDocument, PledgeVersion
from models.staff import Staff
from tests.conftest import add_people, count_rows, postbacks_in, text_of
from tests.support import text_of_page

NO_GIFT = "ประกาศเจตนารมณ์ No Gift Policy"
NO_GIFT_TEXT = "บุคลากรทุกคนจะไม่รับของขวัญหรือประโยชน์อื่นใดจากการปฏิบัติหน้าที่\nและจะไม่ให้ของขวัญแก่ผู้บังคับบัญชา"


def default_document(bot) -> tuple[int, int]:
    """(document id, current version id) of the default pledge."""
    with bot.db.sessions() as db:
        (version,) = pledges.current_versions(db)
        return version.document_id, version.id


def acknowledge_in_line(line, user: str) -> list[dict]:
    """What a staff member does: ปฏิญญา, then รับทราบ on each card."""
    replies = line.say(user, "ปฏิญญา")
    for data in [d for d in postbacks_in(replies) if d.startswith("a=pledge.ack&")]:
        line.tap(user, data)
    return replies


def audit_rows(bot, entity: str) -> list[AuditEntry]:
    with bot.db.sessions() as db:
        return list(db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)))


# -- reading ---------------------------------------------------------------------------------------
def test_documents_with_progress_per_unit_and_who_has_not_acknowledged(bot, console, line, register):
    acknowledge_in_line(line, register("S01"))  # กลุ่มงานประสานฯ
    document_id, _ = default_document(bot)
    page = console.get("/console/pledges/")
    text = text_of_page(page)
    assert page.status_code == 200
    assert "ปฏิญญาองค์กรคุณธรรม" in text and "ใช้อยู่" in text and "ฉบับที่ 1" in text
    assert "รับทราบแล้ว 1 จาก 6 คน" in text and "16.7%" in text

    detail = text_of_page(console.get(f"/console/pledges/{document_id}"))
    assert "กลุ่มงานประสานฯ 1 / 3 33.3%" in detail and "อำเภอเมืองเชียงราย 0 / 3 0%" in detail
    pending = detail.split("ผู้ยังไม่รับทราบฉบับที่ 1", 1)[1].split("ประวัติฉบับ", 1)[0]
    assert "นายสมชาย ใจดี" not in pending  # acknowledged
    for name in ("นางสาวกมลา ประสานงาน", "นายบุญมี ผู้อำนวยการ", "นางสมศรี รักดี", "นายวิชัย มั่นคง"):
        assert name in pending
    assert "ลงทะเบียนแล้ว" in pending and "ยังไม่ลงทะเบียน" in pending  # C01 is registered, E01 is not

    one_unit = text_of_page(console.get(f"/console/pledges/{document_id}?unit=อำเภอเมืองเชียงราย"))
    listed = one_unit.split("ผู้ยังไม่รับทราบฉบับที่ 1", 1)[1].split("ประวัติฉบับ", 1)[0]
    assert "นางสมศรี รักดี" in listed and "นางสาวกมลา ประสานงาน" not in listed
    assert "ประวัติฉบับ" in one_unit and "อ่านข้อความ" in one_unit


def test_the_list_of_who_has_not_acknowledged_is_paged_in_fixed_statements(bot, console):
    add_people(bot, [(f"N{i:03d}", f"บุคลากร ทดสอบ{i:03d}", "นักพัฒนาชุมชน", "อำเภอแม่สาย", "staff")
                     for i in range(70)])
    document_id, _ = default_document(bot)
    path = f"/console/pledges/{document_id}?unit=อำเภอแม่สาย"
    first, second = text_of_page(console.get(path)), text_of_page(console.get(path + "&page=2"))
    assert "1–50 จาก 70" in first and "บุคลากร ทดสอบ000" in first and "บุคลากร ทดสอบ049" in first
    assert "บุคลากร ทดสอบ050" not in first
    assert "51–70 จาก 70" in second and "บุคลากร ทดสอบ069" in second and "บุคลากร ทดสอบ000" not in second

    statements = []
    sa.event.listen(bot.db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    console.get(f"/console/pledges/{document_id}")
    before = len(statements)
    add_people(bot, [(f"M{i:03d}", f"บุคลากร เพิ่ม{i:03d}", "นักพัฒนาชุมชน", f"อำเภอ {i % 7}", "staff")
                     for i in range(200)])
    statements.clear()
    console.get(f"/console/pledges/{document_id}")
    assert len(statements) == before, "the page's statements grow with the roster"


def test_the_pending_workbook_parses_back(bot, console, line, register):
    acknowledge_in_line(line, register("S02"))
    response = console.get("/console/pledges/pending.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]).startswith("ผู้ยังไม่รับทราบปฏิญญา-")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ปฏิญญา", "ฉบับที่", "รหัส", "ชื่อ-สกุล", "หน่วยงาน", "ลงทะเบียน LINE")
    codes = {row[2]: row for row in rows[1:]}
    assert set(codes) == {"C01", "E01", "S01", "S03", "S04"}  # S02 acknowledged
    assert codes["C01"][3:] == ("นางสาวกมลา ประสานงาน", "กลุ่มงานประสานฯ", "ลงทะเบียนแล้ว")
    assert codes["E01"][5] == "ยังไม่ลงทะเบียน" and codes["C01"][1] == 1
    assert codes["S01"][0].startswith("ปฏิญญาองค์กรคุณธรรม")


# -- publishing ------------------------------------------------------------------------------------
def test_the_preview_is_the_line_card_and_stores_nothing(bot, console):
    before = (count_rows(bot, PledgeDocument), count_rows(bot, PledgeVersion), count_rows(bot, AuditEntry))
    response = console.post("/console/pledges/preview", {"title": NO_GIFT, "body": NO_GIFT_TEXT},
                            headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html  # a fragment for htmx
    assert "lb-bubble-flex" in html and NO_GIFT in html and "ไม่รับของขวัญ" in html
    assert "ฉบับที่ 1 · ประกาศ" in html and "รับทราบ" in html
    document_id, _ = default_document(bot)
    again = console.post("/console/pledges/preview", {"document": document_id, "body": "ข้อความปรับปรุงใหม่"},
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "ฉบับที่ 2 · ประกาศ" in again and "ปฏิญญาองค์กรคุณธรรม" in again
    empty = text_of_page(console.post("/console/pledges/preview", {"title": NO_GIFT, "body": "  "}))
    assert "กรุณาใส่ข้อความของปฏิญญา" in empty
    assert (count_rows(bot, PledgeDocument), count_rows(bot, PledgeVersion), count_rows(bot, AuditEntry)) == before
    css = console.get("/console/pledges/flex.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and b".lb-bubble-flex" in css.data


def test_publishing_a_new_document_reaches_line_and_the_audit_trail(bot, console, line, register):
    staff = register("S01")
    acknowledge_in_line(line, staff)  # the default pledge: nothing is waiting now
    response = console.post("/console/pledges/publish", {"title": f"  {NO_GIFT} ", "body": NO_GIFT_TEXT})
    assert response.status_code == 302
    with bot.db.sessions() as db:
        document = db.scalar(sa.select(PledgeDocument).where(PledgeDocument.title == NO_GIFT))
        assert document is not None and document.active
        (version,) = document.versions
        assert version.version == 1 and version.body == NO_GIFT_TEXT
    assert response.headers["Location"].endswith(f"/console/pledges/{document.id}")
    assert "เผยแพร่" in text_of_page(console.get(response.headers["Location"]))

    created = [e for e in audit_rows(bot, "pledge_versions") if e.action == "create"]
    assert [(e.source, e.actor_name) for e in created] == [("console", "นางสาวกมลา ประสานงาน")]
    assert created[0].changes["body"] == [None, NO_GIFT_TEXT]
    assert [e.label for e in audit_rows(bot, "pledge_documents") if e.source == "console"] == [NO_GIFT]

    replies = line.say(staff, "ปฏิญญา")
    assert NO_GIFT in text_of(replies) and "ไม่รับของขวัญ" in text_of(replies)
    assert f"a=pledge.ack&v={version.id}" in postbacks_in(replies)


def test_a_new_version_must_be_acknowledged_again(bot, console, line, register):
    staff = register("S01")
    acknowledge_in_line(line, staff)
    document_id, first = default_document(bot)
    same = console.post("/console/pledges/publish", {"document": document_id,
                                                     "body": pledges_body(bot, first)})
    assert same.status_code == 400 and "ข้อความเหมือนฉบับที่ 1 ทุกตัวอักษร" in text_of_page(same)
    changed = console.post("/console/pledges/publish", {"document": document_id, "title": "ชื่ออื่นที่ไม่ใช้",
                                                        "body": "ข้อความฉบับปรับปรุง ปี 2570"})
    assert changed.status_code == 302
    with bot.db.sessions() as db:
        (current,) = pledges.current_versions(db)
        assert (current.document_id, current.version, current.title) == (document_id, 2, current.document.title)
        assert db.scalar(sa.select(sa.func.count()).select_from(PledgeDocument)) == 1
    replies = line.say(staff, "ปฏิญญา")
    assert "ฉบับที่ 2" in text_of(replies) and "ข้อความฉบับปรับปรุง ปี 2570" in text_of(replies)
    assert f"a=pledge.ack&v={current.id}" in postbacks_in(replies)
    detail = text_of_page(console.get(f"/console/pledges/{document_id}"))
    assert "รับทราบฉบับที่ 2 แล้ว 0 จาก 6 คน" in detail
    assert re.search(r"ฉบับที่ 2 ฉบับปัจจุบัน [^อ]*? รับทราบ 0 คน อ่านข้อความ .*? ฉบับที่ 1 [^อ]*? รับทราบ 1 คน อ่านข้อความ",
                     detail)  # v1 kept its acknowledgment


def pledges_body(bot, version_id: int) -> str:
    with bot.db.sessions() as db:
        return db.get(PledgeVersion, version_id).body


def test_publishing_problems_are_said_in_thai_and_store_nothing(bot, console):
    before = count_rows(bot, PledgeVersion)
    for data, message in (
        ({"title": "", "body": "ข้อความ"}, "กรุณาตั้งชื่อปฏิญญา"),
        ({"title": NO_GIFT, "body": "   "}, "กรุณาใส่ข้อความของปฏิญญา"),
        ({"title": "ก" * 201, "body": "ข้อความ"}, "ชื่อยาวได้ไม่เกิน 200 ตัวอักษร"),
        ({"title": NO_GIFT, "body": "ข" * 4001}, "ข้อความยาวได้ไม่เกิน 4,000 ตัวอักษร"),
        ({"title": "ปฏิญญาองค์กรคุณธรรม สำนักงานพัฒนาชุมชนจังหวัดเชียงราย ประจำปีงบประมาณ พ.ศ. 2569",
          "body": "ข้อความใหม่"}, "มีปฏิญญาชื่อนี้อยู่แล้ว"),
    ):
        response = console.post("/console/pledges/publish", data)
        text = text_of_page(response)
        assert response.status_code == 400 and message in text and "ยังเผยแพร่ไม่ได้" in text, (data, text)
        assert "the text" not in text and "the title" not in text  # not the CLI's English
    kept = console.post("/console/pledges/publish", {"title": NO_GIFT, "body": "ข" * 4001})
    assert "ข" * 4001 in kept.get_data(as_text=True)  # what was typed is not lost
    assert count_rows(bot, PledgeVersion) == before


def test_retiring_a_document(bot, console, line, register, runner, tmp_path):
    staff = register("S01")
    file = tmp_path / "gift.txt"
    file.write_text(f"{NO_GIFT}\n{NO_GIFT_TEXT}\n", encoding="utf-8")
    assert runner.invoke(args=["pledge", "publish", str(file)]).exit_code == 0
    with bot.db.sessions() as db:
        document = pledges.document_titled(db, NO_GIFT)
    assert [e.source for e in audit_rows(bot, "pledge_versions") if e.action == "create"] == ["cli"]

    response = console.post(f"/console/pledges/{document.id}/retire")
    assert response.status_code == 302
    with bot.db.sessions() as db:
        assert db.get(PledgeDocument, document.id).active is False
    (retired,) = [e for e in audit_rows(bot, "pledge_documents") if e.action == "update"]
    assert (retired.source, retired.changes) == ("console", {"active": [True, False]})
    page = text_of_page(console.get(f"/console/pledges/{document.id}"))
    assert "ปฏิญญานี้ยกเลิกการใช้แล้ว" in page and "ยกเลิกการใช้ปฏิญญานี้" not in page
    assert "ยกเลิกการใช้แล้ว" in text_of_page(console.get("/console/pledges/"))
    assert NO_GIFT not in text_of(line.say(staff, "ปฏิญญา"))

    assert runner.invoke(args=["pledge", "retire", "ปฏิญญาองค์กรคุณธรรม สำนักงานพัฒนาชุมชนจังหวัดเชียงราย "
                                                   "ประจำปีงบประมาณ พ.ศ. 2569"]).exit_code == 0
    assert [e.source for e in audit_rows(bot, "pledge_documents") if e.action == "update"] == ["console", "cli"]


# -- who may -----------------------------------------------------------------------------------------
def test_executives_read_but_cannot_change(bot, executive_console):
    document_id, _ = default_document(bot)
    page = executive_console.get("/console/pledges/")
    assert page.status_code == 200 and "รับทราบแล้ว 0 จาก 6 คน" in text_of_page(page)
    assert "เผยแพร่ปฏิญญา" not in text_of_page(page)
    detail = executive_console.get(f"/console/pledges/{document_id}")
    assert detail.status_code == 200 and "ยกเลิกการใช้ปฏิญญานี้" not in text_of_page(detail)
    assert executive_console.get("/console/pledges/pending.xlsx").status_code == 200
    before = count_rows(bot, PledgeVersion)
    assert executive_console.post("/console/pledges/publish", {"title": NO_GIFT, "body": "x"}).status_code == 403
    assert executive_console.post("/console/pledges/preview", {"title": NO_GIFT, "body": "x"}).status_code == 403
    assert executive_console.post(f"/console/pledges/{document_id}/retire").status_code == 403
    with bot.db.sessions() as db:
        assert db.get(PledgeDocument, document_id).active
    assert count_rows(bot, PledgeVersion) == before


def test_anonymous_and_forged_requests_are_refused(bot, anonymous, console):
    document_id, _ = default_document(bot)
    for path in ("/console/pledges/", f"/console/pledges/{document_id}", "/console/pledges/pending.xlsx"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/console/signin"), path
    assert anonymous.post("/console/pledges/publish", {"title": NO_GIFT, "body": "x"}, csrf=False).status_code == 401
    refused = console.post("/console/pledges/publish", {"title": NO_GIFT, "body": NO_GIFT_TEXT}, csrf=False)
    assert refused.status_code == 400
    assert console.post(f"/console/pledges/{document_id}/retire", csrf=False).status_code == 400
    with bot.db.sessions() as db:
        assert pledges.document_titled(db, NO_GIFT) is None and db.get(PledgeDocument, document_id).active
    assert count_rows(bot, PledgeAck) == 0 and count_rows(bot, Staff) == 6
