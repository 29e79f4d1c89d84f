"""
The sliding-window limiter, on both stores: exact under concurrency (threads and
processes), atomic gates and claims, windows that slide, failing open (limits)
and reporting the error (claims) when the store is down.
"""
from concurrent.futures import ThreadPoolExecutor
import logging
import multiprocessing
import os
import time
import uuid

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.ratelimit import Gate, RedisSlidingWindow, SqliteSlidingWindow, parse_rate
from tests.support.live import closed_port


class FakeClock:
    """Time for the SQLite store, moved by the test (the Redis store takes Redis's TIME)."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


def _redis_store(url):
    return RedisSlidingWindow(redis.Redis.from_url(url), f"test:{uuid.uuid4().hex}")


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmp_path):
    """Each test below runs on both stores (Redis only where REDIS_URL is set)."""
    if request.param == "sqlite":
        return SqliteSlidingWindow(str(tmp_path / "limits.sqlite3"), "t")
    return _redis_store(request.getfixturevalue("redis_url"))


def test_parse_rate_units():
    assert parse_rate("100/15m") == (100, 900.0)
    assert parse_rate("60/min") == (60, 60.0)
    assert parse_rate("100/s") == (100, 1.0)
    assert parse_rate("5/2h") == (5, 7200.0)
    with pytest.raises(ValueError):
        parse_rate("fast")


def test_admits_exactly_n_of_m_concurrent_requests(store):
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: store.hit("k", 25, 60), range(200)))
    assert sum(r.allowed for r in results) == 25
    assert min(r.remaining for r in results) == 0
    assert sorted(r.remaining for r in results if r.allowed) == list(range(25))


def test_reports_remaining_and_reset(store):
    first = store.hit("k", 3, 60)
    assert (first.allowed, first.limit, first.remaining) == (True, 3, 2)
    assert 59 < first.reset_after <= 60
    assert first.reset_at >= int(time.time()) + 59
    assert [store.hit("k", 3, 60).remaining for _ in range(3)] == [1, 0, 0]


def test_keys_are_counted_apart(store):
    assert store.hit("a", 1, 60).allowed
    assert store.hit("b", 1, 60).allowed
    assert not store.hit("a", 1, 60).allowed


def test_peek_sees_hits_but_counts_nothing(store):
    assert (store.peek("k", 2, 60).allowed, store.peek("k", 2, 60).remaining) == (True, 2)
    store.hit("k", 2, 60)
    assert store.peek("k", 2, 60).remaining == 1
    store.hit("k", 2, 60)
    blocked = store.peek("k", 2, 60)
    assert (blocked.allowed, blocked.remaining) == (False, 0)
    assert 0 < blocked.reset_after <= 60


def test_sqlite_window_slides_with_the_clock(tmp_path):
    clock = FakeClock()
    store = SqliteSlidingWindow(str(tmp_path / "l.sqlite3"), "t", clock=clock)
    assert [store.hit("k", 2, 10).allowed for _ in range(3)] == [True, True, False]
    clock.now += 4
    refused = store.hit("k", 2, 10)
    assert not refused.allowed and refused.reset_after == pytest.approx(6)
    clock.now += 6  # the first two leave the window together
    assert [store.hit("k", 2, 10).allowed for _ in range(3)] == [True, True, False]


@pytest.mark.redis
def test_redis_window_slides(redis_url):
    store = _redis_store(redis_url)
    started = time.monotonic()
    assert store.hit("k", 1, 1.0).allowed
    refused = store.hit("k", 1, 1.0)
    assert time.monotonic() - started < 1.0, "inconclusive: two calls took longer than the window"
    assert not refused.allowed and 0 < refused.reset_after <= 1.0
    time.sleep(refused.reset_after + 0.05)
    assert store.hit("k", 1, 1.0).allowed


@pytest.mark.redis
def test_redis_keys_expire(redis_url):
    client = redis.Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}"
    RedisSlidingWindow(client, prefix).hit("k", 3, 2)
    assert 0 < client.pttl(f"{prefix}:k") <= 2000


def _hit_many(args):
    kind, location, prefix, key, count = args
    if kind == "redis":
        store = RedisSlidingWindow(redis.Redis.from_url(location), prefix)
    else:
        store = SqliteSlidingWindow(location, prefix)
    return os.getpid(), sum(store.hit(key, 30, 60).allowed for _ in range(count))


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_admits_exactly_n_of_m_across_processes(kind, tmp_path, request):
    location = request.getfixturevalue("redis_url") if kind == "redis" else str(tmp_path / "shared.sqlite3")
    prefix = f"test:{uuid.uuid4().hex}"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        answers = pool.map(_hit_many, [(kind, location, prefix, "shared", 50)] * 4, chunksize=1)
    assert len({pid for pid, _ in answers}) > 1  # several processes really counted
    assert sum(admitted for _, admitted in answers) == 30  # of 200 requests


def test_sqlite_store_reopens_its_connection_in_a_forked_child(tmp_path):
    store = SqliteSlidingWindow(str(tmp_path / "l.sqlite3"), "t")
    assert store.hit("k", 2, 60).allowed  # the parent opens its connection before the fork
    pid = os.fork()
    if pid == 0:  # the child: exit code 0 when its hit was admitted and counted
        os._exit(0 if store.hit("k", 2, 60).allowed else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not store.hit("k", 2, 60).allowed  # the child's hit is counted in the shared file


# --- gates and claims ------------------------------------------------------------------------------

def test_an_admitted_request_claims_a_free_key_once(store):
    first = store.hit_then_claim("k", 3, 60, claim_key="c", claim_ttl_ms=5000)
    assert (first.rate.allowed, first.rate.remaining, first.rate.degraded) == (True, 2, False)
    assert (first.claimed, first.store_error) == (True, None)
    again = store.hit_then_claim("k", 3, 60, claim_key="c", claim_ttl_ms=5000)
    assert (again.rate.allowed, again.rate.remaining, again.claimed) == (True, 1, False)
    assert 3000 < store.claim_ttl_ms("c") <= 5000


def test_concurrent_claims_of_one_key_have_one_winner(store):
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda _: store.hit_then_claim("k", 1000, 60, claim_key="c", claim_ttl_ms=5000),
                                 range(64)))
    assert [o.claimed for o in outcomes].count(True) == 1
    assert [o.claimed for o in outcomes].count(False) == 63


def test_a_refused_request_claims_nothing(store):
    assert store.hit("k", 1, 60).allowed
    refused = store.hit_then_claim("k", 1, 60, claim_key="c", claim_ttl_ms=5000)
    assert (refused.rate.allowed, refused.rate.remaining, refused.claimed) == (False, 0, None)
    assert 59 < refused.rate.reset_after <= 60
    assert store.claim_ttl_ms("c") is None


def test_a_request_the_caller_refuses_is_counted_but_claims_nothing(store):
    outcome = store.hit_then_claim("k", 3, 60, claim_key="c", claim_ttl_ms=5000, claim_wanted=False)
    assert (outcome.rate.allowed, outcome.rate.remaining, outcome.claimed) == (True, 2, None)
    assert store.claim_ttl_ms("c") is None
    assert store.hit_then_claim("k", 3, 60, claim_key="c", claim_ttl_ms=5000).claimed is True


def test_a_closed_gate_stops_before_counting_or_claiming(store):
    gate = Gate("failures", 2, 60, "fails")
    open_ = store.hit_then_claim("k", 3, 60, claim_key="c1", claim_ttl_ms=5000, gate=gate)
    assert (open_.gated, open_.gate.remaining, open_.claimed) == (False, 2, True)
    store.hit("failures", 2, 60)
    store.hit("failures", 2, 60)
    closed = store.hit_then_claim("k", 3, 60, claim_key="c2", claim_ttl_ms=5000, gate=gate)
    assert closed.gated and closed.rate is None and closed.claimed is None
    assert (closed.gate.policy, closed.gate.remaining) == ("fails", 0) and 0 < closed.gate.reset_after <= 60
    assert store.claim_ttl_ms("c2") is None
    assert store.peek("k", 3, 60).remaining == 2  # only the first call was counted


def test_sqlite_claim_expires_and_can_be_made_again(tmp_path):
    clock = FakeClock()
    store = SqliteSlidingWindow(str(tmp_path / "l.sqlite3"), "t", clock=clock)
    assert store.hit_then_claim("k", 100, 60, claim_key="c", claim_ttl_ms=4000).claimed is True
    clock.now += 3.9
    assert store.hit_then_claim("k", 100, 60, claim_key="c", claim_ttl_ms=4000).claimed is False
    clock.now += 0.2
    assert store.claim_ttl_ms("c") is None
    assert store.hit_then_claim("k", 100, 60, claim_key="c", claim_ttl_ms=4000).claimed is True


def test_hit_and_hit_then_claim_count_in_one_window(store):
    remaining = [store.hit("k", 3, 60).remaining,
                 store.hit_then_claim("k", 3, 60, claim_key="c", claim_ttl_ms=5000).rate.remaining,
                 store.hit("k", 3, 60).remaining]
    assert remaining == [2, 1, 0]
    assert store.peek("k", 3, 60).allowed is False


def test_a_claim_needs_a_positive_ttl(tmp_path):
    for store in (RedisSlidingWindow(redis.Redis(host="127.0.0.1", port=closed_port()), "test"),
                  SqliteSlidingWindow(str(tmp_path / "l.sqlite3"))):
        with pytest.raises(ValueError):
            store.hit_then_claim("k", 3, 60, claim_key="c", claim_ttl_ms=0)


# --- stores that are down --------------------------------------------------------------------------

def _down_stores(tmp_path):
    client = redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                         retry=Retry(NoBackoff(), 1))  # as the service configures it
    # A directory where the file should be: SQLite cannot open it.
    (tmp_path / "not-a-file").mkdir()
    return [("redis", RedisSlidingWindow(client, "test"), "ConnectionError"),
            ("sqlite", SqliteSlidingWindow(str(tmp_path / "not-a-file")), "OperationalError")]


def test_limits_fail_open_and_warn_once_when_the_store_is_down(tmp_path, caplog):
    for name, store, _ in _down_stores(tmp_path):
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
            results = [store.hit("k", 1, 60) for _ in range(5)] + [store.peek("k", 1, 60)]
        assert time.monotonic() - started < 2  # no backoff: requests are not held up
        assert all(r.allowed and r.degraded for r in results)
        warnings = [r for r in caplog.records if r.getMessage() == f"ratelimit.{name}_unavailable"]
        assert len(warnings) == 1  # logged, but not once per request


def test_claims_name_the_error_when_the_store_is_down(tmp_path):
    for _, store, error in _down_stores(tmp_path):
        outcomes = [store.hit_then_claim("k", 1, 60, claim_key="c", claim_ttl_ms=5000) for _ in range(3)]
        assert all(o.rate.degraded and o.claimed is None for o in outcomes)
        assert {o.store_error for o in outcomes} == {error}


def test_a_busy_sqlite_store_is_waited_for_at_most_its_timeout(tmp_path):
    import sqlite3

    path = str(tmp_path / "l.sqlite3")
    store = SqliteSlidingWindow(path, busy_timeout=0.3)
    store.hit("k", 5, 60)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        started = time.monotonic()
        outcome = store.hit_then_claim("k", 5, 60, claim_key="c", claim_ttl_ms=5000)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
    assert outcome.store_error == "OperationalError" and outcome.claimed is None
    assert 0.25 < waited < 2.0
    assert store.hit_then_claim("k", 5, 60, claim_key="c", claim_ttl_ms=5000).claimed is True
