"""ลงทะเบียน: follow, register with an invite code, every refusal, and the lock."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.staff import INVITE_ALPHABET, RegistrationFailure, Staff
from tests.conftest import count_rows, invite_code, payload, post_concurrently, text_of

BKK = ZoneInfo("Asia/Bangkok")
NEWCOMER = "U" + "1" * 32


def test_follow_welcomes_and_explains_personal_data(line):
    text = text_of(line.follow(NEWCOMER))
    assert "ลงทะเบียน" in text and "รหัสเชิญ" in text
    assert "ข้อมูลส่วนบุคคล" in text and "ผู้ประสานงาน" in text


def test_follow_when_already_registered_welcomes_back(line, register):
    user = register("S01")
    assert "ยินดีต้อนรับกลับ" in text_of(line.follow(user))


def test_register_links_the_account(office, line):
    code = invite_code(office, "S02")
    text = text_of(line.say(NEWCOMER, f"ลงทะเบียน {code}"))
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text and "นางสมศรี รักดี" in text and "อำเภอเมืองเชียงราย" in text
    with office.db.sessions() as s:
        person = s.scalar(sa.select(Staff).where(Staff.code == "S02"))
        assert person.line_user_id == NEWCOMER and person.registered_at is not None


def test_code_is_forgiving_about_case_spaces_and_no_space_after_the_word(office, line):
    code = invite_code(office, "S03")
    typed = f"ลงทะเบียน{code[:4].lower()} {code[4:].lower()}"
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(line.say(NEWCOMER, typed))


def test_english_alias(office, line):
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(line.say(NEWCOMER, f"register {invite_code(office, 'S04')}"))


def test_unknown_code(office, line):
    text = text_of(line.say(NEWCOMER, "ลงทะเบียน ZZZZZZZZ"))
    assert "ไม่พบรหัสเชิญ" in text
    assert count_rows(office, RegistrationFailure) == 1


def test_code_without_a_code(office, line):
    text = text_of(line.say(NEWCOMER, "ลงทะเบียน"))
    assert "ตามด้วยรหัสเชิญ" in text
    assert count_rows(office, RegistrationFailure) == 0


def test_code_already_used_by_another_account(office, line, register):
    register("S01", user_id="U" + "2" * 32)
    text = text_of(line.say(NEWCOMER, f"ลงทะเบียน {invite_code(office, 'S01')}"))
    assert "ถูกใช้ลงทะเบียนกับบัญชี LINE อื่นแล้ว" in text
    with office.db.sessions() as s:
        assert s.scalar(sa.select(Staff.line_user_id).where(Staff.code == "S01")) == "U" + "2" * 32


def test_account_already_registered(office, line, register):
    user = register("S01")
    text = text_of(line.say(user, f"ลงทะเบียน {invite_code(office, 'S02')}"))
    assert "ลงทะเบียนแล้วในชื่อ นายสมชาย ใจดี ค่ะ" in text
    with office.db.sessions() as s:
        assert s.scalar(sa.select(Staff.line_user_id).where(Staff.code == "S02")) is None


def test_five_wrong_codes_in_fifteen_minutes_lock_for_fifteen_minutes(office, line):
    start = datetime(2026, 1, 10, 9, 0, tzinfo=BKK)
    good = invite_code(office, "S02")
    for i in range(4):
        assert "ไม่พบรหัสเชิญ" in text_of(line.say(NEWCOMER, "ลงทะเบียน WRONG00" + str(i), at=start + timedelta(minutes=i)))
    fifth = start + timedelta(minutes=10)
    assert "พักการลงทะเบียน" in text_of(line.say(NEWCOMER, "ลงทะเบียน WRONGGGG", at=fifth))
    # Even the right code is refused while locked, and the refusal says until when (Thai date, BE).
    locked = text_of(line.say(NEWCOMER, f"ลงทะเบียน {good}", at=fifth + timedelta(minutes=14)))
    assert "พักการลงทะเบียน" in locked and "10 ม.ค. 2569 เวลา 09:25 น." in locked
    assert count_rows(office, RegistrationFailure) == 5  # refused tries are not counted as failures
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(line.say(NEWCOMER, f"ลงทะเบียน {good}", at=fifth + timedelta(minutes=15)))


def test_wrong_codes_spread_out_do_not_lock(office, line):
    start = datetime(2026, 1, 10, 9, 0, tzinfo=BKK)
    for i in range(6):
        text = text_of(line.say(NEWCOMER, "ลงทะเบียน NOPE", at=start + timedelta(minutes=4 * i)))
        assert "ไม่พบรหัสเชิญ" in text
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(
        line.say(NEWCOMER, f"ลงทะเบียน {invite_code(office, 'S02')}", at=start + timedelta(minutes=25)))


def test_lock_is_per_account(office, line):
    start = datetime(2026, 1, 10, 9, 0, tzinfo=BKK)
    for i in range(5):
        line.say(NEWCOMER, "ลงทะเบียน NOPE", at=start + timedelta(minutes=i))
    other = "U" + "3" * 32
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(
        line.say(other, f"ลงทะเบียน {invite_code(office, 'S02')}", at=start + timedelta(minutes=5)))


def test_unregistered_person_using_a_feature_is_told_how_to_register(office, line):
    for word in ("ปฏิญญา", "สถานะ", "สรุป", "อะไรก็ได้"):
        text = text_of(line.say(NEWCOMER, word))
        assert "ยังไม่ได้ลงทะเบียน" in text and "ลงทะเบียน" in text, word
    assert "ยังไม่ได้ลงทะเบียน" in text_of(line.tap(NEWCOMER, "a=pledge.ack&v=1"))


def test_a_greeting_or_thanks_before_registration_is_answered_in_kind(office, line):
    hello = text_of(line.say(NEWCOMER, "สวัสดีครับ"))
    assert hello.startswith("สวัสดีค่ะ ยินดีต้อนรับ") and "ลงทะเบียน" in hello and "ยังไม่ได้ลงทะเบียน" not in hello
    thanks = text_of(line.say(NEWCOMER, "ขอบคุณค่ะ"))
    assert thanks.startswith("ยินดีค่ะ") and "ลงทะเบียน" in thanks


def test_help_works_before_registration_too(office, line):
    assert "ยังไม่ได้ลงทะเบียน" in text_of(line.say(NEWCOMER, "ช่วยเหลือ"))


def test_person_no_longer_on_the_roster(office, line, register, runner, tmp_path):
    user = register("S04")
    with office.db.session() as s:
        s.scalar(sa.select(Staff).where(Staff.code == "S04")).active = False
    assert "ไม่อยู่ในทะเบียนบุคลากร" in text_of(line.say(user, "สถานะ"))


def test_invite_codes_are_eight_unambiguous_characters(office):
    with office.db.sessions() as s:
        codes = list(s.scalars(sa.select(Staff.invite_code)))
    assert len(codes) == len(set(codes)) == 6
    for code in codes:
        assert len(code) == 8 and set(code) <= set(INVITE_ALPHABET)
    assert not set("0O1IL5S2Z8BUV") & set(INVITE_ALPHABET)


def test_concurrent_registrations_link_each_code_and_account_once(office, line, live_app):
    code = invite_code(office, "S01")
    racers = [line.text_event(f"U{i:032x}", f"ลงทะเบียน {code}") for i in range(10)]
    # One account typing every other person's code at once.
    greedy = "U" + "e" * 32
    others = [line.text_event(greedy, f"ลงทะเบียน {invite_code(office, c)}") for c in ("S02", "S03", "S04", "C01")]
    bodies = [payload(e) for e in racers + others]
    assert post_concurrently(live_app.url, bodies) == [200] * len(bodies)
    with office.db.sessions() as s:
        linked = dict(s.execute(sa.select(Staff.code, Staff.line_user_id).where(Staff.line_user_id.is_not(None))).all())
    assert linked["S01"] in {e["source"]["userId"] for e in racers}
    assert list(linked.values()).count(greedy) == 1
    assert len(linked) == 2
