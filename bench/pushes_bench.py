#!/usr/bin/env python3
"""Pushes benchmark: what the scheduled jobs bill against LINE's monthly quota in a whole year.

    .venv/bin/python bench/pushes_bench.py                 # FY2569, a 120-person office (~1 minute)
    .venv/bin/python bench/pushes_bench.py --staff 200 --plain

A simulated fiscal year (1 Oct 2025 – 30 Sep 2026) of a 120-person office on the default plan
(FY2569: milestones 27 Feb, 31 Mar and 30 Jun; its five activities), run day by day through the
jobs of the JOBS table — deadline-reminders at 08:00, on Mondays nudges at 08:15 and the
weekly-digest at 08:30, outbox-retry at 08:45 — against the fake LINE API served over HTTP
(bot.fakeline.FakeLineServer) with the free plan's quota of 300 messages, reset on the 1st of each
month. The office (a SQLite file in a temporary directory):

- 2 coordinators, 2 executives (E01 switches the weekly digest on in October, E02 leaves it off),
  the rest staff in 6 units; everyone registers with LINE in the first three weeks of October;
- nudges switched on, the monthly 4.5 re-confirmation reminder switched on (the coordinators
  confirm in every other month);
- people acknowledge the pledge, propose and comment on the draft plan at seeded random days of
  October to April (a few never do); responsible people are assigned to the activities in
  November; the plan's activities are scheduled and carried out on their day, and one more
  activity a month (a monthly merit-making morning, with a responsible person; --plain leaves
  these out); evidence (publicity, an award, the lessons learned, the confirmation) comes in
  during the year.

Every push and multicast the fake accepted is counted per recipient, by simulated month: in all,
per coordinator, per executive, and to staff (nudges and responsible people's reminders). Targets:
at most 150 in all in any month (half the free quota stays with the office) and at most 8 a month
per coordinator. The exit status is 0 only when both hold. Nothing listens beyond 127.0.0.1.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.db import Database, upgrade  # noqa: E402
from bot.fakeline import MULTICAST, PUSH, FakeLineServer  # noqa: E402
from bot.line import LineClient  # noqa: E402
from jobs import JOBS  # noqa: E402
from models import activity as activities  # noqa: E402
from models import defaults, jobrun  # noqa: E402
from models import evidence as proofs  # noqa: E402
from models import plan as plans  # noqa: E402
from models import pledge as pledges  # noqa: E402
from models import proposal as proposals  # noqa: E402
from models.activity import Activity  # noqa: E402
from models.staff import Staff  # noqa: E402

BKK = ZoneInfo("Asia/Bangkok")
TOKEN = "pushes-bench-token"
FY_START, FY_END = date(2025, 10, 1), date(2026, 9, 30)
UNITS = ("อำเภอเมืองเชียงราย", "อำเภอแม่สาย", "อำเภอเชียงของ", "อำเภอแม่จัน", "อำเภอพาน", "กลุ่มงานประสานฯ")
COORDINATORS = ("C01", "C02")
EXECUTIVES = ("E01", "E02")
DIGEST_ON = "E01"                    # the executive who switches the weekly digest on
MAX_TOTAL, MAX_PER_COORDINATOR = 150, 8
QUOTA = 300
# The default plan's activities: when the office holds them
SCHEDULE = {"pledge-announcement": date(2025, 11, 5), "virtue-workshop": date(2025, 12, 10),
            "plan-workshop": date(2026, 1, 20), "honour-ceremony": date(2026, 6, 19),
            "lessons-learned": date(2026, 6, 26)}


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BKK)


def second_friday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 7)


def months() -> list[tuple[int, int]]:
    found, day = [], FY_START
    while day <= FY_END:
        if (day.year, day.month) not in found:
            found.append((day.year, day.month))
        day += timedelta(days=1)
    return found


# -- the office and what its people do -------------------------------------------------------------
class Office:
    def __init__(self, database: Database, staff: int, plain: bool, seed: int):
        self.database = database
        self.rng = random.Random(seed)
        self.events: dict[date, list] = defaultdict(list)  # day → what happens at noon
        with database.session() as db:
            defaults.ensure(db)
        with database.session() as db:
            people = [(c, f"ผู้ประสานงาน {c}", "coordinator", UNITS[-1]) for c in COORDINATORS]
            people += [(e, f"ผู้บริหาร {e}", "executive", UNITS[0]) for e in EXECUTIVES]
            people += [(f"S{i:03d}", f"บุคลากร {i:03d}", "staff", UNITS[i % len(UNITS)])
                       for i in range(staff - len(people))]
            for code, name, role, unit in people:
                db.add(Staff(code=code, name=name, position="นักพัฒนาชุมชน", unit=unit, role=role))
            jobrun.set_setting(db, "nudges", "on", moment(FY_START, 0))
            proofs.set_monthly_confirmation(db, True, moment(FY_START, 0))
        self.codes = [p[0] for p in people]
        self._plan_people()
        self._plan_activities(plain)
        self._plan_evidence()

    def on(self, day: date, what) -> None:
        self.events[day].append(what)

    def _plan_people(self) -> None:
        rng = self.rng
        for code in self.codes:
            joined = FY_START + timedelta(days=rng.randrange(3) if rng.random() < 0.7 else rng.randrange(21))
            self.on(joined, lambda db, now, c=code: _register(db, c, now))
            for kind, share in (("ack", 0.93), ("propose", 0.9), ("comment", 0.85)):
                if rng.random() < share:
                    self.on(joined + timedelta(days=1 + int(rng.expovariate(1 / 45))),
                            lambda db, now, c=code, k=kind: _act(db, c, k, now))
        if hasattr(Staff, "weekly_digest"):  # the per-person switch (issue 14 item 6)
            self.on(date(2025, 10, 8), lambda db, now: db.execute(
                sa.update(Staff).where(Staff.code == DIGEST_ON).values(weekly_digest=True)))

    def _plan_activities(self, plain: bool) -> None:
        rng = self.rng
        staff = [c for c in self.codes if c.startswith("S")]
        self.on(date(2025, 11, 15), lambda db, now: _assign(db, staff, random.Random(7)))
        for key, day in SCHEDULE.items():
            self.on(FY_START, lambda db, now, k=key, d=day: _schedule(db, k, d))
            self.on(day, lambda db, now, k=key: _done(db, k, now))
        if plain:
            return
        for year, month in months():
            day = second_friday(year, month)
            key, who = f"merit-{year}-{month:02d}", rng.choice(staff)
            self.on(FY_START if day.month == 10 else day - timedelta(days=30),
                    lambda db, now, k=key, d=day, w=who: _monthly_activity(db, k, d, w))
            if rng.random() < 0.95:
                self.on(day, lambda db, now, k=key: _done(db, k, now))

    def _plan_evidence(self) -> None:
        for i, channel in enumerate(("website", "facebook", "line_oa", "board", "newsletter", "meeting")):
            self.on(date(2025, 12, 15) + timedelta(days=30 * i), lambda db, now, c=channel: proofs.add_publicity(
                db, _plan(db, now), c, now.date(), _recorded(now), url=f"https://example.org/{c}"))
        self.on(date(2026, 5, 12), lambda db, now: proofs.add_award(
            db, _plan(db, now), "สำนักงานจังหวัดเชียงราย", "certificate", now.date(), _recorded(now),
            url="https://example.org/award"))
        self.on(date(2026, 6, 25), lambda db, now: proofs.add_lessons(
            db, _plan(db, now), now.date(), _recorded(now), done="จัดกิจกรรมครบ", results="ดี", worked="ร่วมมือ",
            problems="-", improvements="-", sent_on=now.date(), acknowledged_by="ผู้อำนวยการ",
            acknowledged_on=now.date()))
        for year, month in months():
            if month % 2:
                self.on(date(year, month, 20), lambda db, now: proofs.add_confirmation(
                    db, _plan(db, now), "นายบุญมี ผู้อำนวยการ", "พัฒนาการจังหวัด", now.date(), _recorded(now)))

    def live(self, day: date) -> None:
        events = self.events.pop(day, [])
        if not events:
            return
        now = moment(day, 12)
        with self.database.session() as db:
            for event in events:
                event(db, now)


def _plan(db, now: datetime) -> plans.Plan:
    plan = plans.current(db, now)
    assert plan is not None
    return plan


def _recorded(now: datetime) -> proofs.Recorded:
    return proofs.Recorded("cli", None, now)


def _person(db, code: str) -> Staff:
    return db.scalar(sa.select(Staff).where(Staff.code == code))


def _register(db, code: str, now: datetime) -> None:
    person = _person(db, code)
    person.line_user_id, person.registered_at = f"U{code.encode().hex():0>32}", now


def _act(db, code: str, kind: str, now: datetime) -> None:
    person = _person(db, code)
    if kind == "ack":
        for version in pledges.current_versions(db):
            pledges.acknowledge(db, person, version, at=now)
    elif kind == "propose":
        proposals.add(db, person, _plan(db, now).id, "มาสาย", "มาก่อนเวลา", "วินัย", now, None)
    else:
        proposals.add_comment(db, person, _plan(db, now).id, "เห็นด้วยกับแผน", now)


def _assign(db, staff: list[str], rng: random.Random) -> None:
    for activity in db.scalars(sa.select(Activity)):
        if not activity.responsible:
            activities.set_responsible(db, activity, [rng.choice(staff)])


def _schedule(db, key: str, day: date) -> None:
    activity = activities.by_key(db, key)
    if activity is not None:
        activities.schedule(activity, moment(day, 9), None)


def _monthly_activity(db, key: str, day: date, who: str) -> None:
    plan = plans.current(db, moment(day, 0)) or plans.of_year(db, 2569, plans.ACTIVE)
    activity = Activity(plan_id=plan.id, key=key, title=f"ทำบุญตักบาตรประจำเดือน {day.month}/{day.year + 543}",
                        code=activities.new_code(db))
    db.add(activity)
    db.flush()
    activities.schedule(activity, moment(day, 7), None)
    activities.set_responsible(db, activity, [who])


def _done(db, key: str, now: datetime) -> None:
    activity = activities.by_key(db, key)
    if activity is not None and activity.done_at is None:
        activities.mark_done(activity, now, "จัดแล้ว", "")


# -- the year ---------------------------------------------------------------------------------------
def simulate(args) -> tuple[dict, dict[str, str], float, dict[str, list[tuple[date, str]]]]:
    """Per month (year, month) → recipient → messages billed; code → LINE user id; seconds; per
    recipient, each message's day and the start of its alt text."""
    tmp = Path(tempfile.mkdtemp(prefix="pushes-bench-"))
    url = f"sqlite:///{tmp / 'pushes.sqlite'}"
    upgrade(url)
    with FakeLineServer() as server:
        fake = server.fake
        fake.quota_limit = QUOTA
        settings = Settings(database_url=url, access_token=TOKEN, channel_secret="s", line_api_host=server.url,
                            nudges=True, push_reserve=30)
        database = Database(settings)
        line = LineClient(settings, sleep=lambda s: None)
        office = Office(database, args.staff, args.plain, args.seed)
        billed: dict[tuple[int, int], Counter] = defaultdict(Counter)
        log: dict[str, list[tuple[date, str]]] = defaultdict(list)
        seen = 0
        started = time.perf_counter()
        try:
            day = FY_START
            while day <= FY_END:
                if day.day == 1:
                    fake.quota_used = 0          # LINE's month: the quota starts again
                runs = [("deadline-reminders", 8, 0)]
                if day.weekday() == 0:
                    runs += [("nudges", 8, 15), ("weekly-digest", 8, 30)]
                runs.append(("outbox-retry", 8, 45))
                for name, hour, minute in runs:
                    with database.sessions() as db:
                        JOBS[name].run(moment(day, hour, minute), db, line)
                office.live(day)
                calls = fake.calls()
                for call in calls[seen:]:
                    if call.status != 200 or call.path not in (PUSH, MULTICAST):
                        continue
                    recipients = [call.body["to"]] if call.path == PUSH else call.body["to"]
                    billed[(day.year, day.month)].update(recipients)
                    for user in recipients:
                        log[user].append((day, call.body["messages"][0].get("altText", "")[:60]))
                seen = len(calls)
                day += timedelta(days=1)
        finally:
            line.close()
            database.dispose()
        elapsed = time.perf_counter() - started
    users = {code: f"U{code.encode().hex():0>32}" for code in office.codes}
    return billed, users, elapsed, log


def report(billed: dict, users: dict[str, str]) -> bool:
    thai_months = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
    special = set(COORDINATORS) | set(EXECUTIVES)
    staff_users = {u for c, u in users.items() if c not in special}
    heads = ["month", "total", *COORDINATORS, f"{EXECUTIVES[0]} (on)", f"{EXECUTIVES[1]} (off)", "staff"]
    print(" | ".join(f"{h:>9}" for h in heads))
    ok = True
    year_total = 0
    for year, month in months():
        counts = billed.get((year, month), Counter())
        total = sum(counts.values())
        year_total += total
        coordinators = [counts[users[c]] for c in COORDINATORS]
        row = [f"{thai_months[month - 1]} {str(year + 543)[2:]}", total, *coordinators,
               counts[users[EXECUTIVES[0]]], counts[users[EXECUTIVES[1]]], sum(counts[u] for u in staff_users)]
        over = total > MAX_TOTAL or max(coordinators) > MAX_PER_COORDINATOR
        ok = ok and not over
        print(" | ".join(f"{v:>9}" for v in row) + ("   <- over target" if over else ""))
    worst = max((sum(c.values()) for c in billed.values()), default=0)
    worst_coordinator = max((c[users[x]] for c in billed.values() for x in COORDINATORS), default=0)
    print(f"year: {year_total} pushes; worst month {worst} (target ≤ {MAX_TOTAL}); "
          f"worst coordinator month {worst_coordinator} (target ≤ {MAX_PER_COORDINATOR})")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=120, help="people in the office (default 120)")
    parser.add_argument("--plain", action="store_true", help="only the default plan's own five activities")
    parser.add_argument("--seed", type=int, default=2569)
    parser.add_argument("--detail", metavar="CODE", help="list every message one person got (C01, E01, S001 …)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake's access log: a line per request
    logging.getLogger("jobs").setLevel(logging.ERROR)       # held nudges are expected: the table shows them
    billed, users, elapsed, log = simulate(args)
    print(f"FY2569, {args.staff} people ({len(COORDINATORS)} coordinators, {len(EXECUTIVES)} executives), "
          f"{'the plan only' if args.plain else 'the plan and a monthly activity'}; simulated in {elapsed:.0f} s")
    ok = report(billed, users)
    if args.detail:
        for day, alt in log.get(users.get(args.detail, ""), []):
            print(f"  {args.detail} {day.isoformat()} {day.strftime('%a')}: {alt}")
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
