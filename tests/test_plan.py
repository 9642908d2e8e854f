"""Plan files and the progress rule: values, targets and milestone states at given moments."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.console import planerrors
from models import measures, planfile
from models import plan as plans
from models.activity import Activity
from models.plan import Plan, State
from tests.conftest import text_of

BKK = ZoneInfo("Asia/Bangkok")


def at(y, m, d, h=9):
    return datetime(y, m, d, h, 0, tzinfo=BKK)


def states(bot, moment, code):
    with bot.db.sessions() as s:
        plan = plans.current(s, moment)
        found = {p.indicator.code: p for p in measures.progress(s, plan, moment)}
    item = found.get(code)
    return None if item is None else (item.measured.value, [m.state for m in item.milestones])


def test_default_plan_is_faithful_to_the_seed(bot):
    with bot.db.sessions() as s:
        (plan,) = s.scalars(sa.select(Plan)).all()
        milestones = {i.code: [(m.due.isoformat(), m.target) for m in i.milestones] for i in plan.indicators}
    assert plan.fiscal_year == 2569 and plan.office == "สำนักงานพัฒนาชุมชนจังหวัดเชียงราย"
    assert (plan.starts_on.isoformat(), plan.ends_on.isoformat()) == ("2025-10-01", "2026-09-30")
    for code in ("1.1", "1.2", "2.1", "2.2"):
        assert milestones[code] == [("2026-02-27", 100.0)]
    assert milestones["3.1"] == [("2026-03-31", 50.0), ("2026-06-30", 100.0)]
    for code in ("4.1", "4.2", "4.3", "4.4", "4.5"):
        assert milestones[code][-1][0] == "2026-06-30"
    assert milestones["4.3"] == [("2026-06-30", 5.0)]


def test_activities_done_against_fifty_and_hundred_percent(bot, runner):
    keys = ["virtue-workshop", "pledge-announcement", "plan-workshop", "honour-ceremony", "lessons-learned"]
    # Two of five done by 20 March: 40% — behind before 31 March, overdue after it.
    for key in keys[:2]:
        assert runner.invoke(args=["activity", "done", key, "--at", "2026-03-20T10:00+07:00",
                                   "--note", "จัดแล้ว", "--evidence", "https://example.org/photo"]).exit_code == 0
    assert states(bot, at(2026, 3, 25), "3.1") == (40.0, [State.BEHIND, State.BEHIND])
    assert states(bot, at(2026, 3, 31, 20), "3.1") == (40.0, [State.BEHIND, State.BEHIND])  # on the day: not yet late
    assert states(bot, at(2026, 4, 1), "3.1") == (40.0, [State.OVERDUE, State.BEHIND])
    # A third one, done on 31 March, meets 50% (60%); on track for 100% by 30 June in mid-April.
    runner.invoke(args=["activity", "done", keys[2], "--at", "2026-03-31T15:00+07:00"])
    assert states(bot, at(2026, 4, 10), "3.1") == (60.0, [State.DONE, State.ON_TRACK])
    # Measured at a moment before it was done, it did not count yet.
    assert states(bot, at(2026, 3, 30), "3.1")[0] == 40.0
    for key in keys[3:]:
        runner.invoke(args=["activity", "done", key, "--at", "2026-06-30T16:00+07:00"])
    assert states(bot, at(2026, 7, 1), "3.1") == (100.0, [State.DONE, State.DONE])


def test_proposals_before_on_and_after_the_deadline(bot, line, register):
    users = [register(c) for c in ("C01", "E01", "S01")]
    for user in users:
        line.say(user, "ความดี", at=at(2026, 1, 5))
        line.say(user, "มาสาย", at=at(2026, 1, 5))
        line.say(user, "มาตรงเวลา", at=at(2026, 1, 5))
        line.say(user, "วินัย", at=at(2026, 1, 5))
    # 3 of 6 on 10 Jan: expected by a straight line from 1 Oct to 27 Feb is ~68% → behind.
    assert states(bot, at(2026, 1, 10), "1.1") == (50.0, [State.BEHIND])
    assert states(bot, at(2026, 2, 27, 23), "1.1") == (50.0, [State.BEHIND])
    assert states(bot, at(2026, 2, 28), "1.1") == (50.0, [State.OVERDUE])
    # Measured as of a day: on 1 Nov nobody had proposed yet, and 0% is behind the line by then.
    assert states(bot, at(2025, 11, 1), "1.1") == (0.0, [State.BEHIND])
    # Early in the year a share above the straight line is on track (the rule itself, given 50% on 1 Nov).
    with bot.db.sessions() as db:
        plan = plans.current(db, at(2025, 11, 1))
        indicator = next(i for i in plan.indicators if i.code == "1.1")
        ahead = plans.milestone_states(indicator, plans.Measured(50.0, 3, 6), at(2025, 11, 1), plan)
    assert [m.state for m in ahead] == [State.ON_TRACK]


def test_summary_lists_indicators_most_urgent_first(bot, line, register, runner):
    coordinator = register("C01")
    runner.invoke(args=["activity", "assign", "virtue-workshop", "C01"])
    replies = line.say(coordinator, "สรุป", at=at(2026, 3, 5))
    first = replies[0]["contents"]["contents"][0]
    text = text_of([first])
    codes = [line_.split()[0] for line_ in text.splitlines() if line_[:1].isdigit() and "." in line_.split()[0]]
    assert codes[:4] == ["1.1", "1.2", "2.1", "2.2"]  # overdue since 27 Feb, in plan order
    assert "3.1" in codes and "เลยกำหนด" in text and "2.2" in text
    assert "20% (1/5)" in text  # 2.2: one of five activities has a responsible person


def test_plan_file_errors_name_the_field(runner, tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text(
        "office: สำนักงานทดสอบ\nfiscal_year: 2570\nindicators:\n"
        "  - code: '1.1'\n    title: ทดสอบ\n    measure: proposals\n    target: {percent: 120}\n"
        "    milestones: [{due: 2027-02-30}]\n"
        "activities:\n  - key: Bad Key\n    title: x\n", encoding="utf-8")
    result = runner.invoke(args=["plan", "load", str(bad)])
    assert result.exit_code == 1
    assert "indicators[0].target.percent" in result.output
    assert "indicators[0].milestones[0].due" in result.output
    assert "activities[0].key" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("office: [\n", encoding="utf-8")
    result = runner.invoke(args=["plan", "load", str(broken)])
    assert result.exit_code == 1 and "line 2" in result.output


def test_new_year_is_a_new_plan_and_past_years_stay(bot, runner, tmp_path):
    text = planfile.DEFAULT_PLAN_FILE.read_text(encoding="utf-8").replace("fiscal_year: 2569", "fiscal_year: 2570")
    text = text.replace("2026-", "2027-")
    path = tmp_path / "plan2570.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["plan", "load", str(path)])
    assert result.exit_code == 0 and "loaded the FY2570 plan" in result.output
    with bot.db.sessions() as s:
        assert plans.current(s, at(2026, 1, 1)).fiscal_year == 2569
        assert plans.current(s, at(2026, 12, 1)).fiscal_year == 2570
        assert plans.by_year(s, 2569) and plans.by_year(s, 2570)
    # Loading the same file again updates, and keeps activity codes.
    with bot.db.sessions() as s:
        codes = set(s.scalars(sa.select(Activity.code)))
    result = runner.invoke(args=["plan", "load", str(path)])
    assert "updated the FY2570 plan" in result.output and "(0 new)" in result.output
    with bot.db.sessions() as s:
        assert set(s.scalars(sa.select(Activity.code))) == codes
    listing = runner.invoke(args=["plan", "list"]).output
    assert "FY2569" in listing and "FY2570" in listing


def test_plan_workshop_attendance_counts_for_2_1(bot, line, register, runner):
    user = register("S04")
    assert runner.invoke(args=["activity", "schedule", "plan-workshop", "--start", "2026-02-10T09:00+07:00",
                               "--end", "2026-02-10T16:00+07:00"]).exit_code == 0
    with bot.db.sessions() as s:
        code = s.scalar(sa.select(Activity.code).where(Activity.key == "plan-workshop"))
    line.say(user, f"เช็คอิน {code}", at=at(2026, 2, 10, 10))
    value, _ = states(bot, at(2026, 2, 11), "2.1")
    assert value == pytest.approx(16.7)


def test_progress_cli(bot, runner):
    result = runner.invoke(args=["plan", "progress", "--at", "2026-04-01T09:00+07:00"])
    assert result.exit_code == 0 and "3.1: 0 of 100" in result.output and "2026-03-31: overdue" in result.output


# -- the plan's columns of each activity (2.1) ---------------------------------------------------------
def plan_columns(bot, fiscal_year: int) -> dict[str, tuple]:
    with bot.db.sessions() as s:
        (plan,) = plans.by_year(s, fiscal_year)
        return {a.key: (a.virtue, a.problem, a.good, a.indicator_code, a.budget, a.budget_used)
                for a in s.scalars(sa.select(Activity).where(Activity.plan_id == plan.id))}


def test_the_seed_gives_each_activity_its_virtue_problem_good_and_indicator(bot):
    columns = plan_columns(bot, 2569)
    assert {key: (virtue, code) for key, (virtue, _p, _g, code, _b, _u) in columns.items()} == {
        "virtue-workshop": ("วินัย", "1.1"), "pledge-announcement": ("สุจริต", "1.2"),
        "plan-workshop": ("พอเพียง", "2.1"), "honour-ceremony": ("กตัญญู", "4.1"),
        "lessons-learned": ("จิตอาสา", "4.4")}
    assert all(problem and good and budget is None for _v, problem, good, _c, budget, _u in columns.values())


def test_the_plan_columns_go_round_a_dump_and_a_load(bot, runner, tmp_path):
    text = planfile.DEFAULT_PLAN_FILE.read_text(encoding="utf-8").replace("fiscal_year: 2569", "fiscal_year: 2570")
    text = text.replace("2026-", "2027-").replace('indicator: "2.1"', 'indicator: "2.1"\n    budget: 15000.5\n'
                                                 "    budget_used: 12000")
    path = tmp_path / "plan2570.yaml"
    path.write_text(text, encoding="utf-8")
    assert runner.invoke(args=["plan", "load", str(path)]).exit_code == 0
    loaded = plan_columns(bot, 2570)
    assert loaded["plan-workshop"] == ("พอเพียง", "แผนงานจัดทำโดยคนไม่กี่คน บุคลากรส่วนใหญ่ไม่ได้มีส่วนร่วม",
                                       "บุคลากรทุกคนร่วมจัดทำแผนการขับเคลื่อนองค์กรคุณธรรม ตามหลักปรัชญาของเศรษฐกิจพอเพียง",
                                       "2.1", Decimal("15000.50"), Decimal("12000.00"))
    with bot.db.sessions() as s:
        dumped = planfile.dump(plans.by_year(s, 2570)[0], bot.settings.tz)
    entry = next(a for a in planfile.parse(dumped).activities if a.key == "plan-workshop")
    assert (entry.virtue, entry.indicator, entry.budget, entry.budget_used) == (
        "พอเพียง", "2.1", Decimal("15000.50"), Decimal("12000.00"))
    assert 'indicator: "2.1"' in dumped or "indicator: '2.1'" in dumped  # a code, not the number 2.1
    # Loading the dump changes nothing; a file without budget_used keeps what was recorded.
    path.write_text(dumped, encoding="utf-8")
    assert runner.invoke(args=["plan", "load", str(path)]).exit_code == 0
    assert plan_columns(bot, 2570) == loaded
    path.write_text(dumped.replace("  budget_used: 12000\n", ""), encoding="utf-8")
    assert runner.invoke(args=["plan", "load", str(path)]).exit_code == 0
    assert plan_columns(bot, 2570)["plan-workshop"][5] == Decimal("12000.00")


def test_a_bad_virtue_budget_or_indicator_is_named_by_its_path_in_english_and_thai(bot, runner, tmp_path):
    text = planfile.DEFAULT_PLAN_FILE.read_text(encoding="utf-8")
    text = text.replace("virtue: สุจริต", "virtue: ขยัน\n    budget: -100").replace(
        'indicator: "2.1"', 'indicator: "2.1"\n    budget: 10.505\n    budget_used: abc')
    with pytest.raises(planfile.PlanFileError) as raised:
        planfile.parse(text, "plan.yaml")
    problems = {p.split(": ", 1)[0]: planerrors.explain(p, "plan.yaml") for p in raised.value.problems}
    assert sorted(problems) == ["activities[1].budget", "activities[1].virtue", "activities[2].budget",
                                "activities[2].budget_used"]
    assert problems["activities[1].virtue"].message == (
        "คุณธรรมเป้าหมายต้องเป็น พอเพียง, วินัย, สุจริต, จิตอาสา, กตัญญู อย่างใดอย่างหนึ่ง หรือเว้นว่าง")
    assert problems["activities[1].virtue"].where == "กิจกรรมลำดับที่ 2 › virtue"
    assert problems["activities[1].budget"].message == "ต้องเป็นจำนวนเงิน 0 บาทขึ้นไป"
    assert problems["activities[2].budget"].message == "ทศนิยมได้ไม่เกิน 2 ตำแหน่ง (สตางค์)"
    assert problems["activities[2].budget_used"].message == "ต้องเป็นตัวเลข"

    path = tmp_path / "plan.yaml"
    seed = planfile.DEFAULT_PLAN_FILE.read_text(encoding="utf-8")
    path.write_text(seed.replace('indicator: "4.4"', "indicator: 9.9"), encoding="utf-8")
    result = runner.invoke(args=["plan", "load", str(path)])
    assert result.exit_code == 1 and "activities[4].indicator: no indicator 9.9 in this plan" in result.output
    explained = planerrors.explain("activities[4].indicator: no indicator 9.9 in this plan", "plan.yaml")
    assert explained.message.startswith("ไม่มีตัวชี้วัด 9.9 ในแผนนี้")
    assert plan_columns(bot, 2569)["lessons-learned"][3] == "4.4"  # nothing loaded


def test_the_cli_adds_an_activity_with_its_plan_columns_and_records_the_budget_used(bot, runner):
    added = runner.invoke(args=["activity", "add", "--title", "ทำบุญตักบาตร", "--start", "2026-03-05T07:00+07:00",
                                "--end", "2026-03-05T09:00+07:00", "--virtue", "กตัญญู", "--problem", "ห่างวัด",
                                "--good", "ทำบุญร่วมกัน", "--indicator", "3.1", "--budget", "3,000"])
    assert added.exit_code == 0, added.output
    code = added.output.split()[-1]
    with bot.db.sessions() as s:
        activity = s.scalar(sa.select(Activity).where(Activity.code == code))
        assert (activity.virtue, activity.problem, activity.good, activity.indicator_code, activity.budget) == (
            "กตัญญู", "ห่างวัด", "ทำบุญร่วมกัน", "3.1", Decimal("3000.00"))
    assert runner.invoke(args=["activity", "done", code, "--at", "2026-03-05T09:00+07:00",
                               "--budget-used", "2750.25"]).exit_code == 0
    assert runner.invoke(args=["activity", "done", code, "--at", "2026-03-05T09:00+07:00"]).exit_code == 0
    with bot.db.sessions() as s:
        assert s.scalar(sa.select(Activity.budget_used).where(Activity.code == code)) == Decimal("2750.25")
    for option, value, said in (("--virtue", "ขยัน", "the virtue must be one of"),
                                ("--budget", "-1", "the budget must be 0 or more baht"),
                                ("--budget", "lots", "give a number of baht"),
                                ("--indicator", "9.9", "plan has no indicator 9.9")):
        refused = runner.invoke(args=["activity", "add", "--title", "x", "--start", "2026-03-05T07:00+07:00",
                                      "--end", "2026-03-05T09:00+07:00", option, value])
        assert refused.exit_code != 0 and said in refused.output, refused.output
    refused = runner.invoke(args=["activity", "done", code, "--budget-used", "1.005"])
    assert refused.exit_code != 0 and "the budget used has more than 2 decimals" in refused.output
