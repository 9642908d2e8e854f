"""The counters the database keeps with triggers (migration 0006) always equal the counted rows."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from models import pledge as pledges
from models import roster, tally
from models.pledge import PledgeAck
from models.staff import Staff
from tests.conftest import add_people, text_of

ROWS = [
    ("T01", "นายหนึ่ง ทดสอบ", "นักพัฒนาชุมชน", "หน่วย ก", "staff"),
    ("T02", "นางสองใจ ทดสอบ", "นักพัฒนาชุมชน", "หน่วย ก", "staff"),
    ("T03", "นายสามารถ ทดสอบ", "นักพัฒนาชุมชน", "หน่วย ข", "coordinator"),
]


def current(bot) -> list[pledges.PledgeVersion]:
    with bot.db.sessions() as session:
        return pledges.current_versions(session)


def counted(session) -> dict[str, int]:
    """What the tallies must say, counted row by row."""
    out = {tally.STAFF_ACTIVE: session.scalar(sa.select(sa.func.count()).select_from(Staff).where(Staff.active))}
    for version_id in session.scalars(sa.select(pledges.PledgeVersion.id)):
        out[tally.pledge_acks(version_id)] = session.scalar(
            sa.select(sa.func.count()).select_from(PledgeAck).join(Staff, Staff.id == PledgeAck.staff_id)
            .where(PledgeAck.version_id == version_id, Staff.active))
    return out


def assert_tallies_match(bot) -> dict[str, int]:
    with bot.db.sessions() as session:
        expected = counted(session)
        assert tally.read(session, *expected) == expected
        return expected


def ack_everyone(bot, version_id: int) -> None:
    at = datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc)
    with bot.db.session() as session:
        for person in session.scalars(sa.select(Staff).where(Staff.active)):
            pledges.acknowledge(session, person, session.get(pledges.PledgeVersion, version_id), at)


def test_tallies_follow_imports_acknowledgments_retirements_and_returns(bot):
    assert assert_tallies_match(bot)[tally.STAFF_ACTIVE] == 0
    add_people(bot, ROWS)
    (version,) = current(bot)
    assert assert_tallies_match(bot) == {tally.STAFF_ACTIVE: 3, tally.pledge_acks(version.id): 0}

    ack_everyone(bot, version.id)
    assert assert_tallies_match(bot)[tally.pledge_acks(version.id)] == 3

    # Re-import without T02 and retire the missing: T02 and T02's acknowledgment leave the tallies.
    with bot.db.session() as session:
        roster.apply(session, [roster.RosterRow(i + 2, *r) for i, r in enumerate([ROWS[0], ROWS[2]])],
                     retire_missing=True)
    assert assert_tallies_match(bot) == {tally.STAFF_ACTIVE: 2, tally.pledge_acks(version.id): 2}

    # Back on the roster: counted again, acknowledgment included.
    add_people(bot, ROWS)
    assert assert_tallies_match(bot) == {tally.STAFF_ACTIVE: 3, tally.pledge_acks(version.id): 3}

    # A new version starts from zero; deleting rows (by any means) is followed too.
    with bot.db.session() as session:
        new = pledges.publish(session, version.title, version.body + "\nเพิ่มเติม")
    assert assert_tallies_match(bot)[tally.pledge_acks(new.id)] == 0
    with bot.db.session() as session:
        session.execute(sa.delete(PledgeAck).where(PledgeAck.staff_id == session.scalar(
            sa.select(Staff.id).where(Staff.code == "T01"))))
    assert assert_tallies_match(bot)[tally.pledge_acks(version.id)] == 2
    with bot.db.session() as session:
        session.execute(sa.delete(Staff).where(Staff.code == "T01"))
    assert assert_tallies_match(bot)[tally.STAFF_ACTIVE] == 2


def test_a_retired_persons_acknowledgment_is_not_counted(bot):
    add_people(bot, ROWS)
    (version,) = current(bot)
    with bot.db.session() as session:
        session.execute(sa.update(Staff).where(Staff.code == "T01").values(active=False))
    ack_everyone(bot, version.id)  # the two on the roster
    with bot.db.session() as session:  # written straight to the table, as an import script might
        retired = session.scalar(sa.select(Staff.id).where(Staff.code == "T01"))
        session.execute(sa.insert(PledgeAck).values(staff_id=retired, version_id=version.id,
                                                    acknowledged_at=datetime.now(timezone.utc)))
    assert assert_tallies_match(bot) == {tally.STAFF_ACTIVE: 2, tally.pledge_acks(version.id): 2}


def test_acknowledgment_reply_reports_the_counted_progress(bot, line, register):
    (version,) = current(bot)
    users = [register(code) for code in ("S01", "S02", "S03", "S04")]
    with bot.db.session() as session:  # S04 leaves the roster: 5 people remain
        session.execute(sa.update(Staff).where(Staff.code == "S04").values(active=False))
    for user in users[:3]:
        reply = text_of(line.tap(user, f"a=pledge.ack&v={version.id}"))
    counts = assert_tallies_match(bot)
    assert counts == {tally.STAFF_ACTIVE: 5, tally.pledge_acks(version.id): 3}
    assert "ร่วมแล้ว 3 จาก 5 คน (60%)" in reply
