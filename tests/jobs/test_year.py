"""A whole fiscal year, day by day, with the clock process killed at random moments — before a
claim is delivered, after LINE accepted a message but before it was marked sent — and restarted ten
minutes later. Every message LINE received is counted against the outbox: nothing twice, nothing
missed (every week's digest, every reminder stage: in a digest or a push of its own)."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from bot.fakeline import MULTICAST, PUSH
from bot.line import LineClient
from jobs import delivery, digest, nudges, reminders
from jobs.clock import Clock
from tests.jobs.conftest import BKK, outbox_rows, user_of

FY_START, FY_END = date(2025, 10, 1), date(2026, 9, 30)
KILL = 0.15


class Killed(BaseException):
    """The process died (not an Exception: nothing in the job may catch it)."""


class DyingLine(LineClient):
    """A LINE client in a process that may die just before a send, or just after LINE accepted it."""

    def __init__(self, settings, rng: random.Random):
        super().__init__(settings, sleep=lambda s: None)
        self.rng = rng
        self.kills = Counter()

    def _maybe_die(self, when: str) -> None:
        if self.rng.random() < KILL / 2:
            self.kills[when] += 1
            raise Killed(when)

    def push(self, to, messages, retry_key=None):
        self._maybe_die("before send")
        key = super().push(to, messages, retry_key)
        self._maybe_die("after send")
        return key

    def multicast(self, to, messages, retry_key=None):
        self._maybe_die("before send")
        key = super().multicast(to, messages, retry_key)
        self._maybe_die("after send")
        return key


def test_a_year_with_random_kills(staffed, bot, settings, line_api, monkeypatch):
    line_api.quota_limit = None
    rng = random.Random(2569)
    line = DyingLine(settings.replace(nudges=True), rng)
    clock = Clock(line.settings, bot.db, line)
    real_deliver = delivery.deliver
    kills_after_claim = Counter()

    def deliver(*args, **kwargs):  # the process may also die between a job's claim and its delivery
        if rng.random() < KILL / 3:
            kills_after_claim["after claim"] += 1
            raise Killed("after claim")
        return real_deliver(*args, **kwargs)

    monkeypatch.setattr(delivery, "deliver", deliver)

    def run(name: str, moment: datetime) -> None:
        for attempt in range(20):          # killed: the clock restarts 10 minutes later and catches up
            try:
                clock.run(name, moment + timedelta(minutes=10 * attempt))
                clock.run("outbox-retry", moment + timedelta(minutes=10 * attempt + 1))
                return
            except Killed:
                continue
        pytest.fail(f"{name} never finished")

    day = FY_START
    mondays = []
    while day <= FY_END:
        base = datetime(day.year, day.month, day.day, tzinfo=BKK)
        run(reminders.NAME, base.replace(hour=8))
        if day.weekday() == 0:
            mondays.append(day)
            run(nudges.NAME, base.replace(hour=8, minute=15))
            run(digest.NAME, base.replace(hour=8, minute=30))
        day += timedelta(days=1)
    line.close()

    assert sum(line.kills.values()) + sum(kills_after_claim.values()) > 20   # the test did kill
    rows = outbox_rows(bot)
    # Nothing twice: each retry key was accepted once (a repeat got 409), each row sent at most once.
    accepted = Counter(r.headers["X-Line-Retry-Key"] for p in (PUSH, MULTICAST) for r in line_api.calls(p)
                       if r.status == 200)
    assert accepted and max(accepted.values()) == 1
    assert {r.status for r in rows} == {"sent"}                 # nothing lost, nothing given up
    # What each person received is exactly what the outbox says was sent to them.
    expected = Counter(r.recipient for r in rows)
    for user, count in expected.items():
        assert len(line_api.messages_for(user)) == count, user
    # Every week's digest reached the coordinator once.
    digests = sorted(r.period for r in rows if r.job == digest.NAME and r.recipient == user_of("C01"))
    assert digests == sorted({f"{m.isocalendar()[0]}-W{m.isocalendar()[1]:02d}" for m in mondays})
    # Every reminder stage of 1.2 (27 Feb) once, in order: the 14 and 7-day ones in the digests of 16
    # and 23 Feb, the day before and the day after as pushes of their own.
    stages = [(r.job, t.split("@")[1]) for r in sorted(rows, key=lambda r: r.created_at)
              if r.job in (reminders.NAME, digest.NAME) and r.recipient == user_of("C01")
              for t in r.topics if t.startswith("1.2:2026-02-27@")]
    assert stages == [(digest.NAME, "14"), (digest.NAME, "7"), (reminders.NAME, "1"), (reminders.NAME, "late")]
    # Nudges: at most three per person, never two in one week.
    nudged = Counter(r.recipient for r in rows if r.job == nudges.NAME)
    assert set(nudged.values()) == {3}
