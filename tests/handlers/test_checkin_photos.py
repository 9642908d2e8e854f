"""Photos a participant sends in LINE while an activity's check-in is open: kept byte for byte as
that activity's photo for the coordinator (models.files, purpose checkin_photo); refused, and not
stored, outside any window, before checking in, when too big or not an image; kept once."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PIL import Image

from bot import uploads
from models.activity import Activity
from models.files import CHECKIN_PHOTO, StoredFile
from models.staff import by_code
from tests.conftest import text_of

BKK = ZoneInfo("Asia/Bangkok")
START = datetime(2026, 3, 10, 9, 0, tzinfo=BKK)  # check-in opens 30 minutes before, closes at 12:00


def add(runner, title: str = "ทำบุญตักบาตรประจำเดือน", *extra: str) -> str:
    result = runner.invoke(args=["activity", "add", "--title", title, "--start", START.isoformat(),
                                 "--end", (START + timedelta(hours=3)).isoformat(), *extra])
    assert result.exit_code == 0, result.output
    return result.output.split()[-1]


def jpeg_bytes(colour: tuple[int, int, int] = (6, 199, 85)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(out, format="JPEG")
    return out.getvalue()


def photos(bot) -> list[StoredFile]:
    with bot.db.sessions() as db:
        return list(db.scalars(sa.select(StoredFile).order_by(StoredFile.id)))


def content_calls(line_api) -> int:
    return len([r for r in line_api.calls() if r.path.endswith("/content")])


def test_a_photo_during_the_window_is_kept_byte_for_byte_with_the_activity(bot, line, register, runner):
    user = register("S01")
    code = add(runner)
    line.say(user, f"เช็คอิน {code}", at=START)
    photo = jpeg_bytes()
    reply = line.send_content(user, photo, at=START + timedelta(minutes=20))
    assert "ได้รับภาพกิจกรรม \"ทำบุญตักบาตรประจำเดือน\" แล้ว ขอบคุณค่ะ" in text_of(reply)
    (kept,) = photos(bot)
    with bot.db.sessions() as db:
        activity_id = db.scalar(sa.select(Activity.id).where(Activity.code == code))
        sender = by_code(db, "S01").id
    assert (kept.activity_id, kept.uploaded_by_id, kept.purpose, kept.content_type) == (
        activity_id, sender, CHECKIN_PHOTO, "image/jpeg")
    assert (kept.size, kept.sha256) == (len(photo), hashlib.sha256(photo).hexdigest())
    assert (bot.settings.uploads_dir / kept.stored_name).read_bytes() == photo


def test_outside_any_window_nothing_is_fetched_or_stored(bot, line, line_api, register, runner):
    user = register("S01")
    add(runner)
    for moment in (START - timedelta(minutes=31), START + timedelta(hours=3, seconds=1)):
        reply = line.send_content(user, jpeg_bytes(), at=moment)
        assert "ขณะนี้ไม่มีกิจกรรมที่เปิดเช็คอิน จึงไม่ได้เก็บภาพนี้ไว้" in text_of(reply)
    assert photos(bot) == [] and content_calls(line_api) == 0


def test_a_photo_before_checking_in_asks_to_check_in_first(bot, line, line_api, register, runner):
    user = register("S01")
    add(runner)
    reply = line.send_content(user, jpeg_bytes(), at=START)
    assert "รับภาพกิจกรรมจากผู้ที่เช็คอินแล้วเท่านั้น" in text_of(reply)
    assert "กรุณาเช็คอิน\"ทำบุญตักบาตรประจำเดือน\"ก่อน" in text_of(reply)
    assert photos(bot) == [] and content_calls(line_api) == 0


def test_of_several_open_activities_the_one_checked_in_to(bot, line, register, runner):
    user = register("S01")
    add(runner, "ทำบุญตักบาตรประจำเดือน")
    second = add(runner, "จิตอาสาพัฒนาวัด")
    assert "กรุณาเช็คอินกิจกรรมก่อน" in text_of(line.send_content(user, jpeg_bytes(), at=START))
    line.say(user, f"เช็คอิน {second}", at=START)
    assert "\"จิตอาสาพัฒนาวัด\"" in text_of(line.send_content(user, jpeg_bytes(), at=START))
    with bot.db.sessions() as db:
        (kept,) = db.scalars(sa.select(StoredFile))
        assert db.get(Activity, kept.activity_id).code == second


def test_too_big_or_not_an_image_is_refused_and_not_stored(bot, line, register, runner):
    user = register("S01")
    code = add(runner)
    line.say(user, f"เช็คอิน {code}", at=START)
    big = jpeg_bytes() + b"\0" * uploads.MAX_BYTES
    assert "ภาพใหญ่เกิน 10 MB ค่ะ จึงไม่ได้เก็บภาพนี้ไว้" in text_of(line.send_content(user, big, at=START))
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    assert "รับเฉพาะรูปภาพ JPEG, PNG" in text_of(line.send_content(user, pdf, at=START))
    assert photos(bot) == []
    assert not bot.settings.uploads_dir.exists() or not any(bot.settings.uploads_dir.iterdir())


def test_a_redelivered_event_and_a_resent_photo_are_kept_once(bot, line, register, runner):
    user = register("S01")
    code = add(runner)
    line.say(user, f"เช็คอิน {code}", at=START)
    photo = jpeg_bytes()
    line.send_content(user, photo, at=START)
    event = line.event(user, "message", START, message={"id": "5550001", "type": "image", "quoteToken": "q5550001",
                                                        "contentProvider": {"type": "line"}})
    with line.fake.lock:
        line.fake.contents["5550001"] = jpeg_bytes((200, 30, 30))
    line.send(event)
    event["deliveryContext"] = {"isRedelivery": True}
    event["replyToken"] = line.fake.issue_reply_token(user)
    assert line.send(event) == []  # the same webhookEventId: seen before, nothing done
    again = line.send_content(user, photo, at=START + timedelta(minutes=5))
    assert "ส่งมาแล้ว จึงเก็บไว้ครั้งเดียว" in text_of(again)
    assert len(photos(bot)) == 2


def test_a_file_or_a_photo_in_a_conversation_is_not_taken_as_an_activity_photo(bot, line, register, runner):
    user = register("S01")
    code = add(runner)
    line.say(user, f"เช็คอิน {code}", at=START)
    file_reply = line.send_content(user, jpeg_bytes(), "ภาพ.jpg", at=START)
    assert file_reply and "ได้รับภาพกิจกรรม" not in text_of(file_reply)
    at_a_place = add(runner, "อบรมธรรมะ", "--place", "วัด", "--lat", "19.91", "--lon", "99.84")
    asked = line.say(user, f"เช็คอิน {at_a_place}", at=START)  # the check-in waits for a location
    assert "ส่งตำแหน่งที่ตั้ง" in text_of(asked)
    answer = line.send_content(user, jpeg_bytes(), at=START)
    assert answer and "ได้รับภาพกิจกรรม" not in text_of(answer)
    assert photos(bot) == []
