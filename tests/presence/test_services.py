"""Heartbeat and snapshot services on both stores: what they write, and what they never write twice."""
from datetime import UTC, datetime, timedelta
import threading

import pytest
from django.db import connection, connections

from analytics.models import DailyActive
from presence import services
from presence.models import OnlineInstall, PresenceSnapshot
from presence.selectors import online_count

T0 = datetime(2026, 5, 4, 12, 0, 30, tzinfo=UTC)


def test_a_snapshot_counts_the_installs_online_at_the_default_window(store_name):
    services.heartbeat_record(install_id="install-seen-179", now=T0 - timedelta(seconds=179))
    services.heartbeat_record(install_id="install-seen-181", now=T0 - timedelta(seconds=181))
    services.heartbeat_record(install_id="install-seen-now", now=T0)
    snapshot, created = services.snapshot_take(now=T0)
    assert created is True
    assert (snapshot.minute, snapshot.count, snapshot.window_seconds, snapshot.taken_at) == (
        datetime(2026, 5, 4, 12, 0, tzinfo=UTC), 2, 180, T0)


def test_the_second_taker_of_a_minute_gets_the_first_snapshot(store_name):
    first, created = services.snapshot_take(now=T0)
    services.heartbeat_record(install_id="install-0001", now=T0)
    again, created_again = services.snapshot_take(now=T0 + timedelta(seconds=29))
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.count == 0
    following, created_next = services.snapshot_take(now=T0 + timedelta(seconds=30))  # 12:01:00
    assert created_next is True and following.count == 1
    assert PresenceSnapshot.objects.count() == 2


def test_the_snapshot_winner_trims_the_store(store_name, settings):
    horizon = settings.PRESENCE_TRIM_HORIZON
    services.heartbeat_record(install_id="install-gone", now=T0 - timedelta(seconds=horizon + 10))
    services.heartbeat_record(install_id="install-here", now=T0)
    services.snapshot_take(now=T0)
    assert online_count(window_seconds=3600, now=T0 + timedelta(seconds=horizon - 3600)) == 1
    if store_name == "database":
        assert list(OnlineInstall.objects.values_list("install_id", flat=True)) == ["install-here"]


def test_heartbeats_mark_the_install_active_on_its_local_day(store_name):
    # 15:59 and 16:01 UTC fall on two days in Asia/Shanghai.
    services.heartbeat_record(install_id="install-0001", now=datetime(2026, 3, 1, 15, 59, tzinfo=UTC))
    services.heartbeat_record(install_id="install-0001", now=datetime(2026, 3, 1, 15, 59, 30, tzinfo=UTC))
    services.heartbeat_record(install_id="install-0001", now=datetime(2026, 3, 1, 16, 1, tzinfo=UTC))
    assert sorted(DailyActive.objects.values_list("day", flat=True)) == [
        datetime(2026, 3, 1).date(), datetime(2026, 3, 2).date()]


def test_a_failed_day_mark_keeps_the_heartbeat_and_retries_on_the_next(store_name, monkeypatch):
    calls = []

    def failing_mark(*, install_id, seen_at):
        calls.append(install_id)
        raise RuntimeError("analytics table unavailable")

    monkeypatch.setattr(services, "activity_mark_seen", failing_mark)
    services.heartbeat_record(install_id="install-0001", now=T0)
    assert online_count(window_seconds=180, now=T0) == 1
    monkeypatch.undo()
    services.heartbeat_record(install_id="install-0001", now=T0 + timedelta(seconds=60))
    assert calls == ["install-0001"]
    assert DailyActive.objects.filter(install_id="install-0001").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_of_one_minute_make_exactly_one_snapshot(settings):
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database is one connection; test_commands runs processes on a file")
    settings.PRESENCE_STORE = "database"
    takers = 8
    barrier = threading.Barrier(takers)
    outcomes = []

    def take():
        try:
            barrier.wait()
            snapshot, created = services.snapshot_take(now=T0)
            outcomes.append((snapshot.pk, created))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == takers
    assert sum(created for _, created in outcomes) == 1
    assert len({pk for pk, _ in outcomes}) == 1
    assert PresenceSnapshot.objects.count() == 1
