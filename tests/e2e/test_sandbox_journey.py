"""End to end in a real browser: the README's start command, Debian's Chromium driven by Playwright.

A newcomer registers with an invite link, reads the pledge from the rich menu, taps รับทราบ, and
the coordinator's สรุป shows the progress change. Screenshots go to tests/artefacts/.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "tests" / "artefacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync", "--disable-quic"]

if os.environ.get("TEST_DATABASE_URL"):
    pytest.skip("the sandbox always runs on SQLite; its browser journey runs in the SQLite pass",
                allow_module_level=True)
if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("Debian's chromium is missing; .ci/run should have installed it")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-thai-tlwg)",
                allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """`python3 dev.py start` with no LINE credentials, on a database of its own."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINE_")}
    env.update(PORT=str(port), SANDBOX="1",
               DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'sandbox.sqlite'}")
    log_path = tmp_path_factory.getbasetemp() / "start.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(["python3", "dev.py", "start"], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
            if process.poll() is not None:
                raise RuntimeError(f"dev.py start exited: {log_path.read_text()}")
        else:
            raise RuntimeError(f"the sandbox did not come up in 120 s: {log_path.read_text()}")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()


def people(url: str) -> dict[str, dict]:
    with urllib.request.urlopen(url + "/sandbox/api/people") as response:
        return {p["code"]: p for p in json.load(response)}


def last_bot_message(page: Page):
    return page.locator(".sb-from-bot").last


def shot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def act_as(page: Page, user_id: str) -> None:
    page.select_option("#person", user_id)
    if user_id != "new":
        expect(page.locator(f'#chat[data-ready="1"][data-user="{user_id}"]')).to_have_count(1)
    else:
        expect(page.locator('#chat[data-ready="1"]')).to_have_count(1)


def send(page: Page, text: str):
    """Type and send; the bot's answer (waits for a new bot message, not an old one)."""
    answers = page.locator(".sb-from-bot")
    before = answers.count()
    page.get_by_label("ข้อความ").fill(text)
    page.get_by_role("button", name="ส่ง").click()
    expect(answers).to_have_count(before + 1)
    return answers.last


def summary_count(page: Page) -> str:
    card = send(page, "สรุป")
    expect(card).to_contain_text("ทั้งสำนักงาน")
    return card.inner_text()


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
    page.get_by_role("button", name="ส่ง").click()
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
