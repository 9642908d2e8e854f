"""ประวัติการแก้ไข: changes made in LINE, with the CLI and in the console, shown with who, when,
where and before → after; filters and pages; read-only for everyone, and the database refuses edits."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from models import audit
from models.audit import AuditEntry
from models.staff import Staff
from tests.support import text_of_page


def test_a_reset_from_the_cli_shows_who_what_and_before_after(console, runner, register):
    user = register("S01")
    result = runner.invoke(args=["roster", "reset", "S01"])
    assert result.exit_code == 0, result.output
    text = text_of_page(console.get("/console/history/"))
    assert "คำสั่งบนเซิร์ฟเวอร์" in text and "แก้ไข บุคลากร" in text
    assert "บัญชี LINE (ไม่แสดง) → -" in text          # unlinked; the LINE id itself is never shown
    assert "รหัสเชิญ" in text and user not in console.get("/console/history/").get_data(as_text=True)


def test_a_change_in_line_is_the_coordinators_own(console, line, coordinator_user, bot):
    replies = line.say(coordinator_user, "เปิดเสนอชื่อ")
    assert "เปิดรับการเสนอชื่อแล้ว" in " ".join(str(r) for r in replies)
    with bot.db.sessions() as db:
        name = db.scalar(sa.select(Staff.name).where(Staff.line_user_id == coordinator_user))
    page = console.get("/console/history/?source=line")
    text = text_of_page(page)
    assert "เพิ่ม รอบเสนอชื่อ" in text and name in text and "LINE" in text
    assert "คำสั่งบนเซิร์ฟเวอร์" not in text.split("ก่อน → หลัง", 1)[1]


def test_filters_search_dates_and_pages(console, bot):
    with bot.db.session() as db:
        audit.act_as(db, audit.Actor(None, "ทดสอบ ระบบ", "cli"))
        for n in range(1, 61):
            audit.record(db, audit.UPDATE, "job_settings", n, f"การตั้งค่าที่ {n:02d}", {"value": [str(n), str(n + 1)]})
    first = text_of_page(console.get("/console/history/?entity=job_settings"))
    assert "60 รายการ" in first and "การตั้งค่าที่ 60" in first and "การตั้งค่าที่ 10" not in first
    second = text_of_page(console.get("/console/history/?entity=job_settings&page=2"))
    assert "การตั้งค่าที่ 10" in second and "51–60 จาก 60" in second
    found = text_of_page(console.get("/console/history/?q=ที่ 42"))
    assert "1 รายการ" in found and "42 → 43" in found
    assert "ไม่พบการแก้ไขตามที่กรอง" in text_of_page(console.get("/console/history/?since=2000-01-01&until=2000-01-31"))
    bad = text_of_page(console.get("/console/history/?since=31/12/2569&entity=job_settings"))
    assert "อ่านวันเริ่มไม่ได้" in bad and "60 รายการ" in bad
    wildcard = text_of_page(console.get("/console/history/?q=%25"))
    assert "ไม่พบการแก้ไขตามที่กรอง" in wildcard  # "%" is searched for, not a wildcard


def test_executives_read_the_trail(executive_console, runner, register):
    register("S01")
    runner.invoke(args=["roster", "reset", "S01"])
    page = executive_console.get("/console/history/")
    assert page.status_code == 200 and "แก้ไข บุคลากร" in text_of_page(page)


def test_nobody_edits_the_trail(console, anonymous, runner, register, bot):
    register("S01")
    runner.invoke(args=["roster", "reset", "S01"])
    assert console.post("/console/history/", {}).status_code == 405
    page = anonymous.get("/console/history/")
    assert page.status_code == 302 and "signin" in page.headers["Location"]
    with bot.db.sessions() as db:
        before = db.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        assert before
        with pytest.raises(DatabaseError):
            db.execute(sa.update(AuditEntry).values(actor_name="someone else"))
            db.flush()
        db.rollback()
        with pytest.raises(DatabaseError):
            db.execute(sa.delete(AuditEntry))
        db.rollback()
        assert db.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
        assert not db.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.actor_name == "someone else"))


def test_long_texts_fold(console, bot):
    with bot.db.session() as db:
        audit.act_as(db, audit.Actor(None, "ทดสอบ ระบบ", "console"))
        audit.record(db, audit.CREATE, "pledge_versions", 1, "ปฏิญญา ฉบับที่ 2", {"body": [None, "ข้อ " * 100]})
    html = console.get("/console/history/").get_data(as_text=True)
    assert re.search(r"<details><summary>ดูข้อความ</summary>\s*<ins>ข้อ", html)
