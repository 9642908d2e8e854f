"""The fiscal year (1 October – 30 September) and the plan of each: `plans.current` is only the plan
in use of the year that contains the moment, never last year's; a year without one is said so to
coordinators (สรุป, the weekly digest) and asks nothing of staff; the next year's plan is made from
this year's as a draft and put in use (the CLI's `plan next-year` and `plan activate`)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.fakeline import MULTICAST, PUSH
from bot.line import LineClient
from bot.sandbox import demo
from jobs import JOBS, digest, nudges, reminders
from models import activity as activities
from models import defaults, evidence, jobrun, measures
from models import plan as plans
from models.activity import Activity
from models.outbox import SENT, OutboxMessage
from models.proposal import PlanComment, Proposal
from tests.conftest import text_of

BKK = ZoneInfo("Asia/Bangkok")
FY2569_TITLES = ("กิจกรรมร่วมกำหนดคุณธรรมเป้าหมาย", "ประกาศเจตนารมณ์และปฏิญญาองค์กรคุณธรรม",
                 "ประชุมเชิงปฏิบัติการจัดทำแผน")


def at(y, m, d, h=9, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=BKK)


@pytest.fixture
def job(bot, settings):
    """job("weekly-digest", moment) → messages delivered by that run."""
    line = LineClient(settings, sleep=lambda s: None)

    def run(name: str, now: datetime) -> int:
        with bot.db.sessions() as db:
            return JOBS[name].run(now, db, line)

    yield run
    line.close()


def outbox(bot, job_name: str) -> list[OutboxMessage]:
    with bot.db.sessions() as db:
        stmt = sa.select(OutboxMessage).where(OutboxMessage.job == job_name).order_by(OutboxMessage.id)
        return list(db.scalars(stmt))


# -- the rule -----------------------------------------------------------------------------------------
def test_fiscal_years_run_from_october_to_september():
    assert plans.fiscal_year_of(date(2026, 9, 30)) == 2569
    assert plans.fiscal_year_of(date(2026, 10, 1)) == 2570
    assert plans.fiscal_year_of(date(2026, 12, 1)) == 2570
    assert plans.fiscal_year_of(date(2027, 9, 30)) == 2570


def test_current_is_only_the_plan_in_use_of_its_year(bot):
    with bot.db.session() as db:
        last = plans.of_year(db, 2569)
        assert plans.current(db, at(2026, 9, 30, 23, 59)).id == last.id
        assert plans.current(db, at(2026, 10, 1, 0, 0)) is None        # no falling back to last year
        assert plans.missing(db, at(2026, 12, 1)) == 2570 and plans.missing(db, at(2026, 3, 1)) is None
        draft = plans.next_year(db, last, at(2026, 12, 1))
        assert plans.current(db, at(2026, 12, 1)) is None               # a draft is not in use
        assert plans.of_year(db, 2570, plans.DRAFT).id == draft.id and plans.latest(db).id == draft.id
        plans.activate(db, draft, BKK)
        assert plans.current(db, at(2026, 12, 1)).id == draft.id and plans.missing(db, at(2026, 12, 1)) is None
        assert plans.current(db, at(2026, 1, 1)).id == last.id          # the past year stays
        assert plans.current(db, at(2027, 10, 1)) is None


def test_next_year_moves_dates_and_years_written_in_the_plan(bot):
    with bot.db.session() as db:
        last = plans.of_year(db, 2569)
        draft = plans.next_year(db, last, at(2026, 12, 1))
        by_code = {i.code: i for i in draft.indicators}
        assert "ในปีงบประมาณ พ.ศ. 2570" in by_code["4.5"].title
        assert "ภายใน 31 มี.ค. 2570" in by_code["3.1"].counts and "ตั้งแต่ พ.ศ. 2569" in by_code["4.2"].counts
        assert [m.due for m in by_code["3.1"].milestones] == [date(2027, 3, 31), date(2027, 6, 30)]
        old_codes = set(db.scalars(sa.select(Activity.code).where(Activity.plan_id == last.id)))
        new = db.scalars(sa.select(Activity).where(Activity.plan_id == draft.id)).all()
        assert len(new) == 5 and not old_codes & {a.code for a in new}
        assert {a.due for a in new} == {date(2027, 2, 27), date(2027, 6, 30)}
        with pytest.raises(plans.RolloverError) as exists:
            plans.next_year(db, last, at(2026, 12, 1))
        assert exists.value.reason == "exists"
        with pytest.raises(plans.RolloverError) as earlier:
            plans.next_year(db, draft, at(2026, 12, 1), fiscal_year=2570)
        assert earlier.value.reason == "not_later"
        two = plans.next_year(db, last, at(2026, 12, 1), fiscal_year=2571)
        assert (two.starts_on, two.ends_on) == (date(2027, 10, 1), date(2028, 9, 30))
        assert "พ.ศ. 2571" in {i.code: i for i in two.indicators}["4.5"].title
    assert plans.years_later(date(2028, 2, 29), 1) == date(2029, 2, 28)



def test_a_drafts_activities_take_no_check_in_and_keys_find_the_year_in_use(bot):
    with bot.db.session() as db:
        last = plans.of_year(db, 2569)
        draft = plans.next_year(db, last, at(2026, 12, 1))
        copied = db.scalars(sa.select(Activity).where(Activity.plan_id == draft.id).order_by(Activity.id)).first()
        assert copied.key
        copied.checkin_from, copied.checkin_until = at(2026, 12, 1, 8), at(2026, 12, 1, 12)
        db.flush()
        assert copied.id not in {a.id for a in activities.open_now(db, at(2026, 12, 1, 9))}
        assert activities.by_key(db, copied.key).plan_id == last.id       # the draft is not in use yet
        plans.activate(db, draft, BKK)
        db.flush()
        assert copied.id in {a.id for a in activities.open_now(db, at(2026, 12, 1, 9))}
        assert activities.by_key(db, copied.key).id == copied.id

# -- staff ----------------------------------------------------------------------------------------------
def test_staff_never_see_last_years_plan_as_this_years(bot, line, register, runner):
    staff = register("S01")
    plan = text_of(line.say(staff, "แผน"))
    assert "แผนองค์กรคุณธรรม ปีงบประมาณ 2570 อยู่ระหว่างจัดทำค่ะ" in plan
    assert "2569" not in plan and not any(title in plan for title in FY2569_TITLES)
    assert "เริ่มแผนได้ที่เว็บ" not in plan                           # that is for coordinators
    listed = text_of(line.say(staff, "กิจกรรม"))
    assert "อยู่ระหว่างจัดทำ" in listed and not any(title in listed for title in FY2569_TITLES)
    assert "เริ่มแผนได้ที่เว็บ" in text_of(line.say(register("C01"), "แผน"))

    # A suggestion for the new plan, and a proposal, made meanwhile count once the plan is in use.
    line.tap(staff, "a=plan.comment")
    assert "ขอบคุณสำหรับความเห็น" in text_of(line.say(staff, "ควรมีกิจกรรมจิตอาสาทุกเดือน"))
    for text in ("ความดี", "มาสาย", "มาตรงเวลา", "วินัย"):
        reply = text_of(line.say(staff, text))
    assert "บันทึกแล้ว" in reply and "ขณะนี้ร่วมเสนอแล้ว" not in reply
    with bot.db.sessions() as db:
        assert db.scalar(sa.select(Proposal.plan_id)) is None and db.scalar(sa.select(PlanComment.plan_id)) is None
    assert runner.invoke(args=["plan", "next-year"]).exit_code == 0
    assert "อยู่ระหว่างจัดทำ" in text_of(line.say(staff, "แผน"))      # a draft is not shown either
    assert runner.invoke(args=["plan", "activate", "2570"]).exit_code == 0
    with bot.db.sessions() as db:
        plan_2570 = plans.of_year(db, 2570)
        assert db.scalar(sa.select(Proposal.plan_id)) == plan_2570.id
        assert db.scalar(sa.select(PlanComment.plan_id)) == plan_2570.id
        counted = {p.indicator.code: p.measured for p in measures.progress(db, plan_2570, datetime.now(BKK))}
        assert counted["1.1"].done == 1 and counted["2.1"].done == 1
    shown = text_of(line.say(staff, "แผน"))
    assert "แผนองค์กรคุณธรรม ปี 2570" in shown and "ภายใน 27 ก.พ. 2570" in shown


def test_check_in_by_code_works_for_any_activity_open_now(bot, line, register, runner):
    """Last year's plan is not this year's, but an activity of it scheduled now still takes check-ins."""
    staff = register("S02")
    now = datetime.now(BKK)
    with bot.db.sessions() as db:
        code = db.scalar(sa.select(Activity.code).where(Activity.key == "lessons-learned"))
    start = now.replace(microsecond=0).isoformat()
    end = now.replace(hour=23, minute=59, second=0, microsecond=0).isoformat()
    assert runner.invoke(args=["activity", "schedule", code, "--start", start, "--end", end]).exit_code == 0
    assert "เรียบร้อยค่ะ" in text_of(line.say(staff, f"เช็คอิน {code}"))


# -- coordinators and executives: สรุป --------------------------------------------------------------
def first_bubble(replies: list[dict]) -> dict:
    contents = replies[0]["contents"]
    return contents["contents"][0] if contents["type"] == "carousel" else contents


def test_summary_says_first_that_the_year_has_no_plan(bot, line, register, runner):
    coordinator = register("C01")
    replies = line.say(coordinator, "สรุป")
    card = first_bubble(replies)
    text = text_of([card])
    assert card["header"]["contents"][0]["text"] == "ยังไม่มีแผนปี 2570"
    assert "เริ่มได้ที่เว็บ: แผน → \"เริ่มแผนปีงบประมาณ 2570\"" in text and "flask --app bot plan next-year" in text
    assert [b["action"]["text"] for b in card["footer"]["contents"]] == ["เว็บ"]
    everything = text_of(replies)
    assert "ตัวชี้วัด ปี 2569" not in everything and "การเข้าร่วมกิจกรรม" not in everything
    assert "ปฏิญญา" in everything                                    # the pledge is not a year's: it stays
    assert "ยังไม่มีแผนของปีนี้" in text_of(line.say(coordinator, "สรุป กิจกรรม"))

    executive = text_of([first_bubble(line.say(register("E01"), "สรุป"))])
    assert "ยังไม่มีแผนปี 2570" in executive and "ผู้ประสานงานเริ่มได้ที่เว็บ" in executive

    runner.invoke(args=["plan", "next-year"])
    card = first_bubble(line.say(coordinator, "สรุป"))
    assert card["header"]["contents"][0]["text"] == "แผนปี 2570 ยังไม่เริ่มใช้"
    assert "flask --app bot plan activate 2570" in text_of([card])
    runner.invoke(args=["plan", "activate", "2570"])
    assert "ตัวชี้วัด ปี 2570" in text_of([first_bubble(line.say(coordinator, "สรุป"))])


# -- the jobs --------------------------------------------------------------------------------------------
MONDAY = at(2026, 12, 7, 8, 30)


def test_the_digest_tells_coordinators_once_through_the_outbox(bot, line, register, line_api, job, runner):
    coordinator = register("C01")
    register("E01")
    before = len(line_api.messages_for(coordinator))
    assert job(digest.NAME, MONDAY) == 1
    (row,) = outbox(bot, digest.NAME)
    assert (row.period, row.recipient, row.status) == ("2026-W50", coordinator, SENT)
    (message,) = line_api.messages_for(coordinator)[before:]
    text = text_of([message])
    assert "ยังไม่มีแผนปี 2570" in text and "เริ่มแผนปีงบประมาณ 2570" in text and "plan next-year" in text
    # Run again in the same week: nothing more is claimed or sent.
    assert job(digest.NAME, MONDAY.replace(hour=10)) == 0
    assert len(outbox(bot, digest.NAME)) == 1 and len(line_api.calls(PUSH)) == 1
    # Next week, with a draft waiting, the notice says how to put it in use.
    runner.invoke(args=["plan", "next-year"])
    assert job(digest.NAME, at(2026, 12, 14, 8, 30)) == 1
    assert "flask --app bot plan activate 2570" in text_of(line_api.messages_for(coordinator)[-1:])


def test_the_notice_keeps_the_quota_rules(bot, register, line_api, job):
    coordinator = register("C01")
    line_api.quota_used = 300
    assert job(digest.NAME, MONDAY) == 0
    assert line_api.calls(PUSH) == [] and [r.status for r in outbox(bot, digest.NAME)] == ["pending"]
    line_api.quota_used = 0
    assert job(digest.NAME, MONDAY.replace(hour=12)) == 1
    assert len(line_api.messages_for(coordinator)) >= 1 and len(outbox(bot, digest.NAME)) == 1


def test_reminders_remind_of_nothing_in_a_year_without_a_plan(bot, register, line_api, job, runner):
    register("C01")
    # Last year's activity given a date in this year: it is not this year's plan, so no reminder.
    assert runner.invoke(args=["activity", "schedule", "honour-ceremony", "--start", "2026-12-10T09:00+07:00",
                               "--end", "2026-12-10T12:00+07:00"]).exit_code == 0
    assert job(reminders.NAME, at(2026, 12, 3, 8)) == 0 and outbox(bot, reminders.NAME) == []
    # A draft's dates remind of nothing either; once it is in use they do (the last days before
    # 27 Feb: a push even for a coordinator who gets the weekly digest, which lists the earlier stages).
    runner.invoke(args=["plan", "next-year"])
    assert job(reminders.NAME, at(2027, 2, 26, 8)) == 0 and outbox(bot, reminders.NAME) == []
    runner.invoke(args=["plan", "activate", "2570"])
    assert job(reminders.NAME, at(2027, 2, 27, 8)) == 1
    assert "ตัวชี้วัด 1.1" in text_of(line_api.calls(PUSH)[-1].body["messages"])


def test_nudges_ask_nothing_in_a_year_without_a_plan(bot, register, line_api, job, runner):
    register("C01")
    staff = register("S01")
    assert runner.invoke(args=["jobs", "nudges", "on"]).exit_code == 0
    assert job(nudges.NAME, at(2026, 12, 7, 8, 15)) == 0
    assert line_api.calls(MULTICAST) == [] and outbox(bot, nudges.NAME) == []
    with bot.db.sessions() as db:
        run = jobrun.run_of(db, nudges.NAME, "2026-W50")
        assert (run.status, run.detail) == ("nothing", "FY2570 has no plan in use")
    runner.invoke(args=["plan", "next-year"])
    runner.invoke(args=["plan", "activate", "2570"])
    assert job(nudges.NAME, at(2026, 12, 14, 8, 15)) >= 1
    assert any(staff in call.body["to"] for call in line_api.calls(MULTICAST))


# -- the CLI ----------------------------------------------------------------------------------------------
def test_cli_next_year_and_activate(bot, runner):
    assert "no plan in use for FY2570" in runner.invoke(args=["plan", "progress"]).output
    listed = runner.invoke(args=["plan", "list"]).output
    assert "FY2569" in listed and "(active)" in listed and "FY2570 (this fiscal year) has no plan in use" in listed

    made = runner.invoke(args=["plan", "next-year"])
    assert made.exit_code == 0, made.output
    assert "made a draft of the FY2570 plan of สำนักงานพัฒนาชุมชนจังหวัดเชียงราย from FY2569" in made.output
    assert "10 indicators, 5 activities" in made.output and "flask --app bot plan activate 2570" in made.output
    again = runner.invoke(args=["plan", "next-year", "--from", "2569"])
    assert again.exit_code == 1 and "the FY2570 plan of" in again.output and "exists already (draft)" in again.output
    assert runner.invoke(args=["plan", "next-year", "--from", "2580"]).exit_code == 1
    listed = runner.invoke(args=["plan", "list"]).output
    assert "(draft)" in listed and "plan activate 2570" in listed

    assert runner.invoke(args=["plan", "activate", "2580"]).exit_code == 1
    done = runner.invoke(args=["plan", "activate", "2570"])
    assert done.exit_code == 0 and "the FY2570 plan of" in done.output and "is in use" in done.output
    assert "in use already" in runner.invoke(args=["plan", "activate", "2570"]).output
    listed = runner.invoke(args=["plan", "list"]).output
    assert "(active, current)" in listed and "has no plan in use" not in listed
    with bot.db.sessions() as db:
        assert plans.current(db, datetime.now(BKK)).fiscal_year == 2570
    # The next one from this one, prepared ahead: a draft of FY2571 that does not replace FY2570.
    ahead = runner.invoke(args=["plan", "next-year"])
    assert "FY2571" in ahead.output and "from FY2570" in ahead.output
    with bot.db.sessions() as db:
        assert plans.current(db, datetime.now(BKK)).fiscal_year == 2570


# -- the sandbox ---------------------------------------------------------------------------------------
def test_the_demo_office_lives_in_this_fiscal_year(bot):
    now = datetime.now(BKK)
    with bot.db.session() as db:
        demo.wipe(db)
        defaults.ensure(db)
        demo.load(db, now)
    with bot.db.sessions() as db:
        plan = plans.current(db, now)
        assert plan is not None and plan.fiscal_year == plans.fiscal_year_of(now.date())
        # Something is open for check-in now (a plan activity on its day, or the month's volunteer day).
        assert any(a.open_at(now) for a in db.scalars(sa.select(Activity).where(Activity.plan_id == plan.id)))
        assert db.scalar(sa.select(sa.func.count()).select_from(Proposal).where(Proposal.plan_id == plan.id)) >= 1
        assert evidence.channels(db, plan, now) == ["facebook", "board"]  # something on หลักฐาน and for 4.3
        last_year = db.scalar(sa.select(Activity).where(Activity.plan_id != plan.id, Activity.key == "virtue-workshop"))
        assert last_year.starts_at is None
