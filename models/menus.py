"""Which rich menu each LINE account should see, and which one LINE has been told.

Staff see the default menu (set once for the whole channel). Coordinators and executives on the
roster get their own menu linked to their LINE account (LINE's per-user rich menus): `RichMenu`
keeps the id of each deployed menu, `MenuLink` each account a menu was linked to. `changes` compares
who should have which menu with what was linked, in one statement whatever the number of staff;
jobs/menus.py tells LINE the difference and records it here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, dialect_insert
from models.staff import Role, Staff

STAFF, COORDINATOR = "staff", "coordinator"  # the menus (bot/richmenu.py MENUS)
OWN_MENU_ROLES = (Role.COORDINATOR.value, Role.EXECUTIVE.value)


class RichMenu(Base):
    """A deployed menu: its kind and LINE's id for it (the latest `richmenu deploy`)."""

    __tablename__ = "rich_menus"

    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    rich_menu_id: Mapped[str] = mapped_column(sa.String(64))
    deployed_at: Mapped[datetime]


class MenuLink(Base):
    """A LINE account that LINE was told to show a menu of its own."""

    __tablename__ = "rich_menu_links"

    line_user_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    rich_menu_id: Mapped[str] = mapped_column(sa.String(64))
    linked_at: Mapped[datetime]


def deployed(db: Session) -> dict[str, str]:
    """kind → LINE's rich menu id, for every deployed menu."""
    return {kind: menu_id for kind, menu_id in db.execute(sa.select(RichMenu.kind, RichMenu.rich_menu_id))}


def set_deployed(db: Session, kind: str, rich_menu_id: str, now: datetime) -> None:
    """Does not commit."""
    values = {"rich_menu_id": rich_menu_id, "deployed_at": now}
    db.execute(dialect_insert(db, RichMenu.__table__).values(kind=kind, **values)
               .on_conflict_do_update(index_elements=["kind"], set_=values))


@dataclass(frozen=True)
class Changes:
    link: list[str]    # LINE accounts to link to the coordinators' menu (new, or linked to an old one)
    unlink: list[str]  # accounts linked before that should see the staff menu now

    def __bool__(self) -> bool:
        return bool(self.link or self.unlink)


def changes(db: Session, rich_menu_id: str) -> Changes:
    """What LINE must be told so that exactly the active coordinators and executives with a LINE
    account see the menu `rich_menu_id`, and everyone else the default."""
    wanted = (sa.select(Staff.line_user_id.label("user"))
              .where(Staff.active, Staff.role.in_(OWN_MENU_ROLES), Staff.line_user_id.is_not(None)).subquery())
    link = db.scalars(sa.select(wanted.c.user).outerjoin(MenuLink, MenuLink.line_user_id == wanted.c.user)
                      .where(sa.or_(MenuLink.line_user_id.is_(None), MenuLink.rich_menu_id != rich_menu_id))
                      .order_by(wanted.c.user))
    unlink = db.scalars(sa.select(MenuLink.line_user_id).where(MenuLink.line_user_id.not_in(sa.select(wanted.c.user)))
                        .order_by(MenuLink.line_user_id))
    return Changes(list(link), list(unlink))


def linked(db: Session, line_user_id: str, rich_menu_id: str, now: datetime) -> None:
    """LINE linked the account to the menu. Does not commit."""
    values = {"rich_menu_id": rich_menu_id, "linked_at": now}
    db.execute(dialect_insert(db, MenuLink.__table__).values(line_user_id=line_user_id, **values)
               .on_conflict_do_update(index_elements=["line_user_id"], set_=values))


def unlinked(db: Session, line_user_id: str) -> None:
    """LINE unlinked the account (it sees the default menu). Does not commit."""
    db.execute(sa.delete(MenuLink).where(MenuLink.line_user_id == line_user_id))


def linked_count(db: Session) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(MenuLink)) or 0
