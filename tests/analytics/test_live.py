"""A real service whose Redis is unreachable still takes events and answers DAU (fail open)."""
from datetime import datetime
import json
import time
from zoneinfo import ZoneInfo

from tests.support.live import closed_port, http, running_service


def test_events_and_dau_work_while_redis_is_down(live_sqlite):
    path, token = live_sqlite
    env = {"DATABASE_URL": None, "SQLITE_PATH": path, "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"}
    now = int(time.time())
    batch = {"events": [
        {"eventName": "app_session_start", "installId": "uuid-xxxx-xxxx-xxxx", "userId": "12345", "clientTs": now - 5,
         "properties": {"os": "iOS", "province": "广东省", "city": "深圳市"}},
        {"eventName": "presence_heartbeat", "installId": "uuid-xxxx-xxxx-xxxx", "clientTs": now},
    ]}
    today = datetime.fromtimestamp(now - 5, ZoneInfo("Asia/Shanghai")).date().isoformat()
    with running_service(env) as base:
        status, headers, raw = http("POST", f"{base}/api/v1/analytics/events", json.dumps(batch).encode(),
                                    {"Content-Type": "application/json"})
        assert (status, json.loads(raw)) == (200, {"accepted": 2, "failed": 0, "errors": [], "duplicates": 0})
        status, _headers, raw = http("GET", f"{base}/api/v1/analytics/dau?startDate={today}&endDate={today}",
                                     headers={"Authorization": f"Bearer {token}"})
    assert status == 200
    assert json.loads(raw)["data"] == [
        {"day": today, "dauCount": 1, "dauByProvince": {"广东省": 1}, "dauByCity": {"深圳市": 1}}]
