"""nudges: off by default; once a week, at most NUDGE_MAX times, multicast in batches of 500, and
never at the expense of the coordinators' reserve of the monthly quota. In the small office five
people are nudged: the coordinator C01 gets the weekly digest, which says what C01 still owes
instead of a nudge (a second push that Monday)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.fakeline import MULTICAST, PUSH, QUOTA
from bot.line import LineClient
from jobs import digest, nudges
from models import jobrun
from models import plan as plans
from models import proposal as proposals
from models.staff import Staff
from tests.conftest import text_of
from tests.jobs.conftest import acknowledge, add_staff, at, billed, link, outbox_rows, user_of

MONDAY = at(2026, 2, 16, 8, 15)


@pytest.fixture
def nudging(bot):
    with bot.db.session() as db:
        jobrun.set_setting(db, nudges.SWITCH, "on", MONDAY)
    return bot


def propose(bot, code: str, when) -> None:
    with bot.db.session() as db:
        person = db.scalar(sa.select(Staff).where(Staff.code == code))
        plan = plans.current(db, when)
        proposals.add(db, person, plan.id, "มาสาย", "มาก่อนเวลา", "วินัย", when, None)


def buttons(message: dict) -> list[str]:
    return [b["action"]["text"] for b in message["contents"]["footer"]["contents"]]


def test_off_by_default(staffed, bot, run_job, line_api):
    assert run_job(nudges.NAME, MONDAY) == 0
    assert billed(line_api) == [] and line_api.calls(QUOTA) == []
    with bot.db.sessions() as db:
        assert jobrun.run_of(db, nudges.NAME, "2026-W08").status == "off"


def test_on_by_env(staffed, bot, settings, line_api, run_job):
    env_on = LineClient(settings.replace(nudges=True), sleep=lambda s: None)
    try:
        assert run_job(nudges.NAME, MONDAY, line=env_on) == 5
    finally:
        env_on.close()


def test_cli_switch_wins_over_env(staffed, bot, settings, runner, run_job, line_api):
    result = runner.invoke(args=["jobs", "nudges", "on"])
    assert result.exit_code == 0 and "nudges are on" in result.output
    assert run_job(nudges.NAME, MONDAY) > 0
    env_on = LineClient(settings.replace(nudges=True), sleep=lambda s: None)
    try:
        assert "nudges are off" in runner.invoke(args=["jobs", "nudges", "off"]).output
        assert run_job(nudges.NAME, MONDAY + timedelta(days=7), line=env_on) == 0   # stored "off" wins
        assert "nudges are off" in runner.invoke(args=["jobs", "nudges", "default"]).output  # NUDGES unset
        assert run_job(nudges.NAME, MONDAY + timedelta(days=14), line=env_on) > 0   # back to the env
    finally:
        env_on.close()


def test_who_gets_which_nudge(staffed, nudging, bot, run_job, line_api):
    acknowledge(bot, ["C01", "S01"], at(2026, 2, 1))
    propose(bot, "S01", at(2026, 2, 2))
    propose(bot, "S02", at(2026, 2, 2))
    assert run_job(nudges.NAME, MONDAY) == 4
    assert line_api.messages_for(user_of("S01")) == []                  # nothing left to do
    assert line_api.messages_for(user_of("C01")) == []                  # the digest says it
    assert buttons(line_api.messages_for(user_of("E01"))[0]) == ["ปฏิญญา", "ความดี"]
    assert buttons(line_api.messages_for(user_of("S02"))[0]) == ["ปฏิญญา"]
    both = line_api.messages_for(user_of("S03"))[0]
    assert buttons(both) == ["ปฏิญญา", "ความดี"] and "รับทราบปฏิญญา" in text_of([both])
    assert len(billed(line_api, MULTICAST)) == 2 and billed(line_api, PUSH) == []   # one per variant


def test_once_a_week_at_most_nudge_max_times(staffed, nudging, bot, run_job, line_api, settings):
    assert settings.nudge_max == 3
    sent = [run_job(nudges.NAME, MONDAY + timedelta(days=7 * w, hours=h)) for w in range(5) for h in (0, 2)]
    assert sent == [5, 0, 5, 0, 5, 0, 0, 0, 0, 0]
    assert len(line_api.messages_for(user_of("S01"))) == 3
    acknowledge(bot, ["S01"], at(2026, 3, 1))     # doing it does not reset the count
    assert run_job(nudges.NAME, MONDAY + timedelta(days=42)) == 0


def test_not_twice_within_six_days_even_across_weeks(staffed, nudging, bot, run_job, line_api):
    """A catch-up run on Sunday (week 8), then Monday's run (week 9): nobody is nudged twice."""
    assert run_job(nudges.NAME, at(2026, 2, 22, 10)) == 5
    assert run_job(nudges.NAME, at(2026, 2, 23, 8, 15)) == 0
    assert run_job(nudges.NAME, at(2026, 3, 1, 8, 15)) == 5   # 7 days after Sunday


def test_multicast_in_batches_of_500(office, nudging, bot, run_job, line_api):
    line_api.quota_limit = None
    link(bot, add_staff(bot, 1201))
    assert run_job(nudges.NAME, MONDAY) == 1201
    calls = billed(line_api, MULTICAST)
    assert sorted(len(c.body["to"]) for c in calls) == [201, 500, 500]
    assert len({c.headers["X-Line-Retry-Key"] for c in calls}) == 3
    assert sum(len(c.body["to"]) for c in calls) == len({u for c in calls for u in c.body["to"]}) == 1201


def test_quota_too_small_holds_the_whole_run_and_the_digest_says_so(staffed, nudging, bot, run_job, line_api,
                                                                      settings):
    line_api.quota_limit = 300
    line_api.quota_used = 300 - settings.push_reserve - 4   # room for 4 staff messages, 5 to nudge
    assert run_job(nudges.NAME, MONDAY) == 0
    assert billed(line_api) == []                            # none of it
    assert outbox_rows(bot, nudges.NAME) == []
    with bot.db.sessions() as db:
        held = jobrun.run_of(db, nudges.NAME, "2026-W08")
    assert (held.status, held.held) == ("held", 5)
    # The digest, from the reserve, tells the coordinator how many and why.
    assert run_job(digest.NAME, MONDAY + timedelta(minutes=15)) == 1
    text = text_of(line_api.messages_for(user_of("C01")))
    assert "งดส่งข้อความชวน 5 คน" in text
    assert "ส่วนของคุณเอง" in text and "รับทราบปฏิญญาขององค์กร พิมพ์ \"ปฏิญญา\"" in text   # C01's own
    assert "โควตาข้อความเดือนนี้เหลือ 34 จาก 300 และต้องกันไว้ 30 ข้อความสำหรับผู้ประสานงาน" in text
    # With room again (a new month), the next run nudges everyone, once.
    line_api.quota_used = 0
    assert run_job(nudges.NAME, MONDAY + timedelta(hours=1)) == 5


def test_enough_quota_for_everyone_exactly(staffed, nudging, bot, run_job, line_api, settings):
    line_api.quota_used = 300 - settings.push_reserve - 5
    assert run_job(nudges.NAME, MONDAY) == 5


def test_quota_unreadable_holds_the_run(staffed, nudging, bot, run_job, line_api, settings):
    line_api.fail_next(QUOTA, 500, times=settings.line_max_attempts)
    assert run_job(nudges.NAME, MONDAY) == 0
    with bot.db.sessions() as db:
        held = jobrun.run_of(db, nudges.NAME, "2026-W08")
    assert held.status == "held" and "อ่านโควตา" in held.detail
    assert billed(line_api) == []


def test_unregistered_and_retired_people_are_not_nudged(office, nudging, bot, run_job, line_api):
    link(bot, ["S01", "S02"])
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "S02").values(active=False))
    assert run_job(nudges.NAME, MONDAY) == 1
    assert len(line_api.messages_for(user_of("S01"))) == 1


# -- the bot's half of the monthly quota ---------------------------------------------------------------
def test_nudges_stay_within_the_bots_half_of_the_quota(office, nudging, bot, run_job, line_api, settings):
    """300 a month: the bot keeps to 150, the coordinators' 30 included, so nudges get at most 120 a
    month, less what the bot already sent in it; LINE having room is not enough."""
    link(bot, add_staff(bot, 125))
    assert run_job(nudges.NAME, MONDAY) == 0                      # 125 > 120, although LINE has 300
    assert billed(line_api) == []
    with bot.db.sessions() as db:
        held = jobrun.run_of(db, nudges.NAME, "2026-W08")
    assert (held.status, held.held) == ("held", 125)
    assert "ครึ่งหนึ่งของโควตา 300" in held.detail and "อีกครึ่งเก็บไว้ให้สำนักงานใช้" in held.detail


def test_a_second_run_in_the_month_waits_for_the_next(office, nudging, bot, run_job, line_api):
    link(bot, ["C01"])
    link(bot, add_staff(bot, 100))
    first = at(2026, 2, 2, 8, 15)
    assert run_job(nudges.NAME, first) == 100                                    # C01 reads the digest
    assert run_job(digest.NAME, first + timedelta(minutes=15)) == 1              # the coordinators' reserve
    # A week later 100 still have it to do: 101 sent this month, 19 left of the share.
    assert run_job(nudges.NAME, first + timedelta(days=7)) == 0
    with bot.db.sessions() as db:
        held = jobrun.run_of(db, nudges.NAME, "2026-W07")
    assert held.status == "held" and "ระบบส่งข้อความไปแล้ว 101 ข้อความ จากส่วนที่ใช้ได้ 150" in held.detail
    assert run_job(digest.NAME, first + timedelta(days=7, minutes=15)) == 1
    assert "งดส่งข้อความชวน 100 คน" in text_of(line_api.messages_for(user_of("C01"))[-1])
    assert line_api.quota_used == 100 + 2                                           # February: 102 of 300
    # March: a new month, a new share (LINE's count starts again too).
    line_api.quota_used = 0
    assert run_job(nudges.NAME, at(2026, 3, 2, 8, 15)) == 100
