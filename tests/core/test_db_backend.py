"""
core.db: Django's PostgreSQL backend whose per-request health check skips a
connection used within the last second. Exercised on a real server: a
connection is killed from another session, as a restart would.
"""
import time

from django.db import OperationalError, connection, connections
import pytest

from core.db import base as core_db

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's"),
]


@pytest.fixture
def persistent():
    """A second connection with persistent-connection settings, outside the test's transaction."""
    wrapper = connections.create_connection("default")
    wrapper.settings_dict.update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    wrapper.health_check_enabled = True
    yield wrapper
    wrapper.close()


def backend_pid(wrapper):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def kill(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.05)


def start_request(wrapper):
    """What Django does on request_started for each connection."""
    wrapper.close_if_unusable_or_obsolete()


def test_settings_select_the_core_backend():
    assert connection.settings_dict["ENGINE"] == "core.db"
    assert isinstance(connections["default"], core_db.DatabaseWrapper)


def test_an_idle_connection_is_checked_and_a_dead_one_replaced(persistent):
    old_pid = backend_pid(persistent)
    kill(old_pid)
    persistent._last_cursor_at -= core_db.RECENTLY_USED_SECONDS + 1  # idle for longer than the skip

    start_request(persistent)
    new_pid = backend_pid(persistent)

    assert new_pid != old_pid


def test_a_connection_used_a_moment_ago_is_not_checked(persistent):
    old_pid = backend_pid(persistent)
    kill(old_pid)
    persistent._last_cursor_at = time.monotonic()  # however long the kill took to land

    start_request(persistent)
    # No SELECT 1 ran first: the query meets the dead connection itself ...
    with pytest.raises(OperationalError):
        backend_pid(persistent)
    # ... and the end of that request drops it, so the next request gets a new one.
    start_request(persistent)
    assert persistent.connection is None
    assert backend_pid(persistent) != old_pid
