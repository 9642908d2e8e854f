"""Links that open LINE with something ready to send, and QR codes of them.

Announcements go out as links and QR codes rather than pushes (a push costs quota; a person tapping
a link costs nothing): `https://line.me/R/oaMessage/<basic id>/?<text>` opens the chat with the
office's account with the text typed, `https://line.me/R/share?text=<text>` lets the person pick a
chat or group to send the text to.
"""
from __future__ import annotations

import functools
import io
from urllib.parse import quote

import qrcode
from qrcode.image.pil import PilImage

from bot import words

OA_MESSAGE = "https://line.me/R/oaMessage/{basic_id}/?{text}"
SHARE = "https://line.me/R/share?text="
CONSOLE_LOGIN = "/console/login/"  # the console's sign-in route (bot/console/auth.py) takes the token after it


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


@functools.lru_cache(maxsize=2048)  # ~1 KB each; making one takes ~10 ms (the mask search)
def qr_png(data: str) -> bytes:
    """A QR code of `data` as PNG bytes."""
    image = qrcode.make(data, box_size=10, border=2, image_factory=PilImage)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
