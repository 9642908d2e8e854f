"""Forgiving conversations (issue 14, item 4), through the webhook: ช่วยเหลือ mid-conversation asks the
step again; a command word puts the conversation aside (ทำต่อ resumes it); answers that say nothing are
refused kindly and not counted; greetings, thanks and misspelt command words; irreversible actions
ask first; and no reply doubles a polite particle or nests quotation marks (tests/handlers/replies.py,
run on every reply by tests/handlers/conftest.py)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models import nomination as nominations
from models.activity import Activity
from models.nomination import Nomination, NominationError, NominationRound
from models.proposal import PlanComment, Proposal, Vague, vague
from tests.conftest import count_rows, invite_code, postbacks_in, text_of
from tests.handlers import replies as reading

BKK = ZoneInfo("Asia/Bangkok")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=BKK)
REASON = "ช่วยเหลือเพื่อนร่วมงานเสมอ และอาสาทำงานส่วนรวมโดยไม่ต้องร้องขอ"


def chips(replies: list[dict]) -> list[str]:
    """What the chips of the last message show (their label)."""
    items = (replies[-1].get("quickReply") or {}).get("items", [])
    return [i["action"]["label"] for i in items]


def chip_action(replies: list[dict], label: str) -> dict:
    (found,) = [i["action"] for i in (replies[-1].get("quickReply") or {}).get("items", [])
                if i["action"]["label"] == label]
    return found


def tap(line, user: str, replies: list[dict], label: str, at: datetime = T0) -> list[dict]:
    action = chip_action(replies, label)
    if action["type"] == "postback":
        return line.tap(user, action["data"], at=at)
    return line.say(user, action["text"], at=at)


def open_round(line, coordinator: str, at: datetime = T0) -> None:
    assert "เปิดรับการเสนอชื่อแล้ว" in text_of(line.say(coordinator, "เปิดเสนอชื่อ", at=at))


def nominate(line, user: str, at: datetime = T0) -> None:
    for said in ("เสนอชื่อ", "บุคคล", "สมศรี", "1", "สุจริต", REASON, "ยืนยัน"):
        replies = line.say(user, said, at=at)
    assert "บันทึกการเสนอชื่อแล้ว" in text_of(replies)


# -- ช่วยเหลือ in the middle of a conversation ---------------------------------------------------------
def test_help_mid_conversation_shows_the_step_again_with_its_choices(bot, line, register):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    line.say(user, "ประชุมเริ่มช้ากว่าเวลานัด", at=T0)
    line.say(user, "มาก่อนเวลาประชุม 5 นาที", at=T0)
    helped = line.say(user, "ช่วยเหลือ", at=T0)
    assert "ปฏิญญา" in text_of(helped[:1]) and "ตอนนี้ท่านอยู่ระหว่างการเสนอความดี" in text_of(helped[:1])
    assert "ขั้นที่ 3/3" in text_of(helped[-1:])
    assert chips(helped) == ["พอเพียง", "วินัย", "สุจริต", "จิตอาสา", "กตัญญู", "ยกเลิก"]  # the step's, not commands
    assert "บันทึกแล้ว" in text_of(line.say(user, "วินัย", at=T0))  # the conversation went on
    with bot.db.sessions() as s:
        assert s.scalar(sa.select(Proposal.problem)) == "ประชุมเริ่มช้ากว่าเวลานัด"


def test_help_mid_nomination_shows_the_people_found_again(bot, line, register):
    user, coordinator = register("S01"), register("C01")
    open_round(line, coordinator)
    line.say(user, "เสนอชื่อ", at=T0)
    line.say(user, "บุคคล", at=T0)
    found = line.say(user, "สม", at=T0)
    helped = line.say(user, "help", at=T0)
    assert "ขั้นที่ 2/4" not in text_of(helped[:1]) and chips(helped) == chips(found)
    again = tap(line, user, helped, chips(helped)[0])  # the chips shown again still work
    assert "ขั้นที่ 3/4" in text_of(again)
    assert chips(line.say(user, "ช่วยเหลือ", at=T0))[:5] == chips(again)[:5]


# -- a command word mid-conversation puts it aside -------------------------------------------------------
def test_a_command_puts_the_draft_aside_and_resume_brings_it_back(bot, line, register):
    user = register("S02")
    line.say(user, "ความดี", at=T0)
    line.say(user, "ใช้กระดาษสิ้นเปลือง", at=T0)
    status = line.say(user, "สถานะ", at=T0)
    assert "สถานะของ" in text_of(status)
    assert "การเสนอความดีที่ทำค้างไว้ ระบบพักไว้ให้ก่อน" in text_of(status[-1:]) and chips(status)[0] == "ทำต่อ"
    assert "พักไว้อยู่" in text_of(line.say(user, "พิมพ์สองหน้า", at=T0))  # not taken as an answer, not lost
    back = line.say(user, "ทำต่อ", at=T0 + timedelta(hours=2))  # kept longer than a conversation
    assert "กลับมาที่การเสนอความดี" in text_of(back) and "ขั้นที่ 2/3" in text_of(back)
    line.say(user, "พิมพ์เอกสารสองหน้า", at=T0 + timedelta(hours=2))
    assert "บันทึกแล้ว" in text_of(line.say(user, "พอเพียง", at=T0 + timedelta(hours=2)))
    with bot.db.sessions() as s:
        assert s.execute(sa.select(Proposal.problem, Proposal.good)).one() == ("ใช้กระดาษสิ้นเปลือง", "พิมพ์เอกสารสองหน้า")
    assert "ไม่มีรายการที่พักไว้" in text_of(line.say(user, "ทำต่อ", at=T0 + timedelta(hours=2)))


def test_another_conversation_swaps_with_the_one_put_aside(bot, line, register):
    user, coordinator = register("S01"), register("C01")
    open_round(line, coordinator)
    line.say(user, "ความดี", at=T0)
    line.say(user, "ใช้กระดาษสิ้นเปลือง", at=T0)
    started = line.say(user, "เสนอชื่อ", at=T0)  # the nomination's question stays last, with its chips
    assert "พักไว้ให้ก่อน" in text_of(started[:1]) and "ขั้นที่ 1/4" in text_of(started[-1:])
    assert chips(started) == ["บุคคล", "หน่วยงาน", "ยกเลิก"]
    line.say(user, "บุคคล", at=T0)
    swapped = line.say(user, "ทำต่อ", at=T0)  # back to the proposal; the nomination goes aside
    assert "การเสนอชื่อที่ทำค้างไว้" in text_of(swapped) and "ขั้นที่ 2/3" in text_of(swapped)
    assert "ขั้นที่ 2/4" in text_of(line.say(user, "ทำต่อ", at=T0))  # and back again, at its step
    cancelled = line.say(user, "ยกเลิก", at=T0)
    assert "ยกเลิกการเสนอชื่อแล้ว" in text_of(cancelled) and "การเสนอความดีที่พักไว้ยังรออยู่" in text_of(cancelled)
    assert "ยกเลิกการเสนอความดีที่พักไว้แล้ว" in text_of(line.say(user, "ยกเลิก", at=T0))
    assert "ไม่มีรายการที่ค้างอยู่" in text_of(line.say(user, "ยกเลิก", at=T0))


def test_a_button_that_starts_a_conversation_puts_the_open_one_aside(bot, line, register):
    user = register("S03")
    line.say(user, "ความดี", at=T0)
    line.say(user, "ใช้กระดาษสิ้นเปลือง", at=T0)
    asked = line.tap(user, "a=plan.comment", at=T0)
    assert "พักไว้ให้ก่อน" in text_of(asked) and "พิมพ์ความเห็น" in text_of(asked[-1:])
    assert "ขอบคุณสำหรับความเห็น" in text_of(line.say(user, "ควรเพิ่มกิจกรรมจิตอาสาในชุมชน", at=T0))
    assert "ขั้นที่ 2/3" in text_of(line.say(user, "ทำต่อ", at=T0))


# -- answers that say nothing --------------------------------------------------------------------------
SAYS_NOTHING = ["asdfgh", "ฟหกด", "ฟหกดเ้่าสวง", "qwerty", "12345", "๑๒๓๔๕", "555555", "🙏🙏🙏", "...!!!", "กกกกก",
                "ดีดีดีดี", "ๆๆๆๆ", "ok.", "ขอบคุณค่ะ", "สวัสดีครับ"]
REAL_THAI = ["มาสาย", "ขยัน", "โกง", "ขาดวินัย", "ไม่ตรงต่อเวลา", "ทิ้งขยะไม่เป็นที่", "ใช้ถุงผ้า", "ยิ้มไหว้",
             "ประหยัดไฟ", "ช่วยเหลือเพื่อนมากกกก", "ดีครับ", "มาก่อนเวลา 10 นาที"]


@pytest.mark.parametrize("typed", SAYS_NOTHING)
def test_a_proposal_that_says_nothing_is_refused_with_an_example(bot, line, register, typed):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    refused = text_of(line.say(user, typed, at=T0))
    assert "ยังไม่ได้บันทึก" in refused and "เช่น \"ประชุมเริ่มช้ากว่าเวลานัด\"" in refused
    assert "ขั้นที่ 1/3" in refused  # asked again, still at the first step
    refused = text_of(line.say(user, typed, at=T0))
    assert "ขั้นที่ 1/3" in refused and count_rows(bot, Proposal) == 0


@pytest.mark.parametrize("typed", REAL_THAI)
def test_real_short_thai_answers_are_taken(bot, line, register, typed):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    assert "ขั้นที่ 2/3" in text_of(line.say(user, typed, at=T0)), typed
    assert vague(typed) is None


def test_what_the_rules_call_saying_nothing():
    assert [vague(t) for t in ("asdfghjkl", "ฟหกด", "1234", "😀😀", "กกก", "ab", "sdfkj", "กขคง")] == [
        Vague.KEYBOARD, Vague.KEYBOARD, Vague.DIGITS, Vague.SYMBOLS, Vague.REPEATED, Vague.FEW_LETTERS,
        Vague.KEYBOARD, Vague.KEYBOARD]
    assert all(vague(t) is None for t in REAL_THAI + [REASON, "ควรเพิ่มกิจกรรมจิตอาสาในชุมชน", "late", "เหงา"])


def test_a_plan_comment_and_a_nomination_reason_that_say_nothing(bot, line, register):
    user, coordinator = register("S01"), register("C01")
    line.tap(user, "a=plan.comment", at=T0)
    refused = text_of(line.say(user, "ฟหกดฟหกด", at=T0))
    assert "ยังไม่ได้บันทึก" in refused and "เช่น" in refused and count_rows(bot, PlanComment) == 0
    assert "ขอบคุณสำหรับความเห็น" in text_of(line.say(user, "อยากให้จัดอบรมช่วงเช้า", at=T0))
    open_round(line, coordinator)
    for said in ("เสนอชื่อ", "บุคคล", "สมศรี", "1", "สุจริต"):
        line.say(user, said, at=T0)
    for typed in ("asdfghjkl;", "1234567890", "🙏🙏🙏🙏🙏🙏🙏🙏🙏🙏", "ดีมากดีมากดีมาก"[:0] + "กกกกกกกกกกก", "ขอบคุณมากค่ะ"):
        refused = text_of(line.say(user, typed, at=T0))
        assert "กรุณาเล่าเหตุผลเป็นประโยคอีกครั้งค่ะ" in refused or "อย่างน้อย 1 ประโยค" in refused, typed
        assert "เช่น" in refused
    assert "ยืนยันการเสนอชื่อ" in text_of(line.say(user, "ตรงต่อเวลาและซื่อสัตย์ต่อหน้าที่", at=T0))
    assert count_rows(bot, Nomination) == 0
    with bot.db.session() as s:  # the rule holds in the model too
        round_ = nominations.open_round(s, T0)
        me, her = nominations.search_people(s, "สมชาย")[0], nominations.search_people(s, "สมศรี")[0]
        with pytest.raises(NominationError, match="reason"):
            nominations.nominate(s, round_, me, "person", "วินัย", "asdfghjkl;'", T0, nominee=her)


# -- greetings, thanks and misspelt command words -----------------------------------------------------------
@pytest.mark.parametrize("said", ["สวัสดี", "สวัสดีครับ", "สวัสดีค่ะ", "หวัดดี", "ขอบคุณ", "ขอบคุณครับ", "ขอบคุณค่ะ",
                                  "ขอบคุณนะคะ", "ขอบคุณมากครับ 🙏", "thx", "Thank you!", "ขอบคุณสำหรับข้อมูลค่ะ"])
def test_greetings_and_thanks_get_a_friendly_answer_and_the_main_choices(line, register, said):
    replies = line.say(register("S01"), said, at=T0)
    answer = text_of(replies)
    assert "ไม่เข้าใจ" not in answer and "คุณสมชาย" in answer
    assert ("สวัสดีค่ะ" if said.startswith(("สวัสดี", "หวัดดี")) else "ยินดีค่ะ") in answer
    assert {"ปฏิญญา", "ความดี", "สถานะ"} <= set(chips(replies))


@pytest.mark.parametrize(("typed", "meant"), [
    ("ปฎิญญา", "ปฏิญญา"), ("ปฏิญา", "ปฏิญญา"), ("ปฏิญาณ", "ปฏิญญา"), ("เชคอิน", "เช็คอิน"), ("เช็คอืน", "เช็คอิน"),
    ("สถาณะ", "สถานะ"), ("ช่วยเหลอ", "ช่วยเหลือ"), ("ความดดี", "ความดี"), ("เสนอชือ", "เสนอชื่อ"), ("stauts", "สถานะ"),
])
def test_a_misspelt_command_gets_did_you_mean_with_a_chip(line, register, typed, meant):
    user = register("S01")
    replies = line.say(user, typed, at=T0)
    assert f"หมายถึง \"{meant}\" ใช่ไหมคะ" in text_of(replies)
    assert chips(replies)[0] == meant
    assert "หมายถึง" not in text_of(tap(line, user, replies, meant))  # the chip runs the command


def test_did_you_mean_keeps_what_followed_and_helps_people_not_yet_registered(bot, line, office):
    code = invite_code(office, "S04")
    replies = line.say("U" + "4" * 32, f"ลงทะเบียร {code}", at=T0)
    assert f"หมายถึง \"ลงทะเบียน {code}\" ใช่ไหมคะ" in text_of(replies)
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(tap(line, "U" + "4" * 32, replies, f"ลงทะเบียน {code}"[:20]))
    # Not yet registered: only the words they may use are offered.
    assert "หมายถึง" not in text_of(line.say("U" + "5" * 32, "สถาณะ", at=T0))


def test_did_you_mean_never_takes_a_steps_answer_or_a_sentence_or_coordinator_words(bot, line, register):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    assert "ขั้นที่ 2/3" in text_of(line.say(user, "สถาณะ", at=T0))  # a step waits for text: it is the answer
    line.say(user, "ยกเลิก", at=T0)
    assert "หมายถึง" not in text_of(line.say(user, "อยากทราบว่าต้องเช็คอินกิจกรรมไหนบ้างในเดือนนี้คะ", at=T0))
    assert "หมายถึง" not in text_of(line.say(user, "ปิดเสนอชือ", at=T0))  # staff: not their word
    assert "หมายถึง \"ปิดเสนอชื่อ\"" in text_of(line.say(register("C01"), "ปิดเสนอชือ", at=T0))


# -- irreversible actions ask first --------------------------------------------------------------------------
def round_open(bot, at: datetime) -> bool:
    with bot.db.sessions() as s:
        return nominations.open_round(s, at) is not None


def test_closing_a_round_asks_first(bot, line, register):
    coordinator = register("C01")
    open_round(line, coordinator)
    asked = line.say(coordinator, "ปิดเสนอชื่อ", at=T0)
    assert "ใช่ไหมคะ" in text_of(asked) and chips(asked) == ["ยืนยัน", "ยกเลิก"] and round_open(bot, T0)
    assert "ไม่ได้ปิดรอบ" in text_of(tap(line, coordinator, asked, "ยกเลิก")) and round_open(bot, T0)
    assert "ใช้ไม่ได้แล้ว" in text_of(tap(line, coordinator, asked, "ยืนยัน")) and round_open(bot, T0)  # stale
    line.say(coordinator, "ปิดเสนอชื่อ", at=T0)
    helped = line.say(coordinator, "ช่วยเหลือ", at=T0)
    assert chips(helped) == ["ยืนยัน", "ยกเลิก"] and round_open(bot, T0)
    assert "ปิดรับการเสนอชื่อแล้ว" in text_of(line.say(coordinator, "ยืนยัน", at=T0)) and not round_open(bot, T0)


def test_a_stale_close_confirmation_never_closes_a_newer_round(bot, line, register, runner):
    coordinator = register("C01")
    open_round(line, coordinator)
    asked = line.say(coordinator, "ปิดเสนอชื่อ", at=T0)
    with bot.db.session() as s:  # meanwhile closed elsewhere (the console, the CLI) and a new round opened
        nominations.close_round(s, T0)
        nominations.start_round(s, T0, "รอบที่สอง")
    late = text_of(tap(line, coordinator, asked, "ยืนยัน"))
    assert "ไม่ได้ปิด" in late and round_open(bot, T0)
    assert count_rows(bot, NominationRound) == 2


def test_withdrawing_a_proposal_asks_first(bot, line, register):
    user = register("S01")
    for said in ("ความดี", "มาสายบ่อย", "มาก่อนเวลา 10 นาที", "วินัย", "ความดี", "ใช้ไฟสิ้นเปลือง", "ปิดไฟตอนพักเที่ยง",
                 "พอเพียง"):
        line.say(user, said, at=T0)
    first, second = postbacks_in(line.say(user, "ความดี ของฉัน", at=T0))
    asked_first = line.tap(user, first, at=T0)
    assert "ถอนข้อเสนอนี้ใช่ไหมคะ" in text_of(asked_first) and "มาสายบ่อย" in text_of(asked_first)
    asked_second = line.tap(user, second, at=T0)  # a second question replaces the first
    assert "ใช้ไม่ได้แล้ว" in text_of(tap(line, user, asked_first, "ยืนยัน"))  # the first one's ยืนยัน: nothing
    with bot.db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Proposal).where(Proposal.withdrawn_at.is_(None))) == 2
    assert "ยังอยู่เหมือนเดิม" in text_of(tap(line, user, asked_second, "ยกเลิก"))
    line.tap(user, second, at=T0)
    assert "ถอนข้อเสนอ \"ปิดไฟตอนพักเที่ยง\" แล้ว" in text_of(line.say(user, "ยืนยัน", at=T0))
    with bot.db.sessions() as s:
        assert s.scalars(sa.select(Proposal.good).where(Proposal.withdrawn_at.is_(None))).all() == ["มาก่อนเวลา 10 นาที"]


def test_withdrawing_a_nomination_asks_first(bot, line, register):
    user, coordinator = register("S01"), register("C01")
    open_round(line, coordinator)
    nominate(line, user)
    (withdraw,) = [d for d in postbacks_in(line.say(user, "เสนอชื่อ ของฉัน", at=T0))
                   if d.startswith("a=nomination.withdraw&")]
    asked = line.tap(user, withdraw, at=T0)
    assert "ถอนการเสนอชื่อ นางสมศรี รักดี ด้านสุจริต ใช่ไหมคะ" in text_of(asked) and count_rows(bot, Nomination) == 1
    assert "ยังอยู่เหมือนเดิม" in text_of(tap(line, user, asked, "ยกเลิก")) and count_rows(bot, Nomination) == 1
    asked = line.tap(user, withdraw, at=T0)
    done = tap(line, user, asked, "ยืนยัน")
    assert "ถอนการเสนอชื่อ นางสมศรี รักดี ด้านสุจริต แล้ว" in text_of(done) and count_rows(bot, Nomination) == 0
    assert "ใช้ไม่ได้แล้ว" in text_of(tap(line, user, asked, "ยืนยัน"))  # twice: nothing more happens


# -- how replies read ----------------------------------------------------------------------------------------
def test_the_reading_check_catches_doubled_particles_and_nested_quotes():
    for bad in ("บันทึกแล้วค่ะค่ะ", "ขอบคุณครับค่ะ", "ลองใหม่นะคะค่ะ", "ไม่พบ “\"สมศรี\"” ค่ะ", "ไม่พบ \"\"สมศรี\"\"",
                "รอบ \"ปีงบ \"2569\"\" ค่ะ", "แตะ \"ยืนยัน"):
        assert reading.problems(bad), bad
    for good in ("บันทึกแล้วค่ะ", "ใช่ไหมคะ?", "แตะ \"ยืนยัน\" หรือ \"ยกเลิก\" ค่ะ", "ได้คะแนน 5 ค่ะ", "นะคะ",
                 "กิจกรรม \"อบรม 'คุณธรรมนำใจ'\" ค่ะ"):
        assert not reading.problems(good), good


def test_names_and_typed_text_with_quotation_marks_are_not_nested(bot, line, register, runner):
    user = register("S01")
    result = runner.invoke(args=["activity", "add", "--title", "อบรม \"คุณธรรมนำใจ\"", "--start",
                                 "2026-03-02T09:00+07:00", "--end", "2026-03-02T12:00+07:00"])
    assert result.exit_code == 0, result.output
    code = result.output.split()[-1]
    done = text_of(line.say(user, f"เช็คอิน {code}", at=T0))
    assert "\"อบรม 'คุณธรรมนำใจ'\"" in done
    assert "\"อะไร 'นะ'\"" in text_of(line.say(user, "อะไร \"นะ\"", at=T0))
    coordinator = register("C01")
    open_round(line, coordinator)
    for said in ("เสนอชื่อ", "บุคคล"):
        line.say(user, said, at=T0)
    assert "ไม่พบชื่อ \"ไม่มีใคร\"" in text_of(line.say(user, "\"ไม่มีใคร\"", at=T0))
    # The autouse check (tests/handlers/conftest.py) reads every reply of this test too.


# -- every conversation asks its step again: the activity's record, evidence, a check-in's location --
def _activity(runner, *extra: str) -> str:
    result = runner.invoke(args=["activity", "add", "--title", "ทำบุญตักบาตรประจำเดือน",
                                 "--start", "2026-03-02T08:00+07:00", "--end", "2026-03-02T12:00+07:00", *extra])
    assert result.exit_code == 0, result.output
    return result.output.split()[-1]


def test_help_and_resume_ask_the_step_again_in_every_conversation(bot, line, register, runner):
    coordinator, staff = register("C01"), register("S01")
    code = _activity(runner, "--place", "ห้องประชุมสำนักงาน", "--lat", "19.9105", "--lon", "99.8406")
    with bot.db.sessions() as s:
        activity_id = s.scalar(sa.select(Activity.id).where(Activity.code == code))

    # recording an activity as carried out: both steps
    assert "ขั้นที่ 1/2" in text_of(line.tap(coordinator, f"a=activity.done&id={activity_id}", at=T0))
    helped = line.say(coordinator, "ช่วยเหลือ", at=T0)
    assert "ขั้นที่ 1/2: สรุปสั้น ๆ" in text_of(helped[-1:]) and "ทำบุญตักบาตรประจำเดือน" in text_of(helped[-1:])
    line.say(coordinator, "ทำบุญร่วมกัน 25 คน", at=T0)
    helped = line.say(coordinator, "ช่วยเหลือ", at=T0)
    assert "ขั้นที่ 2/2: ลิงก์หลักฐาน" in text_of(helped[-1:]) and chips(helped) == ["ข้าม", "ยกเลิก"]
    line.say(coordinator, "สถานะ", at=T0)                       # a command puts it aside …
    resumed = line.say(coordinator, "ทำต่อ", at=T0)             # … and ทำต่อ asks the same step again
    assert "ขั้นที่ 2/2: ลิงก์หลักฐาน" in text_of(resumed)
    assert "ดำเนินการแล้ว" in text_of(line.say(coordinator, "ข้าม", at=T0))

    # evidence: the indicator step keeps its indicator chips
    line.say(coordinator, "หลักฐาน", at=T0)
    assert "ขั้นที่ 1/2" in text_of(line.say(coordinator, "ช่วยเหลือ", at=T0)[-1:])
    line.say(coordinator, "https://example.org/posts/7 โพสต์กิจกรรม", at=T0)
    helped = line.say(coordinator, "ช่วยเหลือ", at=T0)
    assert "ขั้นที่ 2/2" in text_of(helped[-1:]) and chips(helped)[:2] == ["1.1", "1.2"]

    # a check-in waiting for the location: the location button again
    line.say(staff, f"เช็คอิน {code}", at=T0)
    helped = line.say(staff, "ช่วยเหลือ", at=T0)
    assert "ตอนนี้ท่านอยู่ระหว่างการเช็คอิน" in text_of(helped[:1])
    assert helped[-1]["quickReply"]["items"][0]["action"]["type"] == "location"
