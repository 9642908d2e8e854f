"""Pledge documents (indicator 1.2): versions, acknowledgments and progress."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import tally
from models.base import Base, insert_ignoring_conflicts, utcnow
from models.staff import Staff

DEFAULT_PLEDGE_FILE = Path(__file__).resolve().parent / "data" / "pledge_fy2569.md"
MAX_TITLE = 200
MAX_BODY = 4000  # a Flex bubble holds about 30 KB of JSON; leave room for the card around the text


class PledgeDocument(Base):
    __tablename__ = "pledge_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(MAX_TITLE), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[PledgeVersion]] = relationship(
        back_populates="document", order_by="PledgeVersion.version"
    )


class PledgeVersion(Base):
    __tablename__ = "pledge_versions"
    __table_args__ = (sa.UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("pledge_documents.id"))
    version: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[PledgeDocument] = relationship(back_populates="versions", lazy="joined")

    @property
    def title(self) -> str:
        return self.document.title


class PledgeAck(Base):
    """One acknowledgment per person per pledge version."""

    __tablename__ = "pledge_acks"
    __table_args__ = (sa.UniqueConstraint("staff_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("pledge_versions.id"), index=True)
    acknowledged_at: Mapped[datetime]
    webhook_event_id: Mapped[str | None] = mapped_column(sa.String(64))


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.done / self.total, 1) if self.total else 0.0

    @property
    def remaining(self) -> int:
        return self.total - self.done


@dataclass(frozen=True)
class UnitProgress(Progress):
    unit: str = ""


class PledgeError(ValueError):
    pass


def documents(db: Session) -> list[PledgeDocument]:
    """Every document, retired ones included, oldest first."""
    return list(db.scalars(sa.select(PledgeDocument).order_by(PledgeDocument.id)))


def current_versions(db: Session) -> list[PledgeVersion]:
    """The latest version of every active document, oldest document first."""
    latest = (
        sa.select(PledgeVersion.document_id, sa.func.max(PledgeVersion.version).label("v"))
        .group_by(PledgeVersion.document_id)
        .subquery()
    )
    stmt = (
        sa.select(PledgeVersion)
        .join(latest, sa.and_(PledgeVersion.document_id == latest.c.document_id,
                              PledgeVersion.version == latest.c.v))
        .join(PledgeDocument, PledgeDocument.id == PledgeVersion.document_id)
        .where(PledgeDocument.active)
        .order_by(PledgeDocument.id)
    )
    return list(db.scalars(stmt))


def latest_version_of(db: Session, document_id: int) -> PledgeVersion | None:
    return db.scalar(
        sa.select(PledgeVersion)
        .where(PledgeVersion.document_id == document_id)
        .order_by(PledgeVersion.version.desc())
        .limit(1)
    )


def get_version(db: Session, version_id: int) -> PledgeVersion | None:
    return db.get(PledgeVersion, version_id)


def acks_of(db: Session, staff: Staff) -> dict[int, PledgeAck]:
    """The person's acknowledgments by version id."""
    return {a.version_id: a for a in db.scalars(sa.select(PledgeAck).where(PledgeAck.staff_id == staff.id))}


def find_ack(db: Session, staff: Staff, version: PledgeVersion | AckTarget) -> PledgeAck | None:
    return db.scalar(
        sa.select(PledgeAck).where(PledgeAck.staff_id == staff.id, PledgeAck.version_id == version.id)
    )


def acknowledge(
    db: Session, staff: Staff, version: PledgeVersion, at: datetime, event_id: str | None = None
) -> tuple[PledgeAck, bool]:
    """Store the acknowledgment once; (the stored one, whether this call created it)."""
    values = {"staff_id": staff.id, "version_id": version.id, "acknowledged_at": at, "webhook_event_id": event_id}
    if insert_ignoring_conflicts(db, PledgeAck.__table__, values, ["staff_id", "version_id"]):
        return PledgeAck(**values), True
    ack = find_ack(db, staff, version)
    assert ack is not None
    return ack, False


def progress(db: Session, version: PledgeVersion) -> Progress:
    """Acknowledgments of this version by people on the roster, out of everyone on it (the tallies)."""
    counts = tally.read(db, tally.pledge_acks(version.id), tally.STAFF_ACTIVE)
    return Progress(counts[tally.pledge_acks(version.id)], counts[tally.STAFF_ACTIVE])


def progress_at(db: Session, version: PledgeVersion, at: datetime) -> Progress:
    """Acknowledgments of this version made by `at`, by people on the roster, out of everyone on it
    (one count; `progress` reads the running tallies, which only know now)."""
    done = db.scalar(sa.select(sa.func.count()).select_from(PledgeAck).join(Staff, Staff.id == PledgeAck.staff_id)
                     .where(PledgeAck.version_id == version.id, PledgeAck.acknowledged_at <= at, Staff.active)) or 0
    total = db.scalar(sa.select(sa.func.count()).select_from(Staff).where(Staff.active)) or 0
    return Progress(done, total)


# The acknowledge path, when the tap counts: read the tallies, then store the tap if the version is
# current (two statements on SQLite, one on PostgreSQL). Anything else (an old card, a retired
# document, a second tap) is explained by the slower ack_target() and find_ack().
_STORE_IF_CURRENT = """
    INSERT INTO pledge_acks (staff_id, version_id, acknowledged_at, webhook_event_id)
    SELECT :staff, v.id, :at, :event FROM pledge_versions v JOIN pledge_documents d ON d.id = v.document_id
    WHERE v.id = :version AND d.active
      AND NOT EXISTS (SELECT 1 FROM pledge_versions n WHERE n.document_id = v.document_id AND n.version > v.version)
    ON CONFLICT (staff_id, version_id) DO NOTHING
    RETURNING id"""
_STANDING_COLUMNS = """
    (SELECT d.title FROM pledge_versions v JOIN pledge_documents d ON d.id = v.document_id
     WHERE v.id = :version) AS title,
    (SELECT sum(value) FROM tallies WHERE name = :acks) AS done,
    (SELECT sum(value) FROM tallies WHERE name = :people) AS total,
    (SELECT count(*) FROM pledge_versions cv JOIN pledge_documents d ON d.id = cv.document_id
     WHERE d.active AND cv.id <> :version
       AND cv.version = (SELECT max(x.version) FROM pledge_versions x WHERE x.document_id = cv.document_id)
       AND NOT EXISTS (SELECT 1 FROM pledge_acks a WHERE a.version_id = cv.id AND a.staff_id = :staff)
    ) AS waiting"""
_AT = sa.bindparam("at", type_=PledgeAck.__table__.c.acknowledged_at.type)
_ACK_IF_CURRENT = sa.text(_STORE_IF_CURRENT).bindparams(_AT)
_STANDING = sa.text("SELECT " + _STANDING_COLUMNS)
# PostgreSQL does both in one round trip: the SELECT reads the statement's snapshot, from before the
# insert and its trigger, exactly like _STANDING run first.
_ACK_AND_STANDING = sa.text(
    f"WITH stored AS ({_STORE_IF_CURRENT}) SELECT (SELECT id FROM stored) AS stored, {_STANDING_COLUMNS}"
).bindparams(_AT)
_ACK_TARGET = sa.text("""
    SELECT v.id, v.document_id, v.version, d.title, d.active,
           (SELECT x.id FROM pledge_versions x WHERE x.document_id = v.document_id
            ORDER BY x.version DESC LIMIT 1) AS latest_id
    FROM pledge_versions v JOIN pledge_documents d ON d.id = v.document_id
    WHERE v.id = :id""")


@dataclass(frozen=True)
class Standing:
    """Right after a person's acknowledgment: the document, the office's progress on it, and how
    many other current documents this person has still to acknowledge."""

    title: str
    progress: Progress
    waiting: int


def acknowledge_current(db: Session, staff: Staff, version_id: int, at: datetime,
                        event_id: str | None = None) -> Standing | None:
    """Store the acknowledgment when `version_id` is the current version of an active document and
    this person has not acknowledged it yet; None (nothing stored) otherwise.

    The tallies are read before the insert, and this person added to them: the insert's trigger
    locks a tally row until the commit (on PostgreSQL the row of this person's slot, which one
    person in 16 shares), so the insert comes last to keep that lock short. The number is the same
    as a read after it: everyone committed before, plus this person.
    """
    params = {"acks": tally.pledge_acks(version_id), "people": tally.STAFF_ACTIVE, "version": version_id,
              "staff": staff.id, "at": at, "event": event_id}
    if db.get_bind().dialect.name == "postgresql":
        row = db.execute(_ACK_AND_STANDING, params).one()
        stored = row.stored
    else:  # SQLite has no INSERT inside WITH
        row = db.execute(_STANDING, params).one()
        stored = db.execute(_ACK_IF_CURRENT, params).first()
    if stored is None:
        return None
    mine = 1 if staff.active else 0  # the trigger counts people on the roster only
    return Standing(row.title, Progress((row.done or 0) + mine, row.total or 0), row.waiting)


@dataclass(frozen=True)
class AckTarget:
    """The version a button names, as the acknowledge path needs it."""

    id: int
    document_id: int
    version: int
    title: str
    active: bool  # the document is still in use
    latest_id: int  # the document's newest version

    @property
    def is_latest(self) -> bool:
        return self.latest_id == self.id


def ack_target(db: Session, version_id: int) -> AckTarget | None:
    row = db.execute(_ACK_TARGET, {"id": version_id}).first()
    if row is None:
        return None
    return AckTarget(row.id, row.document_id, row.version, row.title, bool(row.active), row.latest_id)


def unit_progress(db: Session, version: PledgeVersion) -> list[UnitProgress]:
    """Per unit, sorted by unit name."""
    acked = sa.func.count(PledgeAck.id)
    stmt = (
        sa.select(Staff.unit, acked, sa.func.count(Staff.id))
        .outerjoin(PledgeAck, sa.and_(PledgeAck.staff_id == Staff.id, PledgeAck.version_id == version.id))
        .where(Staff.active)
        .group_by(Staff.unit)
        .order_by(Staff.unit)
    )
    return [UnitProgress(done=d, total=t, unit=u) for u, d, t in db.execute(stmt)]


def _pending_where(version: PledgeVersion, unit: str | None) -> list[sa.SQLColumnExpression[bool]]:
    done = sa.select(PledgeAck.staff_id).where(PledgeAck.version_id == version.id)
    where = [Staff.active, Staff.id.not_in(done)]
    if unit is not None:
        where.append(Staff.unit == unit)
    return where


def pending(db: Session, version: PledgeVersion, limit: int | None = None, offset: int = 0,
            unit: str | None = None) -> list[Staff]:
    """Active people who have not acknowledged this version (of one unit, or all), by unit then name."""
    stmt = (
        sa.select(Staff)
        .where(*_pending_where(version, unit))
        .order_by(Staff.unit, Staff.name, Staff.id)
        .limit(limit)
    )
    if offset:
        stmt = stmt.offset(offset)
    return list(db.scalars(stmt))


def pending_count(db: Session, version: PledgeVersion, unit: str | None = None) -> int:
    """How many `pending` would list."""
    return db.scalar(sa.select(sa.func.count()).select_from(Staff).where(*_pending_where(version, unit))) or 0


def versions_by_document(db: Session) -> dict[int, list[PledgeVersion]]:
    """Every version of every document (retired ones too), newest first, by document id."""
    found: dict[int, list[PledgeVersion]] = {}
    for version in db.scalars(sa.select(PledgeVersion).order_by(PledgeVersion.document_id,
                                                                PledgeVersion.version.desc())):
        found.setdefault(version.document_id, []).append(version)
    return found


def get_document(db: Session, document_id: int) -> PledgeDocument | None:
    return db.get(PledgeDocument, document_id)


def document_titled(db: Session, title: str) -> PledgeDocument | None:
    """The document `publish` would add a version to for this title (spaces folded as it folds them)."""
    return db.scalar(sa.select(PledgeDocument).where(PledgeDocument.title == " ".join(title.split())))


def ack_counts(db: Session, version_ids: list[int]) -> dict[int, int]:
    """Acknowledgments per version (of anyone, on the roster now or not), one statement."""
    if not version_ids:
        return {}
    rows = db.execute(sa.select(PledgeAck.version_id, sa.func.count()).where(PledgeAck.version_id.in_(version_ids))
                      .group_by(PledgeAck.version_id)).tuples()
    return dict(rows.all())


def publish(db: Session, title: str, body: str, at: datetime | None = None) -> PledgeVersion:
    """A new document, or a new version of the document with this title (everyone acknowledges again)."""
    title = " ".join(title.split())
    body = body.strip()
    if not title:
        raise PledgeError("the title is empty")
    if len(title) > MAX_TITLE:
        raise PledgeError(f"the title is longer than {MAX_TITLE} characters")
    if not body:
        raise PledgeError("the text is empty")
    if len(body) > MAX_BODY:
        raise PledgeError(f"the text is {len(body)} characters; at most {MAX_BODY} fit on a LINE card")
    document = db.scalar(sa.select(PledgeDocument).where(PledgeDocument.title == title))
    if document is None:
        document = PledgeDocument(title=title)
        db.add(document)
        db.flush()
        number = 1
    else:
        latest = latest_version_of(db, document.id)
        if latest is not None and latest.body == body and document.active:
            raise PledgeError(f"'{title}' version {latest.version} already has exactly this text")
        document.active = True
        number = (latest.version if latest else 0) + 1
    version = PledgeVersion(document=document, version=number, body=body, published_at=at or utcnow())
    db.add(version)
    db.flush()
    return version


def retire(db: Session, title: str) -> PledgeDocument:
    document = db.scalar(sa.select(PledgeDocument).where(PledgeDocument.title == title))
    if document is None:
        raise PledgeError(f"no pledge document titled '{title}'")
    document.active = False
    db.flush()
    return document


def split_title(text: str) -> tuple[str, str]:
    """A pledge file's first non-empty line is its title, the rest its text."""
    lines = text.strip().splitlines()
    if not lines:
        return "", ""
    return lines[0].strip().lstrip("# ").strip(), "\n".join(lines[1:]).strip()


def ensure_default(db: Session) -> PledgeVersion | None:
    """The FY2569 declaration, when no pledge document exists yet."""
    if db.scalar(sa.select(sa.func.count()).select_from(PledgeDocument)):
        return None
    title, body = split_title(DEFAULT_PLEDGE_FILE.read_text(encoding="utf-8"))
    return publish(db, title, body)
