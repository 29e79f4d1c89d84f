"""GET/HEAD /api/v1/health (seed 000, contract §5) in every state, against real servers and real
misbehaving peers (refused ports, peers that accept and never answer, a server that stalls)."""
import json
import os
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.support.assertions import ISO_MS_Z, REQUEST_ID
from tests.support.live import closed_port, http, running_service
from tests.support.peers import StallingProxy, silent_peer

pytestmark = pytest.mark.django_db


def test_healthy_answer_matches_seed_000_field_by_field(api):
    response = api.get("/api/v1/health")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    payload = response.json()
    assert list(payload) == ["code", "message", "data"]
    assert payload["code"] == 0
    assert payload["message"] == "服务正常运行"
    data = payload["data"]
    assert list(data) == ["status", "timestamp", "service", "uptime"]
    assert data["status"] == "healthy"
    assert ISO_MS_Z.match(data["timestamp"])
    assert data["service"] == "procure-api"
    assert isinstance(data["uptime"], int) and data["uptime"] >= 0
    assert REQUEST_ID.match(response["X-Request-Id"])
    assert response["Cache-Control"] == "no-store"


def test_health_is_not_rate_limited(api):
    for _ in range(50):
        response = api.get("/api/v1/health")
        assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


def test_head_answers_like_get_without_a_body(api):
    response = api.head("/api/v1/health")
    assert response.status_code == 200
    assert response.content == b""
    assert REQUEST_ID.match(response["X-Request-Id"])


def test_service_name_is_configurable(api, settings):
    settings.SERVICE_NAME = "procure-eu"
    assert api.get("/api/v1/health").json()["data"]["service"] == "procure-eu"


def _reachable_database_env(tmpdir):
    if settings.DATABASE_URL:
        return {"DATABASE_URL": settings.DATABASE_URL}
    return {"DATABASE_URL": None, "SQLITE_PATH": os.path.join(tmpdir, "health.sqlite3")}


# The bound every health answer must meet: seed 000's probes give up after 3 s.
PROBE_TIMEOUT = 3.0
# DB_POOL on and off; the pool's own wait (DB_POOL_TIMEOUT, 5 s) and psycopg's shortest connect
# timeout (2 s) would each break the bound without the health check's own deadline.
POOL_MODES = pytest.mark.parametrize("pool", ["false", "true"])


def _timed_health(base, method="GET"):
    """(seconds, status, headers, body) of one health request; the client waits up to 10 s."""
    started = time.monotonic()
    status, headers, raw = http(method, f"{base}/api/v1/health", timeout=10)
    return time.monotonic() - started, status, headers, raw


def _warm_up(base):
    # The worker's first request pays for lazy imports; a path that needs no store.
    assert http("GET", f"{base}/api/v1/no-such-path")[0] == 404


def _assert_database_down(status, headers, raw, details):
    payload = json.loads(raw)
    assert status == 503
    assert payload["code"] == 50002
    assert payload["message"] == "数据库连接失败"
    assert list(payload["data"]) == ["status", "timestamp", "details"]
    assert payload["data"]["status"] == "degraded"
    assert payload["data"]["details"] == details
    assert ISO_MS_Z.match(payload["data"]["timestamp"])
    assert REQUEST_ID.match(headers["X-Request-Id"])
    assert headers["Cache-Control"] == "no-store"


def _assert_redis_down(status, raw, details):
    payload = json.loads(raw)
    assert status == 503
    assert payload["code"] == 50001
    assert payload["message"] == "服务暂时不可用"
    assert list(payload["data"]) == ["status", "timestamp", "details"]
    assert payload["data"]["status"] == "unhealthy"
    assert payload["data"]["details"] == details


def test_refused_database_connection_is_503_with_50002_degraded():
    env = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/postgres", "REDIS_URL": None}
    with running_service(env) as base:
        status, headers, raw = http("GET", f"{base}/api/v1/health")
    _assert_database_down(status, headers, raw, "Database connection failed (OperationalError)")


def test_missing_sqlite_directory_is_503_with_50002_degraded():
    env = {"DATABASE_URL": None, "SQLITE_PATH": "/nonexistent-directory/for/health/db.sqlite3", "REDIS_URL": None}
    with running_service(env) as base:
        status, headers, raw = http("GET", f"{base}/api/v1/health")
    _assert_database_down(status, headers, raw, "Database connection failed (OperationalError)")


@POOL_MODES
def test_database_that_accepts_and_never_answers_times_out_within_the_probe_timeout(pool):
    with silent_peer() as port:
        env = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres", "DB_POOL": pool, "REDIS_URL": None}
        with running_service(env) as base:
            _warm_up(base)
            # twice: the second probe finds the first one's connect attempt still waiting
            for _ in range(2):
                elapsed, status, headers, raw = _timed_health(base)
                _assert_database_down(status, headers, raw, "Database connection timeout")
                assert elapsed < PROBE_TIMEOUT, elapsed


@POOL_MODES
def test_database_that_stalls_on_a_live_connection_times_out_and_recovers(pool):
    if not settings.DATABASE_URL:
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    url = urlsplit(settings.DATABASE_URL)
    with StallingProxy((url.hostname, url.port or 5432)) as proxy:
        proxied = urlunsplit(url._replace(netloc=f"{url.username or 'postgres'}@127.0.0.1:{proxy.port}"))
        with running_service({"DATABASE_URL": proxied, "DB_POOL": pool, "REDIS_URL": None}) as base:
            _warm_up(base)
            assert _timed_health(base)[1] == 200  # with DB_POOL, the pool now holds a live connection
            proxy.freeze()
            for _ in range(2):
                elapsed, status, headers, raw = _timed_health(base)
                _assert_database_down(status, headers, raw, "Database connection timeout")
                assert elapsed < PROBE_TIMEOUT, elapsed
            proxy.thaw()
            # the stalled connection was cut at the deadline, not left to TCP: health is back
            # as soon as the next check runs
            deadline = time.monotonic() + 10
            while (status := _timed_health(base)[1]) != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert status == 200


def test_refused_redis_connection_is_503_with_50001_unhealthy():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {**_reachable_database_env(tmpdir), "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
        with running_service(env) as base:
            status, _headers, raw = http("GET", f"{base}/api/v1/health")
            head_status, _h, head_body = http("HEAD", f"{base}/api/v1/health")
    _assert_redis_down(status, raw, "Redis connection failed (ConnectionError)")
    assert (head_status, head_body) == (503, b"")


@pytest.mark.parametrize("socket_timeout", ["0.5", "10"])
def test_redis_that_accepts_and_never_answers_times_out_within_the_probe_timeout(socket_timeout):
    # 0.5 s: redis-py's own timeout ends the check; 10 s: only the health deadline does.
    with tempfile.TemporaryDirectory() as tmpdir, silent_peer() as port:
        env = {**_reachable_database_env(tmpdir), "REDIS_URL": f"redis://127.0.0.1:{port}/0",
               "REDIS_SOCKET_TIMEOUT": socket_timeout, "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
        with running_service(env) as base:
            _warm_up(base)
            elapsed, status, _headers, raw = _timed_health(base)
            head_elapsed, head_status, _h, head_body = _timed_health(base, "HEAD")
    _assert_redis_down(status, raw, "Redis connection timeout")
    assert elapsed < PROBE_TIMEOUT, elapsed
    assert (head_status, head_body) == (503, b"")
    assert head_elapsed < PROBE_TIMEOUT, head_elapsed


def test_both_stalled_answer_the_database_state_within_the_probe_timeout():
    with silent_peer() as db_port, silent_peer() as redis_port:
        env = {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{db_port}/postgres",
               "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "REDIS_SOCKET_TIMEOUT": "10",
               "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
        with running_service(env) as base:
            _warm_up(base)
            elapsed, status, headers, raw = _timed_health(base)
    _assert_database_down(status, headers, raw, "Database connection timeout")
    assert elapsed < PROBE_TIMEOUT, elapsed


def test_healthy_real_server_with_the_configured_stores():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {**_reachable_database_env(tmpdir), "REDIS_URL": settings.REDIS_URL or None}
        with running_service(env) as base:
            status, headers, raw = http("GET", f"{base}/api/v1/health")
    assert status == 200
    assert json.loads(raw)["data"]["status"] == "healthy"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
