"""Analytics reads: DAU from the per-day count tables, never from raw events."""
from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from analytics.models import DailyActiveCount, DailyCityCount, DailyProvinceCount


def dau_between(*, start: date, end: date) -> dict:
    """
    Daily actives for every day from `start` to `end` inclusive, zero days included.

    Three index range scans on (day, ...) of the count tables: one row per day,
    one per (day, province), one per (day, city). The maps are ordered by count,
    largest first (then by name). `summary.avgDau` is the mean rounded half up to an
    integer; an empty range has zeros throughout.
    """
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    totals = dict(
        DailyActiveCount.objects.filter(day__range=(start, end)).values_list("day", "count")
    )
    by_province: dict[date, list[tuple[str, int]]] = {day: [] for day in days}
    for day, province, count in DailyProvinceCount.objects.filter(day__range=(start, end), count__gt=0).values_list(
        "day", "province", "count"
    ):
        by_province[day].append((province, count))
    by_city: dict[date, list[tuple[str, int]]] = {day: [] for day in days}
    for day, city, count in DailyCityCount.objects.filter(day__range=(start, end), count__gt=0).values_list(
        "day", "city", "count"
    ):
        by_city[day].append((city, count))

    def ranked(pairs: list[tuple[str, int]]) -> dict[str, int]:
        return dict(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))

    data = [
        {
            "day": day.isoformat(),
            "dauCount": totals.get(day, 0),
            "dauByProvince": ranked(by_province[day]),
            "dauByCity": ranked(by_city[day]),
        }
        for day in days
    ]
    counts = [row["dauCount"] for row in data]
    total = sum(counts)
    return {
        "data": data,
        "total": len(data),
        "summary": {
            "totalDau": total,
            "avgDau": (2 * total + len(counts)) // (2 * len(counts)) if counts else 0,  # half up
            "maxDau": max(counts, default=0),
            "minDau": min(counts, default=0),
        },
        "timeZone": settings.TIME_ZONE,
    }
