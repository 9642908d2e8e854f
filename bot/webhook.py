"""POST /callback: size → signature → parse → per event (record + effects in one transaction) → reply.

The view only verifies, parses, dedupes, routes and answers 200. Each event gets its own
transaction that first stores its `webhookEventId` (UNIQUE): a redelivered or replayed event finds
it there and changes nothing. Replies go out after the commit, so a reply never describes
something that was rolled back.

Whatever a request holds, the answer is a judgement, never a 5xx with a traceback: a body over
1 MiB (with or without Content-Length) is 413; a signature that is missing, wrong or not even ASCII
is 400; a body that is not JSON, nests deeper than any LINE payload, or lacks an event's type or id
is 400. Inside a well-formed payload, an event whose fields have the wrong types or values out of
range (a timestamp no clock gives, a user id that is no id, a message missing its fields) is
recorded and ignored; text is made storable (lone surrogates and NUL become U+FFFD) before anyone
reads it; postback data that was never ours goes to the router as an unknown button. The
apology is kept for real failures of our own code. Only a database that cannot be reached is 503,
so that LINE redelivers.

Each LINE account may send `RATE_LIMIT_PER_USER` events per `RATE_LIMIT_WINDOW` seconds (by the
events' own timestamps, counted in the database by models/ratelimit.py); the first event over the
limit is answered with one notice, the rest of the window's events are recorded and not handled.

Observed (bot/observability.py): each request's time to answer, by status; each event of a signed,
well-formed request, by type; the request's `webhookEventId`s go to its log line (bot/health.py).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy.exc
from flask import Blueprint, Response, abort, request
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
from bot import observability
from bot.config import Settings
from bot.router import WAKE_DOCUMENTS, Context
from bot.services import Bot, current_bot
from handlers.texts import APOLOGY
from models import audit, ratelimit, webhook_event
from models import staff as people
from models.ratelimit import Verdict

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)

MAX_BODY = 1024 * 1024
# LINE's deepest payload nests about 8 levels (body → events → event → message → mention →
# mentionees → a mentionee); the parser's own limit (the interpreter's recursion limit) is far deeper.
MAX_DEPTH = 16
MAX_ID = 64  # characters of an id we store (webhookEventId, userId: String(64) columns)
MAX_POSTBACK = 300  # characters: LINE refuses longer postback data, so longer data was never ours
# A timestamp outside these (epoch milliseconds: 1 Jan 2000, 1 Jan 2100) is no moment LINE gives.
EARLIEST_MS = 946_684_800_000
LATEST_MS = 4_102_444_800_000

# Said once per window to an account over the limit (the shell's only Thai sentence besides APOLOGY).
SLOW_DOWN = "ขออภัยค่ะ ท่านส่งข้อความถี่เกินไป ระบบจึงยังไม่ได้ดำเนินการตามข้อความช่วงนี้ กรุณารอสักครู่แล้วส่งใหม่อีกครั้งนะคะ"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL (PostgreSQL refuses it in text) and lone surrogates


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
    """Compared as bytes: hmac.compare_digest refuses str holding anything but ASCII (TypeError)."""
    if not secret or not given:
        return False
    return hmac.compare_digest(signature(secret, body).encode("ascii"), given.strip().encode("utf-8", "replace"))


def read_body() -> bytes | None:
    """The raw body, or None when it is over MAX_BODY. With Content-Length the length decides; a
    chunked body (no Content-Length) is read from the server's stream up to one byte past the limit,
    since Werkzeug's own limit on such a stream silently cuts it at MAX_CONTENT_LENGTH."""
    length = request.content_length
    if length is not None:
        return None if length > MAX_BODY else request.get_data(cache=False)
    if "wsgi.input_terminated" not in request.environ:
        return b""  # no length and a server that does not end the stream: nothing can be read safely
    stream = request.environ["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY:
        chunk = stream.read(MAX_BODY + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > MAX_BODY else b"".join(chunks)


def _no_constant(name: str) -> float:
    raise BadPayload(f"not JSON: {name}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadPayload(f"not JSON a LINE server writes: the number {text[:20]}")
    return value


def storable(text: str) -> str:
    """The text with what no database or JSON encoder takes (NUL, lone surrogates) replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _inspect(payload: Any, clean: bool) -> None:
    """Refuse nesting deeper than MAX_DEPTH and, when `clean`, make every string storable, in place.
    A loop, not recursion: the payload's depth is what is being checked."""
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadPayload(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            if clean:
                for key in [k for k in node if _UNSTORABLE.search(k)]:
                    node[storable(key)] = node.pop(key)
            items: Any = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            continue
        for key, value in items:
            if isinstance(value, dict | list):
                stack.append((value, depth + 1))
            elif clean and isinstance(value, str) and _UNSTORABLE.search(value):
                node[key] = storable(value)  # the same key: the dict does not change size


def parse_payload(body: bytes) -> list[dict[str, Any]]:
    """The raw events of a LINE webhook body, or BadPayload. Only what an event cannot be recorded
    without (its type and webhookEventId) is required here; the rest is judged event by event."""
    try:
        payload = json.loads(body, parse_constant=_no_constant, parse_float=_finite)
    except BadPayload:
        raise
    except RecursionError:
        raise BadPayload(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of over 4,300 digits
        raise BadPayload(f"not JSON: {exc}") from None
    # Lone surrogates and NUL can only come from \u escapes (raw ones are not valid UTF-8 or JSON).
    _inspect(payload, clean=b"\\u" in body)
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BadPayload("not a LINE webhook payload: no 'events' list")
    if not isinstance(payload.get("destination", ""), str):
        raise BadPayload("'destination' is not a string")
    for i, raw in enumerate(payload["events"]):
        if not isinstance(raw, dict):
            raise BadPayload(f"events[{i}] is not an object")
        if not isinstance(raw.get("type"), str) or not raw["type"]:
            raise BadPayload(f"events[{i}].type is missing")
        if not isinstance(raw.get("webhookEventId"), str) or not 0 < len(raw["webhookEventId"]) <= MAX_ID:
            raise BadPayload(f"events[{i}].webhookEventId is missing")
    return payload["events"]


def an_id(value: object, longest: int = MAX_ID) -> str | None:
    """The value when it can be an id (a short string of visible ASCII characters), else None."""
    if isinstance(value, str) and 0 < len(value) <= longest and value.isascii() and value.isprintable() \
            and " " not in value:
        return value
    return None


def timestamp_ms(raw: dict[str, Any]) -> int | None:
    """The event's timestamp when it is one LINE could give (an integer of milliseconds in range)."""
    value = raw.get("timestamp")
    if isinstance(value, int) and not isinstance(value, bool) and EARLIEST_MS <= value <= LATEST_MS:
        return value
    return None


def parse_event(raw: dict[str, Any]) -> Event | None:
    """The SDK model of a known event type; None for types (or shapes) this SDK does not know."""
    try:
        return Event.from_dict(raw)
    except Exception as exc:  # the SDK's models raise ValueError, TypeError, KeyError … on what it cannot read
        log.info("webhook: event %s (%s) not readable: %s", raw["webhookEventId"], raw["type"][:40],
                 str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        return None


def _message(event: MessageEvent) -> tuple[str, dict[str, Any]]:
    m = event.message
    if isinstance(m, TextMessageContent):
        return "text", {"text": m.text}
    if isinstance(m, LocationMessageContent):
        if not _coordinates(m.latitude, m.longitude):
            return "message", {}  # no place on Earth: answered as content the bot does not read
        return "location", {"latitude": m.latitude, "longitude": m.longitude, "address": m.address or ""}
    if isinstance(m, ImageMessageContent | FileMessageContent) and not _message_id(m.id):
        return "message", {}
    if isinstance(m, ImageMessageContent):
        return "content", {"message_id": m.id, "content_type": "image", "file_name": ""}
    if isinstance(m, FileMessageContent):
        return "content", {"message_id": m.id, "content_type": "file", "file_name": m.file_name or ""}
    return "message", {}


def _coordinates(latitude: object, longitude: object) -> bool:
    """Both are numbers of a place on Earth (an integer of 400 digits is a number, but no float)."""
    for value, bound in ((latitude, 90), (longitude, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not -bound <= value <= bound:  # compares big integers exactly, and NaN fails it
            return False
    return True


def _message_id(value: object) -> bool:
    """LINE's message ids are decimal digits; any other id is not one to fetch content with."""
    return isinstance(value, str) and 0 < len(value) <= 32 and value.isascii() and value.isdigit()


def _ours(data: str) -> bool:
    """Postback data that could be ours (`a=module.verb&k=v`): within LINE's length, its parameters
    plain names (a handler's keyword arguments, never the router's own `ctx`), nothing unstorable."""
    if len(data) > MAX_POSTBACK:
        return False
    for key, value in parse_qsl(data, keep_blank_values=True):
        if not key.isidentifier() or key in _ROUTER_NAMES or _UNSTORABLE.search(value):
            return False
    return True


_ROUTER_NAMES = frozenset({"self", "route", "ctx"})  # Router._run(self, route, ctx, **params)


def _postback(event: PostbackEvent) -> tuple[str, dict[str, Any]]:
    data = event.postback.data
    if not _ours(data):
        log.info("webhook: postback data that was never ours: %.80r", data)
        data = ""  # the router answers it as a button it does not know
    return "postback", {"data": data}


# event class → what the router is asked to do with it: (kind, arguments)
KINDS: dict[type, Callable[[Any], tuple[str, dict[str, Any]]]] = {
    MessageEvent: _message,
    PostbackEvent: _postback,
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
    body = read_body()
    if body is None:
        log.warning("webhook: body over %d bytes from %s", MAX_BODY, request.remote_addr)
        abort(413)
    if not signature_ok(bot.settings.channel_secret, body, request.headers.get("X-Line-Signature", "")):
        log.warning("webhook: bad or missing signature from %s", request.remote_addr)
        abort(400, "invalid signature")
    try:
        events = parse_payload(body)
    except BadPayload as exc:
        log.warning("webhook: %s", exc)
        abort(400, str(exc))
    observability.webhook_events([raw["webhookEventId"] for raw in events])
    for raw in events:
        observability.count_event(raw["type"])

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
            log.exception("webhook: handler failed on event %s (%s)", raw["webhookEventId"], raw["type"][:40])
            token = an_id(raw.get("replyToken"), 255)
            if token is not None and raw.get("mode", "active") == "active":
                bot.line.reply(token, [ui.text(APOLOGY)])
            continue
        if outgoing is not None:
            bot.line.reply(outgoing.reply_token, outgoing.messages)
    return ("OK", status) if status == 200 else ("database unavailable, please redeliver", status)


@bp.after_request
def observe(response: Response) -> Response:
    trace = observability.current()  # begun by bot/health.py for every request
    if trace is not None:
        observability.WEBHOOK_SECONDS.labels(str(response.status_code)).observe(trace.duration_ms / 1000)
    return response


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _limited(settings: Settings) -> bool:
    return settings.rate_limit_per_user > 0 and settings.rate_limit_window > 0


def process(bot: Bot, raw: dict[str, Any]) -> Outgoing | None:
    """Record the event and apply its effects in one transaction; the reply to send after commit."""
    settings = bot.settings
    source = _mapping(raw.get("source"))
    user_id = an_id(source.get("userId"))
    mode = raw.get("mode", "active")
    mode = mode if isinstance(mode, str) else "?"
    delivery = _mapping(raw.get("deliveryContext"))
    at_ms = timestamp_ms(raw)
    event: Event | None = None
    if at_ms is None:
        log.warning("webhook: event %s has no usable timestamp (%.40r); recorded, not handled",
                    raw["webhookEventId"], raw.get("timestamp"))
        occurred = datetime.now(settings.tz)
    else:
        occurred = datetime.fromtimestamp(at_ms / 1000, settings.tz)
        event = parse_event(raw)
    kind, args = classify(event)
    token = an_id(raw.get("replyToken"), 255)

    with bot.db.transaction() as db:
        first_time = webhook_event.record(
            db, raw["webhookEventId"], raw["type"], user_id, mode, delivery.get("isRedelivery") is True, occurred
        )
        if not first_time:
            log.info("webhook: event %s seen before; ignored", raw["webhookEventId"])
            return None
        if mode != "active" or kind is None or source.get("type") != "user" or user_id is None:
            return None  # standby, group chats and event types we only record
        assert at_ms is not None
        if _limited(settings):
            # By the event's own time (a redelivery after an outage is not a flood), never a time
            # ahead of ours (a window in the future would hold the account until then).
            verdict = ratelimit.hit(db, user_id, min(at_ms, int(time.time() * 1000)),
                                    settings.rate_limit_per_user, int(settings.rate_limit_window * 1000))
            if verdict is Verdict.NOTICE:
                log.warning("webhook: %s sent more than %d events in %g s; the rest of the window is only recorded",
                            user_id, settings.rate_limit_per_user, settings.rate_limit_window)
                return Outgoing(token, [ui.text(SLOW_DOWN)]) if token else None
            if verdict is Verdict.HOLD:
                log.debug("webhook: event %s of %s over the limit; recorded only", raw["webhookEventId"], user_id)
                return None
        person = people.by_line_user(db, user_id)
        if person is not None and person.is_coordinator:  # what coordinators change goes to the audit trail
            audit.act_as(db, audit.person(person, "line"))
        ctx = Context(db=db, settings=settings, now=occurred, user_id=user_id, staff=person, event=event,
                      event_id=raw["webhookEventId"], content=bot.line.content)
        messages = bot.router.dispatch(ctx, kind, **args)

    if WAKE_DOCUMENTS in ctx.wake:  # committed: a document waits to be made (models/docbuild.py)
        bot.builder.kick()
    if messages and token:
        return Outgoing(token, messages)
    return None

