"""หลักฐาน in LINE: a coordinator sends a link or a note, then taps the indicator or a recent activity
(3.1 with that activity); staff and executives are refused; the evidence is the console's and the
CLI's (models/evidence.py)."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PIL import Image

from models.activity import Activity
from models.evidence import Evidence
from models.files import StoredFile
from tests.conftest import actions_in, text_of

BKK = ZoneInfo("Asia/Bangkok")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=BKK)  # FY2570, this_year_plan's year


def chips(replies: list[dict]) -> list[str]:
    return [item["action"]["label"] for m in replies for item in m.get("quickReply", {}).get("items", [])]


def stored(bot) -> list[Evidence]:
    with bot.db.sessions() as db:
        return list(db.scalars(sa.select(Evidence).order_by(Evidence.id)))


def test_a_link_then_its_indicator(bot, line, register, this_year_plan):
    coordinator = register("C01")
    asked = line.say(coordinator, "หลักฐาน")
    assert "ขั้นที่ 1/2" in text_of(asked) and "ยกเลิก" in chips(asked)
    which = line.say(coordinator, "https://facebook.com/cdd.chiangrai/posts/42 โพสต์กิจกรรมจิตอาสา")
    assert "ขั้นที่ 2/2" in text_of(which)
    assert chips(which)[:3] == ["1.1", "1.2", "2.1"] and chips(which)[-1] == "ยกเลิก" and len(chips(which)) <= 13
    wrong = line.say(coordinator, "9.9")
    assert "ไม่มีตัวชี้วัด \"9.9\" ในแผนปีนี้ค่ะ" in text_of(wrong) and stored(bot) == []
    done = line.say(coordinator, "4.3")
    assert "บันทึกหลักฐานตัวชี้วัด 4.3 แล้วค่ะ: โพสต์กิจกรรมจิตอาสา" in text_of(done)
    (item,) = stored(bot)
    assert (item.indicator_code, item.kind, item.url, item.source) == (
        "4.3", "link", "https://facebook.com/cdd.chiangrai/posts/42", "line")
    assert item.recorded_by_id is not None


def test_a_note_in_one_message_and_cancelling(bot, line, register, this_year_plan):
    coordinator = register("C01")
    line.say(coordinator, "หลักฐาน ประชุมชี้แจงแผนกับทุกกลุ่มงาน 25 คน")
    assert "บันทึกหลักฐานตัวชี้วัด 2.1 แล้วค่ะ" in text_of(line.say(coordinator, "2.1"))
    line.say(coordinator, "หลักฐาน")
    line.say(coordinator, "ยกเลิก")
    assert "ขั้นที่" not in text_of(line.say(coordinator, "4.3"))  # no conversation is left open
    assert [i.note for i in stored(bot)] == ["ประชุมชี้แจงแผนกับทุกกลุ่มงาน 25 คน"]


def test_who_may_and_a_year_without_a_plan(bot, line, register):
    staff, executive, coordinator = register("S01"), register("E01"), register("C01")
    assert "ผู้ประสานงาน" in text_of(line.say(staff, "หลักฐาน https://example.org/x"))
    assert "การบันทึกหลักฐานเป็นงานของผู้ประสานงานค่ะ" in text_of(line.say(executive, "หลักฐาน"))
    assert "ยังไม่มีแผนที่ใช้อยู่" in text_of(line.say(coordinator, "หลักฐาน"))  # FY2570 has no plan here
    assert stored(bot) == []


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (7, 5), (6, 199, 85)).save(out, format="PNG")
    return out.getvalue()


def test_a_photo_sent_in_line_is_kept_byte_for_byte(bot, line, line_api, register, this_year_plan):
    coordinator = register("C01")
    photo = png_bytes()
    line.say(coordinator, "หลักฐาน")
    got = line.send_content(coordinator, photo)
    assert f"({len(photo):,} ไบต์) แล้วค่ะ" in text_of(got) and "ขั้นที่ 2/2" in text_of(got)
    assert [r.status for r in line_api.calls() if r.path.endswith("/content")] == [200]
    assert "บันทึกหลักฐานตัวชี้วัด 3.1 แล้วค่ะ" in text_of(line.say(coordinator, "3.1"))
    (item,) = stored(bot)
    with bot.db.sessions() as db:
        kept = db.get(StoredFile, item.file_id)
    assert (item.kind, kept.content_type, kept.size, kept.sha256) == (
        "file", "image/png", len(photo), hashlib.sha256(photo).hexdigest())
    assert (bot.settings.uploads_dir / kept.stored_name).read_bytes() == photo


def test_a_file_of_a_kind_not_taken_and_one_that_is(bot, line, register, this_year_plan):
    coordinator = register("C01")
    line.say(coordinator, "หลักฐาน")
    refused = line.send_content(coordinator, b"MZ\x90\x00 a program", "setup.exe")
    assert "รับเฉพาะรูปภาพ PDF และเอกสาร" in text_of(refused) and stored(bot) == []
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    taken = line.send_content(coordinator, pdf, "คำสั่งแต่งตั้ง.pdf")
    assert "ได้รับไฟล์ \"คำสั่งแต่งตั้ง.pdf\"" in text_of(taken)
    line.say(coordinator, "2.2")
    (item,) = stored(bot)
    assert (item.indicator_code, item.title, item.kind) == ("2.2", "คำสั่งแต่งตั้ง.pdf", "file")


def test_a_photo_outside_the_conversation_is_answered_as_before(bot, line, register, this_year_plan):
    coordinator = register("C01")
    answer = line.send_content(coordinator, png_bytes())
    assert answer and "ขั้นที่" not in text_of(answer) and stored(bot) == []


# -- an activity's evidence -------------------------------------------------------------------------
def add_activity(runner, title: str, start: str, end: str) -> str:
    result = runner.invoke(args=["activity", "add", "--title", title, "--start", start, "--end", end])
    assert result.exit_code == 0, result.output
    return result.output.split()[-1]


def chip_texts(replies: list[dict]) -> dict[str, str]:
    """Each chip's label → the text it sends."""
    return {item["action"]["label"]: item["action"]["text"]
            for m in replies for item in m.get("quickReply", {}).get("items", [])}


def test_a_photo_then_the_activity_chip(bot, line, register, runner, this_year_plan):
    coordinator = register("C01")
    code = add_activity(runner, "วันจิตอาสาพัฒนาวัด", "2026-11-28T08:00+07:00", "2026-11-28T12:00+07:00")
    photo = png_bytes()
    line.say(coordinator, "หลักฐาน", at=NOW)
    asked = line.send_content(coordinator, photo, at=NOW)
    assert "ขั้นที่ 2/2" in text_of(asked) and f"{code} วันจิตอาสาพัฒนาวัด (28 พ.ย. 2569)" in text_of(asked)
    assert chips(asked)[:3] == ["1.1", "1.2", "2.1"] and chips(asked)[-1] == "ยกเลิก" and len(chips(asked)) <= 13
    assert "วันจิตอาสาพัฒนาวัด" in chips(asked) and len(actions_in(asked, "message", "text")) == len(chips(asked))
    sent = chip_texts(asked)["วันจิตอาสาพัฒนาวัด"]
    assert sent.split()[0] == code
    done = line.say(coordinator, sent, at=NOW)
    assert 'บันทึกหลักฐานกิจกรรม "วันจิตอาสาพัฒนาวัด" (ตัวชี้วัด 3.1) แล้วค่ะ' in text_of(done)
    (item,) = stored(bot)
    with bot.db.sessions() as db:
        kept = db.get(StoredFile, item.file_id)
        activity = db.scalar(sa.select(Activity).where(Activity.code == code))
    assert (item.indicator_code, item.activity_id, item.kind, item.plan_id) == (
        "3.1", activity.id, "file", this_year_plan)
    assert (kept.size, kept.sha256) == (len(photo), hashlib.sha256(photo).hexdigest())
    assert (bot.settings.uploads_dir / kept.stored_name).read_bytes() == photo


def test_only_recent_activities_are_offered_newest_first_and_the_chips_fit(bot, line, register, runner,
                                                                           this_year_plan):
    coordinator = register("C01")
    old = add_activity(runner, "ทำบุญตักบาตรเดือนตุลาคม", "2026-10-05T07:00+07:00", "2026-10-05T09:00+07:00")
    add_activity(runner, "อบรมเสริมสร้างวินัยและจรรยาบรรณข้าราชการ", "2026-11-20T09:00+07:00", "2026-11-20T16:00+07:00")
    add_activity(runner, "วันจิตอาสาพัฒนาวัด", "2026-11-28T08:00+07:00", "2026-11-28T12:00+07:00")
    add_activity(runner, "ประชุมประจำเดือน", "2026-12-02T09:30+07:00", "2026-12-02T12:00+07:00")  # open now
    add_activity(runner, "กีฬาสีสัมพันธ์", "2026-12-20T09:00+07:00", "2026-12-20T16:00+07:00")  # not yet
    line.say(coordinator, "หลักฐาน", at=NOW)
    asked = line.say(coordinator, "https://facebook.com/cdd.chiangrai/posts/43 ภาพกิจกรรม", at=NOW)
    offered = chips(asked)
    assert len(offered) == 13 and offered[-1] == "ยกเลิก" and all(len(label) <= 20 for label in offered)
    assert offered[10:12] == ["ประชุมประจำเดือน", "วันจิตอาสาพัฒนาวัด"]  # 10 indicators leave room for 2
    listed = text_of(asked)
    assert "อบรมเสริมสร้างวินัยและจรรยาบรรณข้าราชการ (20 พ.ย. 2569)" in listed  # listed, to type
    assert "ทำบุญตักบาตรเดือนตุลาคม" not in listed and "กีฬาสีสัมพันธ์" not in listed
    nothing = line.say(coordinator, "ภาพงานวัด", at=NOW)
    assert 'ไม่มีตัวชี้วัดหรือกิจกรรม "ภาพงานวัด" ในแผนปีนี้ค่ะ' in text_of(nothing) and "ขั้นที่ 2/2" in text_of(nothing)
    assert stored(bot) == []
    done = line.say(coordinator, old.lower(), at=NOW)  # an old activity is not offered, but its code works
    assert 'บันทึกหลักฐานกิจกรรม "ทำบุญตักบาตรเดือนตุลาคม" (ตัวชี้วัด 3.1) แล้วค่ะ: ภาพกิจกรรม' in text_of(done)
    (item,) = stored(bot)
    with bot.db.sessions() as db:
        activity = db.scalar(sa.select(Activity).where(Activity.code == old))
    assert (item.indicator_code, item.activity_id, item.kind, item.url) == (
        "3.1", activity.id, "link", "https://facebook.com/cdd.chiangrai/posts/43")


def test_a_long_title_is_shortened_and_typing_a_title_works(bot, line, register, runner, this_year_plan):
    coordinator = register("C01")
    title = "อบรมเสริมสร้างวินัยและจรรยาบรรณข้าราชการ"
    add_activity(runner, title, "2026-11-30T09:00+07:00", "2026-11-30T16:00+07:00")
    asked = line.say(coordinator, "หลักฐาน รายชื่อผู้เข้าอบรม 40 คน", at=NOW)
    (label,) = [c for c in chips(asked) if c.startswith("อบรม")]
    assert len(label) == 20 and label.endswith("…")
    done = line.say(coordinator, f"  {title} ", at=NOW)
    assert f'บันทึกหลักฐานกิจกรรม "{title}" (ตัวชี้วัด 3.1) แล้วค่ะ: รายชื่อผู้เข้าอบรม 40 คน' in text_of(done)
    (item,) = stored(bot)
    assert (item.indicator_code, item.kind, item.note) == ("3.1", "note", "รายชื่อผู้เข้าอบรม 40 คน")
    assert item.activity_id is not None


def test_two_activities_of_the_same_title_ask_for_the_code(bot, line, register, runner, this_year_plan):
    coordinator = register("C01")
    first = add_activity(runner, "ทำบุญตักบาตรประจำเดือน", "2026-10-30T07:00+07:00", "2026-10-30T09:00+07:00")
    second = add_activity(runner, "ทำบุญตักบาตรประจำเดือน", "2026-11-27T07:00+07:00", "2026-11-27T09:00+07:00")
    line.say(coordinator, "หลักฐาน ภาพการตักบาตร", at=NOW)
    which = line.say(coordinator, "ทำบุญตักบาตรประจำเดือน", at=NOW)
    assert "มีกิจกรรมชื่อนี้ 2 รายการค่ะ" in text_of(which) and first in text_of(which) and second in text_of(which)
    assert stored(bot) == []
    line.say(coordinator, first, at=NOW)
    with bot.db.sessions() as db:
        wanted = db.scalar(sa.select(Activity.id).where(Activity.code == first))
    assert [i.activity_id for i in stored(bot)] == [wanted]
