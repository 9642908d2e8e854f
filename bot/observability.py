"""Operating the bot (part of the kit, no Flask): logs as JSON lines, the Prometheus metrics this
process counts, the trace of one webhook request or job run, and Sentry when SENTRY_DSN is set.

- Logs: `configure_logging` once per process (the app factory, the clock). LOG_FORMAT=json (the
  default) writes one JSON object a line with `time`, `level`, `logger`, `message` and whatever a
  call passed in `extra`; LOG_FORMAT=text writes plain lines for a developer's terminal.
- A trace: the webhook (bot/webhook.py, bot/health.py) and the clock (jobs/clock.py) `begin` one per
  request or run; bot/line.py adds the `x-line-request-id` of every LINE call made inside it, the
  webhook the `webhookEventId`s; the request's or run's one log line carries them.
- Metrics: counted here by the webhook and bot/line.py, in this process's registry or, when
  PROMETHEUS_MULTIPROC_DIR is set (several gunicorn workers), in prometheus_client's files shared
  by the workers. What the database knows (outbox backlog, job runs) and the push quota are read
  when /metrics is scraped (bot/health.py).
"""
from __future__ import annotations

import contextvars
import logging
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any

from prometheus_client import CollectorRegistry, Counter, Histogram

log = logging.getLogger(__name__)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# -- the trace of one request or job run ------------------------------------------------------------
@dataclass
class Trace:
    started: float = field(default_factory=time.perf_counter)
    webhook_event_ids: list[str] = field(default_factory=list)
    line_request_ids: list[str] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)


_trace: contextvars.ContextVar[Trace | None] = contextvars.ContextVar("khunnatham_trace", default=None)


def begin() -> Trace:
    """Start the trace of a request or job run in this context (a thread of its own, or the request's)."""
    trace = Trace()
    _trace.set(trace)
    return trace


def current() -> Trace | None:
    return _trace.get()


def end() -> None:
    _trace.set(None)


def line_request(request_id: str | None) -> None:
    """bot/line.py: LINE answered a call with this `x-line-request-id`."""
    trace = _trace.get()
    if trace is not None and request_id:
        trace.line_request_ids.append(request_id)


def webhook_events(event_ids: list[str]) -> None:
    trace = _trace.get()
    if trace is not None:
        trace.webhook_event_ids.extend(event_ids)


# -- logs ---------------------------------------------------------------------------------------------
def formatter(log_format: str) -> logging.Formatter:
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter("{levelname}{name}{message}", style="{", timestamp="time", json_ensure_ascii=False,
                         rename_fields={"levelname": "level", "name": "logger"})


def configure_logging(log_format: str, stream: IO[str] | None = None) -> bool:
    """Log INFO and above to stderr in this format, unless the process already has a root handler
    (pytest's, an embedding program's, `gunicorn --log-config`'s): then leave it be. Whether it did."""
    root = logging.getLogger()
    if root.handlers:
        return False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return True


# -- metrics counted by this process -----------------------------------------------------------------
# Without PROMETHEUS_MULTIPROC_DIR they live in REGISTRY (this process's); with it, prometheus_client
# writes every value to that directory and /metrics adds up the files of all workers.
REGISTRY = CollectorRegistry(auto_describe=True)

WEBHOOK_SECONDS = Histogram(
    "khunnatham_webhook_request_duration_seconds", "Time to answer POST /callback, by HTTP status.",
    ["status"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
WEBHOOK_EVENTS = Counter(
    "khunnatham_webhook_events", "Webhook events received (signed, well-formed requests), by LINE event type.",
    ["type"], registry=REGISTRY)
LINE_SENDS = Counter(
    "khunnatham_line_sends", "Replies, pushes and multicasts: requests LINE accepted (sent) or that failed "
    "after the client's retries (failed).", ["kind", "outcome"], registry=REGISTRY)

SEND_KINDS = ("reply", "push", "multicast")
for _kind in SEND_KINDS:
    for _outcome in ("sent", "failed"):
        LINE_SENDS.labels(_kind, _outcome)

# LINE's webhook event types (a label takes no other value: an odd type is counted as "other").
EVENT_TYPES = frozenset({
    "message", "unsend", "follow", "unfollow", "join", "leave", "memberJoined", "memberLeft", "postback",
    "videoPlayComplete", "beacon", "accountLink", "things", "membership", "module", "activated",
    "deactivated", "botSuspended", "botResumed", "delivery"})


def count_event(event_type: str) -> None:
    WEBHOOK_EVENTS.labels(event_type if event_type in EVENT_TYPES else "other").inc()


def count_send(kind: str, ok: bool) -> None:
    LINE_SENDS.labels(kind, "sent" if ok else "failed").inc()


# -- Sentry (optional) ---------------------------------------------------------------------------------
def init_sentry(dsn: str, flask: bool, **options: Any) -> bool:
    """Report errors (unhandled exceptions, and ERROR log records) to Sentry when a DSN is set;
    sentry_sdk is imported only then. Whether it did."""
    if not dsn:
        return False
    import sentry_sdk

    integrations: list[Any] = []
    if flask:
        from sentry_sdk.integrations.flask import FlaskIntegration

        integrations.append(FlaskIntegration())
    sentry_sdk.init(dsn=dsn, integrations=integrations, **options)  # no personal data: the default
    log.info("errors are reported to Sentry")
    return True
