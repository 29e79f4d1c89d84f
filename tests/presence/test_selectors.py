"""History buckets (contract §7) at every interval: aligned, exact rounded means, gaps left out."""
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from presence.models import PresenceSnapshot
from presence.selectors import online_history, rounded_mean

BASE = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def two_hours(db):
    """A snapshot each minute from 10:00 to 11:59 UTC whose count is its minute index (0–119)."""
    PresenceSnapshot.objects.bulk_create(
        PresenceSnapshot(minute=BASE + timedelta(minutes=i), count=i, window_seconds=180, taken_at=BASE)
        for i in range(120)
    )


def history(**query) -> dict:
    """online_history's answer, which it returns rendered, parsed back."""
    return orjson.loads(orjson.dumps(online_history(**query)))


def iso(minutes: int) -> str:
    return (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize(
    ("interval", "minutes", "start", "end", "expected"),
    [
        # mean of minutes k*j .. k*j+k-1 is k*j + (k-1)/2, halves rounded up
        ("1m", 1, 7, 113, [(i, i) for i in range(7, 113)]),
        ("5m", 5, 5, 115, [(5 * j, 5 * j + 2) for j in range(1, 23)]),
        ("15m", 15, 0, 120, [(15 * j, 15 * j + 7) for j in range(8)]),
        ("30m", 30, 0, 120, [(30 * j, 30 * j + 15) for j in range(4)]),
        ("1h", 60, 0, 120, [(0, 30), (60, 90)]),
    ],
)
def test_every_interval_answers_aligned_buckets_with_exact_means(two_hours, interval, minutes, start, end, expected):
    result = history(
        start=BASE + timedelta(minutes=7, seconds=30), end=BASE + timedelta(minutes=112, seconds=10), interval=interval)
    assert result["startTime"] == iso(start)
    assert result["endTime"] == iso(end)
    assert [(p["ts"], p["count"]) for p in result["data"]] == [(iso(m), c) for m, c in expected]
    assert result["total"] == len(expected)
    counts = [c for _, c in expected]
    assert result["summary"] == {"max": max(counts), "min": min(counts), "avg": rounded_mean(sum(counts), len(counts))}


def test_buckets_without_snapshots_are_left_out_and_partial_ones_average_what_they_have(db):
    for minute, count in [(0, 4), (2, 5), (31, 9)]:
        PresenceSnapshot.objects.create(minute=BASE + timedelta(minutes=minute), count=count, window_seconds=180,
                                        taken_at=BASE)
    result = history(start=BASE, end=BASE + timedelta(hours=1), interval="15m")
    assert [(p["ts"], p["count"]) for p in result["data"]] == [(iso(0), 5), (iso(30), 9)]  # 4.5 -> 5
    assert result["summary"] == {"max": 9, "min": 5, "avg": 7}


def test_snapshots_outside_the_aligned_range_are_not_read(db):
    for minute in (-1, 0, 59, 60):
        PresenceSnapshot.objects.create(minute=BASE + timedelta(minutes=minute), count=100 + minute,
                                        window_seconds=180, taken_at=BASE)
    result = history(start=BASE, end=BASE + timedelta(hours=1), interval="1h")
    assert result["data"] == [{"ts": iso(0), "count": 130}]  # (100 + 159) / 2 = 129.5


def test_history_is_two_queries_then_one_while_no_snapshot_is_added(db, django_assert_num_queries):
    start, end = BASE, BASE + timedelta(days=31)
    PresenceSnapshot.objects.create(minute=BASE, count=10, window_seconds=180, taken_at=BASE)
    with django_assert_num_queries(2):
        first = history(start=start, end=end, interval="1m")
    with django_assert_num_queries(1):
        assert history(start=start, end=end, interval="1m") == first


def test_a_kept_history_answer_is_not_reused_once_a_snapshot_is_added(db):
    start, end = BASE, BASE + timedelta(hours=1)
    PresenceSnapshot.objects.create(minute=BASE, count=10, window_seconds=180, taken_at=BASE)
    assert history(start=start, end=end, interval="5m")["data"] == [{"ts": "2026-01-01T10:00:00.000Z", "count": 10}]
    later = BASE + timedelta(minutes=1)
    PresenceSnapshot.objects.create(minute=later, count=21, window_seconds=180, taken_at=later)
    assert history(start=start, end=end, interval="5m")["data"] == [{"ts": "2026-01-01T10:00:00.000Z", "count": 16}]


@pytest.mark.parametrize(("total", "n", "mean"), [(5, 2, 3), (7, 2, 4), (10, 4, 3), (9, 4, 2), (0, 3, 0), (1, 3, 0), (2, 3, 1)])
def test_means_round_half_up(total, n, mean):
    assert rounded_mean(total, n) == mean
