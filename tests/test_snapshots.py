"""Milestone snapshots (models/snapshot.py): the FY2569 plan's values frozen at each milestone date,
chained by hash to the previous snapshot and to the audit trail; a past record changed afterwards,
or a snapshot row edited, is found by `verify`, in Thai."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from models import activity as activities
from models import audit
from models import evidence as proofs
from models import plan as plans
from models import pledge as pledges
from models import snapshot as snapshots
from models.activity import Activity
from models.evidence import Evidence
from models.pledge import PledgeAck
from models.snapshot import MilestoneSnapshot, Problem

BKK = ZoneInfo("Asia/Bangkok")
FEB27, MAR31, JUN30 = date(2026, 2, 27), date(2026, 3, 31), date(2026, 6, 30)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BKK)


@pytest.fixture
def fy2569(bot) -> int:
    """The seed's FY2569 plan (in use; milestones 27 Feb, 31 Mar and 30 Jun 2026). Its id."""
    with bot.db.sessions() as db:
        found = plans.of_year(db, 2569, plans.ACTIVE)
        assert found is not None
        return found.id


@pytest.fixture
def acknowledge(office, line, register):
    """acknowledge("S01", at(2, 20)): the person registers and acknowledges the pledge in LINE then."""
    with office.db.sessions() as db:
        (version,) = pledges.current_versions(db)

    def _acknowledge(code: str, moment: datetime) -> None:
        line.tap(register(code), f"a=pledge.ack&v={version.id}", at=moment)

    return _acknowledge


@pytest.fixture
def acked(acknowledge, fy2569):
    """S01 acknowledged the pledge on 20 Feb."""
    acknowledge("S01", at(2, 20))
    return fy2569


def take(bot, plan_id: int, day: date, now: datetime) -> MilestoneSnapshot:
    with bot.db.session() as db:
        return snapshots.take(db, db.get(plans.Plan, plan_id), day, now, BKK)


def findings(bot, plan_id: int) -> list[tuple[date, Problem, str]]:
    with bot.db.sessions() as db:
        return [(f.day, f.problem, f.message) for f in snapshots.verify(db, db.get(plans.Plan, plan_id), BKK)]


def change(bot, stmt) -> None:
    with bot.db.session() as db:
        db.execute(stmt)


def test_take_is_idempotent_and_each_snapshot_chains_to_the_one_before(bot, acked, acknowledge):
    first = take(bot, acked, FEB27, at(2, 28, 0))
    assert first.prev_hash == "" and len(first.hash) == 64 and len(first.content) == 64
    assert first.values["1.2"] == {"value": round(100 / 6, 1), "done": 1, "total": 6, "state": "behind"}
    acknowledge("S02", at(3, 5))
    again = take(bot, acked, FEB27, at(3, 15))
    assert (again.id, again.hash, again.values) == (first.id, first.hash, first.values)
    second = take(bot, acked, MAR31, at(4, 1, 0))
    assert second.prev_hash == first.hash and second.values["1.2"]["done"] == 2
    assert findings(bot, acked) == []
    with bot.db.sessions() as db:
        assert [s.taken_for for s in snapshots.of_plan(db, db.get(plans.Plan, acked))] == [FEB27, MAR31]


def test_a_day_is_taken_only_once_it_is_over(bot, fy2569):
    with pytest.raises(ValueError):
        take(bot, fy2569, FEB27, at(2, 27, 23))


def test_due_days_and_take_due(bot, fy2569):
    with bot.db.session() as db:
        plan = db.get(plans.Plan, fy2569)
        assert snapshots.due_days(plan) == [FEB27, MAR31, JUN30]
        assert snapshots.take_due(db, plan, at(2, 27, 23), BKK) == []  # 27 Feb is not over yet
        assert [s.taken_for for s in snapshots.take_due(db, plan, at(3, 31, 23), BKK)] == [FEB27]
        assert [s.taken_for for s in snapshots.take_due(db, plan, at(4, 1, 0), BKK)] == [MAR31]
        assert snapshots.take_due(db, plan, at(4, 2), BKK) == []


def test_latest_and_state_give_what_a_report_stands_on(bot, acked):
    first = take(bot, acked, FEB27, at(2, 28, 0))
    with bot.db.sessions() as db:
        plan = db.get(plans.Plan, acked)
        assert snapshots.latest(db, plan, at(2, 26)) is None
        assert snapshots.latest(db, plan, at(3, 20)).id == first.id
        found, problems = snapshots.state(db, plan, at(3, 20), BKK)
    assert found is not None and problems == []
    assert found.reference == f"ข้อมูลนี้อ้างอิงภาพรวม ณ วันที่ 27 ก.พ. 2569 (รหัส {first.hash[:12]})"


def test_what_happens_after_the_day_changes_nothing(bot, acked, acknowledge):
    take(bot, acked, FEB27, at(2, 28, 0))
    acknowledge("S03", at(3, 10))
    with bot.db.session() as db:
        activities.mark_done(db.scalars(sa.select(Activity).where(Activity.plan_id == acked)).first(),
                             at(3, 12), "", "")
    assert findings(bot, acked) == []


def test_an_acknowledgment_dated_again_afterwards_is_found(bot, acked):
    take(bot, acked, FEB27, at(2, 28, 0))
    take(bot, acked, MAR31, at(4, 1, 0))
    change(bot, sa.update(PledgeAck).values(acknowledged_at=at(2, 28)).where(PledgeAck.acknowledged_at == at(2, 20)))
    assert findings(bot, acked) == [(FEB27, Problem.CONTENT, "ข้อมูลวันที่ 27 ก.พ. 2569 ถูกแก้ไขภายหลัง"),
                                    (MAR31, Problem.CONTENT, "ข้อมูลวันที่ 31 มี.ค. 2569 ถูกแก้ไขภายหลัง")]


def test_an_activity_marked_done_back_then_is_found(bot, fy2569):
    take(bot, fy2569, FEB27, at(2, 28, 0))
    take(bot, fy2569, MAR31, at(4, 1, 0))
    with bot.db.session() as db:
        first = db.scalars(sa.select(Activity).where(Activity.plan_id == fy2569).order_by(Activity.id)).first()
        activities.mark_done(first, at(3, 15), "ทำแล้ว", "")  # on 2 Apr, "done on 15 Mar"
    assert findings(bot, fy2569) == [(MAR31, Problem.CONTENT, "ข้อมูลวันที่ 31 มี.ค. 2569 ถูกแก้ไขภายหลัง")]


def test_an_evidence_item_whose_date_moves_is_found(bot, fy2569):
    with bot.db.session() as db:
        plan = db.get(plans.Plan, fy2569)
        item = proofs.add(db, plan, "4.3", proofs.LINK, "โพสต์ผลการดำเนินงาน", date(2026, 3, 1),
                          proofs.Recorded("cli", None, at(3, 10)), url="https://example.org/post")
        item_id = item.id
    take(bot, fy2569, MAR31, at(4, 1, 0))
    with bot.db.session() as db:  # removed in April: it was there on 31 Mar
        proofs.remove(db, item_id, proofs.Recorded("cli", None, at(4, 5)))
    assert findings(bot, fy2569) == []
    change(bot, sa.update(Evidence).values(dated=date(2026, 3, 2)).where(Evidence.id == item_id))
    assert findings(bot, fy2569) == [(MAR31, Problem.CONTENT, "ข้อมูลวันที่ 31 มี.ค. 2569 ถูกแก้ไขภายหลัง")]


def test_an_edited_snapshot_row_breaks_the_chain(bot, acked):
    first = take(bot, acked, FEB27, at(2, 28, 0))
    take(bot, acked, MAR31, at(4, 1, 0))
    edited = dict(first.values, **{"1.2": dict(first.values["1.2"], value=100.0)})
    change(bot, sa.update(MilestoneSnapshot).values(values=edited).where(MilestoneSnapshot.id == first.id))
    assert findings(bot, acked) == [
        (FEB27, Problem.CHAIN, "ภาพรวมข้อมูล ณ วันที่ 27 ก.พ. 2569 ถูกแก้ไขหลังบันทึก (รหัสไม่ต่อเนื่องกัน)")]
    # Sealed again to hide it: the next snapshot no longer links to it.
    with bot.db.session() as db:
        row = db.get(MilestoneSnapshot, first.id)
        row.hash = snapshots.seal(row)
    assert [(day, problem) for day, problem, _ in findings(bot, acked)] == [(MAR31, Problem.CHAIN)]


def test_the_audit_trail_is_chained_in(bot, fy2569):
    with bot.db.session() as db:  # a coordinator's change: written to the trail
        audit.act_as(db, audit.Actor(None, "ผู้ดูแลระบบ", "cli"))
        db.scalars(sa.select(Activity).where(Activity.plan_id == fy2569)).first().place = "ห้องประชุม"
    first = take(bot, fy2569, FEB27, at(2, 28, 0))
    with bot.db.sessions() as db:
        latest_entry = db.scalar(sa.select(sa.func.max(audit.AuditEntry.id)))
    assert first.audit_id == latest_entry is not None
    second = take(bot, fy2569, MAR31, at(4, 1, 0))
    assert second.audit_id == first.audit_id and second.audit_hash != first.audit_hash
    assert findings(bot, fy2569) == []
