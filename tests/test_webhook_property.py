"""Thousands of signed payloads thrown at POST /callback on every run (issue 15, item 1).

The strategies mirror the event schemas of LINE's webhook spec (../shared/line-openapi/webhook.yml:
every event type of its discriminator, every message type), and spoil them: any field may hold a
value of another type or out of range, events and messages carry junk fields, texts carry lone
surrogates and NUL, postback data is ours with forged parameters or never ours, and some bodies are
junk JSON altogether. Each payload is signed correctly, so the webhook has to judge what is inside.

For every payload: no 5xx, nothing logged with a traceback (nor a reply LINE refused as invalid),
and, when the payload carries no valid action (its events come from people the office does not
know, or from groups, or are of types the bot only records), not one row changes anywhere but in
the record of webhook events and the per-user rate counts.

Deterministic (derandomize): every CI run throws the same payloads, chosen by hypothesis's search;
set WEBHOOK_EXAMPLES to throw more (or fewer) while exploring, WEBHOOK_RANDOM=1 for new ones.
"""
from __future__ import annotations

import json
import logging
import os
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.all import Base
from tests.conftest import ROOT, sign

EXAMPLES = int(os.environ.get("WEBHOOK_EXAMPLES", "2000"))
SPEC = ROOT.parent / "shared" / "line-openapi" / "webhook.yml"
KNOWN = "U" + "c0" * 16  # the coordinator registered before the payloads (every button works for them)
STRANGERS = ["U" + f"{i:032x}" for i in range(1, 6)]
BOOKKEEPING = {"webhook_events", "rate_limits"}  # what every payload may change

# -- values of any type ----------------------------------------------------------------------------
# Hypothesis draws each payload's structure (how many events, of which types, from whom, which field
# is spoilt and how); the leaves (texts, ids, numbers, junk values) come from a random.Random that
# hypothesis seeds. Drawn field by field, a payload cost hypothesis several times what the webhook
# spends answering it.
POOL = [
    "", " ", "สวัสดี", "ขอบคุณค่ะ", "สถานะ", "ช่วยเหลือ", "ยกเลิก", "ทำต่อ", "ลงทะเบียน", "ลงทะเบียน KMTP4679",
    "ลงทะเบียน \ud800\u0000", "เช็คอิน A1", "ความดี", "เสนอชื่อ", "สรุป", "หลักฐาน https://example.com/x",
    "ห้องน้ำสกปรกไม่มีใครดูแล", "\ud800", "\udfff", "\ud83d", "\udc00\ud800", "a\x00b", "\x00", "\ufffe", "\u202e",
    "😀", "👍🏽", "\r\n", "\t", "๑๒๓", "٣", "1_000", "0x10", "-1", "0", "99999999999999999999", "1e309", "NaN",
    "null", "true", "../../", "%00", "%ED%A0%80", "a=b&c", "<script>", "' OR 1=1 --", "x" * 301, "ก" * 5001,
    "U" + "0" * 32, "\u0e40\u0e40\u0e40", "สรุป รายชื่อ", "สรุปรายสัปดาห์ ปิด", "เปิดเสนอชื่อ 31 มี.ค. 2569",
]
BROKEN = ["\ud800", "\udfff", "\x00", "\ud83d", "\udc00\ud800", "\ufffe", "\u202e", "\r\n"]
PARAMS = ["v", "id", "n", "q", "i", "r", "k", "ctx", "a", "x y", "%00", "route", "self", "_"]


class Leaves:
    """Texts, ids, numbers and junk values, from a Random that hypothesis seeds."""

    def __init__(self, rnd: random.Random, actions: list[str], words: list[str]):
        self.r, self.actions, self.words = rnd, actions, words

    def text(self) -> str:
        roll = self.r.random()
        if roll < 0.6:
            return self.r.choice(POOL)
        if roll < 0.75:
            return self.r.choice(self.words) + self.r.choice(["", " ", " " + self.r.choice(POOL)])
        if roll < 0.9:
            return "".join(self.r.choice(POOL + BROKEN) for _ in range(self.r.randint(2, 3)))
        return "".join(chr(self.r.choice([self.r.randint(0, 0x2FFF), self.r.randint(0xD7F0, 0xE010),
                                          self.r.randint(0x1F300, 0x1F64F), self.r.randint(0xE00, 0xE7F)]))
                       for _ in range(self.r.randint(1, 8)))

    def scalar(self) -> Any:
        return self.r.choice([
            lambda: None, lambda: self.r.random() < 0.5, lambda: self.r.randint(-10, 10),
            lambda: self.r.randint(-2**70, 2**70), lambda: self.r.uniform(-1e300, 1e300), self.text,
            lambda: self.r.choice([0, -1, 2**63, 2**64, 10**30, 1.5, -0.0, 1e-300]),
        ])()

    def junk(self) -> Any:
        """Any JSON value, a few levels deep at most."""
        kind = self.r.randint(0, 5)
        if kind <= 2:
            return self.scalar()
        if kind == 3:
            return [self.scalar() for _ in range(self.r.randint(0, 3))]
        if kind == 4:
            return {self.text(): self.scalar() for _ in range(self.r.randint(0, 2))}
        return self.r.choice([[[[[]]]], {"a": {"b": {"c": {}}}}, [{"type": "text"}], {"type": None}, {"id": []}])

    def timestamp(self) -> Any:
        if self.r.random() < 0.1:
            return self.junk()
        return int(time.time() * 1000) + self.r.randint(-3 * 86_400_000, 3 * 86_400_000)

    def message_id(self) -> Any:
        if self.r.random() < 0.15:
            return self.r.choice([self.junk(), "../../v2/bot/info", "1 2", "๑๒๓", "9" * 40])
        return str(self.r.randint(1, 10**18))

    def user_id(self) -> Any:
        return self.junk() if self.r.random() < 0.15 else self.r.choice(STRANGERS)

    def postback_data(self) -> Any:
        roll = self.r.random()
        if roll < 0.1:
            return self.junk()
        if roll < 0.25:
            return self.text()
        pairs = [("a", self.r.choice(self.actions))]
        for _ in range(self.r.randint(0, 4)):
            value = self.r.choice([self.text, lambda: str(self.r.randint(-10, 10**6)), lambda: "9" * 20])()
            pairs.append((self.r.choice(PARAMS), value))
        return "&".join(f"{k}={v}" for k, v in pairs)


# The spec's schemas (webhook.yml): what each event type and message type carries. A field is a
# function of the Leaves; `spoil` (drawn by hypothesis) then changes one field, drops it or adds one.
def message_fields(leaves: Leaves, type_: str) -> dict[str, Any]:
    L, r = leaves, leaves.r
    provider = {"type": r.choice(["line", "external", "x"]), "originalContentUrl": "https://example.com/a.jpg"}
    fields: dict[str, Any] = {"type": type_, "id": L.message_id()}
    if type_ == "text":
        fields.update(quoteToken=L.text(), text=L.text())
        if r.random() < 0.2:
            fields["emojis"] = [{"index": r.randint(0, 40), "length": 2, "productId": "p", "emojiId": "e"}]
        if r.random() < 0.2:
            fields["mention"] = {"mentionees": [{"index": 0, "length": 3, "type": r.choice(["user", "all"]),
                                                 "userId": L.user_id(), "isSelf": r.random() < 0.5}]}
    elif type_ in ("image", "video", "audio"):
        fields.update(quoteToken=L.text(), contentProvider=provider, duration=r.randint(-1, 10**6))
        if type_ == "image" and r.random() < 0.3:
            fields["imageSet"] = {"id": L.text(), "index": r.randint(0, 9), "total": r.randint(0, 9)}
    elif type_ == "file":
        fields.update(fileName=L.text(), fileSize=r.randint(-1, 10**9))
    elif type_ == "location":
        fields.update(title=L.text(), address=L.text(),
                      latitude=r.choice([r.uniform(-90, 90), r.uniform(-1e9, 1e9), r.randint(-1000, 1000)]),
                      longitude=r.choice([r.uniform(-180, 180), r.uniform(-1e9, 1e9)]))
    elif type_ == "sticker":
        fields.update(quoteToken=L.text(), packageId=str(r.randint(1, 99)), stickerId=str(r.randint(1, 99)),
                      stickerResourceType=r.choice(["STATIC", "ANIMATION", "SOUND", "X"]), keywords=[L.text()])
    return fields


MESSAGE_TYPES = ["text", "text", "text", "image", "video", "audio", "file", "location", "sticker", "junk"]


def event_fields(leaves: Leaves, type_: str, message_type: str) -> dict[str, Any]:
    """The fields this event type adds (webhook.yml's discriminator mapping; one LINE may add later)."""
    L, r = leaves, leaves.r

    def members() -> list[dict[str, Any]]:
        return [{"type": "user", "userId": L.user_id()} for _ in range(r.randint(0, 3))]

    made: dict[str, Callable[[], dict[str, Any]]] = {
        "message": lambda: {"message": L.junk() if message_type == "junk" else message_fields(L, message_type)},
        "unsend": lambda: {"unsend": {"messageId": L.message_id()}},
        "follow": lambda: {"follow": {"isUnblocked": r.random() < 0.5}},
        "unfollow": dict,
        "join": dict,
        "leave": dict,
        "memberJoined": lambda: {"joined": {"members": members()}},
        "memberLeft": lambda: {"left": {"members": members()}},
        "postback": lambda: {"postback": dict({"data": L.postback_data()}, **(
            {"params": r.choice([{"date": "2026-02-27"}, {"time": "08:30"}, {"datetime": L.text()}, L.junk()])}
            if r.random() < 0.2 else {}))},
        "videoPlayComplete": lambda: {"videoPlayComplete": {"trackingId": L.text()}},
        "beacon": lambda: {"beacon": {"hwid": "d41d8cd98f", "type": r.choice(["enter", "banner", "stay", "x"]),
                                      "dm": L.text()}},
        "accountLink": lambda: {"link": {"result": r.choice(["ok", "failed"]), "nonce": L.text()}},
        "membership": lambda: {"membership": {"type": r.choice(["joined", "left", "renewed"]),
                                              "membershipId": r.randint(-1, 10**12)}},
        "module": lambda: {"module": {"type": r.choice(["attached", "detached"]), "botId": L.text(),
                                      "scopes": [L.text()]}},
        "activated": lambda: {"chatControl": {"expireAt": r.randint(-1, 2**40)}},
        "deactivated": dict,
        "botSuspended": dict,
        "botResumed": dict,
        "delivery": lambda: {"delivery": {"data": L.text()}},
        "somethingLineAddsLater": lambda: {L.text(): L.junk()},
    }
    return made[type_]()


EVENT_TYPES = ["message", "unsend", "follow", "unfollow", "join", "leave", "memberJoined", "memberLeft", "postback",
               "videoPlayComplete", "beacon", "accountLink", "membership", "module", "activated", "deactivated",
               "botSuspended", "botResumed", "delivery", "somethingLineAddsLater"]
# Messages and postbacks are what people send, and what the handlers read: thrown most.
TYPE = st.sampled_from(["message"] * 8 + ["postback"] * 6 + ["follow", "unfollow"] * 2 + EVENT_TYPES)
SOURCE = st.sampled_from(["stranger", "stranger", "group", "room", "junk", "none"])
SPOIL = st.sampled_from(["none"] * 6 + ["drop", "junk", "add", "message", "envelope"])


def spoil(leaves: Leaves, event: dict[str, Any], how: str) -> dict[str, Any]:
    """One field of the event (or of its message) changed to junk, dropped, or a junk field added."""
    r = leaves.r
    target = event["message"] if how == "message" and isinstance(event.get("message"), dict) else event
    if how in ("drop", "junk", "message", "envelope") and target:
        keys = sorted(target) if how != "envelope" else ["type", "mode", "timestamp", "source", "deliveryContext",
                                                         "replyToken", "webhookEventId"]
        key = r.choice(keys)
        if how == "drop" and key != "webhookEventId":
            target.pop(key, None)
        else:
            target[key] = leaves.junk()
    elif how == "add":
        target[r.choice(["type", "id", "text", "\x00", "__proto__", leaves.text()])] = leaves.junk()
    return event


@st.composite
def events(draw, leaves: Leaves, known: bool) -> dict:
    type_ = draw(TYPE)
    message_type = draw(st.sampled_from(MESSAGE_TYPES))
    source_kind = "known" if known and draw(st.booleans()) else draw(SOURCE)
    r = leaves.r
    source: Any = {
        "known": lambda: {"type": "user", "userId": KNOWN},
        "stranger": lambda: {"type": "user", "userId": leaves.user_id()},
        "group": lambda: {"type": "group", "groupId": "C" + "1" * 32, "userId": leaves.user_id()},
        "room": lambda: {"type": "room", "roomId": "R" + "1" * 32, "userId": leaves.user_id()},
        "junk": leaves.junk,
        "none": lambda: None,
    }[source_kind]()
    event: dict[str, Any] = {
        "type": type_,
        "mode": r.choice(["active"] * 6 + ["standby", "x"]),
        "timestamp": leaves.timestamp(),
        "webhookEventId": uuid.UUID(int=r.getrandbits(128)).hex.upper()[:26],
        "deliveryContext": {"isRedelivery": r.random() < 0.2},
        "replyToken": uuid.UUID(int=r.getrandbits(128)).hex if r.random() < 0.9 else leaves.junk(),
    }
    if source is not None:
        event["source"] = source
    event.update(event_fields(leaves, type_, message_type))
    return spoil(leaves, event, draw(SPOIL))


@st.composite
def payloads(draw, actions: list[str], words: list[str]) -> tuple[bytes, bool]:
    """(a signed body, whether it may carry a valid action)."""
    leaves = Leaves(random.Random(draw(st.integers(0, 2**64 - 1))), actions, words)
    roll = draw(st.integers(0, 19))
    if roll == 0:  # not a LINE payload at all
        return json.dumps(leaves.junk()).encode(), False
    known = roll <= 8
    batch = draw(st.lists(events(leaves, known), min_size=0 if roll == 19 else 1, max_size=4))
    if roll == 18 and batch:  # a burst: one person, many events at one moment (the rate limit)
        burst = uuid.UUID(int=leaves.r.getrandbits(128)).hex[:20]
        batch = [dict(batch[0], webhookEventId=f"{burst}{i:06d}") for i in range(40)]
    destination = "U" + "f" * 32 if leaves.r.random() < 0.95 else leaves.junk()
    return json.dumps({"destination": destination, "events": batch}).encode(), any(acts(e) for e in batch)


def acts(event: object) -> bool:
    """Whether this event may change the office's data: the registered person's events, and a
    stranger's registration attempt (a wrong code is counted, for the lock)."""
    if not isinstance(event, dict):
        return False
    source = event.get("source")
    if isinstance(source, dict) and source.get("userId") == KNOWN:
        return True
    message = event.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    return isinstance(text, str) and text.strip().casefold().startswith(("ลงทะเบียน", "register"))


# -- the test --------------------------------------------------------------------------------------
def table_counts(bot) -> dict[str, int]:
    """Rows in every table, and people linked to LINE, in one round trip."""
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in BOOKKEEPING]
    columns = ", ".join(f"(SELECT count(*) FROM {name}) AS {name}" for name in tables)
    with bot.db.engine.connect() as conn:
        row = conn.execute(sa.text(f"SELECT {columns}, (SELECT count(line_user_id) FROM staff) AS linked")).one()
    return dict(row._mapping)


def refused_replies(caplog) -> list[str]:
    """What was logged with a traceback, or at ERROR, except LINE refusing a reply token it never gave."""
    return [f"{r.name}: {r.getMessage()[:300]}" for r in caplog.records
            if r.exc_info or (r.levelno >= logging.ERROR and "Invalid reply token" not in r.getMessage())]


def test_signed_payloads_of_any_shape_get_a_judgement(bot, client, office, line, line_api, caplog):
    from tests.conftest import invite_code

    reply = line.say(KNOWN, f"ลงทะเบียน {invite_code(office, 'C01')}")
    assert "ลงทะเบียนเรียบร้อยแล้ว" in json.dumps(reply, ensure_ascii=False)
    actions, words = sorted(bot.router._actions), sorted(bot.router.words)
    line_api.record_requests = False  # thousands of replies: keep no log of the fake's requests
    seen = {"statuses": set(), "unchanged": 0, "examples": 0}
    caplog.set_level(logging.INFO)
    began = time.monotonic()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("WEBHOOK_RANDOM") != "1",
              database=None, suppress_health_check=list(HealthCheck), print_blob=True)
    @given(payloads(actions, words))
    def judged(case: tuple[bytes, bool]) -> None:
        body, may_act = case
        caplog.clear()
        before = None if may_act else table_counts(bot)
        response = client.post("/callback", data=body, headers={"X-Line-Signature": sign(body),
                                                                "Content-Type": "application/json"})
        assert response.status_code in (200, 400), (response.status_code, body[:500])
        assert refused_replies(caplog) == [], body[:500]
        if before is not None:
            assert table_counts(bot) == before, body[:500]
            seen["unchanged"] += 1
        seen["statuses"].add(response.status_code)
        seen["examples"] += 1

    try:
        judged()
    finally:
        line_api.record_requests = True
    took = time.monotonic() - began
    logging.getLogger(__name__).warning("%d payloads in %.1f s", seen["examples"], took)
    assert seen["statuses"] == {200, 400}
    assert seen["unchanged"] > EXAMPLES // 4


def test_the_strategies_cover_every_event_and_message_type_of_the_spec():
    """Every type in webhook.yml's discriminators is thrown (the spec ships beside the repository)."""
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not here")
    import yaml

    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    assert set(schemas["Event"]["discriminator"]["mapping"]) <= set(EVENT_TYPES)
    assert set(schemas["MessageContent"]["discriminator"]["mapping"]) <= set(MESSAGE_TYPES)
    leaves = Leaves(random.Random(1), ["help.show"], ["สถานะ"])
    for type_ in EVENT_TYPES:
        event_fields(leaves, type_, "text")
    for type_ in MESSAGE_TYPES[:-1]:
        assert message_fields(leaves, type_)["type"] == type_
