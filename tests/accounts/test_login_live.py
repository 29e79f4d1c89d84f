"""Failed-login slowing against a real gunicorn with two workers, in the run's mode (Redis or the embedded files)."""
from concurrent.futures import ThreadPoolExecutor
import json
import uuid

import pytest

from tests.support.live import http, log_events, migrated_sqlite_with_user, running_service

pytestmark = pytest.mark.django_db  # the live service has its own database file


def test_concurrent_guesses_get_exactly_the_limits_worth_of_answers(tmp_path):
    path, _token = migrated_sqlite_with_user(tmp_path, "alice")
    env = {"SQLITE_PATH": path, "DATABASE_URL": None, "LOG_LEVEL": "INFO", "ACCOUNTS_LOGIN_FAILURE_LIMIT": "5/15m",
           "RATELIMIT_SQLITE_TIMEOUT": "20",  # exact counts: a busy machine's lock waits must not fail it open
           "PRESENCE_SNAPSHOTS_AUTOSTART": "false", "RATELIMIT_KEY_PREFIX": f"test:{uuid.uuid4().hex}"}
    log_path = tmp_path / "service.log"

    def login(password):
        body = json.dumps({"username": "alice", "password": password}).encode()
        # Generous: each wrong password costs a real PBKDF2 hash, on a machine that may be busy.
        status, _, answer = http("POST", f"{base}/api/v1/auth/login", body, {"Content-Type": "application/json"},
                                 timeout=120)
        return status, json.loads(answer)["message"]

    with running_service(env, workers=2, log_path=log_path) as base:
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(login, [f"wrong-{index}" for index in range(24)]))
        right = login("pw-live-123")
        pids = {entry["pid"] for entry in log_events(log_path, "http.request")}
    assert answers.count((401, "密码错误")) == 5
    assert answers.count((429, "登录失败次数过多,请稍后再试")) == 19
    assert right == (429, "登录失败次数过多,请稍后再试")  # this client waits, even with the right password
    assert len(pids) == 2  # both workers answered: the count is theirs together
