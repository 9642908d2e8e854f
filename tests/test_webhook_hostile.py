"""POST /callback against hostile requests (issue 15, items 1 and 2): every request gets a judgement
(400, 413, or 200 with the event recorded and ignored or answered plainly), never a 5xx or a
traceback; and one account flooding the webhook is slowed without slowing anyone else."""
from __future__ import annotations

import hashlib
import http.client
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from bot import create_app
from bot.config import Settings
from bot.webhook import MAX_BODY, MAX_DEPTH, SLOW_DOWN, parse_payload, signature_ok
from handlers.texts import APOLOGY
from models.proposal import Proposal
from models.ratelimit import RateLimit
from models.staff import RegistrationFailure
from models.webhook_event import WebhookEvent
from tests.conftest import LineActions, count_rows, invite_code, payload, sign, text_of
from tests.handlers import replies

REPLY = "/v2/bot/message/reply"
STRANGER = "U" + "e" * 32


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO)
    return caplog


def tracebacks(caplog) -> list[str]:
    """Log records that carry a traceback, or say something failed (ERROR and above)."""
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def post_raw(url: str, body: bytes | None = None, headers: dict[str, str | bytes] | None = None,
             chunks: list[bytes] | None = None) -> tuple[int, bytes]:
    """POST /callback over a real connection; `chunks`: sent chunked, without Content-Length."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("POST", "/callback")
        conn.putheader("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if chunks is not None:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for chunk in chunks:
                conn.send(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
            conn.send(b"0\r\n\r\n")
        else:
            assert body is not None
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def in_pieces(body: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [body[i:i + size] for i in range(0, len(body), size)]


# -- the three found from outside, through real HTTP ------------------------------------------------
@pytest.mark.parametrize("header", ["ลายเซ็นปลอม".encode(), "é" * 44, "abc\u00ff=", "x" * 10_000])
def test_a_signature_that_is_not_ascii_is_400_over_http(bot, live_app, line, logs, header):
    body = payload(line.text_event(STRANGER, "สวัสดี"))
    status, _ = post_raw(live_app.url, body, {"X-Line-Signature": header})
    assert status == 400
    assert count_rows(bot, WebhookEvent) == 0
    assert tracebacks(logs) == []


def test_signature_comparison_takes_any_text():
    body = b'{"events": []}'
    for given in ("ลายเซ็น", "\ud800", "é", sign(body) + "\u00e9", " " + sign(body) + " "):
        assert signature_ok("secret", body, given) is (given.strip() == sign(body, "secret"))
    assert signature_ok("secret", body, sign(body, "secret"))


@pytest.mark.parametrize("body", [
    b"[" * 100_000,
    b'{"destination": "U1", "events": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    b'{"destination": "U1", "events": [], "x": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
])
def test_json_nested_deeper_than_any_line_payload_is_400_over_http(bot, live_app, logs, body):
    status, _ = post_raw(live_app.url, body, {"X-Line-Signature": sign(body)})
    assert status == 400
    assert count_rows(bot, WebhookEvent) == 0
    assert tracebacks(logs) == []


def test_a_chunked_body_over_one_mebibyte_is_413_over_http(bot, live_app, line, logs):
    event = line.text_event(STRANGER, "สวัสดี")
    body = payload(event)[:-1] + b', "pad": "' + b"x" * MAX_BODY + b'"}'
    status, _ = post_raw(live_app.url, headers={"X-Line-Signature": sign(body)}, chunks=in_pieces(body))
    assert status == 413
    assert count_rows(bot, WebhookEvent) == 0
    assert tracebacks(logs) == []


def test_a_chunked_body_within_the_limit_is_read_whole_over_http(bot, live_app, line, line_api, logs):
    """Chunked is fine when it fits: read to its end (even at exactly 1 MiB), signed, answered."""
    event = line.text_event(STRANGER, "สวัสดี")
    head = payload(event)[:-1] + b', "pad": "'
    body = head + b"x" * (MAX_BODY - len(head) - 2) + b'"}'
    assert len(body) == MAX_BODY
    status, _ = post_raw(live_app.url, headers={"X-Line-Signature": sign(body)}, chunks=in_pieces(body, 10_000))
    assert status == 200
    assert count_rows(bot, WebhookEvent) == 1
    assert "ลงทะเบียน" in text_of(line_api.messages_for(STRANGER))
    assert tracebacks(logs) == []


def test_content_length_over_one_mebibyte_is_413_over_http(bot, live_app):
    body = b'{"destination": "U1", "events": [], "pad": "' + b"x" * MAX_BODY + b'"}'
    status, _ = post_raw(live_app.url, body, {"X-Line-Signature": sign(body)})
    assert status == 413


# -- what JSON may hold ------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    b'{"events": [], "x": NaN}', b'{"events": [], "x": Infinity}', b'{"events": [], "x": -Infinity}',
    b'{"events": [], "x": 1e999}', b'{"events": [], "x": ' + b"9" * 5000 + b"}",
    b'{"events": [], "x": ' + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"}",
    b'{"events": [{"type": "message", "webhookEventId": ""}]}',
    b'{"events": [{"type": "message", "webhookEventId": "' + b"A" * 65 + b'"}]}',
    b'{"events": [{"type": 1, "webhookEventId": "A"}]}', b'{"events": [], "destination": 5}',
    "{\"events\": []}".encode("utf-16")[:5],
])
def test_json_no_line_server_writes_is_400(bot, line, logs, body):
    assert line.post([], body=body, signature=sign(body)).status_code == 400
    assert count_rows(bot, WebhookEvent) == 0
    assert tracebacks(logs) == []


def test_a_real_payload_is_not_too_deep():
    """A text with emojis and a mention, the deepest LINE sends, is well within MAX_DEPTH."""
    event = {"type": "message", "webhookEventId": "01H", "timestamp": 1, "message": {
        "type": "text", "id": "1", "text": "@a 😀", "quoteToken": "q",
        "emojis": [{"index": 3, "length": 2, "productId": "p", "emojiId": "e"}],
        "mention": {"mentionees": [{"index": 0, "length": 2, "type": "user", "userId": "U1", "isSelf": False}]},
    }}
    assert parse_payload(json.dumps({"destination": "U1", "events": [event]}).encode())[0]["message"]


def test_lone_surrogates_and_nul_are_replaced_everywhere():
    body = (b'{"destination": "U1", "events": [{"type": "message", "webhookEventId": "E\\u0000\\ud800",'
            b' "timestamp": 1, "\\udfff": "\\ud83d\\ude00 \\ud800\\u0000", "message": {"text": ["\\udc00"]}}]}')
    (event,) = parse_payload(body)
    assert event["webhookEventId"] == "E\ufffd\ufffd"
    assert event["\ufffd"] == "😀 \ufffd\ufffd"  # a real pair stays the emoji it is
    assert event["message"]["text"] == ["\ufffd"]


def signed(events: list[dict]) -> tuple[bytes, str]:
    """A body with lone surrogates as JSON escapes (how they arrive: raw ones are not UTF-8)."""
    body = json.dumps({"destination": "U1", "events": events}).encode()
    return body, sign(body)


# -- events with fields of the wrong type or out of range: recorded, ignored or answered plainly ------
def base_event(line: LineActions, user: str = STRANGER, **fields) -> dict:
    event = line.event(user, "message", message={"id": "1", "type": "text", "text": "สวัสดี", "quoteToken": "q"})
    event.update(fields)
    return event


WRONG_TIMESTAMPS = [10**30, 2**63, 253402300800000, -1, 0, 1.5, 1.7e12, "1700000000000", True, None, [1], {"t": 1}]


@pytest.mark.parametrize("timestamp", WRONG_TIMESTAMPS)
def test_an_event_with_a_timestamp_no_clock_gives_is_recorded_not_answered(bot, line, line_api, logs, timestamp):
    event = base_event(line, timestamp=timestamp)
    assert line.post([event]).status_code == 200
    with bot.db.sessions() as s:
        row = s.scalar(sa.select(WebhookEvent).where(WebhookEvent.webhook_event_id == event["webhookEventId"]))
    assert row is not None  # recorded (at the time it arrived), so a redelivery is a duplicate
    assert line_api.messages_for(STRANGER) == []
    assert tracebacks(logs) == []


def test_an_event_without_a_timestamp_is_recorded_not_answered(bot, line, line_api, logs):
    event = base_event(line)
    del event["timestamp"]
    assert line.post([event]).status_code == 200
    assert count_rows(bot, WebhookEvent) == 1
    assert line_api.messages_for(STRANGER) == []
    assert tracebacks(logs) == []


@pytest.mark.parametrize("user_id", [5, None, ["U1"], {"id": "U1"}, "", "U" * 65, "U 1", "U\n1", "U\u0000",
                                     "ผู้ใช้", "\ud800"])
def test_an_event_whose_user_id_is_no_id_is_recorded_not_answered(bot, line, line_api, logs, user_id):
    body, signature = signed([base_event(line, source={"type": "user", "userId": user_id})])
    assert line.post([], body=body, signature=signature).status_code == 200
    with bot.db.sessions() as s:
        row = s.scalar(sa.select(WebhookEvent))
    assert row is not None and row.line_user_id is None
    assert line_api.calls(REPLY) == []
    assert tracebacks(logs) == []


@pytest.mark.parametrize("source", [None, "user", [], {"type": 1}, {"type": ["user"]}, {}])
def test_an_event_whose_source_is_no_source_is_recorded_not_answered(bot, line, line_api, logs, source):
    event = base_event(line, source=source)
    assert line.post([event]).status_code == 200
    assert count_rows(bot, WebhookEvent) == 1
    assert line_api.calls(REPLY) == []
    assert tracebacks(logs) == []


@pytest.mark.parametrize("message", [
    {"id": "1", "type": "text", "quoteToken": "q"},  # no text
    {"id": "1", "type": "text", "text": 5, "quoteToken": "q"},
    {"id": 1, "type": "text", "text": "hi", "quoteToken": "q"},
    {"id": "1", "type": "image", "quoteToken": "q"},  # no contentProvider
    {"id": "1", "type": "file", "fileName": "a.pdf", "fileSize": "3"},
    {"id": "1", "type": "sticker", "packageId": "1", "stickerId": "1", "stickerResourceType": "X", "quoteToken": "q"},
    {"id": "1", "type": ["text"]}, {"id": "1", "type": {"t": 1}}, {"id": "1"}, {}, [], "hello", 5, None,
])
def test_a_message_missing_its_fields_is_recorded_not_answered(bot, line, line_api, logs, message):
    event = base_event(line, message=message)
    assert line.post([event]).status_code == 200
    assert count_rows(bot, WebhookEvent) == 1
    assert line_api.messages_for(STRANGER) == []
    assert tracebacks(logs) == []


@pytest.mark.parametrize("fields", [
    {"mode": 5}, {"mode": "sleeping"}, {"deliveryContext": "x"}, {"deliveryContext": {"isRedelivery": "yes"}},
    {"replyToken": 5}, {"replyToken": ""}, {"replyToken": "x" * 10_000}, {"replyToken": "tok\u0000en"},
    {"type": "message" + "x" * 1000},
])
def test_other_fields_of_the_wrong_type_change_nothing_but_the_record(bot, line, line_api, logs, fields):
    event = dict(base_event(line), **fields)
    assert line.post([event]).status_code == 200
    assert count_rows(bot, WebhookEvent) == 1
    assert tracebacks(logs) == []


def test_lone_surrogates_and_nul_in_text_are_stored_readably(bot, line, line_api, register, logs):
    """From a stranger (as a registration code) and from a registered person mid-proposal: the text is
    kept with U+FFFD where the broken characters were, and the person is answered as usual."""
    body, signature = signed([line.text_event(STRANGER, "ลงทะเบียน AB\ud800CD\u0000EF")])
    assert line.post([], body=body, signature=signature).status_code == 200
    with bot.db.sessions() as s:
        assert s.scalars(sa.select(RegistrationFailure.code_tried)).all() == ["AB\ufffdCD\ufffdEF"]
    assert "ไม่พบรหัสเชิญ" in text_of(line_api.messages_for(STRANGER))

    user = register("S01")
    line.say(user, "ความดี")
    for text in ("ห้องน้ำชั้นสอง\ud83d สกปรก\u0000ไม่มีใครดูแลเลย", "ช่วยกันทำความสะอาด\udfffทุกเช้าวันศุกร์",
                 "\ud800\udc00\udbff"):
        body, signature = signed([line.text_event(user, text)])
        assert line.post([], body=body, signature=signature).status_code == 200
    assert APOLOGY not in text_of(line_api.messages_for(user))
    with bot.db.sessions() as s:
        kept = [str(v) for v in s.scalars(sa.text("SELECT data FROM conversations"))]
        kept += [p.problem + p.good for p in s.scalars(sa.select(Proposal))]
    assert any("\ufffd" in v or "\\ufffd" in v for v in kept), kept
    assert tracebacks(logs) == []


@pytest.mark.parametrize("data", [
    "a=pledge.ack&v=1%00", "a=help.show%00", "a=pledge.ack&v=%ED%A0%80", "a=pledge.ack&v=" + "1" * 400,
    "x" * 10_000, "", "&&&==&", "a=", "a=%", "a=pledge.ack&a=pledge.read", "a=pledge.ack&ctx=1",
    "a=pledge.ack&v=-1", "a=pledge.ack&v=1_000", "a=pledge.ack&v=٣", "a=pledge.ack&v=0x10", "a=pledge.ack&v= 1",
    "a=checkin.go&id=1e5", "a=nomination.pick&q=\ud800&i=1", "a=nomination.pick&q=%00&i=1",
])
def test_postback_data_that_was_never_ours_is_answered_plainly(bot, line, register, logs, data):
    user = register("C01")  # a coordinator: the coordinator-only buttons run too
    body, signature = signed([line.postback_event(user, data)])
    before = len(line.fake.messages_for(user))
    assert line.post([], body=body, signature=signature).status_code == 200
    said = text_of(line.fake.messages_for(user)[before:])
    assert said and "ระบบขัดข้อง" not in said, said
    assert tracebacks(logs) == []


@pytest.mark.parametrize("postback", [{"data": 5}, {"data": None}, {}, [], "a=help.show",
                                      {"data": "a=help.show", "params": {"date": 5}}])
def test_a_postback_of_the_wrong_shape_is_recorded_not_answered(bot, line, line_api, logs, postback):
    event = line.event(STRANGER, "postback", postback=postback)
    assert line.post([event]).status_code == 200
    assert count_rows(bot, WebhookEvent) == 1
    assert line_api.messages_for(STRANGER) == []
    assert tracebacks(logs) == []


@pytest.mark.parametrize("latitude,longitude", [(1000, 99.8), (19.9, -181), (10**400, 1), (19.9, 1e308 * 10)])
def test_a_location_that_is_no_place_is_answered_as_unreadable(bot, line, line_api, register, logs,
                                                               latitude, longitude):
    user = register("S01")
    event = line.event(user, "message", message={"id": "3", "type": "location", "latitude": 0, "longitude": 0})
    body = json.dumps({"destination": "U1", "events": [event]}).encode()
    body = body.replace(b'"latitude": 0', f'"latitude": {latitude}'.encode())
    body = body.replace(b'"longitude": 0', f'"longitude": {longitude}'.encode())
    before = len(line_api.messages_for(user))
    status = line.post([], body=body, signature=sign(body)).status_code
    assert status in (200, 400)  # 1e309 is no finite number: not JSON a LINE server writes
    said = text_of(line_api.messages_for(user)[before:])
    assert said == "" or "อ่านได้เฉพาะข้อความ" in said, said  # not readable by the SDK, or by us
    assert tracebacks(logs) == []


@pytest.mark.parametrize("message_id", ["../../v2/bot/message/push", "1 2", "", "9" * 100, "\u0e51", "x1"])
def test_an_image_whose_id_is_no_id_is_not_fetched(bot, line, line_api, register, logs, message_id):
    user = register("S01")
    event = line.event(user, "message", message={"id": message_id, "type": "image", "quoteToken": "q",
                                                 "contentProvider": {"type": "line"}})
    assert line.post([event]).status_code == 200
    assert not [c for c in line_api.calls() if "/content" in c.path]
    assert "อ่านได้เฉพาะข้อความ" in text_of(line_api.messages_for(user)[-1:])
    assert tracebacks(logs) == []


def test_our_own_failure_still_gets_the_apology_and_a_traceback(bot, line, line_api, register, logs, monkeypatch):
    """The apology is for real failures of our code; those are logged with their traceback."""
    user = register("S01")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr("bot.webhook.people.by_line_user", broken)
    assert line.post([line.text_event(user, "สถานะ")]).status_code == 200
    assert text_of(line_api.messages_for(user)[-1:]) == APOLOGY
    assert [r for r in logs.records if r.exc_info and "handler failed" in r.getMessage()]


# -- item 2: one account flooding ---------------------------------------------------------------------
@pytest.fixture
def register_early(office, line):
    """register_early("S01") → the LINE user id linked to S01 by a registration an hour ago, so that
    the floods below (in later windows) start with a fresh count."""

    def _register(code: str) -> str:
        user_id = "U" + hashlib.md5(code.encode()).hexdigest()
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        replies = line.say(user_id, f"ลงทะเบียน {invite_code(office, code)}", at=an_hour_ago)
        assert "ลงทะเบียนเรียบร้อยแล้ว" in text_of(replies)
        return user_id

    return _register


def window_start(bot, seconds_ago: float = 120) -> datetime:
    """A moment that begins a rate-limit window, a little in the past."""
    window = bot.settings.rate_limit_window
    ago = time.time() - seconds_ago
    return datetime.fromtimestamp(ago - ago % window, UTC)


class Tokens:
    """Reply tokens issued per user, to count what the fake LINE accepted for each."""

    def __init__(self, line: LineActions):
        self.line = line
        self.issued: dict[str, set[str]] = {}

    def text(self, user: str, text: str, at: datetime) -> dict:
        event = self.line.text_event(user, text, at)
        self.issued.setdefault(user, set()).add(event["replyToken"])
        return event

    def replies_to(self, user: str) -> int:
        return sum(1 for c in self.line.fake.calls(REPLY)
                   if c.status == 200 and c.body.get("replyToken") in self.issued.get(user, set()))


def test_one_account_sending_fifty_a_second_is_slowed_and_others_are_answered(bot, line, line_api, register_early,
                                                                              logs):
    flooder, other = register_early("S01"), register_early("S02")
    limit = bot.settings.rate_limit_per_user
    assert 0 < limit < 60
    tokens = Tokens(line)
    start = window_start(bot)
    answered_other = 0
    for i in range(60):  # 50 a second, by the events' own time: 1.2 seconds of flood
        at = start + timedelta(milliseconds=20 * i)
        assert line.post([tokens.text(flooder, "สถานะ", at)]).status_code == 200
        if i % 10 == 5:
            before = len(line_api.messages_for(other))
            assert line.post([tokens.text(other, "สถานะ", at)]).status_code == 200
            assert "นางสมศรี รักดี" in text_of(line_api.messages_for(other)[before:])
            answered_other += 1
    said = [m.get("text") for m in line_api.messages_for(flooder)]
    assert said.count(SLOW_DOWN) == 1  # once in the window, not once per message
    assert tokens.replies_to(flooder) == limit + 1  # `limit` answers and the notice
    assert tokens.replies_to(other) == answered_other == 6
    with bot.db.sessions() as s:  # every event recorded, so none is redelivered or handled twice
        recorded = s.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)
                            .where(WebhookEvent.line_user_id == flooder, WebhookEvent.occurred_at >= start))
    assert recorded == 60
    assert replies.check(line_api.messages_for(flooder)) == []
    assert tracebacks(logs) == []
    notices = [r for r in logs.records if "sent more than" in r.getMessage()]
    assert len(notices) == 1  # the log says it once too


def test_the_next_window_is_answered_again_and_told_again(bot, line, line_api, register_early):
    user = register_early("S01")
    limit, window = bot.settings.rate_limit_per_user, bot.settings.rate_limit_window
    tokens = Tokens(line)
    start = window_start(bot, seconds_ago=10 * window)
    for w in range(2):
        for i in range(limit + 5):
            at = start + timedelta(seconds=w * window, milliseconds=10 * i)
            line.post([tokens.text(user, "สถานะ", at)])
    said = [m.get("text") for m in line_api.messages_for(user)]
    assert said.count(SLOW_DOWN) == 2
    assert tokens.replies_to(user) == 2 * (limit + 1)


def test_held_events_are_not_handled_and_a_redelivery_counts_nothing(bot, line, line_api, register_early):
    user = register_early("S01")
    limit = bot.settings.rate_limit_per_user
    start = window_start(bot)
    events = [line.text_event(user, "สถานะ", start + timedelta(milliseconds=i)) for i in range(limit + 3)]
    for event in events:
        line.post([event])
    with bot.db.sessions() as s:
        assert s.get(RateLimit, user).events == limit + 3
    line.post([dict(e, deliveryContext={"isRedelivery": True}) for e in events])  # all again: seen before
    with bot.db.sessions() as s:
        assert s.get(RateLimit, user).events == limit + 3
    # A proposal started while held is not started: the held word did nothing.
    before = len(line_api.messages_for(user))
    line.post([line.text_event(user, "ความดี", start + timedelta(milliseconds=limit + 5))])
    assert line_api.messages_for(user)[before:] == []
    with bot.db.sessions() as s:
        assert s.scalar(sa.text("SELECT count(*) FROM conversations")) == 0


def test_a_flood_inside_one_request_is_slowed_too(bot, line, line_api, register_early):
    user = register_early("S01")
    limit = bot.settings.rate_limit_per_user
    start = window_start(bot)
    tokens = Tokens(line)
    assert line.post([tokens.text(user, "สถานะ", start + timedelta(milliseconds=i)) for i in range(limit * 2)]) \
        .status_code == 200
    assert tokens.replies_to(user) == limit + 1
    assert count_rows(bot, WebhookEvent) == limit * 2 + 1


def test_the_limit_is_shared_by_web_processes_on_one_database(bot, settings, line, line_api, register_early):
    """Two apps (as two gunicorn workers or machines would be) on one database count one account once."""
    user = register_early("S01")
    other_app = create_app(settings)
    try:
        second = LineActions(other_app.test_client(), line_api)
        limit = settings.rate_limit_per_user
        start = window_start(bot)
        tokens = Tokens(line)
        for i in range(limit + 10):
            event = tokens.text(user, "สถานะ", start + timedelta(milliseconds=i))
            assert (line if i % 2 else second).post([event]).status_code == 200
        assert [m.get("text") for m in line_api.messages_for(user)].count(SLOW_DOWN) == 1
        assert tokens.replies_to(user) == limit + 1
    finally:
        other_app.extensions["khunnatham"].close()


def test_the_limit_is_read_from_the_environment_and_zero_turns_it_off(bot, settings, line_api, register_early):
    env = {"LINE_CHANNEL_ACCESS_TOKEN": "t", "RATE_LIMIT_PER_USER": "3", "RATE_LIMIT_WINDOW": "2.5"}
    read = Settings.from_env(env)
    assert (read.rate_limit_per_user, read.rate_limit_window) == (3, 2.5)
    default = Settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": "t"})
    assert (default.rate_limit_per_user, default.rate_limit_window) == (Settings().rate_limit_per_user,
                                                                        Settings().rate_limit_window)
    user = register_early("S01")
    unlimited = create_app(settings.replace(rate_limit_per_user=0))
    try:
        actions = LineActions(unlimited.test_client(), line_api)
        start = window_start(bot)
        before = len(line_api.messages_for(user))
        for i in range(settings.rate_limit_per_user + 5):
            actions.post([actions.text_event(user, "สถานะ", start + timedelta(milliseconds=i))])
        said = [m.get("text") for m in line_api.messages_for(user)[before:]]
        assert SLOW_DOWN not in said and len(said) >= settings.rate_limit_per_user + 5
    finally:
        unlimited.extensions["khunnatham"].close()


def test_a_small_limit_from_settings(bot, settings, line_api, register_early):
    user = register_early("S01")
    small = create_app(settings.replace(rate_limit_per_user=2, rate_limit_window=60))
    try:
        actions = LineActions(small.test_client(), line_api)
        tokens = Tokens(actions)
        start = datetime.fromtimestamp((time.time() // 60 - 2) * 60, UTC)
        for i in range(6):
            actions.post([tokens.text(user, "สถานะ", start + timedelta(seconds=i * 5))])
        assert tokens.replies_to(user) == 3
    finally:
        small.extensions["khunnatham"].close()


def test_a_timestamp_ahead_of_our_clock_does_not_hold_the_account_until_then(bot, line, line_api, register_early):
    user = register_early("S01")
    limit = bot.settings.rate_limit_per_user
    future = datetime.now(UTC) + timedelta(days=3650)
    for _ in range(limit):  # counted in the window of now, not of 2036
        line.post([line.text_event(user, "สถานะ", future)])
    with bot.db.sessions() as s:
        assert s.get(RateLimit, user).window_start <= time.time() * 1000


def test_a_flood_over_http_while_another_person_is_answered_in_the_usual_time(bot, live_app, line, line_api,
                                                                              register_early):
    flooder, other = register_early("S01"), register_early("S02")
    limit = bot.settings.rate_limit_per_user
    start = window_start(bot)
    tokens = Tokens(line)
    bodies = [payload(tokens.text(flooder, "สถานะ", start + timedelta(milliseconds=20 * i))) for i in range(120)]
    statuses: list[int] = []

    def flood(share: list[bytes]) -> None:
        for body in share:
            statuses.append(post_raw(live_app.url, body, {"X-Line-Signature": sign(body)})[0])

    threads = [threading.Thread(target=flood, args=(bodies[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    took = []
    for i in range(5):
        body = payload(line.text_event(other, "สถานะ", start + timedelta(milliseconds=100 * i)))
        began = time.monotonic()
        assert post_raw(live_app.url, body, {"X-Line-Signature": sign(body)})[0] == 200
        took.append(time.monotonic() - began)
    for t in threads:
        t.join()
    assert statuses == [200] * 120
    assert max(took) < 2.0  # LINE's limit for an answer
    assert sum("นางสมศรี รักดี" in text_of([m]) for m in line_api.messages_for(other)) >= 5
    said = [m.get("text") for m in line_api.messages_for(flooder)]
    assert said.count(SLOW_DOWN) == 1
    assert tokens.replies_to(flooder) == limit + 1
    assert count_rows(bot, WebhookEvent) == 2 + 120 + 5
