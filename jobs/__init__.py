"""Scheduled work. Each job is a plain function `run(now, db, line)` listed in JOBS; the clock
process (`python -m jobs`) registers them with APScheduler, and tests or the CLI call them directly."""
from __future__ import annotations

from typing import Callable

# name → (job function, APScheduler cron fields). Empty until the scheduler issue lands its jobs.
JOBS: dict[str, tuple[Callable, dict]] = {}
