"""What the browser journeys share: the README's start command on a database of its own, Debian's
Chromium driven by Playwright, the sandbox page's controls, and screenshots in tests/artefacts/.
Importing it skips the importing module when there is no browser (or on the PostgreSQL pass: the
sandbox always runs on SQLite). The fixtures are found by pytest through the names a module imports.
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
    page.get_by_role("button", name="ส่ง", exact=True).click()
    expect(answers).to_have_count(before + 1)
    return answers.last


def summary_count(page: Page) -> str:
    card = send(page, "สรุป")
    expect(card).to_contain_text("ทั้งสำนักงาน")
    return card.inner_text()
