"""What one web process holds (part of the shell): settings, database, LINE client and router, the
thread that makes documents asked for in the background, and in the sandbox the fake LINE platform;
kept on the Flask app as `app.extensions["khunnatham"]`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from bot.builder import Builder
from bot.config import Settings
from bot.db import Database
from bot.line import LineClient
from bot.router import Router
from handlers import register_all

if TYPE_CHECKING:
    from bot.fakeline import FakeLine

EXTENSION = "khunnatham"


class Bot:
    """What one process needs to serve events: settings, database, LINE client and router."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.db = Database(settings)
        self.line = LineClient(settings)
        self.router = register_all(Router())
        self.sandbox: FakeLine | None = None  # the fake LINE platform, in the sandbox only
        self.builder = Builder(settings, self.db, self.line)  # documents made outside the request (the evidence pack)

    def close(self) -> None:
        self.builder.close()
        self.line.close()
        self.db.dispose()


def current_bot() -> Bot:
    """The Bot of the app handling this request or command."""
    bot: Bot = current_app.extensions[EXTENSION]
    return bot
