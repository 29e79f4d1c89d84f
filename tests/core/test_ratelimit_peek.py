"""`peek`: the limiter's decision without counting (used for failed signature checks per IP)."""
import uuid

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.ratelimit import LocalSlidingWindow, RedisSlidingWindow
from tests.support.live import closed_port


def _check_peek_counts_nothing(limiter):
    assert limiter.peek("k", 2, 60).allowed
    assert limiter.peek("k", 2, 60).remaining == 2
    limiter.hit("k", 2, 60)
    assert limiter.peek("k", 2, 60).remaining == 1
    limiter.hit("k", 2, 60)
    blocked = limiter.peek("k", 2, 60)
    assert (blocked.allowed, blocked.remaining) == (False, 0)
    assert 0 < blocked.reset_after <= 60


def test_local_peek_sees_hits_but_counts_nothing():
    _check_peek_counts_nothing(LocalSlidingWindow())


@pytest.mark.redis
def test_redis_peek_sees_hits_but_counts_nothing(redis_url):
    _check_peek_counts_nothing(RedisSlidingWindow(redis.Redis.from_url(redis_url), f"test:{uuid.uuid4().hex}"))


def test_peek_fails_open_when_redis_is_unreachable():
    client = redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                         retry=Retry(NoBackoff(), 1))
    result = RedisSlidingWindow(client, "test").peek("k", 1, 60)
    assert result.allowed and result.degraded
