"""Both presence stores behind one interface: the same tests run on the database and on Redis."""
import copy
from datetime import date

import pytest
from django.conf import settings

from presence.models import OnlineInstall
from presence.stores import RedisPresenceStore, StoreUnavailable
from tests.support.live import closed_port

NOW = 1_790_000_000  # a fixed server time, Unix seconds
DAY = date(2026, 9, 21)


def seen(store, install_id, seconds_ago, now=NOW):
    return store.touch(install_id=install_id, seen=now - seconds_ago, day=DAY)


def count(store, window, now=NOW):
    return store.count(since=now - window)


def test_an_install_seen_179_seconds_ago_is_online_and_one_seen_181_seconds_ago_is_not(store):
    seen(store, "install-179", 179)
    seen(store, "install-181", 181)
    assert count(store, 180) == 1
    assert count(store, 181) == 2  # a window of W seconds counts last_seen >= now - W
    assert count(store, 178) == 0


def test_distinct_installs_are_each_counted(store):
    for n in range(25):
        seen(store, f"install-{n:04d}", n)
    assert count(store, 180) == 25
    assert count(store, 10) == 11  # seen 0..10 seconds ago


def test_many_heartbeats_from_one_install_count_once(store):
    for second in range(50):
        seen(store, "install-0001", 50 - second)
    assert count(store, 180) == 1
    assert count(store, 1) == 1  # its latest heartbeat is the one that counts


def test_a_late_older_heartbeat_never_moves_an_install_back_in_time(store):
    seen(store, "install-0001", 10)
    seen(store, "install-0001", 300)
    assert count(store, 11) == 1


def test_trimming_forgets_installs_older_than_the_horizon_only(store):
    horizon = settings.PRESENCE_TRIM_HORIZON
    seen(store, "install-old", horizon + 5)
    seen(store, "install-edge", horizon)
    seen(store, "install-new", 1)
    store.trim(before=NOW - horizon)
    assert count(store, horizon + 100) == 2
    assert count(store, horizon) == 2  # the largest window still sees everything kept


def test_the_day_guard_says_first_heartbeat_of_the_day_where_the_store_tracks_days(store, store_name):
    first, second = seen(store, "install-0001", 0), seen(store, "install-0001", 0)
    if store_name == "redis":
        assert (first, second) == (True, False)
        store.forget_day(install_id="install-0001", day=DAY)
        assert seen(store, "install-0001", 0) is True
    else:
        assert (first, second) == (None, None)


def test_ping_answers_when_the_store_is_up(store):
    assert store.ping() is None  # a store that is down raises StoreUnavailable instead (next test)


def test_ping_of_an_unreachable_redis_raises_store_unavailable(redis_url, settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{closed_port()}/0"  # nothing listens: refused
    settings.CACHES = caches
    with pytest.raises(StoreUnavailable):
        RedisPresenceStore().ping()


# --- database store only -------------------------------------------------------------

@pytest.mark.django_db
def test_database_store_keeps_one_row_per_install(settings):
    settings.PRESENCE_STORE = "database"
    from presence.stores import get_store

    store = get_store()
    for second in range(5):
        seen(store, "install-0001", 4 - second)
    seen(store, "install-0002", 0)
    assert sorted(OnlineInstall.objects.values_list("install_id", "last_seen")) == [
        ("install-0001", NOW), ("install-0002", NOW)]


@pytest.mark.django_db
def test_database_store_skips_the_write_when_the_stored_second_is_current(settings, django_assert_num_queries):
    settings.PRESENCE_STORE = "database"
    from django.db import connection

    from presence.stores import get_store

    store = get_store()
    seen(store, "install-0001", 0)
    with connection.cursor() as cursor:
        seen(store, "install-0001", 0)  # a retry within the same second
        cursor.execute("SELECT last_seen FROM presence_onlineinstall")
        assert cursor.fetchall() == [(NOW,)]
    seen(store, "install-0001", 0, now=NOW + 1)  # the next second moves it
    assert OnlineInstall.objects.get().last_seen == NOW + 1


@pytest.mark.django_db(transaction=True)
def test_database_store_upsert_reports_no_row_changed_when_it_skips(settings):
    settings.PRESENCE_STORE = "database"
    from django.db import connection

    sql = (
        "INSERT INTO presence_onlineinstall (install_id, last_seen) VALUES (%s, %s) "
        "ON CONFLICT (install_id) DO UPDATE SET last_seen = excluded.last_seen "
        "WHERE presence_onlineinstall.last_seen < excluded.last_seen"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ["install-0001", NOW])
        assert cursor.rowcount == 1
        cursor.execute(sql, ["install-0001", NOW])
        assert cursor.rowcount == 0  # the same statement the store runs wrote nothing


@pytest.mark.django_db
def test_database_trim_deletes_rows_past_the_horizon(settings):
    settings.PRESENCE_STORE = "database"
    from presence.stores import get_store

    store = get_store()
    seen(store, "install-old", 4000)
    seen(store, "install-new", 10)
    assert store.trim(before=NOW - 3600) == 1
    assert list(OnlineInstall.objects.values_list("install_id", flat=True)) == ["install-new"]


# --- Redis store only -------------------------------------------------------------------

@pytest.fixture
def redis_store(redis_url, settings):
    settings.PRESENCE_STORE = "redis"
    from presence.stores import get_store

    return get_store()


def test_redis_store_is_one_sorted_set_scored_by_server_time(redis_store):
    from django_redis import get_redis_connection

    seen(redis_store, "install-0001", 3)
    raw = get_redis_connection("default")
    assert raw.zscore(redis_store.online_key(), "install-0001") == NOW - 3
    assert raw.zcard(redis_store.online_key()) == 1
    # The set expires on its own when nobody heartbeats for the whole horizon.
    assert 0 < raw.ttl(redis_store.online_key()) <= settings.PRESENCE_TRIM_HORIZON


def test_redis_heartbeats_trim_the_set_as_they_go(redis_store):
    from django_redis import get_redis_connection

    horizon = settings.PRESENCE_TRIM_HORIZON
    for n in range(10):
        seen(redis_store, f"install-old-{n}", 0, now=NOW - horizon - 60)
    seen(redis_store, "install-new", 0)
    raw = get_redis_connection("default")
    assert raw.zrange(redis_store.online_key(), 0, -1) == [b"install-new"]


def test_redis_store_failure_raises_store_unavailable(redis_store, settings):
    import copy

    from presence.stores import StoreUnavailable

    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CACHES = caches
    with pytest.raises(StoreUnavailable):
        count(redis_store, 180)
    with pytest.raises(StoreUnavailable):
        seen(redis_store, "install-0001", 0)


def test_redis_touch_marks_the_day_once_and_survives_redis_losing_its_scripts(redis_store):
    from django_redis import get_redis_connection

    from presence.stores import DAY_GUARD_TTL

    raw = get_redis_connection("default")
    assert seen(redis_store, "install-0002", 5) is True
    assert seen(redis_store, "install-0002", 1) is False  # same day: not new
    assert 0 < raw.ttl(redis_store.day_key(DAY)) <= DAY_GUARD_TTL
    raw.script_flush()  # a restart or a flush: the loaded script is gone
    assert seen(redis_store, "install-0003", 0) is True
    assert raw.zscore(redis_store.online_key(), "install-0003") == NOW
