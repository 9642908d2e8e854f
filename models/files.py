"""Files people uploaded (evidence of an activity carried out: photos, minutes, reports). The bytes
live on disk under a random name (bot/uploads.py); a row says what they are and who may see them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from models import audit
from models.base import Base
from models.staff import Staff

EVIDENCE = "evidence"
CHECKIN_PHOTO = "checkin_photo"  # a photo a participant sent in LINE while the activity's check-in was open


class StoredFile(Base):
    __tablename__ = "files"

    id: Mapped[int] = mapped_column(primary_key=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)  # random; the file on disk
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))  # sniffed from the content, not the name
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    purpose: Mapped[str] = mapped_column(sa.String(40), default=EVIDENCE)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id", ondelete="SET NULL"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    uploaded_at: Mapped[datetime]


def add(db: Session, stored_name: str, original_name: str, content_type: str, size: int, sha256: str,
        uploaded_by: int | None, at: datetime, activity_id: int | None = None,
        purpose: str = EVIDENCE) -> StoredFile:
    """Does not commit."""
    row = StoredFile(stored_name=stored_name, original_name=original_name[:255], content_type=content_type,
                     size=size, sha256=sha256, purpose=purpose, activity_id=activity_id,
                     uploaded_by_id=uploaded_by, uploaded_at=at)
    db.add(row)
    db.flush()
    return row


def of_activity(db: Session, activity_id: int) -> list[StoredFile]:
    return list(db.scalars(sa.select(StoredFile).where(StoredFile.activity_id == activity_id)
                           .order_by(StoredFile.uploaded_at, StoredFile.id)))


def get(db: Session, file_id: int) -> StoredFile | None:
    return db.get(StoredFile, file_id)


# Every file added or removed is in the audit trail (who, when, which file of which activity).
audit.register(StoredFile, audit.Audited(("original_name", "content_type", "size", "activity_id"),
                                         lambda f: f"ไฟล์ {f.original_name}"))


def _with_uploader(db: Session, *where: sa.ColumnElement[bool]) -> list[tuple[StoredFile, Staff | None]]:
    uploader = aliased(Staff)
    return list(db.execute(sa.select(StoredFile, uploader).outerjoin(uploader, uploader.id == StoredFile.uploaded_by_id)
                           .where(*where).order_by(StoredFile.uploaded_at, StoredFile.id)).tuples())


def of_activity_with_uploader(db: Session, activity_id: int) -> list[tuple[StoredFile, Staff | None]]:
    """An activity's files, oldest first, each with who uploaded it (one statement)."""
    return _with_uploader(db, StoredFile.activity_id == activity_id)


def photos_of(db: Session, activity_id: int) -> list[tuple[StoredFile, Staff | None]]:
    """The photos participants sent of an activity during its check-in, oldest first, each with its sender."""
    return _with_uploader(db, StoredFile.activity_id == activity_id, StoredFile.purpose == CHECKIN_PHOTO)


def same_photo(db: Session, activity_id: int, uploaded_by: int, sha256: str) -> StoredFile | None:
    """The photo with these bytes this person already sent of this activity (a resend or a redelivery)."""
    return db.scalar(sa.select(StoredFile).where(
        StoredFile.activity_id == activity_id, StoredFile.uploaded_by_id == uploaded_by,
        StoredFile.sha256 == sha256, StoredFile.purpose == CHECKIN_PHOTO).limit(1))


def remove(db: Session, row: StoredFile) -> str:
    """Forget a file; its stored name, for the caller to delete the bytes after the commit."""
    name = row.stored_name
    db.delete(row)
    db.flush()
    return name
