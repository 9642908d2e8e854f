#!/usr/bin/env python3
"""Workbook benchmark: the Excel workbook of the year (bot/documents/workbook.py) for a large office.

    .venv/bin/python bench/report_workbook_bench.py                  # 10,000 staff, 1,000 activities, 3 runs
    .venv/bin/python bench/report_workbook_bench.py --staff 1000 --runs 5

1. Migrates a SQLite file in a temporary directory and generates the office of bench/jobs_bench.py
   (N staff in 40 units, 60% acknowledged, 30% proposed, 1,000 activities, 80% with a responsible
   person, 40% done), then adds with bulk inserts, to reach the figures of a busy year: a second
   pledge document acknowledged by 40% (about 10,000 acknowledgments in all), proposals up to half
   the staff (5,000), 50 check-ins per activity (50,000), 1,000 plan comments, a nomination round
   with a nomination from a third of the staff and 20 honours, and 200 evidence items (publicity,
   half with a stored file).
2. Writes the workbook as of the plan's last day (everything in it) `--runs` times, each in a new
   process (so each peak is its own): wall time of `workbook.write` and the process's peak RSS
   (ru_maxrss) before and after it; then once more under tracemalloc for the peak of Python's own
   allocations (tracemalloc slows the run, so that run is not timed).
3. Reports the median time, the largest peaks, the file's size and rows per sheet, against the
   targets: under 60 s and 500 MB.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import jobs_bench  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from models import plan as plans  # noqa: E402
from models import pledge as pledges  # noqa: E402
from models.activity import Activity, CheckIn  # noqa: E402
from models.evidence import Evidence, Publicity  # noqa: E402
from models.files import StoredFile  # noqa: E402
from models.nomination import Honour, Nomination, NominationRound  # noqa: E402
from models.proposal import PlanComment, Proposal  # noqa: E402
from models.staff import Staff  # noqa: E402

BKK = jobs_bench.BKK
TARGET_SECONDS = 60.0
TARGET_MB = 500.0
CHECKINS_PER_ACTIVITY = 50
COMMENTS = 1000
HONOURS = 20
EVIDENCE_ITEMS = 200
VIRTUES = ("พอเพียง", "วินัย", "สุจริต", "จิตอาสา", "กตัญญู")
CHANNELS = ("website", "facebook", "line_oa", "board", "newsletter")


def jpeg(directory: Path, rng: random.Random) -> tuple[str, int, str]:
    """A photo-like JPEG of 50-200 KB (a gradient under blurred noise, 800-1400 px wide, 4:3) written
    to `directory` under a name bot/uploads.py accepts: (stored name, size, sha256)."""
    from PIL import Image, ImageFilter

    width = rng.randrange(800, 1400)
    height = width * 3 // 4
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3)).filter(
        ImageFilter.GaussianBlur(1.2))
    image = Image.blend(Image.linear_gradient("L").resize((width, height)).convert("RGB"), noise, 0.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    data = out.getvalue()
    name = f"bench{rng.getrandbits(128):032x}"
    (directory / name).write_bytes(data)
    return name, len(data), hashlib.sha256(data).hexdigest()


def populate(database: Database, n: int, activities: int, rng: random.Random, uploads: Path | None = None) -> None:
    """The office (see the docstring). With `uploads`, the evidence items' stored files are real JPEGs
    written there (`jpeg`); without, they are rows only (names no file on disk)."""
    jobs_bench.populate(database, n, activities)
    start = datetime(2025, 10, 1, 8, 0, tzinfo=BKK)
    with database.session() as db:
        plan = db.scalar(sa.select(plans.Plan).where(plans.Plan.fiscal_year == 2569))
        staff = list(db.scalars(sa.select(Staff.id).order_by(Staff.id)))
        second = pledges.publish(db, "ประกาศเจตนารมณ์ No Gift Policy", "ข้าพเจ้าจะไม่รับของขวัญ", at=start)
        db.execute(sa.insert(pledges.PledgeAck), [
            {"staff_id": s, "version_id": second.id,
             "acknowledged_at": start + timedelta(minutes=rng.randrange(200_000))}
            for s in staff if rng.random() < 0.4])
        proposed = set(db.scalars(sa.select(Proposal.staff_id)))
        more = [s for s in staff if s not in proposed][: max(0, n // 2 - len(proposed))]
        db.execute(sa.insert(Proposal), [
            {"plan_id": plan.id, "staff_id": s, "problem": "=ใช้กระดาษสิ้นเปลือง" if i % 100 == 0 else "ใช้กระดาษมาก",
             "good": "ใช้เอกสารอิเล็กทรอนิกส์", "virtue": rng.choice(VIRTUES),
             "created_at": start + timedelta(minutes=rng.randrange(200_000))} for i, s in enumerate(more)])
        db.execute(sa.insert(PlanComment), [
            {"plan_id": plan.id, "staff_id": rng.choice(staff), "text": "ควรเพิ่มกิจกรรมจิตอาสาในชุมชน",
             "created_at": start + timedelta(minutes=rng.randrange(200_000))} for _ in range(COMMENTS)])
        activity_ids = list(db.scalars(sa.select(Activity.id).where(Activity.plan_id == plan.id)))
        db.execute(sa.insert(CheckIn), [
            {"activity_id": a, "staff_id": s, "at": start + timedelta(minutes=i * 400 + j), "note": ""}
            for i, a in enumerate(activity_ids) for j, s in enumerate(rng.sample(staff, CHECKINS_PER_ACTIVITY))])
        round_ = NominationRound(plan_id=plan.id, title="เสนอชื่อบุคคลคุณธรรม ปีงบประมาณ 2569", opens_at=start)
        db.add(round_)
        db.flush()
        targets = rng.sample(staff, 200)
        db.execute(sa.insert(Nomination), [
            {"round_id": round_.id, "nominator_id": s, "kind": "person", "target": f"p:{(t := rng.choice(targets))}",
             "nominee_id": t, "unit": f"อำเภอทดสอบ {t % 40 + 1:02d}", "virtue": rng.choice(VIRTUES),
             "reason": "ช่วยเหลือเพื่อนร่วมงานและชุมชนเสมอ", "created_at": start + timedelta(days=rng.randrange(200))}
            for s in rng.sample(staff, n // 3)])
        db.execute(sa.insert(Honour), [
            {"round_id": round_.id, "kind": "person", "target": f"p:{t}", "nominee_id": t,
             "unit": f"อำเภอทดสอบ {t % 40 + 1:02d}", "virtue": VIRTUES[i % 5],
             "honoured_at": start + timedelta(days=250),
             "honoured_by_id": staff[0]} for i, t in enumerate(targets[:HONOURS])])
        for i in range(EVIDENCE_ITEMS):
            dated = date(2025, 10, 1) + timedelta(days=rng.randrange(360))
            file_id = None
            if i % 2:
                if uploads is not None:
                    name, size, digest = jpeg(uploads, rng)
                else:
                    name, size, digest = f"bench-{i:04d}", rng.randrange(50_000, 5_000_000), f"{i:064x}"
                stored = StoredFile(stored_name=name, original_name=f"ภาพกิจกรรม-{i:04d}.jpg",
                                    content_type="image/jpeg", size=size, sha256=digest, uploaded_at=start)
                db.add(stored)
                db.flush()
                file_id = stored.id
            item = Evidence(plan_id=plan.id, indicator_code="4.3", kind="file" if file_id else "link",
                            record="publicity", title=f"เผยแพร่ผลการดำเนินงาน {i}", url=f"https://example.org/{i}",
                            file_id=file_id, dated=dated, source="cli", recorded_at=start + timedelta(days=i))
            db.add(item)
            db.flush()
            db.add(Publicity(evidence_id=item.id, channel=CHANNELS[i % len(CHANNELS)]))


def office_sizes(database: Database) -> dict[str, int]:
    """How many rows of each kind the office holds (for the run's heading)."""
    with database.reading() as db:
        plan = db.scalar(sa.select(plans.Plan).where(plans.Plan.fiscal_year == 2569))
        tables = (("staff", Staff, ()), ("acknowledgments", pledges.PledgeAck, ()),
                  ("proposals", Proposal, ()), ("plan comments", PlanComment, ()),
                  ("activities", Activity, (Activity.plan_id == plan.id,)), ("check-ins", CheckIn, ()),
                  ("nominations", Nomination, ()), ("honours", Honour, ()), ("evidence", Evidence, ()),
                  ("stored files", StoredFile, ()))
        return {name: db.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
                for name, model, where in tables}


def rss_mb() -> float:
    """This process's peak RSS: VmHWM, which starts afresh with the process image (ru_maxrss would
    carry the parent's peak across fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_once(url: str, out: Path, trace: bool) -> dict:
    """One run, in this process: the figures as JSON on stdout."""
    from bot.documents import workbook

    database = Database(Settings(database_url=url))
    before = rss_mb()
    with database.reading() as db:
        plan = db.scalar(sa.select(plans.Plan).where(plans.Plan.fiscal_year == 2569))
        at = datetime(2026, 9, 30, 23, 59, tzinfo=BKK)
        if trace:
            tracemalloc.start()
        t0 = time.perf_counter()
        workbook.write(db, plan, at, out, tz=BKK)
        seconds = time.perf_counter() - t0
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    database.engine.dispose()
    return {"seconds": seconds, "rss_before_mb": before, "rss_peak_mb": rss_mb(), "traced_peak_mb": traced,
            "bytes": out.stat().st_size}


def child(url: str, out: Path, trace: bool) -> dict:
    command = [sys.executable, __file__, "--child", url, "--out", str(out)] + (["--trace"] if trace else [])
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(write_once(args.child, Path(args.out), args.trace)))
        return

    print(f"machine: {jobs_bench.machine()}")
    with tempfile.TemporaryDirectory(prefix="workbook-bench-") as tmp:
        url = jobs_bench.sqlite_url(Path(tmp), args.staff)
        t0 = time.perf_counter()
        upgrade(url)
        database = Database(Settings(database_url=url))
        populate(database, args.staff, args.activities, random.Random(13))
        sizes = office_sizes(database)
        database.engine.dispose()
        print(f"office ready in {time.perf_counter() - t0:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))

        out = Path(tmp) / "workbook.xlsx"
        runs = []
        for i in range(args.runs):
            runs.append(child(url, out, trace=False))
            r = runs[-1]
            print(f"  run {i + 1}: {r['seconds']:.2f} s, peak RSS {r['rss_peak_mb']:.0f} MB "
                  f"(after imports and connecting: {r['rss_before_mb']:.0f} MB)", flush=True)
        traced = child(url, out, trace=True)

        from openpyxl import load_workbook
        book = load_workbook(out, read_only=True)
        rows = {name: sum(1 for _ in book[name].iter_rows(values_only=True)) for name in book.sheetnames}
        book.close()

    seconds = statistics.median(r["seconds"] for r in runs)
    peak = max(r["rss_peak_mb"] for r in runs)
    print(f"\nworkbook: {runs[-1]['bytes'] / 2**20:.1f} MB, {len(rows)} sheets; rows (with the heading): "
          + ", ".join(f"{name} {n:,}" for name, n in rows.items() if n > 20))
    print(f"time: median {seconds:.2f} s of {args.runs} (min {min(r['seconds'] for r in runs):.2f}, "
          f"max {max(r['seconds'] for r in runs):.2f}); target < {TARGET_SECONDS:.0f} s")
    print(f"memory: peak RSS {peak:.0f} MB (the process, imports included); Python allocations peak "
          f"{traced['traced_peak_mb']:.0f} MB (tracemalloc); target < {TARGET_MB:.0f} MB")
    ok = seconds < TARGET_SECONDS and peak < TARGET_MB
    print("OK: under both targets" if ok else "OVER a target")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
