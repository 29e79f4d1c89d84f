"""GET/HEAD /api/v1/health (seed 000, contract §5) in every state, with really unreachable servers."""
import json
import os
import tempfile

import pytest
from django.conf import settings

from tests.support.assertions import ISO_MS_Z, REQUEST_ID
from tests.support.live import closed_port, http, running_service

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


def _unreachable_database_env():
    if settings.DATABASE_URL:
        return {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/postgres"}
    return {"DATABASE_URL": None, "SQLITE_PATH": "/nonexistent-directory/for/health/db.sqlite3"}


def _reachable_database_env(tmpdir):
    if settings.DATABASE_URL:
        return {"DATABASE_URL": settings.DATABASE_URL}
    return {"DATABASE_URL": None, "SQLITE_PATH": os.path.join(tmpdir, "health.sqlite3")}


def test_unreachable_database_is_503_with_50002_degraded():
    with running_service({**_unreachable_database_env(), "REDIS_URL": None}) as base:
        status, headers, raw = http("GET", f"{base}/api/v1/health")
    payload = json.loads(raw)
    assert status == 503
    assert payload["code"] == 50002
    assert payload["message"] == "数据库连接失败"
    assert list(payload["data"]) == ["status", "timestamp", "details"]
    assert payload["data"]["status"] == "degraded"
    assert payload["data"]["details"].startswith("Database connection")
    assert ISO_MS_Z.match(payload["data"]["timestamp"])
    assert REQUEST_ID.match(headers["X-Request-Id"])


def test_unreachable_redis_is_503_with_50001_unhealthy():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {**_reachable_database_env(tmpdir), "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
        with running_service(env) as base:
            status, _headers, raw = http("GET", f"{base}/api/v1/health")
            head_status, _h, head_body = http("HEAD", f"{base}/api/v1/health")
    payload = json.loads(raw)
    assert status == 503
    assert payload["code"] == 50001
    assert payload["message"] == "服务暂时不可用"
    assert payload["data"]["status"] == "unhealthy"
    assert payload["data"]["details"].startswith("Redis connection")
    assert (head_status, head_body) == (503, b"")


def test_healthy_real_server_with_the_configured_stores():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {**_reachable_database_env(tmpdir), "REDIS_URL": settings.REDIS_URL or None}
        with running_service(env) as base:
            status, headers, raw = http("GET", f"{base}/api/v1/health")
    assert status == 200
    assert json.loads(raw)["data"]["status"] == "healthy"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
