"""GET /health and GET /system-stats (seed 002 §4, contract §5)."""
import json
import os
import tempfile

import django
import pytest
import platform

from tests.accounts.conftest import bearer
from tests.support.assertions import ISO_MS_Z, REQUEST_ID, assert_accounts_error
from tests.support.live import closed_port, http, running_service

pytestmark = pytest.mark.django_db


def test_health_answers_002s_object_at_the_top_level(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    payload = response.json()
    # No envelope: a 002 client, a monitor or a load balancer reads `.status` itself.
    assert list(payload) == ["status", "timestamp", "uptime", "environment"]
    assert payload["status"] == "OK"
    assert ISO_MS_Z.match(payload["timestamp"])
    assert isinstance(payload["uptime"], float) and payload["uptime"] >= 0
    assert payload["environment"] == "development"
    assert "no-store" in response["Cache-Control"]
    assert REQUEST_ID.match(response["X-Request-Id"])


def test_health_answers_bare_but_errors_of_the_request_itself_in_the_accounts_style(api):
    response = api.get("/health", HTTP_X_REQUEST_ID="probe-42")
    assert response.json()["status"] == "OK"
    assert response["X-Request-Id"] == "probe-42"
    refused = api.post("/health")
    assert refused.json() == {"success": False, "code": 405, "message": "请求方法不允许", "data": None}
    assert refused.status_code == 405


def test_health_answers_head(api):
    response = api.head("/health")
    assert response.status_code == 200


def test_health_needs_no_token_and_ignores_a_bad_one(api):
    response = api.get("/health", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200
    assert response.json()["status"] == "OK"


def assert_health_down(status, headers, raw, details_start):
    """A 503 of /health: 002's object at the top level with status ERROR and what is down."""
    payload = json.loads(raw)
    assert status == 503
    assert list(payload) == ["status", "timestamp", "uptime", "environment", "details"]
    assert payload["status"] == "ERROR"
    assert ISO_MS_Z.match(payload["timestamp"])
    assert isinstance(payload["uptime"], float)
    assert payload["environment"] == "development"
    assert payload["details"].startswith(details_start)
    assert REQUEST_ID.match(headers["X-Request-Id"])
    assert "no-store" in headers["Cache-Control"]


def test_health_is_503_when_the_database_is_unreachable():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {"DATABASE_URL": f"postgres://nobody@127.0.0.1:{closed_port()}/none", "REDIS_URL": None,
               "SQLITE_PATH": os.path.join(tmpdir, "x.sqlite3")}
        with running_service(env) as base:
            status, headers, raw = http("GET", f"{base}/health")
    assert_health_down(status, headers, raw, "Database connection")


def test_health_is_503_when_redis_is_unreachable():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {"DATABASE_URL": None, "SQLITE_PATH": os.path.join(tmpdir, "x.sqlite3"),
               "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
        with running_service(env) as base:
            status, headers, raw = http("GET", f"{base}/health")
    assert_health_down(status, headers, raw, "Redis connection")


def test_system_stats_report_the_real_runtime_to_staff_at_the_top_level(api, staff):
    response = api.get("/system-stats", **bearer(staff))
    assert response.status_code == 200
    data = response.json()
    assert list(data) == [
        "status", "timestamp", "environment", "pythonVersion", "pythonImplementation", "djangoVersion",
        "memoryUsage", "uptime", "cpuCount", "platform", "architecture", "pid",
    ]
    assert REQUEST_ID.match(response["X-Request-Id"])
    assert "no-store" in response["Cache-Control"]
    assert data["status"] == "OK"
    assert data["pythonVersion"] == platform.python_version()
    assert data["djangoVersion"] == django.get_version()
    assert data["pid"] == os.getpid()
    assert data["cpuCount"] == os.cpu_count()
    assert data["architecture"] == platform.machine()
    memory = data["memoryUsage"]
    assert set(memory) == {"rss", "peakRss", "virtual"}
    if os.path.exists("/proc/self/status"):
        assert 10 * 2**20 < memory["rss"] <= memory["peakRss"] <= memory["virtual"]
    assert "nodeVersion" not in data and "heapTotal" not in memory


def test_system_stats_need_a_staff_token_by_default(api, user):
    # Errors of auth keep the accounts style: only the success body goes without the envelope.
    missing = api.get("/system-stats")
    assert missing.json() == {"success": False, "code": 401, "message": "未提供认证token", "data": None}
    assert missing.status_code == 401 and REQUEST_ID.match(missing["X-Request-Id"])
    forbidden = api.get("/system-stats", **bearer(user))
    assert forbidden.json() == {"success": False, "code": 403, "message": "需要管理员权限", "data": None}
    assert forbidden.status_code == 403
    assert_accounts_error(api.get("/system-stats", HTTP_AUTHORIZATION="Bearer forged"), 401, "无效的认证token")


def test_system_stats_can_be_opened_by_setting(api, settings):
    settings.SYSTEM_STATS_PUBLIC = True
    response = api.get("/system-stats")
    assert response.status_code == 200
    assert response.json()["status"] == "OK" and "success" not in response.json()
