"""หลักฐาน in LINE: a coordinator sends a link or a note, then taps the indicator; staff and
executives are refused; the evidence is the console's and the CLI's (models/evidence.py)."""
from __future__ import annotations

import hashlib
import io

import sqlalchemy as sa
from PIL import Image

from models.evidence import Evidence
from models.files import StoredFile
from tests.conftest import text_of


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
