"""The clock process: `python -m jobs` (the Procfile's `scheduler`)."""
from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.config import Settings
from bot.db import Database
from bot.line import LineClient
from jobs import JOBS

log = logging.getLogger("jobs")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    database = Database(settings)
    line = LineClient(settings)
    scheduler = BlockingScheduler(
        timezone=settings.tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )

    def task(name: str, fn):
        def run() -> None:
            now = datetime.now(settings.tz)
            try:
                with database.sessions() as db:
                    fn(now, db, line)
            except Exception:  # a failing job is logged; the next run still happens
                log.exception("job %s failed at %s", name, now.isoformat())
        return run

    for name, (fn, cron) in JOBS.items():
        scheduler.add_job(task(name, fn), "cron", id=name, replace_existing=True, **cron)
    log.info("clock started in %s with %d job(s): %s", settings.timezone, len(JOBS), ", ".join(JOBS) or "none yet")
    try:
        scheduler.start()
    finally:
        line.close()
        database.dispose()


if __name__ == "__main__":
    main()
