"""Backups of the office's database, and restoring one (`flask --app bot db backup|restore`, the
daily backup job in jobs/backup.py). Works without Flask.

- SQLite: SQLite's online backup API (`sqlite3.Connection.backup`), all pages in one step, so the
  copy is the database as one read transaction saw it: consistent while the bot goes on writing (in
  WAL mode readers and the writer do not wait for each other). The copy is checked (integrity_check,
  an Alembic revision) and then moved into place, so FILE is never half written. Restoring copies a
  backup into the live database with the same API, under SQLite's write lock and the webhook's
  writer queue: connections that stay open see the restored database once it is done.
- PostgreSQL: `pg_dump --format=custom` (one snapshot, consistent too), `pg_restore --clean
  --if-exists --no-owner --single-transaction` to restore. Both are PostgreSQL's own client
  programs, found on PATH; the password goes in the environment, never on a command line.

A file is checked before anything is restored from it: a SQLite database or a pg_dump archive of the
kind the database is, holding this bot's tables, at a migration this version of the bot knows.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from bot.db import SQLITE_BUSY_TIMEOUT_MS, alembic_config

SQLITE, POSTGRESQL = "sqlite", "postgresql"
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
SUFFIX = {SQLITE: ".sqlite", POSTGRESQL: ".dump"}
DAILY = re.compile(r"khunnatham-(\d{4}-\d{2}-\d{2})(\.sqlite|\.dump)")
REQUIRED_TABLES = ("alembic_version", "staff")  # a database of this bot has these
INSTALL_PG = ("install the PostgreSQL client programs, of the server's major version or newer "
              "(Debian/Ubuntu: apt-get install postgresql-client; other systems: https://www.postgresql.org/download/)")


class BackupError(Exception):
    """Why a backup or a restore was not made; for the person at the server."""


@dataclass(frozen=True)
class Backup:
    path: Path
    kind: str  # sqlite / postgresql
    revision: str  # the Alembic revision of the database it holds
    size: int


def kind_of(database_url: str) -> str:
    name = sa.engine.make_url(database_url).get_backend_name()
    if name not in (SQLITE, POSTGRESQL):
        raise BackupError(f"cannot back up a {name} database (only SQLite and PostgreSQL)")
    return name


def head() -> str:
    """The newest migration this version of the bot has."""
    found = _scripts().get_current_head()
    assert found is not None
    return found


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


# -- making ------------------------------------------------------------------------------------------
def backup(database_url: str, target: Path) -> Backup:
    """Back up the database into `target` (replaced when it exists; written beside it first)."""
    kind = kind_of(database_url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        if kind == SQLITE:
            _sqlite_backup(_sqlite_path(database_url), partial)
        else:
            _pg_dump(database_url, partial)
        made = inspect(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return Backup(target, made.kind, made.revision, made.size)


def _sqlite_path(database_url: str) -> Path:
    database = sa.engine.make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file")
    return Path(database)


def _sqlite_backup(source: Path, partial: Path) -> None:
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    live = sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    copy = sqlite3.connect(partial)
    try:
        live.backup(copy)  # pages=-1: every page in one step, one read transaction: one moment's database
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        copy.commit()
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not back up {source}: {exc}") from None
    finally:
        copy.close()
        live.close()
    with open(partial, "rb") as written:
        os.fsync(written.fileno())


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH: {INSTALL_PG}")
    return found


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, without its password, and the environment carrying the password."""
    url = sa.engine.make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, check=False)


def _pg_dump(database_url: str, partial: Path) -> None:
    dsn, env = _libpq(database_url)
    done = _run([_program("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={dsn}"], env)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


# -- reading a backup --------------------------------------------------------------------------------
def inspect(path: Path) -> Backup:
    """What a file holds, checked: a backup of this bot's database (BackupError saying why not)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    with open(path, "rb") as file:
        magic = file.read(len(SQLITE_MAGIC))
    if magic.startswith(SQLITE_MAGIC):
        kind, revision = SQLITE, _sqlite_revision(path)
    elif magic.startswith(PG_MAGIC):
        kind, revision = POSTGRESQL, _pg_revision(path)
    else:
        raise BackupError(f"{path} is not a backup: neither a SQLite database nor a pg_dump archive "
                          "(make one with flask --app bot db backup FILE)")
    try:
        _scripts().get_revision(revision)
    except CommandError:
        raise BackupError(f"{path} was made by a newer version of the bot (its database is at migration "
                          f"{revision}; this version knows up to {head()}): upgrade the bot first") from None
    return Backup(path, kind, revision, path.stat().st_size)


def _sqlite_revision(path: Path) -> str:
    try:
        copy = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot open it as a SQLite database: {exc}") from None
    try:
        checked = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if checked != ["ok"]:
            raise BackupError(f"{path} is damaged (SQLite's integrity check: {'; '.join(checked[:5])})")
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        _require(path, tables)
        versions = [row[0] for row in copy.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from None
    finally:
        copy.close()
    return _one(path, versions)


def _require(path: Path, tables: set[str]) -> None:
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(f"{path} is a database, but not one of this bot (no {' or '.join(missing)} table)")


def _one(path: Path, versions: list[str]) -> str:
    if len(versions) != 1:
        raise BackupError(f"{path}: its database has {len(versions)} migration versions, not one")
    return versions[0]


def _pg_revision(path: Path) -> str:
    restore = _program("pg_restore")
    listed = _run([restore, "--list", str(path)])
    if listed.returncode != 0:
        raise BackupError(f"{path} is not a readable pg_dump archive: {listed.stderr.strip()}")
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listed.stdout, re.M))
    _require(path, tables)
    data = _run([restore, "--data-only", "--table=alembic_version", "--file=-", str(path)])
    if data.returncode != 0:
        raise BackupError(f"{path}: cannot read its migration version: {data.stderr.strip()}")
    found = re.search(r"^COPY \S*alembic_version .*? FROM stdin;\n(.*?)^\\\.$", data.stdout, re.M | re.S)
    return _one(path, found.group(1).split() if found else [])


# -- restoring ---------------------------------------------------------------------------------------
def restore(database_url: str, source: Path) -> Backup:
    """Replace the database's whole content with the backup in `source` (checked first)."""
    kind = kind_of(database_url)
    found = inspect(source)
    if found.kind != kind:
        raise BackupError(f"{source} is a {_named(found.kind)} backup, but DATABASE_URL is a {_named(kind)} "
                          f"database: restore it into a {_named(found.kind)} database")
    if kind == SQLITE:
        _sqlite_restore(Path(source), _sqlite_path(database_url))
    else:
        _pg_restore(Path(source), database_url)
    return found


def _named(kind: str) -> str:
    return {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}[kind]


def _sqlite_restore(source: Path, live: Path) -> None:
    if source.resolve() == live.resolve():
        raise BackupError(f"{source} is the database itself")
    live.parent.mkdir(parents=True, exist_ok=True)
    queue = os.open(f"{live}.writers", os.O_RDWR | os.O_CREAT, 0o600)  # the webhook's writers wait (bot/db.py)
    try:
        fcntl.flock(queue, fcntl.LOCK_EX)
        copy = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro", uri=True)
        target = sqlite3.connect(live, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            copy.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            checked = [row[0] for row in target.execute("PRAGMA integrity_check")]
        except sqlite3.Error as exc:
            raise BackupError(f"SQLite could not restore into {live}: {exc} (stop the bot's processes and "
                              "try again)") from None
        finally:
            target.close()
            copy.close()
    finally:
        os.close(queue)  # releases the lock
    if checked != ["ok"]:
        raise BackupError(f"{live} failed SQLite's integrity check after the restore: {'; '.join(checked[:5])}")


def _pg_restore(source: Path, database_url: str) -> None:
    dsn, env = _libpq(database_url)
    done = _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "--exit-on-error", f"--dbname={dsn}", str(source)], env)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed; nothing was changed: {done.stderr.strip()}")


# -- the daily backups -------------------------------------------------------------------------------
def daily(database_url: str, directory: Path, keep: int, day: date) -> tuple[Backup, list[Path]]:
    """Today's backup in `directory` (khunnatham-2026-12-02.sqlite, or .dump: made again on a second
    run of the day), then only the latest `keep` of that kind kept; the backup and the files removed.
    Nothing but files of that name is ever removed."""
    suffix = SUFFIX[kind_of(database_url)]
    made = backup(database_url, Path(directory) / f"khunnatham-{day.isoformat()}{suffix}")
    ours = sorted(p for p in Path(directory).iterdir()
                  if p.is_file() and (m := DAILY.fullmatch(p.name)) and m.group(2) == suffix)
    removed = ours[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink(missing_ok=True)
    return made, removed
