"""The sandbox: demo office, fake LINE inside the app, the chat page's API through the real /callback."""
from __future__ import annotations

import dataclasses
import io
import json
import logging
import socket
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa
from linebot.v3.messaging import TextMessage
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bot import create_app
from bot.config import Settings
from bot.db import upgrade
from bot.sandbox import demo
from models.pledge import PledgeAck
from models.staff import Staff
from models.webhook_event import WebhookEvent
from tests.conftest import LiveServer, count_rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sandbox_settings(url: str, port: int) -> Settings:
    return Settings(database_url=url, channel_secret="generated-for-this-process",
                    access_token="sandbox-access-token", sandbox=True,
                    line_api_host=f"http://127.0.0.1:{port}/sandbox/line", line_backoff=0.01)


@pytest.fixture
def sandbox(tmp_path):
    url = f"sqlite:///{tmp_path / 'sandbox.sqlite'}"
    upgrade(url)
    port = free_port()
    app = create_app(sandbox_settings(url, port))
    server = LiveServer(app, port)
    server.bot = app.extensions["khunnatham"]
    yield server
    server.stop()
    server.bot.close()


def call(server, path: str, body: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def person(server, code: str) -> dict:
    return next(p for p in call(server, "/sandbox/api/people")[1] if p["code"] == code)


def chat(server, user: str) -> list[dict]:
    return chat_of(server, user)["items"]


def chat_of(server, user: str) -> dict:
    return call(server, f"/sandbox/api/chat?user={user}")[1]


def test_demo_office_is_loaded_once(sandbox, tmp_path):
    people = call(sandbox, "/sandbox/api/people")[1]
    assert len(people) == 30
    assert len({p["unit"] for p in people}) == 4
    roles = [p["role"] for p in people]
    assert roles.count("coordinator") == 2 and roles.count("executive") == 1
    assert sum(1 for p in people if not p["userId"]) == len(demo.UNREGISTERED)
    assert count_rows(sandbox.bot, PledgeAck) == len(demo.ACKNOWLEDGED)
    # A second start on the same database loads nothing more.
    again = create_app(sandbox.bot.settings)
    assert count_rows(again.extensions["khunnatham"], Staff) == 30
    again.extensions["khunnatham"].close()


def test_typing_goes_through_the_real_webhook(sandbox):
    coordinator = person(sandbox, "D001")["userId"]
    status, body = call(sandbox, "/sandbox/api/say", {"user": coordinator, "text": "สรุป"})
    assert status == 200 and body["status"] == 200
    items = chat(sandbox, coordinator)
    assert [i["from"] for i in items] == ["user", "bot"]
    assert "สรุป" in items[0]["html"]
    assert "ทั้งสำนักงาน" in items[1]["html"] and f"{len(demo.ACKNOWLEDGED)}/30" in items[1]["html"]
    with sandbox.bot.db.sessions() as s:
        assert s.scalar(sa.select(WebhookEvent.line_user_id)) == coordinator  # recorded by /callback


def test_register_then_acknowledge_by_postback(sandbox):
    status, body = call(sandbox, "/sandbox/api/users", {})
    newcomer = body["userId"]
    code = person(sandbox, "D013")["inviteCode"]
    call(sandbox, "/sandbox/api/say", {"user": newcomer, "text": f"ลงทะเบียน {code}"})
    assert person(sandbox, "D013")["userId"] == newcomer
    reply = chat(sandbox, newcomer)[-1]
    assert "ลงทะเบียนเรียบร้อยแล้ว" in reply["html"] and "lb-chip" in reply["quickReply"]
    call(sandbox, "/sandbox/api/say", {"user": newcomer, "text": "ปฏิญญา"})
    card = chat(sandbox, newcomer)[-1]["html"]
    assert "data-action" in card and "pledge.ack" in card
    with sandbox.bot.db.sessions() as s:
        version = s.scalar(sa.text("SELECT id FROM pledge_versions"))
    call(sandbox, "/sandbox/api/postback", {"user": newcomer, "data": f"a=pledge.ack&v={version}",
                                            "displayText": "รับทราบปฏิญญา"})
    items = chat(sandbox, newcomer)
    assert items[-2]["from"] == "user" and "รับทราบปฏิญญา" in items[-2]["html"]
    assert f"ร่วมแล้ว {len(demo.ACKNOWLEDGED) + 1} จาก 30 คน" in items[-1]["html"]


def test_follow_and_unfollow(sandbox):
    user = person(sandbox, "D010")["userId"]
    call(sandbox, "/sandbox/api/follow", {"user": user})
    assert "ยินดีต้อนรับกลับ" in chat(sandbox, user)[-1]["html"]
    status, _ = call(sandbox, "/sandbox/api/unfollow", {"user": user})
    assert status == 200
    assert len(chat(sandbox, user)) == 1  # nothing answers an unfollow
    with sandbox.bot.db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).where(WebhookEvent.type == "unfollow")) == 1


def test_an_unfollowed_account_gets_no_replies_until_it_follows_again(sandbox):
    user = person(sandbox, "D010")["userId"]
    assert call(sandbox, "/sandbox/api/unfollow", {"user": user})[0] == 200
    assert chat_of(sandbox, user)["blocked"] is True
    # As in LINE, a person who blocked the account sends nothing: no event, no reply.
    status, body = call(sandbox, "/sandbox/api/say", {"user": user, "text": "สถานะ"})
    assert status == 409 and "บล็อก" in json.loads(body)["message"]
    assert call(sandbox, "/sandbox/api/postback", {"user": user, "data": "a=pledge.ack&v=1"})[0] == 409
    assert chat(sandbox, user) == []
    # Nor does a push reach them: the fake LINE drops it and does not bill it.
    fake = sandbox.bot.sandbox
    used = fake.quota_used
    sandbox.bot.line.push(user, [TextMessage(text="ทดสอบ")])
    assert chat(sandbox, user) == [] and fake.quota_used == used
    # Adding the account again restores the chat.
    call(sandbox, "/sandbox/api/follow", {"user": user})
    assert chat_of(sandbox, user)["blocked"] is False
    assert "ยินดีต้อนรับกลับ" in chat(sandbox, user)[-1]["html"]
    assert call(sandbox, "/sandbox/api/say", {"user": user, "text": "สถานะ"})[0] == 200
    assert chat(sandbox, user)[-1]["from"] == "bot"


def test_the_job_buttons_have_thai_names(sandbox):
    labels = {j["name"]: j["label"] for j in call(sandbox, "/sandbox/api/jobs")[1]}
    assert labels["weekly-digest"] == "ส่งสรุปรายสัปดาห์"
    assert labels["deadline-reminders"] == "ส่งการเตือนกำหนดเวลา"
    assert labels["milestone-snapshots"] == "ถ่ายภาพข้อมูล ณ วันครบกำหนด"
    assert all(any("\u0e00" <= c <= "\u0e7f" for c in label) for label in labels.values())


def test_running_a_job_says_what_it_sent_or_why_nothing(sandbox):
    coordinator = person(sandbox, "D001")
    status, body = call(sandbox, "/sandbox/api/jobs/weekly-digest", {"user": coordinator["userId"]})
    assert status == 200 and body["messages"] >= 1 and body["recipients"] >= 1
    assert body["text"].startswith("ส่งสรุปรายสัปดาห์: ส่งแล้ว") and coordinator["name"] in body["text"]
    assert chat(sandbox, coordinator["userId"])[-1]["kind"] == "push"
    # Again in the same week: nothing, and why.
    again = call(sandbox, "/sandbox/api/jobs/weekly-digest", {"user": coordinator["userId"]})[1]
    assert again["messages"] == 0 and "ไม่ได้ส่งข้อความ เพราะ" in again["text"] and "ไม่ส่งซ้ำ" in again["text"]
    # A job that sends nothing today says so in Thai.
    for name in ("outbox-retry", "milestone-snapshots"):
        done = call(sandbox, f"/sandbox/api/jobs/{name}", {"user": coordinator["userId"]})[1]
        assert done["messages"] == 0 and done["text"].startswith(done["label"] + ":")
        assert "ไม่" in done["text"] and not any(c.isascii() and c.isalpha() for c in done["text"].split("(")[0])


def test_polling_writes_no_access_log_line(sandbox, caplog):
    user = person(sandbox, "D004")["userId"]
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        for _ in range(3):
            chat(sandbox, user)
        call(sandbox, "/sandbox/api/say", {"user": user, "text": "สถานะ"})
        assert call(sandbox, "/sandbox/api/chat?user=nobody")[0] == 400  # a failed poll is still logged
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert not [line for line in lines if "/sandbox/api/chat?user=U" in line]
    assert any("POST /sandbox/api/say" in line for line in lines)
    assert any("/sandbox/api/chat?user=nobody" in line for line in lines)


def test_reset_restores_the_demo(sandbox):
    newcomer = call(sandbox, "/sandbox/api/users", {})[1]["userId"]
    call(sandbox, "/sandbox/api/say", {"user": newcomer, "text": f"ลงทะเบียน {person(sandbox, 'D007')['inviteCode']}"})
    assert person(sandbox, "D007")["userId"] == newcomer
    assert call(sandbox, "/sandbox/api/reset", {})[0] == 200
    assert person(sandbox, "D007")["userId"] is None
    assert count_rows(sandbox.bot, Staff) == 30
    assert count_rows(sandbox.bot, PledgeAck) == len(demo.ACKNOWLEDGED)
    assert chat(sandbox, newcomer) == []


def test_jobs_are_for_coordinators(sandbox):
    assert call(sandbox, "/sandbox/api/jobs")[0] == 200
    staff = person(sandbox, "D004")["userId"]
    assert call(sandbox, "/sandbox/api/jobs/anything", {"user": staff})[0] == 403
    coordinator = person(sandbox, "D001")["userId"]
    assert call(sandbox, "/sandbox/api/jobs/no-such-job", {"user": coordinator})[0] == 404


def test_bad_input_is_refused_clearly(sandbox):
    status, body = call(sandbox, "/sandbox/api/say", {"user": "not-a-line-id", "text": "x"})
    assert status == 400 and "LINE user id" in body
    user = person(sandbox, "D001")["userId"]
    assert call(sandbox, "/sandbox/api/say", {"user": user, "text": "   "})[0] == 400


def test_page_and_rich_menu_image(sandbox):
    with urllib.request.urlopen(sandbox.url + "/sandbox/") as response:
        page = response.read().decode()
    assert "แซนด์บ็อกซ์" in page and 'data-testid="menu-ปฏิญญา"' in page
    assert 'data-testid="menu-coordinator-สรุป"' in page and 'data-testid="menu-coordinator-เว็บ"' in page
    assert 'data-menu-of-role=\'{"coordinator": "coordinator", "executive": "coordinator", "staff": "staff"}\'' in page
    for path in ("/sandbox/richmenu.png", "/sandbox/richmenu/staff.png", "/sandbox/richmenu/coordinator.png"):
        with urllib.request.urlopen(sandbox.url + path) as response:
            assert response.headers["Content-Type"] == "image/png" and response.read().startswith(b"\x89PNG\r\n\x1a\n")
    assert sandbox.app.test_client().get("/sandbox/richmenu/nobody.png").status_code == 404
    with urllib.request.urlopen(sandbox.url + "/") as response:
        assert response.url.endswith("/sandbox/")


def test_sandbox_refuses_other_machines(sandbox):
    client = sandbox.app.test_client()
    assert client.get("/sandbox/", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    assert client.get("/sandbox/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


def test_no_sandbox_routes_with_line_credentials(client):
    for path in ("/sandbox/", "/sandbox/api/people", "/sandbox/line/v2/bot/message/quota", "/"):
        assert client.get(path).status_code == 404, path


def test_settings_choose_the_sandbox_without_an_access_token():
    assert Settings.from_env({}).sandbox
    assert Settings.from_env({"SANDBOX": "1", "LINE_CHANNEL_ACCESS_TOKEN": "t"}).sandbox
    real = Settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_CHANNEL_SECRET": "s"})
    assert not real.sandbox and real.line_api_host == "https://api.line.me"
    sandbox = Settings.from_env({"PORT": "9123"})
    assert sandbox.line_api_host == "http://127.0.0.1:9123/sandbox/line"
    assert sandbox.database_url.endswith("sandbox.sqlite") and sandbox.channel_secret


@pytest.fixture
def sandbox_with_uploads(tmp_path):
    url = f"sqlite:///{tmp_path / 'sandbox.sqlite'}"
    upgrade(url)
    port = free_port()
    app = create_app(dataclasses.replace(sandbox_settings(url, port), uploads_dir=tmp_path / "uploads"))
    server = LiveServer(app, port)
    server.bot = app.extensions["khunnatham"]
    yield server
    server.stop()
    server.bot.close()


def send_file(server, user: str, data: bytes, name: str, content_type: str):
    boundary, body = encode_multipart({"user": user, "file": FileStorage(io.BytesIO(data), filename=name,
                                                                          content_type=content_type)})
    request = urllib.request.Request(server.url + "/sandbox/api/send-file", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_coordinator_sends_a_photo_as_evidence(sandbox_with_uploads):
    server = sandbox_with_uploads
    coordinator = person(server, "D001")["userId"]
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (6, 199, 85)).save(out, format="PNG")
    photo = out.getvalue()
    call(server, "/sandbox/api/say", {"user": coordinator, "text": "หลักฐาน"})
    assert send_file(server, coordinator, photo, "ภาพกิจกรรม.png", "image/png") == 200
    items = chat(server, coordinator)
    assert f"รูปภาพ · {len(photo):,} ไบต์" in items[-2]["html"] and "ขั้นที่ 2/2" in items[-1]["html"]
    call(server, "/sandbox/api/say", {"user": coordinator, "text": "3.1"})
    assert "บันทึกหลักฐานตัวชี้วัด 3.1 แล้วค่ะ" in chat(server, coordinator)[-1]["html"]
    kept = list((server.bot.settings.uploads_dir).iterdir())
    assert [p.read_bytes() for p in kept] == [photo]
    assert send_file(server, coordinator, b"", "empty.txt", "text/plain") == 400
