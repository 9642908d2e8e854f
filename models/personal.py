"""The right of access (PDPA): everything the bot keeps about one person, as plain JSON-ready values
(`flask --app bot roster export-person CODE`).

Each kept row is given whole (every column), with what it refers to named beside it (the pledge
document, the activity, the round): the roster row; acknowledgments; proposals and comments on the
plan; check-ins; nominations they made, and nominations of them (without who made them: that is
the nominator's own data, which the office keeps private); honours; activities they are
responsible for; evidence they recorded and files they uploaded; the audit trail's entries about
them and those they made; and what is kept under their LINE account: webhook events, conversations,
failed registrations, pushes to them, menu links, console sign-ins (never a token's hash), and any
other table keyed by the account. Nothing here writes.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from models import conversation
from models.activity import Activity, ActivityResponsible, CheckIn
from models.audit import AuditEntry
from models.console import ConsoleLink, ConsoleSession
from models.evidence import Evidence
from models.files import StoredFile
from models.menus import MenuLink
from models.nomination import Honour, Nomination, NominationRound
from models.outbox import OutboxMessage
from models.plan import Plan
from models.pledge import PledgeAck, PledgeDocument, PledgeVersion
from models.proposal import PlanComment, Proposal
from models.retention import ACCOUNT_COLUMN, KEPT_TABLES
from models.staff import RegistrationFailure, Staff
from models.webhook_event import WebhookEvent

SECRET_COLUMNS = ("token_hash",)  # never shown: a sign-in link's or session's key
EXPLICIT_ACCOUNT_TABLES = ("webhook_events", "conversations", "registration_failures", "rich_menu_links")


def plain(value: Any) -> Any:
    """A value as JSON keeps it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def row(obj: Any, **beside: Any) -> dict[str, Any]:
    """Every column of a model's row (but secrets), and what `beside` adds."""
    found = {c.key: plain(getattr(obj, c.key)) for c in sa.inspect(type(obj)).column_attrs
             if c.key not in SECRET_COLUMNS}
    found.update({k: plain(v) for k, v in beside.items()})
    return found


def export(db: Session, person: Staff) -> dict[str, Any]:
    """Everything kept about `person`."""
    me = person.id
    line_id = person.line_user_id
    accounts = [line_id, line_id + conversation.ASIDE] if line_id else []
    rounds = {r.id: r.title for r in db.scalars(sa.select(NominationRound))}
    plans: dict[int | None, int] = {p.id: p.fiscal_year for p in db.scalars(sa.select(Plan))}

    acks = [row(ack, document=title, version=version) for ack, title, version in db.execute(
        sa.select(PledgeAck, PledgeDocument.title, PledgeVersion.version)
        .join(PledgeVersion, PledgeVersion.id == PledgeAck.version_id)
        .join(PledgeDocument, PledgeDocument.id == PledgeVersion.document_id)
        .where(PledgeAck.staff_id == me).order_by(PledgeAck.acknowledged_at, PledgeAck.id))]
    checkins = list(db.execute(sa.select(CheckIn, Activity.title, Activity.code)
                               .join(Activity, Activity.id == CheckIn.activity_id)
                               .where(CheckIn.staff_id == me).order_by(CheckIn.at, CheckIn.id)))
    nominee = aliased(Staff)
    made = [row(n, round=rounds.get(n.round_id), nominee=name if n.kind == "person" else n.unit)
            for n, name in db.execute(sa.select(Nomination, nominee.name)
                                      .outerjoin(nominee, nominee.id == Nomination.nominee_id)
                                      .where(Nomination.nominator_id == me).order_by(Nomination.created_at))]
    of_me = [{k: v for k, v in row(n, round=rounds.get(n.round_id)).items() if k != "nominator_id"}
             for n in db.scalars(sa.select(Nomination).where(Nomination.nominee_id == me)
                                 .order_by(Nomination.created_at))]
    about_me = sa.or_(sa.and_(AuditEntry.entity == Staff.__tablename__, AuditEntry.entity_id == str(me)),
                      AuditEntry.actor_id == me)
    checkin_ids = [str(c.id) for c, _, _ in checkins]
    if checkin_ids:
        about_me = sa.or_(about_me, sa.and_(AuditEntry.entity == CheckIn.__tablename__,
                                            AuditEntry.entity_id.in_(checkin_ids)))
    mine = OutboxMessage.staff_id == me
    if line_id:
        mine = sa.or_(mine, OutboxMessage.recipient == line_id)

    def rows(model: Any, where: Any, *order: Any) -> list[dict[str, Any]]:
        return [row(obj) for obj in db.scalars(sa.select(model).where(where).order_by(*order))]

    return {
        "person": row(person),
        "pledge_acknowledgments": acks,
        "proposals": [row(p, fiscal_year=plans.get(p.plan_id)) for p in db.scalars(
            sa.select(Proposal).where(Proposal.staff_id == me).order_by(Proposal.created_at, Proposal.id))],
        "plan_comments": [row(c, fiscal_year=plans.get(c.plan_id)) for c in db.scalars(
            sa.select(PlanComment).where(PlanComment.staff_id == me).order_by(PlanComment.created_at))],
        "checkins": [row(c, activity=title, activity_code=code) for c, title, code in checkins],
        "nominations_made": made,
        "nominations_of_them": of_me,
        "honours": [row(h, round=rounds.get(h.round_id)) for h in db.scalars(
            sa.select(Honour).where(Honour.nominee_id == me).order_by(Honour.honoured_at))],
        "responsible_for": [{"activity_id": a.id, "activity": a.title, "code": a.code} for a in db.scalars(
            sa.select(Activity).join(ActivityResponsible, ActivityResponsible.activity_id == Activity.id)
            .where(ActivityResponsible.staff_id == me).order_by(Activity.id))],
        "evidence_recorded": rows(Evidence, sa.or_(Evidence.recorded_by_id == me, Evidence.removed_by_id == me),
                                  Evidence.recorded_at, Evidence.id),
        "files_uploaded": rows(StoredFile, StoredFile.uploaded_by_id == me, StoredFile.uploaded_at, StoredFile.id),
        "audit_trail": rows(AuditEntry, about_me, AuditEntry.at, AuditEntry.id),
        "console_sign_in_links": rows(ConsoleLink, ConsoleLink.staff_id == me, ConsoleLink.created_at),
        "console_sessions": rows(ConsoleSession, ConsoleSession.staff_id == me, ConsoleSession.created_at),
        "messages_sent_to_them": rows(OutboxMessage, mine, OutboxMessage.created_at, OutboxMessage.id),
        "line_account": {
            "webhook_events": rows(WebhookEvent, WebhookEvent.line_user_id.in_(accounts), WebhookEvent.occurred_at,
                                   WebhookEvent.id),
            "conversations": rows(conversation.Conversation, conversation.Conversation.line_user_id.in_(accounts),
                                  conversation.Conversation.line_user_id),
            "registration_failures": rows(RegistrationFailure, RegistrationFailure.line_user_id.in_(accounts),
                                          RegistrationFailure.at),
            "rich_menu_links": rows(MenuLink, MenuLink.line_user_id.in_(accounts), MenuLink.line_user_id),
            **_other_account_rows(db, accounts),
        },
    }


def _other_account_rows(db: Session, accounts: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows of any other table keyed by the LINE account (read from the database: a later table too)."""
    found: dict[str, list[dict[str, Any]]] = {}
    if not accounts:
        return found
    connection = db.connection()
    inspector = sa.inspect(connection)
    for name in inspector.get_table_names():
        if name in KEPT_TABLES or name in EXPLICIT_ACCOUNT_TABLES:
            continue
        columns = [c["name"] for c in inspector.get_columns(name)]
        if ACCOUNT_COLUMN not in columns:
            continue
        table = sa.table(name, *(sa.column(c) for c in columns))
        found[name] = [{k: plain(v) for k, v in r._mapping.items() if k not in SECRET_COLUMNS}
                       for r in connection.execute(sa.select(table).where(table.c[ACCOUNT_COLUMN].in_(accounts)))]
    return found
