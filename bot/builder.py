"""The web process's builder thread (part of the shell): makes the documents coordinators ask for
outside the request (models/docbuild.py, jobs/documents.py) as soon as they are asked.

One thread per process, started by the first ask (so a process that never builds never starts one,
and gunicorn's fork happens before it), woken by every later ask; it makes what waits, one after
another, and sleeps again. It goes through the clock's own runner (jobs/clock.py, Clock.run), so a
build is logged, timed and its failure caught like any job's. The clock's `documents` job is the
safety net: what a restarted process left waiting is made there.
"""
from __future__ import annotations

import logging
import threading

from bot.config import Settings
from bot.db import Database
from bot.line import LineClient
from jobs import documents
from jobs.clock import Clock

log = logging.getLogger("bot.builder")
STOP_WAIT = 60.0  # seconds close() waits for a build under way


class Builder:
    def __init__(self, settings: Settings, database: Database, line: LineClient):
        self._on = settings.documents_in_web  # off: the clock's documents job makes them
        self._clock = Clock(settings, database, line)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Something waits: make it now (start the thread the first time)."""
        if not self._on:
            return
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="documents", daemon=True)
                self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            if self._stop.is_set():
                return
            self._clock.run(documents.NAME)  # logs and swallows its own failure

    def close(self) -> None:
        """Stop the thread, after the build under way (at most STOP_WAIT seconds)."""
        with self._lock:
            self._stop.set()
            self._wake.set()
            thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(STOP_WAIT)
            if thread.is_alive():
                log.warning("builder: a document was still being made at close; it is made again later")
