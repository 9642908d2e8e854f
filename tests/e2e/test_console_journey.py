"""The console end to end, as a coordinator would use it: the README's start command (the sandbox),
Debian's Chromium, and the chat of the sandbox for what staff do in LINE.

The coordinator signs in from the เว็บ reply of their own rich menu, imports a roster file with a
mistake (sees its line number, fixes it, imports), prints invite sheets, publishes a pledge that a
staff member then reads with ปฏิญญา, schedules an activity, shows its projector page while a staff
member checks in through the chat, and prepares the next fiscal year's plan. Each step is
photographed at a phone's and a desktop's width (tests/artefacts/console-*.png).

The tests run in order and share one signed-in browser context, as one person's morning would.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.journey import ARTEFACTS, act_as, browser, people, send, started

__all__ = ["browser", "started"]  # fixtures, found by pytest through this module's names

BKK = ZoneInfo("Asia/Bangkok")
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def shots(page: Page, name: str) -> None:
    """The page at a phone's width and at a desktop's, whole."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(400)  # charts redraw for the new width
        page.screenshot(path=str(ARTEFACTS / f"console-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


@pytest.fixture(scope="module")
def chat(started, browser) -> Page:
    """The sandbox: LINE for whoever the test picks."""
    page = browser.new_page(viewport=DESKTOP, locale="th-TH")
    page.goto(started + "/sandbox/")
    return page


@pytest.fixture(scope="module")
def office(started) -> dict[str, dict]:
    return people(started)


@pytest.fixture(scope="module")
def console(browser) -> BrowserContext:
    """The coordinator's own browser (a context: its cookies are not the sandbox page's)."""
    context = browser.new_context(viewport=DESKTOP, locale="th-TH")
    context.on("page", lambda page: page.on("dialog", lambda dialog: dialog.accept()))
    yield context
    context.close()


def console_page(console: BrowserContext) -> Page:
    return console.pages[-1]


FIRST_SEEN: dict[str, list[int]] = {}  # the overview's office totals when the coordinator signed in


def office_totals(page: Page) -> list[int]:
    """ภาพรวม's row for the whole office: people, on LINE, acknowledged, proposed, attended."""
    row = page.locator("table.units tr").filter(has_text="รวมทั้งสำนักงาน").inner_text()
    counts = re.sub(r"\([^)]*\)", "", row)  # "23 (76.7%)" → "23"
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", counts)]


def test_staff_are_refused_and_a_coordinator_signs_in_from_the_web_reply(started, chat, office, console):
    act_as(chat, office["D005"]["userId"])
    refusal = send(chat, "เว็บ")
    expect(refusal).to_contain_text("ผู้ประสานงาน")
    expect(chat.get_by_test_id("menu-coordinator-เว็บ")).to_be_hidden()

    act_as(chat, office["D001"]["userId"])
    tile = chat.get_by_test_id("menu-coordinator-เว็บ")
    expect(tile).to_be_visible()                       # coordinators have their own menu
    answers = chat.locator(".sb-from-bot")
    before = answers.count()
    tile.click()
    expect(answers).to_have_count(before + 1)
    card = answers.last
    expect(card).to_contain_text("ใช้ได้ครั้งเดียว")
    link = card.get_by_role("button", name="เปิดหน้าเว็บ")
    with chat.context.expect_page() as opened:
        link.click()
    popup = opened.value
    popup.wait_for_load_state()
    token_url = popup.url
    assert "/console/login/" not in token_url             # the token leaves the address bar at once
    popup.close()

    # The sandbox page opened it in its own context; the coordinator's browser uses the same kind of
    # link, a new one (each works once): the used one says to send เว็บ again.
    page = console.new_page()
    before = answers.count()
    tile.click()
    expect(answers).to_have_count(before + 1)
    uri = chat.evaluate("() => [...document.querySelectorAll('.sb-from-bot')].pop().innerHTML")
    login = re.search(r"(http://127\.0\.0\.1:\d+/console/login/[A-Za-z0-9_\-]+)", uri)
    assert login, uri
    page.goto(login.group(1))
    expect(page.get_by_role("heading", name="ภาพรวม")).to_be_visible()
    expect(page.locator("body")).to_contain_text(office["D001"]["name"])  # who is signed in
    FIRST_SEEN["totals"] = office_totals(page)
    assert FIRST_SEEN["totals"][0] == len(office)
    shots(page, "01-overview")

    used = console.new_page()
    used.goto(login.group(1))
    expect(used.locator("body")).to_contain_text("เว็บ")
    assert used.get_by_role("heading", name="ภาพรวม").count() == 0
    used.close()


def test_roster_with_a_mistake_shows_its_line_then_imports(console, tmp_path):
    page = console_page(console)
    page.goto(page.url.split("/console")[0] + "/console/staff/import")
    bad = tmp_path / "roster.csv"
    bad.write_text("code,name,position,unit,role\n"
                   "N001,นางสาวทดลอง ใจดี,นักพัฒนาชุมชน,อำเภอดอยหมอก,บุคลากร\n"
                   "N002,นายทดสอบ มีน้ำใจ,เจ้าพนักงานธุรการ,,หัวหน้า\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="ตรวจไฟล์").click()
    errors = page.locator("table").filter(has_text="ต้องแก้ไข")
    expect(errors).to_contain_text("3")                       # the CSV's third line
    expect(page.locator("body")).to_contain_text("ยังนำเข้าไม่ได้")
    assert page.get_by_role("button", name="ยืนยันนำเข้าทั้งหมด").count() == 0
    shots(page, "02-roster-mistake")

    page.goto(page.url.split("/console")[0] + "/console/staff/import")
    good = tmp_path / "roster-fixed.csv"
    good.write_text(bad.read_text(encoding="utf-8").replace(",,หัวหน้า", ",อำเภอดอยหมอก,บุคลากร"), encoding="utf-8")
    page.set_input_files("input[type=file]", str(good))
    page.get_by_role("button", name="ตรวจไฟล์").click()
    expect(page.locator("body")).to_contain_text("ทุกบรรทัดถูกต้อง")
    shots(page, "03-roster-preview")
    page.get_by_role("button", name="ยืนยันนำเข้าทั้งหมด").click()
    page.goto(page.url.split("/console")[0] + "/console/staff/?q=ทดสอบ")
    expect(page.locator("body")).to_contain_text("นายทดสอบ มีน้ำใจ")


def test_invite_sheets_for_the_unregistered(console):
    page = console_page(console)
    base = page.url.split("/console")[0]
    page.goto(base + "/console/staff/invites?who=unregistered")
    cards = page.locator(".invite-card")
    expect(cards.first).to_be_visible()
    expect(page.locator("body")).to_contain_text("นายทดสอบ มีน้ำใจ")   # just imported, not on LINE yet
    assert cards.count() == 9                                         # 7 of the demo office, 2 new
    shots(page, "04-invites")
    pdf = page.request.get(base + "/console/staff/invites.pdf?who=unregistered")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"


def test_a_published_pledge_reaches_a_staff_members_chat(console, chat, office):
    page = console_page(console)
    page.goto(page.url.split("/console")[0] + "/console/pledges/")
    page.get_by_label("ชื่อปฏิญญา").fill("ประกาศเจตนารมณ์ไม่รับของขวัญ")
    page.get_by_label("ข้อความ").fill("ข้าราชการและเจ้าหน้าที่สำนักงานทุกคน จะไม่รับของขวัญทุกโอกาส")
    page.get_by_role("button", name="ดูตัวอย่างการ์ดใน LINE").click()
    expect(page.locator(".pledge-preview")).to_contain_text("ไม่รับของขวัญทุกโอกาส")
    shots(page, "05-pledge-preview")
    page.get_by_role("button", name="เผยแพร่ปฏิญญา").click()
    expect(page.locator("body")).to_contain_text("ประกาศเจตนารมณ์ไม่รับของขวัญ")

    act_as(chat, office["D010"]["userId"])
    chat.get_by_label("ข้อความ").fill("ปฏิญญา")
    chat.get_by_role("button", name="ส่ง", exact=True).click()
    expect(chat.locator(".sb-from-bot").last).to_contain_text("ไม่รับของขวัญทุกโอกาส")
    chat.screenshot(path=str(ARTEFACTS / "console-05-pledge-in-chat.png"), full_page=True)


def test_an_activity_on_the_projector_counts_a_check_in_from_the_chat(console, chat, office):
    page = console_page(console)
    base = page.url.split("/console")[0]
    page.goto(base + "/console/activities/new")
    now = datetime.now(BKK).replace(second=0, microsecond=0)
    page.get_by_label("ชื่อกิจกรรม").fill("ทำบุญตักบาตรประจำเดือน")
    page.locator("#starts_at").fill((now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#ends_at").fill((now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("สถานที่").fill("ห้องประชุมสำนักงาน")
    shots(page, "06-activity-form")
    page.get_by_role("button", name="เพิ่มกิจกรรม").click()
    expect(page.get_by_role("heading", name="ทำบุญตักบาตรประจำเดือน")).to_be_visible()
    detail = page.url
    code = re.search(r"รหัสเช็คอิน\D*([A-Z0-9]{6})", page.locator("body").inner_text()).group(1)
    shots(page, "07-activity-detail")

    projector = console.new_page()
    projector.goto(detail + "/projector")
    count = projector.locator(".count-value")
    expect(count).to_have_text("0")
    expect(projector.locator("img").first).to_be_visible()

    act_as(chat, office["D012"]["userId"])
    answer = send(chat, f"เช็คอิน {code}")
    expect(answer).to_contain_text("ทำบุญตักบาตรประจำเดือน")
    # The demo lives in today, so D012 may have come to an activity already: the reply says how many.
    FIRST_SEEN["first_time"] = [int("ร่วมกิจกรรมแล้ว 1 กิจกรรม" in answer.inner_text())]
    expect(count).to_have_text("1", timeout=15_000)           # the page asks every few seconds
    shots(projector, "08-projector")
    projector.close()

    page.goto(detail)
    expect(page.locator("body")).to_contain_text(office["D012"]["name"])


def test_prepare_the_next_fiscal_year_while_this_one_stays(console, chat, office):
    page = console_page(console)
    page.goto(page.url.split("/console")[0] + "/console/plan/")
    this_year = int(re.search(r"ปีงบประมาณ (\d{4})", page.locator("h1").inner_text()).group(1))
    page.get_by_role("button", name=f"เตรียมแผนปีงบประมาณ {this_year + 1}").click()
    expect(page.locator("body")).to_contain_text(f"{this_year + 1}")
    expect(page.locator("body")).to_contain_text("ร่าง")
    shots(page, "09-next-year-draft")

    act_as(chat, office["D010"]["userId"])
    answer = send(chat, "แผน")
    expect(answer).to_contain_text(str(this_year))
    assert str(this_year + 1) not in answer.inner_text()


def test_a_nomination_round_from_the_console_with_a_nomination_from_the_chat(console, chat, office):
    page = console_page(console)
    base = page.url.split("/console")[0]
    page.goto(base + "/console/nominations/")
    # The demo office lives in today: from December to March its round is open. The coordinator
    # closes it (the page asks first; this browser says yes) and opens a fresh one.
    running = page.get_by_role("button", name=re.compile("ปิดรับการเสนอชื่อ|ยกเลิกรอบนี้"))
    if running.count():
        running.click()
        expect(page.locator("main")).to_contain_text("ปิดรับ")
        page.goto(base + "/console/nominations/")
    page.get_by_role("button", name="เปิดรอบการเสนอชื่อ").click()
    expect(page.locator("main")).to_contain_text("เปิดรับอยู่")
    expect(page.locator("main")).to_contain_text("ยังไม่มีผู้เสนอชื่อในรอบนี้")
    round_page = page.url

    nominee = office["D012"]["name"]
    act_as(chat, office["D010"]["userId"])
    expect(send(chat, "เสนอชื่อ")).to_contain_text("ขั้นที่ 1/4")
    send(chat, "บุคคล")
    found = send(chat, nominee.split()[-1]).inner_text()   # the surname, as people type it
    if "ขั้นที่ 3/4" not in found:                           # more than one found: pick by number
        number = re.search(rf"(\d+)\. {re.escape(nominee)}", found).group(1)
        expect(send(chat, number)).to_contain_text("ขั้นที่ 3/4")
    expect(send(chat, "จิตอาสา")).to_contain_text("ขั้นที่ 4/4")
    card = send(chat, "ช่วยงานจิตอาสาของสำนักงานทุกครั้ง และชวนเพื่อนร่วมงานมาช่วยกัน")
    card.get_by_role("button", name=re.compile("ยืนยัน")).click()
    expect(chat.locator(".sb-from-bot").last).to_contain_text("ขอบคุณ")

    page.goto(round_page)
    expect(page.locator("main")).to_contain_text("ผู้ร่วมเสนอชื่อ 1 คน")
    entry = page.locator("li.nominee").filter(has_text=nominee)
    expect(entry.locator(".votes")).to_have_text("1 คน")
    expect(entry).to_contain_text("จิตอาสา 1")
    entry.get_by_role("button", name="ยกย่อง (ภาพรวม)").click()
    honoured = page.locator("li.nominee").filter(has_text=nominee)
    expect(honoured.get_by_role("button", name="ยกเลิกการยกย่อง")).to_be_visible()
    shots(page, "10-nominations")


def test_the_overview_counts_what_was_done(console):
    """Since sign-in: 2 people imported (not on LINE yet), and D012 checked in through the chat (a new
    attendee if it was their first activity). ภาพรวม's office row moves by exactly that."""
    page = console_page(console)
    page.goto(page.url.split("/console")[0] + "/console/")
    people_before, on_line_before, *_, attended_before = FIRST_SEEN["totals"]
    people_now, on_line_now, *_, attended_now = office_totals(page)
    assert (people_now, on_line_now, attended_now) == (people_before + 2, on_line_before,
                                                      attended_before + FIRST_SEEN["first_time"][0])
    shots(page, "11-overview-after")
