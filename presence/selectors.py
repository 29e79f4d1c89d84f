"""Presence reads: the online count and the snapshot history (contract §7)."""
from __future__ import annotations

from datetime import UTC, datetime
import logging

from django.db import connections
from django.db.models import BigIntegerField, Count, Func, Max, Sum

from core.exceptions import ServiceUnavailable
from core.memo import RenderedMemo
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


class UnixSeconds(Func):
    """Whole Unix seconds of a datetime column, on PostgreSQL and SQLite."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS BIGINT)", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)", **extra)


def _iso_minutes(epochs: list[int]) -> list[str]:
    """isoformat_z for whole minutes, formatting each day's date once (10,080 stamps per week at 1m)."""
    days: dict[int, str] = {}
    stamps = []
    for epoch in epochs:
        day, second = divmod(epoch, 86400)
        prefix = days.get(day)
        if prefix is None:
            prefix = days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%dT")
        stamps.append(f"{prefix}{second // 3600:02d}:{second % 3600 // 60:02d}:00.000Z")
    return stamps


def rounded_mean(total: int, n: int) -> int:
    """total / n rounded half up, in integers (no float drift on large sums)."""
    return (2 * total + n) // (2 * n)


# Answers this process rendered, by (range, interval, snapshot count, latest minute, sum).
# A week at 1m is a 494 KB body.
history_answers = RenderedMemo(size=8)


def online_history(*, start: datetime, end: datetime, interval: str):
    """
    The snapshots between `start` and `end` in buckets of `interval`, as rendered JSON
    (an `orjson.Fragment` of `{data, interval, startTime, endTime, total, summary}`).

    Buckets are aligned to the interval in UTC; the range answered is widened to
    whole buckets ([floor(start), ceil(end))). A bucket's count is the rounded mean
    of its minute snapshots; buckets without snapshots are left out. The summary
    describes the buckets returned (zeros when there are none).
    """
    step = INTERVALS[interval]
    aligned_start, aligned_end = floor_to(start, step), ceil_to(end, step)
    in_range = PresenceSnapshot.objects.filter(minute__gte=aligned_start, minute__lt=aligned_end)
    # Snapshots are written once and never change, so the answer for a range is fixed
    # until a snapshot is added to it: the range's count and latest minute, in one
    # aggregate with their sum, says whether the answer this process kept still holds.
    state = in_range.aggregate(n=Count("id"), latest=Max("minute"), total=Sum("count"))
    key = (aligned_start, aligned_end, interval, state["n"], state["latest"], state["total"])
    return history_answers.get_or_render(
        key, lambda: _history_answer(in_range, aligned_start, aligned_end, step, interval)
    )


def _history_answer(in_range, aligned_start: datetime, aligned_end: datetime, step: int, interval: str) -> dict:
    # Bucketing and sums happen in SQL on whole Unix seconds: a week at 1m is 10,080
    # rows, and parsing that many timestamps in Python cost ~100 ms per request.
    buckets = (
        in_range.annotate(bucket=UnixSeconds("minute") / step * step)
        .values("bucket")
        .annotate(total=Sum("count"), n=Count("id"))
        .order_by("bucket")
        .values_list("bucket", "total", "n")
    )
    # Plain integers need none of the ORM's per-value converters: run the compiled SQL directly.
    sql, params = buckets.query.sql_with_params()
    with connections[buckets.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    stamps = _iso_minutes([bucket for bucket, _total, _n in rows])
    data = [{"ts": stamp, "count": rounded_mean(total, n)} for stamp, (_b, total, n) in zip(stamps, rows)]
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
