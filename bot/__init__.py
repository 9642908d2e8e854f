"""khunnatham-bot. `bot` has two floors (../shared/DESIGN.md, "Shape"):

- the kit, which handlers and jobs use: config, db, line (the only SDK caller), router, messages,
  thai, links, words, observability (JSON logs, metrics, Sentry: no Flask);
- the shell, which wires everything and may import anything: app (the factory), webhook, health
  (/healthz, /readyz, /metrics), qrpage, services, serving, richmenu, cli/, sandbox/, fakeline.

`create_app` is re-exported lazily, so `flask --app bot`, `gunicorn "bot:create_app()"` and the
Procfile find it here while `import bot.config` (the clock process, dev.py) does not load Flask.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from bot.app import create_app  # lazily: the kit must not load Flask and the shell

        return create_app
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
