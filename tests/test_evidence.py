"""Evidence for the indicators, recorded with `flask --app bot evidence …`: items (files, links, notes)
and the records of 2.2, 4.2, 4.3, 4.4 and 4.5; their rules; 4.2–4.5 measured from them, in the
progress rule that สรุป, the digest and the console share."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from PIL import Image

from jobs import digest
from models import evidence as proofs
from models import measures
from models import plan as plans
from models.audit import AuditEntry
from models.evidence import Evidence
from models.files import StoredFile
from models.plan import State


@pytest.fixture
def year(bot, this_year_plan) -> int:
    """The fiscal year of today, its plan in use (1 Dec 2026: FY2570, 1 Oct 2026 – 30 Sep 2027)."""
    with bot.db.sessions() as db:
        return db.get(plans.Plan, this_year_plan).fiscal_year


def ok(runner, *args: str) -> str:
    result = runner.invoke(args=["evidence", *args])
    assert result.exit_code == 0, result.output
    return result.output


def refused(runner, *args: str) -> str:
    result = runner.invoke(args=["evidence", *args])
    assert result.exit_code != 0, result.output
    return result.output


def progress_of(bot, code: str):
    with bot.db.sessions() as db:
        now = datetime.now(bot.settings.tz)
        plan = plans.current(db, now)
        (found,) = [p for p in measures.progress(db, plan, now) if p.indicator.code == code]
        return found, digest.action(db, plan, found, now.date())


def stored_items(bot) -> list[Evidence]:
    with bot.db.sessions() as db:
        return list(db.scalars(sa.select(Evidence).order_by(Evidence.id)))


def png(tmp_path, name: str = "scan.png"):
    out = io.BytesIO()
    Image.new("RGB", (6, 4), (6, 199, 85)).save(out, format="PNG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


def test_publicity_counts_distinct_channels_against_five(bot, runner, year, tmp_path):
    found, said = progress_of(bot, "4.3")
    assert found.measured.value == 0 and found.state is not State.DONE
    assert said.startswith("ช่องทางเผยแพร่ผลงานมี 0 จาก 5 ช่องทาง ยังขาดอีก 5 ช่องทาง (ตัวชี้วัด 4.3)")
    for channel in ("facebook", "website", "facebook", "line_oa"):
        ok(runner, "channel", "--channel", channel, "--link", f"https://example.org/{channel}", "--date", "2026-11-20")
    found, said = progress_of(bot, "4.3")
    assert found.measured.value == 3 and "มี 3 จาก 5 ช่องทาง ยังขาดอีก 2 ช่องทาง" in said  # facebook twice: one channel
    output = ok(runner, "channel", "--channel", "board", "--file", str(png(tmp_path, "board.png")),
                "--date", "2026-11-21")
    assert "indicator 4.3: 4 distinct channel(s): website, facebook, line_oa, board" in output
    ok(runner, "channel", "--channel", "radio", "--link", "https://example.org/radio", "--date", "2026-11-22")
    found, _ = progress_of(bot, "4.3")
    assert found.measured.value == 5 and found.state is State.DONE
    # A post of last fiscal year does not count for this one, and nothing is stored for it.
    before = len(stored_items(bot))
    assert "is outside 2026-10-01 – 2027-09-30" in refused(runner, "channel", "--channel", "tiktok", "--link",
                                                            "https://example.org/t", "--date", "2026-09-30")
    assert "'pigeon' is not one of 'website', 'facebook'" in refused(runner, "channel", "--channel", "pigeon",
                                                                      "--link", "https://example.org/p")
    assert "give a file (--file) or a link (--link)" in refused(runner, "channel", "--channel", "tiktok")
    assert "is not a web link" in refused(runner, "channel", "--channel", "tiktok", "--link", "example.org/x")
    assert len(stored_items(bot)) == before


def test_an_award_needs_its_window_and_its_scan_is_kept_byte_for_byte(bot, runner, year, tmp_path):
    scan = png(tmp_path)
    too_old = refused(runner, "award", "--issuer", "สำนักงานวัฒนธรรมจังหวัดเชียงราย", "--kind", "certificate",
                      "--file", str(scan), "--date", "2025-09-30")
    assert "older than indicator 4.2 accepts (from 2025-10-01" in too_old
    assert stored_items(bot) == []
    with bot.db.sessions() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 0  # the scan was not kept either
    output = ok(runner, "award", "--issuer", "สำนักงานวัฒนธรรมจังหวัดเชียงราย", "--kind", "certificate",
                "--file", str(scan), "--date", "2025-10-01")  # the first day of the window (FY2569 on)
    digest_hex = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert f"sha256 {digest_hex}" in output
    (item,) = stored_items(bot)
    assert (item.indicator_code, item.kind, item.record, item.title) == ("4.2", "file", "award",
                                                                         "เกียรติบัตรจากสำนักงานวัฒนธรรมจังหวัดเชียงราย")
    with bot.db.sessions() as db:
        kept = db.get(StoredFile, item.file_id)
        assert (kept.size, kept.sha256, kept.content_type) == (scan.stat().st_size, digest_hex, "image/png")
    assert (bot.settings.uploads_dir / kept.stored_name).read_bytes() == scan.read_bytes()
    found, _ = progress_of(bot, "4.2")
    assert found.measured.value == 1 and found.state is State.DONE


def test_lessons_learned_is_met_when_the_supervisor_acknowledged_it(bot, runner, year):
    _, said = progress_of(bot, "4.4")
    assert said.startswith("ยังไม่ได้บันทึกรายงานผลและการถอดบทเรียน (ตัวชี้วัด 4.4)")
    fields = ["--done", "จัดกิจกรรมตามแผน 12 กิจกรรม", "--results", "ถึงเป้าหมาย 10 จาก 12 ตัวชี้วัด",
              "--worked", "ใช้ LINE แจ้งเตือน", "--problems", "ช่วงปลายปีงานมาก", "--improvements", "เริ่มเร็วขึ้น"]
    assert "acknowledged (2026-11-20) before it was presented (2026-11-25)" in refused(
        runner, "lessons", *fields, "--sent-on", "2026-11-25", "--acknowledged-by", "นายอำนวย ผู้ใหญ่",
        "--acknowledged-on", "2026-11-20")
    ok(runner, "lessons", *fields, "--date", "2026-11-24")
    found, said = progress_of(bot, "4.4")
    assert found.measured.value == 0 and "ถอดบทเรียนแล้ว ยังไม่ได้เสนอผู้บังคับบัญชา" in said
    ok(runner, "lessons", *fields, "--date", "2026-11-25", "--sent-on", "2026-11-25")
    assert "เสนอผู้บังคับบัญชาแล้ว รอบันทึกว่าท่านทราบ" in progress_of(bot, "4.4")[1]
    ok(runner, "lessons", *fields, "--date", "2026-11-26", "--sent-on", "2026-11-25",
       "--acknowledged-by", "นายอำนวย ผู้ใหญ่", "--acknowledged-on", "2026-11-26")
    found, _ = progress_of(bot, "4.4")
    assert found.measured.value == 1 and found.state is State.DONE


def test_the_confirmation_of_no_discipline_for_the_year(bot, runner, year):
    assert progress_of(bot, "4.5")[1].startswith("ยังไม่ได้ยืนยันว่าปีนี้ไม่มีบุคลากรถูกดำเนินการทางวินัย")
    assert "is after today" in refused(runner, "confirm", "--by", "นางสาวหัวหน้า ดีงาม", "--position",
                                       "พัฒนาการจังหวัด", "--date", "2027-01-31")
    ok(runner, "confirm", "--by", "นางสาวหัวหน้า ดีงาม", "--position", "พัฒนาการจังหวัด", "--date", "2026-11-30")
    (item,) = stored_items(bot)
    assert item.note == proofs.DEFAULT_STATEMENT.format(year=year) and "พ.ศ. 2570" in item.note
    found, _ = progress_of(bot, "4.5")
    assert found.measured.value == 1 and found.state is State.DONE


def test_items_orders_listing_removing_and_the_audit_trail(bot, runner, year, tmp_path):
    ok(runner, "order", "--number", "12/2570", "--signer", "นางสาวหัวหน้า ดีงาม พัฒนาการจังหวัด",
       "--file", str(png(tmp_path, "order.png")), "--date", "2026-10-15")
    ok(runner, "add", "--indicator", "1.1", "--link", "https://example.org/workshop", "--title", "ภาพการประชุม",
       "--date", "2026-11-01")
    ok(runner, "add", "--indicator", "3.1", "--note", "จัดที่ห้องประชุมใหญ่ ผู้เข้าร่วม 40 คน")
    wrong = refused(runner, "add", "--indicator", "9.9", "--note", "x y z")
    assert "the plan has no indicator 9.9; its indicators: 1.1, 1.2" in wrong
    assert "this record belongs" not in wrong
    listed = ok(runner, "list").splitlines()
    assert [line.split("\t")[1] for line in listed] == ["1.1", "2.2", "3.1"]
    assert re.search(r"\t2\.2\t2026-10-15\tfile\tcli\tคำสั่งแต่งตั้ง.* ที่ 12/2570\tfile order\.png sha256 [0-9a-f]{64}$",
                     listed[1])
    first = listed[0].split("\t")[0]
    assert "removed evidence" in ok(runner, "remove", first)
    assert "(or it was removed already)" in refused(runner, "remove", first)
    assert [line.split("\t")[1] for line in ok(runner, "list").splitlines()] == ["2.2", "3.1"]
    assert len(stored_items(bot)) == 3  # removed, not deleted
    with bot.db.sessions() as db:
        trail = list(db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "evidence")))
    assert len(trail) == 4 and {e.source for e in trail} == {"cli"}
    assert any("removed_at" in e.changes for e in trail)


def test_nothing_is_recorded_in_a_year_without_a_plan(bot, runner):
    # The seed's plan is FY2569's; today (FY2570) has none in use.
    assert "FY2570 has no plan in use" in refused(runner, "add", "--indicator", "1.1", "--note", "บันทึก")
    assert stored_items(bot) == []


def test_the_award_window_is_a_year_before_the_fiscal_year():
    plan = plans.Plan(fiscal_year=2569, starts_on=date(2025, 10, 1), ends_on=date(2026, 9, 30))
    assert proofs.award_window(plan) == (date(2024, 10, 1), date(2026, 9, 30))


def test_whole_things_and_one_off_evidence_are_not_expected_bit_by_bit(bot, year):
    """On 2 Dec 2026, 62 of the 272 days to the 30 Jun 2027 milestone: a straight line expects 0.23 of
    an award (none is due yet: on track), 1.14 channels (one is due: behind), and a part of the lessons
    learned or of the 4.5 confirmation, which are done at once (on track until they are due)."""
    moment = datetime(2026, 12, 2, 9, 0, tzinfo=bot.settings.tz)
    with bot.db.sessions() as db:
        states = {p.indicator.code: p.state for p in measures.progress(db, plans.current(db, moment), moment)}
    assert (states["4.2"], states["4.3"], states["4.4"], states["4.5"]) == (
        State.ON_TRACK, State.BEHIND, State.ON_TRACK, State.ON_TRACK)
    late = datetime(2027, 7, 1, 9, 0, tzinfo=bot.settings.tz)
    with bot.db.sessions() as db:
        states = {p.indicator.code: p.state for p in measures.progress(db, plans.current(db, late), late)}
    assert {states[c] for c in ("4.2", "4.3", "4.4", "4.5")} == {State.OVERDUE}
