"""Helpers the tests share (fixtures stay in conftest.py files)."""
from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlparse

from tests.conftest import LineActions, actions_in

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_HX_CSRF = re.compile(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'')


def uris_in(messages: list[dict]) -> list[str]:
    """Every URI action in these messages (buttons, chips), in order."""
    return actions_in(messages, "uri", "uri")


class Console:
    """A browser on the coordinator's console: signs in the way a coordinator does (sends เว็บ in LINE,
    opens the link in the reply), keeps its cookies, and sends forms with their CSRF token."""

    def __init__(self, app, line: LineActions):
        self.client = app.test_client()
        self.line = line
        self.csrf = ""

    def link(self, user_id: str, at=None) -> str:
        """The sign-in link path the bot replies to เว็บ with."""
        replies = self.line.say(user_id, "เว็บ", at=at)
        (uri,) = [u for u in uris_in(replies) if "/console/login/" in u]
        return urlparse(uri).path

    def sign_in(self, user_id: str) -> Console:
        response = self.client.get(self.link(user_id))
        assert response.status_code == 302, response.data
        self.get("/console/")
        return self

    def get(self, path: str, **kwargs: Any):
        response = self.client.get(path, **kwargs)
        self._remember(response)
        return response

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs: Any):
        data = dict(data or {})
        if csrf:
            if not self.csrf:
                self.get("/console/")
            data.setdefault("csrf_token", self.csrf)
        response = self.client.post(path, data=data, **kwargs)
        self._remember(response)
        return response

    def _remember(self, response) -> None:
        if response.mimetype == "text/html":
            text = response.get_data(as_text=True)
            found = _CSRF.search(text) or _HX_CSRF.search(text)
            if found:
                self.csrf = unescape(found.group(1))


def text_of_page(response) -> str:
    """The visible text of an HTML page, roughly (tags dropped, spaces folded)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
