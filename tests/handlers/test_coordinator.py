"""สรุป: the coordinator's summary matches the database; others are refused politely."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from models import pledge as pledges
from models.pledge import PledgeAck
from models.staff import Staff
from tests.conftest import add_people, text_of

BKK = ZoneInfo("Asia/Bangkok")


def bubbles(replies) -> list[dict]:
    contents = replies[0]["contents"]
    return contents["contents"] if contents["type"] == "carousel" else [contents]


def pledge_bubble(replies) -> dict:
    return next(b for b in bubbles(replies) if "ตัวชี้วัด 1.2" in text_of([b["header"]]))


def ack_all(line, users, version_id):
    for user in users:
        line.tap(user, f"a=pledge.ack&v={version_id}")


def test_staff_are_refused_politely(line, register):
    user = register("S01")
    text = text_of(line.say(user, "สรุป"))
    assert "เฉพาะผู้ประสานงานและผู้บริหาร" in text
    assert "เฉพาะผู้ประสานงานและผู้บริหาร" in text_of(line.tap(user, "a=nomination.honour&n=1&v=0"))
    # a garbled button is a garbled button, whoever taps it: its parameters are checked first
    garbled = text_of(line.tap(user, "a=nomination.honour&n=1"))
    assert "ปุ่มนี้ใช้ไม่ได้แล้ว" in garbled and "เฉพาะผู้ประสานงาน" not in garbled


def test_summary_numbers_match_the_database(bot, line, register):
    coordinator = register("C01")
    executive = register("E01")
    users = [register(c) for c in ("S01", "S02")]
    with bot.db.sessions() as s:
        (version,) = pledges.current_versions(s)
    ack_all(line, users + [coordinator], version.id)

    replies = line.say(coordinator, "สรุป", at=datetime(2026, 2, 20, 9, 0, tzinfo=BKK))
    text = text_of([pledge_bubble(replies)])

    with bot.db.sessions() as s:
        total = s.scalar(sa.select(sa.func.count()).select_from(Staff).where(Staff.active))
        done = s.scalar(sa.select(sa.func.count()).select_from(PledgeAck))
        by_unit = dict(s.execute(sa.select(Staff.unit, sa.func.count()).group_by(Staff.unit)).all())
        acked_by_unit = dict(s.execute(
            sa.select(Staff.unit, sa.func.count()).join(PledgeAck, PledgeAck.staff_id == Staff.id)
            .group_by(Staff.unit)).all())
        missing = list(s.scalars(sa.select(Staff.name).where(
            Staff.id.not_in(sa.select(PledgeAck.staff_id))).order_by(Staff.unit, Staff.name)))
    assert (total, done) == (6, 3)
    assert f"{done}/{total} (50%)" in text
    for unit, members in by_unit.items():
        got = acked_by_unit.get(unit, 0)
        pct = f"{100 * got / members:.1f}".rstrip("0").rstrip(".")
        assert f"{got}/{members} ({pct}%)" in text, unit
    assert f"ยังไม่รับทราบ {len(missing)} คน" in text
    for name in missing:
        assert name in text
    assert "กำหนด 27 ก.พ. 2569 · เหลืออีก 7 วัน" in text
    assert "ลงทะเบียน LINE แล้ว 4 จาก 6 คน" in text
    # The executive sees it too.
    assert "ทั้งสำนักงาน" in text_of(line.say(executive, "สรุป"))


def test_progress_bars_are_as_wide_as_the_share_done(bot, line, register):
    coordinator = register("C01")
    with bot.db.sessions() as s:
        (version,) = pledges.current_versions(s)
    ack_all(line, [coordinator], version.id)
    card = pledge_bubble(line.say(coordinator, "สรุป"))
    overall = card["body"]["contents"][0]
    bar = overall["contents"][1]
    assert bar["contents"][0]["width"] == "17%"  # 1 of 6


def test_deadline_overdue_and_on_the_day(line, register):
    coordinator = register("C01")
    assert "ครบกำหนดวันนี้" in text_of(line.say(coordinator, "สรุป", at=datetime(2026, 2, 27, 16, 0, tzinfo=BKK)))
    late = text_of(line.say(coordinator, "สรุป", at=datetime(2026, 9, 24, 9, 0, tzinfo=BKK)))
    assert "เลยกำหนดมาแล้ว 209 วัน" in late  # the last week of FY2569
    # In FY2570, which has no plan yet, last year's deadline is no deadline: the summary says so first.
    next_year = text_of(line.say(coordinator, "สรุป", at=datetime(2026, 11, 24, 9, 0, tzinfo=BKK)))
    assert next_year.index("ยังไม่มีแผนปี 2570") < next_year.index("ปฏิญญา")
    assert "เลยกำหนด" not in next_year and "รอแผนปีงบประมาณ 2570" in next_year


def test_everyone_done(bot, line, register):
    codes = ("C01", "E01", "S01", "S02", "S03", "S04")
    users = [register(c) for c in codes]
    with bot.db.sessions() as s:
        (version,) = pledges.current_versions(s)
    ack_all(line, users, version.id)
    text = text_of(line.say(users[0], "สรุป"))
    assert "6/6 (100%)" in text and "ครบทุกคนแล้ว" in text and "ยังไม่รับทราบ" not in text


def test_names_are_capped_and_the_full_list_is_one_tap_away(bot, line, register):
    add_people(bot, [(f"X{i:02}", f"นายทดสอบ คนที่{i:02}", "นักพัฒนาชุมชน", "อำเภอแม่จัน", "staff")
                     for i in range(30)])
    coordinator = register("C01")
    replies = line.say(coordinator, "สรุป")
    text = text_of(replies)
    assert "ยังไม่รับทราบ 36 คน" in text and "และอีก 31 คน" in text
    assert "สรุป รายชื่อ" in str(replies)
    full = text_of(line.say(coordinator, "สรุป รายชื่อ"))
    for i in range(30):
        assert f"นายทดสอบ คนที่{i:02}" in full
    assert "อำเภอแม่จัน (30 คน)" in full and "(ยังไม่ลงทะเบียน)" in full


def test_many_units_are_capped_on_the_card(bot, line, register):
    add_people(bot, [(f"U{i:02}", f"นายหน่วย {i:02}", "นักพัฒนาชุมชน", f"อำเภอที่ {i:02}", "staff")
                     for i in range(12)])
    coordinator = register("C01")
    text = text_of(line.say(coordinator, "สรุป"))
    assert "และอีก 6 หน่วยงาน" in text  # 14 units, 8 shown


def test_summary_with_several_documents_is_a_carousel(bot, line, register, runner, tmp_path):
    coordinator = register("C01")
    doc = tmp_path / "nogift.txt"
    doc.write_text("นโยบายไม่รับของขวัญ\nไม่รับของขวัญทุกชนิด", encoding="utf-8")
    runner.invoke(args=["pledge", "publish", str(doc)])
    replies = line.say(coordinator, "สรุป")
    headers = [text_of([b["header"]]) for b in bubbles(replies)]
    assert sum("ตัวชี้วัด 1.2" in h for h in headers) == 2
    assert any("นโยบายไม่รับของขวัญ" in h for h in headers)
