"""
/metrics under gunicorn with two workers (prometheus-client's multiprocess mode, set up by
gunicorn.conf.py): a scrape answered by either worker reports both workers' counts, summed;
a worker that exits keeps its counts in the sums while its per-process gauges are dropped
("live" modes, mark_process_dead in child_exit); the directory is emptied when the master
starts. Which worker answered each request is read from its log line's pid.
"""
import os
from pathlib import Path
import signal
import tempfile
import time
import uuid

from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families
import pytest

from tests.support.live import closed_port, http, log_events, migrated_sqlite_with_user, running_service

HEALTH_ROUTE = "api/v1/health"
# A busy machine can take seconds to boot a worker (Django's imports) before its first answer.
PATIENCE = 60


def scrape(base: str) -> dict[tuple[str, frozenset], float]:
    status, headers, raw = http("GET", f"{base}/metrics", timeout=PATIENCE)
    assert status == 200, raw
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(raw.decode()) for sample in family.samples}


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset((k, str(v)) for k, v in labels.items())), 0.0)


def health_requests(samples) -> float:
    return value(samples, "procure_http_requests_total", route=HEALTH_ROUTE, method="GET", status=200)


def pids_of(log_path, request_ids: set[str]) -> dict[int, int]:
    """How many of the given requests each worker (pid) answered."""
    counts: dict[int, int] = {}
    for entry in log_events(log_path, "http.request"):
        if entry["request_id"] in request_ids:
            counts[entry["pid"]] = counts.get(entry["pid"], 0) + 1
    return counts


def until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def live_sqlite(tmp_path_factory):
    return migrated_sqlite_with_user(tmp_path_factory.mktemp("metrics-live"), "metrics-live")


def service_env(sqlite_path: str, metrics_dir: str) -> dict:
    tag = uuid.uuid4().hex[:8]
    return {
        "DATABASE_URL": None, "SQLITE_PATH": sqlite_path,
        # The run's Redis when it has one (limiter, cache and presence store), else the embedded files.
        "REDIS_URL": settings.REDIS_URL or None,
        "CACHE_KEY_PREFIX": f"test:{tag}", "RATELIMIT_KEY_PREFIX": f"test:{tag}:rl",
        "PRESENCE_SNAPSHOTS_AUTOSTART": "false", "LOG_LEVEL": "INFO",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }


def test_two_workers_counts_are_summed_and_a_dead_workers_counts_are_kept(live_sqlite, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    stale = metrics_dir / "counter_424242.db"
    stale.write_bytes(b"left over from an earlier run")
    log_path = tmp_path / "service.log"
    with running_service(service_env(live_sqlite[0], str(metrics_dir)), workers=2, log_path=log_path) as base:
        assert not stale.exists()  # emptied when the master started

        # Health requests until both workers have answered some (the kernel spreads connections).
        sent: set[str] = set()
        while len(pids_of(log_path, sent)) < 2 or len(sent) < 10:
            sent.add(health(base, f"metrics-live-{len(sent)}"))
            assert len(sent) < 400, pids_of(log_path, sent)
        by_pid = until(lambda: every_line(log_path, sent), PATIENCE, "every request's log line")
        assert len(by_pid) == 2, by_pid

        # Each scrape, whichever worker answers it, reports every worker's requests.
        scrapes = [scrape(base) for _ in range(6)]
        assert {health_requests(samples) for samples in scrapes} == {len(sent)}
        first = scrapes[0]
        assert value(first, "procure_http_request_duration_seconds_count", route=HEALTH_ROUTE, method="GET") == len(sent)
        assert value(first, "procure_health_check_up", dependency="database") == 1
        # Scrapes are not traffic: no route "metrics", however many were made.
        assert not any(dict(labels).get("route") == "metrics" for _name, labels in first)

        # One worker exits (as after max_requests or a crash); gunicorn starts another.
        gone = next(iter(by_pid))
        for kind in ("counter", "histogram", "gauge_livesum", "gauge_livemostrecent"):
            assert (metrics_dir / f"{kind}_{gone}.db").exists(), kind
        os.kill(gone, signal.SIGTERM)
        until(lambda: not (metrics_dir / f"gauge_livesum_{gone}.db").exists(), PATIENCE, "the dead worker's gauges dropped")
        assert not (metrics_dir / f"gauge_livemostrecent_{gone}.db").exists()
        # Its counters and histograms stay, to be summed with the others.
        assert (metrics_dir / f"counter_{gone}.db").exists() and (metrics_dir / f"histogram_{gone}.db").exists()

        after = scrape(base)
        assert health_requests(after) == len(sent)  # nothing the dead worker counted is lost
        assert value(after, "procure_http_request_duration_seconds_count", route=HEALTH_ROUTE, method="GET") == len(sent)
        # In flight is summed over the live workers only (the dead one's file is gone): at most
        # this scrape itself.
        assert value(after, "procure_http_requests_in_flight") in {0, 1}

        # The surviving and the replacement worker count on top.
        more = {health(base, f"metrics-live-more-{n}") for n in range(10)}
        assert health_requests(scrape(base)) == len(sent) + len(more)
        answered = until(lambda: every_line(log_path, more), PATIENCE, "every request's log line")
        assert gone not in answered


def health(base: str, request_id: str) -> str:
    status, _headers, _raw = http("GET", f"{base}/api/v1/health", headers={"X-Request-Id": request_id},
                                  timeout=PATIENCE)
    assert status == 200
    return request_id


def every_line(log_path, request_ids: set[str]) -> dict[int, int] | None:
    """The requests by pid once every one of them has its log line, else None."""
    counts = pids_of(log_path, request_ids)
    return counts if sum(counts.values()) == len(request_ids) else None


def test_a_database_that_is_down_shows_in_health_and_dependency_errors(tmp_path):
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/postgres", "REDIS_URL": None,
        "PRESENCE_SNAPSHOTS_AUTOSTART": "false", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "RATELIMIT_SQLITE_PATH": str(tmp_path / "limits.sqlite3"),
    }
    with running_service(env, workers=2) as base:
        assert http("GET", f"{base}/api/v1/health", timeout=PATIENCE)[0] == 503
        # A request that needs the database: its 503 is counted as a database error of requests.
        status, _headers, _raw = http("POST", f"{base}/api/v1/auth/login", b'{"username":"a","password":"b"}',
                                      {"Content-Type": "application/json"}, timeout=PATIENCE)
        assert status == 503
        samples = scrape(base)
    assert value(samples, "procure_health_check_up", dependency="database") == 0
    assert value(samples, "procure_dependency_errors_total", dependency="database", source="health") == 1
    assert value(samples, "procure_dependency_errors_total", dependency="database", source="request") == 1
    assert value(samples, "procure_http_requests_total", route=HEALTH_ROUTE, method="GET", status=503) == 1
    # The presence reading needs the database too: it fails, and the scrape answers all the same.
    assert value(samples, "procure_metrics_reading_errors", reading="presence.metrics.presence_readings") == 1


def test_without_the_variable_gunicorn_uses_a_private_directory_and_removes_it(live_sqlite, tmp_path):
    env = service_env(live_sqlite[0], "unused")
    env["PROMETHEUS_MULTIPROC_DIR"] = None
    log_path = tmp_path / "service.log"
    with running_service(env, workers=2, log_path=log_path) as base:
        sent = {health(base, f"private-dir-{n}") for n in range(20)}
        assert {health_requests(scrape(base)) for _ in range(4)} == {20}
        pids = until(lambda: every_line(log_path, sent), PATIENCE, "every request's log line")
        # The run's directory is the one holding its workers' files.
        private = {path.parent for pid in pids
                   for path in Path(tempfile.gettempdir()).glob(f"procure-metrics-*/counter_{pid}.db")}
        assert len(private) == 1, private
    assert not next(iter(private)).exists()
