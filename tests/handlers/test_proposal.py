"""ความดี and แผน: conversations step by step through the webhook."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.proposal import PlanComment, Proposal
from tests.conftest import count_rows, postbacks_in, text_of

BKK = ZoneInfo("Asia/Bangkok")
T0 = datetime(2026, 1, 12, 9, 0, tzinfo=BKK)


def chips(replies) -> list[str]:
    items = (replies[-1].get("quickReply") or {}).get("items", [])
    return [i["action"].get("text", i["action"].get("label")) for i in items]


def propose(line, user, problem="มาสายบ่อย", good="มาก่อนเวลา 10 นาที", virtue="วินัย", at=T0):
    line.say(user, "ความดี", at=at)
    line.say(user, problem, at=at + timedelta(minutes=1))
    line.say(user, good, at=at + timedelta(minutes=2))
    return line.say(user, virtue, at=at + timedelta(minutes=3))


def test_three_steps_store_one_proposal(bot, line, register):
    user = register("S01")
    first = line.say(user, "ความดี", at=T0)
    assert "ขั้นที่ 1/3" in text_of(first) and "ยกเลิก" in chips(first)
    second = line.say(user, "ใช้กระดาษสิ้นเปลือง", at=T0 + timedelta(minutes=1))
    assert "ขั้นที่ 2/3" in text_of(second)
    third = line.say(user, "พิมพ์สองหน้าและใช้เอกสารออนไลน์", at=T0 + timedelta(minutes=2))
    assert "ขั้นที่ 3/3" in text_of(third)
    assert set(chips(third)) >= {"พอเพียง", "วินัย", "สุจริต", "จิตอาสา", "กตัญญู"}
    done = line.say(user, "พอเพียง", at=T0 + timedelta(minutes=3))
    assert "บันทึกแล้ว" in text_of(done) and "ร่วมเสนอแล้ว 1 จาก 6 คน" in text_of(done)
    with bot.db.sessions() as s:
        stored = s.scalar(sa.select(Proposal))
    assert (stored.problem, stored.good, stored.virtue) == ("ใช้กระดาษสิ้นเปลือง", "พิมพ์สองหน้าและใช้เอกสารออนไลน์", "พอเพียง")
    assert stored.plan_id is not None


def test_wrong_virtue_is_asked_again(bot, line, register):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    line.say(user, "มาสาย", at=T0)
    line.say(user, "มาตรงเวลา", at=T0)
    again = line.say(user, "ขยัน", at=T0)
    assert "เลือกคุณธรรม" in text_of(again)
    assert count_rows(bot, Proposal) == 0
    assert "บันทึกแล้ว" in text_of(line.say(user, "วินัย", at=T0))


def test_too_short_and_too_long_answers(bot, line, register):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    assert "สั้นเกินไป" in text_of(line.say(user, "ก", at=T0))
    assert "ยาวเกินไป" in text_of(line.say(user, "ก" * 600, at=T0))
    assert "ขั้นที่ 2/3" in text_of(line.say(user, "มาสาย", at=T0))


def test_cancel_at_every_step(bot, line, register):
    user = register("S01")
    for steps in ([], ["มาสาย"], ["มาสาย", "มาก่อนเวลา"]):
        line.say(user, "ความดี", at=T0)
        for answer in steps:
            line.say(user, answer, at=T0)
        reply = text_of(line.say(user, "ยกเลิก", at=T0))
        assert "ยกเลิกการเสนอความดีแล้ว" in reply
        # After cancelling, words are commands again, not answers.
        assert "ไม่เข้าใจ" in text_of(line.say(user, "มาสาย", at=T0))
    assert count_rows(bot, Proposal) == 0
    assert "ไม่มีรายการที่ค้างอยู่" in text_of(line.say(user, "ยกเลิก", at=T0))


def test_another_command_mid_conversation_does_what_it_says(bot, line, register):
    user = register("S02")
    line.say(user, "ความดี", at=T0)
    line.say(user, "มาสาย", at=T0)
    replies = line.say(user, "สถานะ", at=T0)
    # Put aside, not dropped (issue 14): the status, then how to go back, with a ทำต่อ chip.
    assert "การเสนอความดีที่ทำค้างไว้ ระบบพักไว้ให้ก่อน" in text_of(replies) and "ทำต่อ" in chips(replies)
    assert "สถานะของฉัน" in text_of(replies)
    assert count_rows(bot, Proposal) == 0
    # ช่วยเหลือ does not end the conversation.
    line.say(user, "ความดี", at=T0)
    assert "ปฏิญญา" in text_of(line.say(user, "ช่วยเหลือ", at=T0))
    assert "ขั้นที่ 2/3" in text_of(line.say(user, "มาสาย", at=T0))


def test_stale_conversation_after_thirty_minutes(bot, line, register):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    line.say(user, "มาสาย", at=T0 + timedelta(minutes=1))
    still = line.say(user, "มาก่อนเวลา", at=T0 + timedelta(minutes=30))  # 29 min after the last step: fine
    assert "ขั้นที่ 3/3" in text_of(still)
    late = line.say(user, "วินัย", at=T0 + timedelta(minutes=61))
    assert "หมดเวลา" in text_of(late)
    assert count_rows(bot, Proposal) == 0


def test_two_people_at_once_keep_their_own_answers(bot, line, register):
    a, b = register("S01"), register("S02")
    line.say(a, "ความดี", at=T0)
    line.say(b, "ความดี", at=T0)
    line.say(a, "ปัญหาของเอ", at=T0)
    line.say(b, "ปัญหาของบี", at=T0)
    line.say(b, "ความดีของบี", at=T0)
    line.say(a, "ความดีของเอ", at=T0)
    line.say(a, "สุจริต", at=T0)
    line.say(b, "จิตอาสา", at=T0)
    with bot.db.sessions() as s:
        rows = {(p.problem, p.good, p.virtue) for p in s.scalars(sa.select(Proposal))}
    assert rows == {("ปัญหาของเอ", "ความดีของเอ", "สุจริต"), ("ปัญหาของบี", "ความดีของบี", "จิตอาสา")}


def test_see_and_withdraw_my_proposals(bot, line, register):
    user, other = register("S01"), register("S02")
    propose(line, user)
    propose(line, other, problem="ของคนอื่น")
    mine = line.say(user, "ความดี ของฉัน")
    assert "มาสายบ่อย" in text_of(mine) and "ของคนอื่น" not in text_of(mine)
    (withdraw,) = postbacks_in(mine)
    asked = line.tap(user, withdraw)  # asks first (issue 14); ยืนยัน withdraws
    assert "ใช่ไหมคะ" in text_of(asked) and "ยังไม่มีข้อเสนอ" not in text_of(line.say(user, "ความดี ของฉัน"))
    asked = line.tap(user, withdraw)
    (confirm,) = [d for d in postbacks_in(asked) if d.startswith("a=proposal.withdraw_ok&")]
    assert "ถอนข้อเสนอ" in text_of(line.tap(user, confirm))
    assert "ยังไม่มีข้อเสนอ" in text_of(line.say(user, "ความดี ของฉัน"))
    # Someone else's button (forged) does nothing.
    with bot.db.sessions() as s:
        theirs = s.scalar(sa.select(Proposal.id).where(Proposal.problem == "ของคนอื่น"))
    assert "ไม่ใช่ของท่าน" in text_of(line.tap(user, f"a=proposal.withdraw&id={theirs}"))
    with bot.db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Proposal).where(Proposal.withdrawn_at.is_(None))) == 1


def test_redelivered_final_step_stores_once(bot, line, register):
    user = register("S01")
    line.say(user, "ความดี", at=T0)
    line.say(user, "มาสาย", at=T0)
    line.say(user, "มาก่อนเวลา", at=T0)
    event = line.text_event(user, "วินัย", at=T0)
    for _ in range(3):
        assert line.post([event]).status_code == 200
    assert count_rows(bot, Proposal) == 1


def test_plan_shows_activities_and_takes_a_comment(bot, line, register):
    user = register("S03")
    card = line.say(user, "แผน", at=T0)
    assert "ประชุมเชิงปฏิบัติการจัดทำแผน" in text_of(card) and "ภายใน 27 ก.พ. 2569" in text_of(card)
    (ask,) = postbacks_in(card)
    assert "พิมพ์ความเห็น" in text_of(line.tap(user, ask, at=T0))
    assert "ขอบคุณสำหรับความเห็น" in text_of(line.say(user, "ควรเพิ่มกิจกรรมจิตอาสาในชุมชน", at=T0))
    with bot.db.sessions() as s:
        assert s.scalar(sa.select(PlanComment.text)) == "ควรเพิ่มกิจกรรมจิตอาสาในชุมชน"
