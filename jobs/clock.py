"""The clock: APScheduler 3 wiring for the jobs, kept apart from `python -m jobs` so that tests can
build the scheduler and look at it without starting it.

- One cron trigger per job, in the office's time zone (BOT_TIMEZONE, Asia/Bangkok), with an explicit
  id; coalesce (a backlog of missed runs is one run), one instance per job at a time, and a misfire
  grace time, so a run delayed by a busy or suspended process still happens.
- Each run opens its own session; an exception is logged and swallowed, so the next run happens.
- Each run logs one line (logger `jobs.run`; JSON with LOG_FORMAT=json): the job, its status (ok or
  failed), duration_ms, the messages it sent, what it recorded in job_runs for its period, and the
  `x-line-request-id` of every LINE call it made.
- At start-up, a job whose latest scheduled time falls in the current period (this week for the
  digest and nudges, today for reminders) runs once: a period missed while the clock was down is
  caught up once. Running it when it already ran is harmless: the outbox key makes it a no-op.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bot import observability
from bot.config import Settings
from bot.db import Database
from bot.line import LineClient
from jobs import JOBS
from models import jobrun

log = logging.getLogger("jobs")
run_log = logging.getLogger("jobs.run")

MISFIRE_GRACE = 3600  # seconds
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE}
LOOK_BACK = timedelta(days=8)


class Clock:
    """What a run needs: settings, a database and a LINE client (one each per process)."""

    def __init__(self, settings: Settings, database: Database | None = None, line: LineClient | None = None):
        self.settings = settings
        self.database = database or Database(settings)
        self.line = line or LineClient(settings)

    def run(self, name: str, now: datetime | None = None) -> int | None:
        """Run one job now (or at `now`); log and swallow its failure. Messages sent, None on failure."""
        job = JOBS[name]
        moment = now or datetime.now(self.settings.tz)
        trace = observability.begin()
        sent: int | None = None
        try:
            with self.database.sessions() as db:
                sent = job.run(moment, db, self.line)
                return sent
        except Exception:  # a failing job is logged; the scheduler keeps the next run
            log.exception("job %s failed at %s", name, moment.isoformat())
            return None
        finally:
            self._log_run(name, job.period(moment), moment, sent, trace)
            observability.end()

    def _log_run(self, name: str, period: str, moment: datetime, sent: int | None,
                 trace: observability.Trace) -> None:
        fields: dict[str, object] = {"job": name, "period": period, "at": moment.isoformat(),
                                     "status": "failed" if sent is None else "ok", "sent": sent,
                                     "duration_ms": trace.duration_ms, "line_request_ids": list(trace.line_request_ids)}
        try:
            with self.database.sessions() as db:
                row = jobrun.run_of(db, name, period)
                if row is not None:  # what the run recorded for its period (not every job records one)
                    fields["run"] = {"status": row.status, "planned": row.planned, "sent": row.sent,
                                     "held": row.held, "detail": row.detail}
        except Exception as exc:  # the line is written all the same
            fields["run_error"] = str(exc)[:200]
        run_log.info("job %s %s in %.1f ms, %s sent", name, fields["status"], trace.duration_ms,
                     "-" if sent is None else sent, extra=fields)

    def catch_up(self, scheduler: BaseScheduler, now: datetime | None = None) -> list[str]:
        """Run, once, every job whose latest scheduled time is in the current period; their names."""
        moment = now or datetime.now(self.settings.tz)
        ran = []
        for job in scheduler.get_jobs():
            last = previous_fire_time(job.trigger, moment)
            period = JOBS[job.id].period
            if last is not None and period(last) == period(moment):
                log.info("catching up %s (last due %s)", job.id, last.isoformat())
                self.run(job.id, moment)
                ran.append(job.id)
        return ran

    def close(self) -> None:
        self.line.close()
        self.database.dispose()


def triggers(settings: Settings) -> dict[str, CronTrigger]:
    return {name: CronTrigger(timezone=settings.tz, **job.schedule(settings)) for name, job in JOBS.items()}


def build_scheduler(settings: Settings, run: Callable[[str], object],
                    scheduler_class: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    """A scheduler (not started) with one job per entry of JOBS; `run(name)` is what each fires."""
    scheduler = scheduler_class(timezone=settings.tz, job_defaults=dict(JOB_DEFAULTS))
    for name, trigger in triggers(settings).items():
        scheduler.add_job(run, trigger=trigger, args=[name], id=name, name=name, replace_existing=True,
                          **JOB_DEFAULTS)
    return scheduler


def previous_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The latest time at or before `now` the trigger fired (within the last 8 days)."""
    last = None
    fire = trigger.get_next_fire_time(None, now - LOOK_BACK)
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


def main() -> None:
    settings = Settings.from_env()
    observability.configure_logging(settings.log_format)
    observability.init_sentry(settings.sentry_dsn, flask=False)  # only when SENTRY_DSN is set
    clock = Clock(settings)
    scheduler = build_scheduler(settings, clock.run)
    for job in scheduler.get_jobs():
        log.info("job %s: %s", job.id, job.trigger)
    log.info("clock started in %s", settings.timezone)
    try:
        clock.catch_up(scheduler)
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        clock.close()
