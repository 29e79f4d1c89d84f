"""
A real service (gunicorn, two workers) with nobody running a cron: the workers'
snapshot clocks fill the history, and the seed's TypeScript client flow works
as written, here in Python.
"""
from datetime import UTC, datetime, timedelta
import json
import sqlite3
import time
import urllib.parse
import uuid

import pytest
from django.conf import settings

from tests.support.live import http, running_service


class PresenceClient:
    """Seed 003 §7's PresenceClient, line for line in Python."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.token = token

    def send_heartbeat(self, install_id: str, app_version: str) -> None:
        body = json.dumps({"installId": install_id, "appVersion": app_version, "clientTs": int(time.time())})
        status, _headers, _raw = http("POST", f"{self.base_url}/api/v1/presence/heartbeat", body.encode(), {
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        if not 200 <= status < 300:
            raise RuntimeError(f"Heartbeat failed: {status}")

    def get_online_count(self, window_seconds: int = 180) -> int:
        _status, _headers, raw = http(
            "GET", f"{self.base_url}/api/v1/presence/online-count?windowSeconds={window_seconds}",
            headers={"Authorization": f"Bearer {self.token}"})
        return json.loads(raw)["count"]


def snapshot_rows(path: str) -> list[tuple[str, int]]:
    with sqlite3.connect(path, timeout=10) as db:
        return db.execute("SELECT minute, count FROM presence_presencesnapshot ORDER BY minute").fetchall()


@pytest.mark.parametrize("store", ["database", "redis"])
def test_a_running_service_takes_snapshots_by_itself_and_serves_the_client_flow(migrated_sqlite, store):
    if store == "redis" and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the PostgreSQL + Redis mode of .ci/run)")
    path, token = migrated_sqlite
    tag = uuid.uuid4().hex[:8]
    env = {
        "DATABASE_URL": None, "SQLITE_PATH": path,
        "REDIS_URL": settings.REDIS_URL if store == "redis" else None,
        "CACHE_KEY_PREFIX": f"test:{tag}", "RATELIMIT_KEY_PREFIX": f"test:{tag}:rl",
    }
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM presence_presencesnapshot")
    started = datetime.now(UTC).replace(second=0, microsecond=0)
    with running_service(env, workers=2) as base:
        deadline = time.monotonic() + 20
        while not snapshot_rows(path) and time.monotonic() < deadline:
            time.sleep(0.2)
        rows = snapshot_rows(path)
        # Both workers woke at start; the unique minute let one of them write.
        assert len(rows) == 1, rows
        minute = datetime.fromisoformat(rows[0][0]).replace(tzinfo=UTC)
        assert started <= minute <= started + timedelta(minutes=1)

        client = PresenceClient(base, token)
        installs = [f"live-{tag}-{n}" for n in range(3)]
        for install in installs:
            client.send_heartbeat(install, "1.0.0")
        client.send_heartbeat(installs[0], "1.0.0")
        assert client.get_online_count() == 3
        assert client.get_online_count(60) == 3

        query = urllib.parse.urlencode({
            "startTime": minute.isoformat(), "endTime": (minute + timedelta(minutes=1)).isoformat(), "interval": "1m"})
        status, _headers, raw = http("GET", f"{base}/api/v1/presence/online-history?{query}",
                                     headers={"Authorization": f"Bearer {token}"})
        assert status == 200
        history = json.loads(raw)
        assert history["total"] == 1
        assert history["data"][0]["ts"] == minute.strftime("%Y-%m-%dT%H:%M:00.000Z")
