"""Uploaded files on disk: at most MAX_BYTES, their type read from their first bytes (never from the
name a browser sends), kept outside every static folder under random names.

    saved = uploads.save(settings.uploads_dir, data, allowed=uploads.EVIDENCE_TYPES)
    path = uploads.path_of(settings.uploads_dir, saved.stored_name)

The web layer serves them only to signed-in coordinators and executives (bot/console/).
"""
from __future__ import annotations

import hashlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/heic")
DOCUMENT_TYPES = ("application/pdf",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation")
EVIDENCE_TYPES = IMAGE_TYPES + DOCUMENT_TYPES
ROSTER_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/plain")
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
              "image/heic": ".heic", "application/pdf": ".pdf", "text/plain": ".txt",
              DOCUMENT_TYPES[1]: ".docx", DOCUMENT_TYPES[2]: ".xlsx", DOCUMENT_TYPES[3]: ".pptx"}
_OFFICE = {"word/": DOCUMENT_TYPES[1], "xl/": DOCUMENT_TYPES[2], "ppt/": DOCUMENT_TYPES[3]}


class UploadError(ValueError):
    """A file that is not taken: `reason` is "empty", "too_big" or "type"."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def sniff(data: bytes) -> str | None:
    """The content type of these bytes, from their signature; None when it is none we take."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office(data)
    return "text/plain" if _is_text(data) else None


def _office(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, kind in _OFFICE.items():
        if any(name.startswith(prefix) for name in names):
            return kind
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    for encoding in ("utf-8-sig", "cp874"):  # as Thai Excel saves CSV
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


@dataclass(frozen=True)
class Saved:
    stored_name: str
    content_type: str
    size: int
    sha256: str


def check(data: bytes, allowed: tuple[str, ...]) -> str:
    """The content type of an upload we take, or UploadError."""
    if not data:
        raise UploadError("empty")
    if len(data) > MAX_BYTES:
        raise UploadError("too_big", f"{len(data):,} bytes; at most {MAX_BYTES:,}")
    kind = sniff(data)
    if kind is None or kind not in allowed:
        raise UploadError("type", kind or "unknown")
    return kind


def save(directory: Path, data: bytes, allowed: tuple[str, ...] = EVIDENCE_TYPES) -> Saved:
    """Check the bytes and write them under a new random name in `directory`."""
    kind = check(data, allowed)
    directory.mkdir(parents=True, exist_ok=True)
    name = secrets.token_urlsafe(24)
    (directory / name).write_bytes(data)
    return Saved(name, kind, len(data), hashlib.sha256(data).hexdigest())


def path_of(directory: Path, stored_name: str) -> Path | None:
    """The file of a stored name; None for a name that is not one of ours (or is gone)."""
    if not _NAME.match(stored_name):
        return None
    path = directory / stored_name
    return path if path.is_file() else None


def remove(directory: Path, stored_name: str) -> None:
    path = path_of(directory, stored_name)
    if path is not None:
        path.unlink(missing_ok=True)
