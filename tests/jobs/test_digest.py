"""weekly-digest: what the coordinators read on Monday morning, once a week."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from bot.fakeline import PUSH
from jobs import digest
from models import followup, measures
from models.plan import Measured
from tests.conftest import add_people, text_of
from tests.jobs.conftest import acknowledge, at, billed, link, outbox_rows, user_of

MONDAY = at(2026, 2, 16, 8, 30)


@pytest.fixture
def two_coordinators(staffed, bot):
    add_people(bot, [("C02", "นายประสาน สองคน", "นักวิชาการ", "กลุ่มงานประสานฯ", "coordinator")])
    link(bot, ["C02"])
    return bot


def card_of(line_api, code: str) -> dict:
    (message,) = line_api.messages_for(user_of(code))
    assert message["type"] == "flex"
    return message


def row_for(card: dict, code: str) -> dict:
    """The indicator block of the digest whose first line starts with the indicator code."""
    for block in card["contents"]["body"]["contents"]:
        if block.get("type") == "box" and block.get("contents"):
            head = block["contents"][0]
            if head.get("type") == "box" and head["contents"][0].get("text", "").startswith(f"{code} "):
                return block
    raise AssertionError(f"no row for {code}")


def test_one_card_per_coordinator_not_executives_nor_staff(two_coordinators, run_job, line_api):
    assert run_job(digest.NAME, MONDAY) == 2
    for code in ("C01", "C02"):
        card_of(line_api, code)
    for code in ("E01", "S01", "S02"):
        assert line_api.messages_for(user_of(code)) == []


def test_card_content(staffed, bot, run_job, line_api):
    acknowledge(bot, ["C01", "S01"], at(2026, 2, 1))
    run_job(digest.NAME, MONDAY)
    card = card_of(line_api, "C01")
    text = text_of([card])
    assert "สรุปประจำสัปดาห์" in text and "16 ก.พ. 2569" in text and "ปีงบประมาณ 2569" in text
    pledge = row_for(card, "1.2")
    assert pledge["contents"][0]["contents"][1]["text"] == "33.3%"       # 2 of 6, no earlier week
    assert pledge["contents"][1]["contents"][0]["width"] == "33%"         # the progress bar
    assert pledge["contents"][2]["text"] == "ล่าช้า · 27 ก.พ. 2569 · เหลือ 11 วัน"
    assert row_for(card, "3.1")["contents"][2]["text"].endswith("31 มี.ค. 2569 · เหลือ 43 วัน")
    # The three most urgent actions, as sentences, with per-unit counts of who has not done it.
    assert "1. ยังมีบุคลากร 6 คนที่ยังไม่เสนอความดี (ตัวชี้วัด 1.1) กำหนด 27 ก.พ. 2569 เหลืออีก 11 วัน" in text
    assert ("2. ยังมีบุคลากร 4 คนที่ยังไม่รับทราบปฏิญญา (ตัวชี้วัด 1.2) กำหนด 27 ก.พ. 2569 เหลืออีก 11 วัน"
            " — อำเภอเมืองเชียงราย 3 คน, กลุ่มงานประสานฯ 1 คน") in text
    assert "3. ยังมีบุคลากร 6 คนที่ยังไม่ร่วมให้ความเห็นต่อแผน (ตัวชี้วัด 2.1)" in text
    # 4.2–4.5 are measured from recorded evidence (none yet: 0, behind); 4.1 waits for a nomination round.
    assert "ยังไม่มีข้อมูล: ตัวชี้วัด 4.1\n" in text
    assert row_for(card, "4.3")["contents"][0]["contents"][1]["text"].startswith("0")
    buttons = [b["action"]["text"] for b in card["contents"]["footer"]["contents"]]
    assert "สรุป รายชื่อ" in buttons and "สรุป" in buttons
    assert "โควตาข้อความเดือนนี้ใช้ไป 0 จาก 300 (กันไว้ 30 สำหรับผู้ประสานงาน)" in text


def test_overdue_and_done_marks(staffed, bot, run_job, line_api):
    acknowledge(bot, ["C01", "E01", "S01", "S02", "S03", "S04"], at(2026, 2, 1))
    run_job(digest.NAME, at(2026, 3, 2, 8, 30))
    card = card_of(line_api, "C01")
    assert row_for(card, "1.2")["contents"][2]["text"] == "ครบแล้ว"
    assert row_for(card, "1.1")["contents"][2]["text"] == "เลยกำหนด · 27 ก.พ. 2569 · เลยมา 3 วัน"
    # Overdue ones come first; the done one is not among the actions.
    text = text_of([card])
    assert "1. ยังมีบุคลากร 6 คนที่ยังไม่เสนอความดี (ตัวชี้วัด 1.1) เลยกำหนด 27 ก.พ. 2569 มา 3 วันแล้ว" in text
    assert "(ตัวชี้วัด 1.2)" not in text


def test_what_changed_since_last_week(staffed, bot, run_job, line_api):
    acknowledge(bot, ["C01", "S01"], at(2026, 2, 1))
    run_job(digest.NAME, MONDAY - timedelta(days=7))
    acknowledge(bot, ["S02", "S03"], at(2026, 2, 12))
    run_job(digest.NAME, MONDAY)
    first, second = line_api.messages_for(user_of("C01"))
    assert row_for(first, "1.2")["contents"][0]["contents"][1]["text"] == "33.3%"
    assert row_for(second, "1.2")["contents"][0]["contents"][1]["text"] == "66.7% (▲ 33.3%)"
    assert row_for(second, "1.1")["contents"][0]["contents"][1]["text"] == "0% (เท่าเดิม)"


def test_once_a_week_and_weeks_across_new_year(staffed, bot, run_job, line_api):
    assert run_job(digest.NAME, MONDAY) == 1
    assert run_job(digest.NAME, MONDAY + timedelta(hours=3)) == 0       # the same week
    assert run_job(digest.NAME, MONDAY + timedelta(days=6)) == 0        # Sunday, still W08
    assert run_job(digest.NAME, MONDAY + timedelta(days=7)) == 1        # W09
    # Thursday 31 Dec 2026 and Friday 1 Jan 2027 are both ISO week 2026-W53.
    assert run_job(digest.NAME, at(2026, 12, 31, 9)) == 1
    assert run_job(digest.NAME, at(2027, 1, 1, 9)) == 0
    assert run_job(digest.NAME, at(2027, 1, 4, 8, 30)) == 1
    assert [r.period for r in outbox_rows(bot, digest.NAME)] == ["2026-W08", "2026-W09", "2026-W53", "2027-W01"]
    assert len(line_api.messages_for(user_of("C01"))) == 4


def test_every_indicator_fits_one_card(staffed, bot, run_job, line_api, monkeypatch):
    """With all ten indicators measured the card stays under LINE's 30 KB bubble limit."""
    for name in ("honours", "awards", "channels", "report", "confirmation"):
        monkeypatch.setitem(measures.MEASURES, name, lambda db, plan, now: Measured(1.0, 1, 5))
    assert run_job(digest.NAME, MONDAY) == 1
    card = card_of(line_api, "C01")
    for code in ("1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2", "4.3", "4.4", "4.5"):
        row_for(card, code)
    assert len(json.dumps(card["contents"], ensure_ascii=False).encode()) < 30_000


def test_blocked_coordinator_is_logged_not_retried_and_reported(two_coordinators, bot, run_job, line_api, caplog):
    line_api.fail_next(PUSH, 400)                     # C01 (first by user id) blocked the bot
    first = sorted([user_of("C01"), user_of("C02")])[0]
    with caplog.at_level(logging.ERROR):
        assert run_job(digest.NAME, MONDAY) == 1
    assert "given up" in caplog.text
    rows = {r.recipient: r for r in outbox_rows(bot, digest.NAME)}
    assert rows[first].status == "failed" and rows[first].http_status == 400
    calls = len(line_api.calls(PUSH))
    assert run_job(digest.NAME, MONDAY + timedelta(hours=1)) == 0       # not retried
    assert len(line_api.calls(PUSH)) == calls
    run_job(digest.NAME, MONDAY + timedelta(days=7))
    other = "C02" if first == user_of("C01") else "C01"
    blocked_name = "นางสาวกมลา ประสานงาน" if other == "C02" else "นายประสาน สองคน"
    latest = line_api.messages_for(user_of(other))[-1]
    assert f"ส่งข้อความถึง {blocked_name} ไม่สำเร็จ" in text_of([latest])


def test_quota_used_up_holds_the_digest_until_there_is_room(staffed, bot, run_job, line_api):
    line_api.quota_used = 300
    assert run_job(digest.NAME, MONDAY) == 0
    assert line_api.calls(PUSH) == []                 # no request made while the quota is gone
    assert outbox_rows(bot, digest.NAME)[0].status == "pending"
    line_api.quota_used = 0                           # a new month
    assert run_job(digest.NAME, MONDAY + timedelta(days=1)) == 1
    assert len(billed(line_api)) == 1


def test_every_measure_that_counts_people_has_its_words():
    assert set(digest.PENDING_PEOPLE) == set(followup.PEOPLE_MEASURES)


def switch_digest(bot, code: str, on: bool) -> None:
    from models import staff as people

    with bot.db.session() as db:
        people.set_digest(people.by_code(db, code), on)


def test_an_executive_gets_it_once_switched_on_and_a_coordinator_not_once_switched_off(staffed, bot, run_job,
                                                                                       line_api):
    add_people(bot, [("E02", "นางอรุณี ผู้บริหาร", "หัวหน้ากลุ่มงาน", "กลุ่มงานประสานฯ", "executive")])
    link(bot, ["E02"])
    switch_digest(bot, "E01", True)
    assert run_job(digest.NAME, MONDAY) == 2                       # C01 (by default) and E01 (asked)
    assert "สรุปประจำสัปดาห์" in text_of([card_of(line_api, "E01")])
    assert line_api.messages_for(user_of("E02")) == []            # executives: off unless they ask
    switch_digest(bot, "E01", False)
    switch_digest(bot, "C01", False)
    assert run_job(digest.NAME, MONDAY + timedelta(days=7)) == 0   # nobody asked for it
    assert len(line_api.messages_for(user_of("E01"))) == 1 and len(line_api.messages_for(user_of("C01"))) == 1
    switch_digest(bot, "C01", True)
    assert run_job(digest.NAME, MONDAY + timedelta(days=14)) == 1
    assert [r.recipient for r in outbox_rows(bot, digest.NAME)] == [user_of("C01"), user_of("E01"), user_of("C01")]


def test_the_next_two_weeks_dates_are_in_the_digest_with_their_reminder_topics(staffed, bot, run_job, line_api):
    run_job(digest.NAME, MONDAY)
    text = text_of([card_of(line_api, "C01")])
    assert "กำหนดการใน 14 วันข้างหน้า" in text and "27 ก.พ. 2569 · เหลือ 11 วัน" in text
    assert "ตัวชี้วัด 1.1, 1.2, 2.1 และ 2.2" in text                       # the milestones of one day, one line
    assert "กิจกรรม: ประกาศเจตนารมณ์และปฏิญญาองค์กรคุณธรรม" in text
    assert "31 มี.ค. 2569" not in text.split("ตัวชี้วัด (เร่งด่วนก่อน)")[0]   # 43 days ahead: not yet
    (row,) = outbox_rows(bot, digest.NAME)
    assert {"1.2:2026-02-27@14", "2.2:2026-02-27@14"} <= set(row.topics)      # the reminders will not repeat it
    assert all(t.endswith("@14") for t in row.topics)
