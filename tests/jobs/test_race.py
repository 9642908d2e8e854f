"""Two clock processes (threads with their own engine and LINE client) run the same jobs at the
same moment: every message still goes out once. On PostgreSQL (TEST_DATABASE_URL) the lease is
taken with SELECT … FOR UPDATE SKIP LOCKED; on SQLite BEGIN IMMEDIATE serializes."""
from __future__ import annotations

import threading
from collections import Counter

import pytest

from bot.db import Database
from bot.fakeline import MULTICAST, PUSH
from bot.line import LineClient
from jobs import JOBS, digest, nudges, reminders
from models import jobrun
from tests.jobs.conftest import add_staff, at, billed, link, outbox_rows, user_of

CLOCKS = 4


def race(settings, name: str, now, clocks: int = CLOCKS) -> list[int]:
    """Run job `name` at `now` in `clocks` threads released together; what each delivered."""
    barrier = threading.Barrier(clocks)
    results: list = [None] * clocks

    def clock(i: int) -> None:
        database = Database(settings)
        line = LineClient(settings, sleep=lambda s: None)
        try:
            with database.sessions() as db:
                barrier.wait()
                results[i] = JOBS[name].run(now, db, line)
        except Exception as exc:  # surfaced by the assertion below
            results[i] = exc
        finally:
            line.close()
            database.dispose()

    threads = [threading.Thread(target=clock, args=(i,)) for i in range(clocks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(isinstance(r, Exception) for r in results), results
    return results


@pytest.fixture
def busy_office(staffed, bot, line_api):
    line_api.quota_limit = None
    link(bot, add_staff(bot, 1201))
    with bot.db.session() as db:
        jobrun.set_setting(db, nudges.SWITCH, "on", at(2026, 2, 1))
    return bot


def received(line_api) -> Counter:
    """user → number of messages received by push or multicast."""
    counts: Counter = Counter()
    for request in billed(line_api):
        for user in ([request.body["to"]] if request.path == PUSH else request.body["to"]):
            counts[user] += 1
    return counts


def test_digest_race(busy_office, settings, line_api):
    results = race(settings, digest.NAME, at(2026, 2, 16, 8, 30))
    assert sum(results) == 1
    assert received(line_api) == Counter({user_of("C01"): 1})
    assert [r.status for r in line_api.calls(PUSH)] == [200]


def test_reminders_race(busy_office, settings, line_api):
    # The day before 27 Feb: the last days' stage, a push even for a coordinator who gets the digest
    # (on 20 Feb, the 7-day stage, the digest carries it instead).
    results = race(settings, reminders.NAME, at(2026, 2, 26, 8))
    assert sum(results) == 1 and received(line_api) == Counter({user_of("C01"): 1})


def test_nudges_race(busy_office, bot, settings, line_api):
    results = race(settings, nudges.NAME, at(2026, 2, 16, 8, 15))
    counts = received(line_api)
    assert sum(results) == 1206 == len(counts)
    assert set(counts.values()) == {1}                 # nobody twice
    assert len(billed(line_api, MULTICAST)) == 3       # 1,206 people with the same thing to do (C01 reads the digest)
    assert len(outbox_rows(bot, nudges.NAME)) == 1206
    assert all(r.status == "sent" for r in outbox_rows(bot, nudges.NAME))


def test_race_while_line_is_flaky(busy_office, settings, line_api):
    """Failures in the middle of the race (5xx, 429) are retried with the same keys; still once each."""
    line_api.fail_next(MULTICAST, 500, times=2)
    line_api.fail_next(MULTICAST, 429, times=1)
    race(settings, nudges.NAME, at(2026, 2, 16, 8, 15))
    counts = received(line_api)
    assert len(counts) == 1206 and set(counts.values()) == {1}


def test_two_processes_race(busy_office, bot, settings, line_server, line_api):
    """Two real processes — `flask --app bot jobs run nudges` and the same again — at one moment."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT, TOKEN

    env = {**os.environ, "DATABASE_URL": settings.database_url, "LINE_API_HOST": line_server.url,
           "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_CHANNEL_SECRET": "s"}
    command = [sys.executable, "-m", "flask", "--app", "bot", "jobs", "run", "nudges",
               "--at", "2026-02-16T08:15+07:00"]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    sent = sorted(int(out.split(": ")[-1].split()[0]) for out, _ in outputs)
    assert sum(sent) == 1206
    counts = received(line_api)
    assert len(counts) == 1206 and set(counts.values()) == {1}
