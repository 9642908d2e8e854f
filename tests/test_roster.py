"""flask --app bot roster import / invites / reset."""
from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa
from openpyxl import Workbook

from models.staff import INVITE_ALPHABET, Staff
from tests.conftest import ROSTER_HEADER, count_rows, invite_code, text_of

GOOD = ROSTER_HEADER + (
    "1001,นางสาวกมลา ประสานงาน,นักวิชาการพัฒนาชุมชน,กลุ่มงานประสานฯ,coordinator\n"
    "1002,นายบุญมี ผู้อำนวยการ,พัฒนาการจังหวัด,กลุ่มงานประสานฯ,executive\n"
    "1003,นายสมชาย ใจดี,นักพัฒนาชุมชน,อำเภอแม่สาย,staff\n"
)


def people(bot) -> dict[str, Staff]:
    with bot.db.sessions() as s:
        return {p.code: p for p in s.scalars(sa.select(Staff))}


def write(tmp_path, name: str, text: str, encoding: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_import_utf8_with_and_without_bom_and_windows_874(bot, runner, tmp_path):
    for i, encoding in enumerate(("utf-8", "utf-8-sig", "cp874")):
        text = GOOD.replace("1003", f"200{i}")
        result = runner.invoke(args=["roster", "import", write(tmp_path, f"r{i}.csv", text, encoding)])
        assert result.exit_code == 0, result.output
    everyone = people(bot)
    assert everyone["2002"].name == "นายสมชาย ใจดี"  # the Windows-874 file decoded as Thai
    assert everyone["1001"].role == "coordinator" and everyone["1002"].role == "executive"
    assert {"2000", "2001", "2002"} <= set(everyone)


def test_import_xlsx_with_thai_headers_and_numeric_codes(bot, runner, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["รหัส", "ชื่อ", "ตำแหน่ง", "หน่วยงาน", "บทบาท"])
    sheet.append([3001, "นางสมศรี รักดี", "เจ้าพนักงานธุรการ", "อำเภอเมืองเชียงราย", "staff"])
    sheet.append([3002, "นายวิชัย มั่นคง", "นักพัฒนาชุมชน", "อำเภอเมืองเชียงราย", "ผู้ประสานงาน"])
    path = tmp_path / "roster.xlsx"
    book.save(path)
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    everyone = people(bot)
    assert everyone["3001"].unit == "อำเภอเมืองเชียงราย"
    assert everyone["3002"].role == "coordinator"


def test_bad_rows_import_nothing_and_name_every_line(bot, runner, tmp_path):
    bad = GOOD + (
        "1004,,นักพัฒนาชุมชน,อำเภอแม่สาย,staff\n"
        "1005,นายเอ,นักพัฒนาชุมชน,อำเภอแม่สาย,boss\n"
        "1003,นายซ้ำ,นักพัฒนาชุมชน,อำเภอแม่สาย,staff\n"
    )
    result = runner.invoke(args=["roster", "import", write(tmp_path, "bad.csv", bad, "utf-8")])
    assert result.exit_code == 1
    assert "nothing imported" in result.output
    assert "line 5: name is empty" in result.output
    assert "line 6: role 'boss'" in result.output
    assert "line 7: code '1003' repeats line 4" in result.output
    assert count_rows(bot, Staff) == 0


def test_missing_column_and_binary_file(bot, runner, tmp_path):
    result = runner.invoke(args=["roster", "import", write(tmp_path, "x.csv", "code,name\n1,ก\n", "utf-8")])
    assert result.exit_code == 1 and "line 1: missing column(s) position, unit, role" in result.output
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"code,name,position,unit,role\n\x81\x8d\xff\xfe,\x80\n")
    result = runner.invoke(args=["roster", "import", str(junk)])
    assert result.exit_code == 1 and "line 2" in result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK not really a workbook")
    result = runner.invoke(args=["roster", "import", str(broken)])
    assert result.exit_code == 1 and "cannot open the workbook" in result.output
    assert count_rows(bot, Staff) == 0


def test_reimport_updates_by_code_and_keeps_registrations(bot, runner, line, tmp_path):
    assert runner.invoke(args=["roster", "import", write(tmp_path, "a.csv", GOOD, "utf-8")]).exit_code == 0
    code = invite_code(bot, "1003")
    user = "U" + "9" * 32
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(line.say(user, f"ลงทะเบียน {code}"))
    moved = GOOD.replace("นักพัฒนาชุมชน,อำเภอแม่สาย", "นักพัฒนาชุมชนชำนาญการ,อำเภอเชียงของ")
    moved = moved.replace("1002,นายบุญมี ผู้อำนวยการ,พัฒนาการจังหวัด,กลุ่มงานประสานฯ,executive\n", "")
    result = runner.invoke(args=["roster", "import", write(tmp_path, "b.csv", moved, "utf-8")])
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output and "1002" in result.output  # named as missing, not dropped
    person = people(bot)["1003"]
    assert person.unit == "อำเภอเชียงของ" and person.line_user_id == user and person.invite_code == code
    assert people(bot)["1002"].active
    result = runner.invoke(args=["roster", "import", "--retire-missing", write(tmp_path, "c.csv", moved, "utf-8")])
    assert result.exit_code == 0 and "no longer on the roster" in result.output
    assert not people(bot)["1002"].active
    assert count_rows(bot, Staff) == 3  # retired, not deleted
    result = runner.invoke(args=["roster", "import", write(tmp_path, "d.csv", GOOD, "utf-8")])
    assert "1 back on the roster" in result.output and people(bot)["1002"].active


def test_invites_csv(bot, runner, tmp_path, line):
    runner.invoke(args=["roster", "import", write(tmp_path, "a.csv", GOOD, "utf-8")])
    result = runner.invoke(args=["roster", "invites"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["code", "name", "unit", "invite_code", "link"]
    assert len(rows) == 3 and len({r["invite_code"] for r in rows}) == 3
    for row in rows:
        assert re.fullmatch(f"[{INVITE_ALPHABET}]{{8}}", row["invite_code"])
        assert row["link"] == f"https://line.me/R/oaMessage/@testoffice/?ลงทะเบียน%20{row['invite_code']}"
    # The same codes come back next time; --unregistered leaves out who has registered.
    again = list(csv.DictReader(io.StringIO(runner.invoke(args=["roster", "invites"]).output)))
    assert [r["invite_code"] for r in again] == [r["invite_code"] for r in rows]
    line.say("U" + "8" * 32, f"ลงทะเบียน {rows[0]['invite_code']}")
    left = list(csv.DictReader(io.StringIO(runner.invoke(args=["roster", "invites", "--unregistered"]).output)))
    assert len(left) == 2 and rows[0]["code"] not in {r["code"] for r in left}


def test_reset_frees_the_registration_with_a_new_code(bot, runner, line, tmp_path):
    runner.invoke(args=["roster", "import", write(tmp_path, "a.csv", GOOD, "utf-8")])
    old = invite_code(bot, "1003")
    line.say("U" + "7" * 32, f"ลงทะเบียน {old}")
    result = runner.invoke(args=["roster", "reset", "1003"])
    assert result.exit_code == 0, result.output
    new = invite_code(bot, "1003")
    assert new != old and new in result.output
    assert people(bot)["1003"].line_user_id is None
    new_phone = "U" + "6" * 32
    assert "ไม่พบรหัสเชิญ" in text_of(line.say(new_phone, f"ลงทะเบียน {old}"))
    assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(line.say(new_phone, f"ลงทะเบียน {new}"))
    assert runner.invoke(args=["roster", "reset", "nobody"]).exit_code != 0
