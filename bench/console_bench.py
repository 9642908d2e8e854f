#!/usr/bin/env python3
"""Console benchmark: every page of the coordinator's console for a large office.

    .venv/bin/python bench/console_bench.py                      # SQLite and PostgreSQL, 1,000 and 10,000 staff
    .venv/bin/python bench/console_bench.py --only sqlite --sizes 10000 --requests 10

For each database — a SQLite file in a temporary directory, and PostgreSQL database `bench` at
127.0.0.1:5432 (created if missing; this script works in its own schema `console_bench`, dropped
and recreated, so it never touches what the other benchmarks keep) — and each office size it:

1. migrates the schema and generates the office of bench/jobs_bench.py (N staff in 40 units, 3
   coordinators, all on LINE, 60% acknowledged, 30% proposed, 1,000 activities), then rolls its plan
   to the fiscal year of today (models.plan.next_year + activate: the 1,000 activities are copied
   with the plan) and adds to this year's plan: 20 check-ins per activity (20,000), a nomination
   round with a nomination from a third of the staff, and 5,000 audit trail entries;
2. freezes the loaded heap out of the cyclic GC's reach, as the web workers do (bot/serving.py), and
   signs a coordinator in the way the เว็บ link does (models.console.issue_link, then
   GET /console/login/<token>) with Flask's test client: the whole app, no HTTP server in between
   (the fake LINE API answers the quota call over HTTP on 127.0.0.1);
3. requests every GET page of the console `--requests` times (after one warm-up request each), and
   reports the median and the p95 response time and the number of SQL statements of each page,
   counted with a `before_cursor_execute` listener. Pages are checked for status 200 and for a word
   each must show.

Targets: every page's p95 under 300 ms, and each page's SQL count the same at 1,000 and at 10,000
staff (lists are paged in SQL, counts are aggregated in the database). The downloads (the not-yet-
acknowledged workbook, the attendance workbook, the invite-sheet PDF of one part, 250 cards) grow
with what they contain by nature; they are timed once and reported apart, not held to 300 ms.
"""
from __future__ import annotations

import argparse
import logging
import math
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import jobs_bench  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot import create_app, serving  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import upgrade  # noqa: E402
from bot.documents import invites as sheets  # noqa: E402
from bot.fakeline import FakeLine, FakeLineServer  # noqa: E402
from models import console as consoles  # noqa: E402
from models import plan as plans  # noqa: E402
from models.activity import Activity, CheckIn  # noqa: E402
from models.audit import AuditEntry  # noqa: E402
from models.nomination import Nomination, NominationRound  # noqa: E402
from models.pledge import PledgeDocument  # noqa: E402
from models.staff import Staff  # noqa: E402

PG_SCHEMA = "console_bench"
TOKEN = "console-bench-token"
TARGET_P95_MS = 300.0
CHECKINS_PER_ACTIVITY = 20
AUDIT_ENTRIES = 5000
VIRTUES = ("พอเพียง", "วินัย", "สุจริต", "จิตอาสา", "กตัญญู")


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    shows: str  # a word the page must show (checks that it is the page, not a sign-in or error page)


def postgres_url() -> str:
    """The `bench` database (created if missing), in a schema of our own, emptied."""
    admin = sa.create_engine(jobs_bench.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = 'bench'")):
            conn.exec_driver_sql("CREATE DATABASE bench")
    admin.dispose()
    engine = sa.create_engine(jobs_bench.PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {PG_SCHEMA}")
    engine.dispose()
    return f"{jobs_bench.PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"


# -- the office --------------------------------------------------------------------------------------
def this_year(database, now: datetime, rng: random.Random) -> dict:
    """Roll the plan to today's fiscal year; add check-ins, nominations and audit entries to it."""
    with database.session() as db:
        plan = db.scalar(sa.select(plans.Plan).order_by(plans.Plan.fiscal_year.desc()))
        while plan.fiscal_year < plans.fiscal_year_of(now.date()):
            plan = plans.next_year(db, plan, now)
            plans.activate(db, plan, now.tzinfo)
        plan_id = plan.id
    with database.session() as db:
        staff = list(db.scalars(sa.select(Staff.id).order_by(Staff.id)))
        activity_ids = list(db.scalars(sa.select(Activity.id).where(Activity.plan_id == plan_id).order_by(Activity.id)))
        start = now - timedelta(days=60)
        db.execute(sa.insert(CheckIn), [
            {"activity_id": a, "staff_id": s, "at": start + timedelta(minutes=i)}
            for i, a in enumerate(activity_ids) for s in rng.sample(staff, CHECKINS_PER_ACTIVITY)])
        round_ = NominationRound(plan_id=plan_id, title="รอบทดสอบ", opens_at=now - timedelta(days=20))
        db.add(round_)
        db.flush()
        nominators = rng.sample(staff, len(staff) // 3)
        db.execute(sa.insert(Nomination), [
            {"round_id": round_.id, "nominator_id": n, "kind": "person", "target": f"p:{(t := rng.choice(staff))}",
             "nominee_id": t, "unit": f"อำเภอทดสอบ {rng.randrange(40) + 1:02d}", "virtue": rng.choice(VIRTUES),
             "reason": "ช่วยเหลือเพื่อนร่วมงานเสมอ", "created_at": now - timedelta(days=rng.randrange(20))}
            for n in nominators])
        db.execute(sa.insert(AuditEntry), [
            {"at": now - timedelta(minutes=i), "actor_id": staff[0], "actor_name": "บุคลากร ทดสอบ 000000",
             "source": ("console", "line", "cli")[i % 3], "action": "update", "entity": "staff",
             "entity_id": str(staff[i % len(staff)]), "label": f"บุคลากร ทดสอบ {i:06d}",
             "changes": {"role": ["staff", "coordinator"]}} for i in range(AUDIT_ENTRIES)])
        document = db.scalar(sa.select(PledgeDocument.id).order_by(PledgeDocument.id))
        return {"plan_id": plan_id, "year": plan.fiscal_year, "activity": activity_ids[len(activity_ids) // 2],
                "round": round_.id, "person": staff[len(staff) // 2], "document": document,
                "coordinator": staff[0]}


def pages(ids: dict) -> list[Page]:
    a, year = ids["activity"], ids["year"]
    return [
        Page("ภาพรวม", "/console/", "ตัวชี้วัด"),
        Page("ภาพรวม: โควตา", "/console/quota", "ข้อความ"),
        Page("บุคลากร", "/console/staff/", "บุคลากร"),
        Page("บุคลากร: ค้นหา", "/console/staff/?q=000042", "ทดสอบ 000042"),
        Page("บุคลากร: กรอง", "/console/staff/?unit=อำเภอทดสอบ%2007&registered=yes&page=3", "อำเภอทดสอบ 07"),
        Page("บุคลากร: คนหนึ่ง", f"/console/staff/{ids['person']}", "บุคลากร ทดสอบ"),
        Page("บุคลากร: นำเข้า", "/console/staff/import", "ไฟล์"),
        Page("บัตรเชิญ", "/console/staff/invites", "รหัสเชิญ"),
        Page("บัตรเชิญ: QR ใบหนึ่ง", f"/console/staff/{ids['person']}/invite-qr.png", ""),
        Page("ปฏิญญา", "/console/pledges/", "ปฏิญญา"),
        Page("ปฏิญญา: ฉบับหนึ่ง", f"/console/pledges/{ids['document']}", "ยังไม่รับทราบ"),
        Page("แผน", "/console/plan/", f"{year}"),
        Page("แผน: ปีที่แล้ว", f"/console/plan/{year - 1}", f"{year - 1}"),
        Page("กิจกรรม", "/console/activities/", "กิจกรรม"),
        Page("กิจกรรม: หน้า 5", "/console/activities/?page=5", "กิจกรรม"),
        Page("กิจกรรม: ใหม่", "/console/activities/new", "ชื่อกิจกรรม"),
        Page("กิจกรรม: หนึ่ง", f"/console/activities/{a}", "ผู้เข้าร่วม"),
        Page("กิจกรรม: แก้ไข", f"/console/activities/{a}/edit", "ชื่อกิจกรรม"),
        Page("กิจกรรม: เลือกคน", f"/console/activities/people?find=ทดสอบ%20001&activity={a}", "อำเภอทดสอบ"),
        Page("จอแสดง QR", f"/console/activities/{a}/projector", "เช็คอิน"),
        Page("จอแสดง QR: จำนวน", f"/console/activities/{a}/projector/count", "คน"),
        Page("หลักฐาน", "/console/evidence/", "ยังขาด"),
        Page("หลักฐาน: เพิ่ม 4.3", "/console/evidence/4.3/new", "ช่องทาง"),
        Page("เสนอชื่อ", "/console/nominations/", "เสนอชื่อ"),
        Page("เสนอชื่อ: รอบหนึ่ง", f"/console/nominations/{ids['round']}", "ผลการเสนอชื่อ"),
        Page("การแจ้งเตือน", "/console/notifications/", "สรุปประจำสัปดาห์"),
        Page("ประวัติการแก้ไข", "/console/history/", "ประวัติการแก้ไข"),
        Page("ประวัติ: กรอง", "/console/history/?source=line&entity=staff&page=4", "ประวัติการแก้ไข"),
    ]


def downloads(ids: dict) -> list[Page]:
    return [
        Page("ผู้ยังไม่รับทราบ .xlsx", "/console/pledges/pending.xlsx", ""),
        Page("ผู้เข้าร่วม .xlsx", f"/console/activities/{ids['activity']}/attendance.xlsx", ""),
        Page("ผลเสนอชื่อ .xlsx", f"/console/nominations/{ids['round']}/tally.xlsx", ""),
        Page(f"บัตรเชิญ PDF ({sheets.MAX_CARDS} ใบ)", "/console/staff/invites.pdf", ""),
    ]


# -- measuring ---------------------------------------------------------------------------------------
def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def bench_office(label: str, url: str, n: int, args, server: FakeLineServer, tmp: Path) -> list[dict]:
    upgrade(url)
    settings = Settings(database_url=url, access_token=TOKEN, channel_secret="bench-secret",
                        line_api_host=server.url, bot_basic_id="@bench", public_base_url="http://127.0.0.1:8000",
                        uploads_dir=tmp / f"uploads-{label}-{n}", secret_key="bench-secret-key")
    app = create_app(settings)
    bot = app.extensions["khunnatham"]
    counter = jobs_bench.QueryCounter(bot.db.engine)
    rng = random.Random(12)
    rows: list[dict] = []
    try:
        t0 = time.perf_counter()
        jobs_bench.populate(bot.db, n, args.activities)
        now = datetime.now(settings.tz)
        ids = this_year(bot.db, now, rng)
        if bot.db.engine.dialect.name == "postgresql":
            with bot.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"  office ready in {time.perf_counter() - t0:.1f} s", flush=True)

        serving.freeze_loaded()  # as gunicorn's workers do once the app is loaded (bot/serving.py)
        client = app.test_client()
        with bot.db.session() as db:
            token = consoles.issue_link(db, db.get(Staff, ids["coordinator"]), now)
        assert token
        signed = client.get(f"/console/login/{token}")
        assert signed.status_code == 302, signed.status_code
        for page in pages(ids):
            times, queries = [], []
            for i in range(args.requests + 1):
                with counter.span() as span:
                    t0 = time.perf_counter()
                    response = client.get(page.path)
                    body = response.get_data(as_text=response.mimetype.startswith("text/"))
                    elapsed = time.perf_counter() - t0
                if response.status_code != 200 or (page.shows and page.shows not in body):
                    raise SystemExit(f"{label} {n}: {page.path} answered {response.status_code} "
                                     f"without {page.shows!r}: {re.sub(r'<[^>]+>', ' ', body)[:300]}")
                if i:  # the first is the warm-up
                    times.append(elapsed)
                    queries.append(span["queries"])
            rows.append({"db": label, "staff": n, "page": page.name, "path": page.path, "kind": "page",
                         "median_ms": statistics.median(times) * 1000, "p95_ms": p95(times) * 1000,
                         "queries": max(queries), "bytes": len(response.get_data())})
        for page in downloads(ids):
            with counter.span() as span:
                t0 = time.perf_counter()
                response = client.get(page.path)
                data = response.get_data()
                elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                raise SystemExit(f"{label} {n}: {page.path} answered {response.status_code}")
            rows.append({"db": label, "staff": n, "page": page.name, "path": page.path, "kind": "download",
                         "median_ms": elapsed * 1000, "p95_ms": elapsed * 1000, "queries": span["queries"],
                         "bytes": len(data)})
    finally:
        bot.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--sizes", default="1000,10000", help="office sizes (staff), comma-separated")
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (after one warm-up)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake LINE API's request log
    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    print(f"machine: {jobs_bench.machine()}")
    databases = [d for d in ("sqlite", "postgresql") if args.only in (None, d)]
    if "postgresql" in databases:
        print(f"PostgreSQL {jobs_bench.postgres_version()} at 127.0.0.1:5432/bench, schema {PG_SCHEMA}")
    print(f"{args.activities} activities, {CHECKINS_PER_ACTIVITY} check-ins each, {AUDIT_ENTRIES:,} audit entries; "
          f"{args.requests} requests per page\n")
    rows: list[dict] = []
    fake = FakeLine(access_token=TOKEN)
    fake.quota_limit = 300
    with FakeLineServer(fake) as server, tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
        for label in databases:
            for n in sizes:
                url = jobs_bench.sqlite_url(Path(tmp), n) if label == "sqlite" else postgres_url()
                print(f"… {label}, {n:,} staff", flush=True)
                rows.extend(bench_office(label, url, n, args, server, Path(tmp)))

    problems = []
    for label in databases:
        print(f"\n{label}: median / p95 ms, SQL statements per page" + "".join(f" | {n:>13,} staff" for n in sizes))
        names = list(dict.fromkeys(r["page"] for r in rows if r["db"] == label))
        for name in names:
            cells = {r["staff"]: r for r in rows if r["db"] == label and r["page"] == name}
            line = f"  {name:24}"
            for n in sizes:
                r = cells[n]
                line += f" | {r['median_ms']:5.0f} {r['p95_ms']:5.0f} {r['queries']:3}"
            kind = next(iter(cells.values()))["kind"]
            if kind == "download":
                sizes_kb = ", ".join(f"{cells[n]['bytes'] / 1024:,.0f} KB" for n in sizes)
                line += f"   ({sizes_kb}; timed once)"
            print(line)
            if kind != "page":
                continue
            counts = {cells[n]["queries"] for n in sizes}
            if len(counts) > 1:
                problems.append(f"{label} {name}: SQL statements change with the office size: "
                                f"{[cells[n]['queries'] for n in sizes]}")
            for n in sizes:
                if cells[n]["p95_ms"] >= TARGET_P95_MS:
                    problems.append(f"{label} {n:,} {name}: p95 {cells[n]['p95_ms']:.0f} ms (≥ {TARGET_P95_MS:.0f})")
    worst = max((r for r in rows if r["kind"] == "page"), key=lambda r: r["p95_ms"])
    print(f"\nslowest page: {worst['db']} {worst['staff']:,} {worst['page']} p95 {worst['p95_ms']:.0f} ms")
    print("\n" + ("\n".join(problems) if problems else
                  f"OK: every page's p95 under {TARGET_P95_MS:.0f} ms; SQL counts do not grow with the office"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
