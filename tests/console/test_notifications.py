"""The console's การแจ้งเตือน page: each job's schedule in Thai, its next run, its latest runs and
what they sent; this week's digest previewed without storing its snapshot; the nudges' switch; the
push quota, and a LINE that does not answer."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger

from bot import thai
from bot.console.notifications import period_words, schedule_words
from bot.fakeline import QUOTA
from jobs import JOBS, backup, digest, nudges, reminders, retention, snapshots
from jobs.common import parse_cron
from models import jobrun, outbox
from models.audit import AuditEntry
from models.followup import IndicatorSnapshot
from models.outbox import OutboxMessage
from tests.conftest import count_rows
from tests.support import text_of_page

PAGE = "/console/notifications/"


def section(response, job: str) -> str:
    """The visible text of one job's block."""
    html = response.get_data(as_text=True)
    block = html.split(f'id="job-{job}"', 1)[1].split("</article>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def run_job(bot, name: str, now: datetime) -> int:
    with bot.db.sessions() as db:
        return JOBS[name].run(now, db, bot.line)


def test_each_job_with_its_schedule_in_thai_and_its_next_run(bot, console):
    def expected() -> dict[str, str]:
        now = datetime.now(bot.settings.tz)
        return {name: thai.thai_datetime(CronTrigger(timezone=bot.settings.tz, **job.schedule(bot.settings))
                                         .get_next_fire_time(None, now)) for name, job in JOBS.items()}

    before = expected()
    page = console.get(PAGE)
    after = expected()
    assert page.status_code == 200
    words = {digest.NAME: "ทุกวันจันทร์ เวลา 08:30 น.", reminders.NAME: "ทุกวัน เวลา 08:00 น.",
             nudges.NAME: "ทุกวันจันทร์ เวลา 08:15 น.", "outbox-retry": "ทุก 15 นาที"}
    for name, word in words.items():
        text = section(page, name)
        assert f"เวลา {word}" in text, (name, text)
        assert f"ครั้งถัดไป {before[name]}" in text or f"ครั้งถัดไป {after[name]}" in text, (name, text)
    assert "ยังไม่เคยทำงาน" in section(page, digest.NAME)


def test_schedules_and_periods_in_words():
    assert schedule_words(parse_cron("mon,thu 08:30"), "") == "ทุกวันจันทร์และวันพฤหัสบดี เวลา 08:30 น."
    assert schedule_words(parse_cron("mon-fri 7:05"), "") == "ทุกวันจันทร์ถึงวันศุกร์ เวลา 07:05 น."
    assert schedule_words(parse_cron("30 8 * * sun"), "") == "ทุกวันอาทิตย์ เวลา 08:30 น."
    assert schedule_words(parse_cron("0 9 1 * *"), "0 9 1 * *") == "ตามตารางเวลา \"0 9 1 * *\""
    assert period_words(digest.NAME, "2026-W49") == "สัปดาห์ 30 พ.ย. 2569 – 6 ธ.ค. 2569"
    assert period_words(reminders.NAME, "2026-12-01") == "1 ธ.ค. 2569"


def test_the_latest_runs_and_what_they_sent(bot, console, register, line_api, this_year_plan):
    now = datetime.now(bot.settings.tz)
    assert run_job(bot, digest.NAME, now) == 1  # to C01, who signed in from LINE
    register("S01")
    assert console.post("/console/notifications/nudges", {"value": "on"}).status_code == 302
    line_api.quota_limit = 20  # less than the 30 kept for coordinators: nudges are held
    assert run_job(bot, nudges.NAME, now) == 0
    day = now.date() - timedelta(days=30)
    with bot.db.session() as db:
        for i in range(12):
            jobrun.record_run(db, reminders.NAME, (day + timedelta(days=i)).isoformat(),
                              now - timedelta(days=30 - i), "done", planned=2, sent=1)
        last = (day + timedelta(days=11)).isoformat()
        drafts = [outbox.Draft(f"U{i:032d}", [{"type": "text", "text": "เตือน"}]) for i in range(3)]
        outbox.claim(db, reminders.STAFF, last, drafts, now, expires_at=now + timedelta(days=1))
        db.execute(sa.update(OutboxMessage).where(OutboxMessage.recipient == drafts[0].recipient)
                   .values(status=outbox.FAILED))

    page = console.get(PAGE)
    sent = section(page, digest.NAME)
    assert f"{period_words(digest.NAME, digest.period(now))} " in sent
    assert re.search(r"ทำงานแล้ว ส่งถึง \(คน\) 1 งดไว้ - ส่งแล้ว 1", sent), sent
    held = section(page, nudges.NAME)
    assert "งดส่ง" in held and "โควตาข้อความเดือนนี้เหลือ 19 จาก 20" in held and "กันไว้ 30 ข้อความ" in held
    runs = section(page, reminders.NAME)
    shown = [thai.thai_date(day + timedelta(days=i)) for i in range(12)]
    assert all(f" {d} " in f" {runs} " for d in shown[2:]) and f" {shown[0]} " not in f" {runs} "
    assert len(re.findall(r"ทำงานแล้ว", runs)) == 10  # the latest ten
    assert re.search(rf"{re.escape(shown[11])} .*? รอส่ง 2 ส่งไม่สำเร็จ 1", runs), runs
    assert "มีข้อความรอส่ง 2 ข้อความ" in text_of_page(page)


def test_jobs_that_send_nothing_read_in_thai_and_a_failed_backup_says_so(bot, console):
    now = datetime.now(bot.settings.tz)
    with bot.db.session() as db:
        jobrun.record_run(db, backup.NAME, backup.period(now), now, backup.FAILED, planned=1,
                          detail="สำรองฐานข้อมูลไม่สำเร็จ: pg_dump not found")
    page = console.get(PAGE)
    titles = {snapshots.NAME: "บันทึกภาพรวมตามหลักไมล์", backup.NAME: "สำรองฐานข้อมูล",
              retention.NAME: "ลบข้อมูลส่วนบุคคลตามกำหนด"}
    for name, title in titles.items():
        text = section(page, name)
        assert title in text and name not in text.replace(f"job-{name}", ""), (name, text)
        assert "ส่งถึง (คน)" not in text, (name, text)  # they send nothing: no columns of people reached
    failed = section(page, backup.NAME)
    assert re.search(r"ไม่สำเร็จ สำรองฐานข้อมูลไม่สำเร็จ: pg_dump not found", failed), failed
    assert "failed" not in failed


def test_the_digest_preview_stores_no_snapshot(bot, console, this_year_plan):
    page = console.get(PAGE)
    html = page.get_data(as_text=True).split('id="digest"', 1)[1]
    assert "lb-bubble-flex" in html and "สรุปประจำสัปดาห์" in html and "ปีงบประมาณ 2570" in html
    assert "ยังไม่ได้ส่งและไม่ได้บันทึก" in text_of_page(page)
    assert count_rows(bot, IndicatorSnapshot) == 0
    run_job(bot, digest.NAME, datetime.now(bot.settings.tz))  # the job itself does store them
    assert count_rows(bot, IndicatorSnapshot) > 0


def test_without_a_plan_for_this_year_the_page_says_so(bot, console):
    text = text_of_page(console.get(PAGE))
    assert "ปีงบประมาณ 2570 ยังไม่มีแผนที่ใช้อยู่" in text
    assert count_rows(bot, IndicatorSnapshot) == 0


def test_the_nudges_switch(bot, console):
    page = text_of_page(console.get(PAGE))
    assert "ขณะนี้: ปิด (ตามค่าเริ่มต้นของเซิร์ฟเวอร์)" in page
    assert "ชวนคนละไม่เกิน 3 ครั้งต่อปีงบประมาณ" in page and "เหลือไว้ 30 ข้อความสำหรับผู้ประสานงาน" in page

    def stored() -> tuple[str | None, bool]:
        with bot.db.sessions() as db:
            return jobrun.get_setting(db, nudges.SWITCH), nudges.enabled(db, bot.settings)

    assert console.post("/console/notifications/nudges", {"value": "on"}).status_code == 302
    assert stored() == ("on", True)
    assert "ขณะนี้: เปิด (ตั้งไว้ที่นี่หรือด้วยคำสั่งบนเซิร์ฟเวอร์)" in text_of_page(console.get(PAGE))
    console.post("/console/notifications/nudges", {"value": "off"})
    assert stored() == ("off", False)
    console.post("/console/notifications/nudges", {"value": "default"})
    assert stored() == (None, False)
    assert console.post("/console/notifications/nudges", {"value": "maybe"}).status_code == 400
    with bot.db.sessions() as db:
        trail = [(e.action, e.source, e.changes.get("value")) for e in db.scalars(
            sa.select(AuditEntry).where(AuditEntry.entity == "job_settings").order_by(AuditEntry.id))]
    assert trail == [("create", "console", [None, "on"]), ("update", "console", ["on", "off"]),
                     ("delete", "console", ["off", None])]


def test_the_quota_and_a_line_that_does_not_answer(bot, console, line_api, this_year_plan):
    line_api.quota_used = 120
    text = text_of_page(console.get(PAGE))
    assert "180 ข้อความคงเหลือ จาก 300 (ใช้ไป 120)" in text and "เหลือให้ส่งถึงบุคลากร 150 ข้อความ" in text

    line_api.fail_next(QUOTA, 500, times=10)
    page = console.get(PAGE)
    text = text_of_page(page)
    assert page.status_code == 200
    assert "ขณะนี้อ่านโควตาข้อความจาก LINE ไม่ได้ (LINE ตอบกลับด้วยรหัส 500)" in text
    assert "ทุกวันจันทร์ เวลา 08:30 น." in text  # the rest of the page is there
    assert "อ่านโควตาข้อความจาก LINE ไม่ได้" in page.get_data(as_text=True).split('id="digest"', 1)[1]


def test_executives_read_but_cannot_switch(bot, executive_console):
    page = executive_console.get(PAGE)
    assert page.status_code == 200 and "สรุปประจำสัปดาห์" in text_of_page(page)
    assert "เปิดการชวน" not in text_of_page(page)
    assert executive_console.post("/console/notifications/nudges", {"value": "on"}).status_code == 403
    with bot.db.sessions() as db:
        assert jobrun.get_setting(db, nudges.SWITCH) is None


def test_anonymous_and_forged_requests_are_refused(bot, anonymous, console):
    response = anonymous.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/signin")
    assert anonymous.post("/console/notifications/nudges", {"value": "on"}, csrf=False).status_code == 401
    assert console.post("/console/notifications/nudges", {"value": "on"}, csrf=False).status_code == 400
    with bot.db.sessions() as db:
        assert jobrun.get_setting(db, nudges.SWITCH) is None


def test_the_digest_preview_counts_the_executives_who_asked_for_it(bot, console, line, executive_user,
                                                                  this_year_plan):
    """The preview is of the card its recipients get: the coordinator, and an executive once they ask
    for it in LINE (รับสรุป); with the next days' dates folded in, as the job sends it."""
    before = text_of_page(console.get(PAGE))
    assert "ผู้รับสรุป 1 คน" in before
    line.say(executive_user, "รับสรุป")
    after = console.get(PAGE)
    assert "ผู้รับสรุป 2 คน" in text_of_page(after)
    html = after.get_data(as_text=True).split('id="digest"', 1)[1]
    assert "ไม่รับสรุป" in html  # the switch note the job adds to every digest
