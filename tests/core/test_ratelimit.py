"""The sliding-window limiter: exact under concurrency, shared across processes in Redis, failing open."""
from concurrent.futures import ThreadPoolExecutor
import logging
import multiprocessing
import time
import uuid

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.ratelimit import LocalSlidingWindow, RedisSlidingWindow, parse_rate
from tests.support.live import closed_port


def test_parse_rate_units():
    assert parse_rate("100/15m") == (100, 900.0)
    assert parse_rate("60/min") == (60, 60.0)
    assert parse_rate("100/s") == (100, 1.0)
    assert parse_rate("5/2h") == (5, 7200.0)
    with pytest.raises(ValueError):
        parse_rate("fast")


def test_local_limiter_admits_exactly_n_of_m_concurrent_requests():
    limiter = LocalSlidingWindow()
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: limiter.hit("k", 25, 60), range(200)))
    assert sum(r.allowed for r in results) == 25
    assert min(r.remaining for r in results) == 0


def test_local_limiter_window_slides():
    limiter = LocalSlidingWindow()
    assert [limiter.hit("k", 2, 0.2).allowed for _ in range(3)] == [True, True, False]
    time.sleep(0.25)
    assert limiter.hit("k", 2, 0.2).allowed


def test_local_limiter_reports_remaining_and_reset():
    limiter = LocalSlidingWindow()
    first = limiter.hit("k", 3, 60)
    assert (first.allowed, first.limit, first.remaining) == (True, 3, 2)
    assert 59 < first.reset_after <= 60
    assert first.reset_at >= int(time.time()) + 59


def _hit_many(args):
    url, prefix, key, count = args
    limiter = RedisSlidingWindow(redis.Redis.from_url(url), prefix)
    return sum(limiter.hit(key, 30, 60).allowed for _ in range(count))


@pytest.mark.redis
def test_redis_limiter_admits_exactly_n_of_m_across_processes(redis_url):
    prefix, key = f"test:{uuid.uuid4().hex}", "shared"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        admitted = pool.map(_hit_many, [(redis_url, prefix, key, 50)] * 4)
    assert sum(admitted) == 30  # of 200 requests from 4 processes


@pytest.mark.redis
def test_redis_limiter_window_slides_and_counts_down(redis_url):
    limiter = RedisSlidingWindow(redis.Redis.from_url(redis_url), f"test:{uuid.uuid4().hex}")
    results = [limiter.hit("k", 3, 0.3) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results] == [2, 1, 0, 0]
    assert 0 < results[-1].reset_after <= 0.3
    time.sleep(0.35)
    assert limiter.hit("k", 3, 0.3).allowed


@pytest.mark.redis
def test_redis_limiter_keys_expire(redis_url):
    client = redis.Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}"
    RedisSlidingWindow(client, prefix).hit("k", 3, 2)
    assert 0 < client.pttl(f"{prefix}:k") <= 2000


def test_limiter_fails_open_when_redis_is_unreachable(caplog):
    client = redis.Redis(
        host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
        retry=Retry(NoBackoff(), 1),  # as the service configures it
    )
    limiter = RedisSlidingWindow(client, "test")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        results = [limiter.hit("k", 1, 60) for _ in range(5)]
    assert time.monotonic() - started < 2  # no backoff: requests are not held up
    assert all(r.allowed and r.degraded for r in results)
    warnings = [r for r in caplog.records if r.getMessage() == "ratelimit.redis_unavailable"]
    assert len(warnings) == 1  # logged, but not once per request


# --- hit_then_claim: the window and a SET NX in one script -----------------------------------------

@pytest.fixture
def claiming(redis_url):
    """A Redis limiter under its own prefix, its client, and a fresh claim key."""
    client = redis.Redis.from_url(redis_url)
    prefix = f"test:{uuid.uuid4().hex}"
    return RedisSlidingWindow(client, prefix), client, f"{prefix}:claim"


@pytest.mark.redis
def test_an_admitted_request_claims_a_free_key(claiming):
    limiter, client, claim_key = claiming
    outcome = limiter.hit_then_claim("k", 3, 60, claim_key=claim_key, claim_ttl_ms=5000)
    assert (outcome.rate.allowed, outcome.rate.remaining, outcome.rate.degraded) == (True, 2, False)
    assert (outcome.claimed, outcome.store_error) == (True, None)
    assert client.get(claim_key) == b"1"


@pytest.mark.redis
def test_an_admitted_request_finds_a_claimed_key_and_is_still_counted(claiming):
    limiter, client, claim_key = claiming
    limiter.hit_then_claim("k", 3, 60, claim_key=claim_key, claim_ttl_ms=5000)
    again = limiter.hit_then_claim("k", 3, 60, claim_key=claim_key, claim_ttl_ms=5000)
    assert (again.rate.allowed, again.rate.remaining, again.claimed) == (True, 1, False)


@pytest.mark.redis
def test_a_refused_request_claims_nothing(claiming):
    limiter, client, claim_key = claiming
    assert limiter.hit("k", 1, 60).allowed
    refused = limiter.hit_then_claim("k", 1, 60, claim_key=claim_key, claim_ttl_ms=5000)
    assert (refused.rate.allowed, refused.rate.remaining, refused.claimed) == (False, 0, None)
    assert 59 < refused.rate.reset_after <= 60
    assert client.exists(claim_key) == 0


@pytest.mark.redis
def test_a_request_the_caller_refuses_is_counted_but_claims_nothing(claiming):
    limiter, client, claim_key = claiming
    outcome = limiter.hit_then_claim("k", 3, 60, claim_key=claim_key, claim_ttl_ms=5000, claim_wanted=False)
    assert (outcome.rate.allowed, outcome.rate.remaining, outcome.claimed) == (True, 2, None)
    assert client.exists(claim_key) == 0
    # The same claim may be made once the caller's own reason is gone.
    assert limiter.hit_then_claim("k", 3, 60, claim_key=claim_key, claim_ttl_ms=5000).claimed is True


@pytest.mark.redis
def test_the_claim_expires_after_its_ttl(claiming):
    limiter, client, claim_key = claiming
    limiter.hit_then_claim("k", 3, 60, claim_key=claim_key, claim_ttl_ms=4000)
    assert 3000 < client.pttl(claim_key) <= 4000


@pytest.mark.redis
def test_hit_and_hit_then_claim_count_in_one_window(claiming):
    limiter, client, claim_key = claiming
    remaining = [limiter.hit("k", 3, 60).remaining,
                 limiter.hit_then_claim("k", 3, 60, claim_key=claim_key, claim_ttl_ms=5000).rate.remaining,
                 limiter.hit("k", 3, 60).remaining]
    assert remaining == [2, 1, 0]
    assert limiter.peek("k", 3, 60).allowed is False


def test_a_claim_needs_a_positive_ttl():
    limiter = RedisSlidingWindow(redis.Redis(host="127.0.0.1", port=closed_port()), "test")
    with pytest.raises(ValueError):
        limiter.hit_then_claim("k", 3, 60, claim_key="c", claim_ttl_ms=0)


def test_hit_then_claim_fails_open_and_names_the_error_when_redis_is_unreachable(caplog):
    client = redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                         retry=Retry(NoBackoff(), 1))
    limiter = RedisSlidingWindow(client, "test")
    with caplog.at_level(logging.WARNING, logger="core.ratelimit"):
        outcomes = [limiter.hit_then_claim("k", 1, 60, claim_key="c", claim_ttl_ms=5000) for _ in range(3)]
    assert all(o.rate.allowed and o.rate.degraded and o.claimed is None for o in outcomes)
    assert {o.store_error for o in outcomes} == {"ConnectionError"}
    warnings = [r for r in caplog.records if r.getMessage() == "ratelimit.redis_unavailable"]
    assert len(warnings) == 1  # the limiter's usual, rate-limited warning
