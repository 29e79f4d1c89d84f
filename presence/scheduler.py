"""
The snapshot clock: a daemon thread in every serving process that takes the
minute's snapshot, so that history fills without a cron job.

Every process (each gunicorn worker on each host, or runserver) runs one. Each
wakes just after every minute boundary and calls `snapshot_take`; the unique
minute row makes exactly one of them win, the others read the winner's row and
sleep again. Jitter spreads the wake-ups so the losers mostly find the row
already there (one indexed SELECT, no count). A process that was down misses
nothing as long as any other process is up.

Started from `PresenceConfig.ready()` under runserver and from gunicorn's
`post_worker_init` hook (gunicorn.conf.py); never in tests or other commands.
"""
from __future__ import annotations

import logging
import random
import threading
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger("presence.scheduler")

# Wake this long after the minute boundary (plus jitter): late enough that every host's
# clock agrees the minute has begun, early enough that the count stands for that minute.
WAKE_OFFSET = 1.0
WAKE_JITTER = 2.0

_thread: SnapshotThread | None = None
_lock = threading.Lock()


class SnapshotThread(threading.Thread):
    def __init__(self):
        super().__init__(name="presence-snapshots", daemon=True)
        self.stop_event = threading.Event()
        self.runs = 0

    def run(self):
        period = settings.PRESENCE_SNAPSHOT_PERIOD
        while not self.stop_event.is_set():
            self.take_once()
            delay = period - time.time() % period + WAKE_OFFSET + random.uniform(0, WAKE_JITTER)
            self.stop_event.wait(delay)

    def take_once(self) -> None:
        from presence.services import snapshot_take

        try:
            snapshot, created = snapshot_take()
        except Exception:
            # Never let the clock die: a store or database outage costs this minute's snapshot only.
            logger.exception("presence.snapshot_failed")
        else:
            logger.debug("presence.snapshot", extra={"minute": snapshot.minute.isoformat(), "created": created})
        finally:
            self.runs += 1
            # This thread's connections only: a once-a-minute job should not hold one open.
            connections.close_all()

    def stop(self) -> None:
        self.stop_event.set()


def start_snapshot_scheduler() -> SnapshotThread | None:
    """Start this process's snapshot thread once (no-op when PRESENCE_SNAPSHOTS_AUTOSTART is off)."""
    global _thread
    if not settings.PRESENCE_SNAPSHOTS_AUTOSTART:
        return None
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = SnapshotThread()
            _thread.start()
            logger.info("presence.scheduler_started")
        return _thread


def stop_snapshot_scheduler() -> None:
    """Stop this process's snapshot thread, if any (tests, graceful shutdown)."""
    global _thread
    with _lock:
        if _thread is not None:
            _thread.stop()
            _thread = None
