"""Links that open LINE with something ready to send, and QR codes of them.

Announcements go out as links and QR codes rather than pushes (a push costs quota; a person tapping
a link costs nothing): `https://line.me/R/oaMessage/<basic id>/?<text>` opens the chat with the
office's account with the text typed, `https://line.me/R/share?text=<text>` lets the person pick a
chat or group to send the text to.

Once percent-encoded these links are long (a Thai letter takes nine characters), so a message never
shows one as text: it goes on a button (`messages.link_button`), which shows a short Thai label.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import io
from typing import Any
from urllib.parse import quote

import qrcode
from itsdangerous import BadData, URLSafeTimedSerializer
from qrcode.image.pil import PilImage

from bot import words

OA_MESSAGE = "https://line.me/R/oaMessage/{basic_id}/?{text}"
SHARE = "https://line.me/R/share?text="
CONSOLE_LOGIN = "/console/login/"  # the console's sign-in route (bot/console/auth.py) takes the token after it
DOWNLOAD = "/download/"  # a signed, expiring link to a document (bot/downloads.py)
CERTIFICATE = "/verify/"  # what a certificate's QR opens: the check of that honour (bot/downloads.py)
DOWNLOAD_LIFETIME = 24 * 60 * 60  # seconds a download link sent in LINE works


def oa_message(basic_id: str, *parts: str, readable: bool = False) -> str:
    """Opens the chat with the office's account with `parts` typed, joined by spaces. `readable`
    leaves Thai letters as they are (the invite list is a CSV people read; LINE and browsers accept
    both forms); otherwise every part is percent-encoded."""
    text = "%20".join(part if readable else quote(part) for part in parts)
    return OA_MESSAGE.format(basic_id=basic_id, text=text)


def invite(basic_id: str, invite_code: str) -> str:
    """A person's registration link: the chat opens with `ลงทะเบียน <code>` typed."""
    return oa_message(basic_id, words.REGISTER, invite_code, readable=True)


def check_in(basic_id: str, code: str) -> str:
    """An activity's check-in link (its QR code holds it): `เช็คอิน <code>` typed."""
    return oa_message(basic_id, words.CHECK_IN, code)


def nominate(basic_id: str) -> str:
    """The link that invites everyone to nominate: `เสนอชื่อ` typed."""
    return oa_message(basic_id, words.NOMINATE)


def share(text: str) -> str:
    return SHARE + quote(text, safe="")


def console_login(public_base_url: str, token: str) -> str:
    """The one-time link into the console that `เว็บ` replies with."""
    return f"{public_base_url}{CONSOLE_LOGIN}{token}"


def _signer(key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=f"khunnatham {purpose}")


def download(public_base_url: str, key: str, kind: str, at: str, staff_id: int) -> str:
    """A link that downloads one document (reports.KINDS) as of `at` (ISO-8601) for 24 hours, for
    the person it was made for; signed with the office's key, so it cannot be changed or made up."""
    token = _signer(key, "download").dumps({"kind": kind, "at": at, "by": staff_id})
    return f"{public_base_url}{DOWNLOAD}{token}"


def made(public_base_url: str, key: str, build_id: int, staff_id: int) -> str:
    """A link that downloads a document made in the background (models/docbuild.py) for 24 hours,
    for the person it was made for (the file itself is kept a day after it was made)."""
    token = _signer(key, "download").dumps({"build": build_id, "by": staff_id})
    return f"{public_base_url}{DOWNLOAD}{token}"


def read_download(key: str, token: str, max_age: int = DOWNLOAD_LIFETIME) -> dict[str, Any] | None:
    """What a download link asks for; None when it is forged, changed or expired."""
    try:
        found = _signer(key, "download").loads(token, max_age=max_age)
    except BadData:
        return None
    return found if isinstance(found, dict) else None


def certificate_check(public_base_url: str, key: str, honour_id: int) -> str:
    """The link in a certificate's QR: opens the page that says whom the office honoured, checked
    against the database. The signature stops anyone counting through honour numbers."""
    return f"{public_base_url}{CERTIFICATE}{honour_id}/{certificate_signature(key, honour_id)}"


def certificate_signature(key: str, honour_id: int) -> str:
    return hmac.new(key.encode(), f"certificate {honour_id}".encode(), hashlib.sha256).hexdigest()[:20]


@functools.lru_cache(maxsize=2048)  # ~1 KB each; making one takes ~10 ms (the mask search)
def qr_png(data: str) -> bytes:
    """A QR code of `data` as PNG bytes."""
    image = qrcode.make(data, box_size=10, border=2, image_factory=PilImage)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
