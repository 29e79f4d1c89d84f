"""
Sliding-window rate limiting.

Two backends behind one `hit(key, limit, window)` call:

* `RedisSlidingWindow`: a sorted set of request times per key, pruned, counted
  and appended by one Lua script, so a decision is one atomic round trip shared
  by every process and host. Time comes from Redis (`TIME`), not from the
  callers' clocks. If Redis fails, requests are let through and the failure is
  logged (at most once per `FAIL_OPEN_LOG_INTERVAL` seconds per process).
* `LocalSlidingWindow`: the same algorithm in process memory, for the embedded
  default without Redis; limits then count per process.

`peek(key, limit, window)` answers the same question without counting (used
where only failures count, e.g. failed signature checks per client IP).
Both return a `RateLimitResult` with what the X-RateLimit-* and IETF
RateLimit headers need.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
import logging
import math
import secrets
import threading
import time

from django.conf import settings
from django.core.signals import setting_changed

logger = logging.getLogger("core.ratelimit")

FAIL_OPEN_LOG_INTERVAL = 10.0


@dataclass(frozen=True)
class RateLimitResult:
    allowed: bool
    limit: int
    remaining: int
    window: float
    reset_after: float  # seconds until the oldest counted request leaves the window
    policy: str = "default"
    degraded: bool = False  # the store failed and the request was let through

    @property
    def reset_at(self) -> int:
        """Unix seconds when at least one more request will be admitted."""
        return math.ceil(time.time() + self.reset_after)

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_after))


class LocalSlidingWindow:
    """In-process sliding log; thread-safe, memory bounded by the keys active in their window."""

    def __init__(self):
        self._log: dict[str, collections.deque] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def hit(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        now = time.monotonic()
        with self._lock:
            self._calls += 1
            if self._calls % 10_000 == 0:
                self._sweep(now)
            times = self._log.setdefault(key, collections.deque())
            while times and times[0] <= now - window:
                times.popleft()
            allowed = len(times) < limit
            if allowed:
                times.append(now)
            reset_after = min(window, max(0.0, times[0] + window - now)) if times else window
            return RateLimitResult(allowed, limit, max(0, limit - len(times)), window, reset_after, policy)

    def peek(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        """The decision `hit` would make, without counting a request."""
        now = time.monotonic()
        with self._lock:
            times = self._log.get(key)
            while times and times[0] <= now - window:
                times.popleft()
            count = len(times) if times else 0
            reset_after = min(window, max(0.0, times[0] + window - now)) if times else window
            return RateLimitResult(count < limit, limit, max(0, limit - count), window, reset_after, policy)

    def _sweep(self, now: float) -> None:
        # Keys are dropped once idle for an hour; no window offered is longer than that.
        for key in [k for k, v in self._log.items() if not v or v[-1] < now - 3600]:
            del self._log[key]

    def reset(self) -> None:
        with self._lock:
            self._log.clear()


# KEYS[1]: the key. ARGV: limit, window in microseconds, a unique member suffix.
_SLIDING_WINDOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
local reset = window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, limit - count, reset}
"""


# Read-only twin of the script above: prune and count, add nothing.
_PEEK_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local reset = window
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
local allowed = 0
if count < tonumber(ARGV[1]) then allowed = 1 end
return {allowed, tonumber(ARGV[1]) - count, reset}
"""


class RedisSlidingWindow:
    """Atomic sliding log in Redis: one EVALSHA per decision; fails open."""

    def __init__(self, client, key_prefix: str = "rl"):
        self._client = client
        self._key_prefix = key_prefix
        self._script = client.register_script(_SLIDING_WINDOW_LUA)
        self._peek_script = client.register_script(_PEEK_LUA)
        self._last_failure_log = 0.0

    def hit(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        import redis

        member = secrets.token_hex(6)
        try:
            allowed, remaining, reset_us = self._script(
                keys=[f"{self._key_prefix}:{key}"], args=[limit, int(window * 1_000_000), member]
            )
        except redis.RedisError as exc:
            self._log_failure(exc)
            return RateLimitResult(True, limit, limit, window, window, policy, degraded=True)
        return RateLimitResult(bool(allowed), limit, max(0, int(remaining)), window, int(reset_us) / 1_000_000, policy)

    def peek(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        """The decision `hit` would make, without counting a request (one round trip; fails open)."""
        import redis

        try:
            allowed, remaining, reset_us = self._peek_script(
                keys=[f"{self._key_prefix}:{key}"], args=[limit, int(window * 1_000_000)]
            )
        except redis.RedisError as exc:
            self._log_failure(exc)
            return RateLimitResult(True, limit, limit, window, window, policy, degraded=True)
        return RateLimitResult(bool(allowed), limit, max(0, int(remaining)), window, int(reset_us) / 1_000_000, policy)

    def _log_failure(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= FAIL_OPEN_LOG_INTERVAL:
            self._last_failure_log = now
            logger.warning("ratelimit.redis_unavailable", extra={"error": type(exc).__name__, "fail_open": True})


_limiter = None
_limiter_lock = threading.Lock()


def get_limiter():
    """The process-wide limiter: Redis when REDIS_URL is set, in-process otherwise."""
    global _limiter
    if _limiter is None:
        with _limiter_lock:
            if _limiter is None:
                if settings.REDIS_URL:
                    from django_redis import get_redis_connection

                    _limiter = RedisSlidingWindow(get_redis_connection("default"), settings.RATELIMIT_KEY_PREFIX)
                else:
                    _limiter = LocalSlidingWindow()
    return _limiter


def _reset_limiter(**kwargs):
    global _limiter
    if kwargs.get("setting") in {"REDIS_URL", "CACHES", "RATELIMIT_KEY_PREFIX"}:
        _limiter = None


setting_changed.connect(_reset_limiter)


def parse_rate(rate: str) -> tuple[int, float]:
    """'100/15m' -> (100, 900.0). Units: s, m, h, d, optionally with a count ('15m'); 'min' is 'm'."""
    try:
        count, period = rate.split("/")
        period = period.strip().lower().replace("min", "m")
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        digits = period[:-1] or "1"
        return int(count), float(digits) * units[period[-1]]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"Invalid rate {rate!r}: expected '<count>/<n><s|m|h|d>'") from exc
