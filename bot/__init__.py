"""The application shell: settings, database, LINE client, webhook and CLI.

    flask --app bot run              # development server
    gunicorn "bot:create_app()"      # production (see Procfile)
"""
from __future__ import annotations

import logging

from flask import Flask

from bot.config import INSTANCE_DIR, Settings
from bot.db import Database
from bot.line import LineClient
from bot.router import Router


class Bot:
    """What one process needs to serve events: settings, database, LINE client and router."""

    def __init__(self, settings: Settings):
        from handlers import register_all  # handlers import bot.router; keep this import inside

        self.settings = settings
        self.db = Database(settings)
        self.line = LineClient(settings)
        self.router = register_all(Router())

    def close(self) -> None:
        self.line.close()
        self.db.dispose()


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.config["SETTINGS"] = settings
    if not app.debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.extensions["khunnatham"] = Bot(settings)

    from bot import cli, qrpage, webhook

    app.register_blueprint(webhook.bp)
    app.register_blueprint(qrpage.bp)
    cli.init_app(app)
    if settings.sandbox:
        from bot import sandbox

        sandbox.init_app(app)
    return app
