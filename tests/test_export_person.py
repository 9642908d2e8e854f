"""`flask --app bot roster export-person CODE [--out FILE]`: everything kept about one person, as
UTF-8 JSON (the PDPA's right of access), never who nominated them nor a sign-in token."""
from __future__ import annotations

import json

import sqlalchemy as sa

from models import audit
from models.staff import Staff
from tests.jobs.conftest import user_of
from tests.test_retention import person, run, year  # noqa: F401  (the year fixture)


def export(runner, code: str) -> dict:
    result = runner.invoke(args=["roster", "export-person", code])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_everything_kept_about_a_person(office, year, runner):  # noqa: F811
    with office.db.session() as db:  # a coordinator's change in the console: in the audit trail
        c01 = person(db, "C01")
        audit.act_as(db, audit.person(c01, "console"))
        person(db, "S01").position = "นักพัฒนาชุมชนปฏิบัติการ"
    result = runner.invoke(args=["roster", "export-person", "S01"])
    assert result.exit_code == 0, result.output
    assert "นายสมชาย ใจดี" in result.output  # Thai as it is, not \u escapes
    found = json.loads(result.output)
    me = found["person"]
    assert (me["code"], me["name"], me["unit"], me["line_user_id"], me["active"]) == (
        "S01", "นายสมชาย ใจดี", "กลุ่มงานประสานฯ", user_of("S01"), False)
    assert me["left_at"].startswith("2026-04-01") and me["erased_at"] is None and me["invite_code"]
    assert [a["document"] for a in found["pledge_acknowledgments"]] == [found["pledge_acknowledgments"][0]["document"]]
    assert [(p["problem"], p["fiscal_year"]) for p in found["proposals"]] == [("เอกสารค้างบนโต๊ะของสมชายเอง", 2569)]
    assert [c["text"] for c in found["plan_comments"]] == ["ผมเห็นว่าควรเพิ่มกิจกรรมจิตอาสา"]
    (checkin,) = found["checkins"]
    assert (checkin["latitude"], checkin["longitude"]) == (19.91, 99.84) and checkin["activity"]
    (made,) = found["nominations_made"]
    assert (made["nominee"], made["virtue"]) == ("นายวิชัย มั่นคง", "วินัย")
    (of_them,) = found["nominations_of_them"]
    assert of_them["virtue"] == "จิตอาสา" and of_them["reason"] and "nominator_id" not in of_them
    assert len(found["files_uploaded"]) == 2 and found["evidence_recorded"] == []
    (change,) = found["audit_trail"]
    assert (change["actor_name"], change["entity"], change["changes"]["position"][1]) == (
        "นางสาวกมลา ประสานงาน", "staff", "นักพัฒนาชุมชนปฏิบัติการ")
    (session,) = found["console_sessions"]
    assert "token_hash" not in session and session["user_agent"] == "Mozilla"
    assert [m["job"] for m in found["messages_sent_to_them"]] == ["deadline-reminders-staff"]
    account = found["line_account"]
    assert [e["webhook_event_id"] for e in account["webhook_events"]] == ["01JEVENTS01"]
    assert [c["flow"] for c in account["conversations"]] == ["proposal"]
    assert [f["code_tried"] for f in account["registration_failures"]] == ["WRONG123"]
    assert account["rich_menu_links"] == []

    c01_export = export(runner, "C01")  # what a coordinator recorded is theirs to see too
    assert [e["indicator_code"] for e in c01_export["evidence_recorded"]] == ["3.1"]
    assert c01_export["audit_trail"] == [change]  # the change they made
    assert c01_export["nominations_of_them"] == [] and c01_export["line_account"]["webhook_events"] == []


def test_to_a_file_and_unknown_codes(office, year, runner, tmp_path):  # noqa: F811
    out = tmp_path / "s01.json"
    result = runner.invoke(args=["roster", "export-person", "S01", "--out", str(out)])
    assert result.exit_code == 0 and f"written to {out}" in result.output
    assert json.loads(out.read_text(encoding="utf-8"))["person"]["name"] == "นายสมชาย ใจดี"
    missing = runner.invoke(args=["roster", "export-person", "NOBODY"])
    assert missing.exit_code == 1 and "no person with code 'NOBODY'" in missing.output


def test_after_erasure_what_is_left_is_anonymous(office, year, runner):  # noqa: F811
    from models.retention import ERASED_NAME, ERASED_TEXT
    from tests.jobs.conftest import at

    with office.db.sessions() as db:
        s01_id = person(db, "S01").id
    run(office, at(2026, 6, 1), 30)
    assert runner.invoke(args=["roster", "export-person", "S01"]).exit_code == 1
    found = export(runner, f"erased-{s01_id}")
    assert "สมชาย" not in json.dumps(found, ensure_ascii=False)
    assert (found["person"]["name"], found["person"]["line_user_id"]) == (ERASED_NAME, None)
    assert [p["problem"] for p in found["proposals"]] == [ERASED_TEXT]
    assert len(found["pledge_acknowledgments"]) == 1 and len(found["checkins"]) == 1  # the counts stay
    assert found["line_account"] == {"webhook_events": [], "conversations": [], "registration_failures": [],
                                     "rich_menu_links": []}
    with office.db.sessions() as db:
        assert db.scalar(sa.select(Staff.name).where(Staff.id == s01_id)) == ERASED_NAME
