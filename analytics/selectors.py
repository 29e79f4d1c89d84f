"""
Analytics reads: DAU from the per-day count tables, never from raw events.

A 90-day answer holds up to 90 x (34 provinces + 300 cities) entries. The
tables make that three index range scans, but fetching and ordering ~27,000
rows still costs tens of milliseconds, so each day's rendered entry is cached
under (day, version): `DailyActiveCount.version` moves in the same
transaction as any change to that day's counts, so a cached entry is never
served for a version it does not match, and nothing has to be invalidated.
A request reads the 90 (count, version) rows, fetches the entries in one
cache round trip and computes only the days it misses (usually today).
The assembled `data` array is cached too, under the range and a digest of
its (day, version) pairs, so a repeated query is one GET of one value; and
each process keeps the last few whole answers, rendered, under that same key
(`core.memo`), so a repeated query is the versions query and nothing else.
"""
from __future__ import annotations

from datetime import date, timedelta
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
import orjson
import redis

from analytics.models import DailyActiveCount, DailyCityCount, DailyProvinceCount
from core.jsonutil import dumps
from core.memo import RenderedMemo

logger = logging.getLogger("analytics")

# Entries of past days stay valid until their version moves; a day is plenty
# (late events keep moving recent days, and the keys of old versions just expire).
DAY_ENTRY_TTL = 24 * 3600
# A range's array is retired by any new version of any of its days (usually
# today's, within seconds on a busy service), so it only needs to outlive bursts.
RANGE_TTL = 3600
# Whole answers this process rendered, by range key: a 90-day answer is about 470 KB.
dau_answers = RenderedMemo(size=8)


def _entry_key(day: date, version: int) -> str:
    return f"analytics:dau-day:{settings.TIME_ZONE}:{day.isoformat()}:{version}"


def _ranked(pairs: list[tuple[str, int]]) -> dict[str, int]:
    """Largest count first, then by name: the order 003's example shows."""
    return dict(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))


def _day_maps(days: list[date], start: date, end: date) -> dict[date, tuple[dict, dict]]:
    """(dauByProvince, dauByCity) of each of `days`, in two queries."""
    wanted = set(days)
    # All days of the range in one range scan, or just the few that are missing.
    day_filter = {"day__range": (start, end)} if len(days) > 10 else {"day__in": days}
    provinces: dict[date, list] = {day: [] for day in days}
    cities: dict[date, list] = {day: [] for day in days}
    for day, name, count in DailyProvinceCount.objects.filter(count__gt=0, **day_filter).values_list(
        "day", "province", "count"
    ):
        if day in wanted:
            provinces[day].append((name, count))
    for day, name, count in DailyCityCount.objects.filter(count__gt=0, **day_filter).values_list(
        "day", "city", "count"
    ):
        if day in wanted:
            cities[day].append((name, count))
    return {day: (_ranked(provinces[day]), _ranked(cities[day])) for day in days}


def _range_key(start: date, end: date, versions: dict[date, tuple[int, int]]) -> str:
    # The count too: a day pruned and rebuilt can come back at a version it had before.
    pairs = ",".join(f"{day.toordinal()}:{version}:{count}" for day, (count, version) in sorted(versions.items()))
    digest = hashlib.blake2b(pairs.encode(), digest_size=16).hexdigest()
    return f"analytics:dau-range:{settings.TIME_ZONE}:{start.isoformat()}:{end.isoformat()}:{digest}"


def _cache_get(key: str):
    try:
        return cache.get(key)
    except redis.RedisError:
        logger.warning("analytics.dau_cache_unavailable", exc_info=True)
        return None


def _cache_set(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except redis.RedisError:
        logger.warning("analytics.dau_cache_unavailable", exc_info=True)


def _cache_get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys) if keys else {}
    except redis.RedisError:
        logger.warning("analytics.dau_cache_unavailable", exc_info=True)
        return {}


def _cache_set_many(entries: dict) -> None:
    try:
        cache.set_many(entries, timeout=DAY_ENTRY_TTL)
    except redis.RedisError:
        logger.warning("analytics.dau_cache_unavailable", exc_info=True)


def dau_between(*, start: date, end: date) -> orjson.Fragment:
    """
    Daily actives for every day from `start` to `end` inclusive, zero days included,
    rendered: `{data, total, summary, timeZone}` as an `orjson.Fragment`.

    Each `data` entry is `{day, dauCount, dauByProvince, dauByCity}`, the maps
    ordered by count, largest first (then by name); installs with no known
    place count in dauCount only. `summary.avgDau` is the mean rounded half up
    to an integer.
    """
    versions = {
        day: (count, version)
        for day, count, version in DailyActiveCount.objects.filter(day__range=(start, end)).values_list(
            "day", "count", "version"
        )
    }
    range_key = _range_key(start, end, versions)
    return dau_answers.get_or_render(range_key, lambda: _answer(versions, start, end, range_key))


def _answer(versions: dict[date, tuple[int, int]], start: date, end: date, range_key: str) -> dict:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    counts = [versions[day][0] if day in versions else 0 for day in days]
    rendered = _cache_get(range_key)
    if rendered is None:
        rendered = dumps(_days_data(days, versions, start, end))
        _cache_set(range_key, rendered, RANGE_TTL)
    total = sum(counts)
    return {
        "data": orjson.Fragment(rendered),
        "total": len(days),
        "summary": {
            "totalDau": total,
            "avgDau": (2 * total + len(counts)) // (2 * len(counts)) if counts else 0,  # half up
            "maxDau": max(counts, default=0),
            "minDau": min(counts, default=0),
        },
        "timeZone": settings.TIME_ZONE,
    }


def _days_data(days: list[date], versions: dict[date, tuple[int, int]], start: date, end: date) -> list:
    """The `data` array: cached day entries where their version matches, the rest computed and cached."""
    keys = {day: _entry_key(day, version) for day, (_count, version) in versions.items()}
    cached = _cache_get_many(list(keys.values()))
    missing = [day for day in sorted(versions) if keys[day] not in cached]
    if missing:
        fresh = {}
        for day, (by_province, by_city) in _day_maps(missing, start, end).items():
            entry = {"day": day.isoformat(), "dauCount": versions[day][0],
                     "dauByProvince": by_province, "dauByCity": by_city}
            fresh[keys[day]] = dumps(entry)
        _cache_set_many(fresh)
        cached.update(fresh)
    return [
        orjson.Fragment(cached[keys[day]]) if day in versions
        else {"day": day.isoformat(), "dauCount": 0, "dauByProvince": {}, "dauByCity": {}}
        for day in days
    ]
