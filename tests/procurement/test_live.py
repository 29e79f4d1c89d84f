"""Against a real gunicorn: the raw request target is what is signed, and the shipped client does the whole flow."""
import os
import subprocess
import sys

import pytest

from core.partner_client import PartnerClient
from core.signing import now_ms, signed_headers
from tests.support.live import ROOT, http, running_service

pytestmark = pytest.mark.django_db  # the test database is not used; the live service has its own file


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A migrated SQLite file with one app, served by gunicorn (Redis too when the run has it)."""
    path = str(tmp_path_factory.mktemp("live") / "live.sqlite3")
    env = {**os.environ, "SQLITE_PATH": path, "DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "WARNING",
           "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    created = subprocess.run([sys.executable, "manage.py", "create_partner_app", "--name", "Live", "--shell"],
                             cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    values = dict(line.removeprefix("export ").split("=", 1) for line in created.splitlines())
    overrides = {"SQLITE_PATH": path, "DATABASE_URL": None, "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
    with running_service(overrides, workers=2) as base:
        yield base, values["APP_ID"], values["APP_SECRET"]


def test_the_python_client_creates_lists_updates_and_deletes(live):
    base, app_id, secret = live
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
    base, app_id, secret = live
    target = "/api/v1/intents?filter%5Btitle%5D%5Blike%5D=%E6%89%8B%E6%9C%BA&fields=id"
    status, _, body = http("GET", base + target, headers=signed_headers(app_id, secret, "GET", target))
    assert status == 200, body
    decoded = "/api/v1/intents?filter[title][like]=手机&fields=id"
    status, _, body = http("GET", base + target, headers=signed_headers(app_id, secret, "GET", decoded))
    assert status == 401


def test_a_replay_is_refused_by_another_worker_process(live, redis_url):
    base, app_id, secret = live
    headers = signed_headers(app_id, secret, "GET", "/api/v1/intents", timestamp=now_ms())
    answers = [http("GET", base + "/api/v1/intents", headers=headers)[0] for _ in range(6)]
    assert answers[0] == 200
    assert answers[1:] == [401] * 5
