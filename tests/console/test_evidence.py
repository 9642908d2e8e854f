"""Console หลักฐาน: every indicator with its state, what is missing and its evidence; the forms of
2.2, 4.2, 4.3, 4.4, 4.5 and of an item for any other; refusals in Thai; removing; who may."""
from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from models.audit import AuditEntry
from models.evidence import Evidence
from models.files import StoredFile
from tests.support import text_of_page

TODAY = datetime.now(ZoneInfo("Asia/Bangkok")).date()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (5, 3), (6, 199, 85)).save(out, format="PNG")
    return out.getvalue()


def send(console, path: str, fields: dict, file: tuple[bytes, str] | None = None):
    if not console.csrf:
        console.get("/console/")
    values: dict = {"csrf_token": console.csrf, **fields}
    if file is not None:
        values["file"] = FileStorage(io.BytesIO(file[0]), filename=file[1], content_type="application/octet-stream")
    boundary, body = encode_multipart(values)
    return console.client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def items(bot) -> list[Evidence]:
    with bot.db.sessions() as db:
        return list(db.scalars(sa.select(Evidence).order_by(Evidence.id)))


def test_every_indicator_says_what_is_missing(console, this_year_plan):
    page = text_of_page(console.get("/console/evidence/"))
    for code in ("1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2", "4.3", "4.4", "4.5"):
        assert f"{code} " in page
    assert "ยังขาด: มี 0 จาก 5 ช่องทาง ยังขาดอีก 5 ช่องทาง" in page
    assert "ยังขาด: ยังไม่ได้บันทึกรายงานผลและการถอดบทเรียน" in page
    assert "เพิ่มหลักฐาน 4.3" in page


def test_channels_from_the_console_count_for_4_3(bot, console, this_year_plan):
    today = TODAY.isoformat()
    for channel in ("facebook", "website"):
        response = send(console, "/console/evidence/4.3/new", {"channel": channel, "dated": today,
                                                               "link": f"https://example.org/{channel}"})
        assert response.status_code == 302, text_of_page(response)
    page = text_of_page(console.get("/console/evidence/"))
    assert "มี 2 จาก 5 ช่องทาง ยังขาดอีก 3 ช่องทาง" in page and "เผยแพร่ทางเพจ Facebook" in page
    refused = send(console, "/console/evidence/4.3/new", {"channel": "radio", "dated": today})
    assert refused.status_code == 400 and "กรุณาแนบไฟล์หรือใส่ลิงก์อย่างน้อยหนึ่งอย่าง" in text_of_page(refused)
    bad = send(console, "/console/evidence/4.3/new", {"channel": "radio", "dated": today, "link": "www.example"})
    assert bad.status_code == 400 and "ลิงก์ต้องขึ้นต้นด้วย https://" in text_of_page(bad)
    assert len(items(bot)) == 2
    with bot.db.sessions() as db:
        trail = list(db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "evidence")))
    assert len(trail) == 2 and {e.source for e in trail} == {"console"}


def test_an_award_too_old_is_refused_in_thai_and_a_scan_is_served_back(bot, console, this_year_plan):
    scan = png_bytes()
    old = send(console, "/console/evidence/4.2/new", {"issuer": "จังหวัดเชียงราย", "award_kind": "thanks",
                                                       "dated": "2025-09-30"}, (scan, "ขอบคุณ.png"))
    assert old.status_code == 400
    assert "ตัวชี้วัด 4.2 นับรางวัลย้อนหลังไม่เกิน 1 ปี ตั้งแต่ 1 ต.ค. 2568 เท่านั้น" in text_of_page(old)
    with bot.db.sessions() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0
    assert not any(bot.settings.uploads_dir.glob("*"))  # nothing left on disk either
    good = send(console, "/console/evidence/4.2/new", {"issuer": "จังหวัดเชียงราย", "award_kind": "thanks",
                                                        "dated": TODAY.isoformat()}, (scan, "ขอบคุณ.png"))
    assert good.status_code == 302, text_of_page(good)
    (item,) = items(bot)
    assert item.title == "หนังสือขอบคุณจากจังหวัดเชียงราย" and item.source == "console"
    served = console.get(f"/console/files/{item.file_id}")
    assert served.status_code == 200 and served.data == scan
    assert "ขอบคุณ.png" in text_of_page(console.get("/console/evidence/"))


def test_an_item_a_file_that_is_not_taken_and_removing(bot, console, this_year_plan):
    refused = send(console, "/console/evidence/3.1/new", {"title": "รายงาน", "dated": TODAY.isoformat()},
                   (b"MZ\x90\x00 not a document", "virus.exe"))
    assert refused.status_code == 400 and "รับเฉพาะรูปภาพ PDF และเอกสาร" in text_of_page(refused)
    response = send(console, "/console/evidence/3.1/new", {"title": "ภาพกิจกรรมจิตอาสา", "dated": TODAY.isoformat(),
                                                            "note": "ผู้เข้าร่วม 40 คน"}, (png_bytes(), "ภาพ.png"))
    assert response.status_code == 302
    (item,) = items(bot)
    assert (item.indicator_code, item.kind, item.title) == ("3.1", "file", "ภาพกิจกรรมจิตอาสา")
    future = send(console, "/console/evidence/1.1/new", {"title": "บันทึก", "note": "ประชุม", "dated": "2099-01-01"})
    assert future.status_code == 400 and "วันที่ต้องไม่เลยวันนี้" in text_of_page(future)
    removed = console.post(f"/console/evidence/{item.id}/remove")
    assert removed.status_code == 302
    page = text_of_page(console.get("/console/evidence/"))
    assert "นำหลักฐาน “ภาพกิจกรรมจิตอาสา” ออกแล้ว" in page and "ภาพ.png" not in page  # the list has it no more
    assert items(bot)[0].removed_at is not None  # kept, marked removed


def test_lessons_and_confirmation_forms(bot, console, this_year_plan):
    fields = {"dated": TODAY.isoformat(), "done": "จัดกิจกรรม 12 กิจกรรม", "results": "ถึงเป้า 9 จาก 10",
              "worked": "แจ้งเตือนทาง LINE", "problems": "งานช่วงปลายปี", "improvements": "เริ่มเร็วขึ้น",
              "sent_on": TODAY.isoformat(), "acknowledged_by": "นายผู้บังคับบัญชา", "acknowledged_on": "2020-01-01"}
    early = send(console, "/console/evidence/4.4/new", fields)
    assert early.status_code == 400 and "วันที่ผู้บังคับบัญชาทราบต้องไม่ก่อนวันที่เสนอ" in text_of_page(early)
    acknowledged = {**fields, "acknowledged_on": TODAY.isoformat()}
    assert send(console, "/console/evidence/4.4/new", acknowledged).status_code == 302
    assert send(console, "/console/evidence/4.5/new", {"confirmed_by": "นางหัวหน้า ดีงาม", "position": "พัฒนาการจังหวัด",
                                                        "dated": TODAY.isoformat()}).status_code == 302
    page = text_of_page(console.get("/console/evidence/"))
    assert "สรุปองค์ความรู้และถอดบทเรียน ปีงบประมาณ" in page and "หนังสือรับรองของนางหัวหน้า ดีงาม" in page
    assert "ยังไม่ได้บันทึกรายงานผลและการถอดบทเรียน" not in page


def test_without_a_plan_for_this_year(console):
    page = text_of_page(console.get("/console/evidence/"))
    assert "ยังไม่มีแผนของปีงบประมาณ" in page and "เพิ่มหลักฐาน" not in page
    assert console.get("/console/evidence/4.3/new").status_code == 404


def test_who_may(bot, console, executive_console, anonymous, this_year_plan):
    page = executive_console.get("/console/evidence/")
    assert page.status_code == 200 and "เพิ่มหลักฐาน" not in text_of_page(page)
    assert executive_console.get("/console/evidence/4.3/new").status_code == 403
    assert send(executive_console, "/console/evidence/4.3/new", {"channel": "facebook", "dated": TODAY.isoformat(),
                                                                  "link": "https://example.org/x"}).status_code == 403
    anonymous_page = anonymous.get("/console/evidence/")
    assert anonymous_page.status_code == 302 and anonymous_page.headers["Location"].endswith("/console/signin")
    assert anonymous.post("/console/evidence/4.3/new", {"channel": "facebook"}, csrf=False).status_code == 401
    no_token = console.client.post("/console/evidence/4.3/new", data={"channel": "facebook",
                                                                     "dated": TODAY.isoformat(),
                                                                     "link": "https://example.org/x"})
    assert no_token.status_code == 400
    assert items(bot) == []


def test_the_monthly_4_5_reminder_is_switched_on_and_off_by_a_coordinator(bot, console, executive_console,
                                                                        this_year_plan):
    from models import evidence as proofs

    assert "ต้องการยืนยันทุกเดือน?" in text_of_page(console.get("/console/evidence/"))
    done = console.post("/console/evidence/monthly", {"on": "1"})
    assert done.status_code == 302
    page = text_of_page(console.get("/console/evidence/"))
    assert "จะเตือนให้ยืนยันตัวชี้วัด 4.5 ทุกสิ้นเดือน" in page and "เตือนให้ยืนยันทุกสิ้นเดือน: เปิดอยู่" in page
    with bot.db.sessions() as db:
        assert proofs.monthly_confirmation(db)
    assert executive_console.post("/console/evidence/monthly", {"on": "0"}).status_code == 403
    assert "เตือนให้ยืนยันทุกสิ้นเดือน: เปิดอยู่" in text_of_page(executive_console.get("/console/evidence/"))
    console.post("/console/evidence/monthly", {"on": "0"})
    with bot.db.sessions() as db:
        assert not proofs.monthly_confirmation(db)
