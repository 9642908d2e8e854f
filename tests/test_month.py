"""A month of an office's life through the webhook at fixed clock times; the coordinator's summary
must say what the script did."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models.activity import Activity
from models.staff import Staff
from tests.conftest import add_people, postbacks_in, text_of

BKK = ZoneInfo("Asia/Bangkok")
DAY0 = datetime(2026, 2, 2, 8, 30, tzinfo=BKK)
UNITS = ("กลุ่มงานประสานฯ", "อำเภอแม่สาย", "อำเภอเชียงแสน")


def test_february_2026(bot, line, runner):
    people = [(f"P{i:02}", f"นายทดลอง ลำดับ{i:02}", "นักพัฒนาชุมชน", UNITS[i % 3], "staff") for i in range(1, 19)]
    people[0] = ("P01", "นางสาวประสาน งานดี", "นักวิชาการ", UNITS[0], "coordinator")
    add_people(bot, people)
    runner.invoke(args=["activity", "schedule", "plan-workshop", "--start", "2026-02-10T09:00+07:00",
                        "--end", "2026-02-10T16:00+07:00"])
    runner.invoke(args=["activity", "assign", "plan-workshop", "P01,P02"])
    runner.invoke(args=["activity", "assign", "virtue-workshop", "P03"])
    with bot.db.sessions() as s:
        codes = dict(s.execute(sa.select(Staff.code, Staff.invite_code)).all())
        workshop = s.scalar(sa.select(Activity.code).where(Activity.key == "plan-workshop"))

    users: dict[str, str] = {}
    expected = {"registered": 0, "acked": 0, "proposed": 0, "plan": set(), "attended": set()}
    version = None
    for day in range(20):  # 2 Feb … 21 Feb, one action per person at a fixed time
        moment = DAY0 + timedelta(days=day)
        for i, (code, *_rest) in enumerate(people):
            if i > day:  # person i joins on day i
                continue
            user = users.setdefault(code, f"U{i:032x}")
            if i == day:
                assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(line.say(user, f"ลงทะเบียน {codes[code]}", at=moment))
                expected["registered"] += 1
                continue
            step = day - i
            if step == 1 and i % 4 != 0:  # three in four acknowledge the day after registering
                card = line.say(user, "ปฏิญญา", at=moment)
                version = version or postbacks_in(card)[0]
                assert "ขอบคุณ" in text_of(line.tap(user, version, at=moment + timedelta(minutes=1)))
                expected["acked"] += 1
            if step == 2 and i % 2 == 0:  # every other person proposes
                for text in ("ความดี", "ส่งงานช้า", "ส่งงานตรงเวลา", "วินัย"):
                    line.say(user, text, at=moment + timedelta(minutes=2))
                expected["proposed"] += 1
            if step == 3 and i % 3 == 0:  # one in three comments on the plan
                (ask,) = postbacks_in(line.say(user, "แผน", at=moment))
                line.tap(user, ask, at=moment)
                line.say(user, "ขอให้เพิ่มกิจกรรมจิตอาสา", at=moment + timedelta(minutes=1))
                expected["plan"].add(code)
        if moment.date() == datetime(2026, 2, 10).date():
            for code, user in users.items():
                if int(code[1:]) % 5 == 0:
                    assert "เรียบร้อย" in text_of(line.say(user, f"เช็คอิน {workshop}", at=moment + timedelta(hours=1)))
                    expected["attended"].add(code)
                    expected["plan"].add(code)

    runner.invoke(args=["activity", "done", "plan-workshop", "--at", "2026-02-10T16:00+07:00"])
    coordinator = users["P01"]
    summary = line.say(coordinator, "สรุป", at=datetime(2026, 2, 23, 9, 0, tzinfo=BKK))
    cards = summary[0]["contents"]["contents"]
    indicators = text_of([cards[0]])
    total = len(people)

    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:.1f}".rstrip("0").rstrip(".")

    assert f"{pct(expected['proposed'], total)}% ({expected['proposed']}/{total})" in indicators
    assert f"{pct(expected['acked'], total)}% ({expected['acked']}/{total})" in indicators
    assert f"{pct(len(expected['plan']), total)}% ({len(expected['plan'])}/{total})" in indicators
    assert "40% (2/5)" in indicators        # 2.2: two of five activities have responsible people
    assert "20% (1/5)" in indicators        # 3.1: one of five done
    assert "เหลือ 4 วัน" in indicators       # 27 Feb from 23 Feb
    pledge_card = text_of([c for c in cards if "ตัวชี้วัด 1.2" in text_of([c["header"]])][0])
    assert f"ลงทะเบียน LINE แล้ว {expected['registered']} จาก {total} คน" in pledge_card
    assert f"ยังไม่รับทราบ {total - expected['acked']} คน" in pledge_card
    attendance = text_of([cards[-1]])
    assert f"{len(expected['attended'])} คน" in attendance
    assert f"ยังไม่เคยร่วมกิจกรรม {total - len(expected['attended'])} คน" in attendance
