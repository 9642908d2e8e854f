"""Settings read once from the environment (and `.env` when present).

Nothing here imports Flask, so the clock process and the CLI share the same settings.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
DEFAULT_LINE_API_HOST = "https://api.line.me"
SANDBOX_LINE_PATH = "/sandbox/line"


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
    # Who signs the office's documents (the memo, the announcement, the certificates, the order), and
    # to whom the memo goes; a document leaves a dotted line to sign on when a name is not set.
    office_head: str = ""
    office_head_position: str = "พัฒนาการจังหวัดเชียงราย"
    supervisor: str = "ผู้ว่าราชการจังหวัดเชียงราย"
    # The office's letter code for the memo's ที่ line ("ชร 0017"); "" leaves it to be filled in.
    document_code: str = ""
    # The Garuda emblem (a PNG the office has) for the memo and the announcement; none: left out.
    garuda_image: Path | None = None
    # How many processes lay out a long document's parts side by side (bot/documents/pdf.py, Layouts).
    # 1 (the default): one after another in the process that asked. 2 on two free cores: a large
    # office's evidence pack in about two thirds of the time, at about twice the memory (bench/README.md).
    report_processes: int = 1
    # The sandbox: the whole bot on one machine, a fake LINE platform inside the app (bot/sandbox).
    sandbox: bool = False
    sandbox_allow_remote: bool = False
    line_timeout: float = 5.0
    line_max_attempts: int = 5
    line_backoff: float = 0.5
    # Scheduled jobs (jobs/): when they run ("mon 08:30", "08:00" daily, or a 5-field crontab), whether
    # staff nudges are on, how often one person may be nudged, pushes kept back for coordinators.
    digest_cron: str = "mon 08:30"
    reminders_cron: str = "08:00"
    nudges_cron: str = "mon 08:15"
    nudges: bool = False
    nudge_max: int = 3
    push_reserve: int = 30
    # An office's data kept safe (jobs/backup.py, jobs/retention.py): a daily backup into BACKUP_DIR
    # (none when unset) keeping the latest BACKUP_KEEP, at BACKUP_CRON; personal data of people who
    # left the roster erased RETENTION_DAYS after they left (None: kept, the default).
    backup_dir: Path | None = None
    backup_keep: int = 7
    backup_cron: str = "02:30"
    retention_days: int | None = None
    # The coordinator's console (bot/console/): the key that signs its forms (CSRF) and LINE Login's
    # state (SECRET_KEY; derived from the channel secret when not set, so every web process agrees),
    # LINE Login (optional), and where uploaded evidence is kept.
    secret_key: str = ""
    line_login_channel_id: str = ""
    line_login_channel_secret: str = ""
    line_login_authorize_url: str = "https://access.line.me/oauth2/v2.1/authorize"
    uploads_dir: Path = INSTANCE_DIR / "uploads"
    # Documents made outside the request (the evidence pack, models/docbuild.py), kept a day for download,
    # made by the web process that took the ask (in a thread) or, with DOCUMENTS_IN_WEB=0, only by
    # the clock's documents job (a web worker then never grows by the few hundred MB a large pack takes).
    documents_dir: Path = INSTANCE_DIR / "documents"
    documents_in_web: bool = True
    # The webhook's limit per LINE account: at most this many events (messages, taps, follows) in each
    # window of this many seconds are handled; the first one over it gets a notice, the rest are only
    # recorded (0: no limit). Counted in the database, so every web process shares the count.
    rate_limit_per_user: int = 30
    rate_limit_window: float = 10.0
    # Operating it (bot/observability.py, bot/health.py): logs as one JSON object a line ("json") or
    # plain lines for a developer's terminal ("text", the sandbox's default); who may read GET
    # /metrics (client addresses, CIDRs); Sentry's DSN, when errors are reported there.
    log_format: str = "json"
    metrics_allow: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    sentry_dsn: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
        values: dict[str, str] = {}
        env_file = dotenv if dotenv is not None else PROJECT_ROOT / ".env"
        if environ is None and env_file.exists():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str, default: str) -> str:
            value = values.get(name, "").strip()
            return value or default

        def number(name: str, default: float, kind: type[int] | type[float] = int) -> Any:
            raw = get(name, str(default))
            try:
                return kind(raw)
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                raise SettingsError(f"{name}={raw!r}: expected {what}") from None

        base = cls()
        deadline = get("PLEDGE_DEADLINE", base.pledge_deadline.isoformat())
        try:
            pledge_deadline = date.fromisoformat(deadline)
        except ValueError:
            raise SettingsError(f"PLEDGE_DEADLINE={deadline!r}: expected a date like 2026-06-30") from None
        access_token = get("LINE_CHANNEL_ACCESS_TOKEN", "")
        sandbox = _flag(get("SANDBOX", "")) or not access_token
        database_url = base.database_url
        channel_secret = get("LINE_CHANNEL_SECRET", "")
        line_api_host = base.line_api_host
        public_base_url = base.public_base_url
        timezone = get("BOT_TIMEZONE", base.timezone)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"BOT_TIMEZONE={timezone!r}: expected a time zone name like Asia/Bangkok") from None
        if not sandbox:
            # deploy/env.example's placeholders left in: a bot that starts would fail at every reply.
            for name in PLACEHOLDER_SETTINGS:
                if PLACEHOLDER in get(name, ""):
                    raise SettingsError(f"{name} still holds the example's {PLACEHOLDER}: set it in the env "
                                        "file (docs/deploy.md, sections 4 and 6)")
        if sandbox:
            # Its own SQLite file (demo data never lands in a real office's database), a secret made
            # up for this process, and the fake LINE platform served by this very app.
            database_url = f"sqlite:///{INSTANCE_DIR / 'sandbox.sqlite'}"
            channel_secret = secrets.token_hex(16)
            access_token = "sandbox-access-token"
            line_api_host = f"http://127.0.0.1:{get('PORT', '8000')}{SANDBOX_LINE_PATH}"
            public_base_url = f"http://127.0.0.1:{get('PORT', '8000')}"
        return cls(
            database_url=normalize_database_url(get("DATABASE_URL", database_url)),
            channel_secret=channel_secret,
            access_token=access_token,
            line_api_host=get("LINE_API_HOST", line_api_host).rstrip("/"),
            sandbox=sandbox,
            sandbox_allow_remote=_flag(get("SANDBOX_ALLOW_REMOTE", "")),
            timezone=timezone,
            public_base_url=get("PUBLIC_BASE_URL", public_base_url).rstrip("/"),
            bot_basic_id=get("LINE_BOT_BASIC_ID", base.bot_basic_id),
            pledge_deadline=pledge_deadline,
            office_name=get("OFFICE_NAME", base.office_name),
            office_head=get("OFFICE_HEAD", base.office_head),
            office_head_position=get("OFFICE_HEAD_POSITION", base.office_head_position),
            supervisor=get("SUPERVISOR", base.supervisor),
            document_code=get("DOCUMENT_CODE", base.document_code),
            garuda_image=Path(get("GARUDA_IMAGE", "")) if get("GARUDA_IMAGE", "") else None,
            report_processes=max(1, number("REPORT_PROCESSES", base.report_processes)),
            digest_cron=get("DIGEST_CRON", base.digest_cron),
            reminders_cron=get("REMINDERS_CRON", base.reminders_cron),
            nudges_cron=get("NUDGES_CRON", base.nudges_cron),
            nudges=_flag(get("NUDGES", "")),
            nudge_max=number("NUDGE_MAX", base.nudge_max),
            push_reserve=number("PUSH_RESERVE", base.push_reserve),
            backup_dir=Path(get("BACKUP_DIR", "")) if get("BACKUP_DIR", "") else None,
            backup_keep=max(1, number("BACKUP_KEEP", base.backup_keep)),
            backup_cron=get("BACKUP_CRON", base.backup_cron),
            retention_days=max(0, number("RETENTION_DAYS", 0)) or None,
            secret_key=get("SECRET_KEY", ""),
            line_login_channel_id=get("LINE_LOGIN_CHANNEL_ID", ""),
            line_login_channel_secret=get("LINE_LOGIN_CHANNEL_SECRET", ""),
            line_login_authorize_url=get("LINE_LOGIN_AUTHORIZE_URL", base.line_login_authorize_url),
            uploads_dir=Path(get("UPLOADS_DIR", str(base.uploads_dir))),
            documents_dir=Path(get("DOCUMENTS_DIR", str(base.documents_dir))),
            documents_in_web=_flag(get("DOCUMENTS_IN_WEB", "1")),
            rate_limit_per_user=number("RATE_LIMIT_PER_USER", base.rate_limit_per_user),
            rate_limit_window=number("RATE_LIMIT_WINDOW", base.rate_limit_window, float),
            log_format=_log_format(get("LOG_FORMAT", "text" if sandbox else base.log_format)),
            metrics_allow=tuple(part.strip() for part in get("METRICS_ALLOW", ",".join(base.metrics_allow))
                                .split(",") if part.strip()),
            sentry_dsn=get("SENTRY_DSN", ""),
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def signing_key(self) -> str:
        """What signs the console's forms and LINE Login's state: SECRET_KEY, else a key derived from the
        channel secret (so every web process of the office agrees); "" when there is neither."""
        if self.secret_key:
            return self.secret_key
        if not self.channel_secret:
            return ""
        return hmac.new(self.channel_secret.encode(), b"khunnatham console", hashlib.sha256).hexdigest()

    @property
    def line_login(self) -> bool:
        """LINE Login is configured: the console also offers "sign in with LINE"."""
        return bool(self.line_login_channel_id and self.line_login_channel_secret)

    @property
    def https(self) -> bool:
        """The public address is https: cookies are marked Secure."""
        return self.public_base_url.startswith("https://")

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it and what to put instead."""


# What deploy/env.example holds until the IT person fills it in (docs/deploy.md, section 4).
PLACEHOLDER = "CHANGE-ME"
PLACEHOLDER_SETTINGS = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "LINE_BOT_BASIC_ID", "SECRET_KEY")


def _log_format(value: str) -> str:
    value = value.strip().lower()
    if value not in ("json", "text"):
        raise SettingsError(f"LOG_FORMAT={value!r}: expected json or text")
    return value


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    return host == "localhost" or host.startswith("127.") or host == "::1"


def normalize_database_url(url: str) -> str:
    """Accept the URLs PaaS providers hand out (`postgres://`) and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
