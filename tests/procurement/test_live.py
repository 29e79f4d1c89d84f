"""
Against a real gunicorn with two worker processes, in the run's mode (Redis when it has one,
else the embedded default's SQLite files): the raw request target is what is signed, the shipped
client does the whole flow, and replay protection, the per-app QPS and the failed-signature
limit hold across worker processes, shown by the pid on each request's log line.
"""
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
import json
import os
import subprocess
import sys
import uuid

import pytest

from core.partner_client import PartnerClient
from core.signing import now_ms, signed_headers
from tests.support.live import ROOT, http, log_events, running_service

pytestmark = pytest.mark.django_db  # the test database is not used; the live service has its own file


@contextmanager
def partner_service(directory, *, qps: int = 100, workers: int = 2, **env_extra):
    """A migrated SQLite file with one app (`qps`), served by gunicorn: (base, app id, secret, log path)."""
    path = str(directory / "live.sqlite3")
    env = {**os.environ, "SQLITE_PATH": path, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING",
           "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    created = subprocess.run([sys.executable, "manage.py", "create_partner_app", "--name", "Live", "--shell",
                              "--qps", str(qps)], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    values = dict(line.removeprefix("export ").split("=", 1) for line in created.splitlines())
    overrides = {"SQLITE_PATH": path, "DATABASE_URL": None, "PRESENCE_SNAPSHOTS_AUTOSTART": "false",
                 "LOG_LEVEL": "INFO", "RATELIMIT_KEY_PREFIX": f"test:{uuid.uuid4().hex}", **env_extra}
    log_path = directory / "service.log"
    with running_service(overrides, workers=workers, log_path=log_path) as base:
        yield base, values["APP_ID"], values["APP_SECRET"], log_path


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with partner_service(tmp_path_factory.mktemp("live"), PARTNER_AUTH_FAILURE_RATE="1000/m") as service:
        yield service


def _answers_by_pid(log_path, request_ids: set[str]) -> dict[int, list[int]]:
    """The statuses of the given requests, by the pid of the worker that answered each."""
    by_pid: dict[int, list[int]] = {}
    for entry in log_events(log_path, "http.request"):
        if entry["request_id"] in request_ids:
            by_pid.setdefault(entry["pid"], []).append(entry["status"])
    return by_pid


def test_the_python_client_creates_lists_updates_and_deletes(live):
    base, app_id, secret, _ = live
    client = PartnerClient(base, app_id, secret)
    created = client.post("/api/v1/intents", {"userId": "user_001", "platform": "TAOBAO", "title": "iPhone",
                                              "price": "199.00",
                                              "productUrl": "https://item.taobao.com/item.htm?id=123456"})
    assert created.status == 201, created.body
    assert created.headers["X-RateLimit-Limit"] == "100"
    intent_id = created.data["id"]

    listed = client.get("/api/v1/intents", params={"filter[status][in]": "SUBMITTED,PROCESSING",
                                                   "filter[price][gte]": "100", "fields": "id,status,price"})
    assert listed.status == 200, listed.body
    assert listed.data["items"] == [{"id": intent_id, "status": "SUBMITTED", "price": "199.00"}]

    updated = client.put(f"/api/v1/intents/{intent_id}", {"status": "CANCELLED"})
    assert (updated.status, updated.data["status"]) == (200, "CANCELLED")
    assert client.delete(f"/api/v1/intents/{intent_id}").status == 204
    assert client.get(f"/api/v1/intents/{intent_id}").body["code"] == 40401


def test_the_raw_encoded_query_is_verified_under_gunicorn(live):
    base, app_id, secret, _ = live
    target = "/api/v1/intents?filter%5Btitle%5D%5Blike%5D=%E6%89%8B%E6%9C%BA&fields=id"
    status, _, body = http("GET", base + target, headers=signed_headers(app_id, secret, "GET", target))
    assert status == 200, body


def test_a_replay_is_refused_whichever_worker_process_gets_it(live):
    base, app_id, secret, log_path = live
    headers = signed_headers(app_id, secret, "GET", "/api/v1/intents", timestamp=now_ms())
    first_status, first_headers, _ = http("GET", base + "/api/v1/intents", headers=headers)
    assert first_status == 200
    replay_ids, bodies = set(), []
    for _ in range(40):  # each on a new connection, which the kernel hands to either worker
        status, answer_headers, body = http("GET", base + "/api/v1/intents", headers=headers)
        bodies.append((status, json.loads(body)["code"]))
        replay_ids.add(answer_headers["X-Request-Id"])
        if len(_answers_by_pid(log_path, replay_ids)) == 2:
            break
    assert set(bodies) == {(401, 40104)}
    by_pid = _answers_by_pid(log_path, replay_ids | {first_headers["X-Request-Id"]})
    assert len(by_pid) == 2, f"one worker answered every request: {by_pid}"


def test_an_apps_qps_limit_counts_once_across_worker_processes(tmp_path):
    # A 60 s window, so that the count does not depend on how fast this machine sends.
    with partner_service(tmp_path, qps=5, PARTNER_QPS_WINDOW_SECONDS="60") as (base, app_id, secret, log_path):
        answers = []
        for _ in range(12):
            headers = signed_headers(app_id, secret, "GET", "/api/v1/intents", timestamp=now_ms())
            status, answer_headers, _ = http("GET", base + "/api/v1/intents", headers=headers)
            answers.append((status, answer_headers["X-RateLimit-Remaining"], answer_headers["X-Request-Id"]))
        by_pid = _answers_by_pid(log_path, {request_id for *_, request_id in answers})
    assert [(status, remaining) for status, remaining, _ in answers] == (
        [(200, "4"), (200, "3"), (200, "2"), (200, "1"), (200, "0")] + [(429, "0")] * 7)
    assert len(by_pid) == 2, f"one worker answered every request: {by_pid}"


def test_concurrent_guesses_get_exactly_the_failure_limit_of_answers(tmp_path):
    # Generous waits: the count must be exact, so neither a busy machine's slow answers nor a
    # limits file locked longer than usual (which would fail the limiter open) may decide it.
    with partner_service(tmp_path, PARTNER_AUTH_FAILURE_RATE="5/m", RATELIMIT_SQLITE_TIMEOUT="20") as service:
        base, app_id, secret, log_path = service

        def guess(index):
            headers = signed_headers(app_id, f"guess-{index}", "GET", "/api/v1/intents", timestamp=now_ms())
            status, _, body = http("GET", base + "/api/v1/intents", headers=headers, timeout=120)
            return status, json.loads(body)["code"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(guess, range(40)))
        right = http("GET", base + "/api/v1/intents",
                     headers=signed_headers(app_id, secret, "GET", "/api/v1/intents", timestamp=now_ms()))
        pids = {entry["pid"] for entry in log_events(log_path, "http.request")}
    assert answers.count((401, 40101)) == 5
    assert answers.count((429, 42901)) == 35
    assert right[0] == 429  # the right secret from the guessing IP waits too
    assert len(pids) == 2
