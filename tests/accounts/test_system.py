"""GET /health and GET /system-stats (seed 002 §4, contract §5)."""
import json
import os
import tempfile

import django
import pytest
import platform

from tests.accounts.conftest import bearer
from tests.support.assertions import ISO_MS_Z, assert_accounts_error, assert_accounts_ok
from tests.support.live import closed_port, http, running_service

pytestmark = pytest.mark.django_db


def test_health_answers_ok_in_the_accounts_envelope(api):
    response = api.get("/health")
    data = assert_accounts_ok(response)
    assert response.json()["message"] == "服务正常运行"
    assert list(data) == ["status", "timestamp", "uptime", "environment"]
    assert data["status"] == "OK"
    assert ISO_MS_Z.match(data["timestamp"])
    assert isinstance(data["uptime"], float) and data["uptime"] >= 0
    assert data["environment"] == "development"
    assert "no-store" in response["Cache-Control"]


def test_health_answers_head(api):
    response = api.head("/health")
    assert response.status_code == 200


def test_health_needs_no_token_and_ignores_a_bad_one(api):
    assert_accounts_ok(api.get("/health", HTTP_AUTHORIZATION="Bearer nonsense"))


def test_health_is_503_when_the_database_is_unreachable():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {"DATABASE_URL": f"postgres://nobody@127.0.0.1:{closed_port()}/none", "REDIS_URL": None,
               "SQLITE_PATH": os.path.join(tmpdir, "x.sqlite3")}
        with running_service(env) as base:
            status, headers, raw = http("GET", f"{base}/health")
    payload = json.loads(raw)
    assert status == 503
    assert (payload["success"], payload["code"], payload["message"]) == (False, 503, "服务不可用")
    assert payload["data"]["status"] == "ERROR"
    assert payload["data"]["details"].startswith("Database connection")


def test_health_is_503_when_redis_is_unreachable():
    with tempfile.TemporaryDirectory() as tmpdir:
        env = {"DATABASE_URL": None, "SQLITE_PATH": os.path.join(tmpdir, "x.sqlite3"),
               "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
        with running_service(env) as base:
            status, _headers, raw = http("GET", f"{base}/health")
    payload = json.loads(raw)
    assert status == 503
    assert payload["data"]["status"] == "ERROR"
    assert payload["data"]["details"].startswith("Redis connection")


def test_system_stats_report_the_real_runtime_to_staff(api, staff):
    data = assert_accounts_ok(api.get("/system-stats", **bearer(staff)))
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
    assert_accounts_error(api.get("/system-stats"), 401, "未提供认证token")
    assert_accounts_error(api.get("/system-stats", **bearer(user)), 403, "需要管理员权限")


def test_system_stats_can_be_opened_by_setting(api, settings):
    settings.SYSTEM_STATS_PUBLIC = True
    assert assert_accounts_ok(api.get("/system-stats"))["status"] == "OK"
