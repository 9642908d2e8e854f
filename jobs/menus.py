"""rich-menus: each coordinator and executive sees the coordinators' rich menu, everyone else the
staff menu (the default), whatever happened since: a coordinator registered, a role changed, a
person retired or their LINE link was reset, the menus were deployed again.

One statement finds the difference (models.menus.changes); LINE is called only for the accounts
that differ, one link or unlink each (coordinators are few; bulk calls would report no per-user
result). A call that fails is left for the next run, every few minutes. Link calls cost no quota.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.line import LineClient, LineError
from jobs import common
from models import jobrun, menus

NAME = "rich-menus"
EVERY = "*/5 * * * *"
log = logging.getLogger("jobs.menus")


@dataclass(frozen=True)
class Report:
    linked: int = 0
    unlinked: int = 0
    failed: int = 0
    deployed: bool = True  # False: the coordinators' menu is not on LINE yet (`richmenu deploy`)

    @property
    def changed(self) -> int:
        return self.linked + self.unlinked


def period(now: datetime) -> str:
    return common.day_of(now)


def sync(db: Session, line: LineClient, now: datetime) -> Report:
    """Tell LINE what differs; commits what LINE accepted, one account at a time."""
    menu_id = menus.deployed(db).get(menus.COORDINATOR)
    if menu_id is None:
        return Report(deployed=False)
    todo = menus.changes(db, menu_id)
    db.commit()  # hold no transaction while LINE is asked
    linked = unlinked = failed = 0
    for user in todo.link:
        try:
            line.link_rich_menu(user, menu_id)
        except LineError as exc:
            failed += 1
            log.warning("could not link the coordinators' menu to %s: %s", user, exc)
            continue
        menus.linked(db, user, menu_id, now)
        db.commit()
        linked += 1
    for user in todo.unlink:
        try:
            line.unlink_rich_menu(user)
        except LineError as exc:
            failed += 1
            log.warning("could not unlink the coordinators' menu from %s: %s", user, exc)
            continue
        menus.unlinked(db, user)
        db.commit()
        unlinked += 1
    return Report(linked, unlinked, failed)


def detail(report: Report) -> str:
    """What a run did, in Thai (the console's notifications page shows it)."""
    text = (f"ให้เมนูผู้ประสานงานแก่ {report.linked} บัญชี"
            f" คืนเมนูบุคลากรแก่ {report.unlinked} บัญชี")
    if report.failed:
        text += f" ทำไม่สำเร็จ {report.failed} บัญชี (จะลองอีกครั้งในรอบถัดไป)"
    return text


def run(now: datetime, db: Session, line: LineClient) -> int:
    """The clock's job: sync, and remember the day's last run when it did something. Returns the
    number of accounts whose menu changed."""
    now = common.local(now, common.settings_of(line))
    report = sync(db, line, now)
    if not report.deployed:
        log.info("rich menus: the coordinators' menu is not deployed (flask --app bot richmenu deploy)")
    elif report.changed or report.failed:
        jobrun.record_run(db, NAME, period(now), now, "done" if not report.failed else "held",
                          planned=report.changed + report.failed, sent=report.changed, held=report.failed,
                          detail=detail(report))
        db.commit()
        log.info("rich menus: linked %d, unlinked %d, failed %d", report.linked, report.unlinked, report.failed)
    return report.changed
