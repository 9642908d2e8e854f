"""bot/line.py against the fake Messaging API over real HTTP: retry keys, back-off, what is final."""
from __future__ import annotations

import logging

import pytest

from bot import messages as ui
from bot.fakeline import MULTICAST, PUSH, REPLY
from bot.line import LineClient, LineError

USER = "U" + "4" * 32


@pytest.fixture
def client(settings, line_api):
    line = LineClient(settings, sleep=lambda s: None)
    yield line
    line.close()


def keys(line_api, path):
    return [r.headers.get("X-Line-Retry-Key") for r in line_api.calls(path)]


def test_push_sends_a_retry_key_and_is_delivered(client, line_api):
    key = client.push(USER, [ui.text("ทดสอบ")])
    assert keys(line_api, PUSH) == [key]
    assert line_api.messages_for(USER) == [{"type": "text", "text": "ทดสอบ"}]


def test_push_retries_5xx_with_the_same_key(client, line_api):
    line_api.fail_next(PUSH, 500, times=2)
    key = client.push(USER, [ui.text("ลองใหม่")])
    assert keys(line_api, PUSH) == [key, key, key]
    assert len(line_api.messages_for(USER)) == 1


def test_429_is_retried_then_succeeds(client, line_api):
    line_api.fail_next(MULTICAST, 429)
    client.multicast([USER, "U" + "5" * 32], [ui.text("ประกาศ")])
    assert [r.status for r in line_api.calls(MULTICAST)] == [429, 200]


def test_timeout_is_retried_with_the_same_key(settings, line_api):
    line = LineClient(settings.replace(line_timeout=0.2), sleep=lambda s: None)
    line_api.fail_next(PUSH, 0, delay=0.5)  # hangs past the client's timeout
    key = line.push(USER, [ui.text("ช้า")])
    line.close()
    assert keys(line_api, PUSH) == [key, key]


def test_other_4xx_is_final_and_logged_with_request_id(client, line_api, caplog):
    line_api.fail_next(PUSH, 400)
    with caplog.at_level(logging.ERROR, logger="bot.line"), pytest.raises(LineError) as err:
        client.push(USER, [ui.text("x")])
    assert err.value.status == 400 and err.value.request_id
    assert len(line_api.calls(PUSH)) == 1
    assert err.value.request_id in caplog.text


def test_409_means_already_accepted(client, line_api):
    key = client.push(USER, [ui.text("ครั้งเดียว")])
    assert client.push(USER, [ui.text("ครั้งเดียว")], retry_key=key) == key
    assert [r.status for r in line_api.calls(PUSH)] == [200, 409]
    assert len(line_api.messages_for(USER)) == 1


def test_gives_up_after_max_attempts(client, line_api, settings):
    line_api.fail_next(PUSH, 503, times=settings.line_max_attempts)
    with pytest.raises(LineError) as err:
        client.push(USER, [ui.text("x")])
    assert err.value.status == 503
    assert len(line_api.calls(PUSH)) == settings.line_max_attempts


def test_unreachable_host(settings):
    line = LineClient(settings.replace(line_api_host="http://127.0.0.1:1", line_max_attempts=2), sleep=lambda s: None)
    with pytest.raises(LineError) as err:
        line.push(USER, [ui.text("x")])
    assert err.value.status == 0


def test_reply_is_sent_once_never_retried(client, line_api):
    token = line_api.issue_reply_token(USER)
    line_api.fail_next(REPLY, 500)
    assert client.reply(token, [ui.text("x")]) is False
    assert len(line_api.calls(REPLY)) == 1


def test_reply_token_is_single_use(client, line_api):
    token = line_api.issue_reply_token(USER)
    assert client.reply(token, [ui.text("หนึ่ง")]) is True
    assert client.reply(token, [ui.text("สอง")]) is False


def test_multicast_limits(client):
    with pytest.raises(ValueError):
        client.multicast([f"U{i:032}" for i in range(501)], [ui.text("x")])
    with pytest.raises(ValueError):
        client.multicast([], [ui.text("x")])


def test_quota(client, line_api):
    line_api.quota_limit = 300
    client.push(USER, [ui.text("x")])
    quota = client.quota()
    assert (quota.limit, quota.used, quota.remaining) == (300, 1, 299)


def test_fake_rejects_what_line_would(client, line_api):
    bad_flex = ui.flex("x", {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "text", "text": "ก" * 20000}]}})
    with pytest.raises(LineError) as err:
        client.push(USER, [bad_flex])
    assert err.value.status == 400 and "bytes" in err.value.detail
    assert line_api.messages_for(USER) == []


def test_wrong_access_token_is_401(settings, line_api):
    line = LineClient(settings.replace(access_token="wrong"), sleep=lambda s: None)
    with pytest.raises(LineError) as err:
        line.push(USER, [ui.text("x")])
    assert err.value.status == 401
