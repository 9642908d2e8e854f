"""weekly-digest: one Flex message per coordinator, once per ISO week (Monday 08:30 by default).

When the fiscal year has no plan in use, the same claim carries a notice instead: which year, and
how to start its plan (or put its draft in use).

Every indicator with data (models.measures.progress): a progress bar, its next milestone with the Thai
date and days left, on track / behind / overdue, the change since last week's snapshot; the three
most urgent actions with per-unit counts; what happened to this week's nudges and to messages that
could not be delivered; and buttons that type "สรุป รายชื่อ" and "สรุป".

The card is computed once per run (its SQL does not grow with the number of staff) and claimed for
each coordinator in the outbox under (weekly-digest, ISO week, LINE user id).
"""
from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import messages as ui
from bot import thai
from bot.line import LineClient
from jobs import cards, common, delivery, nudges, reminders
from models import followup, jobrun, measures, outbox, report
from models import plan as plans
from models.plan import IndicatorProgress, Plan, State
from models.staff import Staff

NAME = "weekly-digest"
MAX_ACTIONS = 3
SHOW_UNITS = 3
log = logging.getLogger("jobs.digest")
# The measures that count people (models.followup.PEOPLE_MEASURES): what a person who has not
# done it yet is.
PENDING_PEOPLE = {
    "pledge": "ยังไม่รับทราบปฏิญญา",
    "proposals": "ยังไม่เสนอความดี",
    "plan_participation": "ยังไม่ร่วมให้ความเห็นต่อแผน",
}


# 4.2–4.5: what is missing, from what models/evidence.py measured
REPORT_STEP_TEXT = ("ยังไม่ได้บันทึกรายงานผลและการถอดบทเรียน", "ถอดบทเรียนแล้ว ยังไม่ได้เสนอผู้บังคับบัญชา",
                    "เสนอผู้บังคับบัญชาแล้ว รอบันทึกว่าท่านทราบ", "ผู้บังคับบัญชาทราบแล้ว")
EVIDENCE_ACTIONS = {
    "awards": lambda m, goal: (f"มีรางวัลหรือคำชื่นชมจากหน่วยงานภายนอก {m.done} จาก {thai.percent(goal)} รายการ"
                               if m.done else "ยังไม่มีรางวัล เกียรติบัตร หรือหนังสือขอบคุณจากหน่วยงานภายนอก"),
    "channels": lambda m, goal: f"มี {m.done} จาก {thai.percent(goal)} ช่องทาง"
                                f" ยังขาดอีก {max(math.ceil(goal) - m.done, 0)} ช่องทาง",
    "report": lambda m, goal: REPORT_STEP_TEXT[min(m.done, len(REPORT_STEP_TEXT) - 1)],
    "confirmation": lambda m, goal: "ยังไม่ได้ยืนยันว่าปีนี้ไม่มีบุคลากรถูกดำเนินการทางวินัยหรือคดีอาญา",
}


def period(now: datetime) -> str:
    return common.week_of(now)


def run(now: datetime, db: Session, line: LineClient) -> int:
    """Claim this week's digest for every coordinator who has not got it yet, then deliver.
    Returns the number of messages delivered by this run."""
    settings = common.settings_of(line)
    now = common.local(now, settings)
    week = period(now)
    db.commit()  # a job commits its own steps; hold no transaction while LINE is asked
    budget, quota_error = common.read_budget(line, settings)
    recipients = common.coordinators(db)
    claimed = outbox.claimed_recipients(db, NAME, week)
    todo = [p for p in recipients if common.line_id(p) not in claimed]
    plan = plans.current(db, now)
    if todo:
        if plan is not None:
            message = cards.digest_message(build(db, plan, now, week, budget, quota_error)).to_dict()
        else:  # this fiscal year has no plan in use: the coordinators hear so, and how to start it
            year = plans.fiscal_year_of(now.date())
            message = cards.no_plan_message(year, plans.of_year(db, year, plans.DRAFT) is not None,
                                            now.date()).to_dict()
            log.warning("digest %s: FY%d has no plan in use; telling the coordinators", week, year)
        count = outbox.claim(db, NAME, week, [outbox.Draft(common.line_id(p), [message], staff_id=p.id) for p in todo],
                             now, expires_at=common.week_end(now))
        log.info("digest %s: claimed for %d coordinator(s)", week, count)
    db.commit()
    report = delivery.deliver(db, line, now, job=NAME, budget=budget.for_coordinators)
    jobrun.record_run(db, NAME, week, now, "done", planned=len(recipients), sent=report.sent, held=report.held,
                      detail=report.stopped)
    db.commit()
    log.info("digest %s: %d sent, %d failed, %d held", week, report.sent, report.failed, report.held)
    return report.sent


# -- the card's data -------------------------------------------------------------------------------
def build(db: Session, plan: Plan, now: datetime, week: str, budget: common.Budget | None = None,
          quota_error: str = "", store: bool = True) -> cards.Digest:
    """What the digest says at `now`; stores this week's snapshot (first run of the week wins) unless
    `store` is False (a preview)."""
    today = now.date()
    progress = measures.progress(db, plan, now)
    previous = followup.previous_snapshots(db, plan.id, week)
    if store:
        followup.store_snapshots(db, plan.id, week, {p.indicator.code: p.measured for p in progress}, now)
    rows = []
    for p in progress:
        before = previous.get(p.indicator.code)
        rows.append(cards.DigestRow(
            code=p.indicator.code, title=p.indicator.title, kind=p.indicator.target_kind,
            target=p.indicator.target, measured=p.measured, state=p.state.value, next=p.next,
            delta=None if before is None else change(p.measured, before, p.indicator.target_kind)))
    measured = {p.indicator.code for p in progress}
    digest = cards.Digest(today=today, fiscal_year=plan.fiscal_year, rows=rows,
                          without_data=[i.code for i in plan.indicators if i.code not in measured])
    urgent = [p for p in progress if p.state is not State.DONE][:MAX_ACTIONS]
    digest.actions = [action(db, plan, p, today) for p in urgent]
    digest.notices = notices(db, now, budget, quota_error)
    return digest


def change(now: plans.Measured, before: followup.IndicatorSnapshot, kind: str) -> float:
    """Change since the snapshot; shares from the unrounded counts (33.3% → 66.7% is +33.3)."""
    if kind == "percent" and now.total and before.total:
        return 100.0 * now.done / now.total - 100.0 * before.done / before.total
    return now.value - before.value


def action(db: Session, plan: Plan, p: IndicatorProgress, today) -> str:
    """One line saying what would move this indicator, e.g. "1.2: 14 คนยังไม่รับทราบปฏิญญา — …"."""
    measure, m = p.indicator.measure, p.measured
    upcoming = p.next
    goal = upcoming.milestone.target if upcoming is not None else p.indicator.target
    if measure in PENDING_PEOPLE and (done := followup.done_query(db, plan, measure)) is not None:
        units = followup.units_pending(db, done)
        pending = sum(n for _, n in units)
        text = f"{pending} คน{PENDING_PEOPLE[measure]}"
        if units:
            text += " — " + ", ".join(f"{unit} {n}" for unit, n in units[:SHOW_UNITS])
            if len(units) > SHOW_UNITS:
                text += f" และอีก {len(units) - SHOW_UNITS} หน่วยงาน"
    elif measure == "responsible_assigned":
        text = f"{m.total - m.done} กิจกรรมยังไม่มีผู้รับผิดชอบ"
    elif measure in EVIDENCE_ACTIONS:
        text = EVIDENCE_ACTIONS[measure](m, goal)
    elif measure == "activities_done":
        need = max(math.ceil(goal / 100 * m.total - 1e-9) - m.done, 1)
        text = f"ต้องดำเนินกิจกรรมอีก {need} กิจกรรมให้ถึง {thai.percent(goal)}% (ทำแล้ว {m.done}/{m.total})"
        # Carried out by the end of today wherever the office is (UTC midnight after it: at most a
        # few hours late, never early).
        text += photos_missing(report.without_photos(db, plan, datetime.combine(today + timedelta(days=1), time(),
                                                                                 tzinfo=UTC)))
    else:
        text = (f"ตอนนี้ {cards.value_text(m, p.indicator.target_kind, p.indicator.target)}"
                f" จากเป้าหมาย {cards.value_text(plans.Measured(goal), p.indicator.target_kind, goal)}")
        if p.indicator.target_kind == "evidence":
            text = "ยังไม่มีหลักฐาน — บันทึกหลักฐานให้ครบ"
    when = ""
    if upcoming is not None:
        when = f" (กำหนด {thai.thai_date(upcoming.due)} · {thai.days_text(upcoming.due, today)})"
    return f"{p.indicator.code}: {text}{when}"


def photos_missing(titles: list[str], show: int = 2) -> str:
    """" · กิจกรรม "วันจิตอาสา" ยังไม่มีภาพ" for activities carried out without a photo (3.1's evidence)."""
    if not titles:
        return ""
    named = ", ".join(f'"{thai.shorten(t, 40)}"' for t in titles[:show])
    more = f" และอีก {len(titles) - show} กิจกรรม" if len(titles) > show else ""
    return f" · กิจกรรม {named}{more} ยังไม่มีภาพ"


def notices(db: Session, now: datetime, budget: common.Budget | None, quota_error: str) -> list[tuple[str, str]]:
    """Nudges held back or sent this week (or last), messages LINE refused, the quota."""
    found: list[tuple[str, str]] = []
    this_week, last_week = common.week_of(now), common.week_of(now - timedelta(days=7))
    run_ = jobrun.run_of(db, nudges.NAME, this_week) or jobrun.run_of(db, nudges.NAME, last_week)
    if run_ is not None and run_.status == "held":
        found.append((f"⚠️ งดส่งข้อความชวน {run_.held:,} คน — {run_.detail}", ui.RED))
    elif run_ is not None and run_.status == "done" and run_.sent:
        found.append((f"ส่งข้อความชวนบุคลากรแล้ว {run_.sent:,} คน "
                      f"({thai.thai_date(run_.at.astimezone(now.tzinfo))})", ui.GREY))
    failed = outbox.failures_since(db, [NAME, reminders.NAME, reminders.STAFF], now - timedelta(days=7))
    if failed:
        ids = {f.staff_id for f in failed if f.staff_id is not None}
        names = list(db.scalars(sa.select(Staff.name).where(Staff.id.in_(ids)).order_by(Staff.name))) if ids else []
        who = ", ".join(names[:3]) + (f" และอีก {len(names) - 3} คน" if len(names) > 3 else "")
        found.append((f"⚠️ ส่งข้อความถึง {who or f'{len(failed)} ข้อความ'} ไม่สำเร็จ "
                      "(อาจบล็อกบัญชี LINE ของสำนักงานไว้)", ui.AMBER))
    if budget is not None and budget.quota is not None and budget.quota.limit is not None:
        quota = budget.quota
        colour = ui.RED if (quota.remaining or 0) <= budget.reserve else ui.GREY
        found.append((f"โควตาข้อความเดือนนี้ใช้ไป {quota.used:,} จาก {quota.limit:,} "
                      f"(กันไว้ {budget.reserve} สำหรับผู้ประสานงาน)", colour))
    elif quota_error:
        found.append(("อ่านโควตาข้อความจาก LINE ไม่ได้", ui.AMBER))
    return found
