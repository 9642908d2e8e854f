"""The Excel workbook of the year (bot/documents/workbook.py): a small office scripted through the
models' own operations, written as of a moment, read back with openpyxl and compared with the
database: rows per raw sheet, a person's acknowledgment time, text that looks like a formula, what
came after the moment, and the summary against models.measures."""
from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bot.documents import workbook
from models import activity as activities
from models import evidence as proofs
from models import files, measures, nomination, roster
from models import plan as plans
from models import pledge as pledges
from models import proposal as proposals
from models.activity import Activity, CheckIn
from models.evidence import Evidence
from models.nomination import Honour, Nomination
from models.pledge import PledgeAck
from models.proposal import PlanComment, Proposal
from models.staff import Staff

BKK = ZoneInfo("Asia/Bangkok")
AT = datetime(2026, 3, 1, 12, 0, tzinfo=BKK)       # the workbook's moment: FY2569, the seed's plan
LATER = datetime(2026, 6, 30, 18, 0, tzinfo=BKK)
ROSTER = ("code,name,position,unit,role\n"
          "S001,นายสมชาย ใจดี,นักพัฒนาชุมชน,กลุ่มงานประสาน,coordinator\n"
          "S002,นางสาวสมหญิง รักดี,นักวิชาการ,กลุ่มงานส่งเสริม,staff\n"
          "S003,นายมานี มีสุข,เจ้าพนักงาน,อำเภอเมือง,staff\n"
          "S004,นางปิติ ยินดี,นักพัฒนาชุมชน,อำเภอแม่สาย,staff\n")
RAW = ("บุคลากร", "การรับทราบปฏิญญา", "ข้อเสนอ", "ความเห็นต่อแผน", "กิจกรรม", "การลงชื่อเข้าร่วม", "การเสนอชื่อ",
       "การยกย่อง", "หลักฐาน")


def at(day: str, clock: str = "09:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BKK)


@pytest.fixture
def office(bot) -> int:
    """The seed's FY2569 plan with four people, acknowledgments, proposals, a comment, check-ins, a
    nomination round with an honour and evidence, some of each after AT. The plan's id."""
    with bot.db.session() as db:
        roster.apply(db, roster.parse_bytes(ROSTER.encode()))
        plan = plans.of_year(db, 2569)
        people = {p.code: p for p in db.scalars(sa.select(Staff))}
        s1, s2, s3, s4 = (people[c] for c in ("S001", "S002", "S003", "S004"))
        (version,) = pledges.current_versions(db)
        pledges.acknowledge(db, s2, version, at("2026-02-10", "09:15"))
        pledges.acknowledge(db, s3, version, at("2026-02-20"))
        pledges.acknowledge(db, s4, version, at("2026-03-05"))  # after AT

        proposals.add(db, s2, plan.id, "=1+1", '=HYPERLINK("http://example.org","x")', "วินัย", at("2026-01-15"), None)
        late = proposals.add(db, s3, plan.id, "+มาสาย", "@มาก่อนเวลา", "วินัย", at("2026-01-16"), None)
        proposals.withdraw(db, s3, late.id, at("2026-04-01"))  # withdrawn after AT: not yet at AT
        proposals.add(db, s4, plan.id, "ทิ้งขยะไม่เป็นที่", "แยกขยะ", "จิตอาสา", at("2026-03-10"), None)  # after AT
        proposals.add_comment(db, s2, plan.id, "-ควรมีกิจกรรมจิตอาสาทุกเดือน", at("2026-01-20"))

        workshop, ceremony = (activities.by_key(db, k) for k in ("plan-workshop", "honour-ceremony"))
        activities.set_responsible(db, workshop, ["S002", "S001"])
        activities.check_in(db, workshop, s2, at("2026-01-25", "10:05"))
        activities.check_in(db, workshop, s3, at("2026-01-25", "10:10"))
        activities.walk_in(db, workshop, s4, at("2026-01-25", "10:30"), "ไม่มีโทรศัพท์", added_by=s1)
        activities.check_in(db, ceremony, s2, at("2026-03-20"))  # after AT
        activities.mark_done(workshop, at("2026-01-25", "16:00"), "จัดเวทีแล้ว", "https://example.org/workshop")

        round_ = nomination.start_round(db, at("2026-02-01"), plan_id=plan.id, by=s1)
        nomination.nominate(db, round_, s2, nomination.PERSON, "วินัย", "มาทำงานตรงเวลาทุกวันเสมอ", at("2026-02-02"),
                            nominee=s3)
        nomination.nominate(db, round_, s3, nomination.UNIT, "จิตอาสา", "ช่วยงานชุมชนทุกสัปดาห์", at("2026-03-02"),
                            unit="อำเภอแม่สาย")  # after AT
        nomination.honour(db, round_, nomination.PERSON, at("2026-02-25"), nominee=s3, virtue="วินัย", by=s1)

        cli = proofs.Recorded("cli", None, at("2026-02-05"))
        proofs.add_publicity(db, plan, "facebook", date(2026, 2, 4), cli, url="https://facebook.com/post/1")
        scan = files.add(db, "stored-scan", "เกียรติบัตร.png", "image/png", 1234, "ab" * 32, s1.id, at("2026-02-06"))
        proofs.add_award(db, plan, "สำนักงานวัฒนธรรมจังหวัดเชียงราย", "certificate", date(2026, 2, 6),
                         proofs.Recorded("console", s1.id, at("2026-02-06")), file=scan)
        proofs.add_publicity(db, plan, "website", date(2026, 3, 5), proofs.Recorded("cli", None, at("2026-03-05")),
                             url="https://example.org/news")  # after AT
        return plan.id


def written(bot, plan_id: int, moment: datetime, **options):
    out = io.BytesIO()
    with bot.db.reading() as db:
        workbook.write(db, db.get(plans.Plan, plan_id), moment, out, tz=BKK, **options)
    out.seek(0)
    return load_workbook(out)


def rows(sheet) -> list[dict]:
    """A raw sheet's rows as {heading: value}."""
    table = list(sheet.iter_rows(values_only=True))
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def counts(db, plan_id: int, moment: datetime) -> dict[str, int]:
    """What the database holds by `moment`, counted apart from models/rawdata.py."""
    def n(model, *where) -> int:
        return db.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    of_plan = sa.select(Activity.id).where(Activity.plan_id == plan_id)
    return {"บุคลากร": n(Staff),
            "การรับทราบปฏิญญา": n(PledgeAck, PledgeAck.acknowledged_at <= moment),
            "ข้อเสนอ": n(Proposal, Proposal.plan_id == plan_id, Proposal.created_at <= moment),
            "ความเห็นต่อแผน": n(PlanComment, PlanComment.plan_id == plan_id, PlanComment.created_at <= moment),
            "กิจกรรม": n(Activity, Activity.plan_id == plan_id),
            "การลงชื่อเข้าร่วม": n(CheckIn, CheckIn.activity_id.in_(of_plan), CheckIn.at <= moment),
            "การเสนอชื่อ": n(Nomination, Nomination.created_at <= moment),
            "การยกย่อง": n(Honour, Honour.honoured_at <= moment),
            "หลักฐาน": n(Evidence, Evidence.plan_id == plan_id, Evidence.recorded_at <= moment)}


def test_the_sheets_and_their_rows_are_the_database_as_of_the_moment(bot, office):
    book = written(bot, office, AT)
    with bot.db.reading() as db:
        plan = db.get(plans.Plan, office)
        codes = [i.code for i in plan.indicators]
        expected = counts(db, office, AT)
        later = counts(db, office, LATER)
    assert book.sheetnames == ["สรุป", *(f"ตัวชี้วัด {c}" for c in codes), *RAW]
    assert {name: len(rows(book[name])) for name in RAW} == expected
    assert expected != later  # the moment leaves something out
    assert {name: len(rows(written(bot, office, LATER)[name])) for name in RAW} == later
    for name in RAW:
        assert book[name].freeze_panes == "A2"
        assert all(cell.font.bold for cell in book[name][1])


def test_a_persons_acknowledgment_time_is_a_date_cell_and_a_thai_date(bot, office):
    (ack,) = [r for r in rows(written(bot, office, AT)["การรับทราบปฏิญญา"]) if r["รหัส"] == "S002"]
    assert ack["ชื่อ-สกุล"] == "นางสาวสมหญิง รักดี" and ack["ฉบับที่"] == 1
    assert ack["รับทราบเมื่อ"] == datetime(2026, 2, 10, 9, 15)  # Bangkok time, naive, as Excel keeps it
    assert ack["รับทราบเมื่อ (พ.ศ.)"] == "10 ก.พ. 2569 09:15 น."
    sheet = written(bot, office, AT, thai_digits=True)["การรับทราบปฏิญญา"]
    assert sheet["F2"].is_date and sheet["F2"].number_format == workbook.DATETIME_FORMAT
    assert sheet["G2"].value == "๑๐ ก.พ. ๒๕๖๙ ๐๙:๑๕ น."


def test_text_that_looks_like_a_formula_stays_text(bot, office):
    sheet = written(bot, office, AT)["ข้อเสนอ"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    for typed in ("=1+1", '=HYPERLINK("http://example.org","x")', "+มาสาย", "@มาก่อนเวลา"):
        assert cells[typed].data_type == "s", typed
        assert cells[typed].quotePrefix, typed
    comment = written(bot, office, AT)["ความเห็นต่อแผน"]["D2"]
    assert (comment.value, comment.data_type) == ("-ควรมีกิจกรรมจิตอาสาทุกเดือน", "s")


def test_what_came_after_the_moment_is_not_in_it(bot, office):
    book = written(bot, office, AT)
    assert [r["รหัส"] for r in rows(book["การรับทราบปฏิญญา"])] == ["S002", "S003"]
    proposed = rows(book["ข้อเสนอ"])
    assert [r["รหัส"] for r in proposed] == ["S002", "S003"]
    assert proposed[1]["ถอนเมื่อ"] is None  # withdrawn on 1 Apr: not yet on 1 Mar
    assert [r["ช่องทาง"] for r in rows(book["หลักฐาน"])] == [None, "เพจ Facebook"]  # 4.2's award, then 4.3
    assert [r["ผู้ถูกเสนอชื่อ"] for r in rows(book["การเสนอชื่อ"])] == ["นายมานี มีสุข"]
    came = rows(book["การลงชื่อเข้าร่วม"])
    assert [(r["รหัส"], r["ผู้บันทึกแทน"]) for r in came] == [("S002", None), ("S003", None),
                                                           ("S004", "นายสมชาย ใจดี")]
    done = {r["รหัสในแผน"]: r for r in rows(book["กิจกรรม"])}
    assert done["plan-workshop"]["ผู้เข้าร่วม (คน)"] == 3 and done["honour-ceremony"]["ผู้เข้าร่วม (คน)"] == 0
    assert done["plan-workshop"]["ผู้รับผิดชอบ"] == "นางสาวสมหญิง รักดี, นายสมชาย ใจดี"
    assert done["plan-workshop"]["ดำเนินการแล้วเมื่อ"] == datetime(2026, 1, 25, 16, 0)

    later = written(bot, office, LATER)
    proposed = rows(later["ข้อเสนอ"])
    assert [r["รหัส"] for r in proposed] == ["S002", "S003", "S004"]
    assert proposed[1]["ถอนเมื่อ"] == datetime(2026, 4, 1, 9, 0)
    assert {r["รหัสในแผน"]: r for r in rows(later["กิจกรรม"])}["honour-ceremony"]["ผู้เข้าร่วม (คน)"] == 1
    (award,) = [r for r in rows(later["หลักฐาน"]) if r["ตัวชี้วัด"] == "4.2"]
    assert (award["ไฟล์"], award["ขนาด (ไบต์)"], award["SHA-256"], award["หน่วยงานที่มอบ"], award["ประเภทการยกย่อง"]) == (
        "เกียรติบัตร.png", 1234, "ab" * 32, "สำนักงานวัฒนธรรมจังหวัดเชียงราย", "เกียรติบัตร")


def test_the_summary_is_what_measures_say(bot, office):
    book = written(bot, office, AT)
    with bot.db.reading() as db:
        plan = db.get(plans.Plan, office)
        found = {p.indicator.code: p for p in measures.progress(db, plan, AT)}
        kinds = {i.code: i.target_kind for i in plan.indicators}
        office_name = plan.office
        dues = [m.due for m in found["3.1"].milestones]
    summary = list(book["สรุป"].iter_rows(values_only=True))
    assert summary[1][1] == office_name
    assert summary[2][1] == 2569 and summary[3][1] == "1 มี.ค. 2569 12:00 น."
    table = {row[0]: row for row in summary[6:]}
    assert set(table) == set(kinds)
    assert {"1.1", "1.2", "3.1", "4.3"} <= set(found)
    for code, progress in found.items():
        value = table[code][2]
        assert value == pytest.approx(progress.measured.value / (100 if kinds[code] == "percent" else 1)), code
        assert table[code][4] == workbook.thai.STATE_NAMES[progress.state.value], code
        if progress.measured.total:
            assert table[code][6:8] == (progress.measured.done, progress.measured.total), code
    cell = book["สรุป"]["C" + str(7 + list(table).index("1.2"))]
    assert cell.data_type == "n" and cell.number_format == workbook.PERCENT_FORMAT
    sheet = list(book["ตัวชี้วัด 3.1"].iter_rows(values_only=True))
    assert sheet[0][0] == "ตัวชี้วัด 3.1" and sheet[4][1] == pytest.approx(found["3.1"].measured.value / 100)
    milestones = [r for r in sheet if isinstance(r[1], datetime)]
    assert [m[1].date() for m in milestones] == dues


def test_written_to_a_path_with_a_bounded_number_of_statements(bot, office, tmp_path):
    """The statements do not grow with the rows: more check-ins, the same count."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = bot.db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        with bot.db.reading() as db:
            workbook.write(db, db.get(plans.Plan, office), AT, tmp_path / "a.xlsx", tz=BKK)
        first = len(statements)
        with bot.db.session() as db:
            workshop = activities.by_key(db, "plan-workshop")
            s1 = roster_person(db, "S001")
            activities.check_in(db, workshop, s1, at("2026-01-25", "11:00"))
        statements.clear()
        with bot.db.reading() as db:
            workbook.write(db, db.get(plans.Plan, office), AT, tmp_path / "b.xlsx", tz=BKK)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == first
    assert len(rows(load_workbook(tmp_path / "b.xlsx")["การลงชื่อเข้าร่วม"])) == 4


def roster_person(db, code: str) -> Staff:
    return db.scalar(sa.select(Staff).where(Staff.code == code))
