#!/usr/bin/env python3
"""Report benchmark: the signature sheet PDF, the workbook and the evidence pack of a large office.

    .venv/bin/python bench/report_bench.py                       # SQLite in a temporary directory, 3 runs each
    .venv/bin/python bench/report_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports
    .venv/bin/python bench/report_bench.py --staff 1000 --runs 1 --profile signatures

1. Builds the office once: the office of bench/report_workbook_bench.py (10,000 staff in 40 units,
   two pledge documents, 5,000 proposals, 1,000 activities with 50 check-ins each (50,000), 80% with
   a responsible person, 40% done, 1,000 plan comments, a nomination round with a nomination from a
   third of the staff and 20 honours, 200 publicity items of 4.3, half with a file), with every
   stored file a real JPEG of 50-200 KB in a temporary uploads directory; then tops both pledge
   documents up to about 95% acknowledged, gives every done activity a note and a link, and adds
   200 photos (JPEGs, 2 each to 100 done activities, as 3.1 evidence of the activity) so the pack
   copies 300 real files and the progress report lays out photos. On PostgreSQL: VACUUM ANALYZE.
2. For each document — the signature sheet (1.2, PDF), the workbook (.xlsx, openpyxl write-only),
   the evidence pack (.zip: every document, the workbook, every file, the index PDF) and, for
   information, the progress report (PDF) — runs `--runs` new processes, each doing what
   `flask --app bot report KIND --out FILE` does (a reading session, `reports.Office.of`,
   `reports.write`) as of the plan's last day, so each peak is that document's alone: the child's
   VmHWM (/proc/self/status, the high-water mark of its own address space). The child's ru_maxrss
   (os.wait4) is shown beside it but not used: Linux carries the parent's peak into it across the
   vfork and exec (the parent holds ~190 MB after building the office, so a smaller child reads
   190). The time is the child's own, from opening the session to the file written (imports and
   connecting excluded; the process's whole wall time and CPU seconds are shown too).
3. Prints per document the median time, the max peak RSS, CPU seconds, the file size and pages
   (pdfinfo), the pack's time per document inside it, and the load average; exits 1 when the
   signature sheet, the workbook or the pack misses a target: under 60 s and 500 MB each.

`--database-url URL` (PostgreSQL): the database named in the URL is created (it must not exist) and
dropped at the end (`--keep` keeps it and the temporary directory). `--profile KIND` adds one
untimed run of that document under cProfile and prints where its time goes; `--trace` one under
tracemalloc (Python's own allocation peak).
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import jobs_bench  # noqa: E402
import report_workbook_bench as office_bench  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from models import plan as plans  # noqa: E402
from models import pledge as pledges  # noqa: E402
from models.activity import Activity  # noqa: E402
from models.evidence import Evidence  # noqa: E402
from models.files import StoredFile  # noqa: E402
from models.staff import Staff  # noqa: E402

BKK = jobs_bench.BKK
AT = datetime(2026, 9, 30, 23, 59, tzinfo=BKK)  # the plan's last day: everything of the year in it
TARGET_SECONDS = 60.0
TARGET_MB = 500.0
ACK_SHARE = 0.95
PHOTO_ACTIVITIES = 100
PHOTOS_EACH = 2
# (kind for reports.write, label, file, held to the targets)
DOCUMENTS = (("signatures", "signature sheet (PDF)", "signatures.pdf", True),
             ("xlsx", "workbook (.xlsx)", "workbook.xlsx", True),
             ("pack", "evidence pack (.zip)", "pack.zip", True),
             ("progress", "progress report (PDF)", "progress.pdf", False))


# -- the office --------------------------------------------------------------------------------------
def enrich(database: Database, uploads: Path, rng: random.Random) -> None:
    """What this benchmark adds to the workbook bench's office (see the docstring)."""
    with database.session() as db:
        staff = list(db.scalars(sa.select(Staff.id).where(Staff.active).order_by(Staff.id)))
        for version in pledges.current_versions(db):
            acked = set(db.scalars(sa.select(pledges.PledgeAck.staff_id)
                                   .where(pledges.PledgeAck.version_id == version.id)))
            wanted = int(len(staff) * ACK_SHARE) - len(acked)
            more = rng.sample([s for s in staff if s not in acked], max(0, wanted))
            start = version.published_at
            db.execute(sa.insert(pledges.PledgeAck), [
                {"staff_id": s, "version_id": version.id,
                 "acknowledged_at": start + timedelta(minutes=rng.randrange(200_000))} for s in more])
        plan = db.scalar(sa.select(plans.Plan).where(plans.Plan.fiscal_year == 2569))
        done = db.execute(sa.select(Activity.id, Activity.done_at).where(
            Activity.plan_id == plan.id, Activity.done_at.is_not(None)).order_by(Activity.id)).tuples().all()
        db.execute(sa.update(Activity).where(Activity.plan_id == plan.id, Activity.done_at.is_not(None)).values(
            done_note="ดำเนินการแล้ว มีผู้เข้าร่วมตามเป้าหมาย บุคลากรร่วมกันทำความสะอาดและปลูกต้นไม้ในชุมชน "
                      "ได้รับความร่วมมือจากผู้นำชุมชน จะจัดต่อเนื่องในไตรมาสถัดไป",
            evidence_url="https://example.org/report https://example.org/photos"))
        for activity_id, done_at in rng.sample(done, min(PHOTO_ACTIVITIES, len(done))):
            for k in range(PHOTOS_EACH):
                name, size, digest = office_bench.jpeg(uploads, rng)
                stored = StoredFile(stored_name=name, original_name=f"ภาพกิจกรรม {activity_id}-{k + 1}.jpg",
                                    content_type="image/jpeg", size=size, sha256=digest, purpose="evidence",
                                    activity_id=activity_id, uploaded_by_id=staff[0], uploaded_at=done_at)
                db.add(stored)
                db.flush()
                db.add(Evidence(plan_id=plan.id, indicator_code="3.1", activity_id=activity_id, kind="file",
                                record="", title=f"ภาพกิจกรรม {activity_id}-{k + 1}", file_id=stored.id,
                                dated=done_at.astimezone(BKK).date(), source="cli", recorded_by_id=staff[0],
                                recorded_at=done_at))


def build(url: str, uploads: Path, staff: int, activities: int) -> None:
    t0 = time.perf_counter()
    upgrade(url)
    database = Database(Settings(database_url=url))
    rng = random.Random(13)
    office_bench.populate(database, staff, activities, rng, uploads=uploads)
    enrich(database, uploads, rng)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    sizes = office_bench.office_sizes(database)
    with database.reading() as db:
        acks = {v.title: db.scalar(sa.select(sa.func.count()).select_from(pledges.PledgeAck)
                                   .where(pledges.PledgeAck.version_id == v.id))
                for v in pledges.current_versions(db)}
        with_notes = db.scalar(sa.select(sa.func.count()).select_from(Activity).where(Activity.done_note != ""))
    database.engine.dispose()
    files = list(uploads.iterdir())
    print(f"office ready in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
    print("  acknowledged: " + "; ".join(f"{t} {n:,} ({100 * n / staff:.0f}%)" for t, n in acks.items())
          + f"; {with_notes:,} activities done with a note; {len(files)} JPEGs on disk, "
          f"{sum(f.stat().st_size for f in files) / 2**20:.1f} MB", flush=True)


# -- one document, in a child process ----------------------------------------------------------------
def run_once(url: str, uploads: Path, kind: str, out: Path, mode: str, stats: Path | None,
             processes: int | None = None) -> dict:
    """Build one document as the CLI does; the figures as JSON on stdout."""
    from bot.documents import reports

    settings = Settings(database_url=url, uploads_dir=uploads, secret_key="bench-secret-key")
    database = Database(settings)
    parts: dict[str, float] = {}

    def timed(name: str, builder):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return builder(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    if kind == "pack":  # when each document the pack asks for is ready, from the pack's start
        started = [0.0]

        def ready(name: str, builder):
            def asked(*args, **kwargs):
                later = builder(*args, **kwargs)

                def wanted():
                    data = later()
                    parts.setdefault(name, time.perf_counter() - started[0])
                    return data
                return wanted
            return asked
        for name in list(reports.BUILDERS):
            reports.BUILDERS[name] = ready(name, reports.BUILDERS[name])
    if processes is not None:
        settings = settings.replace(report_processes=processes)
    tree = TreeMemory()
    before = office_bench.rss_mb()
    profiler = cProfile.Profile() if mode == "profile" else None
    if mode == "trace":
        tracemalloc.start()
    t0 = time.perf_counter()
    if kind == "pack":
        started[0] = t0
    tree.start()
    with database.reading() as db:
        if profiler:
            profiler.enable()
        plan = plans.current(db, AT) or db.scalar(sa.select(plans.Plan).where(plans.Plan.fiscal_year == 2569))
        office = reports.Office.of(settings, db, plan, AT)
        reports.write(kind, db, plan, AT, office, out)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - t0
    tree.stop()
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if mode == "trace" else None
    if profiler and stats:
        profiler.dump_stats(str(stats))
    database.engine.dispose()
    own = office_bench.rss_mb()
    return {"seconds": seconds, "rss_before_mb": before, "vmhwm_mb": own, "traced_mb": traced,
            "tree_mb": max(tree.peak_mb, own), "workers_hwm_mb": tree.hwm_mb, "workers": len(tree.seen),
            "processes": settings.report_processes, "bytes": out.stat().st_size, "parts": parts}


class TreeMemory:
    """The memory of this process and the layout workers under it: a thread reads
    /proc every 50 ms and keeps the largest sum of their resident sizes, and each worker's own peak
    (VmHWM, at its last reading). The sum of all peaks is the bound if every peak fell at one moment."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self.seen: dict[int, float] = {}   # worker pid: its VmHWM in MB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @property
    def hwm_mb(self) -> float:
        return sum(self.seen.values())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _status(pid: int | str) -> dict[str, float]:
        found = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line.split(":")[0]] = int(line.split()[1]) / 1024
        return found

    @staticmethod
    def _worker(pid: int) -> bool:
        """A process of multiprocessing (a spawned layout worker, its resource tracker). Not one forked
        for a moment to run a program (WeasyPrint's import runs ldconfig and gcc to find Pango): until
        it runs that program it shows the pages it shares with this process as its own."""
        with contextlib.suppress(OSError):
            return b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
        return False

    @staticmethod
    def _children(pid: int) -> list[int]:
        found = []
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                with contextlib.suppress(OSError):
                    found += [int(c) for c in (task / "children").read_text().split()]
        return found

    def _watch(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.05):
            total = self._status("self").get("VmRSS", 0.0)
            todo = self._children(me)
            while todo:
                pid = todo.pop()
                if self._worker(pid):
                    status = self._status(pid)
                    total += status.get("VmRSS", 0.0)
                    self.seen[pid] = max(self.seen.get(pid, 0.0), status.get("VmHWM", 0.0))
                todo += self._children(pid)
            self.peak_mb = max(self.peak_mb, total)


def child(url: str, uploads: Path, kind: str, out: Path, tmp: Path, mode: str = "time",
          processes: int | None = None) -> dict:
    stats = tmp / f"{kind}.pstats"
    command = [sys.executable, __file__, "--child", kind, "--database-url", url, "--uploads", str(uploads),
               "--out", str(out), "--mode", mode, "--stats", str(stats)]
    if processes is not None:
        command += ["--processes", str(processes)]
    t0 = time.perf_counter()
    with open(tmp / f"{kind}.stderr", "w+") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
        stdout = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        if process.returncode:
            err.seek(0)
            raise SystemExit(f"{kind}: the child failed ({process.returncode}):\n{err.read()[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(process_seconds=wall, maxrss_mb=usage.ru_maxrss / 1024, cpu_seconds=usage.ru_utime + usage.ru_stime,
                  stats=str(stats) if mode == "profile" else None)
    return result


def pdf_pages(path: Path) -> int | None:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
        for line in info.splitlines():
            if line.startswith("Pages:"):
                return int(line.split()[1])
    return None


def describe(kind: str, out: Path) -> str:
    """What the file holds: pages of a PDF, members of the pack."""
    if out.suffix == ".pdf":
        return f"{pdf_pages(out)} pages"
    if kind == "pack":
        with zipfile.ZipFile(out) as zf:
            members = zf.infolist()
            photos = sum(1 for m in members if m.filename.lower().endswith(".jpg"))
            pages = {}
            for m in members:
                if m.filename.endswith(".pdf"):
                    pdf = out.parent / "pack-member.pdf"
                    pdf.write_bytes(zf.read(m))
                    pages[m.filename.rsplit("/", 1)[-1]] = pdf_pages(pdf)
        return (f"{len(members)} files ({photos} JPEGs); PDF pages: "
                + ", ".join(f"{name.rsplit('.', 1)[0]} {n}" for name, n in pages.items()))
    if kind == "xlsx":
        from openpyxl import load_workbook
        book = load_workbook(out, read_only=True)
        sheets = len(book.sheetnames)
        book.close()
        return f"{sheets} sheets"
    return ""


# -- PostgreSQL --------------------------------------------------------------------------------------
def create_database(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
                raise SystemExit(f"database {target.database} exists: this benchmark creates its own and drops "
                                 f"it after; name another or drop it (DROP DATABASE {target.database})")
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    finally:
        admin.dispose()


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_profile(path: str, limit: int = 25) -> None:
    out = io.StringIO()
    stats = pstats.Stats(path, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    print(out.getvalue())


# -- main --------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="PostgreSQL: a database this run creates and drops (default: SQLite)")
    parser.add_argument("--only", help="comma-separated kinds (signatures,xlsx,pack,progress, or any of reports.KINDS)")
    parser.add_argument("--profile", help="one more run of this kind under cProfile")
    parser.add_argument("--trace", action="store_true", help="one more run of each kind under tracemalloc")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (and the PG database)")
    parser.add_argument("--processes", type=int,
                        help="layout processes (REPORT_PROCESSES; default: the settings' default, 2 on 2 cores)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--uploads", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="time", help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import logging
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        print(json.dumps(run_once(args.database_url, Path(args.uploads), args.child, Path(args.out), args.mode,
                                  Path(args.stats) if args.stats else None, args.processes)))
        return

    if args.only:  # any of reports.KINDS (one document of the pack alone: proposals, plan, …)
        known = {d[0]: d for d in DOCUMENTS}
        from bot.documents.reports import KINDS
        unknown = [k for k in args.only.split(",") if k not in known and k not in KINDS]
        if unknown:  # before the office is built: a minute of set-up is not spent on a typo
            parser.error(f"--only {','.join(unknown)}: not a document; choose from "
                         f"{', '.join(sorted(set(known) | set(KINDS)))}")
        kinds = [known.get(k, (k, k, f"{k}.{'docx' if k in ('memo-docx', 'order') else 'pdf'}", False))
                 for k in args.only.split(",")]
    else:
        kinds = list(DOCUMENTS)
    print(f"machine: {jobs_bench.machine()}; load average {load()}")
    tmp = Path(tempfile.mkdtemp(prefix="report-bench-"))
    uploads = tmp / "uploads"
    uploads.mkdir()
    pg = args.database_url is not None
    url = args.database_url or f"sqlite:///{tmp / 'reports.sqlite'}"
    label = "postgresql" if pg else "sqlite"
    if pg:
        print(f"PostgreSQL {jobs_bench.postgres_version()}, database {sa.engine.make_url(url).database} (created now)")
        create_database(url)
    rows = []
    try:
        build(url, uploads, args.staff, args.activities)
        for kind, name, filename, held in kinds:
            out = tmp / filename
            runs = []
            start_load = load()
            for i in range(args.runs):
                runs.append(child(url, uploads, kind, out, tmp, processes=args.processes))
                r = runs[-1]
                workers = (f"; with {r['workers']} more processes {r['tree_mb']:.0f} MB together at most "
                           f"(their peaks add up to {r['vmhwm_mb'] + r['workers_hwm_mb']:.0f})") if r["workers"] else ""
                print(f"  {name} run {i + 1}: {r['seconds']:.2f} s (process {r['process_seconds']:.2f} s, "
                      f"CPU {r['cpu_seconds']:.2f} s), peak RSS {r['vmhwm_mb']:.0f} MB ({r['rss_before_mb']:.0f} "
                      f"after imports; ru_maxrss {r['maxrss_mb']:.0f}){workers}, {r['bytes'] / 2**20:.1f} MB, "
                      f"load {load()}", flush=True)
            traced = None
            if args.trace:
                traced = child(url, uploads, kind, tmp / f"traced-{filename}", tmp, "trace")["traced_mb"]
            rows.append({"kind": kind, "name": name, "runs": runs, "held": held,
                         "seconds": statistics.median(r["seconds"] for r in runs),
                         "peak_mb": max(r["tree_mb"] for r in runs), "processes": runs[-1]["processes"],
                         "cpu": statistics.median(r["cpu_seconds"] for r in runs),
                         "bytes": runs[-1]["bytes"], "holds": describe(kind, out), "traced_mb": traced,
                         "load": f"{start_load} → {load()}"})
        if args.profile:
            profiled = child(url, uploads, args.profile, tmp / f"profiled-{args.profile}", tmp, "profile")
            print(f"\n{args.profile} under cProfile: {profiled['seconds']:.1f} s")
            print_profile(profiled["stats"])
    finally:
        if pg and not args.keep:
            drop_database(url)
        if args.keep:
            print(f"kept: {tmp}" + (f" and database {sa.engine.make_url(url).database}" if pg else ""))
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{label}, {args.staff:,} staff, {args.activities:,} activities, {args.runs} runs each, "
          f"{rows[0]['processes'] if rows else '?'} layout processes (time: median; peak RSS: the largest, "
          f"the child process's own with its layout workers')")
    print(f"  {'document':24} {'median s':>9} {'min–max s':>13} {'CPU s':>7} {'peak MB':>8} {'size MB':>8}  holds")
    problems = []
    for r in rows:
        times = [x["seconds"] for x in r["runs"]]
        print(f"  {r['name']:24} {r['seconds']:9.2f} {min(times):6.2f}–{max(times):<6.2f} {r['cpu']:7.2f} "
              f"{r['peak_mb']:8.0f} {r['bytes'] / 2**20:8.2f}  {r['holds']}"
              + (f"; Python allocations peak {r['traced_mb']:.0f} MB" if r["traced_mb"] is not None else "")
              + ("" if r["held"] else " (for information)"))
        if r["held"] and (r["seconds"] >= TARGET_SECONDS or r["peak_mb"] >= TARGET_MB):
            problems.append(f"{r['name']}: {r['seconds']:.1f} s, {r['peak_mb']:.0f} MB "
                            f"(targets < {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB)")
        print(f"  {'':24} load average {r['load']}")
    for r in rows:
        if r["kind"] == "pack":
            parts = {k: statistics.median(x["parts"].get(k, 0.0) for x in r["runs"]) for k in r["runs"][0]["parts"]}
            print("\n  inside the pack, each document ready after (median s from the start): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in sorted(parts.items(), key=lambda kv: kv[1])))
    print("\n" + ("\n".join(f"OVER: {p}" for p in problems) if problems else
                  f"OK: the signature sheet, the workbook and the pack each under {TARGET_SECONDS:.0f} s "
                  f"and {TARGET_MB:.0f} MB"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
