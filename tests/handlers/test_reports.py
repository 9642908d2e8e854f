"""รายงาน in LINE: a coordinator or executive gets three signed links (progress report, memo, Excel)
that download through /download/ for 24 hours while they still are one, and a button that asks for
the evidence pack, made in the background and sent as a link in the chat when ready (once; a failure
is said too); staff are refused; a changed link is refused; no plan or no signing key says so in Thai."""
from __future__ import annotations

import hashlib
import io
import time
import zipfile
from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, urlparse

import sqlalchemy as sa

from bot.config import Settings
from bot.fakeline import PUSH
from bot.router import Context
from handlers import reports as handler
from models.docbuild import DocumentBuild
from models.staff import Staff, by_code
from tests.conftest import text_of
from tests.support import uris_in


def buttons_of(line, user: str) -> list[dict]:
    replies = line.say(user, "รายงาน")
    assert "เอกสารสำหรับผู้ประเมิน" in text_of(replies)
    (bubble,) = [m["contents"] for m in replies if m["type"] == "flex"]
    return [b["action"] for b in bubble["footer"]["contents"]]


def download_links(line, user: str) -> dict[str, str]:
    """What รายงาน replies with: each link button's label → the path after PUBLIC_BASE_URL."""
    return {a["label"]: urlparse(a["uri"]).path for a in buttons_of(line, user) if a["type"] == "uri"}


def pack_button(line, user: str) -> str:
    """The data of รายงาน's pack button (it asks for the pack; the link comes when it is made)."""
    (data,) = [a["data"] for a in buttons_of(line, user) if a["type"] == "postback"]
    return data


def wait_for_push(line_api, user: str, seconds: float = 120.0) -> dict:
    """The first push to `user`, once the builder thread has made what was asked (polled: it is another thread)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for call in line_api.calls(PUSH):
            if call.status == 200 and call.body.get("to") == user:
                return call.body
        time.sleep(0.1)
    raise AssertionError(f"no push to {user} within {seconds} s")


def test_a_coordinator_gets_the_pack_button_and_three_links_that_download(bot, client, line, register,
                                                                         this_year_plan):
    user = register("C01")
    replies = line.say(user, "report")  # the English alias
    text = text_of(replies)
    assert "ใช้ได้ 24 ชั่วโมง" in text and "อย่าส่งต่อ" in text
    assert "กดแล้วระบบจะจัดทำ และส่งลิงก์ดาวน์โหลดมาในแชตนี้เมื่อเสร็จ" in text
    uris = uris_in(replies)
    assert len(uris) == 3 and all(u.startswith(bot.settings.public_base_url + "/download/") for u in uris)
    actions = buttons_of(line, user)
    assert [a["label"] for a in actions] == ["ชุดหลักฐานทั้งหมด", "รายงานผลการดำเนินงาน", "บันทึกข้อความ",
                                             "ข้อมูล Excel"]
    assert all(len(a["label"]) <= 20 for a in actions)
    assert actions[0]["type"] == "postback" and parse_qs(actions[0]["data"])["k"] == ["pack"]
    paths = download_links(line, user)
    memo = client.get(paths["บันทึกข้อความ"], buffered=True)
    assert memo.status_code == 200 and memo.mimetype == "application/pdf" and memo.data.startswith(b"%PDF")
    path = paths["รายงานผลการดำเนินงาน"]
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    refused = client.get(tampered)
    assert refused.status_code == 404 and "หมดอายุหรือไม่ถูกต้อง" in refused.get_data(as_text=True)


def test_the_pack_is_made_in_the_background_and_its_link_comes_in_the_chat(bot, client, line, line_api, register,
                                                                          this_year_plan):
    user = register("C01")
    data = pack_button(line, user)
    asked = text_of(line.tap(user, data))
    assert "รับคำขอแล้วค่ะ กำลังจัดทำชุดหลักฐาน ข้อมูล ณ" in asked and "จะส่งลิงก์ดาวน์โหลดมาในแชตนี้" in asked
    push = wait_for_push(line_api, user)
    assert "ชุดหลักฐานพร้อมดาวน์โหลดแล้วค่ะ" in text_of(push["messages"])
    assert "ขนาด" in text_of(push["messages"]) and "ลิงก์ใช้ได้ 24 ชั่วโมง" in text_of(push["messages"])
    (uri,) = uris_in(push["messages"])
    pack = client.get(urlparse(uri).path, buffered=True)
    assert pack.status_code == 200 and pack.mimetype == "application/zip"
    assert quote("ชุดหลักฐาน.zip") in pack.headers["Content-Disposition"]
    assert "สารบัญ.pdf" in zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
    with bot.db.session() as db:
        (build,) = db.scalars(sa.select(DocumentBuild)).all()
    assert build.state == "ready" and build.via == "line" and build.sha256 == hashlib.sha256(pack.data).hexdigest()
    assert build.size == len(pack.data)
    # the data is as of the moment the bubble said (its t), not the tap's
    assert int(build.at.timestamp()) == int(parse_qs(data)["t"][0])
    # the push went through the outbox: once, whatever runs after
    ran = client.application.test_cli_runner().invoke(args=["jobs", "run", "documents"])
    assert ran.exit_code == 0, ran.output
    assert len([c for c in line_api.calls(PUSH) if c.body.get("to") == user]) == 1


def test_a_made_pack_link_is_refused_once_its_file_is_gone(bot, client, line, line_api, register, runner,
                                                           this_year_plan):
    user = register("C01")
    line.tap(user, pack_button(line, user))
    (uri,) = uris_in(wait_for_push(line_api, user)["messages"])
    later = (datetime.now(bot.settings.tz) + timedelta(hours=25)).isoformat()
    ran = runner.invoke(args=["jobs", "run", "documents", "--at", later])
    assert ran.exit_code == 0, ran.output
    assert list(bot.settings.documents_dir.iterdir()) == []  # removed after its day
    refused = client.get(urlparse(uri).path)
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
