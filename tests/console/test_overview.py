"""ภาพรวม: every indicator with its milestones and chart, the week's actions, participation per unit
(checked against what people did through the chat), and the quota fragment."""
from __future__ import annotations

import itertools
import json
import re
from datetime import datetime

import sqlalchemy as sa

from jobs import common as job_common
from models import followup
from models import plan as plans
from models.plan import Measured, Plan
from models.staff import Staff
from tests.support import text_of_page


def propose(line, user):
    line.say(user, "ความดี")
    line.say(user, "ใช้กระดาษสิ้นเปลือง")
    line.say(user, "พิมพ์สองหน้า")
    return line.say(user, "พอเพียง")


def charts_of(page) -> dict[str, dict]:
    html = page.get_data(as_text=True)
    return {m.group(1): json.loads(m.group(2))
            for m in re.finditer(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)}


def test_every_indicator_of_the_year_is_on_the_page(console, bot, this_year_plan):
    page = console.get("/console/")
    assert page.status_code == 200
    text = text_of_page(page)
    with bot.db.sessions() as db:
        plan = db.get(Plan, this_year_plan)
        assert plan is not None and plan.fiscal_year == 2570
        for indicator in plan.indicators:
            assert f"{indicator.code} {indicator.title}" in text
    assert "ปีงบประมาณ 2570" in text and "สิ่งที่ควรทำก่อนในสัปดาห์นี้" in text
    assert "หมุดหมายถัดไป" in text and "เหลือ" in text


def rows_of(page, table_class: str) -> list[list[str]]:
    """The cells' text of a table's rows (header and footer rows too)."""
    html = page.get_data(as_text=True)
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S)
    assert table is not None
    cells = r"<t[hd][^>]*>(.*?)</t[hd]>"
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(cells, row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)]


def test_participation_per_unit_counts_what_people_did(console, bot, line, register, this_year_plan):
    register("S02")
    propose(line, register("S01"))
    with bot.db.sessions() as db:
        staff = list(db.scalars(sa.select(Staff).where(Staff.active)))
    unit = next(s.unit for s in staff if s.code == "S01")
    people = sum(1 for s in staff if s.unit == unit)
    registered = sum(1 for s in staff if s.unit == unit and s.line_user_id)
    page = console.get("/console/")
    rows = {row[0]: row for row in rows_of(page, "units")}
    assert rows[unit][1] == str(people)
    share = f"{100 * registered / people:.1f}".rstrip("0").rstrip(".")
    assert rows[unit][2] == f"{registered} ({share}%)"     # ลงทะเบียน LINE: C01 (signed in) and S01/S02
    assert rows[unit][4].startswith("1 (")                # เสนอความดี: S01 alone
    assert rows["รวมทั้งสำนักงาน"][1] == str(len(staff))
    assert rows["รวมทั้งสำนักงาน"][2].startswith(f"{sum(1 for s in staff if s.line_user_id)} (")
    chart = charts_of(page)["unit-chart"]
    proposed = next(d for d in chart["data"]["datasets"] if d["label"] == "เสนอความดี")
    assert proposed["data"][chart["data"]["labels"].index(unit)] == round(100.0 / people, 1)


def test_the_chart_draws_weekly_snapshots_against_the_milestone_line(console, bot, this_year_plan):
    with bot.db.sessions() as db:
        plan = db.get(Plan, this_year_plan)
        assert plan is not None
        code = next(i.code for i in plan.indicators if i.target_kind == "percent" and i.milestones)
        position = [i.code for i in plan.indicators].index(code) + 1
        monday = datetime(2026, 11, 2, 9, tzinfo=bot.settings.tz)
        followup.store_snapshots(db, plan.id, job_common.week_of(monday), {code: Measured(12.5, 1, 8)}, monday)
        db.commit()
        indicator = plans.indicator(db, plan, code)
        assert indicator is not None
        last = indicator.milestones[-1]
    charts = charts_of(console.get("/console/"))
    chart = charts[f"chart-{position}"]
    labels, (values, line_) = chart["data"]["labels"], chart["data"]["datasets"]
    assert labels[0].endswith("ก.ย.") or labels[0].endswith("ต.ค.")  # the week of 1 October
    assert values["data"][labels.index("2 พ.ย.")] == 12.5
    assert line_["data"][0] == 0 and line_["data"][-1] == last.target
    assert all(a <= b for a, b in itertools.pairwise(line_["data"]))  # the milestone line only rises


def test_no_plan_for_this_fiscal_year_says_how_to_start_it(console):
    text = text_of_page(console.get("/console/"))  # the seed is FY2569's plan; today is in FY2570
    assert "ยังไม่มีแผนของปีงบประมาณ 2570" in text and "เริ่มแผนปีงบประมาณ 2570" in text
    assert "ตัวชี้วัด" not in text.split("ยังไม่มีแผน")[0]


def test_the_quota_fragment_reads_line(console, line_api, this_year_plan):
    line_api.quota_limit, line_api.quota_used = 300, 120
    text = text_of_page(console.get("/console/quota", headers={"HX-Request": "true"}))
    assert "ส่งไปแล้ว 120 จาก 300 ข้อความ" in text and "เหลือ 180" in text
    line_api.fail_next("/v2/bot/message/quota", 500, times=10)
    text = text_of_page(console.get("/console/quota", headers={"HX-Request": "true"}))
    assert "อ่านโควตาข้อความจาก LINE ไม่ได้" in text


def test_executives_read_the_overview_without_edit_links(executive_console, this_year_plan):
    page = executive_console.get("/console/")
    assert page.status_code == 200 and "ตัวชี้วัด" in text_of_page(page)
    assert "ผู้บริหาร (ดูอย่างเดียว)" in text_of_page(page)


def test_without_a_session_the_overview_is_not_shown(anonymous, this_year_plan):
    page = anonymous.get("/console/")
    assert page.status_code == 302 and page.headers["Location"].endswith("/console/signin")
    fragment = anonymous.get("/console/quota", headers={"HX-Request": "true"})
    assert fragment.status_code == 401 and "120" not in fragment.get_data(as_text=True)
