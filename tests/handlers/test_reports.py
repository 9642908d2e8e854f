"""รายงาน in LINE: a coordinator or executive gets four signed links (pack, progress report, memo, Excel)
that download through /download/ for 24 hours while they still are one; staff are refused; a changed
link is refused; no plan or no signing key says so in Thai."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from urllib.parse import urlparse

import sqlalchemy as sa

from bot.config import Settings
from bot.router import Context
from handlers import reports as handler
from models.staff import Staff, by_code
from tests.conftest import text_of
from tests.support import uris_in


def download_links(line, user: str) -> dict[str, str]:
    """What รายงาน replies with: each button's label → the path after PUBLIC_BASE_URL."""
    replies = line.say(user, "รายงาน")
    assert "เอกสารสำหรับผู้ประเมิน" in text_of(replies)
    (bubble,) = [m["contents"] for m in replies if m["type"] == "flex"]
    buttons = bubble["footer"]["contents"]
    return {b["action"]["label"]: urlparse(b["action"]["uri"]).path for b in buttons}


def test_a_coordinator_gets_four_links_that_download(bot, client, line, register, this_year_plan):
    user = register("C01")
    replies = line.say(user, "report")  # the English alias
    text = text_of(replies)
    assert "ใช้ได้ 24 ชั่วโมง" in text and "อย่าส่งต่อ" in text
    uris = uris_in(replies)
    assert len(uris) == 4 and all(u.startswith(bot.settings.public_base_url + "/download/") for u in uris)
    paths = download_links(line, user)
    assert list(paths) == ["ชุดหลักฐานทั้งหมด", "รายงานผลการดำเนินงาน", "บันทึกข้อความ", "ข้อมูล Excel"]
    assert all(len(label) <= 20 for label in paths)
    pack = client.get(paths["ชุดหลักฐานทั้งหมด"], buffered=True)
    assert pack.status_code == 200 and pack.mimetype == "application/zip"
    assert "สารบัญ.pdf" in zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
    memo = client.get(paths["บันทึกข้อความ"], buffered=True)
    assert memo.status_code == 200 and memo.mimetype == "application/pdf" and memo.data.startswith(b"%PDF")
    path = paths["รายงานผลการดำเนินงาน"]
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    refused = client.get(tampered)
    assert refused.status_code == 404 and "หมดอายุหรือไม่ถูกต้อง" in refused.get_data(as_text=True)


def test_an_executive_gets_the_links_too(client, line, register, this_year_plan):
    paths = download_links(line, register("E01"))
    workbook = client.get(paths["ข้อมูล Excel"], buffered=True)
    assert workbook.status_code == 200
    assert workbook.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_staff_are_refused_politely(line, register, this_year_plan):
    text = text_of(line.say(register("S01"), "รายงาน"))
    assert "เฉพาะผู้ประสานงานและผู้บริหาร" in text and "/download/" not in text


def test_a_link_stops_working_when_its_person_is_no_longer_a_coordinator(bot, client, line, register,
                                                                           this_year_plan):
    coordinator, executive = download_links(line, register("C01")), download_links(line, register("E01"))
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "C01").values(role="staff"))
        db.execute(sa.update(Staff).where(Staff.code == "E01").values(active=False))
    for paths in (coordinator, executive):
        refused = client.get(paths["รายงานผลการดำเนินงาน"])
        assert refused.status_code == 403 and "ลิงก์นี้ใช้ไม่ได้แล้ว" in refused.get_data(as_text=True)


def test_no_plan_in_use_says_so(line, register):
    text = text_of(line.say(register("C01"), "รายงาน"))  # the seed's plan is FY2569; today is later
    assert "ยังไม่มีแผนที่ใช้อยู่ จึงยังไม่มีรายงานของปีนี้" in text and "/download/" not in text


def test_no_signing_key_says_whom_to_ask(bot, office, this_year_plan):
    with bot.db.session() as db:
        person = by_code(db, "C01")
        unsigned = Settings(database_url=bot.settings.database_url, channel_secret="", secret_key="")
        ctx = Context(db, unsigned, datetime.now(bot.settings.tz), "U1", person)
        text = text_of([m.to_dict() for m in handler.links_of(ctx)])
    assert "SECRET_KEY" in text and "ผู้ดูแลระบบ" in text and "/download/" not in text
