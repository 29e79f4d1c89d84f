"""Dependency checks for the health probe: the database and, when configured, Redis.

Every check answers within HEALTH_CHECK_TIMEOUT seconds (default 2), below the 3 s timeout of
the probes seed 000 shows, whatever the dependency does. Timeouts of the drivers alone do not
give that: psycopg waits at least 2 s to connect (a connect_timeout below 2 counts as 2) and
the pool waits DB_POOL_TIMEOUT for a connection, and a query on a live connection to a server
that has stalled (or a peer that accepts and never answers) has no timeout at all: it waits
until TCP gives up, long after gunicorn has killed the worker. A server-side statement_timeout
cannot help there either, since the server is the one not answering.

So each check runs in a thread of its own, and the probe waits for it until the deadline. On
the deadline a query still waiting on PostgreSQL has its socket shut down, which ends that
wait at once (the connection is then discarded); a connect still in progress ends by its own
timeout. At most one check per dependency is in flight per process: a probe that arrives
while one is still running waits for that one instead of starting another, so a stalled
dependency never piles up threads or connections.

Each verdict is recorded in the metrics (core.metrics): procure_health_check_up per
dependency, and a failure in procure_dependency_errors with source "health".

The database check uses a connection of its own and closes it afterwards (with DB_POOL, that
returns it to the pool), so a probe says whether this process can reach the database now,
independently of the request threads' persistent connections.
"""
from __future__ import annotations

from dataclasses import dataclass
import logging
import os
import socket
import threading
import time
from typing import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from core import metrics

logger = logging.getLogger("core.health")

DATABASE_TIMEOUT = "Database connection timeout"
REDIS_TIMEOUT = "Redis connection timeout"


@dataclass(frozen=True)
class HealthReport:
    database_error: str | None
    redis_error: str | None

    @property
    def healthy(self) -> bool:
        return self.database_error is None and self.redis_error is None


class _Run:
    """One execution of a check in its thread: its outcome, and how to cut its I/O short."""

    def __init__(self):
        self.finished = threading.Event()
        self.outcome: str | None = None
        self._lock = threading.Lock()
        self._abort: Callable[[], None] | None = None
        self._closed = False

    def set_abort(self, abort: Callable[[], None] | None) -> None:
        """Called by the check: `abort` may be called from another thread until `close()`."""
        with self._lock:
            if not self._closed:
                self._abort = abort

    def close(self) -> None:
        """Called by the check before it releases what `abort` acts on (the socket's fd)."""
        with self._lock:
            self._closed = True
            self._abort = None

    def abort(self) -> None:
        with self._lock:
            if self._abort is not None:
                try:
                    self._abort()
                except OSError:
                    pass  # the socket is already gone: nothing is waiting on it
                self._abort = None


class _Check:
    """A dependency check that runs in its own daemon thread, at most one at a time."""

    def __init__(self, name: str, body: Callable[[_Run], str | None], timeout_message: str):
        self.name = name
        self.body = body
        self.timeout_message = timeout_message
        self._lock = threading.Lock()
        self._current: _Run | None = None

    def start(self) -> _Run:
        with self._lock:
            if self._current is not None and not self._current.finished.is_set():
                return self._current  # still in flight: wait for it rather than start another
            run = self._current = _Run()
        threading.Thread(target=self._execute, args=(run,), name=f"health-{self.name}", daemon=True).start()
        return run

    def _execute(self, run: _Run) -> None:
        try:
            run.outcome = self.body(run)
        except BaseException as exc:  # a check must always finish its run
            run.outcome = f"{self.name.capitalize()} check failed ({type(exc).__name__})"
        finally:
            run.close()
            run.finished.set()

    def wait(self, run: _Run, deadline: float) -> str | None:
        """The run's outcome, or the timeout message (and its I/O cut short) at `deadline`."""
        if run.finished.wait(max(0.0, deadline - time.monotonic())):
            return run.outcome
        run.abort()
        logger.warning(f"health.{self.name}_down", extra={"error": "timeout"})
        return self.timeout_message


def _shutdown_socket(fd: int) -> None:
    """Shut the socket behind `fd` down: a thread blocked reading it sees the end at once."""
    sock = socket.socket(fileno=os.dup(fd))
    try:
        sock.shutdown(socket.SHUT_RDWR)
    finally:
        sock.close()


def _database_check(run: _Run) -> str | None:
    connection = connections[DEFAULT_DB_ALIAS]  # this thread's own connection
    try:
        connection.ensure_connection()
        if connection.vendor == "postgresql":
            run.set_abort(lambda fd=connection.connection.fileno(): _shutdown_socket(fd))
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return None
    except Exception as exc:  # any driver error means "down" to a probe
        logger.warning("health.database_down", extra={"error": type(exc).__name__})
        if "timeout" in str(exc).lower():
            return DATABASE_TIMEOUT
        return f"Database connection failed ({type(exc).__name__})"
    finally:
        run.close()  # no shutdown from the prober once the fd may be released and reused
        try:
            connection.close()
        except Exception:
            pass


def _redis_check(run: _Run) -> str | None:
    # redis-py's own timeouts (REDIS_SOCKET_TIMEOUT, one retry) end this thread; the
    # deadline only matters when they are set longer than HEALTH_CHECK_TIMEOUT.
    try:
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()
        return None
    except Exception as exc:
        logger.warning("health.redis_down", extra={"error": type(exc).__name__})
        if "timeout" in type(exc).__name__.lower():
            return REDIS_TIMEOUT
        return f"Redis connection failed ({type(exc).__name__})"


_database = _Check("database", _database_check, DATABASE_TIMEOUT)
_redis = _Check("redis", _redis_check, REDIS_TIMEOUT)


def _judged(dependency: str, outcome: str | None) -> str | None:
    """Record a probe's verdict on `dependency` in the metrics (up or not, and the failure); pass it on."""
    metrics.HEALTH_CHECK_UP.labels(dependency).set(0 if outcome else 1)
    if outcome:
        metrics.dependency_failed(dependency, "health")
    return outcome


def check_database() -> str | None:
    """None when the database answers `SELECT 1` within HEALTH_CHECK_TIMEOUT; else a short
    description without internals (no host, no credentials)."""
    return _judged("database", _database.wait(_database.start(), time.monotonic() + settings.HEALTH_CHECK_TIMEOUT))


def check_redis() -> str | None:
    """None when Redis answers PING within HEALTH_CHECK_TIMEOUT (or is not configured)."""
    if not settings.REDIS_URL:
        return None
    return _judged("redis", _redis.wait(_redis.start(), time.monotonic() + settings.HEALTH_CHECK_TIMEOUT))


def check_dependencies() -> HealthReport:
    """Both checks at once, both within one HEALTH_CHECK_TIMEOUT from now."""
    deadline = time.monotonic() + settings.HEALTH_CHECK_TIMEOUT
    database_run = _database.start()
    redis_run = _redis.start() if settings.REDIS_URL else None
    return HealthReport(
        database_error=_judged("database", _database.wait(database_run, deadline)),
        redis_error=_judged("redis", _redis.wait(redis_run, deadline)) if redis_run is not None else None,
    )
