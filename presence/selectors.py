"""Presence reads: the online count and the snapshot history (contract §7)."""
from __future__ import annotations

from datetime import datetime
import logging

from core.exceptions import ServiceUnavailable
from core.timeutil import isoformat_z
from presence.models import PresenceSnapshot
from presence.stores import StoreUnavailable, get_store
from presence.timing import ceil_to, floor_to

logger = logging.getLogger("presence")

# 003 §1.3: the aggregation intervals offered, in seconds.
INTERVALS = {"1m": 60, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600}


def online_count(*, window_seconds: int, now: datetime) -> int:
    """Distinct installs whose last heartbeat (server time, whole seconds) is within `window_seconds` of `now`."""
    store = get_store()
    try:
        return store.count(since=int(now.timestamp()) - window_seconds)
    except StoreUnavailable as exc:
        logger.error("presence.store_unavailable", extra={"store": store.name, "error": str(exc)})
        raise ServiceUnavailable() from exc


def rounded_mean(total: int, n: int) -> int:
    """total / n rounded half up, in integers (no float drift on large sums)."""
    return (2 * total + n) // (2 * n)


def online_history(*, start: datetime, end: datetime, interval: str) -> dict:
    """
    The snapshots between `start` and `end` in buckets of `interval`.

    Buckets are aligned to the interval in UTC; the range answered is widened to
    whole buckets ([floor(start), ceil(end))). A bucket's count is the rounded mean
    of its minute snapshots; buckets without snapshots are left out. The summary
    describes the buckets returned (zeros when there are none).
    """
    step = INTERVALS[interval]
    aligned_start, aligned_end = floor_to(start, step), ceil_to(end, step)
    rows = (
        PresenceSnapshot.objects.filter(minute__gte=aligned_start, minute__lt=aligned_end)
        .order_by("minute")
        .values_list("minute", "count")
    )
    sums: dict[int, list[int]] = {}
    for minute, count in rows.iterator(chunk_size=5000):
        epoch = int(minute.timestamp())
        bucket = sums.setdefault(epoch - epoch % step, [0, 0])
        bucket[0] += count
        bucket[1] += 1
    data = [
        {"ts": isoformat_z(datetime.fromtimestamp(epoch, tz=aligned_start.tzinfo)), "count": rounded_mean(total, n)}
        for epoch, (total, n) in sums.items()  # insertion order is time order
    ]
    counts = [point["count"] for point in data]
    summary = (
        {"max": max(counts), "min": min(counts), "avg": rounded_mean(sum(counts), len(counts))}
        if counts
        else {"max": 0, "min": 0, "avg": 0}
    )
    return {
        "data": data,
        "interval": interval,
        "startTime": isoformat_z(aligned_start),
        "endTime": isoformat_z(aligned_end),
        "total": len(data),
        "summary": summary,
    }
