"""The counters the database keeps with triggers (migrations 0006, 0007) always equal the counted rows."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.db import downgrade, upgrade
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
    at = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
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
                                                    acknowledged_at=datetime.now(UTC)))
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


def test_people_acknowledging_at_once_do_not_wait_for_each_other_on_postgresql(bot):
    """Two open transactions each store an acknowledgment (different people, so different slots):
    the second must not wait for the first to commit, as it did when every tap wrote one row."""
    if bot.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time by design")
    add_people(bot, ROWS)
    (version,) = current(bot)
    with bot.db.sessions() as session:
        first, second = session.scalars(sa.select(Staff.id).where(Staff.code.in_(["T01", "T02"]))).all()
    assert first % 16 != second % 16
    at = datetime.now(UTC)
    with bot.db.engine.connect() as one, bot.db.engine.connect() as two:
        one.execute(sa.insert(PledgeAck).values(staff_id=first, version_id=version.id, acknowledged_at=at))
        two.exec_driver_sql("SET LOCAL lock_timeout = '2s'")  # waiting would fail with LockNotAvailable
        two.execute(sa.insert(PledgeAck).values(staff_id=second, version_id=version.id, acknowledged_at=at))
        two.commit()
        one.commit()
    assert assert_tallies_match(bot)[tally.pledge_acks(version.id)] == 2


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of the same kind as the test database, for migrating up and down."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = sa.engine.make_url(database_url)
    name = f"{url.database}_migrations"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    server.dispose()


def test_migration_0007_keeps_the_counts_both_ways(scratch_url):
    """Rows written at 0006 (through the tables as they were then), counted the same at 0007 and
    back at 0006, and each revision's triggers count what is written after it."""
    def counts() -> dict[str, int]:
        with engine.connect() as conn:
            return dict(conn.exec_driver_sql("SELECT name, sum(value) FROM tallies GROUP BY name ORDER BY name").all())

    def tables() -> tuple[sa.Table, ...]:
        meta = sa.MetaData()
        return tuple(sa.Table(name, meta, autoload_with=engine)
                     for name in ("staff", "pledge_documents", "pledge_versions", "pledge_acks"))

    upgrade(scratch_url, "0006")
    engine = sa.create_engine(scratch_url)
    now = datetime.now(UTC).replace(tzinfo=None)  # the columns hold UTC without a zone
    staff, documents, versions, acks = tables()
    with engine.begin() as conn:
        for code in ("M01", "M02", "M03"):
            conn.execute(sa.insert(staff).values(code=code, name=code, position="", unit="หน่วย ก", role="staff",
                                                 active=True, created_at=now, updated_at=now))
        document = conn.execute(sa.insert(documents).values(title="ปฏิญญา", active=True, created_at=now)
                                ).inserted_primary_key[0]
        version = conn.execute(sa.insert(versions).values(document_id=document, version=1, body="ข้อความ",
                                                           published_at=now)).inserted_primary_key[0]
        for staff_id in conn.scalars(sa.select(staff.c.id).where(staff.c.code != "M03")):
            conn.execute(sa.insert(acks).values(staff_id=staff_id, version_id=version, acknowledged_at=now))
    before = counts()
    assert before == {tally.STAFF_ACTIVE: 3, tally.pledge_acks(version): 2}

    upgrade(scratch_url, "0007")
    assert counts() == before
    staff, documents, versions, acks = tables()
    with engine.begin() as conn:  # 0007's triggers count: M01 leaves the roster, M03 acknowledges
        conn.execute(sa.update(staff).where(staff.c.code == "M01").values(active=False))
        m03 = conn.scalar(sa.select(staff.c.id).where(staff.c.code == "M03"))
        conn.execute(sa.insert(acks).values(staff_id=m03, version_id=version, acknowledged_at=now))
    after = {tally.STAFF_ACTIVE: 2, tally.pledge_acks(version): 2}
    assert counts() == after

    downgrade(scratch_url, "0006")
    assert counts() == after
    with engine.begin() as conn:  # and 0006's triggers are back
        conn.execute(sa.update(staff).where(staff.c.code == "M01").values(active=True))
    assert counts() == {tally.STAFF_ACTIVE: 3, tally.pledge_acks(version): 3}
    engine.dispose()
