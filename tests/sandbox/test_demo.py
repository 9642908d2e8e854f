"""The demo office lives in the fiscal year of the moment it is loaded: built at the start, the
middle and the end of a year, nothing in it is dated after that moment or before what it stands on."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.config import Settings
from bot.db import upgrade
from bot.sandbox import demo
from bot.services import Bot
from models import activity as activities
from models import defaults
from models import evidence as proofs
from models import nomination as nominations
from models import plan as plans
from models import pledge as pledges
from models.pledge import PledgeAck, PledgeVersion
from models.proposal import Proposal
from models.staff import Staff

TZ = ZoneInfo("Asia/Bangkok")
START, EARLY, TODAY, MIDDLE, AFTER_ROUND, END = (
    datetime(2026, 10, 1, 8, 0, tzinfo=TZ), datetime(2026, 10, 9, 14, 0, tzinfo=TZ),
    datetime(2026, 12, 2, 13, 40, tzinfo=TZ), datetime(2027, 3, 15, 10, 0, tzinfo=TZ),
    datetime(2027, 4, 20, 9, 0, tzinfo=TZ), datetime(2027, 9, 30, 16, 0, tzinfo=TZ))


@pytest.fixture
def office(tmp_path):
    """A function loading the demo office at a moment into a database of its own; the bot."""
    made = []

    def load(now: datetime) -> Bot:
        url = f"sqlite:///{tmp_path / f'demo-{len(made)}.sqlite'}"
        upgrade(url)
        bot = Bot(Settings(database_url=url, channel_secret="s", access_token="t", sandbox=True))
        made.append(bot)
        with bot.db.session() as db:
            defaults.ensure(db)
            demo.load(db, now)
        return bot

    yield load
    for bot in made:
        bot.close()


@pytest.mark.parametrize("now", [START, EARLY, TODAY, MIDDLE, AFTER_ROUND, END],
                         ids=["start", "early", "december", "middle", "after-round", "end"])
def test_nothing_is_dated_after_now_or_before_what_it_stands_on(office, now):
    bot = office(now)
    with bot.db.sessions() as db:
        plan = plans.current(db, now)
        assert plan is not None and plan.fiscal_year == plans.fiscal_year_of(now.date()) == 2570
        assert plan.starts_on <= now.date() <= plan.ends_on
        # The pledge: titled with this year, published before anyone acknowledged it, acknowledged before now.
        version = db.scalar(sa.select(PledgeVersion))
        assert "2570" in version.title and "2569" not in version.title
        acks = list(db.scalars(sa.select(PledgeAck)))
        assert len(acks) == len(demo.ACKNOWLEDGED)
        registered = {p.id: p.registered_at for p in db.scalars(sa.select(Staff))}
        for ack in acks:
            assert version.published_at <= ack.acknowledged_at < now
            assert registered[ack.staff_id] is not None and registered[ack.staff_id] < ack.acknowledged_at
        assert all(at is None or at < now for at in registered.values())
        # Proposals made in this fiscal year, before now.
        for proposal in db.scalars(sa.select(Proposal)):
            assert proposal.plan_id == plan.id
            assert datetime.combine(plan.starts_on, datetime.min.time(), TZ) <= proposal.created_at < now
        # Activities: every one dated, listed in date order, each before its due date; carried out only
        # once ended; check-ins inside the window, before now, by people registered by then.
        listed = activities.of_plan(db, plan.id)
        assert all(a.starts_at is not None for a in listed)
        starts = [a.starts_at for a in listed]
        assert starts == sorted(starts)
        assert [a.due for a in listed if a.due] == sorted(a.due for a in listed if a.due)
        for a in listed:
            assert a.due is None or a.starts_at.astimezone(TZ).date() < a.due
            assert plan.starts_on <= a.starts_at.astimezone(TZ).date() <= plan.ends_on
            assert (a.done_at is not None) == (a.ends_at < now)
            for person, checkin in db.execute(sa.select(Staff, activities.CheckIn).join(
                    activities.CheckIn, activities.CheckIn.staff_id == Staff.id)
                    .where(activities.CheckIn.activity_id == a.id)).tuples():
                assert a.checkin_from <= checkin.at <= a.checkin_until and checkin.at < now
                assert person.registered_at < checkin.at
        assert len(activities.open_now(db, now)) >= 1  # someone can always try เช็คอิน
        # Evidence inside the year, never after today.
        for item in db.scalars(sa.select(proofs.Evidence)):
            assert plan.starts_on <= item.dated <= now.date()


def test_activities_done_and_ahead_and_milestones_passed_and_coming(office):
    bot = office(MIDDLE)
    with bot.db.sessions() as db:
        plan = plans.current(db, MIDDLE)
        listed = activities.of_plan(db, plan.id)
        done = [a.key for a in listed if a.done_at is not None]
        ahead = [a.key for a in listed if a.starts_at > MIDDLE]
        assert done == ["pledge-announcement", "virtue-workshop", "plan-workshop"]
        assert ahead == ["honour-ceremony", "lessons-learned"]
        dues = [m.due for i in plan.indicators for m in i.milestones]
        assert any(d < MIDDLE.date() for d in dues) and any(d > MIDDLE.date() for d in dues)
    bot = office(START)
    with bot.db.sessions() as db:
        plan = plans.current(db, START)
        assert [a.key for a in activities.of_plan(db, plan.id) if a.done_at is not None] == []
        assert all(m.due > START.date() for i in plan.indicators for m in i.milestones)
    bot = office(END)
    with bot.db.sessions() as db:
        plan = plans.current(db, END)
        keyed = [a for a in activities.of_plan(db, plan.id) if a.key]
        assert keyed and all(a.done_at is not None for a in keyed)


def test_the_nomination_round_fits_the_date(office):
    with office(EARLY).db.sessions() as db:  # before the round opens: none yet
        assert nominations.rounds(db) == []
    for now in (TODAY, MIDDLE):  # open, with the nominations made so far
        with office(now).db.sessions() as db:
            round_ = nominations.open_round(db, now)
            assert round_ is not None and round_.opens_at < now and "2570" in round_.title
            made = list(db.scalars(sa.select(nominations.Nomination)))
            assert made and all(round_.opens_at <= n.created_at < now for n in made)
            assert nominations.honourees(db, round_) == []
    for now in (AFTER_ROUND, END):  # closed after its last day, honourees chosen after the nominations
        with office(now).db.sessions() as db:
            assert nominations.open_round(db, now) is None
            (round_,) = nominations.rounds(db)
            assert round_.closed_at is not None and round_.closed_at <= now
            assert round_.closes_on is not None and round_.closes_on < now.date()
            last = max(n.created_at for n in db.scalars(sa.select(nominations.Nomination)))
            assert last.astimezone(TZ).date() <= round_.closes_on
            honours = list(db.scalars(sa.select(nominations.Honour)))
            assert len(honours) == 3 and all(last < h.honoured_at < now for h in honours)
            plan = plans.current(db, now)
            ceremony = next(a for a in activities.of_plan(db, plan.id) if a.key == "honour-ceremony")
            if ceremony.done_at is not None:
                assert all(h.honoured_at < ceremony.starts_at for h in honours)


def test_the_volunteer_day_is_today_when_no_plan_activity_is(office):
    bot = office(TODAY)
    with bot.db.sessions() as db:
        (open_,) = activities.open_now(db, TODAY)
        assert open_.title.endswith("ธันวาคม 2569") and open_.starts_at.astimezone(UTC) < TODAY
        assert activities.attendance_count(db, open_.id) == 3
        assert pledges.current_versions(db)[0].published_at.astimezone(TZ).date().isoformat() == "2026-10-22"
