"""documents: make the documents coordinators asked for outside the request (models/docbuild.py).

A 10,000-person office's evidence pack takes one to two minutes to lay out (bench/README.md), too
long for a request. A coordinator's ask leaves a waiting row; the web process that took the ask
starts making it at once in its builder thread (bot/builder.py), and this job, every minute in the
clock, makes whatever is still waiting (the web process was restarted before it began) and removes
files past their day. One row is made by one process (models.docbuild.claim).

The file goes into DOCUMENTS_DIR under a random name, written beside it first and renamed when
whole, so a download never meets half a file. Asked in LINE, the person gets a push through the
outbox (once, whatever the retries) with a signed download link, or a word that it failed; asked in
the console, the reports page shows it.

The pack is read in a read-only session: laying it out holds no SQLite write lock, so the webhook
goes on answering meanwhile.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bot import links, thai
from bot import messages as ui
from bot.config import Settings
from bot.db import reading_beside
from bot.documents import reports
from bot.line import LineClient
from jobs import common, delivery
from models import docbuild, outbox
from models.docbuild import DocumentBuild
from models.plan import Plan
from models.staff import Staff

NAME = "documents"
EVERY = "*/1 * * * *"  # what a restarted web process left waiting, or all of it with DOCUMENTS_IN_WEB=0
KEPT = timedelta(seconds=links.DOWNLOAD_LIFETIME)  # a made file is offered for a day
TITLES = {"pack": "ชุดหลักฐาน"}  # what LINE's messages call a kind made in the background
FAILED = "จัดทำไม่สำเร็จเพราะระบบขัดข้อง กรุณาลองอีกครั้ง ถ้ายังไม่สำเร็จกรุณาแจ้งผู้ดูแลระบบ"
log = logging.getLogger("jobs.documents")


def period(now: datetime) -> str:
    return common.day_of(now)


def title_of(kind: str) -> str:
    return TITLES.get(kind, reports.FILE_NAMES.get(kind, kind).rsplit(".", 1)[0])


def path_of(settings: Settings, build: DocumentBuild) -> Path | None:
    """The made file on disk, or None (not ready, expired, or removed)."""
    if build.state != docbuild.READY or not build.stored_name:
        return None
    path = settings.documents_dir / build.stored_name
    return path if path.is_file() else None


def make_one(db: Session, settings: Settings, build: DocumentBuild, now: datetime) -> DocumentBuild | None:
    """Make a claimed row's file (`now`: when it was claimed); the row as it ends (ready or failed). Commits."""
    started = time.monotonic()
    folder = settings.documents_dir
    stored = secrets.token_hex(16) + Path(reports.FILE_NAMES[build.kind]).suffix
    partial = folder / f"{stored}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with reading_beside(db) as reader:
            plan = reader.get(Plan, build.plan_id)
            if plan is None:
                raise LookupError(f"plan {build.plan_id} is gone")
            at = build.at.astimezone(settings.tz)
            office = reports.Office.of(settings, reader, plan, at, thai_digits=build.thai_digits)
            reports.write(build.kind, reader, plan, at, office, partial, names=build.names)
        digest, size = hashlib.sha256(), 0
        with partial.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
                size += len(block)
        os.replace(partial, folder / stored)
    except Exception:
        log.exception("documents: making %s (build %d) failed", build.kind, build.id)
        with contextlib.suppress(OSError):  # DOCUMENTS_DIR itself may be what failed
            partial.unlink(missing_ok=True)
        ended = docbuild.fail(db, build, FAILED, now + timedelta(seconds=time.monotonic() - started))
        db.commit()
        return ended
    ended = docbuild.finish(db, build, stored, size, digest.hexdigest(),
                            now + timedelta(seconds=time.monotonic() - started))
    db.commit()
    if ended is None:  # no longer ours (taken up again after STALE): the latest claim's file counts
        (folder / stored).unlink(missing_ok=True)
    log.info("documents: %s (build %d) made in %.1f s, %d bytes", build.kind, build.id,
             time.monotonic() - started, size)
    return ended


def message(settings: Settings, build: DocumentBuild, person: Staff) -> dict:
    """What the person who asked in LINE is sent once it is made (or failed)."""
    local = build.at.astimezone(settings.tz)
    title = title_of(build.kind)
    if build.state != docbuild.READY:
        return ui.text(f"ขออภัยค่ะ จัดทำ{title} (ข้อมูล ณ {thai.thai_datetime(local)}) ไม่สำเร็จ "
                       f"กรุณาพิมพ์ \"รายงาน\" เพื่อลองอีกครั้ง ถ้ายังไม่สำเร็จกรุณาแจ้งผู้ดูแลระบบ").to_dict()
    hours = links.DOWNLOAD_LIFETIME // 3600
    link = links.made(settings.public_base_url, settings.signing_key, build.id, person.id)
    body = [
        ui.label(f"ข้อมูล ณ {thai.thai_datetime(local)}", size="sm", color=ui.INK),
        ui.label(f"ขนาด {thai.file_size(build.size or 0)}", size="sm", color=ui.INK),
        ui.label(f"ลิงก์ใช้ได้ {hours} ชั่วโมง สำหรับท่านเท่านั้น กรุณาอย่าส่งต่อข้อความนี้", size="xs",
                 color=ui.GREY, margin="md"),
    ]
    footer = [ui.button(ui.uri_action(f"ดาวน์โหลด{title}", link))]
    return ui.flex(f"{title}พร้อมดาวน์โหลดแล้วค่ะ (ลิงก์ใช้ได้ {hours} ชั่วโมง)",
                   ui.bubble(f"{title}พร้อมแล้ว", body, footer=footer, subtitle=settings.office_name)).to_dict()


def _claim_message(db: Session, settings: Settings, build: DocumentBuild, now: datetime) -> int:
    """The push to the person who asked in LINE, claimed once per row. Does not commit."""
    if build.via != docbuild.LINE or build.requested_by_id is None or not settings.signing_key:
        return 0
    person = db.get(Staff, build.requested_by_id)
    if person is None or not person.active or not person.is_coordinator or person.line_user_id is None:
        return 0
    draft = outbox.Draft(person.line_user_id, [message(settings, build, person)], staff_id=person.id)
    return outbox.claim(db, NAME, f"build-{build.id}", [draft], now, expires_at=now + KEPT)


def make(db: Session, line: LineClient, now: datetime) -> tuple[list[DocumentBuild], int]:
    """Make every waiting row, one after another, telling each LINE asker; (the rows made, the
    messages delivered). Commits."""
    settings = common.settings_of(line)
    began = time.monotonic()

    def moment() -> datetime:  # `now`, moved on by the time the builds before took
        return now + timedelta(seconds=time.monotonic() - began)

    def tell() -> int:  # each asker as soon as their pack is made, not after the ones queued behind it
        budget, _ = common.read_budget(line, settings)
        return delivery.deliver(db, line, moment(), job=NAME, budget=budget.for_coordinators).sent

    made: list[DocumentBuild] = []
    sent = 0
    while (build := docbuild.claim(db, moment())) is not None:
        ended = make_one(db, settings, build, moment())
        if ended is None:
            continue
        made.append(ended)
        claimed = _claim_message(db, settings, ended, moment())
        db.commit()
        if claimed:
            sent += tell()
    if outbox.pending_count(db, NAME, now):  # what LINE did not take before (an outage)
        sent += tell()
    db.commit()
    return made, sent


def forget(db: Session, settings: Settings, now: datetime) -> int:
    """Remove the files past their day. How many. Commits."""
    names = docbuild.expire(db, now - KEPT)
    db.commit()
    for name in names:
        with contextlib.suppress(OSError):
            (settings.documents_dir / name).unlink(missing_ok=True)
    return len(names)


def run(now: datetime, db: Session, line: LineClient) -> int:
    """The clock's job: make what waits, remove what is past its day. Messages delivered."""
    settings = common.settings_of(line)
    now = common.local(now, settings)
    _, sent = make(db, line, now)
    forget(db, settings, now)
    return sent
