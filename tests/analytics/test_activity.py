"""analytics.services.activity_mark_seen: the heartbeat's daily-active mark."""
from datetime import UTC, date, datetime

import pytest
from django.core.cache import cache

from analytics.models import DailyActive, DailyActiveCount, DailyCityCount, DailyProvinceCount
from analytics.services import activity_mark_seen

pytestmark = pytest.mark.django_db


def test_first_heartbeat_of_the_day_creates_the_daily_active_row_and_counts_it():
    seen = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
    activity_mark_seen(install_id="install-0001", seen_at=seen)
    row = DailyActive.objects.get()
    assert (row.day, row.install_id, row.province, row.city, row.first_seen_at) == (
        date(2026, 3, 1), "install-0001", "", "", seen)
    assert DailyActiveCount.objects.get(day=date(2026, 3, 1)).count == 1
    assert not DailyProvinceCount.objects.exists() and not DailyCityCount.objects.exists()


def test_later_heartbeats_the_same_day_write_nothing(django_assert_num_queries):
    seen = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    activity_mark_seen(install_id="install-0001", seen_at=seen)
    with django_assert_num_queries(0):
        activity_mark_seen(install_id="install-0001", seen_at=seen.replace(hour=3))
    assert DailyActiveCount.objects.get().count == 1


def test_the_day_is_cut_in_the_service_time_zone():
    # 15:59 and 16:01 UTC are 23:59 and 00:01 the next day in Asia/Shanghai.
    activity_mark_seen(install_id="install-0001", seen_at=datetime(2026, 3, 1, 15, 59, tzinfo=UTC))
    activity_mark_seen(install_id="install-0001", seen_at=datetime(2026, 3, 1, 16, 1, tzinfo=UTC))
    assert sorted(DailyActiveCount.objects.values_list("day", "count")) == [
        (date(2026, 3, 1), 1), (date(2026, 3, 2), 1)]


def test_a_lost_guard_costs_one_idempotent_write_and_no_double_count():
    seen = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    activity_mark_seen(install_id="install-0001", seen_at=seen)
    cache.delete("analytics:active:2026-03-01:install-0001")  # the guard expired or was evicted
    activity_mark_seen(install_id="install-0001", seen_at=seen)
    assert DailyActive.objects.count() == 1
    assert DailyActiveCount.objects.get().count == 1


def test_distinct_installs_are_counted_apart():
    seen = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    for n in range(3):
        activity_mark_seen(install_id=f"install-000{n}", seen_at=seen)
    assert DailyActiveCount.objects.get().count == 3
