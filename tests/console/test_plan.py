"""แผน on the console: this fiscal year's plan (or the notice that it has none and the button that
starts it), the draft of a new year and putting it in use, indicators and milestones edited, past
years read only, the plan file uploaded (with the CLI's errors) and downloaded (it loads back)."""
from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from bot.console import planerrors
from models import plan as plans
from models import planfile
from models.activity import Activity
from models.audit import AuditEntry
from models.plan import Indicator, Plan
from tests.conftest import text_of
from tests.support import text_of_page

YEAR = 2570  # 1 Dec 2026, the day these tests run as, is in FY2570; the test database has only FY2569


def plan_of(bot, year: int) -> Plan | None:
    with bot.db.sessions() as db:
        found = plans.of_year(db, year)
        if found is not None:
            db.expunge(found)
        return found


def indicator_of(bot, year: int, code: str) -> Indicator:
    with bot.db.sessions() as db:
        found = db.scalar(sa.select(Indicator).join(Plan).where(Plan.fiscal_year == year, Indicator.code == code))
        assert found is not None
        found.milestones  # noqa: B018 - load them before the session ends
        db.expunge_all()
        return found


def flashes(console) -> str:
    return text_of_page(console.get("/console/plan/"))


# -- no plan yet: the notice, the rollover, the draft, putting it in use ------------------------------
def test_a_year_without_a_plan_says_so_and_starts_it_from_last_year(bot, console, line, register):
    page = console.get("/console/plan/")
    assert page.status_code == 200
    text = text_of_page(page)
    assert f"ปีงบประมาณ {YEAR} ยังไม่มีแผน" in text and f"เริ่มแผนปีงบประมาณ {YEAR}" in text
    assert "บุคลากรจึงยังไม่เห็นแผนและกิจกรรมของปีนี้" in text
    assert "ตัวชี้วัด 10 ตัว" not in text  # last year's indicators are not shown as this year's

    started = console.post("/console/plan/start", {"year": str(YEAR)})
    assert started.status_code == 302 and started.headers["Location"].endswith(f"/console/plan/{YEAR}")
    with bot.db.sessions() as db:
        draft = plans.of_year(db, YEAR)
        last = plans.of_year(db, YEAR - 1)
        assert draft.status == plans.DRAFT and plans.current(db, datetime.now(bot.settings.tz)) is None
        assert (draft.starts_on, draft.ends_on) == (date(2026, 10, 1), date(2027, 9, 30))
        assert [i.code for i in draft.indicators] == [i.code for i in last.indicators]
        assert [m.due for m in draft.indicators[4].milestones] == [date(2027, 3, 31), date(2027, 6, 30)]
        copied = db.scalars(sa.select(Activity).where(Activity.plan_id == draft.id)).all()
        assert sorted(a.key for a in copied) == sorted(a.key for a in db.scalars(
            sa.select(Activity).where(Activity.plan_id == last.id)))
        assert all(a.done_at is None for a in copied)

    text = text_of_page(console.get(f"/console/plan/{YEAR}"))
    assert "สร้างร่างแผนปีงบประมาณ 2570 จากแผนปี 2569 แล้ว" in text
    assert "ร่างแผน ยังไม่เริ่มใช้" in text and "เริ่มใช้แผนนี้" in text
    assert "31 มี.ค. 2570" in text and "30 มิ.ย. 2570" in text
    # Staff still see no plan: a draft is not in use.
    staff = register("S01")
    assert "อยู่ระหว่างจัดทำ" in text_of(line.say(staff, "แผน"))
    # Starting it twice makes nothing more.
    again = console.post("/console/plan/start", {"year": str(YEAR)})
    assert again.status_code == 302
    with bot.db.sessions() as db:
        assert len(plans.by_year(db, YEAR)) == 1

    assert console.post(f"/console/plan/{YEAR}/activate").status_code == 302
    with bot.db.sessions() as db:
        now = datetime.now(bot.settings.tz)
        assert plans.current(db, now).fiscal_year == YEAR and plans.missing(db, now) is None
        audited = db.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "plans",
                                                         AuditEntry.action == "update")).all()
        assert any(e.changes.get("status") == ["draft", "active"] and e.source == "console" for e in audited)
    text = text_of_page(console.get("/console/plan/"))
    assert "เริ่มใช้แผนปีงบประมาณ 2570 แล้ว" in text and "ใช้อยู่" in text and "ร่างแผน ยังไม่เริ่มใช้" not in text
    assert f"แผนองค์กรคุณธรรม ปี {YEAR}" in text_of(line.say(staff, "แผน"))


def test_the_next_year_can_be_prepared_while_this_one_runs(bot, console, this_year_plan):
    text = text_of_page(console.get("/console/plan/"))
    assert "เตรียมแผนปีงบประมาณ 2571" in text
    assert console.post("/console/plan/start", {"year": "2571"}).status_code == 302
    with bot.db.sessions() as db:
        assert plans.of_year(db, 2571).status == plans.DRAFT
        assert plans.current(db, datetime.now(bot.settings.tz)).id == this_year_plan
    text = text_of_page(console.get("/console/plan/2571"))
    assert "ร่างแผน ยังไม่เริ่มใช้" in text and "31 มี.ค. 2571" in text
    # Only this year or the next can be started.
    console.post("/console/plan/start", {"year": "2575"})
    assert plan_of(bot, 2575) is None
    assert "เริ่มได้เฉพาะแผนปีงบประมาณ" in flashes(console)


# -- this year's plan -----------------------------------------------------------------------------------
def test_the_plan_page_shows_indicators_milestones_states_and_activities(bot, console, this_year_plan, runner):
    with bot.db.sessions() as db:
        workshop = db.scalar(sa.select(Activity).where(Activity.plan_id == this_year_plan,
                                                       Activity.key == "virtue-workshop"))
        workshop_id = workshop.id
    runner.invoke(args=["activity", "assign", str(workshop.code), "C01"])
    page = console.get("/console/plan/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = text_of_page(page)
    assert "แผนปีงบประมาณ 2570" in text and "ใช้อยู่" in text and "ตัวชี้วัด 10 ตัว" in text
    for code in ("1.1", "1.2", "2.1", "3.1", "4.5"):
        assert f'<span class="code">{code}</span>' in html
    assert "ร้อยละของกิจกรรมตามแผนที่ดำเนินการแล้ว" in text      # how 3.1 is measured
    assert "เป้า ร้อยละ 50" in text and "31 มี.ค. 2570" in text and "ร้อยละ 50 ของกิจกรรม" in text
    assert "ตามแผน" in text or "ล่าช้า" in text                   # milestone states, as measured now
    assert "20% (1/5)" in text                                      # 2.2: one of five has someone responsible
    assert f'href="/console/activities/{workshop_id}"' in html
    assert "5 กิจกรรม · ดำเนินการแล้ว 0" in text and "นางสาวกมลา ประสานงาน" in text
    assert "แก้ไขตัวชี้วัด" in text and "เพิ่มหมุดหมาย" in text and "อัปโหลดไฟล์แผน" in text


def test_editing_an_indicator(bot, console, this_year_plan):
    ind = indicator_of(bot, YEAR, "4.3")
    response = console.post(f"/console/plan/{YEAR}/indicators/{ind.id}", {
        "title": "เผยแพร่ผลงาน  ทุกช่องทาง", "counts": "อย่างน้อย 6 ช่องทาง", "target": "6",
        "responsible": "กลุ่มงานส่งเสริมฯ"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#indicator-{ind.id}")
    changed = indicator_of(bot, YEAR, "4.3")
    assert (changed.title, changed.counts, changed.target, changed.responsible) == (
        "เผยแพร่ผลงาน ทุกช่องทาง", "อย่างน้อย 6 ช่องทาง", 6.0, "กลุ่มงานส่งเสริมฯ")
    assert "บันทึกตัวชี้วัด 4.3 แล้ว" in flashes(console)
    with bot.db.sessions() as db:
        entry = db.scalar(sa.select(AuditEntry).where(AuditEntry.entity == "indicators").order_by(AuditEntry.id.desc()))
        assert entry.changes["target"] == [5.0, 6.0] and entry.label == "ตัวชี้วัด 4.3"
    # A count target must be a whole number of at least 1; a percent 0–100; a title is needed.
    pct = indicator_of(bot, YEAR, "1.1")
    for fields, message in (({"target": "120"}, "ร้อยละต้องเป็นตัวเลขตั้งแต่ 0 ถึง 100"),
                            ({"title": ""}, "กรุณาใส่ชื่อตัวชี้วัด")):
        data = {"title": pct.title, "counts": pct.counts, "target": "100", "responsible": pct.responsible} | fields
        console.post(f"/console/plan/{YEAR}/indicators/{pct.id}", data)
        assert message in flashes(console)
        assert indicator_of(bot, YEAR, "1.1").target == 100.0 and indicator_of(bot, YEAR, "1.1").title == pct.title
    console.post(f"/console/plan/{YEAR}/indicators/{ind.id}", {"title": "x", "target": "2.5"})
    assert "จำนวนเต็มตั้งแต่ 1" in flashes(console) and indicator_of(bot, YEAR, "4.3").target == 6.0


def test_milestones_added_changed_removed_ordered_and_distinct(bot, console, this_year_plan):
    ind = indicator_of(bot, YEAR, "3.1")
    base = f"/console/plan/{YEAR}"
    assert console.post(f"{base}/indicators/{ind.id}/milestones",
                        {"due": "2027-01-15", "target": "20", "label": "เริ่มแล้ว"}).status_code == 302
    assert [(m.due, m.target, m.label) for m in indicator_of(bot, YEAR, "3.1").milestones] == [
        (date(2027, 1, 15), 20.0, "เริ่มแล้ว"), (date(2027, 3, 31), 50.0, "ร้อยละ 50 ของกิจกรรม"),
        (date(2027, 6, 30), 100.0, "ครบทุกกิจกรรม")]
    # The same date twice, a date outside the fiscal year, a percent over 100: refused, nothing changes.
    for fields, message in (({"due": "2027-03-31", "target": "60"}, "มีหมุดหมายวันที่นี้อยู่แล้ว"),
                            ({"due": "2027-10-01", "target": "60"}, "วันที่ต้องอยู่ในปีงบประมาณ 2570"),
                            ({"due": "2027-05-01", "target": "150"}, "ร้อยละต้องเป็นตัวเลข"),
                            ({"due": "", "target": "10"}, "กรุณาเลือกวันที่")):
        console.post(f"{base}/indicators/{ind.id}/milestones", fields)
        assert message in flashes(console)
        assert len(indicator_of(bot, YEAR, "3.1").milestones) == 3
    first, second, third = indicator_of(bot, YEAR, "3.1").milestones
    # Moving a milestone past another keeps them in date order; onto another's date is refused.
    assert console.post(f"{base}/milestones/{first.id}", {"due": "2027-04-30", "target": "70",
                                                          "label": ""}).status_code == 302
    assert [(m.due, m.target) for m in indicator_of(bot, YEAR, "3.1").milestones] == [
        (date(2027, 3, 31), 50.0), (date(2027, 4, 30), 70.0), (date(2027, 6, 30), 100.0)]
    console.post(f"{base}/milestones/{first.id}", {"due": "2027-06-30", "target": "70"})
    assert "มีหมุดหมายวันที่นี้อยู่แล้ว" in flashes(console)
    # Removing: down to one, the last one stays.
    for milestone in (first, second):
        assert console.post(f"{base}/milestones/{milestone.id}/remove").status_code == 302
    assert [m.due for m in indicator_of(bot, YEAR, "3.1").milestones] == [date(2027, 6, 30)]
    console.post(f"{base}/milestones/{third.id}/remove")
    assert "ต้องมีหมุดหมายอย่างน้อย 1 รายการ" in flashes(console)
    assert len(indicator_of(bot, YEAR, "3.1").milestones) == 1
    # A milestone of another year's plan is not reachable under this year.
    other = indicator_of(bot, YEAR - 1, "3.1").milestones[0]
    assert console.post(f"{base}/milestones/{other.id}", {"due": "2027-01-01", "target": "1"}).status_code == 404


def test_past_years_are_readable_and_kept_as_they_were(bot, console, this_year_plan):
    redirect = console.get("/console/plan/?year=2569")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith("/console/plan/2569")
    page = console.get("/console/plan/2569")
    text = text_of_page(page)
    assert page.status_code == 200 and "ปีที่ผ่านมา" in text and "ดูได้อย่างเดียว" in text
    assert "27 ก.พ. 2569" in text and "แก้ไขตัวชี้วัด" not in text and "เพิ่มหมุดหมาย" not in text
    assert '<option value="2569" selected>' in page.get_data(as_text=True)
    old = indicator_of(bot, 2569, "1.1")
    console.post(f"/console/plan/2569/indicators/{old.id}", {"title": "เปลี่ยน", "target": "50"})
    assert "แผนของปีที่ผ่านมาเก็บไว้ตามเดิม" in flashes(console)
    assert indicator_of(bot, 2569, "1.1").title == old.title
    console.post(f"/console/plan/2569/milestones/{old.milestones[0].id}/remove")
    assert len(indicator_of(bot, 2569, "1.1").milestones) == 1
    assert console.get("/console/plan/2400").status_code == 404


# -- the plan file ------------------------------------------------------------------------------------
def upload(console, text: str | bytes, name: str = "plan.yaml"):
    data = text.encode() if isinstance(text, str) else text
    return console.post("/console/plan/upload", {"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def test_upload_shows_the_clis_errors_and_loads_nothing(bot, console):
    bad = ("office: สำนักงานทดสอบ\nfiscal_year: 2570\nindicators:\n"
           "  - code: '1.1'\n    title: ทดสอบ\n    measure: proposals\n    target: {percent: 120}\n"
           "    milestones: [{due: 2027-02-30}]\nactivities:\n  - key: Bad Key\n    title: x\n")
    response = upload(console, bad, "แผน2570.yaml")
    assert response.status_code == 422
    text = text_of_page(response).replace(" :", ":")
    assert "ไฟล์ แผน2570.yaml ยังโหลดไม่ได้" in text
    # The CLI's field paths, each said in Thai.
    for where, path, thai in (("ตัวชี้วัดลำดับที่ 1 › target › percent", "indicators[0].target.percent", "ต้องไม่เกิน 100"),
                              ("หมุดหมายที่ 1 › due", "indicators[0].milestones[0].due", "ต้องเป็นวันที่ที่มีจริง"),
                              ("กิจกรรมลำดับที่ 1 › key", "activities[0].key", "ใช้ได้เฉพาะอักษรอังกฤษตัวเล็ก")):
        assert f"{where} {path}: {thai}" in text, (path, text)
    assert "Input should" not in text
    broken = upload(console, "office: [\n")
    assert broken.status_code == 422
    assert "ทั้งไฟล์: ไม่ใช่ไฟล์ YAML ที่ถูกต้อง ที่บรรทัด 2" in text_of_page(broken).replace(" :", ":")
    not_text = upload(console, "office: สำนักงาน".encode("cp874"), "x.yaml")
    assert not_text.status_code == 422 and "ทั้งไฟล์: อ่านตัวอักษรไม่ได้ กรุณาบันทึกไฟล์เป็นข้อความ UTF-8" in \
        text_of_page(not_text).replace(" :", ":")
    with bot.db.sessions() as db:
        assert [p.fiscal_year for p in plans.every(db)] == [2569]
    # No file at all.
    assert console.post("/console/plan/upload", {}).status_code == 302
    assert "กรุณาเลือกไฟล์แผน" in flashes(console)


def test_upload_makes_this_years_plan_in_use(bot, console, line, register):
    text = planfile.DEFAULT_PLAN_FILE.read_text(encoding="utf-8").replace("fiscal_year: 2569", "fiscal_year: 2570")
    response = upload(console, text.replace("2026-", "2027-"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/plan/2570")
    with bot.db.sessions() as db:
        plan = plans.current(db, datetime.now(bot.settings.tz))
        assert plan is not None and plan.fiscal_year == 2570 and plan.status == plans.ACTIVE
    assert "สร้างแผนปีงบประมาณ 2570 จากไฟล์" in flashes(console)
    assert "แผนองค์กรคุณธรรม ปี 2570" in text_of(line.say(register("S02"), "แผน"))
    # A past year's file is refused here (the past stays as it was).
    past = upload(console, planfile.DEFAULT_PLAN_FILE.read_text(encoding="utf-8"))
    assert past.status_code == 422 and "แผนของปีที่ผ่านมา (2569)" in text_of_page(past)


def snapshot(bot, year: int) -> tuple:
    with bot.db.sessions() as db:
        plan = plans.of_year(db, year)
        indicators = [(i.code, i.title, i.counts, i.measure, i.target_kind, i.target, i.responsible,
                       [(m.due, m.target, m.label) for m in i.milestones]) for i in plan.indicators]
        # An activity added without a key is named as the file names it (activity-<id>): the same row.
        acts = [(a.key or f"activity-{a.id}", a.title, a.type, a.plan_workshop, a.rotating_qr, a.due, a.starts_at,
                 a.ends_at, a.place, a.latitude, a.longitude, a.radius_m, tuple(p.code for p in a.responsible))
                for a in db.scalars(sa.select(Activity).where(Activity.plan_id == plan.id).order_by(Activity.id))]
        return (plan.office, plan.starts_on, plan.ends_on), indicators, acts


def test_download_loads_back_as_it_is(bot, console, this_year_plan, runner, tmp_path):
    # Give the plan what a year gives it: a milestone label, a schedule and place, people, an activity
    # added without a key.
    with bot.db.sessions() as db:
        code = db.scalar(sa.select(Activity.code).where(Activity.plan_id == this_year_plan,
                                                        Activity.key == "plan-workshop"))
    assert runner.invoke(args=["activity", "schedule", code, "--start", "2027-01-20T09:00+07:00", "--end",
                               "2027-01-20T16:00+07:00", "--place", "ห้องประชุม", "--lat", "19.9",
                               "--lon", "99.8", "--radius", "150"]).exit_code == 0
    assert runner.invoke(args=["activity", "assign", code, "C01,S01"]).exit_code == 0
    assert runner.invoke(args=["activity", "add", "--title", "จิตอาสาพัฒนาวัด", "--start", "2027-02-05T08:00+07:00",
                               "--end", "2027-02-05T12:00+07:00", "--rotating-qr"]).exit_code == 0
    before = snapshot(bot, YEAR)

    response = console.get(f"/console/plan/{YEAR}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''plan_fy2570.yaml"
    text = response.get_data(as_text=True)
    spec = planfile.parse(text)
    assert spec.fiscal_year == YEAR and len(spec.indicators) == 10 and len(spec.activities) == 6
    # dump → parse → load: the same indicators, milestones and activities, no activity added.
    with bot.db.session() as db:
        _, report = planfile.load(db, spec, text, bot.settings.tz)
    assert report["activities_added"] == 0 and snapshot(bot, YEAR) == before
    # The CLI loads it too, and the console's upload.
    path = tmp_path / "plan.yaml"
    path.write_bytes(response.get_data())
    result = runner.invoke(args=["plan", "load", str(path)])
    assert result.exit_code == 0 and "updated the FY2570 plan" in result.output and "(0 new)" in result.output
    assert upload(console, text).status_code == 302 and snapshot(bot, YEAR) == before
    # Loaded as another year, it is the same plan there.
    again = planfile.parse(text.replace("fiscal_year: 2570", "fiscal_year: 2571"))
    with bot.db.session() as db:
        planfile.load(db, again, "", bot.settings.tz)
    period, indicators, acts = snapshot(bot, 2571)
    assert period == before[0] and indicators == before[1]
    assert sorted((a[1:] for a in acts), key=lambda a: a[0]) == sorted((a[1:] for a in before[2]), key=lambda a: a[0])


# -- who may --------------------------------------------------------------------------------------------
def test_executives_read_and_cannot_change(bot, executive_console, this_year_plan):
    page = executive_console.get("/console/plan/")
    text = text_of_page(page)
    assert page.status_code == 200 and "ตัวชี้วัด 10 ตัว" in text
    assert "แก้ไขตัวชี้วัด" not in text and "อัปโหลดไฟล์แผน" not in text and "เตรียมแผนปีงบประมาณ" not in text
    assert executive_console.get(f"/console/plan/{YEAR}/download").status_code == 200
    ind = indicator_of(bot, YEAR, "1.1")
    assert executive_console.post(f"/console/plan/{YEAR}/indicators/{ind.id}",
                                  {"title": "x", "target": "50"}).status_code == 403
    assert executive_console.post("/console/plan/start", {"year": "2571"}).status_code == 403
    assert indicator_of(bot, YEAR, "1.1").title == ind.title and plan_of(bot, 2571) is None


def test_executives_see_the_notice_without_the_button(executive_console):
    text = text_of_page(executive_console.get("/console/plan/"))
    assert "ปีงบประมาณ 2570 ยังไม่มีแผน" in text and "ผู้ประสานงานเริ่มแผนของปีนี้ได้จากหน้านี้" in text
    assert "เริ่มแผนปีงบประมาณ 2570" not in text


def test_anonymous_is_sent_to_sign_in(anonymous):
    for path in ("/console/plan/", "/console/plan/2569", "/console/plan/2569/download"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/console/signin" in response.headers["Location"]
    assert anonymous.post("/console/plan/start", {"year": "2570"}, csrf=False).status_code == 401


def test_a_form_without_its_csrf_token_is_refused(bot, console):
    assert console.post("/console/plan/start", {"year": str(YEAR)}, csrf=False).status_code == 400
    assert plan_of(bot, YEAR) is None


def test_the_page_does_not_query_per_activity(bot, console, this_year_plan):
    def statements() -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        sa.event.listen(bot.db.engine, "before_cursor_execute", counter)
        try:
            assert console.get("/console/plan/").status_code == 200
        finally:
            sa.event.remove(bot.db.engine, "before_cursor_execute", counter)
        return count

    few = statements()
    with bot.db.session() as db:
        for i in range(80):
            db.add(Activity(plan_id=this_year_plan, title=f"กิจกรรม {i}", code=f"Z{i:05d}"))
    assert statements() <= few
    text = text_of_page(console.get("/console/plan/?page=2".replace("/?", f"/{YEAR}?")))
    assert "85 กิจกรรม" in text and "51–85 จาก 85" in text


@pytest.mark.parametrize("text", [
    "office: x\nfiscal_year: 2570\nindicators:\n  - code: x\n    title: ''\n    measure: nothing\n    target: {}\n"
    "    milestones: []\n    extra: 1\n",
    "office: x\nfiscal_year: 1000\nindicators:\n  - code: '1.1'\n    title: t\n    measure: pledge\n"
    "    target: {percent: -1}\n    milestones: [{due: 2027-02-01}, {due: 2027-01-01}]\nactivities:\n"
    "  - {key: a, title: t, start: 2027-01-01T09:00:00, lat: 1}\n"
    "  - {key: a, title: t, end: 2027-01-01T09:00:00+07:00}\n",
    "fiscal_year: สองพัน\nindicators: x\n",
    "- a list\n",
])
def test_every_plan_file_error_is_said_in_thai(text):
    with pytest.raises(planfile.PlanFileError) as raised:
        planfile.parse(text, "f.yaml")
    for problem in raised.value.problems:
        explained = planerrors.explain(problem, "f.yaml")
        assert not explained.message.startswith("ค่าไม่ถูกต้อง ("), problem  # a translation, not the fallback
        assert re.search("[\u0E00-\u0E7F]", explained.message) and "Input should" not in explained.message
