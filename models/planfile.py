"""Plan files: one YAML file per office and fiscal year, validated, then loaded or updated.

Errors name the path of the bad field (`indicators[2].milestones[0].due: …`) or the YAML line.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from sqlalchemy.orm import Session, object_session

from models import activity as activities
from models import plan as plans
from models.activity import Activity, ActivityError
from models.measures import MEASURES
from models.plan import Indicator, Milestone, Plan

_UNNAMED = re.compile(r"activity-(\d+)")  # the key `dump` gives an activity that has none
DEFAULT_PLAN_FILE = Path(__file__).resolve().parent / "data" / "plan_fy2569_chiangrai.yaml"


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: pydantic parses them, so a bad date gets its field's path."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class PlanFileError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


class TargetSpec(_Strict):
    percent: float | None = Field(None, ge=0, le=100)
    count: int | None = Field(None, ge=1)
    evidence: bool | None = None  # a yes/no indicator met by recorded evidence

    @model_validator(mode="after")
    def exactly_one(self) -> TargetSpec:
        given = [k for k in ("percent", "count", "evidence") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of percent, count or evidence")
        return self

    @property
    def kind(self) -> str:
        return "percent" if self.percent is not None else "count" if self.count is not None else "evidence"

    @property
    def value(self) -> float:
        return float(self.percent if self.percent is not None else self.count if self.count is not None else 1)


class MilestoneSpec(_Strict):
    due: date
    target: float | None = Field(None, ge=0)
    label: str = ""


class IndicatorSpec(_Strict):
    code: str = Field(pattern=r"^\d+(\.\d+)*$")
    title: str = Field(min_length=1)
    counts: str = ""
    measure: str
    target: TargetSpec
    milestones: list[MilestoneSpec] = Field(min_length=1)
    responsible: str = ""

    @field_validator("measure")
    @classmethod
    def known_measure(cls, value: str) -> str:
        if value not in MEASURES:
            names = [f"'{name}'" for name in MEASURES]
            raise ValueError(f"Input should be {', '.join(names[:-1])} or {names[-1]}")
        return value

    @field_validator("milestones")
    @classmethod
    def in_order(cls, value: list[MilestoneSpec]) -> list[MilestoneSpec]:
        dues = [m.due for m in value]
        if dues != sorted(dues) or len(set(dues)) != len(dues):
            raise ValueError("milestones must have different dates, earliest first")
        return value


# An activity's columns of the plan (2.1) by the rules of models.activity (its refusals name the field).
PLAN_RULES: dict[str, Callable[[Any], Any]] = {
    "virtue": activities.plan_virtue, "indicator": activities.plan_indicator,
    "problem": lambda text: activities.plan_text(text, "the problem to solve"),
    "good": lambda text: activities.plan_text(text, "the good to do"),
    "budget": lambda value: activities.baht(value, "the budget"),
    "budget_used": lambda value: activities.baht(value, "the budget used"),
}


class ActivitySpec(_Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: str = Field(min_length=1, max_length=300)
    type: str = "activity"
    plan_workshop: bool = False
    rotating_qr: bool = False
    due: date | None = None
    start: datetime | None = None
    end: datetime | None = None
    place: str = ""
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius: int | None = Field(None, ge=10, le=50_000)
    responsible: list[str] = []
    # the plan's columns (2.1), checked by PLAN_RULES
    virtue: str = ""
    problem: str = ""
    good: str = ""
    indicator: str = ""  # the code of the indicator the activity serves
    budget: Decimal | None = None  # planned, baht
    budget_used: Decimal | None = None  # baht, once carried out; left out, what was recorded stays

    @field_validator(*PLAN_RULES)
    @classmethod
    def by_the_activity_rules(cls, value: Any, info: ValidationInfo) -> Any:
        return PLAN_RULES[info.field_name or ""](value)

    @model_validator(mode="after")
    def consistent(self) -> ActivitySpec:
        if self.end is not None and self.start is None:
            raise ValueError("an end needs a start")
        for moment in (self.start, self.end):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("start and end need a time zone, e.g. 2026-01-20T09:00:00+07:00")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        return self


class PlanSpec(_Strict):
    office: str = Field(min_length=1, max_length=200)
    fiscal_year: int = Field(ge=2500, le=2700)
    starts: date | None = None
    ends: date | None = None
    indicators: list[IndicatorSpec] = Field(min_length=1)
    activities: list[ActivitySpec] = []

    @model_validator(mode="after")
    def unique_keys(self) -> PlanSpec:
        for name, values in (("indicator code", [i.code for i in self.indicators]),
                             ("activity key", [a.key for a in self.activities])):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"{name} repeated: {', '.join(repeated)}")
        return self

    @property
    def period(self) -> tuple[date, date]:
        """Thai fiscal year 2569 runs 1 Oct 2025 – 30 Sep 2026."""
        year = self.fiscal_year - 543
        return self.starts or date(year - 1, 10, 1), self.ends or date(year, 9, 30)


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def parse(text: str, name: str = "plan") -> PlanSpec:
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise PlanFileError([f"{name}: not valid YAML at {where}: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(data, dict):
        raise PlanFileError([f"{name}: expected a mapping with office, fiscal_year, indicators, activities"])
    try:
        return PlanSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{_path(error['loc'])}: {message}")
        raise PlanFileError(problems) from None


def read(path: Path) -> tuple[PlanSpec, str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise PlanFileError([f"{path}: not UTF-8 text"]) from None
    return parse(text, str(path)), text


def load(db: Session, spec: PlanSpec, source: str = "", tz: tzinfo = UTC) -> tuple[Plan, dict[str, int]]:
    """Create or update the plan of (office, fiscal year); it is in use from then on (a draft
    loaded over becomes the year's plan). Does not commit."""
    starts, ends = spec.period
    plan = db.scalar(sa.select(Plan).where(Plan.office == spec.office, Plan.fiscal_year == spec.fiscal_year))
    created = plan is None
    if plan is None:
        plan = Plan(office=spec.office, fiscal_year=spec.fiscal_year, starts_on=starts, ends_on=ends)
        db.add(plan)
    was_active = not created and plan.status == plans.ACTIVE
    plan.starts_on, plan.ends_on, plan.source, plan.status = starts, ends, source, plans.ACTIVE
    db.flush()
    if not was_active:
        plans.adopt(db, plan, tz)

    existing = {i.code: i for i in plan.indicators}
    keep = []
    for position, item in enumerate(spec.indicators):
        indicator = existing.get(item.code) or Indicator(code=item.code)
        indicator.title, indicator.counts, indicator.measure = item.title, item.counts, item.measure
        indicator.target_kind, indicator.target = item.target.kind, item.target.value
        indicator.responsible, indicator.position = item.responsible, position
        if indicator.id is not None:  # replace milestones: delete the old rows before the new ones go in
            indicator.milestones.clear()
            db.flush()
        indicator.milestones = [Milestone(due=m.due, target=m.target if m.target is not None else item.target.value,
                                          label=m.label) for m in item.milestones]
        keep.append(indicator)
    plan.indicators = keep
    db.flush()

    problems: list[str] = []
    codes = {i.code for i in keep}
    rows = list(db.scalars(sa.select(Activity).where(Activity.plan_id == plan.id)))
    known = {a.key: a for a in rows if a.key}
    keyless = {a.id: a for a in rows if not a.key}
    added = 0
    for i, entry in enumerate(spec.activities):
        activity = known.get(entry.key)
        unnamed = _UNNAMED.fullmatch(entry.key)
        if activity is None and unnamed and (activity := keyless.pop(int(unnamed.group(1)), None)) is not None:
            activity.key = entry.key  # one added without a key (`activity add`), as `dump` named it
        if activity is None:
            activity = Activity(plan_id=plan.id, key=entry.key, code=activities.new_code(db))
            db.add(activity)
            added += 1
        activity.title, activity.type, activity.due = entry.title, entry.type, entry.due
        activity.plan_workshop, activity.rotating_qr = entry.plan_workshop, entry.rotating_qr
        try:
            if entry.start is not None:
                activities.schedule(activity, entry.start, entry.end)
            activities.set_place(activity, entry.place, entry.lat, entry.lon, entry.radius)
            activities.set_responsible(db, activity, entry.responsible)
        except ActivityError as exc:
            problems.append(f"activities[{i}]: {exc}")
        problems += _plan_columns(activity, entry, codes, f"activities[{i}]")
        db.flush()
    if problems:
        raise PlanFileError(problems)
    return plan, {"created": int(created), "indicators": len(keep), "activities_added": added,
                  "activities": len(spec.activities)}


def _plan_columns(activity: Activity, entry: ActivitySpec, codes: set[str], path: str) -> list[str]:
    """The plan's columns of an entry onto its activity (checked by the spec already), or what is wrong:
    an indicator the plan does not have."""
    if entry.indicator and entry.indicator not in codes:
        return [f"{path}.indicator: no indicator {entry.indicator} in this plan"]
    activities.set_plan_columns(activity, virtue=entry.virtue, problem=entry.problem, good=entry.good,
                                indicator_code=entry.indicator, budget=entry.budget)
    if entry.budget_used is not None:
        activity.budget_used = entry.budget_used
    return []


def _plan_entry(activity: Activity) -> dict[str, Any]:
    """The plan's columns of an activity in the plan file, those it has."""
    entry: dict[str, Any] = {name: value for name, value in (
        ("virtue", activity.virtue), ("problem", activity.problem), ("good", activity.good),
        ("indicator", activity.indicator_code)) if value}
    for name in ("budget", "budget_used"):
        value = getattr(activity, name)
        if value is not None:
            entry[name] = _number(value)
    return entry


def dump(plan: Plan, tz: tzinfo = UTC) -> str:
    """The plan as a plan file that `parse` and `load` take back as it is: its indicators, milestones
    (each with its own target) and activities (times in `tz`, responsible people by roster code; an
    activity added without a key gets `activity-<id>`, which loading matches to it again)."""
    db = object_session(plan)
    assert db is not None, "dump a plan read from the database"
    data: dict[str, Any] = {"office": plan.office, "fiscal_year": plan.fiscal_year,
                            "starts": plan.starts_on, "ends": plan.ends_on, "indicators": [], "activities": []}
    for indicator in plan.indicators:
        data["indicators"].append({
            "code": indicator.code, "title": indicator.title, "counts": indicator.counts,
            "measure": indicator.measure, "target": _target(indicator.target_kind, indicator.target),
            "milestones": [{"due": m.due, "target": _number(m.target), **({"label": m.label} if m.label else {})}
                           for m in indicator.milestones],
            "responsible": indicator.responsible})
    for activity in activities.of_plan(db, plan.id):
        entry: dict[str, Any] = {"key": activity.key or f"activity-{activity.id}", "title": activity.title,
                                 "type": activity.type}
        if activity.plan_workshop:
            entry["plan_workshop"] = True
        if activity.rotating_qr:
            entry["rotating_qr"] = True
        if activity.due is not None:
            entry["due"] = activity.due
        if activity.starts_at is not None:
            entry["start"] = activity.starts_at.astimezone(tz).isoformat()
            if activity.ends_at is not None:
                entry["end"] = activity.ends_at.astimezone(tz).isoformat()
        if activity.place:
            entry["place"] = activity.place
        if activity.latitude is not None and activity.longitude is not None:
            entry["lat"], entry["lon"] = activity.latitude, activity.longitude
            if activity.radius_m:
                entry["radius"] = activity.radius_m
        if activity.responsible:
            entry["responsible"] = [p.code for p in activity.responsible]
        data["activities"].append(entry | _plan_entry(activity))
    head = (f"# The FY{plan.fiscal_year} plan of {plan.office}, as the bot holds it.\n"
            "# Load it back (or a changed copy) with `flask --app bot plan load FILE` or on the console's plan page.\n")
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def _number(value: float | Decimal) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _target(kind: str, value: float) -> dict[str, Any]:
    if kind == "evidence":
        return {"evidence": True}
    return {kind: _number(value)}


def ensure_default(db: Session) -> Plan | None:
    """The seed's FY2569 plan for the Chiang Rai office, when no plan exists yet."""
    if db.scalar(sa.select(sa.func.count()).select_from(Plan)):
        return None
    spec, text = _default_plan()
    plan, _ = load(db, spec.model_copy(deep=True), text)
    return plan


@functools.cache
def _default_plan() -> tuple[PlanSpec, str]:
    """The shipped file, read and validated once per process (a new database, a test, the sandbox's
    reset each load it again; parsing its YAML took longer than the load)."""
    return read(DEFAULT_PLAN_FILE)


