"""สถานะ and ช่วยเหลือ, and what happens with words the bot does not know."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models import pledge as pledges
from tests.conftest import text_of

BKK = ZoneInfo("Asia/Bangkok")


def test_status_before_and_after_acknowledging(bot, line, register):
    user = register("S02")
    before = text_of(line.say(user, "สถานะ"))
    assert "สถานะของคุณสมศรี" in before and "นางสมศรี รักดี" in before and "อำเภอเมืองเชียงราย" in before
    assert "ยังไม่รับทราบ" in before and "รอรับทราบ 1 ฉบับ" in before
    with bot.db.sessions() as s:
        (version,) = pledges.current_versions(s)
    line.tap(user, f"a=pledge.ack&v={version.id}", at=datetime(2026, 1, 5, 10, 0, tzinfo=BKK))
    after = text_of(line.say(user, "สถานะ"))
    assert "รับทราบแล้ว 5 ม.ค. 2569" in after and "รับทราบครบแล้ว" in after


def test_help_lists_commands_and_coordinators_see_more(line, register):
    staff = text_of(line.say(register("S01"), "ช่วยเหลือ"))
    assert "ปฏิญญา" in staff and "สถานะ" in staff and "สรุป" not in staff
    coordinator = text_of(line.say(register("C01"), "ช่วยเหลือ"))
    assert "สรุป" in coordinator


def test_unknown_words_and_stickers_get_help_chips(line, register):
    user = register("S01")
    replies = line.say(user, "อะไรนะครับ")
    assert "ไม่เข้าใจคำว่า \"อะไรนะครับ\"" in text_of(replies)  # a greeting is answered in kind (test_forgiving)
    chips = [item["action"]["text"] for item in replies[0]["quickReply"]["items"]]
    assert "ปฏิญญา" in chips and "ช่วยเหลือ" in chips
    sticker = line.send(line.event(user, "message", message={
        "id": "5", "type": "sticker", "packageId": "1", "stickerId": "2", "stickerResourceType": "STATIC",
        "quoteToken": "q"}))
    assert "อ่านได้เฉพาะข้อความ" in text_of(sticker)


def test_english_aliases(line, register):
    user = register("S01")
    assert "สถานะของคุณสมชาย" in text_of(line.say(user, "STATUS"))
    assert "รับทราบ" in text_of(line.say(user, "pledge"))
