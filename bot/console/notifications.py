"""การแจ้งเตือน: the scheduled jobs (jobs.JOBS) — when each runs, in Thai words, its next run, its
latest runs and what they sent (the outbox by status) — a preview of this week's digest card
(nothing stored), the staff nudges' switch, and this month's push quota.

The quota comes from LINE; when LINE does not answer the page says so and shows the rest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from bot import thai
from bot.config import Settings
from bot.console import common
from bot.console.pledges import flex_html
from bot.line import LineError, Quota
from jobs import JOBS, backup, cards, digest, documents, menus, nudges, reminders, retention, retry, snapshots
from jobs import common as job_common
from models import jobrun, outbox
from models import plan as plans
from models.jobrun import JobRun

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

RUNS = 10  # latest runs shown per job
DAYS = {"mon": "จันทร์", "tue": "อังคาร", "wed": "พุธ", "thu": "พฤหัสบดี", "fri": "ศุกร์", "sat": "เสาร์",
        "sun": "อาทิตย์"}


@dataclass(frozen=True)
class About:
    """What a job is, for the coordinator: its name, what it does, the outbox jobs its messages go
    under, and how its runs' numbers read."""

    title: str
    does: str = ""
    outboxes: tuple[str, ...] = ()
    reached: str = "ส่งถึง (คน)"
    held: str = "งดไว้"
    states: tuple[tuple[str, str], ...] = ()  # status → Thai, where it differs from RUN_STATES
    counts: bool = True  # False: the job sends nothing, so its runs show no columns of people reached


ABOUT = {
    digest.NAME: About("สรุปประจำสัปดาห์", "ส่งความคืบหน้าของตัวชี้วัดและสิ่งที่ควรทำต่อ ถึงผู้ประสานงานทาง LINE",
                       (digest.NAME,)),
    reminders.NAME: About("เตือนกำหนดการ", "เตือนผู้ประสานงานและผู้รับผิดชอบกิจกรรม ก่อนถึงกำหนด 14, 7, 3 และ 1 วัน "
                          "และเมื่อเลยกำหนดแล้วยังไม่ครบ", (reminders.NAME, reminders.STAFF)),
    nudges.NAME: About("ชวนบุคลากร", "ชวนผู้ที่ยังไม่รับทราบปฏิญญาหรือยังไม่เสนอความดี สัปดาห์ละไม่เกินหนึ่งครั้ง",
                       (nudges.NAME,)),
    retry.NAME: About("ส่งข้อความที่ค้างอีกครั้ง",
                      "ส่งข้อความที่ยังส่งไม่สำเร็จ (LINE ขัดข้องหรือโควตาไม่พอ) ก่อนหมดอายุ"),
    menus.NAME: About("เมนูใน LINE", "ให้ผู้ประสานงานและผู้บริหารเห็นเมนูของผู้ประสานงาน บุคลากรเห็นเมนูของบุคลากร "
                      "(ไม่ใช้โควตาข้อความ)", reached="เปลี่ยนเมนู (บัญชี)", held="ไม่สำเร็จ",
                      states=(("held", "ทำไม่ครบ"),)),
    snapshots.NAME: About("บันทึกภาพรวมตามหลักไมล์", "เมื่อผ่านวันหลักไมล์ของแผน บันทึกค่าตัวชี้วัดไว้ให้ตรวจสอบย้อนหลังได้ "
                          "(ใช้ในรายงาน ไม่ส่งข้อความ)", counts=False),
    backup.NAME: About("สำรองฐานข้อมูล", "สำรองข้อมูลทั้งหมดวันละครั้ง เก็บชุดล่าสุดไว้ตามจำนวนที่ตั้งไว้ "
                       "(ปิดอยู่จนกว่าผู้ดูแลระบบจะตั้งที่เก็บ BACKUP_DIR)", counts=False),
    documents.NAME: About("จัดทำเอกสาร", "จัดทำชุดหลักฐานที่ผู้ประสานงานขอไว้ให้เสร็จ แล้วส่งลิงก์ดาวน์โหลดทาง LINE "
                          "ถึงผู้ที่ขอทาง LINE (ไฟล์เก็บไว้ให้ดาวน์โหลด 1 วัน)", (documents.NAME,)),
    retention.NAME: About("ลบข้อมูลส่วนบุคคลตามกำหนด", "ลบชื่อ บัญชี LINE และข้อความของผู้ที่ออกจากรายชื่อครบตามจำนวนวันที่ตั้งไว้ "
                          "โดยยังนับจำนวนในรายงานได้ (ปิดอยู่จนกว่าผู้ดูแลระบบจะตั้ง RETENTION_DAYS)", counts=False),
}
RUN_STATES = {"done": ("ทำงานแล้ว", "good"), "held": ("งดส่ง", "bad"), "off": ("ปิดอยู่", ""),
              "nothing": ("ไม่มีอะไรต้องส่ง", ""),
              backup.FAILED: ("ไม่สำเร็จ", "bad")}
OUTBOX_STATES = ((outbox.SENT, "ส่งแล้ว", "good"), (outbox.PENDING, "รอส่ง", "warn"),
                 (outbox.FAILED, "ส่งไม่สำเร็จ", "bad"), (outbox.EXPIRED, "หมดอายุ", ""))
_DETAILS = (  # English details the jobs record (for the logs), in Thai
    (re.compile(r"monthly quota: (\d+) message\(s\) left for this job"),
     lambda m: f"โควตาเดือนนี้เหลือให้งานนี้ {m.group(1)} ข้อความ ส่วนที่เหลือรอส่งรอบถัดไป"),
    (re.compile(r"FY(\d+) has no plan in use"), lambda m: f"ปีงบประมาณ {m.group(1)} ยังไม่มีแผนที่ใช้อยู่"),
    (re.compile(r"LINE (\w+) \(request id [^)]*\): ?(.*)", re.S),
     lambda m: "LINE ไม่ตอบ จะลองส่งอีกครั้งในรอบถัดไป" if m.group(1) == "unreachable"
     else f"LINE ตอบกลับด้วยรหัส {m.group(1)} จะลองส่งอีกครั้งในรอบถัดไป"),
)


# -- words -----------------------------------------------------------------------------------------
def _days(text: str) -> str | None:
    """'mon' → 'วันจันทร์', 'mon,thu' → 'วันจันทร์และวันพฤหัสบดี', 'mon-fri' → 'วันจันทร์ถึงวันศุกร์'."""
    parts = []
    for item in str(text).lower().split(","):
        ends = item.split("-")
        if not all(e in DAYS for e in ends) or len(ends) > 2:
            return None
        parts.append("ถึง".join(f"วัน{DAYS[e]}" for e in ends))
    return "และ".join(parts)


def schedule_words(fields: dict[str, str | int], text: str) -> str:
    """A job's CronTrigger fields in Thai: "ทุกวันจันทร์ 08:30", "ทุกวัน 08:00", "ทุก 15 นาที"."""
    minute, hour = str(fields.get("minute", "*")), str(fields.get("hour", "*"))
    day, month = str(fields.get("day", "*")), str(fields.get("month", "*"))
    weekday = str(fields.get("day_of_week", "*"))
    if day == month == "*":
        every = re.fullmatch(r"\*/(\d+)", minute)
        if every and hour == "*" and weekday == "*":
            return "ทุกนาที" if every.group(1) == "1" else f"ทุก {every.group(1)} นาที"
        if minute.isdigit() and hour.isdigit():
            clock = f"{int(hour):02d}:{int(minute):02d} น."
            if weekday == "*":
                return f"ทุกวัน เวลา {clock}"
            days = _days(weekday)
            if days:
                return f"ทุก{days} เวลา {clock}"
    return f"ตามตารางเวลา \"{text}\""


def period_words(job: str, period: str) -> str:
    """"2026-W49" → "สัปดาห์ 30 พ.ย. – 6 ธ.ค. 2569"; "2026-12-01" → "1 ธ.ค. 2569"."""
    try:
        if "-W" in period:
            monday = datetime.strptime(period + "-1", "%G-W%V-%u").date()
            sunday = monday + timedelta(days=6)
            return f"สัปดาห์ {thai.thai_date(monday)} – {thai.thai_date(sunday)}"
        return thai.thai_date(date.fromisoformat(period[:10]))
    except ValueError:
        return period


def detail_words(detail: str) -> str:
    for pattern, words in _DETAILS:
        found = pattern.fullmatch(detail.strip())
        if found:
            return words(found)
    return detail


# -- reading ---------------------------------------------------------------------------------------
@dataclass
class JobView:
    name: str
    about: About
    schedule: str
    next_run: datetime | None
    problem: str = ""
    runs: list[tuple[JobRun, dict[str, int]]] = field(default_factory=list)
    records: bool = True  # the job records its runs


def _next_run(fields: dict[str, str | int], settings: Settings, now: datetime) -> datetime | None:
    fire: datetime | None = CronTrigger(timezone=settings.tz, **fields).get_next_fire_time(None, now)
    return fire


def _jobs(db: Any, settings: Settings, now: datetime) -> list[JobView]:
    """Every job with its schedule and latest runs; the outbox counted in one statement for all."""
    recent = jobrun.recent_runs(db, list(JOBS), RUNS)
    names = [n for about in ABOUT.values() for n in about.outboxes]
    periods = [r.period for runs in recent.values() for r in runs]
    counts = outbox.period_counts(db, names, periods)
    found = []
    for name, job in JOBS.items():
        about = ABOUT.get(name, About(name, outboxes=(name,)))
        try:
            fields = job.schedule(settings)
            view = JobView(name, about, schedule_words(fields, job.schedule_text(settings)),
                           _next_run(fields, settings, now))
        except (job_common.ScheduleError, ValueError) as exc:
            view = JobView(name, about, job.schedule_text(settings), None,
                           problem=f"ตั้งเวลาไม่ถูกต้อง ({exc}) งานนี้จะไม่ทำงานจนกว่าจะแก้ค่า {job.setting.upper()}")
        for run in recent.get(name, []):
            sent: dict[str, int] = {}
            for outbox_job in about.outboxes:
                for status, count in counts.get((outbox_job, run.period), {}).items():
                    sent[status] = sent.get(status, 0) + count
            view.runs.append((run, sent))
        view.records = name != retry.NAME
        found.append(view)
    return found


@dataclass(frozen=True)
class QuotaView:
    quota: Quota | None
    problem: str
    reserve: int

    @property
    def percent(self) -> float:
        if self.quota is None or not self.quota.limit:
            return 0.0
        return min(100.0, 100.0 * self.quota.used / self.quota.limit)

    @property
    def for_staff(self) -> int | None:
        return job_common.Budget(self.quota, self.reserve).for_staff


def _quota() -> QuotaView:
    bot = common.bot()
    try:
        return QuotaView(bot.line.quota(), "", bot.settings.push_reserve)
    except LineError as exc:
        problem = ("ขณะนี้อ่านโควตาข้อความจาก LINE ไม่ได้ (LINE ไม่ตอบ)" if not exc.status
                   else f"ขณะนี้อ่านโควตาข้อความจาก LINE ไม่ได้ (LINE ตอบกลับด้วยรหัส {exc.status})")
        return QuotaView(None, problem + " ระหว่างนี้งานที่ส่งถึงบุคลากรจะงดส่งไว้ก่อนเพื่อไม่ให้เกินโควตา",
                         bot.settings.push_reserve)


def _digest_preview(db: Any, now: datetime, quota: QuotaView) -> dict[str, Any]:
    """This week's digest card as its recipients (coordinators, and executives who asked for it) will
    get it, with the deadlines folded in; no snapshot is stored."""
    plan = plans.current(db, now)
    recipients = len(job_common.digest_recipients(db))
    if plan is None:
        return {"card": None, "year": plans.fiscal_year_of(now.date()), "recipients": recipients}
    budget = job_common.Budget(quota.quota, quota.reserve)
    built = digest.build(db, plan, now, digest.period(now), budget, quota.problem, store=False)
    lines, _ = digest.deadlines(db, plan, now)
    message = cards.digest_switch_note(cards.digest_deadlines(cards.digest_message(built), lines, now.date(),
                                                              reminders.DIGEST_AHEAD))
    card: Markup = flex_html(message.to_dict())
    return {"card": card, "year": plan.fiscal_year, "recipients": recipients}


@bp.get("/")
def index() -> str:
    db = common.reading()
    settings = common.bot().settings
    now = common.now()
    quota = _quota()
    stored = jobrun.get_setting(db, nudges.SWITCH)
    return render_template(
        "console/notifications/index.html", jobs=_jobs(db, settings, now), now=now, quota=quota,
        digest=_digest_preview(db, now, quota), run_states=RUN_STATES, outbox_states=OUTBOX_STATES,
        period_words=period_words, detail_words=detail_words, waiting=outbox.pending_total(db, now),
        nudges_on=nudges.enabled(db, settings), nudges_stored=stored, nudges_default=settings.nudges,
        nudge_max=settings.nudge_max, push_reserve=settings.push_reserve)


# -- the nudges' switch ----------------------------------------------------------------------------
@bp.post("/nudges")
def switch_nudges() -> BaseResponse:
    """On, off, or back to the server's default (NUDGES)."""
    value = request.form.get("value", "")
    if value not in ("on", "off", "default"):
        abort(400)
    with common.writing() as db:
        if value == "default":
            jobrun.clear_setting(db, nudges.SWITCH)
        else:
            jobrun.set_setting(db, nudges.SWITCH, value, common.now())
        on = nudges.enabled(db, common.bot().settings)
    state = "เปิด" if on else "ปิด"
    if value == "default":
        flash(f"กลับไปใช้ค่าเริ่มต้นของเซิร์ฟเวอร์แล้ว ขณะนี้การชวนบุคลากร{state}อยู่", "success")
    elif on:
        flash("เปิดการชวนบุคลากรแล้ว ระบบจะส่งข้อความชวนในรอบถัดไป ภายใต้โควตาที่เหลือ", "success")
    else:
        flash("ปิดการชวนบุคลากรแล้ว ระบบจะไม่ส่งข้อความชวนจนกว่าจะเปิดอีกครั้ง", "success")
    return redirect(url_for(".index") + "#nudges")
