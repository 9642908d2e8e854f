"""The outbox: claim → send with the stored retry key → mark sent, whatever fails in between."""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from bot import messages as ui
from bot.fakeline import MULTICAST, PUSH
from jobs import delivery, digest
from models import outbox
from models.outbox import FAILED, PENDING, SENT, OutboxMessage
from tests.jobs.conftest import at, billed, outbox_rows, user_of

NOW = at(2026, 2, 16, 8, 30)
WEEK = "2026-W08"
A, B = "U" + "a" * 32, "U" + "b" * 32


def message(text: str = "ทดสอบ") -> list[dict]:
    return [ui.text(text).to_dict()]


def claim(bot, *recipients: str, job: str = "test", period: str = WEEK, now=NOW) -> int:
    with bot.db.session() as db:
        return outbox.claim(db, job, period, [outbox.Draft(r, message(r[-4:])) for r in recipients], now,
                            expires_at=now + timedelta(days=7))


def deliver(bot, client, now=NOW, **kwargs) -> delivery.Delivery:
    with bot.db.sessions() as db:
        return delivery.deliver(db, client, now, **kwargs)


def test_claim_is_unique_per_job_period_recipient(bot):
    assert claim(bot, A, B) == 2
    assert claim(bot, A, B) == 0                      # a second run of the period claims nothing
    assert claim(bot, A, period="2026-W09") == 1      # the next period is new
    assert claim(bot, A, job="other") == 1
    keys = [r.retry_key for r in outbox_rows(bot)]
    assert len(set(keys)) == 4                        # one retry key per push


def test_claim_send_mark_sent(bot, client, line_api):
    claim(bot, A)
    (row,) = outbox_rows(bot)
    report = deliver(bot, client)
    assert (report.sent, report.requests) == (1, 1)
    (request,) = line_api.calls(PUSH)
    assert request.headers["X-Line-Retry-Key"] == row.retry_key
    (row,) = outbox_rows(bot)
    assert (row.status, row.attempts, row.http_status) == (SENT, 1, 200)
    assert deliver(bot, client).sent == 0             # nothing left
    assert len(line_api.messages_for(A)) == 1


def test_crash_after_claim_is_sent_on_the_next_run_with_the_same_key(bot, client, line_api):
    # Run 1 claims and commits, then the process dies before sending.
    claim(bot, A)
    (claimed,) = outbox_rows(bot)
    assert line_api.calls(PUSH) == []
    # Run 2 (same period) claims nothing new and sends the pending row with its stored key.
    assert claim(bot, A) == 0
    assert deliver(bot, client).sent == 1
    (request,) = line_api.calls(PUSH)
    assert request.headers["X-Line-Retry-Key"] == claimed.retry_key
    assert len(line_api.messages_for(A)) == 1


def test_crash_after_send_before_mark_gets_409_and_is_marked_sent(bot, client, line_api):
    claim(bot, A)
    (row,) = outbox_rows(bot)
    # Run 1 leased the row and LINE accepted the push, then the process died before marking it sent.
    with bot.db.session() as db:
        db.execute(sa.update(OutboxMessage).values(lease_until=NOW + outbox.LEASE, attempts=1,
                                                   first_attempt_at=NOW))
    client.push(A, [ui.text("ทดสอบ")], retry_key=row.retry_key)
    assert deliver(bot, client).sent == 0             # the lease of the dead process still holds
    later = NOW + outbox.LEASE + timedelta(seconds=1)
    report = deliver(bot, client, now=later)
    assert report.sent == 1
    assert [r.status for r in line_api.calls(PUSH)] == [200, 409]
    assert {r.headers["X-Line-Retry-Key"] for r in line_api.calls(PUSH)} == {row.retry_key}
    assert len(line_api.messages_for(A)) == 1         # delivered once
    (row,) = outbox_rows(bot)
    assert row.status == SENT


def test_crash_of_a_whole_job_run_between_claim_and_send(staffed, bot, client, line_api, run_job, monkeypatch):
    """weekly-digest dies after its claim (commit) and before delivery; the next run sends the same
    rows with the same keys, once."""
    def die(*args, **kwargs):
        raise SystemExit("killed between claim and send")

    monkeypatch.setattr(delivery, "deliver", die)
    try:
        run_job(digest.NAME, NOW)
    except SystemExit:
        pass
    monkeypatch.undo()
    claimed = {r.recipient: r.retry_key for r in outbox_rows(bot, digest.NAME)}
    assert set(claimed) == {user_of("C01")} and line_api.calls(PUSH) == []
    assert run_job(digest.NAME, NOW + timedelta(hours=1)) == 1
    assert run_job(digest.NAME, NOW + timedelta(hours=2)) == 0
    (request,) = line_api.calls(PUSH)
    assert request.headers["X-Line-Retry-Key"] == claimed[user_of("C01")]
    assert len(line_api.messages_for(user_of("C01"))) == 1


def test_500_then_recovery_same_key(bot, client, line_api):
    claim(bot, A)
    line_api.fail_next(PUSH, 500, times=2)
    assert deliver(bot, client).sent == 1
    assert [r.status for r in line_api.calls(PUSH)] == [500, 500, 200]
    assert len({r.headers["X-Line-Retry-Key"] for r in line_api.calls(PUSH)}) == 1


def test_429_then_recovery(bot, client, line_api):
    claim(bot, A, B)
    line_api.fail_next(PUSH, 429, times=3)
    assert deliver(bot, client).sent == 2
    assert [r.status for r in line_api.calls(PUSH)] == [429, 429, 429, 200, 200]


def test_outage_longer_than_the_retries_waits_for_the_next_run(bot, client, line_api, settings, caplog):
    claim(bot, A, B)
    line_api.fail_next(PUSH, 503, times=settings.line_max_attempts)
    with caplog.at_level(logging.ERROR, logger="models.outbox"):
        report = deliver(bot, client)
    assert (report.sent, report.held) == (0, 0) and report.stopped  # held is counted per job only
    assert "will retry with the same key" in caplog.text
    rows = outbox_rows(bot)
    assert [r.status for r in rows] == [PENDING, PENDING] and rows[0].http_status == 503
    keys = {r.headers["X-Line-Retry-Key"] for r in line_api.calls(PUSH)}
    assert keys == {rows[0].retry_key}                 # B was not tried while LINE was down
    assert deliver(bot, client, now=NOW + timedelta(hours=1)).sent == 2
    assert len(line_api.messages_for(A)) == len(line_api.messages_for(B)) == 1


def test_blocked_recipient_is_failed_logged_and_not_retried(bot, client, line_api, caplog):
    claim(bot, A, B)
    line_api.fail_next(PUSH, 400)                      # A blocked the bot
    with caplog.at_level(logging.ERROR):
        report = deliver(bot, client)
    assert (report.sent, report.failed) == (1, 1)
    assert "given up" in caplog.text and A in caplog.text
    rows = {r.recipient: r for r in outbox_rows(bot)}
    assert rows[A].status == FAILED and rows[A].http_status == 400 and "request id" in rows[A].error
    assert rows[B].status == SENT
    calls = len(line_api.calls(PUSH))
    assert deliver(bot, client, now=NOW + timedelta(days=1)).sent == 0
    assert claim(bot, A) == 0
    assert len(line_api.calls(PUSH)) == calls          # never retried


def test_unsent_rows_expire_with_their_period(bot, client, line_api):
    claim(bot, A)
    report = deliver(bot, client, now=NOW + timedelta(days=7))
    assert (report.sent, report.expired) == (0, 1)
    assert outbox_rows(bot)[0].status == "expired" and line_api.calls(PUSH) == []


def test_a_key_older_than_line_remembers_is_not_reused(bot, client, line_api):
    """LINE keeps a retry key 24 h: a row first tried longer ago could be delivered twice; give it up."""
    claim(bot, A)
    with bot.db.session() as db:
        db.execute(sa.update(OutboxMessage).values(attempts=1, first_attempt_at=NOW))
    report = deliver(bot, client, now=NOW + timedelta(hours=23, minutes=1))
    assert report.sent == 0 and line_api.calls(PUSH) == []
    (row,) = outbox_rows(bot)
    assert row.status == FAILED and "lifetime" in row.error


def test_budget_leaves_the_rest_pending(bot, client, line_api):
    claim(bot, A, B)
    report = deliver(bot, client, job="test", budget=1)
    assert (report.sent, report.held) == (1, 1) and "quota" in report.stopped
    assert [r.status for r in outbox_rows(bot)] == [SENT, PENDING]


def test_multicast_batches_of_500_share_one_key(bot, client, line_api):
    line_api.quota_limit = None
    users = [f"U{i:032x}" for i in range(1, 1202)]
    with bot.db.session() as db:
        claimed = outbox.claim_multicast(db, "test", WEEK, [outbox.Draft(u, message("ชวน")) for u in users], NOW,
                                         expires_at=NOW + timedelta(days=7))
    assert claimed == 1201
    rows = outbox_rows(bot)
    assert sorted(sum(1 for r in rows if r.retry_key == k) for k in {r.retry_key for r in rows}) == [201, 500, 500]
    report = deliver(bot, client)
    assert (report.sent, report.requests) == (1201, 3)
    calls = line_api.calls(MULTICAST)
    assert sorted(len(c.body["to"]) for c in calls) == [201, 500, 500]
    assert sum(len(line_api.messages_for(u)) for u in users) == 1201
    with bot.db.session() as db:                       # a second claim of the period adds nothing
        assert outbox.claim_multicast(db, "test", WEEK, [outbox.Draft(u, message("ชวน")) for u in users], NOW,
                                      expires_at=NOW + timedelta(days=7)) == 0
    assert deliver(bot, client).requests == 0 and len(billed(line_api)) == 3


def test_a_batch_whose_first_recipient_was_claimed_elsewhere_still_has_its_messages(bot, client, line_api):
    """The messages of a multicast batch are stored once, on one of its rows."""
    users = [f"U{i:032x}" for i in range(1, 6)]
    with bot.db.session() as db:                       # another run claimed the first user already
        outbox.claim_multicast(db, "test", WEEK, [outbox.Draft(users[0], message("ชวน"))], NOW,
                               expires_at=NOW + timedelta(days=7))
    with bot.db.session() as db:
        assert outbox.claim_multicast(db, "test", WEEK, [outbox.Draft(u, message("ชวน")) for u in users], NOW,
                                      expires_at=NOW + timedelta(days=7)) == 4
    rows = outbox_rows(bot)
    assert sum(r.messages is not None for r in rows) == 2   # one per batch
    assert deliver(bot, client).sent == 5
    assert all(line_api.messages_for(u) == [{"type": "text", "text": "ชวน"}] for u in users)


def test_outbox_retry_sends_what_an_outage_left_with_the_same_key(staffed, bot, run_job, line_api, settings):
    line_api.fail_next(PUSH, 503, times=settings.line_max_attempts)  # LINE down during the digest run
    assert run_job(digest.NAME, NOW) == 0
    (row,) = outbox_rows(bot, digest.NAME)
    assert row.status == PENDING
    assert run_job("outbox-retry", NOW + timedelta(minutes=15)) == 1
    assert {r.headers["X-Line-Retry-Key"] for r in line_api.calls(PUSH)} == {row.retry_key}
    assert run_job("outbox-retry", NOW + timedelta(minutes=30)) == 0
    assert len(line_api.messages_for(user_of("C01"))) == 1


def test_outbox_retry_does_nothing_when_nothing_waits(bot, run_job, line_api):
    from bot.fakeline import QUOTA

    assert run_job("outbox-retry", NOW) == 0
    assert line_api.calls(QUOTA) == []
