"""Two machines behind one database (issue 15, item 6).

Two web apps, each with its own engine, LINE client and HTTP server on its own port (two machines
behind a load balancer), and two clocks, each with its own engine and LINE client, share one
database: PostgreSQL when TEST_DATABASE_URL names one, else the SQLite file. Taps are spread over both
web servers, some events are delivered to both at the same moment (LINE redelivers an event whose
answer it did not get, and the balancer may send it to the other machine), and both clocks run the
weekly digest while the taps go on. Nothing is lost and nothing is doubled: one acknowledgment per
person, one record per event, one reply per event, one digest per coordinator.
"""
from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import sqlalchemy as sa

from bot import create_app
from bot.fakeline import PUSH, REPLY
from jobs import digest
from jobs.clock import Clock
from models import pledge as pledges
from models.outbox import OutboxMessage
from models.pledge import PledgeAck
from models.webhook_event import WebhookEvent
from tests.conftest import LineActions, LiveServer, count_rows, sign
from tests.jobs.conftest import add_staff, billed, link

PEOPLE = 40
TWICE = 12  # of the taps, delivered to both machines at once


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url + "/callback", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Line-Signature": sign(body)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status


def test_two_web_processes_and_two_clocks_share_one_database(app, bot, settings, line_api, office):
    codes = add_staff(bot, PEOPLE)
    ids = link(bot, codes + ["C01"])  # C01, the coordinator, is registered: the digest goes to them
    with bot.db.sessions() as db:
        (version,) = pledges.current_versions(db)
    actions = LineActions(None, line_api)
    bodies = [json.dumps({"destination": "U" + "0" * 32, "events": [
        actions.postback_event(ids[code], f"a=pledge.ack&v={version.id}")]}).encode() for code in codes]

    second = create_app(settings)  # the other machine: its own Bot, engine and LINE client
    machines = [LiveServer(app), LiveServer(second)]
    # (server, body): every tap to one machine in turn, the first TWICE also to the other one
    sends = [(machines[i % 2].url, body) for i, body in enumerate(bodies)]
    sends += [(machines[(i + 1) % 2].url, body) for i, body in enumerate(bodies[:TWICE])]
    clocks = [Clock(settings), Clock(settings)]
    start = threading.Barrier(len(sends) + len(clocks))
    now = datetime.now(settings.tz)

    def send(target: tuple[str, bytes]) -> int:
        start.wait()
        return post(*target)

    def tick(clock: Clock) -> int | None:
        start.wait()
        return clock.run(digest.NAME, now)

    try:
        with ThreadPoolExecutor(len(sends) + len(clocks)) as pool:
            ran = [pool.submit(tick, clock) for clock in clocks]
            statuses = list(pool.map(send, sends))
            delivered = [r.result() for r in ran]
    finally:
        for machine in machines:
            machine.stop()
        second.extensions["khunnatham"].close()
        for clock in clocks:
            clock.line.close()
            clock.database.dispose()

    assert statuses == [200] * len(sends)
    assert count_rows(bot, PledgeAck) == PEOPLE  # nothing lost, nothing doubled
    with bot.db.sessions() as db:
        recorded = db.scalars(sa.select(WebhookEvent.line_user_id)).all()
        assert sorted(recorded) == sorted(ids[code] for code in codes)  # one record per event
        digests = db.scalars(sa.select(OutboxMessage).where(OutboxMessage.job == digest.NAME)).all()
    for code in codes:  # one reply per event, the thanks; the other machine's delivery said nothing
        replies = [m for m in line_api.messages_for(ids[code])]
        assert len(replies) == 1, (code, replies)
        assert "ขอบคุณที่ร่วมรับทราบ" in json.dumps(replies[0], ensure_ascii=False)
    used = [r.body.get("replyToken") for r in line_api.calls(REPLY) if r.status == 200]
    assert len(used) == PEOPLE == len(set(used))
    assert sorted(delivered, key=str) == [0, 1]  # one clock sent the digest, the other found it sent
    assert [(m.recipient, m.status) for m in digests] == [(ids["C01"], "sent")]
    assert [r.body["to"] for r in billed(line_api, PUSH)] == [ids["C01"]]
