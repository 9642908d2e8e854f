"""End to end in a real browser: the README's start command, Debian's Chromium driven by Playwright.

A newcomer registers with an invite link, reads the pledge from the rich menu, taps รับทราบ, and
the coordinator's สรุป shows the progress change. Screenshots go to tests/artefacts/.
"""
from __future__ import annotations

import os
import subprocess

from playwright.sync_api import expect

from tests.e2e.journey import (
    ROOT,
    act_as,
    browser,
    free_port,
    last_bot_message,
    people,
    send,
    shot,
    started,
    summary_count,
)

__all__ = ["browser", "started"]  # fixtures, found by pytest through this module's names


def test_newcomer_registers_acknowledges_and_the_coordinator_sees_it(started, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="th-TH")
    page.goto(started + "/sandbox/")
    before_people = people(started)
    acknowledged = 11  # the demo office's pledge acknowledgments (bot/sandbox/demo.py)

    # The coordinator's summary before.
    act_as(page, before_people["D001"]["userId"])
    before = summary_count(page)
    assert f"{acknowledged}/30" in before
    shot(page, "01-coordinator-summary-before")

    # A new LINE user taps an invite link, which types the words, and sends them.
    act_as(page, "new")
    expect(page.locator("#invites")).to_be_visible()
    page.get_by_test_id("invite-D013").click()
    expect(page.get_by_label("ข้อความ")).to_have_value(f"ลงทะเบียน {before_people['D013']['inviteCode']}")
    page.get_by_role("button", name="ส่ง", exact=True).click()
    expect(last_bot_message(page)).to_contain_text("ลงทะเบียนเรียบร้อยแล้ว")
    expect(last_bot_message(page)).to_contain_text("นายภานุวัฒน์ สายสุวรรณ")
    expect(page.locator("#who")).to_contain_text("นายภานุวัฒน์ สายสุวรรณ")
    shot(page, "02-registered")

    # The rich menu's ปฏิญญา area shows the card with its button.
    page.get_by_test_id("menu-ปฏิญญา").click()
    card = last_bot_message(page)
    expect(card).to_contain_text("จิตอาสา")
    button = card.get_by_role("button", name="รับทราบ")
    expect(button).to_be_visible()
    shot(page, "03-pledge-card")

    button.click()
    expect(page.locator(".sb-from-user").last).to_contain_text("รับทราบปฏิญญา")
    expect(last_bot_message(page)).to_contain_text("ขอบคุณที่ร่วมรับทราบ")
    expect(last_bot_message(page)).to_contain_text(f"ร่วมแล้ว {acknowledged + 1} จาก 30 คน")
    shot(page, "04-acknowledged")

    # Back to the coordinator: the summary moved by one.
    act_as(page, before_people["D001"]["userId"])
    after = summary_count(page)
    assert f"{acknowledged + 1}/30" in after
    shot(page, "05-coordinator-summary-after")
    page.close()


def test_quick_reply_chips_act_like_line(started, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(started + "/sandbox/")
    act_as(page, people(started)["D004"]["userId"])
    expect(send(page, "อะไรนะ")).to_contain_text("ไม่เข้าใจ")
    page.locator("#quick .lb-chip", has_text="สถานะ").click()
    expect(last_bot_message(page)).to_contain_text("นางพรทิพย์ แสงทอง")
    shot(page, "06-status-from-chip")
    page.close()


def test_start_command_refuses_a_public_sandbox():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINE_")}
    env.update(HOST="0.0.0.0", PORT=str(free_port()), SANDBOX="1")
    env.pop("SANDBOX_ALLOW_REMOTE", None)
    result = subprocess.run(["python3", "dev.py", "start"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "refusing to serve the sandbox on 0.0.0.0" in result.stderr


def test_the_chosen_person_stays_after_a_reload_and_a_blocked_account_hears_nothing(started, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="th-TH")
    page.goto(started + "/sandbox/")
    staff = people(started)["D005"]
    act_as(page, staff["userId"])
    expect(send(page, "สถานะ")).to_contain_text("อนุชา")
    shot(page, "07-phone-staff-status")
    page.reload()
    expect(page.locator(f'#chat[data-ready="1"][data-user="{staff["userId"]}"]')).to_have_count(1)
    expect(page.locator("#person")).to_have_value(staff["userId"])
    expect(page.locator(".sb-from-bot")).to_have_count(1)  # the chat so far is still there

    page.get_by_role("button", name="บล็อก (unfollow)").click()
    expect(page.get_by_label("ข้อความ")).to_be_disabled()
    answers = page.locator(".sb-from-bot").count()
    page.get_by_test_id("menu-สถานะ").click()
    expect(page.locator(".sb-system").last).to_contain_text("บล็อก")
    page.wait_for_timeout(2500)  # a poll or two: still nothing
    expect(page.locator(".sb-from-bot")).to_have_count(answers)
    shot(page, "08-phone-blocked")
    page.get_by_role("button", name="เพิ่มเพื่อน (follow)").click()
    expect(page.get_by_label("ข้อความ")).to_be_enabled()
    expect(last_bot_message(page)).to_contain_text("ยินดีต้อนรับกลับ")
    page.close()


def test_the_coordinator_runs_jobs_by_their_thai_names(started, browser):
    for width, height in ((1280, 900), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height}, locale="th-TH")
        page.goto(started + "/sandbox/")
        act_as(page, people(started)["D002"]["userId"])
        button = page.locator("#job-list button", has_text="ส่งสรุปรายสัปดาห์")
        expect(button).to_be_visible()
        expect(page.locator("#job-list")).not_to_contain_text("weekly-digest")
        button.click()
        expect(page.get_by_test_id("job-result")).to_contain_text("ส่งสรุปรายสัปดาห์:", timeout=30_000)
        expect(page.get_by_test_id("job-result")).to_contain_text("ไม่ได้ส่ง" if width == 390 else "ส่งแล้ว")
        expect(page.locator(".sb-from-bot").last).to_be_visible()
        shot(page, f"09-coordinator-digest-{width}")
        page.locator("#job-list button", has_text="ถ่ายภาพข้อมูล ณ วันครบกำหนด").click()
        expect(page.get_by_test_id("job-result")).to_contain_text("ถ่ายภาพข้อมูล ณ วันครบกำหนด:")
        send(page, "สรุป")
        shot(page, f"10-coordinator-summary-{width}")
        page.close()
