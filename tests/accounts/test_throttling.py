"""002 §7: one request budget per client IP over the accounts API; health is never limited."""
import os
from pathlib import Path
import subprocess
import sys

import pytest

from tests.accounts.conftest import bearer, post_json
from tests.support.assertions import assert_accounts_error, assert_accounts_ok
from tests.support.production import production_secrets

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_window(settings):
    settings.ACCOUNTS_RATE_LIMIT = "3/15m"


def test_the_default_budget_is_1000_per_15_minutes_in_development(api, user):
    response = api.get("/api/v1/users/profile", **bearer(user))
    assert response["X-RateLimit-Limit"] == "1000"
    assert response["RateLimit-Policy"] == '"accounts";q=1000;w=900'
    assert response["X-RateLimit-Remaining"] == "999"


def test_the_budget_is_shared_by_all_accounts_endpoints_then_429(api, user, three_per_window):
    assert_accounts_ok(api.get("/api/v1/users/profile", **bearer(user)))
    assert_accounts_error(post_json(api, "/api/v1/auth/login", {"username": "alice", "password": "nope"}), 401)
    assert_accounts_error(api.get("/api/v1/admin/users/search", **bearer(user)), 403)
    response = post_json(api, "/api/v1/auth/register", {"username": "late", "password": "secret1"})
    assert_accounts_error(response, 429, "请求过于频繁")  # 002 §5, exactly
    assert 1 <= int(response["Retry-After"]) <= 900
    assert response["X-RateLimit-Remaining"] == "0"


def test_requests_with_bad_tokens_are_counted_too(api, user, three_per_window):
    for _ in range(3):
        assert_accounts_error(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION="Bearer forged"), 401)
    assert_accounts_error(api.get("/api/v1/users/profile", **bearer(user)), 429)


def test_each_client_ip_has_its_own_budget(api, user, three_per_window):
    for _ in range(3):
        api.get("/api/v1/users/profile", REMOTE_ADDR="10.1.1.1", **bearer(user))
    assert_accounts_error(api.get("/api/v1/users/profile", REMOTE_ADDR="10.1.1.1", **bearer(user)), 429)
    assert_accounts_ok(api.get("/api/v1/users/profile", REMOTE_ADDR="10.1.1.2", **bearer(user)))


def test_rate_limits_setting_overrides_the_accounts_budget(api, user, settings):
    settings.RATE_LIMITS = {"accounts": "1/m"}
    assert_accounts_ok(api.get("/api/v1/users/profile", **bearer(user)))
    assert_accounts_error(api.get("/api/v1/users/profile", **bearer(user)), 429)


def test_health_probes_are_never_limited(api, three_per_window):
    for _ in range(6):
        response = api.get("/health")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response


def test_production_defaults_to_100_per_15_minutes():
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ACCOUNTS_"))}
    env.update({"DJANGO_ENV": "production", **production_secrets(), "DJANGO_SETTINGS_MODULE": "config.settings"})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.ACCOUNTS_RATE_LIMIT)"],
        cwd=root, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "100/15m"


def test_the_budget_is_shared_by_all_worker_processes(tmp_path):
    # In the run's mode: Redis when it has one, else the embedded default's limits file.
    import json
    import uuid

    from tests.support.live import http, log_events, running_service

    env = {"DATABASE_URL": None, "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "LOG_LEVEL": "INFO",
           "ACCOUNTS_RATE_LIMIT": "8/15m", "RATELIMIT_KEY_PREFIX": f"test:{uuid.uuid4().hex}"}
    log_path = tmp_path / "service.log"
    with running_service(env, workers=2, log_path=log_path) as base:
        # An empty login is refused with 400 before any database work, after the limit is counted.
        # Each request on a new connection, which the kernel hands to either worker.
        answers = [http("POST", f"{base}/api/v1/auth/login", b"{}", {"Content-Type": "application/json"})
                   for _ in range(9)]
        pids = {entry["pid"] for entry in log_events(log_path, "http.request")}
    assert [status for status, _h, _b in answers] == [400] * 8 + [429]
    assert [h["X-RateLimit-Remaining"] for _s, h, _b in answers] == ["7", "6", "5", "4", "3", "2", "1", "0", "0"]
    assert json.loads(answers[-1][2]) == {"success": False, "code": 429, "message": "请求过于频繁", "data": None}
    assert len(pids) == 2, "one worker answered every request"
