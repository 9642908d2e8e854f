#!/usr/bin/env python3
"""Scheduled-jobs benchmark: the weekly digest and the staff nudge for a large office.

    .venv/bin/python bench/jobs_bench.py                       # SQLite and PostgreSQL, 1,000 and 10,000 staff
    .venv/bin/python bench/jobs_bench.py --only sqlite --runs 3 --sizes 10000

For each database — a SQLite file in a temporary directory, and PostgreSQL database `bench` at
127.0.0.1:5432 (created if missing; this script works in its own schema `jobs_bench`, dropped and
recreated, so it never touches what bench/run.py keeps in `public`) — and each office size it:

1. migrates the schema (bot.db.upgrade) and adds the defaults (FY2569 plan and pledge);
2. generates an office: N staff in 40 units (3 coordinators), everyone registered with LINE, 60%
   having acknowledged the pledge, 30% having proposed, 1,000 activities spread over the fiscal year
   (80% with a responsible person, 40% done);
3. times the digest's computation (jobs.digest.build + the Flex card, rolled back) and counts its
   SQL statements with a `before_cursor_execute` listener — the count must not grow with N;
4. times a whole `weekly-digest` run (claim + push to the 3 coordinators through the fake LINE API
   served over HTTP by bot.fakeline.FakeLineServer), each run in a new week;
5. times a whole `nudges` run — one message variant for everyone: nobody in this office has
   acknowledged or proposed — and counts the multicast requests the fake received: 10,000 people
   must be 20 requests of 500.

Each figure is the median of --runs runs. Nothing listens beyond 127.0.0.1.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from bot.fakeline import MULTICAST, PUSH, FakeLine, FakeLineServer  # noqa: E402
from bot.line import LineClient  # noqa: E402
from jobs import cards, digest, nudges  # noqa: E402
from models import defaults, jobrun, outbox  # noqa: E402
from models import plan as plans  # noqa: E402
from models import pledge as pledges  # noqa: E402
from models.activity import Activity, ActivityResponsible  # noqa: E402
from models.proposal import Proposal  # noqa: E402
from models.staff import Staff  # noqa: E402

BKK = ZoneInfo("Asia/Bangkok")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_SCHEMA = "jobs_bench"
TOKEN = "jobs-bench-token"
UNITS = 40
COORDINATORS = 3
FIRST_MONDAY = datetime(2026, 2, 16, 8, 30, tzinfo=BKK)


# -- databases -------------------------------------------------------------------------------------
def sqlite_url(tmp: Path, n: int) -> str:
    return f"sqlite:///{tmp / f'jobs-bench-{n}.sqlite'}"


def postgres_url() -> str:
    """The `bench` database (created if missing), in a schema of our own, emptied."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = 'bench'")):
            conn.exec_driver_sql("CREATE DATABASE bench")
    admin.dispose()
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
    engine.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"


# -- the office ------------------------------------------------------------------------------------
def populate(database: Database, n: int, activities: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    created = datetime(2025, 10, 1, tzinfo=BKK)
    with database.session() as db:
        defaults.ensure(db)
    with database.session() as db:
        plan = db.scalar(sa.select(plans.Plan))
        (version,) = pledges.current_versions(db)
        staff = []
        for i in range(n):
            role = "coordinator" if i < COORDINATORS else "staff"
            staff.append({"code": f"B{i:06d}", "name": f"บุคลากร ทดสอบ {i:06d}", "position": "นักพัฒนาชุมชน",
                          "unit": f"อำเภอทดสอบ {i % UNITS + 1:02d}", "role": role, "active": True,
                          "invite_code": f"I{i:07d}", "line_user_id": f"U{i:032x}", "registered_at": created,
                          "created_at": created, "updated_at": created})
        db.execute(sa.insert(Staff), staff)
        ids = list(db.scalars(sa.select(Staff.id).order_by(Staff.id)))
        db.execute(sa.insert(pledges.PledgeAck), [
            {"staff_id": i, "version_id": version.id, "acknowledged_at": created + timedelta(days=rng.randrange(120))}
            for i in ids if rng.random() < 0.6])
        db.execute(sa.insert(Proposal), [
            {"plan_id": plan.id, "staff_id": i, "problem": "มาสาย", "good": "มาก่อนเวลา", "virtue": "วินัย",
             "created_at": created + timedelta(days=rng.randrange(120))} for i in ids if rng.random() < 0.3])
        start = date(2025, 10, 1)
        rows = []
        for a in range(activities):
            due = start + timedelta(days=rng.randrange(365))
            done = rng.random() < 0.4
            rows.append({"plan_id": plan.id, "key": f"bench-{a:05d}", "title": f"กิจกรรมทดสอบ {a:05d}",
                         "type": "activity", "plan_workshop": a % 50 == 0, "due": due, "code": f"B{a:05d}",
                         "place": "", "rotating_qr": False, "done_note": "", "evidence_url": "",
                         "done_at": datetime.combine(due, datetime.min.time(), tzinfo=BKK) if done else None,
                         "created_at": created})
        db.execute(sa.insert(Activity), rows)
        activity_ids = list(db.scalars(sa.select(Activity.id).where(Activity.key.like("bench-%"))))
        db.execute(sa.insert(ActivityResponsible), [
            {"activity_id": a, "staff_id": rng.choice(ids)} for a in activity_ids if rng.random() < 0.8])


def reset_nudge_state(database: Database) -> None:
    """Everyone owes the pledge and a proposal again (one nudge variant), and may be nudged again."""
    with database.session() as db:
        db.execute(sa.delete(pledges.PledgeAck))
        db.execute(sa.delete(Proposal))
        db.execute(sa.delete(outbox.OutboxMessage).where(outbox.OutboxMessage.job == nudges.NAME))
        db.execute(sa.delete(jobrun.JobRun).where(jobrun.JobRun.job == nudges.NAME))


# -- measuring -------------------------------------------------------------------------------------
class QueryCounter:
    def __init__(self, engine: sa.Engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args) -> None:
        self.count += 1

    @contextlib.contextmanager
    def span(self):
        start = self.count
        box = {"queries": 0}
        yield box
        box["queries"] = self.count - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_office(label: str, url: str, n: int, args, server: FakeLineServer) -> dict:
    fake = server.fake
    upgrade(url)
    settings = Settings(database_url=url, access_token=TOKEN, channel_secret="s", line_api_host=server.url,
                        nudges=True, nudge_max=1000, push_reserve=30)
    database = Database(settings)
    line = LineClient(settings, sleep=lambda s: None)
    counter = QueryCounter(database.engine)
    result: dict = {"db": label, "staff": n}
    try:
        t0 = time.perf_counter()
        populate(database, n, args.activities)
        result["populate_s"] = time.perf_counter() - t0

        # 3. the digest's computation, rolled back so every run sees the same data
        build_times, build_queries = [], []
        for i in range(args.runs):
            now = FIRST_MONDAY + timedelta(days=7 * i)
            with database.sessions() as db:
                with counter.span() as span:
                    t0 = time.perf_counter()
                    plan = plans.current(db, now)
                    card = cards.digest_message(digest.build(db, plan, now, digest.period(now))).to_dict()
                    build_times.append(time.perf_counter() - t0)
                db.rollback()
            build_queries.append(span["queries"])
        result["digest_build_s"] = median(build_times)
        result["digest_build_queries"] = max(build_queries)
        result["digest_card_bytes"] = len(str(card).encode())

        # 4. whole weekly-digest runs, a new week each
        fake.reset()
        run_times, run_queries = [], []
        for i in range(args.runs):
            now = FIRST_MONDAY + timedelta(days=7 * i)
            with database.sessions() as db, counter.span() as span:
                t0 = time.perf_counter()
                sent = digest.run(now, db, line)
                run_times.append(time.perf_counter() - t0)
            assert sent == COORDINATORS, sent
            run_queries.append(span["queries"])
        result["digest_run_s"] = median(run_times)
        result["digest_run_queries"] = max(run_queries)
        result["digest_pushes"] = len([r for r in fake.calls(PUSH) if r.status == 200]) / args.runs

        # 5. whole nudge runs for everyone, a new week each
        nudge_times, requests, reached, nudge_queries = [], [], [], []
        for i in range(args.runs):
            reset_nudge_state(database)
            fake.reset()
            now = FIRST_MONDAY - timedelta(minutes=15) + timedelta(days=7 * i)
            with database.sessions() as db, counter.span() as span:
                t0 = time.perf_counter()
                sent = nudges.run(now, db, line)
                nudge_times.append(time.perf_counter() - t0)
            calls = [r for r in fake.calls(MULTICAST) if r.status == 200]
            requests.append(len(calls))
            reached.append(len({u for c in calls for u in c.body["to"]}))
            nudge_queries.append(span["queries"])
            assert sent == n == reached[-1], (sent, n, reached[-1])
        result["nudge_run_s"] = median(nudge_times)
        result["nudge_requests"] = median(requests)
        result["nudge_reached"] = min(reached)
        result["nudge_queries"] = max(nudge_queries)
    finally:
        line.close()
        database.dispose()
    return result


def machine() -> str:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{platform.system()} {platform.release()}")


def postgres_version() -> str:
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SHOW server_version"))
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--sizes", default="1000,10000", help="office sizes (staff), comma-separated")
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is shown)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    print(f"machine: {machine()}")
    databases = [d for d in ("sqlite", "postgresql") if args.only in (None, d)]
    if "postgresql" in databases:
        print(f"PostgreSQL {postgres_version()} at 127.0.0.1:5432/bench, schema {PG_SCHEMA}")
    print(f"{args.activities} activities, {COORDINATORS} coordinators, {UNITS} units; median of {args.runs} runs\n")
    results = []
    fake = FakeLine(access_token=TOKEN)
    fake.quota_limit = None
    with FakeLineServer(fake) as server, tempfile.TemporaryDirectory(prefix="jobs-bench-") as tmp:
        for label in databases:
            for n in sizes:
                url = sqlite_url(Path(tmp), n) if label == "sqlite" else postgres_url()
                print(f"… {label}, {n:,} staff", flush=True)
                results.append(bench_office(label, url, n, args, server))

    header = (f"{'database':10} {'staff':>7} | {'digest build':>12} {'SQL':>4} | {'digest run':>10} {'SQL':>4} "
              f"{'pushes':>6} | {'nudge run':>9} {'multicasts':>10} {'reached':>7} {'SQL':>4}")
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        print(f"{r['db']:10} {r['staff']:>7,} | "
              f"{r['digest_build_s'] * 1000:>10.0f}ms {r['digest_build_queries']:>4} | "
              f"{r['digest_run_s'] * 1000:>8.0f}ms {r['digest_run_queries']:>4} {r['digest_pushes']:>6.0f} | "
              f"{r['nudge_run_s'] * 1000:>7.0f}ms {r['nudge_requests']:>10.0f} {r['nudge_reached']:>7,} "
              f"{r['nudge_queries']:>4}")
    print("\ndigest build: jobs.digest.build + the Flex card (SQL statements counted with before_cursor_execute);"
          "\ndigest run: a whole weekly-digest run (quota read, claim, push to each coordinator over HTTP),"
          " pushes per run;"
          "\nnudge run: a whole nudges run for everyone (quota read, claim, multicast in batches of 500).")
    problems = []
    for label in databases:
        counts = {r["digest_build_queries"] for r in results if r["db"] == label}
        if len(counts) > 1:
            problems.append(f"{label}: the digest's SQL count changes with the office size: {sorted(counts)}")
    for r in results:
        if r["digest_build_s"] >= 1.0:
            problems.append(f"{r['db']} {r['staff']:,}: digest computed in {r['digest_build_s']:.2f} s (≥ 1 s)")
        expected = -(-r["staff"] // 500)
        if r["nudge_requests"] != expected:
            problems.append(f"{r['db']} {r['staff']:,}: {r['nudge_requests']} multicasts, expected {expected}")
    print("\n" + ("\n".join(problems) if problems else "OK: digest < 1 s with a constant SQL count; "
                                                           "nudges in ceil(N/500) multicasts"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
