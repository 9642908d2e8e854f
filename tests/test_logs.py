"""Logs (bot/observability.py): one JSON line per webhook request and per job run, carrying LINE's
`webhookEventId`s and the `x-line-request-id` of every LINE call made; LOG_FORMAT; and Sentry, loaded
only when SENTRY_DSN is set."""
from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot import create_app, observability
from bot.fakeline import REPLY
from jobs.clock import Clock
from tests.conftest import ROOT
from tests.jobs.conftest import link


def json_lines(caplog, logger: str) -> list[dict]:
    """The records of this logger as the JSON formatter writes them, each one line."""
    formatter = observability.formatter("json")
    lines = [formatter.format(r) for r in caplog.records if r.name == logger]
    assert all("\n" not in line for line in lines)
    return [json.loads(line) for line in lines]


def test_a_webhook_request_logs_one_json_line_with_its_event_ids_and_line_request_ids(line, line_api, caplog):
    caplog.set_level(logging.INFO, logger="bot.request")
    first = line.text_event("U" + "c" * 32, "สถานะ")
    second = line.text_event("U" + "c" * 32, "ช่วยด้วย")
    assert line.post([first, second]).status_code == 200
    [entry] = [e for e in json_lines(caplog, "bot.request") if e["path"] == "/callback"]
    replies = line_api.calls(REPLY)
    assert len(replies) == 2 and all(r.request_id for r in replies)
    assert entry["webhook_event_ids"] == [first["webhookEventId"], second["webhookEventId"]]
    assert entry["line_request_ids"] == [r.request_id for r in replies]
    assert entry["method"] == "POST" and entry["status"] == 200 and entry["remote_addr"] == "127.0.0.1"
    assert entry["level"] == "INFO" and entry["logger"] == "bot.request"
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    datetime.fromisoformat(entry["time"])


def test_a_refused_request_is_logged_too(line, caplog):
    caplog.set_level(logging.INFO, logger="bot.request")
    assert line.post([line.text_event("U" + "c" * 32, "สถานะ")], signature="bad").status_code == 400
    [entry] = json_lines(caplog, "bot.request")
    assert entry["status"] == 400 and "webhook_event_ids" not in entry and "line_request_ids" not in entry


def test_a_job_run_logs_one_json_line(bot, office, this_year_plan, line_api, caplog):
    link(bot, ["C01"])
    caplog.set_level(logging.INFO, logger="jobs.run")
    calls = len(line_api.calls())
    now = datetime.now(bot.settings.tz)
    assert Clock(bot.settings, bot.db, bot.line).run("weekly-digest", now) == 1
    [entry] = json_lines(caplog, "jobs.run")
    made = line_api.calls()[calls:]  # the quota, then the push
    assert any(c.path.endswith("/push") or c.path.endswith("/multicast") for c in made)
    assert entry["line_request_ids"] == [c.request_id for c in made]
    assert entry["job"] == "weekly-digest" and entry["status"] == "ok" and entry["sent"] == 1
    assert entry["run"]["status"] == "done" and entry["run"]["sent"] == 1
    assert entry["duration_ms"] > 0


def test_a_failed_job_run_logs_its_line(bot, caplog, monkeypatch):
    import dataclasses

    from jobs import JOBS

    def broken(now, db, line):
        raise RuntimeError("boom")

    monkeypatch.setitem(JOBS, "weekly-digest", dataclasses.replace(JOBS["weekly-digest"], run=broken))
    caplog.set_level(logging.INFO, logger="jobs.run")
    assert Clock(bot.settings, bot.db, bot.line).run("weekly-digest") is None
    [entry] = json_lines(caplog, "jobs.run")
    assert entry["status"] == "failed" and entry["sent"] is None and entry["line_request_ids"] == []


PROBE = textwrap.dedent("""
    import logging, sys
    from bot import create_app
    from bot.config import Settings
    app = create_app(Settings.from_env())
    logging.getLogger("probe").warning("สวัสดี %s", "ค่ะ", extra={"answer": 42})
    print("sentry_sdk" in sys.modules)
""")


def run_probe(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "SENTRY_DSN")}
    environ.update(DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite'}", LINE_CHANNEL_ACCESS_TOKEN="t",
                   LINE_CHANNEL_SECRET="s", **env)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120, check=True)


def test_log_format_json_by_default_and_text_on_request_and_no_sentry_without_a_dsn(tmp_path):
    result = run_probe(tmp_path)
    [line] = [json.loads(x) for x in result.stderr.splitlines() if '"probe"' in x]
    assert line["message"] == "สวัสดี ค่ะ" and line["answer"] == 42 and line["level"] == "WARNING"
    assert result.stdout.strip() == "False"  # SENTRY_DSN unset: sentry_sdk never imported

    result = run_probe(tmp_path, LOG_FORMAT="text")
    [line] = [x for x in result.stderr.splitlines() if " probe: " in x]
    assert line.endswith("WARNING probe: สวัสดี ค่ะ") and not line.startswith("{")


def test_a_bad_log_format_is_refused():
    from bot.config import Settings

    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Settings.from_env({"LOG_FORMAT": "xml"})
    assert Settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": "t"}).log_format == "json"
    assert Settings.from_env({}).log_format == "text"  # the sandbox, for a terminal


class FakeSentry:
    """Sentry's ingestion endpoint over real HTTP: records what each envelope POST carries."""

    def __init__(self):
        self.envelopes: list[tuple[str, bytes]] = []

        @Request.application
        def app(request: Request) -> Response:
            body = request.get_data()
            encoding = request.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":
                import brotli  # sentry_sdk compresses with brotli when it is installed

                body = brotli.decompress(body)
            self.envelopes.append((request.path, body))
            return Response("{}", content_type="application/json")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sentry():
    fake = FakeSentry()
    yield fake
    import sentry_sdk

    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # later tests run without Sentry again
    fake.stop()


def test_an_exception_in_a_view_is_sent_to_sentry(settings, sentry):
    import sentry_sdk

    app = create_app(settings.replace(sentry_dsn=f"http://publickey@127.0.0.1:{sentry.port}/1"))

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom for sentry")

    try:
        assert sentry_sdk.get_client().options["dsn"] == f"http://publickey@127.0.0.1:{sentry.port}/1"
        assert app.test_client().get("/boom").status_code == 500
        sentry_sdk.flush(timeout=5)
        deadline = time.monotonic() + 5
        while not any(b"boom for sentry" in body for _, body in sentry.envelopes) and time.monotonic() < deadline:
            time.sleep(0.05)
        [(path, body)] = [(p, b) for p, b in sentry.envelopes if b"boom for sentry" in b]
        assert path == "/api/1/envelope/"
        assert b"RuntimeError" in body and b'"flask"' in body
    finally:
        app.extensions["khunnatham"].close()
