"""The audit trail: every change a coordinator or executive makes, in the console, in LINE or with the
CLI — who, when, where, what, before → after.

Whoever opens the session says who is acting (`act_as`): the console for the signed-in person, the
webhook for a coordinator or executive, each CLI command for the IT person at the server. Every
flush of that session then writes one entry per created, changed or deleted row of the AUDITED
models, from the ORM's own attribute history, so no operation has to remember to log itself.
The few changes made with plain SQL statements (an honour stored with INSERT … ON CONFLICT) call
`record` themselves. Sessions with no actor (staff acknowledging, the scheduled jobs) write nothing
here.

Nobody can edit the trail: the application has no path that changes or deletes an entry, and the
database refuses UPDATE and DELETE on `audit_log` (triggers, migration 0008) unless a whole wipe
has unlocked it (`unlock_for_wipe`: the sandbox's "reset the demo" and the tests' clean-up).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from models.activity import Activity, CheckIn
from models.base import Base, utcnow
from models.jobrun import JobSetting
from models.nomination import Honour, NominationRound
from models.plan import Indicator, Milestone, Plan
from models.pledge import PledgeDocument, PledgeVersion
from models.staff import Staff

SOURCES = ("console", "line", "cli")
CREATE, UPDATE, DELETE = "create", "update", "delete"
HIDDEN = "(ไม่แสดง)"  # what the trail shows for a value it keeps to itself (invite codes, LINE ids)
HIDDEN_NEW = "(ค่าใหม่ ไม่แสดง)"  # … and for its new value when one hidden value replaced another
ACTOR_KEY = "audit_actor"


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]  # a staff id (no foreign key: the trail outlives rows)
    actor_name: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(16), index=True)  # console / line / cli
    action: Mapped[str] = mapped_column(sa.String(16))  # create / update / delete
    entity: Mapped[str] = mapped_column(sa.String(40), index=True)  # the table
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(300), default="")  # what it was, as people call it
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # field → [before, after]


class AuditUnlock(Base):
    """While it has a row, the triggers let rows of audit_log be deleted (a whole wipe only)."""

    __tablename__ = "audit_unlock"

    id: Mapped[int] = mapped_column(primary_key=True)


@dataclass(frozen=True)
class Actor:
    staff_id: int | None
    name: str
    source: str  # console / line / cli


def act_as(db: Session, actor: Actor) -> None:
    """Every change this session flushes from now on is written to the trail as `actor`'s."""
    if actor.source not in SOURCES:
        raise ValueError(f"unknown source {actor.source!r}")
    db.info[ACTOR_KEY] = actor


def actor_of(db: Session) -> Actor | None:
    found = db.info.get(ACTOR_KEY)
    return found if isinstance(found, Actor) else None


def person(staff: Staff, source: str) -> Actor:
    return Actor(staff.id, staff.name, source)


# -- what is audited ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Audited:
    fields: tuple[str, ...]
    label: Callable[[Any], str]
    hidden: tuple[str, ...] = ()  # changed or not is shown, never the value


AUDITED: dict[type, Audited] = {
    Staff: Audited(("code", "name", "position", "unit", "role", "active", "line_user_id", "invite_code"),
                   lambda s: f"{s.code} {s.name}", hidden=("line_user_id", "invite_code")),
    PledgeDocument: Audited(("title", "active"), lambda d: d.title),
    PledgeVersion: Audited(("version", "body"), lambda v: f"{v.document.title if v.document else ''} ฉบับที่ {v.version}"),
    Plan: Audited(("office", "fiscal_year", "starts_on", "ends_on", "status"), lambda p: f"แผนปี {p.fiscal_year}"),
    Indicator: Audited(("code", "title", "counts", "measure", "target_kind", "target", "responsible"),
                       lambda i: f"ตัวชี้วัด {i.code}"),
    Milestone: Audited(("due", "target", "label"), lambda m: f"หมุดหมาย {m.due}"),
    Activity: Audited(("title", "type", "plan_workshop", "due", "starts_at", "ends_at", "place", "latitude",
                       "longitude", "radius_m", "rotating_qr", "done_at", "done_note", "evidence_url",
                       "responsible", "virtue", "problem", "good", "indicator_code", "budget", "budget_used"),
                      lambda a: a.title),
    CheckIn: Audited(("activity_id", "staff_id", "at", "note"), lambda c: f"เช็คอิน #{c.id}"),
    NominationRound: Audited(("title", "opens_at", "closes_on", "closed_at"), lambda r: r.title),
    Honour: Audited(("kind", "target", "unit", "virtue"), lambda h: f"ยกย่อง {h.unit or h.target}"),
    JobSetting: Audited(("value",), lambda s: s.name),
}


def register(model: type, audited: Audited) -> None:
    """Audit one more model (the files of uploaded evidence, …)."""
    AUDITED[model] = audited


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: dates as ISO text, rows by their label or id."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Base):
        spec = AUDITED.get(type(value))
        return spec.label(value) if spec else str(sa.inspect(value).identity)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _shown(field: str, spec: Audited, value: Any) -> Any:
    if field in spec.hidden:
        return None if value in (None, "") else HIDDEN
    return _plain(value)


def _changes(obj: Any, spec: Audited, action: str) -> dict[str, list[Any]]:
    state = sa.inspect(obj)
    found: dict[str, list[Any]] = {}
    for name in spec.fields:
        history = state.attrs[name].history
        if action == UPDATE and not history.has_changes():
            continue
        before: Any = None
        if action != CREATE:
            unchanged_or_deleted = list(history.unchanged) + list(history.deleted)
            before = unchanged_or_deleted if name == "responsible" else (
                history.deleted[0] if history.deleted else (history.unchanged[0] if history.unchanged else None))
        after: Any = None
        if action != DELETE:
            after = (list(history.unchanged) + list(history.added)) if name == "responsible" else (
                history.added[0] if history.added else (history.unchanged[0] if history.unchanged else None))
        shown = [_shown(name, spec, before), _shown(name, spec, after)]
        if action == UPDATE and shown[0] == shown[1]:
            if name not in spec.hidden or _plain(before) == _plain(after):
                continue
            shown[1] = HIDDEN_NEW  # one hidden value for another: say that it changed
        if action != UPDATE and shown[0] is None and shown[1] is None:
            continue
        found[name] = shown
    return found


@event.listens_for(Session, "after_flush")
def _write_trail(db: Session, flush: UOWTransaction) -> None:
    actor = actor_of(db)
    if actor is None:
        return
    rows = []
    for action, objects in ((CREATE, db.new), (UPDATE, db.dirty), (DELETE, db.deleted)):
        for obj in objects:
            spec = AUDITED.get(type(obj))
            if spec is None:
                continue
            if action == UPDATE and not db.is_modified(obj, include_collections=True):
                continue
            changes = _changes(obj, spec, action)
            if action == UPDATE and not changes:
                continue
            rows.append(_row(actor, action, obj.__tablename__, _identity(obj), _label(spec, obj), changes))
    if rows:
        db.connection().execute(AuditEntry.__table__.insert(), rows)


def _identity(obj: Any) -> str:
    identity = sa.inspect(obj).identity
    return ":".join(str(part) for part in identity) if identity else ""


def _label(spec: Audited, obj: Any) -> str:
    try:
        return spec.label(obj)[:300]
    except Exception:  # a label that needs a relationship the flush has not loaded: the id will do
        return _identity(obj)


def _row(actor: Actor, action: str, entity: str, entity_id: str, label: str,
         changes: dict[str, list[Any]]) -> dict[str, Any]:
    return {"at": utcnow(), "actor_id": actor.staff_id, "actor_name": actor.name[:200], "source": actor.source,
            "action": action, "entity": entity, "entity_id": entity_id[:64], "label": label[:300],
            "changes": json.loads(json.dumps(changes, default=str))}


def record(db: Session, action: str, entity: str, entity_id: object, label: str,
           changes: dict[str, list[Any]]) -> None:
    """An entry for a change made with a plain SQL statement, which the ORM history does not see; a
    no-op in a session with no actor. Does not commit."""
    actor = actor_of(db)
    if actor is None:
        return
    db.execute(AuditEntry.__table__.insert(), [_row(actor, action, entity, str(entity_id), label, changes)])


# -- reading -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """Which entries: every field optional; `since` inclusive, `until` exclusive."""

    source: str = ""
    entity: str = ""
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str = ""  # part of the label or of the actor's name

    def where(self) -> list[Any]:
        found: list[Any] = []
        if self.source:
            found.append(AuditEntry.source == self.source)
        if self.entity:
            found.append(AuditEntry.entity == self.entity)
        if self.actor_id is not None:
            found.append(AuditEntry.actor_id == self.actor_id)
        if self.since is not None:
            found.append(AuditEntry.at >= self.since)
        if self.until is not None:
            found.append(AuditEntry.at < self.until)
        if self.search:
            pattern = "%" + self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            found.append(sa.or_(AuditEntry.label.ilike(pattern, escape="\\"),
                                AuditEntry.actor_name.ilike(pattern, escape="\\")))
        return found


def count(db: Session, query: Query) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*query.where())) or 0


def entries(db: Session, query: Query, offset: int = 0, limit: int = 50) -> list[AuditEntry]:
    """One page of the trail, newest first."""
    return list(db.scalars(sa.select(AuditEntry).where(*query.where())
                           .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit)))


def unlock_for_wipe(db: Session) -> None:
    """Let a wipe of every table delete the trail too (the sandbox's reset, the tests). Does not commit."""
    db.execute(AuditUnlock.__table__.insert().values(id=1))
