"""POST /callback: size → signature → parse → per event (record + effects in one transaction) → reply.

The view only verifies, parses, dedupes, routes and answers 200. Each event gets its own
transaction that first stores its `webhookEventId` (UNIQUE): a redelivered or replayed event finds
it there and changes nothing. Replies go out after the commit, so a reply never describes
something that was rolled back.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy.exc
from flask import Blueprint, Response, abort, jsonify, request
from linebot.v3.messaging import Message
from linebot.v3.webhooks import (
    Event,
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from bot import messages as ui
from bot.router import Context
from bot.services import Bot, current_bot
from handlers.texts import APOLOGY
from models import audit, webhook_event
from models import staff as people

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)

MAX_BODY = 1024 * 1024


class BadPayload(ValueError):
    pass


@dataclass(frozen=True)
class Outgoing:
    reply_token: str
    messages: list[Message]


def signature(secret: str, body: bytes) -> str:
    """X-Line-Signature: base64(HMAC-SHA256(channel secret, raw body))."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def signature_ok(secret: str, body: bytes, given: str) -> bool:
    if not secret or not given:
        return False
    return hmac.compare_digest(signature(secret, body), given.strip())


def parse_payload(body: bytes) -> list[dict[str, Any]]:
    """The raw events of a LINE webhook body, or BadPayload."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload(f"not JSON: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadPayload("not a LINE webhook payload: no 'events' list")
    if not isinstance(payload.get("destination", ""), str):
        raise BadPayload("'destination' is not a string")
    for i, raw in enumerate(payload["events"]):
        if not isinstance(raw, dict):
            raise BadPayload(f"events[{i}] is not an object")
        if not isinstance(raw.get("type"), str) or not raw["type"]:
            raise BadPayload(f"events[{i}].type is missing")
        if not isinstance(raw.get("webhookEventId"), str) or not 0 < len(raw["webhookEventId"]) <= 64:
            raise BadPayload(f"events[{i}].webhookEventId is missing")
        if not isinstance(raw.get("timestamp"), int) or isinstance(raw.get("timestamp"), bool):
            raise BadPayload(f"events[{i}].timestamp is missing")
    return payload["events"]


def parse_event(raw: dict[str, Any]) -> Event | None:
    """The SDK model of a known event type; None for types (or shapes) this SDK does not know."""
    try:
        return Event.from_dict(raw)
    except (ValueError, TypeError, KeyError):
        return None


def _message(event: MessageEvent) -> tuple[str, dict[str, Any]]:
    m = event.message
    if isinstance(m, TextMessageContent):
        return "text", {"text": m.text}
    if isinstance(m, LocationMessageContent):
        return "location", {"latitude": m.latitude, "longitude": m.longitude, "address": m.address or ""}
    if isinstance(m, ImageMessageContent):
        return "content", {"message_id": m.id, "content_type": "image", "file_name": ""}
    if isinstance(m, FileMessageContent):
        return "content", {"message_id": m.id, "content_type": "file", "file_name": m.file_name or ""}
    return "message", {}


# event class → what the router is asked to do with it: (kind, arguments)
KINDS: dict[type, Callable[[Any], tuple[str, dict[str, Any]]]] = {
    MessageEvent: _message,
    PostbackEvent: lambda event: ("postback", {"data": event.postback.data}),
    FollowEvent: lambda event: ("follow", {}),
    UnfollowEvent: lambda event: ("unfollow", {}),
}


def classify(event: Event | None) -> tuple[str | None, dict[str, Any]]:
    """What the router should do with the event: (kind, arguments) or (None, {}) to only record it."""
    kind = KINDS.get(type(event))
    return kind(event) if kind is not None else (None, {})


@bp.post("/callback")
def callback() -> Response | tuple[str, int]:
    bot = current_bot()
    body = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH: 413 before anything else
    if not signature_ok(bot.settings.channel_secret, body, request.headers.get("X-Line-Signature", "")):
        log.warning("webhook: bad or missing signature from %s", request.remote_addr)
        abort(400, "invalid signature")
    try:
        events = parse_payload(body)
    except BadPayload as exc:
        log.warning("webhook: %s", exc)
        abort(400, str(exc))

    status = 200
    for raw in events:
        try:
            outgoing = process(bot, raw)
        except sqlalchemy.exc.OperationalError:
            # The database is unreachable or locked: nothing was stored, so let LINE redeliver.
            log.exception("webhook: database error on event %s", raw["webhookEventId"])
            status = 503
            continue
        except Exception:
            log.exception("webhook: handler failed on event %s (%s)", raw["webhookEventId"], raw["type"])
            token = raw.get("replyToken")
            if isinstance(token, str) and raw.get("mode", "active") == "active":
                bot.line.reply(token, [ui.text(APOLOGY)])
            continue
        if outgoing is not None:
            bot.line.reply(outgoing.reply_token, outgoing.messages)
    return ("OK", status) if status == 200 else ("database unavailable, please redeliver", status)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def process(bot: Bot, raw: dict[str, Any]) -> Outgoing | None:
    """Record the event and apply its effects in one transaction; the reply to send after commit."""
    event = parse_event(raw)
    source = _mapping(raw.get("source"))
    user_id = source.get("userId") if isinstance(source.get("userId"), str) else None
    mode = raw["mode"] if isinstance(raw.get("mode"), str) else "active"
    delivery = _mapping(raw.get("deliveryContext"))
    occurred = datetime.fromtimestamp(raw["timestamp"] / 1000, bot.settings.tz)
    kind, args = classify(event)

    with bot.db.transaction() as db:
        first_time = webhook_event.record(
            db, raw["webhookEventId"], raw["type"], user_id, mode, bool(delivery.get("isRedelivery")), occurred
        )
        if not first_time:
            log.info("webhook: event %s seen before; ignored", raw["webhookEventId"])
            return None
        if mode != "active" or kind is None or source.get("type") != "user" or user_id is None:
            return None  # standby, group chats and event types we only record
        person = people.by_line_user(db, user_id)
        if person is not None and person.is_coordinator:  # what coordinators change goes to the audit trail
            audit.act_as(db, audit.person(person, "line"))
        ctx = Context(db=db, settings=bot.settings, now=occurred, user_id=user_id, staff=person, event=event,
                      event_id=raw["webhookEventId"], content=bot.line.content)
        messages = bot.router.dispatch(ctx, kind, **args)

    token = raw.get("replyToken")
    if messages and isinstance(token, str) and token:
        return Outgoing(token, messages)
    return None


@bp.get("/healthz")
def healthz() -> Response | tuple[Response, int]:
    bot = current_bot()
    try:
        bot.db.ping()
    except Exception as exc:  # any driver error means "not reachable" to the caller
        log.error("healthz: database unreachable: %s", exc)
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
