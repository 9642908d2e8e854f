"""Probes, metrics and the log line of every request (part of the shell).

- `GET /healthz`: the process answers, 200 `{"status": "ok"}` (no database: a liveness probe).
- `GET /readyz`: 200 when the database answers and Alembic's revision there is the head of
  models/migrations; else 503 with the reason, e.g. `{"status": "not ready", "database": "ok",
  "migrations": "0014 != head 0015"}` (a readiness probe: do not route traffic here yet).
- `GET /metrics`: Prometheus' text format, only to clients whose address is in METRICS_ALLOW
  (CIDRs; 127.0.0.1 and ::1 by default), 404 to anyone else. The address is the TCP peer's, never
  X-Forwarded-For: behind a reverse proxy every client looks like the proxy, so scrape the app's own
  port, not through the proxy. With PROMETHEUS_MULTIPROC_DIR set (gunicorn's workers, bot/serving.py)
  the counters of every worker are added up from that directory; the outbox backlog, the job runs
  and the push quota are read when scraped, from the database (so the clock process's runs show
  here) and from LINE (cached QUOTA_TTL seconds; a LINE failure only says so in a gauge).
- Every request: one log line (`logger` bot.request) with method, path, status, duration_ms,
  remote_addr, and for the webhook the events' `webhookEventId`s and the `x-line-request-id` of
  every LINE call it made (bot/observability.py's trace).
"""
from __future__ import annotations

import ipaddress
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot import observability
from bot.db import alembic_config
from bot.line import Quota
from bot.services import Bot, current_bot
from models import outbox
from models.jobrun import JobRun

log = logging.getLogger(__name__)
request_log = logging.getLogger("bot.request")
bp = Blueprint("health", __name__)

QUOTA_TTL = 60.0   # seconds a quota read from LINE (or its failure) is reused
QUOTA_WAIT = 1.0   # seconds a scrape waits for LINE's answer; a slower one lands in the next scrape
PROBES = ("/healthz", "/readyz", "/metrics")  # logged at DEBUG: a probe every few seconds is noise
METRICS = "khunnatham.metrics"  # app.extensions key of the scrape registry


# -- probes -------------------------------------------------------------------------------------------
@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    bot = current_bot()
    try:
        with bot.db.reading() as db:  # on SQLite a deferred transaction: no write lock for a probe
            current = set(MigrationContext.configure(db.connection()).get_current_heads())
    except Exception as exc:  # any driver error means "not reachable" to the caller
        log.error("readyz: database unreachable: %s", exc)
        return jsonify(status="not ready", database="unreachable"), 503
    heads = migration_heads(bot)
    if current != heads:
        state = f"{_revisions(current)} != head {_revisions(heads)}"
        log.warning("readyz: migrations %s", state)
        return jsonify(status="not ready", database="ok", migrations=state), 503
    return jsonify(status="ready", database="ok", migrations=_revisions(heads))


def migration_heads(bot: Bot) -> set[str]:
    """The head revisions of models/migrations (read once per app)."""
    heads = current_app.extensions.get("khunnatham.heads")
    if heads is None:
        heads = set(ScriptDirectory.from_config(alembic_config(bot.settings.database_url)).get_heads())
        current_app.extensions["khunnatham.heads"] = heads
    return heads


def _revisions(revisions: set[str]) -> str:
    return ",".join(sorted(revisions)) or "none"


# -- metrics ------------------------------------------------------------------------------------------
def allowed(address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def networks_of(cidrs: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]
    except ValueError as exc:
        raise ValueError(f"METRICS_ALLOW: {exc}") from None


@bp.get("/metrics")
def metrics() -> Response:
    networks = current_app.extensions["khunnatham.metrics_allow"]
    if not allowed(request.remote_addr or "", networks):
        abort(404)
    registry = current_app.extensions.get(METRICS)
    if registry is None:
        registry = current_app.extensions[METRICS] = scrape_registry(current_bot())
    return Response(generate_latest(registry), mimetype=None, content_type=CONTENT_TYPE_LATEST)


def scrape_registry(bot: Bot) -> CollectorRegistry:
    """What /metrics shows: the counters of this process (or, in multiprocess mode, of every worker,
    from PROMETHEUS_MULTIPROC_DIR), and the state read from the database and LINE at scrape time."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Chain(observability.REGISTRY, DEFAULT_REGISTRY))  # ours, and process_*, python_*
    registry.register(StateCollector(bot))
    return registry


class _Chain(Collector):
    def __init__(self, *registries: CollectorRegistry):
        self.registries = registries

    def collect(self) -> Iterator[Metric]:
        for registry in self.registries:
            yield from registry.collect()


class QuotaCache:
    """LINE's push quota, read at most once per `ttl` seconds, in a thread of its own so that a scrape
    waits at most `wait` seconds for it; a failure is remembered for `ttl` too."""

    def __init__(self, fetch: Callable[[], Quota], ttl: float = QUOTA_TTL, wait: float = QUOTA_WAIT):
        self._fetch = fetch
        self._ttl = ttl
        self._wait = wait
        self._lock = threading.Lock()
        self._read_at = -float("inf")
        self._quota: Quota | None = None
        self._ok = False
        self._thread: threading.Thread | None = None

    def get(self) -> tuple[Quota | None, bool]:
        """(the quota, whether LINE answered the latest read)."""
        with self._lock:
            stale = time.monotonic() - self._read_at >= self._ttl
            if stale and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._refresh, daemon=True, name="metrics-quota")
                self._thread.start()
            thread = self._thread
        if stale and thread is not None:
            thread.join(self._wait)
        with self._lock:
            return self._quota, self._ok

    def _refresh(self) -> None:
        try:
            quota, ok = self._fetch(), True
        except Exception as exc:  # LineError, or anything else: the scrape goes on without it
            log.warning("metrics: the message quota could not be read: %s", exc)
            quota, ok = None, False
        with self._lock:
            self._quota, self._ok, self._read_at = quota, ok, time.monotonic()


class StateCollector(Collector):
    """Read at scrape time: the outbox backlog and the job runs (the database), the push quota (LINE)."""

    def __init__(self, bot: Bot):
        self.bot = bot
        self.quota = QuotaCache(bot.line.quota)

    def collect(self) -> Iterator[Metric]:
        yield from self._database()
        yield from self._quota()

    def _database(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("khunnatham_database_up", "Whether the database answered this scrape (1) or not (0).")
        now = datetime.now(self.bot.settings.tz)
        try:
            with self.bot.db.reading() as db:
                backlog = outbox.pending_total(db, now)
                runs = db.execute(sa.select(JobRun.job, JobRun.status, sa.func.count(), sa.func.max(JobRun.at))
                                  .group_by(JobRun.job, JobRun.status).order_by(JobRun.job, JobRun.status)).all()
        except Exception as exc:  # the scrape still answers, saying so
            log.warning("metrics: database unreachable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("khunnatham_outbox_pending",
                                "Messages the jobs claimed in the outbox and have not sent yet (nor expired).",
                                value=backlog)
        periods = GaugeMetricFamily(
            "khunnatham_job_runs", "Periods in job_runs by job and the status of their latest run "
            "(done, held, off, nothing, failed); written by the clock process.", labels=["job", "status"])
        last = GaugeMetricFamily("khunnatham_job_last_run_timestamp_seconds",
                                 "When each job last recorded a run (Unix time).", labels=["job"])
        latest: dict[str, float] = {}
        for job, status, count, at in runs:
            periods.add_metric([job, status], count)
            if at is not None:
                latest[job] = max(latest.get(job, 0.0), at.timestamp())
        for job, stamp in latest.items():
            last.add_metric([job], stamp)
        yield periods
        yield last

    def _quota(self) -> Iterator[Metric]:
        quota, ok = self.quota.get()
        yield GaugeMetricFamily("khunnatham_line_quota_up",
                                "Whether LINE answered the latest read of the message quota (1) or not (0).",
                                value=1 if ok else 0)
        if quota is None:
            return
        yield GaugeMetricFamily("khunnatham_line_quota_used", "Messages pushed this month (LINE's count).",
                                value=quota.used)
        if quota.remaining is not None:  # no series when the plan has no monthly limit
            yield GaugeMetricFamily("khunnatham_line_quota_remaining",
                                    "Messages the monthly quota still allows (LINE's limit less its count).",
                                    value=quota.remaining)


# -- the log line of every request -------------------------------------------------------------------
def _begin() -> None:
    observability.begin()


def _log_request(response: Response) -> Response:
    trace = observability.current()
    if trace is None:
        return response
    fields = {"method": request.method, "path": request.path, "status": response.status_code,
              "duration_ms": trace.duration_ms, "remote_addr": request.remote_addr}
    if trace.webhook_event_ids:
        fields["webhook_event_ids"] = list(trace.webhook_event_ids)
    if trace.line_request_ids:
        fields["line_request_ids"] = list(trace.line_request_ids)
    level = logging.DEBUG if request.path in PROBES else logging.INFO
    request_log.log(level, "%s %s %s %.1f ms", request.method, request.path, response.status_code,
                    trace.duration_ms, extra=fields)
    return response


def _end(_exc: BaseException | None) -> None:
    observability.end()


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.extensions["khunnatham.metrics_allow"] = networks_of(settings.metrics_allow)
    app.register_blueprint(bp)
    app.before_request(_begin)
    app.after_request(_log_request)
    app.teardown_request(_end)
