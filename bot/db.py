"""Database engine, sessions and migrations. Works with or without a Flask app."""
from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_INTERVAL = 0.5  # seconds between the web process's background WAL checkpoints
READ_ONLY = "khunnatham_read_only"  # execution option of Database.reading()'s connections


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine)
        return engine
    # No pool_pre_ping: it costs a round trip on every checkout. A connection the server dropped
    # fails its first statement instead; SQLAlchemy then discards the whole pool, and the webhook
    # answers 503 so LINE redelivers the event.
    return sa.create_engine(url, pool_size=10, max_overflow=10)


def _tune_sqlite(engine: sa.Engine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE so concurrent writers queue instead of failing.

    pysqlite's own transaction handling is switched off (the documented SQLAlchemy recipe) so that
    every transaction takes the write lock up front; a deferred transaction that reads and then
    writes can otherwise fail at once with "database is locked" under concurrent webhook requests.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A reading session (Database.reading) begins a deferred transaction: in WAL mode it takes no
        # lock, so a page that only reads never holds up the webhook's writers.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


class WriterQueue:
    """SQLite takes one writer at a time. Left to itself, a writer that finds the database locked
    sleeps in SQLite's busy handler (1, 2, 5, 10 … up to 100 ms) and tries again, so under load the
    lock sits idle between writers while others sleep, and a few unlucky requests wait for seconds.
    Webhook transactions queue here instead: a thread lock inside the process, then an flock on a
    file beside the database across gunicorn's worker processes; the kernel wakes the next writer
    the moment the lock is released. Other writers (CLI, scheduler) still meet SQLite's busy handler,
    which keeps its 10 s limit.

    Checkpoints: by default the commit that pushes the WAL past 1,000 pages copies it back into the
    database and fsyncs, while this queue waits behind it (measured: 100-150 ms stalls every few
    hundred taps). Connections used for webhook transactions turn that off, and a background thread
    in each web process runs a PASSIVE checkpoint every CHECKPOINT_INTERVAL seconds instead; PASSIVE
    never waits for, nor blocks, readers and writers.
    """

    def __init__(self, database: str | None):
        self._threads = threading.Lock()
        self._database = database if database and database != ":memory:" else None
        self._fd: int | None = None
        self._pid = 0
        self._stop = threading.Event()

    def _file(self) -> int | None:
        if self._database is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # once per process, after gunicorn forks
            self._fd = os.open(f"{self._database}.writers", os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
            threading.Thread(target=_checkpoint_until, args=(self._database, self._stop), daemon=True,
                             name="sqlite-checkpoint").start()
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._threads.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise sa.exc.OperationalError("waiting for the SQLite writer queue", None,
                                          TimeoutError("database is locked"))
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        """Stop this process's checkpoint thread (after a last checkpoint)."""
        self._stop.set()


def _checkpoint_until(database: str, stop: threading.Event) -> None:
    conn = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    try:
        while True:
            stopping = stop.wait(CHECKPOINT_INTERVAL)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # keep going: the next round will do it
                log.warning("background WAL checkpoint failed: %s", exc)
            if stopping:
                return
    finally:
        conn.close()


def make_sessionmaker(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class Database:
    """One engine and session factory per process (app, CLI, clock)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = make_sessionmaker(self.engine)
        self.writers = WriterQueue(self.engine.url.database) if self.engine.dialect.name == "sqlite" else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction (commit on success, rollback on error); on SQLite the
        transaction first waits its turn in the writer queue. For the webhook's events."""
        if self.writers is None:
            with self.sessions() as db, db.begin():
                yield db
            return
        with self.writers.turn(), self.sessions() as db, db.begin():
            connection = db.connection()
            if not connection.info.get("background_checkpoints"):
                connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")  # see WriterQueue
                connection.info["background_checkpoints"] = True
            yield db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self.sessions() as db:
            try:
                yield db
                db.commit()
            except BaseException:
                db.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (pages, reports): on SQLite its transaction takes no write lock.
        Writing in it is a mistake: it is rolled back when the block ends."""
        with Session(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as db:
            try:
                yield db
            finally:
                db.rollback()

    def ping(self) -> bool:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True

    def dispose(self) -> None:
        if self.writers is not None:
            self.writers.close()
        self.engine.dispose()


@contextmanager
def reading_beside(db: Session) -> Iterator[Session]:
    """A session for reads only on the engine of `db` (for a job, which is handed a session, not the
    Database): a long read, such as laying out the evidence pack, then holds no SQLite write lock."""
    with Session(db.get_bind().engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as reader:
        try:
            yield reader
        finally:
            reader.rollback()


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def _migrate(database_url: str, run: Callable[[AlembicConfig], None]) -> None:
    """Run an Alembic command on a connection of the bot's own engine (WAL, foreign keys and
    BEGIN IMMEDIATE on SQLite), which the migrations' env.py takes from `attributes`."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = connection
            run(cfg)
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "heads") -> None:
    _migrate(database_url, lambda cfg: command.upgrade(cfg, revision))


def downgrade(database_url: str, revision: str) -> None:
    _migrate(database_url, lambda cfg: command.downgrade(cfg, revision))
