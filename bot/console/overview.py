"""ภาพรวม: where the year stands at a glance.

Every indicator of the current plan (value, target, milestones and their states, a chart of the
weekly values against the milestone line), the week's most urgent actions (the digest's own
sentences), participation per unit (a table and a chart) and this month's pushes against LINE's
quota. The quota is asked of LINE by a fragment the page loads after it shows (/console/quota), so
a slow LINE never holds the page up.

Every number is computed in the database: the page's statements do not grow with the office.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, render_template
from markupsafe import Markup

from bot import thai
from bot.console import common
from bot.line import LineError, Quota
from jobs import cards, digest
from models import followup, measures
from models import plan as plans
from models.plan import Indicator, IndicatorProgress, Plan, State

bp = Blueprint("overview", __name__, url_prefix="")

GREEN, AMBER, GREY, BLUE, RED = "#2E7D4F", "#B7791F", "#8A948E", "#2F6FA7", "#C0392B"
KIND_UNIT = {"percent": "%", "count": "", "evidence": ""}
UNIT_COLUMNS = (  # (field of followup.UnitParticipation, Thai heading, chart colour)
    ("registered", "ลงทะเบียน LINE", GREY),
    ("pledged", "รับทราบปฏิญญา", GREEN),
    ("proposed", "เสนอความดี", BLUE),
    ("attended", "ร่วมกิจกรรม", AMBER),
)


@dataclass(frozen=True)
class IndicatorView:
    indicator: Indicator
    progress: IndicatorProgress | None   # None: nothing measured yet
    chart: Markup | None                 # the Chart.js config (JSON), or None

    @property
    def value_text(self) -> str:
        if self.progress is None:
            return "ยังไม่มีข้อมูล"
        return cards.value_text(self.progress.measured, self.indicator.target_kind, self.indicator.target)

    @property
    def target_text(self) -> str:
        i = self.indicator
        if i.target_kind == "percent":
            return f"{thai.percent(i.target)}%"
        if i.target_kind == "count":
            return f"{int(i.target)}"
        return "มีหลักฐาน"

    @property
    def share(self) -> float:
        """How far along the target, 0–100, for the bar."""
        if self.progress is None or not self.indicator.target:
            return 0.0
        return max(0.0, min(100.0, 100.0 * self.progress.measured.value / self.indicator.target))


@bp.get("/")
def index() -> str:
    db = common.reading()
    now = common.now()
    today = now.date()
    fiscal_year = plans.fiscal_year_of(today)
    plan = plans.current(db, now)
    if plan is None:
        return render_template("console/overview/index.html", here="overview", plan=None, fiscal_year=fiscal_year,
                               now=now, draft=plans.of_year(db, fiscal_year, plans.DRAFT))
    progress = measures.progress(db, plan, now)
    measured = {p.indicator.code: p for p in progress}
    history = followup.snapshots(db, plan.id)
    views = [IndicatorView(i, measured.get(i.code), chart_of(i, plan, measured.get(i.code), history.get(i.code, []),
                                                            today))
             for i in plan.indicators]
    views.sort(key=lambda v: v.progress.urgency() if v.progress else (9, date.max, v.indicator.position))
    urgent = [p for p in progress if p.state is not State.DONE][:digest.MAX_ACTIONS]
    actions = [digest.action(db, plan, p, today) for p in urgent]
    units = followup.participation_by_unit(db, plan)
    return render_template(
        "console/overview/index.html", here="overview", plan=plan, fiscal_year=fiscal_year, now=now, today=today,
        views=views, actions=actions, units=units, columns=UNIT_COLUMNS, totals=totals(units),
        unit_chart=unit_chart(units),
        done=sum(1 for p in progress if p.state is State.DONE), measured_count=len(progress),
        days_text=thai.days_text)


@bp.get("/quota")
def quota() -> str:
    """This month's pushes against the quota, asked of LINE (a fragment the overview loads)."""
    settings = common.bot().settings
    found: Quota | None = None
    error = ""
    try:
        found = common.bot().line.quota()
    except LineError as exc:
        error = str(exc)
    share = 0.0
    if found is not None and found.limit:
        share = min(100.0, 100.0 * found.used / found.limit)
    return render_template("console/overview/quota.html", quota=found, error=error, share=share,
                           reserve=settings.push_reserve, month=thai.THAI_MONTHS_FULL[common.now().month - 1])


# -- charts --------------------------------------------------------------------------------------
def weeks_of(plan: Plan) -> list[date]:
    """The Monday of every week of the plan's year."""
    monday = plan.starts_on - timedelta(days=plan.starts_on.weekday())
    found = []
    while monday <= plan.ends_on:
        found.append(monday)
        monday += timedelta(days=7)
    return found


def milestone_line(indicator: Indicator, plan: Plan, day: date) -> float:
    """Where the milestones say the value should be on `day`: from 0 at the start of the year in a
    straight line to each milestone in turn (models.plan.milestone_states draws the same line),
    level after the last."""
    start, start_value = plan.starts_on, 0.0
    for milestone in indicator.milestones:
        if day <= milestone.due:
            span = max((milestone.due - start).days, 1)
            elapsed = min(max((day - start).days, 0), span)
            return round(start_value + (milestone.target - start_value) * elapsed / span, 1)
        start, start_value = milestone.due, milestone.target
    return start_value


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def chart_of(indicator: Indicator, plan: Plan, progress: IndicatorProgress | None,
             snapshots: list[followup.IndicatorSnapshot], today: date) -> Markup | None:
    """A line chart of the weekly values against the milestone line (none for yes/no evidence)."""
    if indicator.target_kind == "evidence" or not indicator.milestones:
        return None
    weeks = weeks_of(plan)
    values: dict[date, float] = {}
    for snap in snapshots:
        year, week = snap.period.split("-W")
        values[date.fromisocalendar(int(year), int(week), 1)] = snap.value
    if progress is not None and plan.starts_on <= today <= plan.ends_on:
        values[week_of(today)] = progress.measured.value
    top = max([indicator.target, *[m.target for m in indicator.milestones], *values.values()])
    config = {
        "type": "line",
        "data": {
            "labels": [f"{d.day} {thai.THAI_MONTHS[d.month - 1]}" for d in weeks],
            "datasets": [
                {"label": "ค่าที่วัดได้ (รายสัปดาห์)", "data": [values.get(d) for d in weeks],
                 "borderColor": GREEN, "backgroundColor": GREEN, "spanGaps": True, "pointRadius": 2,
                 "borderWidth": 2},
                {"label": "เส้นเป้าหมายตามหมุดหมาย", "data": [milestone_line(indicator, plan, d) for d in weeks],
                 "borderColor": AMBER, "backgroundColor": AMBER, "borderDash": [6, 4], "pointRadius": 0,
                 "borderWidth": 1.5},
            ],
        },
        "options": {
            "scales": {"y": {"min": 0, "suggestedMax": top, "title": {
                               "display": True, "text": "%" if indicator.target_kind == "percent" else "จำนวน"}},
                       "x": {"ticks": {"maxTicksLimit": 8, "autoSkip": True}}},
            "plugins": {"legend": {"position": "bottom", "labels": {"boxWidth": 14}}},
        },
    }
    return script_json(config)


def unit_chart(units: list[followup.UnitParticipation]) -> Markup | None:
    """A horizontal bar chart: per unit, the share of its people who did each thing."""
    if not units:
        return None
    config = {
        "type": "bar",
        "data": {
            "labels": [u.unit for u in units],
            "datasets": [{"label": name, "backgroundColor": colour,
                          "data": [round(100.0 * getattr(u, field) / u.people, 1) if u.people else 0 for u in units]}
                         for field, name, colour in UNIT_COLUMNS],
        },
        "options": {
            "indexAxis": "y",
            "scales": {"x": {"min": 0, "max": 100, "title": {"display": True, "text": "% ของบุคลากรในหน่วยงาน"}}},
            "plugins": {"legend": {"position": "bottom", "labels": {"boxWidth": 14}}},
        },
    }
    return script_json(config)


def script_json(value: object) -> Markup:
    """JSON safe inside <script type="application/json"> (no "</script>" can close it early)."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


def totals(units: list[followup.UnitParticipation]) -> followup.UnitParticipation:
    return followup.UnitParticipation(
        "รวมทั้งสำนักงาน", sum(u.people for u in units), sum(u.registered for u in units),
        sum(u.pledged for u in units), sum(u.proposed for u in units), sum(u.attended for u in units))
