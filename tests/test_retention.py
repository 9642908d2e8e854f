"""PDPA retention (models/retention.py, jobs/retention.py): RETENTION_DAYS after someone left the
roster, their name, LINE id and what they wrote are erased, every report of the past still adds up
(the measures, the tables, the tallies, the milestone snapshots verify), the job is idempotent and
records what it erased; off by default. Leaving the roster is dated (migration 0014)."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from bot import uploads
from bot.line import LineClient
from jobs import JOBS
from jobs import retention as job
from models import activity as activities
from models import conversation, jobrun, measures, nomination, outbox, rawdata, retention, tally
from models import evidence as proofs
from models import files as stored
from models import plan as plans
from models import pledge as pledges
from models import proposal as proposals
from models import report as reports
from models import snapshot as snapshots
from models import staff as people
from models.activity import CheckIn
from models.audit import AuditEntry
from models.console import ConsoleSession
from models.nomination import Nomination
from models.outbox import OutboxMessage
from models.proposal import PlanComment, Proposal
from models.staff import RegistrationFailure, Staff
from models.webhook_event import WebhookEvent
from models.webhook_event import record as record_event
from tests.jobs.conftest import at, link, user_of

REASON = "ช่วยเหลือเพื่อนร่วมงานเสมอ และอาสาทำงานส่วนรวมโดยไม่ต้องมีใครขอ"
LEFT = at(2026, 4, 1, 9)


def jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def person(db, code: str) -> Staff:
    found = people.by_code(db, code)
    assert found is not None
    return found


@pytest.fixture
def year(office, settings):
    """A year of the office in FY2569: everyone registered; S01 acknowledged, proposed, commented,
    checked in at a place, nominated and was nominated, sent two photos (one kept as evidence), has a
    conversation open, pushes and a digest naming them; a milestone snapshot of 27 Feb 2569 taken;
    then S01 left the roster on 1 Apr 2569. Returns the paths of the two photos."""
    link(office, ["C01", "E01", "S01", "S02", "S03", "S04"])
    s01 = user_of("S01")
    with office.db.session() as db:
        plan = plans.of_year(db, 2569, plans.ACTIVE)
        c01, s01_, s02, s03 = (person(db, c) for c in ("C01", "S01", "S02", "S03"))
        (version,) = pledges.current_versions(db)
        for who in (s01_, s02, s03):
            pledges.acknowledge(db, who, version, at(2026, 2, 2))
        proposals.add(db, s01_, plan.id, "เอกสารค้างบนโต๊ะของสมชายเอง", "จัดแฟ้มทุกเย็นวันศุกร์", "วินัย",
                      at(2026, 2, 3), None)
        proposals.add(db, s02, plan.id, "ประชุมเริ่มช้า", "เริ่มตรงเวลา", "วินัย", at(2026, 2, 3), None)
        proposals.add_comment(db, s01_, plan.id, "ผมเห็นว่าควรเพิ่มกิจกรรมจิตอาสา", at(2026, 2, 4))
        event = activities.of_plan(db, plan.id)[0]
        activities.check_in(db, event, s01_, at(2026, 2, 5), latitude=19.91, longitude=99.84)
        activities.check_in(db, event, s02, at(2026, 2, 5))
        round_ = nomination.start_round(db, at(2026, 2, 1), plan_id=plan.id)
        nomination.nominate(db, round_, s02, nomination.PERSON, "จิตอาสา", REASON, at(2026, 2, 6), nominee=s01_)
        nomination.nominate(db, round_, s01_, nomination.PERSON, "วินัย", REASON, at(2026, 2, 6), nominee=s03)
        conversation.begin(db, s01, "proposal", "good", {"problem": "ข้อความที่ยังพิมพ์ไม่จบ"}, at(2026, 3, 30))
        record_event(db, "01JEVENTS01", "message", s01, "active", False, at(2026, 3, 30))
        db.add(RegistrationFailure(line_user_id=s01, code_tried="WRONG123", at=at(2026, 1, 4)))
        db.add(ConsoleSession(token_hash="h" * 64, staff_id=s01_.id, created_at=at(2026, 3, 1),
                              last_seen_at=at(2026, 3, 1), expires_at=at(2026, 3, 8), user_agent="Mozilla"))
        outbox.claim(db, "deadline-reminders-staff", "2026-03-31", [outbox.Draft(
            s01, [{"type": "text", "text": "คุณสมชาย กิจกรรมของท่านใกล้ถึงกำหนด"}], staff_id=s01_.id)],
            at(2026, 3, 31), at(2026, 4, 1))
        outbox.claim(db, "weekly-digest", "2026-W14", [outbox.Draft(
            user_of("C01"), [{"type": "text", "text": "ส่งข้อความถึง นายสมชาย ใจดี ไม่สำเร็จ"}], staff_id=c01.id)],
            at(2026, 3, 30), at(2026, 3, 31))
        paths = []
        for colour in ("red", "blue"):
            saved = uploads.save(settings.uploads_dir, jpeg(colour))
            row = stored.add(db, saved.stored_name, "photo.jpg", saved.content_type, saved.size, saved.sha256, s01_.id,
                             at(2026, 2, 5), activity_id=event.id, purpose=stored.CHECKIN_PHOTO)
            paths.append(settings.uploads_dir / saved.stored_name)
        proofs.attach_file(db, plan, "3.1", row, f"ภาพกิจกรรมจาก{s01_.name}", date(2026, 2, 5),
                           proofs.Recorded("console", c01.id, at(2026, 2, 6)), activity_id=event.id)
        snapshots.take(db, plan, date(2026, 2, 27), at(2026, 2, 28, 0, 10), office.settings.tz)
        assert people.set_active(db, s01_, False)
        assert s01_.left_at is not None  # dated when it happened …
        s01_.left_at = LEFT               # … and, for this test, on 1 Apr 2569
    return paths


def figures(bot) -> dict:
    """Every count a report of the year makes, at two moments (before and after S01 left)."""
    with bot.db.sessions() as db:
        plan = plans.of_year(db, 2569, plans.ACTIVE)
        round_ = nomination.rounds(db)[0]
        found = {}
        for moment in (at(2026, 3, 31, 23), at(2026, 6, 30, 23)):
            table = reports.proposal_table(db, plan, moment)
            comments = reports.plan_comments(db, plan, moment)
            found[moment] = {
                "progress": [(p.indicator.code, p.measured.value if p.measured else None, p.state.value)
                             for p in measures.progress(db, plan, moment)],
                "proposals": (len(table.rows), table.per_virtue, table.people, table.headcount),
                "comments": (len(comments.comments), comments.people, comments.per_unit),
                "attendance": [(a.id, n) for a, n in activities.attendance_per_activity(db, plan.id)],
                "rows": [len(list(rawdata.roster(db, moment))), len(list(rawdata.acknowledgments(db, moment))),
                         len(list(rawdata.proposals(db, plan, moment))), len(list(rawdata.checkins(db, plan, moment))),
                         len(list(rawdata.nominations(db, plan, moment)))],
            }
        tallied = nomination.tally(db, round_)
        found["tally"] = (tallied.nominators, tallied.nominations, len(tallied.overall.people))
        (version,) = pledges.current_versions(db)
        found["tallies"] = tally.read(db, tally.STAFF_ACTIVE, tally.pledge_acks(version.id))
        found["audit"] = db.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        return found


def run(bot, now, days: int | None) -> int:
    line = LineClient(bot.settings.replace(retention_days=days))
    try:
        with bot.db.sessions() as db:
            return JOBS[job.NAME].run(now, db, line)
    finally:
        line.close()


def test_leaving_the_roster_is_dated_and_coming_back_clears_it(office):
    with office.db.session() as db:
        s01 = person(db, "S01")
        assert s01.left_at is None
        people.set_active(db, s01, False)
        assert s01.left_at is not None
        people.set_active(db, s01, True)
        assert s01.left_at is None


def test_off_by_default_and_nobody_before_their_time(office, year):
    assert office.settings.retention_days is None
    assert run(office, at(2027, 6, 1), None) == 0
    run(office, at(2026, 4, 30), 30)  # 29 days after S01 left
    with office.db.sessions() as db:
        assert person(db, "S01").erased_at is None
        assert jobrun.run_of(db, job.NAME, "2026-04-30") is None


def test_erasure_keeps_every_count_and_takes_the_personal_data(office, year, settings):
    kept_photo, erased_photo = year[1], year[0]  # the blue one is evidence
    before = figures(office)
    with office.db.sessions() as db:
        s01_id = person(db, "S01").id
    assert run(office, at(2026, 5, 2, 3, 30), 30) == 0

    assert figures(office) == before  # the measures, the tables, the raw data, the tallies, the audit trail
    with office.db.sessions() as db:
        plan = plans.of_year(db, 2569, plans.ACTIVE)
        assert snapshots.verify(db, plan, office.settings.tz) == []  # the snapshot still matches its records
        s01 = db.get(Staff, s01_id)
        assert (s01.name, s01.code, s01.position, s01.line_user_id, s01.invite_code) == (
            retention.ERASED_NAME, f"erased-{s01_id}", "", None, None)
        assert s01.unit == "กลุ่มงานประสานฯ" and s01.erased_at is not None and not s01.active
        assert people.by_code(db, "S01") is None
        assert {p.problem for p in db.scalars(sa.select(Proposal).where(Proposal.staff_id == s01_id))} == {
            retention.ERASED_TEXT}
        assert db.scalar(sa.select(Proposal.problem).where(Proposal.staff_id != s01_id)) == "ประชุมเริ่มช้า"
        assert db.scalar(sa.select(PlanComment.text).where(PlanComment.staff_id == s01_id)) == retention.ERASED_TEXT
        assert set(db.scalars(sa.select(Nomination.reason))) == {retention.ERASED_TEXT}  # by them and of them
        checkin = db.scalar(sa.select(CheckIn).where(CheckIn.staff_id == s01_id))
        assert (checkin.latitude, checkin.longitude) == (None, None) and checkin.at is not None
        s01_line = user_of("S01")
        assert conversation.current(db, s01_line) is None
        assert db.scalar(sa.select(WebhookEvent).where(WebhookEvent.webhook_event_id == "01JEVENTS01")).line_user_id \
            is None
        assert db.scalar(sa.select(sa.func.count()).select_from(RegistrationFailure)) == 0
        assert db.scalar(sa.select(sa.func.count()).select_from(ConsoleSession)) == 0
        theirs = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.job == "deadline-reminders-staff"))
        assert theirs.recipient != s01_line and theirs.messages is None and theirs.status == outbox.EXPIRED
        digest = db.scalar(sa.select(OutboxMessage).where(OutboxMessage.job == "weekly-digest"))
        assert digest.messages[0]["text"] == f"ส่งข้อความถึง {retention.ERASED_NAME} ไม่สำเร็จ"
        assert [f.purpose for f in db.scalars(sa.select(stored.StoredFile))] == [stored.CHECKIN_PHOTO]
        assert not erased_photo.exists() and kept_photo.exists()
        record = jobrun.run_of(db, job.NAME, "2026-05-02")
        assert (record.status, record.planned) == ("done", 1)
        assert record.detail.startswith("ลบข้อมูลส่วนบุคคลของผู้ที่ออกจากสำนักงานเกิน 30 วัน 1 คน (")
        assert "ข้อเสนอ 1 รายการ" in record.detail and "เหตุผลการเสนอชื่อ 2 รายการ" in record.detail
        assert "สมชาย" not in str(reports.proposal_table(db, plan, at(2026, 3, 31, 23)).rows)

    run(office, at(2026, 5, 2, 9), 30)  # the clock's catch-up, a second clock: nothing more
    run(office, at(2026, 5, 3, 3, 30), 30)
    assert figures(office) == before
    with office.db.sessions() as db:
        assert jobrun.run_of(db, job.NAME, "2026-05-02").planned == 1
        assert jobrun.run_of(db, job.NAME, "2026-05-03") is None
        assert retention.due(db, at(2027, 1, 1), 30) == []


def test_someone_back_on_the_roster_is_kept(office, year):
    with office.db.session() as db:
        people.set_active(db, person(db, "S01"), True)
    run(office, at(2026, 6, 1), 30)
    with office.db.sessions() as db:
        assert person(db, "S01").name == "นายสมชาย ใจดี"


def test_the_job_is_in_the_table_and_daily(settings):
    entry = JOBS[job.NAME]
    assert entry.schedule(settings) == {"hour": 3, "minute": 30}
    assert entry.period(at(2026, 5, 2, 3, 30)) == "2026-05-02"
    assert retention.erase(None, Staff(erased_at=at(2026, 1, 1)), at(2026, 5, 2)).people == 0  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        retention.erase(None, Staff(active=True), at(2026, 5, 2))  # type: ignore[arg-type]
    assert timedelta(days=30) < at(2026, 5, 2) - LEFT


def test_the_welcome_says_how_long_data_is_kept_and_whom_to_ask(line, settings):
    from handlers import registration
    from tests.conftest import text_of

    text = text_of(line.follow("U" + "7" * 32))
    assert "เก็บไว้ตลอดที่ท่านเป็นบุคลากรของสำนักงาน และตามระยะเวลาที่สำนักงานเก็บรักษาเอกสาร" in text
    assert "ขอดู ขอสำเนา แก้ไข หรือลบข้อมูล กรุณาติดต่อผู้ประสานงานของสำนักงาน" in text
    notice = registration.privacy(settings.replace(retention_days=365))
    assert "และจะลบชื่อ บัญชี LINE และข้อความที่ท่านเขียน ภายใน 365 วันหลังท่านออกจากสำนักงาน" in notice
    assert "{" not in notice and "ตามระยะเวลาที่สำนักงานเก็บรักษา" not in notice
