"""deadline-reminders at fixed moments around milestones and month ends.

A coordinator who gets the weekly digest (the default) is pushed only the last days' stage and the
day after: the digest lists the 14/7/3 stages (and the last days' on its own day). The tests of the
stages themselves use a coordinator who switched the digest off (`without_digest`), who is pushed
every stage as before."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.fakeline import PUSH
from jobs import digest, reminders
from models import activity as activities
from models import staff as people
from models.activity import Activity
from models.plan import Plan
from models.staff import Staff
from tests.conftest import text_of
from tests.jobs.conftest import BKK, acknowledge, at, outbox_rows, user_of

DUE = date(2026, 2, 27)  # 1.1, 1.2, 2.1, 2.2 and three activities of the FY2569 plan
FEB_27 = {"1.1:2026-02-27", "1.2:2026-02-27", "2.1:2026-02-27", "2.2:2026-02-27"}


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def run_daily(run_job, start: date, end: date, hour: int = 8) -> dict[date, int]:
    """Run the job every day at `hour`; the days on which something was sent."""
    sent = {}
    for day in days(start, end):
        n = run_job(reminders.NAME, datetime(day.year, day.month, day.day, hour, tzinfo=BKK))
        if n:
            sent[day] = n
    return sent


@pytest.fixture
def without_digest(staffed, bot):
    """C01 switched the weekly digest off: every reminder stage is a push of its own."""
    with bot.db.session() as db:
        people.set_digest(people.by_code(db, "C01"), False)
    return staffed


def run_days(run_job, start: date, end: date) -> dict[date, int]:
    """The clock's morning: reminders at 08:00, on Mondays the digest at 08:30; what was sent each day."""
    sent = {}
    for day in days(start, end):
        n = run_job(reminders.NAME, datetime(day.year, day.month, day.day, 8, tzinfo=BKK))
        if day.weekday() == 0:
            n += run_job(digest.NAME, datetime(day.year, day.month, day.day, 8, 30, tzinfo=BKK))
        if n:
            sent[day] = n
    return sent


def topics_by_day(bot, user: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in outbox_rows(bot):
        if row.job in (reminders.NAME, reminders.STAFF) and row.recipient == user:
            found[row.period] = set(row.topics)
    return found


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 2, 12), None), (date(2026, 2, 13), "14"), (date(2026, 2, 19), "14"), (date(2026, 2, 20), "7"),
    (date(2026, 2, 23), "7"), (date(2026, 2, 24), "3"), (date(2026, 2, 25), "3"), (date(2026, 2, 26), "1"),
    (date(2026, 2, 27), "1"), (date(2026, 2, 28), "late"), (date(2026, 3, 6), "late"), (date(2026, 3, 7), None),
])
def test_stage_windows(today, expected):
    assert reminders.stage(DUE, today) == expected


def test_14_7_3_1_days_before_and_the_day_after(without_digest, bot, run_job, line_api):
    sent = run_daily(run_job, date(2026, 2, 1), date(2026, 3, 10))
    coordinator = user_of("C01")
    assert sorted(sent) == [date(2026, 2, 13), date(2026, 2, 20), date(2026, 2, 24), date(2026, 2, 26),
                            date(2026, 2, 28)]
    assert set(sent.values()) == {1}                   # one push a day, to the one coordinator
    pushes = line_api.messages_for(coordinator)
    assert len(pushes) == 5
    assert "เหลือ 14 วัน" in text_of(pushes[0]) and "เหลือ 7 วัน" in text_of(pushes[1])
    assert "เหลือ 3 วัน" in text_of(pushes[2]) and "เหลือ 1 วัน" in text_of(pushes[3])
    late = text_of(pushes[4])
    assert "เลยมา 1 วัน" in late and "กำหนด 27 ก.พ. 2569" in late
    for period, topics in topics_by_day(bot, coordinator).items():
        stage = reminders.stage(DUE, date.fromisoformat(period))
        assert {t.split("@")[0] for t in topics} >= FEB_27
        assert {t.split("@")[1] for t in topics} == {stage}
    # Staff and the executive get nothing: no activity names them.
    for code in ("E01", "S01", "S02"):
        assert line_api.messages_for(user_of(code)) == []


def test_nothing_for_milestones_already_met(without_digest, bot, run_job, line_api):
    acknowledge(bot, ["C01", "E01", "S01", "S02", "S03", "S04"], at(2026, 2, 10))  # 1.2 at 100%
    run_job(reminders.NAME, at(2026, 2, 20))
    (row,) = outbox_rows(bot, reminders.NAME)      # the coordinator's
    keys = {t.split("@")[0] for t in row.topics}
    assert "1.2:2026-02-27" not in keys and "1.1:2026-02-27" in keys
    assert "ตัวชี้วัด 1.2" not in text_of(line_api.messages_for(user_of("C01")))


def test_nothing_at_all_when_everything_due_is_met(staffed, bot, run_job, line_api):
    with bot.db.session() as db:
        plan = db.scalar(sa.select(Plan))
        for indicator in plan.indicators:        # keep only 1.2, and mark every activity done
            if indicator.code != "1.2":
                indicator.milestones = []
        for activity in db.scalars(sa.select(Activity)):
            activities.mark_done(activity, at(2026, 2, 1), "จัดแล้ว", "")
    acknowledge(bot, ["C01", "E01", "S01", "S02", "S03", "S04"], at(2026, 2, 10))
    assert run_daily(run_job, date(2026, 2, 10), date(2026, 3, 10)) == {}
    assert line_api.calls(PUSH) == []


def test_a_run_twice_the_same_day_sends_once(without_digest, bot, run_job, line_api):
    assert run_job(reminders.NAME, at(2026, 2, 20, 8)) == 1
    assert run_job(reminders.NAME, at(2026, 2, 20, 8, 1)) == 0
    assert run_job(reminders.NAME, at(2026, 2, 20, 20)) == 0
    assert len(line_api.messages_for(user_of("C01"))) == 1


def test_missed_days_are_caught_up_once(without_digest, bot, run_job, line_api):
    """The clock was down on 20 Feb (the 7-days-before day): the 7-day reminder goes out on the
    21st, once; down 20–23 Feb entirely, it is skipped for the 3-day one (the current stage)."""
    assert run_job(reminders.NAME, at(2026, 2, 21)) == 1
    assert run_job(reminders.NAME, at(2026, 2, 22)) == 0
    assert run_job(reminders.NAME, at(2026, 2, 23)) == 0
    assert run_job(reminders.NAME, at(2026, 2, 24)) == 1
    pushes = line_api.messages_for(user_of("C01"))
    assert "เหลือ 6 วัน" in text_of(pushes[0]) and "เหลือ 3 วัน" in text_of(pushes[1])
    stages = [{t.split("@")[1] for t in topics} for _, topics in sorted(topics_by_day(bot, user_of("C01")).items())]
    assert stages == [{"7"}, {"3"}]


def test_month_end_milestone_and_activity(without_digest, bot, run_job, line_api):
    """3.1 is due 31 Mar (50%): reminders 17, 24, 28, 30 Mar and 1 Apr. An activity due 1 Mar with
    S01 responsible: 15, 22, 26 Feb, 28 Feb (February 2026 has 28 days) and 2 Mar — to S01 and the
    coordinator, S01 hearing only of that activity."""
    with bot.db.session() as db:
        plan = db.scalar(sa.select(Plan))
        extra = Activity(plan_id=plan.id, key="month-end", title="ทำบุญตักบาตรต้นเดือน", due=date(2026, 3, 1),
                         code="MNTHND")
        db.add(extra)
        db.flush()
        activities.set_responsible(db, extra, ["S01"])
    acknowledge(bot, ["C01", "E01", "S01", "S02", "S03", "S04"], at(2026, 1, 10))
    run_daily(run_job, date(2026, 2, 10), date(2026, 4, 5))
    s01 = topics_by_day(bot, user_of("S01"))
    assert sorted(s01) == ["2026-02-15", "2026-02-22", "2026-02-26", "2026-02-28", "2026-03-02"]
    assert all(len(t) == 1 and next(iter(t)).startswith("a") for t in s01.values())
    s01_text = text_of(line_api.messages_for(user_of("S01")))
    assert "ทำบุญตักบาตรต้นเดือน" in s01_text and "ตัวชี้วัด" not in s01_text
    coordinator = topics_by_day(bot, user_of("C01"))
    march_31 = sorted(p for p, t in coordinator.items() if any(x.startswith("3.1:2026-03-31") for x in t))
    assert march_31 == ["2026-03-17", "2026-03-24", "2026-03-28", "2026-03-30", "2026-04-01"]
    assert "เลยมา 1 วัน" in text_of(line_api.messages_for(user_of("C01"))[-1])


def test_scheduled_activity_uses_its_start_and_responsible_people(staffed, bot, run_job, line_api):
    with bot.db.session() as db:
        activity = db.scalar(sa.select(Activity).where(Activity.key == "honour-ceremony"))
        activities.schedule(activity, datetime(2026, 4, 10, 9, 0, tzinfo=BKK), None)
        activities.set_responsible(db, activity, ["S02", "C01"])
    assert run_job(reminders.NAME, at(2026, 4, 7)) == 2      # the coordinator (all) and S02 (theirs)
    s02 = text_of(line_api.messages_for(user_of("S02")))
    assert "10 เม.ย. 2569 เวลา 09:00 น." in s02 and "เหลือ 3 วัน" in s02
    assert len(line_api.messages_for(user_of("C01"))) == 1   # responsible and coordinator: one push


def test_unregistered_and_retired_people_get_nothing(office, bot, run_job, line_api):
    assert run_job(reminders.NAME, at(2026, 2, 20)) == 0    # nobody registered
    assert line_api.calls(PUSH) == []
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "C01").values(line_user_id=user_of("C01"), active=False))
    assert run_job(reminders.NAME, at(2026, 2, 20)) == 0


def test_staff_reminders_come_out_of_what_the_reserve_leaves(without_digest, bot, run_job, line_api, settings):
    """Coordinators may use the reserve; responsible staff only what it leaves. A reminder held for
    lack of quota goes out on a later run (outbox-retry) while its day lasts."""
    with bot.db.session() as db:
        activity = db.scalar(sa.select(Activity).where(Activity.key == "honour-ceremony"))
        activities.set_responsible(db, activity, ["S02"])
    line_api.quota_used = 300 - settings.push_reserve           # only the reserve is left
    assert run_job(reminders.NAME, at(2026, 6, 23)) == 1         # 7 days before 30 Jun
    assert len(line_api.messages_for(user_of("C01"))) == 1 and line_api.messages_for(user_of("S02")) == []
    (held,) = outbox_rows(bot, reminders.STAFF)
    assert held.status == "pending"
    line_api.quota_used = 0                                       # a new month (or a bigger plan)
    assert run_job("outbox-retry", at(2026, 6, 23, 8, 15)) == 1
    assert "30 มิ.ย. 2569" in text_of(line_api.messages_for(user_of("S02")))
    assert run_job("outbox-retry", at(2026, 6, 23, 8, 30)) == 0


def test_a_monthly_reminder_to_re_confirm_4_5_when_the_office_wants_it(without_digest, bot, run_job, line_api, runner):
    from models import evidence as proofs
    from models import plan as plans

    coordinator = user_of("C01")
    assert run_daily(run_job, date(2026, 4, 20), date(2026, 4, 30)) == {}  # off unless asked for
    switched = runner.invoke(args=["evidence", "monthly", "on"])
    assert switched.exit_code == 0 and "reminder: on" in switched.output
    sent = run_daily(run_job, date(2026, 5, 20), date(2026, 6, 5))
    assert sorted(sent) == [date(2026, 5, 28)]  # 3 days before 31 May, once
    (push,) = line_api.messages_for(coordinator)
    assert "ตัวชี้วัด 4.5: ยืนยันประจำเดือนพฤษภาคม 2569" in text_of(push)
    # A confirmation dated in June: no reminder at the end of June.
    with bot.db.session() as db:
        plan = plans.of_year(db, 2569, plans.ACTIVE)
        proofs.add_confirmation(db, plan, "นายบุญมี ผู้อำนวยการ", "พัฒนาการจังหวัด", date(2026, 6, 10),
                                proofs.Recorded("cli", None, at(2026, 6, 10)))
    run_daily(run_job, date(2026, 6, 25), date(2026, 6, 29))  # 30 June's milestones are reminded of
    monthly = {day: {t for t in topics if t.startswith("4.5-monthly")}
               for day, topics in topics_by_day(bot, coordinator).items()}
    assert {day for day, topics in monthly.items() if topics} == {"2026-05-28"}
    assert runner.invoke(args=["evidence", "monthly", "off"]).exit_code == 0
    assert run_daily(run_job, date(2026, 7, 25), date(2026, 7, 31)) == {}


# -- folded into the weekly digest -------------------------------------------------------------------
def test_with_the_digest_only_the_last_days_and_the_day_after_are_pushed(staffed, bot, run_job, line_api):
    """27 Feb: the digests of 16 and 23 Feb list it (the 14, 7 and 3-day stages); the reminders push
    the day before (26 Feb) and the day after it passed unmet (28 Feb), nothing else."""
    sent = run_days(run_job, date(2026, 2, 1), date(2026, 3, 10))
    coordinator = user_of("C01")
    mondays = [date(2026, 2, 2), date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2),
               date(2026, 3, 9)]
    assert sorted(sent) == sorted(mondays + [date(2026, 2, 26), date(2026, 2, 28)])
    pushes = line_api.messages_for(coordinator)
    assert len(pushes) == 8
    by_day = dict(zip(sorted(sent), pushes, strict=True))
    assert "27 ก.พ. 2569 · เหลือ 11 วัน" in text_of([by_day[date(2026, 2, 16)]])
    assert "27 ก.พ. 2569 · เหลือ 4 วัน" in text_of([by_day[date(2026, 2, 23)]])
    assert "กำหนดการใน 14 วันข้างหน้า" not in text_of([by_day[date(2026, 2, 9)]])   # 18 days: not yet
    assert by_day[date(2026, 2, 26)]["altText"].startswith("เตือนกำหนด") and "เหลือ 1 วัน" in text_of(
        [by_day[date(2026, 2, 26)]])
    assert "เลยมา 1 วัน" in text_of([by_day[date(2026, 2, 28)]])
    stages = {period: {t.split("@")[1] for t in topics} for period, topics in topics_by_day(bot, coordinator).items()}
    assert stages == {"2026-02-26": {"1"}, "2026-02-28": {"late"}}
    digest_topics = [set(r.topics) for r in outbox_rows(bot, digest.NAME)]
    assert "1.2:2026-02-27@14" in digest_topics[2] and "1.2:2026-02-27@7" in digest_topics[3]


def test_the_last_days_on_the_digests_day_are_in_the_digest(staffed, bot, run_job, line_api):
    """An activity on Tuesday 11 Aug: its last days' stage falls on Monday, the digest's day, so the
    Monday digest says it and no reminder does, that day or the next; the day after it passed is a
    push. The responsible person, who gets no digest, is pushed every stage."""
    with bot.db.session() as db:
        activity = db.scalar(sa.select(Activity).where(Activity.key == "honour-ceremony"))
        activities.schedule(activity, datetime(2026, 8, 11, 9, 0, tzinfo=BKK), None)
        activities.set_responsible(db, activity, ["S02"])
        key = f"a{activity.id}:2026-08-11"
    sent = run_days(run_job, date(2026, 8, 9), date(2026, 8, 13))
    coordinator = user_of("C01")
    (monday, late) = line_api.messages_for(coordinator)
    assert "สรุปประจำสัปดาห์" in text_of([monday]) and "11 ส.ค. 2569 · เหลือ 1 วัน" in text_of([monday])
    assert "เลยกำหนด" in text_of([late]) and "11 ส.ค. 2569" in text_of([late])
    assert topics_by_day(bot, coordinator) == {"2026-08-12": {f"{key}@late"}}
    (row,) = outbox_rows(bot, digest.NAME)
    assert f"{key}@1" in row.topics
    s02 = topics_by_day(bot, user_of("S02"))             # 3 days (caught up on the 9th), 1 day, the day after
    assert s02 == {"2026-08-09": {f"{key}@3"}, "2026-08-10": {f"{key}@1"}, "2026-08-12": {f"{key}@late"}}
    assert sent == {date(2026, 8, 9): 1, date(2026, 8, 10): 2, date(2026, 8, 12): 2}


def test_switching_the_digest_off_brings_the_stages_back_without_repeating(staffed, bot, run_job, line_api):
    """The digest of 16 Feb carried 27 Feb's 14-day stage; C01 then switches the digest off: the 7 and
    3-day stages come as pushes again, the 14-day one does not come twice."""
    assert run_days(run_job, date(2026, 2, 16), date(2026, 2, 16)) == {date(2026, 2, 16): 1}
    with bot.db.session() as db:
        people.set_digest(people.by_code(db, "C01"), False)
    sent = run_days(run_job, date(2026, 2, 17), date(2026, 2, 25))
    assert sorted(sent) == [date(2026, 2, 20), date(2026, 2, 24)]   # no digest on 23 Feb, no 14-day push
    stages = [{t.split("@")[1] for t in topics} for _, topics in sorted(topics_by_day(bot, user_of("C01")).items())]
    assert stages == [{"7"}, {"3"}]


def test_the_monthly_4_5_reminder_is_in_the_digest(staffed, bot, run_job, line_api, runner):
    assert runner.invoke(args=["evidence", "monthly", "on"]).exit_code == 0
    sent = run_days(run_job, date(2026, 5, 17), date(2026, 5, 31))
    assert sorted(sent) == [date(2026, 5, 18), date(2026, 5, 25)]   # the digests; no push on 28 May
    first, second = line_api.messages_for(user_of("C01"))
    assert "ตัวชี้วัด 4.5: ยืนยันประจำเดือนพฤษภาคม 2569" in text_of([first])
    assert "31 พ.ค. 2569 · เหลือ 6 วัน" in text_of([second])
