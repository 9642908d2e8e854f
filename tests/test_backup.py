"""Backups (bot/backup.py, `db backup|restore`, the daily database-backup job): a round trip under load
on the database the suite runs on (SQLite, or PostgreSQL with TEST_DATABASE_URL): while a thread
keeps acknowledging the pledge (a webhook event and an acknowledgment per transaction), a backup is
made, restored into a fresh database, and holds exactly the transactions committed up to one moment
between the backup's start and its end: every one committed before it began, none half, the tallies
agreeing with the rows, at the newest migration. Restoring refuses what is not a backup of the
right kind and asks first."""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import backup as backups
from bot import create_app
from bot.line import LineClient
from jobs import JOBS
from jobs import backup as job
from models import jobrun, tally
from models import pledge as pledges
from models.staff import Staff
from models.webhook_event import WebhookEvent
from models.webhook_event import record as record_event
from tests.jobs.conftest import add_staff, at

PADDING = 60_000  # webhook events already stored, so that a backup takes a while
WRITERS_PEOPLE = 4_000


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


@pytest.fixture
def fresh_url(database_url, tmp_path):
    """An empty database of the suite's kind, apart from the suite's: a new SQLite file, or a new
    PostgreSQL database on the same server (dropped afterwards)."""
    if not is_postgresql(database_url):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    name = f"khunnatham_restore_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(sa.engine.make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def pad(bot) -> None:
    now = datetime.now(UTC)
    rows = [{"webhook_event_id": f"PAD{i:08d}", "type": "message", "line_user_id": f"U{i % 997:032d}",
             "mode": "active", "redelivery": False, "occurred_at": now, "received_at": now} for i in range(PADDING)]
    with bot.db.engine.begin() as conn:
        conn.execute(WebhookEvent.__table__.insert(), rows)


class Writer(threading.Thread):
    """Acknowledges the pledge for one person after another, each with its webhook event, in one
    transaction each (as the webhook does); `committed` counts the transactions committed."""

    def __init__(self, bot, codes: list[str]):
        super().__init__(daemon=True)
        self.bot, self.codes = bot, codes
        self.committed = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.bot.db.sessions() as db:
                (version,) = pledges.current_versions(db)
                ids = dict(db.execute(sa.select(Staff.code, Staff.id).where(Staff.code.in_(self.codes))).tuples().all())
            for i, code in enumerate(self.codes):
                if self.stop.is_set():
                    return
                with self.bot.db.transaction() as db:
                    person = db.get(Staff, ids[code])
                    record_event(db, f"LOAD{i:08d}", "postback", f"U{i:032d}", "active", False, datetime.now(UTC))
                    pledges.acknowledge(db, person, version, datetime.now(UTC), event_id=f"LOAD{i:08d}")
                self.committed = i + 1
        except BaseException as exc:  # reported by the test
            self.error = exc


def restored_counts(url: str) -> dict[str, object]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            version_id = conn.scalar(sa.text("SELECT max(version_id) FROM pledge_acks"))
            events = sorted(int(e[4:]) for e in conn.scalars(sa.text(
                "SELECT webhook_event_id FROM webhook_events WHERE webhook_event_id LIKE 'LOAD%'")))
            return {
                "revision": conn.scalar(sa.text("SELECT version_num FROM alembic_version")),
                "padding": conn.scalar(sa.text(
                    "SELECT count(*) FROM webhook_events WHERE webhook_event_id LIKE 'PAD%'")),
                "events": events,
                "acks": conn.scalar(sa.text("SELECT count(*) FROM pledge_acks WHERE webhook_event_id LIKE 'LOAD%'")),
                "acked_tally": conn.scalar(sa.text("SELECT sum(value) FROM tallies WHERE name = :n"),
                                           {"n": tally.pledge_acks(version_id)}),
                "acks_on_roster": conn.scalar(sa.text(
                    "SELECT count(*) FROM pledge_acks a JOIN staff s ON s.id = a.staff_id WHERE s.active")),
                "staff": conn.scalar(sa.text("SELECT count(*) FROM staff")),
            }
    finally:
        engine.dispose()


def test_a_backup_taken_while_the_bot_writes_restores_one_consistent_moment(office, database_url, fresh_url,
                                                                             tmp_path):
    codes = add_staff(office, WRITERS_PEOPLE, prefix="W")
    pad(office)
    writer = Writer(office, codes)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while writer.committed < 50 and time.monotonic() < deadline and writer.error is None:
            time.sleep(0.005)
        before = writer.committed  # committed before the backup began
        made = backups.backup(database_url, tmp_path / "office.backup")
        after = writer.committed   # committed by the time it ended
        time.sleep(0.05)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert before >= 50 and after > before, (before, after)  # the bot kept writing while the backup ran
    assert made.kind == ("postgresql" if is_postgresql(database_url) else "sqlite")
    assert made.revision == backups.head() and made.size == (tmp_path / "office.backup").stat().st_size
    if not is_postgresql(database_url):
        with sqlite3.connect(tmp_path / "office.backup") as copy:
            assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, no -wal

    assert backups.restore(fresh_url, tmp_path / "office.backup").revision == backups.head()
    found = restored_counts(fresh_url)
    n = len(found["events"])
    assert before <= n <= after, (before, n, after)       # one moment between the start and the end …
    assert found["events"] == list(range(n))               # … with every transaction committed up to it
    assert found["acks"] == n                              # and none half: each event with its acknowledgment
    assert found["acked_tally"] == found["acks_on_roster"]  # the triggers' counts agree with the rows
    assert found["padding"] == PADDING and found["staff"] == WRITERS_PEOPLE + 6
    assert found["revision"] == backups.head()              # alembic at head
    if not is_postgresql(fresh_url):
        with sqlite3.connect(sa.engine.make_url(fresh_url).database) as restored:
            assert restored.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert restored.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert restored.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()[0] >= 4


def test_restore_asks_first_refuses_what_is_not_a_backup_and_replaces_everything(office, database_url, settings,
                                                                              fresh_url, tmp_path):
    from bot.db import upgrade

    backup_file = tmp_path / "office.backup"
    made = create_app(settings).test_cli_runner().invoke(args=["db", "backup", str(backup_file)])
    assert made.exit_code == 0, made.output
    assert f"to {backup_file} (" in made.output and f"migration {backups.head()}" in made.output

    upgrade(fresh_url)  # another office's database, with its own people
    app = create_app(settings.replace(database_url=fresh_url))
    bot = app.extensions["khunnatham"]
    try:
        with bot.db.session() as db:
            db.add(Staff(code="X01", name="คนอื่น", unit="ที่อื่น"))
        runner = app.test_cli_runner()

        def people() -> list[str]:
            with bot.db.sessions() as db:
                return sorted(db.scalars(sa.select(Staff.code)))

        text = tmp_path / "notes.txt"
        text.write_text("ไม่ใช่ไฟล์สำรอง\n", encoding="utf-8")
        refused = runner.invoke(args=["db", "restore", "--yes", str(text)])
        assert refused.exit_code == 1 and "is not a backup: neither a SQLite database nor a pg_dump archive" in \
            refused.output
        other = tmp_path / "other.sqlite"
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        refused = runner.invoke(args=["db", "restore", "--yes", str(other)])
        assert refused.exit_code == 1 and "not one of this bot (no alembic_version or staff table)" in refused.output
        if is_postgresql(fresh_url):  # a SQLite backup is not restored into PostgreSQL
            sqlite_backup = tmp_path / "sqlite.backup"
            source = f"sqlite:///{tmp_path / 'source.sqlite'}"
            upgrade(source)
            backups.backup(source, sqlite_backup)
            refused = runner.invoke(args=["db", "restore", "--yes", str(sqlite_backup)])
            assert refused.exit_code == 1 and "is a SQLite backup, but DATABASE_URL is a PostgreSQL database" in \
                refused.output

        declined = runner.invoke(args=["db", "restore", str(backup_file)], input="n\n")
        assert declined.exit_code == 1 and "Replace every record in" in declined.output and "Aborted" in \
            declined.output
        assert people() == ["X01"]
        agreed = runner.invoke(args=["db", "restore", str(backup_file)], input="y\n")
        assert agreed.exit_code == 0, agreed.output
        assert "restored" in agreed.output and f"migration {backups.head()}" in agreed.output
        assert people() == ["C01", "E01", "S01", "S02", "S03", "S04"]
        again = runner.invoke(args=["db", "restore", "--yes", str(backup_file)])  # twice is the same
        assert again.exit_code == 0, again.output
        assert people() == ["C01", "E01", "S01", "S02", "S03", "S04"]
    finally:
        bot.close()


def test_a_backup_names_what_to_install_without_pg_dump(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backups.BackupError, match="pg_dump was not found on PATH: install the PostgreSQL client "
                                                   r"programs.*apt-get install postgresql-client"):
        backups.backup("postgresql+psycopg://someone@127.0.0.1:1/office", tmp_path / "office.dump")
    assert list(tmp_path.iterdir()) == []


def test_a_backup_made_by_a_newer_bot_is_refused(office, database_url, tmp_path):
    if is_postgresql(database_url):
        pytest.skip("the revision check is the same for both; a SQLite file is simpler to edit")
    made = backups.backup(database_url, tmp_path / "office.backup")
    with sqlite3.connect(made.path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(backups.BackupError, match="made by a newer version of the bot .*migration 9999"):
        backups.inspect(made.path)


def run_job(bot, now, **settings) -> int:
    line = LineClient(bot.settings.replace(**settings))
    try:
        with bot.db.sessions() as db:
            return JOBS[job.NAME].run(now, db, line)
    finally:
        line.close()


def test_the_daily_backup_keeps_the_latest_and_is_off_without_a_folder(office, database_url, tmp_path):
    assert JOBS[job.NAME].schedule(office.settings) == {"hour": 2, "minute": 30}
    assert office.settings.backup_dir is None
    assert run_job(office, at(2026, 12, 1, 2, 30)) == 0
    with office.db.sessions() as db:
        assert jobrun.run_of(db, job.NAME, "2026-12-01") is None

    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the IT person's own file")
    suffix = ".dump" if is_postgresql(database_url) else ".sqlite"
    for day in (1, 2, 3, 4):
        assert run_job(office, at(2026, 12, day, 2, 30), backup_dir=folder, backup_keep=2) == 0
    run_job(office, at(2026, 12, 4, 9, 0), backup_dir=folder, backup_keep=2)  # the day's again: made anew
    assert sorted(p.name for p in folder.iterdir()) == [
        f"khunnatham-2026-12-03{suffix}", f"khunnatham-2026-12-04{suffix}", "notes.txt"]
    assert backups.inspect(folder / f"khunnatham-2026-12-04{suffix}").revision == backups.head()
    with office.db.sessions() as db:
        run = jobrun.run_of(db, job.NAME, "2026-12-04")
        assert run.status == "done" and run.detail.startswith(f"สำรองฐานข้อมูลไว้ที่ {folder}/khunnatham-2026-12-04")
        assert "ลบชุดเก่า 1 ชุด เก็บไว้ 2 ชุดล่าสุด" in jobrun.run_of(db, job.NAME, "2026-12-03").detail

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    run_job(office, at(2026, 12, 5, 2, 30), backup_dir=blocked)  # cannot be made: recorded, the clock goes on
    with office.db.sessions() as db:
        run = jobrun.run_of(db, job.NAME, "2026-12-05")
        assert run.status == job.FAILED and run.detail.startswith("สำรองฐานข้อมูลไม่สำเร็จ: ")


def test_backup_settings_from_the_environment(tmp_path):
    from bot.config import Settings

    settings = Settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": "t", "BACKUP_DIR": str(tmp_path), "BACKUP_KEEP": "14",
                                  "BACKUP_CRON": "01:15", "RETENTION_DAYS": "365"})
    assert (settings.backup_dir, settings.backup_keep, settings.backup_cron, settings.retention_days) == (
        Path(tmp_path), 14, "01:15", 365)
    defaults = Settings.from_env({"LINE_CHANNEL_ACCESS_TOKEN": "t"})
    assert (defaults.backup_dir, defaults.backup_keep, defaults.retention_days) == (None, 7, None)
