"""Signing in to the console from LINE: the เว็บ link (one use, 10 minutes, one person), the session
cookie and its limits, signing out, LINE Login, and who gets what without a session."""
from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from bot.fakeline import LOGIN_TOKEN
from models.console import ConsoleLink, ConsoleSession
from models.staff import Staff
from tests.conftest import text_of
from tests.support import Console, text_of_page

LOGIN_SECRET = "0123456789abcdef0123456789abcdef"  # 32 characters, as LINE gives them


def test_staff_asking_for_the_web_link_are_refused_politely(line, register):
    user = register("S01")
    text = text_of(line.say(user, "เว็บ"))
    assert "เฉพาะผู้ประสานงานและผู้บริหาร" in text and "/console/login/" not in text


def test_the_link_signs_in_once(app, line, coordinator_user):
    browser = Console(app, line)
    path = browser.link(coordinator_user)
    first = browser.client.get(path)
    assert first.status_code == 302 and first.headers["Location"].endswith("/console/")
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # PUBLIC_BASE_URL is http in the tests
    page = browser.get("/console/")
    assert page.status_code == 200 and "นางสาวกมลา ประสานงาน" in text_of_page(page)
    again = Console(app, line).client.get(path)  # the same link, another browser
    assert again.status_code == 410 and "เว็บ" in text_of_page(again) and "ใช้ไปแล้ว" in text_of_page(again)


def test_an_expired_or_forged_link_says_to_send_web_again(app, line, coordinator_user):
    browser = Console(app, line)
    old = browser.link(coordinator_user, at=datetime.now().astimezone() - timedelta(minutes=11))
    expired = browser.client.get(old)
    assert expired.status_code == 410 and "หมดอายุ" in text_of_page(expired) and "เว็บ" in text_of_page(expired)
    forged = browser.client.get("/console/login/" + "x" * 43)
    assert forged.status_code == 404 and "เว็บ" in text_of_page(forged)
    assert "khunnatham_console" not in forged.headers.get("Set-Cookie", "")
    assert browser.get("/console/").status_code == 302  # still nobody


def test_a_link_asked_for_by_someone_who_is_no_longer_a_coordinator(app, bot, line, coordinator_user):
    browser = Console(app, line)
    path = browser.link(coordinator_user)
    with bot.db.session() as db:
        db.execute(sa.update(Staff).where(Staff.code == "C01").values(role="staff"))
    refused = browser.client.get(path)
    assert refused.status_code == 403 and "เว็บ" in text_of_page(refused)


def test_links_are_rate_limited(line, coordinator_user):
    for _ in range(5):
        assert "/console/login/" in str(line.say(coordinator_user, "เว็บ"))
    refused = text_of(line.say(coordinator_user, "เว็บ"))
    assert "บ่อยเกินไป" in refused and "/console/login/" not in refused


def test_no_session_gets_the_sign_in_page_and_never_data(anonymous):
    for path in ("/console/", "/console/staff/", "/console/pledges/", "/console/plan/", "/console/activities/",
                 "/console/nominations/", "/console/notifications/", "/console/history/"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/console/signin"), path
    signin = anonymous.get("/console/signin")
    assert signin.status_code == 200 and "เว็บ" in text_of_page(signin)
    assert anonymous.post("/console/logout-all", csrf=False).status_code == 401
    in_page = anonymous.client.get("/console/", headers={"HX-Request": "true"})
    assert in_page.status_code == 401


def test_the_session_ends_after_8_hours_idle_and_7_days_in_all(bot, console):
    assert console.get("/console/").status_code == 200
    with bot.db.session() as db:
        idle = datetime.now().astimezone() - timedelta(hours=8, minutes=1)
        db.execute(sa.update(ConsoleSession).values(last_seen_at=idle))
    assert console.get("/console/").status_code == 302
    fresh = datetime.now().astimezone()
    with bot.db.session() as db:  # revive it, but make it old
        db.execute(sa.update(ConsoleSession).values(last_seen_at=fresh, expires_at=fresh - timedelta(seconds=1)))
    assert console.get("/console/").status_code == 302


def test_sign_out_here_and_everywhere(app, line, bot, coordinator_user):
    here, there = Console(app, line).sign_in(coordinator_user), Console(app, line).sign_in(coordinator_user)
    assert here.post("/console/logout").status_code == 302
    assert here.get("/console/").status_code == 302 and there.get("/console/").status_code == 200
    third = Console(app, line).sign_in(coordinator_user)
    assert third.post("/console/logout-all").status_code == 302
    assert there.get("/console/").status_code == 302 and third.get("/console/").status_code == 302
    with bot.db.sessions() as db:
        assert db.scalar(sa.select(sa.func.count()).select_from(ConsoleSession)
                         .where(ConsoleSession.ended_at.is_(None))) == 0


def test_an_executive_signs_out_too(app, line, bot, executive_user):
    here, there = Console(app, line).sign_in(executive_user), Console(app, line).sign_in(executive_user)
    assert here.post("/console/logout").status_code == 302
    assert here.get("/console/").status_code == 302 and there.get("/console/").status_code == 200
    assert there.post("/console/logout-all", csrf=False).status_code == 400  # the token is still checked
    assert there.post("/console/logout-all").status_code == 302
    assert there.get("/console/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(console):
    refused = console.post("/console/logout-all", csrf=False)
    assert refused.status_code == 400 and "แบบฟอร์ม" in text_of_page(refused)
    assert console.get("/console/").status_code == 200  # nothing happened


def test_an_executive_reads_and_changes_nothing(executive_console):
    assert executive_console.get("/console/").status_code == 200
    assert "ดูอย่างเดียว" in text_of_page(executive_console.get("/console/"))


def test_security_headers(console):
    response = console.get("/console/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script in the pages


def test_tokens_are_kept_only_as_hashes(bot, console):
    cookie = console.client.get_cookie("khunnatham_console", path="/console")
    with bot.db.sessions() as db:
        hashes = (set(db.scalars(sa.select(ConsoleSession.token_hash)))
                  | set(db.scalars(sa.select(ConsoleLink.token_hash))))
    assert cookie is not None and cookie.value not in hashes and all(len(h) == 64 for h in hashes)


# -- LINE Login ------------------------------------------------------------------------------------------
@pytest.fixture
def line_login(app, bot, line_api):
    """LINE Login configured, its pages and token endpoint on the fake LINE."""
    settings = bot.settings.replace(line_login_channel_id="1650000000", line_login_channel_secret=LOGIN_SECRET,
                                    line_login_authorize_url=bot.settings.line_api_host + "/oauth2/v2.1/authorize")
    bot.settings = bot.line.settings = settings
    line_api.login_channel = ("1650000000", LOGIN_SECRET)
    return line_api


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _line_login(app, line) -> tuple[Console, object]:
    """A browser through LINE Login: to LINE's (fake) authorization page and back with its code."""
    browser = Console(app, line)
    start = browser.client.get("/console/login/line")
    assert start.status_code == 302
    try:
        urllib.request.build_opener(_NoRedirect).open(start.headers["Location"])
        raise AssertionError("LINE's authorization page should redirect back")
    except urllib.error.HTTPError as back:
        target = urlparse(back.headers["Location"])
    return browser, browser.client.get(f"{target.path}?{target.query}")


def test_line_login_signs_a_coordinator_in(app, line, line_login, coordinator_user):
    signin = Console(app, line).get("/console/signin")
    assert "เข้าสู่ระบบด้วย LINE" in text_of_page(signin)
    line_login.login_user = coordinator_user
    browser, back = _line_login(app, line)
    assert back.status_code == 302 and back.headers["Location"].endswith("/console/")
    assert browser.get("/console/").status_code == 200
    assert line_login.calls(LOGIN_TOKEN)[-1].status == 200


@pytest.mark.parametrize("changes", [{"nonce": "another"}, {"aud": "someone-else"}, {"_secret": "f" * 32},
                                     {"iss": "https://evil.example"}, {"exp": 1_000_000_000}])
def test_line_login_refuses_a_bad_id_token(app, line, line_login, coordinator_user, changes):
    line_login.login_user = coordinator_user
    line_login.login_token_changes = dict(changes)
    browser, back = _line_login(app, line)
    assert back.status_code == 400 and "ไม่ผ่าน" in text_of_page(back)
    assert browser.get("/console/").status_code == 302


def test_line_login_of_someone_who_is_not_a_coordinator(app, line, line_login, register):
    line_login.login_user = register("S01")
    browser, back = _line_login(app, line)
    assert back.status_code == 403 and browser.get("/console/").status_code == 302


def test_line_login_with_a_stale_state(app, line, line_login, coordinator_user):
    browser = Console(app, line)
    back = browser.client.get("/console/login/line/callback?code=x&state=never-issued")
    assert back.status_code == 400 and browser.get("/console/").status_code == 302


def test_no_line_login_unless_configured(anonymous):
    assert "เข้าสู่ระบบด้วย LINE" not in text_of_page(anonymous.get("/console/signin"))
    assert anonymous.get("/console/login/line").status_code == 404
