"""
Races against a live service (issue 8, part 5), the CI-sized run of bench/reliability/races.py:
private PostgreSQL and Redis, gunicorn with four worker processes, clients released at once.
"""
import glob
import shutil

import pytest

from bench.reliability import races

pytestmark = pytest.mark.skipif(
    not shutil.which("redis-server") or not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
    reason="needs redis-server and the PostgreSQL server binaries",
)


@pytest.fixture(scope="module")
def report():
    return races.run(scale=1, workers=4)


def test_many_clients_creating_the_same_intent_make_one_and_the_rest_get_40901(report):
    part = report["same_intent"]
    assert part["problems"] == []
    assert part["created"] == part["rounds"] and part["refused_40901"] == part["rounds"] * (part["clients"] - 1)


def test_concurrent_status_changes_never_reach_an_illegal_state(report):
    part = report["status_changes"]
    assert part["problems"] == [] and part["accepted"] >= part["rounds"]


def test_concurrent_batches_with_overlapping_event_ids_store_each_once(report):
    part = report["event_batches"]
    assert part["problems"] == []
    assert part["stored"] == part["distinct"] and part["duplicates_answered"] == part["events_sent"] - part["distinct"]


def test_processes_racing_for_a_snapshot_make_one(report):
    assert report["snapshots"]["problems"] == [] and report["snapshots"]["rows"] == 1


def test_the_limiter_is_exact_across_worker_processes(report):
    part = report["limiter"]
    assert (part["admitted"], part["refused_429"]) == (part["limit"], part["clients"] - part["limit"])
