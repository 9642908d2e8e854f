"""Settings read from the environment: a value the bot cannot use stops it with a message that names
the setting and what to put instead, before anything runs against a real office's database."""

from __future__ import annotations

from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.config import PLACEHOLDER, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
LINE = {"LINE_CHANNEL_ACCESS_TOKEN": "token", "LINE_CHANNEL_SECRET": "secret"}


def example() -> dict[str, str]:
    return {k: v for k, v in dotenv_values(ROOT / "deploy" / "env.example").items() if v is not None}


def test_the_shipped_example_is_refused_until_its_placeholders_are_filled_in():
    values = example()
    with pytest.raises(SettingsError, match=f"LINE_CHANNEL_SECRET still holds the example's {PLACEHOLDER}"):
        Settings.from_env(values)
    filled = {k: v.replace(PLACEHOLDER, "filled-in") for k, v in values.items()}
    settings = Settings.from_env(filled)
    assert not settings.sandbox
    assert settings.database_url.startswith("postgresql+psycopg://khunnatham@/khunnatham")
    assert settings.backup_keep == 7 and settings.log_format == "json"


@pytest.mark.parametrize("name", ["LINE_CHANNEL_ACCESS_TOKEN", "LINE_BOT_BASIC_ID", "SECRET_KEY"])
def test_each_placeholder_is_named(name):
    with pytest.raises(SettingsError, match=f"^{name} still holds"):
        Settings.from_env({**LINE, name: f"@{PLACEHOLDER}"})


def test_the_sandbox_ignores_placeholders():
    """No access token: the sandbox, which makes up its own secret and never touches DATABASE_URL's office."""
    settings = Settings.from_env({"LINE_CHANNEL_SECRET": PLACEHOLDER, "SECRET_KEY": PLACEHOLDER})
    assert settings.sandbox


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("BACKUP_KEEP", "seven", "expected a whole number"),
    ("RETENTION_DAYS", "30 days", "expected a whole number"),
    ("RATE_LIMIT_PER_USER", "3.5", "expected a whole number"),
    ("RATE_LIMIT_WINDOW", "10s", "expected a number"),
    ("NUDGE_MAX", "many", "expected a whole number"),
    ("REPORT_PROCESSES", "two", "expected a whole number"),
    ("PLEDGE_DEADLINE", "30/06/2569", "expected a date like 2026-06-30"),
    ("BOT_TIMEZONE", "Bangkok", "expected a time zone name like Asia/Bangkok"),
    ("LOG_FORMAT", "xml", "expected json or text"),
])
def test_a_value_that_cannot_be_used_names_the_setting(name, value, expected):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({**LINE, name: value})
    assert str(raised.value) == f"{name}={value!r}: {expected}"


def test_good_values_are_read():
    settings = Settings.from_env({**LINE, "BACKUP_KEEP": "3", "RATE_LIMIT_WINDOW": "2.5", "RETENTION_DAYS": "90",
                                  "BOT_TIMEZONE": "Asia/Bangkok", "PLEDGE_DEADLINE": "2026-06-30",
                                  "REPORT_PROCESSES": "2"})
    assert (settings.backup_keep, settings.rate_limit_window, settings.retention_days) == (3, 2.5, 90)
    assert settings.report_processes == 2
    assert Settings.from_env({**LINE, "REPORT_PROCESSES": "0"}).report_processes == 1  # at least this process
    assert settings.pledge_deadline.isoformat() == "2026-06-30"
