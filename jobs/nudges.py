"""nudges: weekly (Monday 08:15 by default, before the digest), OFF unless switched on — by
`NUDGES=1` or `flask --app bot jobs nudges on` (the stored switch wins over the environment).

Registered staff who have not acknowledged every current pledge document, or have not proposed a
problem-to-solve / good-to-do in this plan (indicator 1.1), get one friendly Flex message with a
button that types ปฏิญญา or ความดี — except those who get the weekly digest, which tells them
instead (jobs/digest.py). At most once a week (ISO week in the outbox key, and nobody twice
within 6 days) and at most NUDGE_MAX times per person in the plan's year.

Sent by multicast: each message variant (pledge, proposal, both) in batches of up to 500, so 10,000
people with the same thing to do are 20 requests. Nudges are capped at the bot's half of the month's
quota (jobs.common.BOT_SHARE): all the bot pushed this month, the nudges and the coordinators'
PUSH_RESERVE stay within it (120 nudges a month on the free plan's 300), and they never take what
LINE says is left beyond the reserve. When the budget cannot cover the whole run, none of it is
sent and the run is recorded as held, which the weekly digest tells the coordinators; the next
month's first run sends it. Nobody is nudged in a fiscal year that has no plan in use.
"""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.line import LineClient
from jobs import cards, common, delivery
from models import followup, jobrun, outbox
from models import plan as plans
from models import pledge as pledges

NAME = "nudges"
SWITCH = "nudges"  # JobSetting name: "on" / "off"
QUIET_DAYS = 6
log = logging.getLogger("jobs.nudges")


def period(now: datetime) -> str:
    return common.week_of(now)


def enabled(db: Session, settings: Settings) -> bool:
    stored = jobrun.get_setting(db, SWITCH)
    return settings.nudges if stored is None else stored == "on"


def run(now: datetime, db: Session, line: LineClient) -> int:
    """Nudge everyone who still has something to do, or nobody if the budget cannot cover them all.
    Returns the number of people reached by this run."""
    settings = common.settings_of(line)
    now = common.local(now, settings)
    week = period(now)
    db.commit()
    if not enabled(db, settings):
        jobrun.record_run(db, NAME, week, now, "off")
        db.commit()
        log.info("nudges %s: switched off (NUDGES=1 or `flask jobs nudges on` switches them on)", week)
        return 0
    plan = plans.current(db, now)
    if plan is None:  # a fiscal year with no plan in use asks nothing of staff (the digest tells coordinators)
        year = plans.fiscal_year_of(now.date())
        jobrun.record_run(db, NAME, week, now, "nothing", detail=f"FY{year} has no plan in use")
        db.commit()
        log.info("nudges %s: FY%d has no plan in use; nobody nudged", week, year)
        return 0
    budget, quota_error = common.read_budget(line, settings)
    targets = followup.nudge_targets(
        db, NAME, plan,
        pledge=bool(pledges.current_versions(db)),
        proposal=any(i.measure == "proposals" for i in plan.indicators),
        since=_year_start(plan, now), quiet_after=now - timedelta(days=QUIET_DAYS), max_total=settings.nudge_max)
    # The weekly digest's recipients read what they still owe in it: a nudge would be a second push.
    readers = {p.id for p in common.digest_recipients(db)}
    targets = [t for t in targets if t.staff_id not in readers]
    waiting = outbox.pending_count(db, NAME, now)  # claimed by a run that did not finish
    need = len(targets) + waiting
    if need == 0:
        jobrun.record_run(db, NAME, week, now, "nothing")
        db.commit()
        return 0
    sent_before = common.sent_this_month(db, now)
    allowed = budget.for_nudges(sent_before)
    if quota_error or (allowed is not None and need > allowed):
        reason = hold_reason(budget, quota_error, sent_before if budget.share_used_up(sent_before, need) else None)
        jobrun.record_run(db, NAME, week, now, "held", planned=need, held=need, detail=reason)
        db.commit()
        log.warning("nudges %s: %d held back, none sent: %s (%s)", week, need, reason, budget.describe())
        return 0
    messages = {topics: [cards.nudge_message(topics).to_dict()] for topics in {t.topics for t in targets}}
    claimed = outbox.claim_multicast(
        db, NAME, week, [outbox.Draft(t.line_user_id, messages[t.topics], staff_id=t.staff_id, topics=t.topics)
                         for t in targets], now, expires_at=common.week_end(now))
    db.commit()
    report = delivery.deliver(db, line, now, job=NAME, budget=allowed)
    jobrun.record_run(db, NAME, week, now, "done", planned=need, sent=report.sent, held=report.held,
                      detail=report.stopped)
    db.commit()
    log.info("nudges %s: %d claimed, %d sent in %d request(s), %d held", week, claimed, report.sent,
             report.requests, report.held)
    return report.sent


def hold_reason(budget: common.Budget, quota_error: str, share_sent: int | None = None) -> str:
    """Why a nudge run was held back, in Thai (the digest shows it); `share_sent`: the bot's pushes this
    month, when it is the bot's share of the quota that is used up."""
    if quota_error or budget.quota is None:
        return "อ่านโควตาข้อความจาก LINE ไม่ได้ จึงไม่ส่งเพื่อไม่ให้เกินโควตา"
    if share_sent is not None and budget.quota.limit is not None:
        share = int(budget.quota.limit * common.BOT_SHARE)
        return (f"เดือนนี้ระบบส่งข้อความไปแล้ว {share_sent:,} ข้อความ จากส่วนที่ใช้ได้ {share:,} ข้อความ"
                f" (ครึ่งหนึ่งของโควตา {budget.quota.limit:,} อีกครึ่งเก็บไว้ให้สำนักงานใช้) "
                "จะส่งข้อความชวนอีกครั้งเมื่อขึ้นเดือนใหม่")
    remaining = budget.quota.remaining or 0
    return (f"โควตาข้อความเดือนนี้เหลือ {remaining:,} จาก {budget.quota.limit:,} "
            f"และต้องกันไว้ {budget.reserve} ข้อความสำหรับผู้ประสานงาน")


def _year_start(plan: plans.Plan, now: datetime) -> datetime:
    return datetime.combine(plan.starts_on, time(), tzinfo=now.tzinfo)
