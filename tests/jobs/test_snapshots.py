"""milestone-snapshots: run daily by the clock, it snapshots each milestone date of the plan in use
once the day is over, and each only once; the last day of a fiscal year is taken the next morning,
when the next year has begun."""
from __future__ import annotations

from datetime import date

from jobs import JOBS
from jobs import snapshots as job
from jobs.clock import triggers
from models import jobrun
from models import plan as plans
from models import snapshot as snapshots
from tests.jobs.conftest import at

NAME = "milestone-snapshots"


def taken(bot) -> list[date]:
    with bot.db.sessions() as db:
        plan = plans.of_year(db, 2569, plans.ACTIVE)
        return [s.taken_for for s in snapshots.of_plan(db, plan)]


def test_it_runs_daily_just_after_midnight(settings):
    assert JOBS[NAME].schedule(settings) == {"hour": 0, "minute": 10}
    assert triggers(settings)[NAME].get_next_fire_time(None, at(2026, 3, 31, 12)) == at(2026, 4, 1, 0, 10)


def test_each_passed_milestone_date_is_snapshotted_once(bot, run_job):
    assert run_job(NAME, at(2026, 2, 27, 0, 10)) == 0
    assert taken(bot) == []                                  # 27 Feb is not over yet
    run_job(NAME, at(2026, 2, 28, 0, 10))
    assert taken(bot) == [date(2026, 2, 27)]
    run_job(NAME, at(2026, 2, 28, 0, 10))                    # a second clock, or a restart
    run_job(NAME, at(2026, 3, 1, 0, 10))
    assert taken(bot) == [date(2026, 2, 27)]
    run_job(NAME, at(2026, 7, 1, 0, 10))                     # down from March to July: caught up
    assert taken(bot) == [date(2026, 2, 27), date(2026, 3, 31), date(2026, 6, 30)]
    with bot.db.sessions() as db:
        run = jobrun.run_of(db, NAME, "2026-07-01")
        assert run is not None and (run.status, run.planned) == ("done", 2)
        assert run.detail.startswith("บันทึกภาพรวม ณ วันที่ 31 มี.ค. 2569 (รหัส ")
        assert jobrun.run_of(db, NAME, "2026-03-01") is None  # nothing taken, nothing recorded
        plan = plans.of_year(db, 2569, plans.ACTIVE)
        assert snapshots.verify(db, plan, bot.settings.tz) == []


def test_the_last_day_of_the_year_is_taken_the_next_morning(bot, run_job):
    with bot.db.session() as db:
        plan = plans.of_year(db, 2569, plans.ACTIVE)
        plans.set_milestone(db, plans.indicator(db, plan, "4.4"), None, date(2026, 9, 30), 1, "สิ้นปีงบประมาณ")
    run_job(NAME, at(2026, 10, 1, 0, 10))                    # FY2570 has no plan: yesterday's plan is taken
    assert taken(bot)[-1] == date(2026, 9, 30)
    assert job.period(at(2026, 10, 1, 0, 10)) == "2026-10-01"
