"""POST /callback: the contract in DESIGN.md, and GET /healthz and /readyz (bot/health.py)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot import create_app
from models.pledge import PledgeAck
from models.staff import Staff
from models.webhook_event import WebhookEvent
from tests.conftest import count_rows, sign, text_of


def snapshot(bot) -> dict:
    with bot.db.sessions() as s:
        return {
            "events": s.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)),
            "acks": s.scalar(sa.select(sa.func.count()).select_from(PledgeAck)),
            "linked": s.scalar(sa.select(sa.func.count(Staff.line_user_id))),
        }


def test_missing_signature_is_400_and_stores_nothing(bot, line, register):
    user = register("S01")
    before = snapshot(bot)
    event = line.postback_event(user, "a=pledge.ack&v=1")
    assert line.post([event], signature="").status_code == 400
    assert snapshot(bot) == before


def test_forged_signature_leaves_database_unchanged(bot, line, line_api, register, office):
    user = register("S02")
    before = snapshot(bot)
    sent_before = len(line_api.calls("/v2/bot/message/reply"))
    with bot.db.sessions() as s:
        version = s.scalar(sa.text("SELECT id FROM pledge_versions"))
    events = [line.postback_event(user, f"a=pledge.ack&v={version}"),
              line.text_event("Uattacker", "ลงทะเบียน " + "AAAAAAAA")]
    body = json.dumps({"destination": "U1", "events": events}).encode()
    for signature in (sign(body, "wrong-secret"), "bm90IGEgc2lnbmF0dXJl", sign(body + b" ")):
        assert line.post(events, signature=signature, body=body).status_code == 400
    assert snapshot(bot) == before
    assert len(line_api.calls("/v2/bot/message/reply")) == sent_before


def test_body_that_is_not_a_line_payload_is_400(bot, line):
    for body in (b"not json", b"[]", b'{"destination": "U1"}', b'{"events": {}}',
                 b'{"events": [{"type": "message"}]}', b'{"events": [1]}', "\xff\xfe".encode("latin-1")):
        response = line.post([], body=body, signature=sign(body))
        assert response.status_code == 400, body
    assert count_rows(bot, WebhookEvent) == 0


def test_body_over_one_mebibyte_is_413(bot, line):
    body = b'{"destination": "U1", "events": [], "pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert line.post([], body=body, signature=sign(body)).status_code == 413


def test_console_verify_request_is_200(line):
    body = b'{"destination":"Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","events":[]}'
    assert line.post([], body=body, signature=sign(body)).status_code == 200


def test_every_event_type_is_200_and_recorded(bot, line, line_api):
    user = "U" + "a" * 32
    group = {"type": "group", "groupId": "C" + "b" * 32, "userId": user}
    events = [
        line.text_event(user, "สวัสดี"),
        line.event(user, "message", message={"id": "1", "type": "image", "quoteToken": "q",
                                             "contentProvider": {"type": "line"}}),
        line.event(user, "message", message={"id": "2", "type": "sticker", "packageId": "1", "stickerId": "1",
                                             "stickerResourceType": "STATIC", "quoteToken": "q"}),
        line.event(user, "message", message={"id": "3", "type": "location", "latitude": 19.9, "longitude": 99.8}),
        line.event(user, "follow", follow={"isUnblocked": True}),
        line.event(user, "unfollow", reply=False),
        line.event(user, "join", source=group),
        line.event(user, "leave", reply=False, source=group),
        line.event(user, "memberJoined", source=group, joined={"members": [{"type": "user", "userId": user}]}),
        line.event(user, "memberLeft", reply=False, source=group,
                   left={"members": [{"type": "user", "userId": user}]}),
        line.postback_event(user, "a=nothing.here"),
        line.event(user, "beacon", beacon={"hwid": "d41d8cd98f", "type": "enter"}),
        line.event(user, "accountLink", link={"result": "ok", "nonce": "n"}),
        line.event(user, "unsend", reply=False, unsend={"messageId": "1"}),
        line.event(user, "videoPlayComplete", videoPlayComplete={"trackingId": "t"}),
        line.event(user, "activated", reply=False, chatControl={"expireAt": 1}),
        line.event(user, "botSuspended", reply=False),
        line.event(user, "membership", membership={"type": "joined", "membershipId": 1}),
        line.event(user, "somethingLineAddsIn2030", reply=False, surprise={"x": 1}),
    ]
    response = line.post(events)
    assert response.status_code == 200
    with bot.db.sessions() as s:
        recorded = {row.type for row in s.scalars(sa.select(WebhookEvent))}
    assert recorded == {e["type"] for e in events}
    # Unregistered person: text, non-text, follow and postback are answered; group events are not.
    assert len(line_api.calls("/v2/bot/message/reply")) == 6


def test_same_event_three_times_counts_once(bot, line, line_api, register):
    user = register("S01")
    with bot.db.sessions() as s:
        version = s.scalar(sa.text("SELECT id FROM pledge_versions"))
    event = line.postback_event(user, f"a=pledge.ack&v={version}")
    replies_before = len(line_api.calls("/v2/bot/message/reply"))
    for attempt in range(3):
        redelivered = dict(event, deliveryContext={"isRedelivery": attempt > 0})
        assert line.post([redelivered]).status_code == 200
    assert count_rows(bot, PledgeAck) == 1
    assert len(line_api.calls("/v2/bot/message/reply")) == replies_before + 1
    with bot.db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(WebhookEvent)
                        .where(WebhookEvent.webhook_event_id == event["webhookEventId"])) == 1


def test_standby_events_are_recorded_never_answered(bot, line, line_api, register):
    user = register("S01")
    replies_before = len(line_api.calls("/v2/bot/message/reply"))
    event = dict(line.text_event(user, "สถานะ"), mode="standby")
    assert line.post([event]).status_code == 200
    assert len(line_api.calls("/v2/bot/message/reply")) == replies_before
    with bot.db.sessions() as s:
        row = s.scalar(sa.select(WebhookEvent).where(WebhookEvent.webhook_event_id == event["webhookEventId"]))
    assert row is not None and row.mode == "standby"


def test_redelivery_flag_is_kept(bot, line):
    event = dict(line.text_event("U" + "c" * 32, "ช่วยเหลือ"), deliveryContext={"isRedelivery": True})
    assert line.post([event]).status_code == 200
    with bot.db.sessions() as s:
        assert s.scalar(sa.select(WebhookEvent.redelivery)) is True


def test_several_events_in_one_request_each_answered(line, line_api, register):
    a, b = register("S01"), register("S02")
    assert line.post([line.text_event(a, "สถานะ"), line.text_event(b, "สถานะ")]).status_code == 200
    assert "นายสมชาย ใจดี" in text_of(line_api.messages_for(a)[-1:])
    assert "นางสมศรี รักดี" in text_of(line_api.messages_for(b)[-1:])


def test_reply_goes_out_after_commit_and_a_failed_reply_keeps_the_effect(bot, line, line_api, register):
    user = register("S03")
    with bot.db.sessions() as s:
        version = s.scalar(sa.text("SELECT id FROM pledge_versions"))
    line_api.fail_next("/v2/bot/message/reply", 500)
    assert line.post([line.postback_event(user, f"a=pledge.ack&v={version}")]).status_code == 200
    assert count_rows(bot, PledgeAck) == 1  # LINE refused the reply; the acknowledgment stays


def test_sqlite_checkpoints_run_beside_the_webhook_and_stop_with_the_app(settings, line_api):
    """Webhook connections leave WAL checkpoints to a background thread, which ends with the app."""
    import threading
    import time

    before = set(threading.enumerate())
    app = create_app(settings)
    bot = app.extensions["khunnatham"]
    if bot.db.writers is None:
        pytest.skip("SQLite only")
    response = app.test_client().post("/callback", data=b'{"destination": "U1", "events": []}',
                                      headers={"X-Line-Signature": sign(b'{"destination": "U1", "events": []}')})
    assert response.status_code == 200
    with bot.db.transaction() as db:  # what every event does
        assert db.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    mine = [t for t in threading.enumerate() if t.name == "sqlite-checkpoint" and t not in before]
    assert mine
    bot.close()
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in mine) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.is_alive() for t in mine)


HUGE = "99999999999999999999"  # beyond a 64-bit integer, let alone the database's


@pytest.mark.parametrize("data", [
    f"a=pledge.ack&v={HUGE}", f"a=pledge.read&v={HUGE}", f"a=activity.done&id={HUGE}",
    f"a=checkin.go&id={HUGE}", f"a=proposal.withdraw&id={HUGE}", f"a=nomination.withdraw&n={HUGE}",
    f"a=nomination.honour&n={HUGE}&v=1", f"a=nomination.unhonour&n={HUGE}&v={HUGE}",
    f"a=nomination.announce&r={HUGE}", f"a=nomination.pick&q=x&i={HUGE}", "a=pledge.ack&v=๑",
])
def test_forged_postback_ids_get_an_answer_not_an_apology(bot, line, register, data):
    user = register("C01")  # a coordinator: the coordinator-only buttons run too
    before = snapshot(bot)
    text = text_of(line.tap(user, data))
    assert text and "ระบบขัดข้อง" not in text, text
    after = snapshot(bot)
    assert after["events"] == before["events"] + 1
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}


def test_healthz_reports_the_process_and_readyz_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_readyz_when_database_is_unreachable(settings):
    broken = create_app(settings.replace(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    assert broken.test_client().get("/healthz").status_code == 200  # the process itself answers
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_unreachable_database_answers_503_so_line_redelivers(settings, line_api):
    broken = create_app(settings.replace(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    from tests.conftest import LineActions

    actions = LineActions(broken.test_client(), line_api)
    assert actions.post([actions.text_event("U" + "d" * 32, "สถานะ")]).status_code == 503
