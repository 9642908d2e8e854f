"""GET /metrics (bot/health.py, bot/observability.py): what the webhook, LINE calls, the outbox and
the jobs did, as Prometheus reads it; only to the addresses of METRICS_ALLOW."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from bot import create_app
from bot.fakeline import MULTICAST, PUSH, QUOTA, REPLY
from jobs.clock import Clock
from models.jobrun import JobRun
from models.outbox import PENDING, OutboxMessage
from tests.conftest import ROOT
from tests.jobs.conftest import link

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain")
    return parse(response.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def sends(samples: Samples, kind: str, outcome: str) -> float:
    return value(samples, "khunnatham_line_sends_total", kind=kind, outcome=outcome)


def test_webhook_events_latency_and_replies_are_counted(client, line, line_api):
    before = scrape(client)
    for text in ("สวัสดี", "สถานะ", "ช่วยด้วย"):
        assert line.say("U" + "a" * 32, text), "the bot answers an unregistered person"
    after = scrape(client)
    replies = [c for c in line_api.calls(REPLY) if c.status == 200]
    assert len(replies) == 3
    assert value(after, "khunnatham_webhook_events_total", type="message") \
        - value(before, "khunnatham_webhook_events_total", type="message") == 3
    assert sends(after, "reply", "sent") - sends(before, "reply", "sent") == len(replies)
    assert sends(after, "reply", "failed") == sends(before, "reply", "failed")
    count = "khunnatham_webhook_request_duration_seconds_count"
    assert value(after, count, status="200") - value(before, count, status="200") == 3


def test_a_refused_reply_is_counted_as_failed(client, line, line_api):
    before = scrape(client)
    line_api.fail_next(REPLY, 500)
    line.say("U" + "b" * 32, "สถานะ")
    after = scrape(client)
    assert sends(after, "reply", "failed") - sends(before, "reply", "failed") == 1
    assert sends(after, "reply", "sent") == sends(before, "reply", "sent")


def test_push_outage_outbox_backlog_and_job_runs(client, bot, office, this_year_plan, line_api):
    link(bot, ["C01", "E01"])
    before = scrape(client)
    for path in (PUSH, MULTICAST):  # LINE down past every retry of the client
        line_api.fail_next(path, 500, times=bot.settings.line_max_attempts)
    now = datetime.now(bot.settings.tz)  # the backlog is what has not expired by now
    clock = Clock(bot.settings, bot.db, bot.line)
    assert clock.run("weekly-digest", now) == 0  # nothing reached anyone
    after = scrape(client)

    failed = sum(sends(after, kind, "failed") - sends(before, kind, "failed") for kind in ("push", "multicast"))
    assert failed == 1  # delivery stops at the first send LINE does not take
    with bot.db.sessions() as db:
        pending = db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status == PENDING))
        runs = db.execute(sa.select(JobRun.status, JobRun.at).where(JobRun.job == "weekly-digest")).all()
    assert pending >= 1
    assert value(after, "khunnatham_outbox_pending") == pending
    assert value(after, "khunnatham_database_up") == 1
    [(status, ran_at)] = runs
    assert value(after, "khunnatham_job_runs", job="weekly-digest", status=status) == 1
    assert value(after, "khunnatham_job_last_run_timestamp_seconds", job="weekly-digest") == ran_at.timestamp()

    clock.run("outbox-retry", now + timedelta(minutes=15))  # LINE is back: the backlog goes out
    again = scrape(client)
    sent = sum(sends(again, kind, "sent") - sends(after, kind, "sent") for kind in ("push", "multicast"))
    assert sent >= 1
    assert value(again, "khunnatham_outbox_pending") == 0


def test_quota_is_read_from_line_and_a_line_failure_does_not_break_the_scrape(settings, line_api):
    line_api.quota_limit = 500
    line_api.quota_used = 120
    app = create_app(settings)
    try:
        samples = scrape(app.test_client())
        assert value(samples, "khunnatham_line_quota_up") == 1
        assert value(samples, "khunnatham_line_quota_remaining") == 380
        assert value(samples, "khunnatham_line_quota_used") == 120
        calls = len(line_api.calls(QUOTA))
        scrape(app.test_client())
        assert len(line_api.calls(QUOTA)) == calls  # cached: one read a minute at most
    finally:
        app.extensions["khunnatham"].close()

    line_api.fail_next(QUOTA, 500, times=settings.line_max_attempts)
    app = create_app(settings)
    try:
        samples = scrape(app.test_client())
        assert value(samples, "khunnatham_line_quota_up") == 0
        assert ("khunnatham_line_quota_remaining", ()) not in samples
        assert "khunnatham_outbox_pending" in {name for name, _ in samples}  # the rest is there
    finally:
        app.extensions["khunnatham"].close()


def test_metrics_only_to_allowed_addresses(client, settings):
    assert client.get("/metrics").status_code == 200  # 127.0.0.1, the default's
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    # What a proxy says about its client is not believed.
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                      headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    app = create_app(settings.replace(metrics_allow=("10.0.0.0/8",)))
    try:
        other = app.test_client()
        assert other.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
        assert other.get("/metrics", environ_base={"REMOTE_ADDR": "192.168.1.9"}).status_code == 404
        assert other.get("/metrics").status_code == 404  # the default is replaced, not extended
    finally:
        app.extensions["khunnatham"].close()


def test_a_bad_metrics_allow_is_refused_at_start(settings):
    with pytest.raises(ValueError, match="METRICS_ALLOW"):
        create_app(settings.replace(metrics_allow=("10.0.0.300/8",)))


def test_multiprocess_mode_adds_up_the_workers(settings, tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, what two worker processes counted shows in a third's /metrics."""
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    worker = "from bot import observability; observability.count_event('follow'); " \
             "observability.count_send('push', True)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], cwd=ROOT, env=env, check=True, timeout=60)
    scraper = textwrap.dedent(f"""
        from bot import create_app
        from bot.config import Settings
        app = create_app(Settings(database_url={settings.database_url!r}, line_api_host={settings.line_api_host!r},
                                  access_token={settings.access_token!r}, line_timeout=2.0))
        print(app.test_client().get("/metrics").get_data(as_text=True))
        app.extensions["khunnatham"].close()
    """)
    result = subprocess.run([sys.executable, "-c", scraper], cwd=ROOT, env=env, check=True, timeout=120,
                            capture_output=True, text=True)
    samples = parse(result.stdout)
    assert value(samples, "khunnatham_webhook_events_total", type="follow") == 2
    assert sends(samples, "push", "sent") == 2
    assert value(samples, "khunnatham_database_up") == 1


def test_gunicorn_starts_from_an_empty_multiprocess_directory(tmp_path, monkeypatch):
    from bot import serving

    directory = tmp_path / "metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    serving.on_starting(None)
    assert directory.is_dir()
    (directory / "counter_123.db").write_bytes(b"stale")
    (directory / "README").write_text("not ours")
    serving.on_starting(None)
    assert sorted(p.name for p in directory.iterdir()) == ["README"]
