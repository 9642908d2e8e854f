"""weekly-digest: one Flex message per recipient, once per ISO week (Monday 08:30 by default).
Recipients: the registered coordinators, unless they switched it off, and the executives who switched
it on (models.staff.gets_digest; in LINE: สรุปรายสัปดาห์ เปิด/ปิด, handlers/digest.py).

When the fiscal year has no plan in use, the same claim carries a notice instead: which year, and
how to start its plan (or put its draft in use).

Every indicator with data (models.measures.progress): a progress bar, its next milestone with the Thai
date and days left, on track / behind / overdue, the change since last week's snapshot; the three
most urgent actions, each a sentence with per-unit counts; first, what the recipient still has to
do themselves (the pledge, a proposal: they are not nudged, jobs/nudges.py); what happened to this week's nudges and
to messages that could not be delivered; the dates of the next 14 days with what is due on them
(the deadline reminders folded into the digest: jobs.reminders.FOLDED); and buttons that type
"สรุป รายชื่อ" and "สรุป".

The card is computed once per run (its SQL does not grow with the number of staff) and claimed for
each recipient in the outbox under (weekly-digest, ISO week, LINE user id), with the topics of the
reminder stages it shows ("1.2:2026-02-27@7"): the deadline reminders do not push those again.
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
from models import pledge as pledges
from models.plan import IndicatorProgress, Plan, State
from models.staff import Staff

NAME = common.DIGEST  # "weekly-digest"
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
    recipients = common.digest_recipients(db)
    claimed = outbox.claimed_recipients(db, NAME, week)
    todo = [p for p in recipients if common.line_id(p) not in claimed]
    plan = plans.current(db, now)
    topics: tuple[str, ...] = ()
    if todo:
        if plan is not None:
            lines, topics = deadlines(db, plan, now)
            card = cards.digest_message(build(db, plan, now, week, budget, quota_error))
            card = cards.digest_switch_note(cards.digest_deadlines(card, lines, now.date(), reminders.DIGEST_AHEAD))
            # What a recipient still owes themselves is in their digest: they are not nudged (jobs.nudges).
            owed = followup.owed(db, plan, [p.id for p in todo], pledge=bool(pledges.current_versions(db)),
                                 proposal=any(i.measure == "proposals" for i in plan.indicators))
            variants = {topics: cards.digest_own(card, topics).to_dict() for topics in {*owed.values(), ()}}
            messages = {p.id: variants[owed.get(p.id, ())] for p in todo}
        else:  # this fiscal year has no plan in use: the coordinators hear so, and how to start it
            year = plans.fiscal_year_of(now.date())
            message = cards.no_plan_message(year, plans.of_year(db, year, plans.DRAFT) is not None,
                                            now.date()).to_dict()
            messages = {p.id: message for p in todo}
            log.warning("digest %s: FY%d has no plan in use; telling the coordinators", week, year)
        count = outbox.claim(db, NAME, week, [outbox.Draft(common.line_id(p), [messages[p.id]], staff_id=p.id,
                                                           topics=topics)
                                              for p in todo], now, expires_at=common.week_end(now))
        log.info("digest %s: claimed for %d recipient(s)", week, count)
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


def deadlines(db: Session, plan: Plan, now: datetime) -> tuple[list[cards.ReminderLine], tuple[str, ...]]:
    """The dates of the next days the digest lists, and the topics of the reminder stages it shows:
    the deadline reminders do not push those again (jobs.reminders.FOLDED, and the last days' stage
    on the digest's day)."""
    due = reminders.upcoming(db, plan, now)
    lines: list[cards.ReminderLine] = []
    for day in sorted({item.due for item, _ in due}):
        of_day = [item for item, _ in due if item.due == day]
        milestones = [item for item in of_day if item.indicator]
        if len(milestones) > 1:  # their progress is in the indicator rows: one line names them all
            codes = [item.indicator for item in milestones]
            lines.append(cards.ReminderLine(f"ตัวชี้วัด {', '.join(codes[:-1])} และ {codes[-1]}", day,
                                            "ความคืบหน้าของแต่ละตัวอยู่ในรายการตัวชี้วัดด้านล่าง", False))
            of_day = [item for item in of_day if not item.indicator]
        lines += [cards.ReminderLine(item.title, item.due, item.detail, False) for item in of_day]
    return lines, tuple(item.topic(s) for item, s in due)


def change(now: plans.Measured, before: followup.IndicatorSnapshot, kind: str) -> float:
    """Change since the snapshot; shares from the unrounded counts (33.3% → 66.7% is +33.3)."""
    if kind == "percent" and now.total and before.total:
        return 100.0 * now.done / now.total - 100.0 * before.done / before.total
    return now.value - before.value


# The subject a what-is-missing text needs to be a sentence in the digest's list of actions.
ACTION_SUBJECTS = {"channels": "ช่องทางเผยแพร่ผลงาน"}


def action(db: Session, plan: Plan, p: IndicatorProgress, today) -> str:
    """One sentence saying what would move this indicator, e.g. "ยังมีบุคลากร 14 คนที่ยังไม่รับทราบ
    ปฏิญญา (ตัวชี้วัด 1.2) กำหนด 27 ก.พ. 2569 เหลืออีก 11 วัน — อำเภอเมืองเชียงราย 9 คน, …"."""
    what, detail, when = _missing(db, plan, p, today)
    return f"{ACTION_SUBJECTS.get(p.indicator.measure, '')}{what} (ตัวชี้วัด {p.indicator.code}){when}{detail}"


def missing(db: Session, plan: Plan, p: IndicatorProgress, today) -> str:
    """What is missing for this indicator, without its code (the console's evidence page shows it
    under the indicator): "ยังมีบุคลากร 14 คนที่ยังไม่รับทราบปฏิญญา กำหนด 27 ก.พ. 2569 เหลืออีก 11 วัน — …"."""
    what, detail, when = _missing(db, plan, p, today)
    return f"{what}{when}{detail}"


def deadline_text(due, today) -> str:
    """" กำหนด 27 ก.พ. 2569 เหลืออีก 11 วัน", " ครบกำหนดวันนี้ (27 ก.พ. 2569)",
    " เลยกำหนด 27 ก.พ. 2569 มา 3 วันแล้ว"."""
    left = (due - today).days
    if left > 0:
        return f" กำหนด {thai.thai_date(due)} เหลืออีก {left} วัน"
    if left == 0:
        return f" ครบกำหนดวันนี้ ({thai.thai_date(due)})"
    return f" เลยกำหนด {thai.thai_date(due)} มา {-left} วันแล้ว"


def _missing(db: Session, plan: Plan, p: IndicatorProgress, today) -> tuple[str, str, str]:
    """(what is missing, its detail, the deadline) of an indicator not met yet."""
    measure, m = p.indicator.measure, p.measured
    upcoming = p.next
    goal = upcoming.milestone.target if upcoming is not None else p.indicator.target
    detail = ""
    if measure in PENDING_PEOPLE and (done := followup.done_query(db, plan, measure)) is not None:
        units = followup.units_pending(db, done)
        pending = sum(n for _, n in units)
        what = f"ยังมีบุคลากร {pending} คนที่{PENDING_PEOPLE[measure]}"
        if units:
            detail = " — " + ", ".join(f"{unit} {n} คน" for unit, n in units[:SHOW_UNITS])
            if len(units) > SHOW_UNITS:
                detail += f" และอีก {len(units) - SHOW_UNITS} หน่วยงาน"
    elif measure == "responsible_assigned":
        what = f"ยังมี {m.total - m.done} กิจกรรมที่ยังไม่มีผู้รับผิดชอบ"
    elif measure in EVIDENCE_ACTIONS:
        what = EVIDENCE_ACTIONS[measure](m, goal)
    elif measure == "activities_done":
        need = max(math.ceil(goal / 100 * m.total - 1e-9) - m.done, 1)
        what = f"ยังต้องดำเนินกิจกรรมอีก {need} กิจกรรมให้ถึงร้อยละ {thai.percent(goal)} ของแผน"
        detail = f" — ตอนนี้ทำแล้ว {m.done} จาก {m.total} กิจกรรม"
        # Carried out by the end of today wherever the office is (UTC midnight after it: at most a
        # few hours late, never early).
        detail += photos_missing(report.without_photos(db, plan, datetime.combine(today + timedelta(days=1), time(),
                                                                                   tzinfo=UTC)))
    elif p.indicator.target_kind == "evidence":
        what = "ยังไม่มีหลักฐาน บันทึกหลักฐานให้ครบ"
    else:
        what = (f"ตอนนี้ได้ {cards.value_text(m, p.indicator.target_kind, p.indicator.target)}"
                f" จากเป้าหมาย {cards.value_text(plans.Measured(goal), p.indicator.target_kind, goal)}")
    when = deadline_text(upcoming.due, today) if upcoming is not None else ""
    return what, detail, when


def photos_missing(titles: list[str], show: int = 2) -> str:
    """" · กิจกรรม "วันจิตอาสา" ยังไม่มีภาพ" for activities carried out without a photo (3.1's evidence)."""
    if not titles:
        return ""
    # Whole titles (the card wraps them), in quotation marks unless a title has its own.
    named = ", ".join(t if '"' in t else f'"{t}"' for t in titles[:show])
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
