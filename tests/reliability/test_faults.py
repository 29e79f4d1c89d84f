"""
Faults with real servers (issue 8, part 4), the CI-sized run of bench/reliability/faults.py:
a private PostgreSQL and a private Redis under a production-style gunicorn and a mixed load;
Redis stopped and started again, then PostgreSQL, the service never restarted.
"""
import glob
import shutil

import pytest

from bench.reliability import faults

pytestmark = pytest.mark.skipif(
    not shutil.which("redis-server") or not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
    reason="needs redis-server and the PostgreSQL server binaries",
)


@pytest.fixture(scope="module")
def report():
    return faults.run(phase_seconds=2, clients=3, workers=2)


def test_nothing_broke_its_expectations(report):
    assert report["violations"] == []


def test_no_answer_was_a_500_or_unstyled_or_a_stack_trace(report):
    assert report["problems"] == []


def test_health_reports_each_fault_with_its_documented_code(report):
    health = report["health"]
    assert health["redis_down"]["/api/v1/health"] == {"status": 503, "code": 50001, "state": "unhealthy"}
    assert health["pg_down"]["/api/v1/health"] == {"status": 503, "code": 50002, "state": "degraded"}
    assert health["redis_down"]["/health"]["status"] == 503 and health["pg_down"]["/health"]["status"] == 503
    # The Redis presence store needs no database: presence health stays up while PostgreSQL is down.
    assert health["redis_down"]["/api/v1/presence/health"]["status"] == 503
    assert health["pg_down"]["/api/v1/presence/health"]["status"] == 200
    for phase in ("baseline", "redis_back", "pg_back"):
        assert {answer["status"] for answer in health[phase].values()} == {200}


def test_what_needs_no_redis_keeps_working_while_it_is_down(report):
    down = report["counts"]["redis_down"]
    for action in ("events", "profile", "dau"):
        assert set(down[action]) <= {200, 201}, (action, down[action])
    # Presence lives in Redis; signed requests need its replay store, which never fails open.
    for action in ("heartbeat", "online_count", "intent_create", "intent_get"):
        assert set(down[action]) == {503}, (action, down[action])


def test_everything_recovers_by_itself(report):
    assert set(report["recovery_seconds"]) == {"redis", "postgresql"}
    for phase in ("redis_back", "pg_back"):
        for action, statuses in report["counts"][phase].items():
            assert set(statuses) <= {200, 201}, (phase, action, statuses)


def test_every_event_answered_200_and_intent_answered_201_is_stored(report):
    assert report["events_acked"] > 0 and report["intents_acked"] > 0
    assert report["events_lost"] == [] and report["intents_lost"] == []
