"""Settings read once from the environment (and `.env` when present).

Nothing here imports Flask, so the clock process and the CLI share the same settings.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEFAULT_LINE_API_HOST = "https://api.line.me"


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'khunnatham.sqlite'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = dataclasses.field(default_factory=default_database_url)
    channel_secret: str = ""
    access_token: str = ""
    line_api_host: str = DEFAULT_LINE_API_HOST
    timezone: str = "Asia/Bangkok"
    public_base_url: str = "http://127.0.0.1:8000"
    bot_basic_id: str = "@khunnatham"
    # Indicator 1.2 deadline of the FY2569 plan (27 ก.พ. 2569); the plan file replaces it later.
    pledge_deadline: date = date(2026, 2, 27)
    office_name: str = "สำนักงานพัฒนาชุมชนจังหวัดเชียงราย"
    line_timeout: float = 5.0
    line_max_attempts: int = 5
    line_backoff: float = 0.5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> "Settings":
        values: dict[str, str] = {}
        env_file = dotenv if dotenv is not None else PROJECT_ROOT / ".env"
        if environ is None and env_file.exists():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str, default: str) -> str:
            value = values.get(name, "").strip()
            return value or default

        base = cls()
        deadline = get("PLEDGE_DEADLINE", base.pledge_deadline.isoformat())
        return cls(
            database_url=normalize_database_url(get("DATABASE_URL", base.database_url)),
            channel_secret=get("LINE_CHANNEL_SECRET", ""),
            access_token=get("LINE_CHANNEL_ACCESS_TOKEN", ""),
            line_api_host=get("LINE_API_HOST", base.line_api_host).rstrip("/"),
            timezone=get("BOT_TIMEZONE", base.timezone),
            public_base_url=get("PUBLIC_BASE_URL", base.public_base_url).rstrip("/"),
            bot_basic_id=get("LINE_BOT_BASIC_ID", base.bot_basic_id),
            pledge_deadline=date.fromisoformat(deadline),
            office_name=get("OFFICE_NAME", base.office_name),
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **changes)


def normalize_database_url(url: str) -> str:
    """Accept the URLs PaaS providers hand out (`postgres://`) and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
