"""deadline-reminders: daily (08:00 by default), for every date not yet met — each milestone of the
current plan and each activity not yet marked done — a reminder 14, 7, 3 and 1 days before and on
the day after it passes unmet. Nothing for milestones already met or activities already done.

Who: coordinators get every item; the people responsible for an activity get that activity's.
One push per person per day gathers everything due for them (the quota is precious), claimed in
the outbox under (deadline-reminders, date, LINE user id) — (deadline-reminders/staff, …) for
people who are not coordinators: those are sent only from what the coordinators' reserve leaves
(PUSH_RESERVE), coordinators first — with one topic per item and stage
("1.2:2026-02-27@7", "a17:2026-03-31@late"). A stage is a window, not a day: 14 covers 14–8 days
before, 7 covers 7–4, 3 covers 3–2, 1 covers the day before and the day itself, late the 7 days
after. So a day the clock was down is caught up once on the next run, and a topic already sent
(or still pending) is never sent again.

Folded into the weekly digest: the Monday digest lists every date of the next DIGEST_AHEAD days
(`upcoming`) and carries the topics of the stages it shows in its outbox row. A person who gets
the digest (models.staff.gets_digest) is pushed only the last days' stage (1) — not on the digest's
own day, when the digest shows it — and the day after (late); whoever does not get it (a
coordinator who switched it off, responsible staff) is pushed every stage, except a topic a digest
already carried.

An activity's date is its start (when it is scheduled), else its due date. A fiscal year with no
plan in use (models.plan.current) has nothing to remind of: last year's dates are not this year's,
and a draft's are not in use yet.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import thai
from bot.line import LineClient
from jobs import cards, common, delivery
from models import activity as activities
from models import evidence, jobrun, measures, outbox
from models import plan as plans
from models.plan import Plan, State
from models.staff import Staff, gets_digest

NAME = "deadline-reminders"
STAFF = "deadline-reminders/staff"  # outbox job of reminders to non-coordinators: staff budget only
LEADS = (14, 7, 3, 1)
LATE_FOR = 7       # days after the date during which the "passed unmet" reminder may still go out
LOOK_BACK = timedelta(days=40)  # reminder topics older than this cannot be current any more
FOLDED = ("14", "7", "3")  # stages the weekly digest shows instead of a push, for those who get it
LAST_DAYS = "1"            # pushed, except on the digest's day: the digest shows it that morning
DIGEST_AHEAD = 14          # days ahead the digest lists (every FOLDED stage meets a Monday in them)
log = logging.getLogger("jobs.reminders")


def period(now: datetime) -> str:
    return common.day_of(now)


def stage(due: date, today: date) -> str | None:
    """The reminder stage `today` falls in for a date: "14", "7", "3", "1", "late", or None."""
    left = (due - today).days
    if left < -LATE_FOR or left > LEADS[0]:
        return None
    if left < 0:
        return "late"
    for lead, next_lead in zip(LEADS, LEADS[1:] + (-1,), strict=True):
        if next_lead < left <= lead:
            return str(lead)
    return None  # pragma: no cover - every left in 0..14 falls in a window


@dataclass(frozen=True)
class Item:
    key: str                     # stable across plan reloads: "<code>:<date>" or "a<id>:<date>"
    due: date
    title: str
    detail: str
    responsible: tuple[int, ...] = ()  # staff ids besides the coordinators
    indicator: str = ""                # the indicator code of a milestone ("1.2"), else ""

    def topic(self, stage_: str) -> str:
        return f"{self.key}@{stage_}"


def upcoming(db: Session, plan: Plan, now: datetime) -> list[tuple[Item, str]]:
    """What the weekly digest lists: every date not yet met in the next DIGEST_AHEAD days (today
    included), with its stage, soonest first."""
    today = now.date()
    found = [(item, s) for item in items(db, plan, now, confirm_within=DIGEST_AHEAD)
             if (s := stage(item.due, today)) is not None and s != "late"]
    return sorted(found, key=lambda e: (e[0].due, e[0].key))


def items(db: Session, plan: Plan, now: datetime, confirm_within: int | None = None) -> list[Item]:
    """Every dated thing of the plan that is not met yet (the monthly 4.5 re-confirmation from
    `confirm_within` days before its month ends, when given: the digest looks further ahead)."""
    tz = now.tzinfo
    found: list[Item] = []
    measured = {p.indicator.code: p for p in measures.progress(db, plan, now)}
    for indicator in plan.indicators:
        progress = measured.get(indicator.code)
        states = {s.milestone.id: s for s in progress.milestones} if progress else {}
        for milestone in indicator.milestones:
            state = states.get(milestone.id)
            if state is not None and state.state is State.DONE:
                continue
            goal = cards.value_text(plans.Measured(milestone.target), indicator.target_kind, milestone.target)
            if progress is None:
                detail = f"เป้าหมาย {goal} · ยังไม่มีข้อมูล"
            else:
                now_text = cards.value_text(progress.measured, indicator.target_kind, milestone.target)
                detail = f"ตอนนี้ {now_text} · เป้าหมาย {goal}"
            label = f" ({milestone.label})" if milestone.label else ""
            found.append(Item(f"{indicator.code}:{milestone.due.isoformat()}", milestone.due,
                              f"ตัวชี้วัด {indicator.code}{label}: {indicator.title}", detail,
                              indicator=indicator.code))
    monthly = _monthly_confirmation(db, plan, now.date(), confirm_within or CONFIRM_BEFORE)
    if monthly is not None:
        found.append(monthly)
    for activity in activities.of_plan(db, plan.id):
        if activity.done_at is not None:
            continue
        if activity.starts_at is not None:
            when = activity.starts_at.astimezone(tz)
            day, detail = when.date(), f"จัดวันที่ {thai.thai_datetime(when)}" + (
                f" · {activity.place}" if activity.place else "")
        elif activity.due is not None:
            day, detail = activity.due, "ต้องดำเนินการให้เสร็จภายในวันที่กำหนด"
        else:
            continue
        people = tuple(p.id for p in activity.responsible)
        if not people:
            detail += " · ยังไม่มีผู้รับผิดชอบ"
        found.append(Item(f"a{activity.id}:{day.isoformat()}", day, f"กิจกรรม: {activity.title}",
                          detail, people))
    return found


CONFIRM_BEFORE = 3  # days before a month ends that the 4.5 re-confirmation reminder goes out


def _monthly_confirmation(db: Session, plan: Plan, today: date, within: int = CONFIRM_BEFORE) -> Item | None:
    """4.5 each month, when the office asked for it (`evidence monthly on`, or the console's หลักฐาน
    page): in the last days of a month of the plan's year without a confirmation dated in it, one
    reminder (the "3" stage: 3 and 2 days before the month's last day, sent once; from `within`
    days before for the digest's list)."""
    if not any(i.code == "4.5" for i in plan.indicators) or not evidence.monthly_confirmation(db):
        return None
    last = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if not plan.starts_on <= today <= plan.ends_on or not 2 <= (last - today).days <= within:
        return None
    if evidence.confirmed_in_month(db, plan, last):
        return None
    month = f"{thai.THAI_MONTHS_FULL[last.month - 1]} {last.year + thai.BUDDHIST_ERA}"
    return Item(f"4.5-monthly:{last.isoformat()}", last, f"ตัวชี้วัด 4.5: ยืนยันประจำเดือน{month}",
                "ยืนยันว่าเดือนนี้ไม่มีบุคลากรถูกดำเนินการทางวินัยหรือคดีอาญา ที่หน้าเว็บ หลักฐาน → 4.5")


def run(now: datetime, db: Session, line: LineClient) -> int:
    """Claim today's reminders (one push per person), then deliver. Messages delivered by this run."""
    settings = common.settings_of(line)
    now = common.local(now, settings)
    day = period(now)
    today = now.date()
    db.commit()
    budget, _ = common.read_budget(line, settings)
    plan = plans.current(db, now)
    claimed = 0
    if plan is not None:
        due = [(item, s) for item in items(db, plan, now) if (s := stage(item.due, today)) is not None]
        if due:
            claimed = _claim(db, now, day, today, due, digest_day(settings.digest_cron, today))
    db.commit()
    report = delivery.deliver(db, line, now, job=NAME, budget=budget.for_coordinators)
    staff = delivery.deliver(db, line, now, job=STAFF, budget=budget.spend(report.sent).for_staff)
    sent, held = report.sent + staff.sent, report.held + staff.held
    jobrun.record_run(db, NAME, day, now, "done" if claimed or sent else "nothing", planned=claimed,
                      sent=sent, held=held, detail=report.stopped or staff.stopped)
    db.commit()
    if claimed or sent or report.failed or staff.failed:
        log.info("reminders %s: %d claimed, %d sent, %d failed, %d held", day, claimed, sent,
                 report.failed + staff.failed, held)
    return sent


def digest_day(schedule: str, today: date) -> bool:
    """Whether the weekly digest (DIGEST_CRON: "mon 08:30", "mon,thu 08:30" or a crontab with day
    names) runs on `today`; False when the schedule names no day (then nothing waits for it)."""
    try:
        days = str(common.parse_cron(schedule).get("day_of_week", ""))
    except common.ScheduleError:
        return False
    return common.DAYS[today.weekday()] in days.lower().replace("-", ",").split(",")


def _claim(db: Session, now: datetime, day: str, today: date, due: list[tuple[Item, str]],
           on_digest_day: bool = False) -> int:
    coordinators = common.coordinators(db)
    responsible_ids = {i for item, _ in due for i in item.responsible}
    responsible = {p.id: p for p in db.scalars(sa.select(Staff).where(
        Staff.id.in_(responsible_ids), Staff.active, Staff.line_user_id.is_not(None)))} if responsible_ids else {}
    # recipient → (staff, is coordinator, items)
    mail: dict[str, tuple[Staff, bool, list[tuple[Item, str]]]] = {
        common.line_id(p): (p, True, list(due)) for p in coordinators}
    for item, stage_ in due:
        for staff_id in item.responsible:
            person = responsible.get(staff_id)
            if person is None or common.line_id(person) in mail and mail[common.line_id(person)][1]:
                continue
            mail.setdefault(common.line_id(person), (person, False, []))[2].append((item, stage_))
    # The digest's topics count too: a stage a digest showed is not pushed again.
    already = outbox.topics_of(db, (NAME, STAFF, common.DIGEST), list(mail), since=now - LOOK_BACK)
    drafts: dict[str, list[outbox.Draft]] = {NAME: [], STAFF: []}
    for user_id, (person, is_coordinator, entries) in mail.items():
        # The digest lists the 14/7/3 stages for them, and on its own day the last days' too.
        folded = (*FOLDED, LAST_DAYS) if on_digest_day else FOLDED
        fresh = [(item, s) for item, s in entries
                 if item.topic(s) not in already[user_id] and not (gets_digest(person) and s in folded)]
        if not fresh:
            continue
        fresh.sort(key=lambda e: (e[1] != "late", e[0].due, e[0].key))
        lines = [cards.ReminderLine(item.title, item.due, item.detail, s == "late") for item, s in fresh]
        message = cards.reminder_message(lines, today, coordinator=is_coordinator).to_dict()
        drafts[NAME if is_coordinator else STAFF].append(outbox.Draft(
            user_id, [message], staff_id=person.id, topics=tuple(item.topic(s) for item, s in fresh)))
    return sum(outbox.claim(db, job, day, batch, now, expires_at=common.day_end(now))
               for job, batch in drafts.items())
