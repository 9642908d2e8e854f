#!/usr/bin/env python3
"""The evidence pack made in the background while the webhook serves: does a large office's pack,
made by a web process's builder thread (bot/builder.py, jobs/documents.py), hold the webhook up?

    .venv/bin/python bench/pack_background_bench.py                      # 10,000 staff, SQLite, 20 events/s
    .venv/bin/python bench/pack_background_bench.py --staff 1000 --activities 100 --rate 40
    .venv/bin/python bench/pack_background_bench.py --in-scheduler   # DOCUMENTS_IN_WEB=0: made in another process

1. Builds the office of bench/report_bench.py (10,000 staff, 1,000 activities, 300 real JPEGs) on
   SQLite in a temporary directory, and links 200 of the staff to LINE accounts.
2. Serves the real app (create_app, werkzeug's threaded server: a thread per request, as gunicorn's
   gthread worker, with its post_worker_init: GC freeze, 0.5 ms switch interval) against the
   project's fake LINE API, in this one process, like one web worker.
3. Sends signed webhook requests at a fixed rate (open loop: one `สถานะ` text event each, which
   records the event and replies through the SDK) for --before seconds, then asks for the pack as
   the console's button does (a document_builds row, then the builder thread kicked) and goes on
   sending until the pack is ready and --after seconds more. With --in-scheduler the web process
   does not make it (DOCUMENTS_IN_WEB=0): `flask --app bot jobs run documents`, in a process of its
   own as the scheduler's job would, makes it.
4. Prints, for the requests before, during and after the build: how many, errors, and the latency
   median, p95, p99 and maximum; and the pack's time in the thread (started → ready) and its size.
   Exits 1 when a request failed or the pack did not get made.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import report_bench  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bot import create_app, serving  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.fakeline import FakeLine, FakeLineServer  # noqa: E402
from models import docbuild  # noqa: E402
from models import plan as plans  # noqa: E402
from models.staff import Staff  # noqa: E402

SECRET = "bench-channel-secret-0123456789ab"
TOKEN = "bench-channel-access-token"
LINKED = 200


def signed_event(user: str) -> tuple[bytes, str]:
    event = {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
             "webhookEventId": secrets.token_hex(13).upper(), "deliveryContext": {"isRedelivery": False},
             "replyToken": secrets.token_hex(16), "source": {"type": "user", "userId": user},
             "message": {"type": "text", "id": str(secrets.randbelow(10**15)), "text": "สถานะ",
                         "quoteToken": secrets.token_hex(8)}}
    body = json.dumps({"destination": "U" + "f" * 32, "events": [event]}, ensure_ascii=False).encode()
    return body, base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


class Load:
    """Open-loop senders: a request every 1/rate seconds, each on its own thread, its latency kept
    with the phase it started in."""

    def __init__(self, port: int, users: list[str], rate: float):
        self.port, self.users, self.rate = port, users, rate
        self.phase = "before"
        self.results: dict[str, list[float]] = {"before": [], "during": [], "after": []}
        self.errors: dict[str, list[int]] = {"before": [], "during": [], "after": []}  # statuses (0: no answer)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._senders: list[threading.Thread] = []

    def _send(self, phase: str, user: str) -> None:
        body, signature = signed_event(user)
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("POST", "/callback", body, {"Content-Type": "application/json",
                                                     "X-Line-Signature": signature})
            status = conn.getresponse().status
            conn.close()
        except OSError:
            status = 0
        took = (time.perf_counter() - started) * 1000
        with self._lock:
            if status == 200:
                self.results[phase].append(took)
            else:
                self.errors[phase].append(status)

    def run(self) -> None:
        n, began = 0, time.perf_counter()
        while not self._stop.is_set():
            due = began + n / self.rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sender = threading.Thread(target=self._send, args=(self.phase, self.users[n % len(self.users)]),
                                      daemon=True)
            sender.start()
            self._senders.append(sender)
            n += 1

    def stop(self, runner: threading.Thread) -> None:
        self._stop.set()
        runner.join()
        for sender in self._senders:
            sender.join(35)


def line(phase: str, took: list[float], statuses: list[int]) -> str:
    kinds = ", ".join(f"{s or 'no answer'}: {statuses.count(s)}" for s in sorted(set(statuses)))
    errors = f"{len(statuses)} errors" + (f" ({kinds})" if statuses else "")
    if not took:
        return f"  {phase:7} {0:5d} requests, {errors}"
    ordered = sorted(took)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (f"  {phase:7} {len(took):5d} requests, {errors}: median {statistics.median(took):6.1f} ms, "
            f"p95 {pick(0.95):6.1f}, p99 {pick(0.99):6.1f}, max {ordered[-1]:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=20.0, help="webhook requests a second (default 20)")
    parser.add_argument("--before", type=float, default=20.0, help="seconds of load before the ask")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of load after the pack is ready")
    parser.add_argument("--in-scheduler", action="store_true",
                        help="DOCUMENTS_IN_WEB=0: the documents job makes it in a process of its own")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="pack-bg-bench-"))
    try:
        url = f"sqlite:///{tmp / 'office.sqlite'}"
        uploads = tmp / "uploads"
        uploads.mkdir()
        report_bench.build(url, uploads, args.staff, args.activities)
        quiet = FakeLine(access_token=TOKEN)
        quiet.record_requests = False  # keeps nothing in memory
        with FakeLineServer(quiet) as fake:
            settings = Settings(database_url=url, channel_secret=SECRET, access_token=TOKEN, line_api_host=fake.url,
                                uploads_dir=uploads, documents_dir=tmp / "documents", log_format="text",
                                rate_limit_per_user=0, documents_in_web=not args.in_scheduler)
            app = create_app(settings)
            bot = app.extensions["khunnatham"]
            serving.post_worker_init(None)  # as a gunicorn worker: objects frozen, GIL handed over sooner
            with bot.db.session() as db:
                ids = list(db.scalars(sa.select(Staff.id).order_by(Staff.id).limit(LINKED)))
                users = [f"U{hashlib.md5(str(i).encode()).hexdigest()}" for i in ids]
                for staff_id, user in zip(ids, users, strict=True):
                    db.execute(sa.update(Staff).where(Staff.id == staff_id).values(line_user_id=user))
                plan = db.scalar(sa.select(plans.Plan).where(plans.Plan.fiscal_year == 2569))
                assert plan is not None
                plan_id, asker = plan.id, ids[0]
            server = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            load = Load(server.server_port, users, args.rate)
            sender = threading.Thread(target=load.run, daemon=True)
            sender.start()
            time.sleep(args.before)
            with bot.db.session() as db:
                build, _ = docbuild.ask(db, plan_id, "pack", report_bench.AT, asker, docbuild.CONSOLE,
                                        datetime.now(settings.tz))
                build_id = build.id
            load.phase = "during"
            scheduler = None
            if args.in_scheduler:
                env = {**os.environ, "DATABASE_URL": url, "UPLOADS_DIR": str(uploads),
                       "DOCUMENTS_DIR": str(settings.documents_dir), "LINE_CHANNEL_SECRET": SECRET,
                       "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_HOST": fake.url, "LOG_FORMAT": "text"}
                scheduler = subprocess.Popen([str(Path(sys.executable).parent / "flask"), "--app", "bot", "jobs", "run",
                                              "documents"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
            bot.builder.kick()  # a no-op with --in-scheduler
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                time.sleep(0.5)
                with bot.db.reading() as db:
                    row = docbuild.get(db, build_id)
                    done = row is not None and not row.open
                if done:
                    break
            load.phase = "after"
            if scheduler is not None:
                scheduler.wait(60)
            time.sleep(args.after)
            load.stop(sender)
            server.shutdown()
            bot.close()
        with bot.db.session() as db:
            row = docbuild.get(db, build_id)
            assert row is not None
            db.expunge(row)
        where = "by the documents job in its own process" if args.in_scheduler else "in the web process's thread"
        print(f"\nwebhook at {args.rate:g} requests/s (one สถานะ event each), one web process, SQLite; pack {where}:")
        for phase in ("before", "during", "after"):
            print(line(phase, load.results[phase], load.errors[phase]))
        took = (row.finished_at - row.started_at).total_seconds() if row.finished_at and row.started_at else None
        print(f"pack: {row.state}" + (f" in {took:.1f} s, {(row.size or 0) / 2**20:.1f} MB"
                                      if took is not None else f" ({row.error})"))
        failed = row.state != docbuild.READY or any(load.errors.values())
        sys.exit(1 if failed else 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
