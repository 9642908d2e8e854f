"""The application factory.

    flask --app bot run              # development server
    gunicorn "bot:create_app()"      # production (see Procfile)
"""
from __future__ import annotations

from flask import Flask

from bot import cli, console, downloads, health, observability, qrpage, sandbox, webhook
from bot.config import INSTANCE_DIR, Settings
from bot.services import EXTENSION, Bot


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask("bot", instance_path=str(INSTANCE_DIR))
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.config["SETTINGS"] = settings
    if not app.debug:
        observability.configure_logging(settings.log_format)  # unless the process has a root handler
    observability.init_sentry(settings.sentry_dsn, flask=True)  # only when SENTRY_DSN is set
    app.extensions[EXTENSION] = Bot(settings)
    health.init_app(app)  # first: its hooks time and log every request
    app.register_blueprint(webhook.bp)
    app.register_blueprint(qrpage.bp)
    app.register_blueprint(downloads.bp)
    console.init_app(app)
    cli.init_app(app)
    if settings.sandbox:
        sandbox.init_app(app)
    return app
