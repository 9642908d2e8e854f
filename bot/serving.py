"""gunicorn hooks that belong with the code; the Procfile's `web` loads them (`-c python:bot.serving`)."""
from __future__ import annotations

import gc
import os
import sys

# How long a thread may keep the GIL while another waits for it (Python's default: 5 ms).
SWITCH_INTERVAL = 0.0005


def post_worker_init(worker) -> None:
    """The worker has loaded the app: move everything alive now (modules, models, compiled SQL, the
    SDK's classes, about 220,000 objects) out of the cyclic garbage collector's reach, and hand the
    GIL over sooner.

    GC: otherwise every full collection walks all of them with the GIL held and stalls every thread
    of the worker for 100-200 ms, a few times a minute under load. Benchmark, SQLite, 300 taps/s:
    p99 130-230 ms without the freeze, 10-12 ms with it (replies off in both, to isolate the effect).

    GIL: a thread that waits on the database gives the GIL up, and must wait for it again before it
    can go on, up to the switch interval behind a thread that is busy parsing or serializing. On
    SQLite it holds the writer queue (bot/db.py) all that time, so every other writer waits too.
    Benchmark, 300 taps/s, open-loop p99 on SQLite: 121 and 81 ms at 5 ms; 13, 37, 41 and 10 ms at
    0.5 ms (same machine, same half hour).
    """
    freeze_loaded()
    sys.setswitchinterval(SWITCH_INTERVAL)


def freeze_loaded(worker: object = None) -> None:
    """Collect once, then keep everything alive now out of the cyclic GC's reach (also the standalone
    fake LINE's worker hook, bot/fakeline.py)."""
    gc.collect()
    gc.freeze()


def on_starting(server) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, /metrics adds up the files every worker writes there
    (bot/health.py): start from an empty directory, or a previous run's counts would be added in."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):  # prometheus_client's files: counter_123.db, histogram_123.db …
            os.remove(os.path.join(directory, name))


def child_exit(server, worker) -> None:
    """A worker is gone: with PROMETHEUS_MULTIPROC_DIR set, its live gauges are dropped from the sum
    (its counters stay counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
