"""สรุปรายสัปดาห์ / รับสรุป / ไม่รับสรุป in LINE: a coordinator or an executive switches their own
weekly digest, and the next Monday's digest goes (or does not go) to them; staff are refused."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.line import LineClient
from jobs import JOBS, digest
from models import staff as people
from tests.conftest import text_of

MONDAY = datetime(2026, 2, 16, 8, 30, tzinfo=ZoneInfo("Asia/Bangkok"))


@pytest.fixture
def run_digest(bot):
    line = LineClient(bot.settings, sleep=lambda s: None)

    def _run(now: datetime) -> int:
        with bot.db.sessions() as db:
            return JOBS[digest.NAME].run(now, db, line)

    yield _run
    line.close()


def chips(replies: list[dict]) -> list[str]:
    return [item["action"]["text"] for m in replies for item in (m.get("quickReply") or {}).get("items", [])]


def digests_of(line_api, user: str) -> int:
    return sum(1 for m in line_api.messages_for(user) if m["type"] == "flex" and "สรุปประจำสัปดาห์" in m["altText"])


def test_an_executive_switches_it_on_and_off(bot, line, line_api, register, run_digest):
    executive = register("E01")
    shown = line.say(executive, "สรุปรายสัปดาห์")
    text = text_of(shown)
    assert "ตอนนี้คุณบุญมียังไม่ได้รับสรุปประจำสัปดาห์ทาง LINE ค่ะ" in text
    assert "ทุกวันจันทร์ เวลา 08:30 น." in text and chips(shown)[0] == "รับสรุป"
    assert run_digest(MONDAY) == 0 and digests_of(line_api, executive) == 0      # off unless asked

    on = text_of(line.say(executive, chips(shown)[0]))                          # the chip types รับสรุป
    assert on.startswith("เปิดรับสรุปประจำสัปดาห์ให้แล้วค่ะ") and "ไม่รับสรุป" in on
    assert "อยู่แล้วค่ะ" in text_of(line.say(executive, "รับสรุป"))
    assert run_digest(MONDAY + timedelta(days=7)) == 1 and digests_of(line_api, executive) == 1

    off = text_of(line.say(executive, "สรุปรายสัปดาห์ ปิด"))
    assert off.startswith("ปิดการรับสรุปประจำสัปดาห์แล้วค่ะ") and "ข้อความเตือนแยก" not in off
    assert run_digest(MONDAY + timedelta(days=14)) == 0 and digests_of(line_api, executive) == 1
    with bot.db.sessions() as db:
        assert people.by_code(db, "E01").weekly_digest is False


def test_a_coordinator_switches_it_off_and_back_on(bot, line, line_api, register, run_digest):
    coordinator = register("C01")
    shown = text_of(line.say(coordinator, "สรุปรายสัปดาห์"))
    assert "คุณกมลารับสรุปประจำสัปดาห์ทาง LINE อยู่ค่ะ" in shown
    off = text_of(line.say(coordinator, "ไม่รับสรุป"))
    assert "ปิดการรับสรุปประจำสัปดาห์แล้วค่ะ" in off and "กำหนดการที่ใกล้ถึงจะแจ้งเป็นข้อความเตือนแยกให้แทน" in off
    assert "ไม่ได้รับสรุปประจำสัปดาห์อยู่แล้วค่ะ" in text_of(line.say(coordinator, "ไม่รับสรุปรายสัปดาห์"))
    assert run_digest(MONDAY) == 0
    assert text_of(line.say(coordinator, "digest on")).startswith("เปิดรับสรุปประจำสัปดาห์ให้แล้วค่ะ")
    assert run_digest(MONDAY + timedelta(days=7)) == 1 and digests_of(line_api, coordinator) == 1
    card = [m for m in line_api.messages_for(coordinator) if m["type"] == "flex"][-1]
    assert 'ไม่ต้องการรับสรุปนี้ทาง LINE พิมพ์ "ไม่รับสรุป"' in text_of([card])


def test_staff_are_refused_politely(bot, line, register):
    user = register("S01")
    for word in ("รับสรุป", "สรุปรายสัปดาห์ เปิด", "ไม่รับสรุป"):
        text = text_of(line.say(user, word))
        assert "เฉพาะผู้ประสานงานและผู้บริหาร" in text, word
    with bot.db.sessions() as db:
        assert people.by_code(db, "S01").weekly_digest is None
