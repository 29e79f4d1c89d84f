"""
Presence writes: heartbeats and the once-a-minute snapshot.

The heartbeat path is the hot one (every install, every minute): after the JWT
check and the limiter it makes one store write and, once per install per day,
one call into analytics to mark the install active. No SQL write in the common
case when the store is Redis.
"""
from __future__ import annotations

from datetime import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics.services import activity_mark_seen
from core import metrics
from core.exceptions import ServiceUnavailable
from core.timeutil import utc_now
from presence.models import PresenceSnapshot
from presence.stores import StoreUnavailable, get_store
from presence.timing import floor_to

logger = logging.getLogger("presence")


def heartbeat_record(*, install_id: str, now: datetime | None = None) -> datetime:
    """
    Record a heartbeat of `install_id` at server time `now` (default: now) and
    mark the install active for its day. Returns the server time used.
    Raises ServiceUnavailable (503) when the store cannot be reached.
    """
    now = now or utc_now()
    store = get_store()
    day = timezone.localdate(now)  # the service's TIME_ZONE, as analytics cuts its days
    try:
        first_today = store.touch(install_id=install_id, seen=int(now.timestamp()), day=day)
    except StoreUnavailable as exc:
        logger.error("presence.store_unavailable", extra={"store": store.name, "error": str(exc)})
        metrics.dependency_failed(store.name, "presence")  # the store's name is its dependency
        raise ServiceUnavailable() from exc
    metrics.PRESENCE_HEARTBEATS.inc()
    if first_today is not False:
        _mark_active_for_day(install_id=install_id, seen_at=now, store=store, day=day, guarded=bool(first_today))
    return now


def _mark_active_for_day(*, install_id: str, seen_at: datetime, store, day, guarded: bool) -> None:
    try:
        activity_mark_seen(install_id=install_id, seen_at=seen_at)
    except Exception:
        # The heartbeat itself is recorded; losing the day's mark must not fail it. The store's
        # guard is released so that the install's next heartbeat tries again.
        logger.exception("presence.activity_mark_failed", extra={"install_id": install_id})
        if guarded:
            store.forget_day(install_id=install_id, day=day)


def snapshot_take(*, now: datetime | None = None) -> tuple[PresenceSnapshot, bool]:
    """
    Take the snapshot of the minute containing `now` (default: now) unless one exists.

    Returns (snapshot, created). The unique `minute` column is the lock: when several
    processes or hosts try at once, one insert wins and the others read its row. The
    winner also trims the store, so trimming happens once a minute across the fleet.
    """
    now = now or utc_now()
    minute = floor_to(now, settings.PRESENCE_SNAPSHOT_PERIOD)
    existing = PresenceSnapshot.objects.filter(minute=minute).first()
    if existing is not None:
        return existing, False
    store = get_store()
    window = settings.PRESENCE_DEFAULT_WINDOW
    count = store.count(since=int(now.timestamp()) - window)
    try:
        with transaction.atomic():
            snapshot = PresenceSnapshot.objects.create(minute=minute, count=count, window_seconds=window, taken_at=now)
    except IntegrityError:
        return PresenceSnapshot.objects.get(minute=minute), False
    store.trim(before=int(now.timestamp()) - settings.PRESENCE_TRIM_HORIZON)
    logger.info("presence.snapshot_taken", extra={"minute": minute.isoformat(), "count": count})
    return snapshot, True
