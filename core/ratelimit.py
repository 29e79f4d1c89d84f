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

`RedisSlidingWindow.hit_then_claim(...)` counts a request and, in the same
script, claims a key (SET NX PX) when the request is admitted: one round trip
for callers that pair a limit with a first-use check, such as the partner
surface's replay store. The in-process limiter has no twin: there the two
steps are already local calls.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
import logging
import math
import random
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


# The sliding window shared by `hit` and `hit_then_claim`: leaves `allowed`,
# `count` and `reset` (microseconds) for the script's own return statement.
# KEYS[1]: the key. ARGV: limit, window in microseconds, a unique member suffix.
_WINDOW_LUA = """
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
"""

_SLIDING_WINDOW_LUA = _WINDOW_LUA + """
return {allowed, limit - count, reset}
"""

# The window, then, only for an admitted request whose caller wants it, SET NX PX
# of the claim key. KEYS[2]: the claim key. ARGV[4]: '1' to claim, ARGV[5]: its TTL in ms.
# Its fourth value: 1 claimed now, 0 claimed before, -1 no claim made.
_HIT_THEN_CLAIM_LUA = _WINDOW_LUA + """
local claimed = -1
if allowed == 1 and ARGV[4] == '1' then
  claimed = 0
  if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[5]) then claimed = 1 end
end
return {allowed, limit - count, reset, claimed}
"""


# Read-only twin of the sliding window: prune and count, add nothing.
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


def _member_suffix() -> str:
    """Tells apart requests counted in the same microsecond: 48 bits from the process PRNG (reseeded
    at fork), which must be unique, not secret, and costs no system call on every decision."""
    return f"{random.getrandbits(48):012x}"


@dataclass(frozen=True)
class ClaimResult:
    """What `RedisSlidingWindow.hit_then_claim` answers: the window's decision and the claim's fate."""

    rate: RateLimitResult
    # True: this call set the claim key; False: it was already set; None: no claim was made
    # (not wanted, the request was refused, or Redis failed: see store_error).
    claimed: bool | None
    store_error: str | None = None  # the error's class name when Redis failed (rate.degraded too)


class RedisSlidingWindow:
    """Atomic sliding log in Redis: one EVALSHA per decision; fails open."""

    def __init__(self, client, key_prefix: str = "rl"):
        self._client = client
        self._key_prefix = key_prefix
        self._script = client.register_script(_SLIDING_WINDOW_LUA)
        self._peek_script = client.register_script(_PEEK_LUA)
        self._claim_script = client.register_script(_HIT_THEN_CLAIM_LUA)
        self._last_failure_log = 0.0

    def hit(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        """Count a request against `limit` per `window` seconds, if it is admitted (one round trip; fails open)."""
        import redis

        try:
            reply = self._script(keys=[self._key(key)], args=[limit, int(window * 1_000_000), _member_suffix()])
        except redis.RedisError as exc:
            return self._fail_open(exc, limit, window, policy)
        return self._result(reply, limit, window, policy)

    def peek(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        """The decision `hit` would make, without counting a request (one round trip; fails open)."""
        import redis

        try:
            reply = self._peek_script(keys=[self._key(key)], args=[limit, int(window * 1_000_000)])
        except redis.RedisError as exc:
            return self._fail_open(exc, limit, window, policy)
        return self._result(reply, limit, window, policy)

    def hit_then_claim(self, key: str, limit: int, window: float, *, claim_key: str, claim_ttl_ms: int,
                       claim_wanted: bool = True, policy: str = "default") -> ClaimResult:
        """
        `hit`, then, in the same script and only if the request was admitted and
        `claim_wanted`, SET `claim_key` NX with a TTL of `claim_ttl_ms`: one
        atomic round trip for "count this request and mark X as used".

        `claim_key` is a raw Redis key, not under this limiter's prefix: the
        caller names it, e.g. with `cache.make_key` so that the default cache
        sees it. A caller that must refuse a request for reasons of its own
        decides them first and passes `claim_wanted=False`, so that a refused
        request claims nothing (the request is still counted, as by `hit`).

        If Redis fails, the request is let through as by `hit` (logged the
        same way), `claimed` is None and `store_error` names the error:
        whether the key was claimed before is unknown, and the caller decides
        what that means.
        """
        import redis

        if claim_wanted and claim_ttl_ms < 1:
            raise ValueError(f"claim_ttl_ms must be at least 1, not {claim_ttl_ms}")
        try:
            reply = self._claim_script(
                keys=[self._key(key), claim_key],
                args=[limit, int(window * 1_000_000), _member_suffix(), int(claim_wanted), int(claim_ttl_ms)],
            )
        except redis.RedisError as exc:
            return ClaimResult(self._fail_open(exc, limit, window, policy), None, type(exc).__name__)
        return ClaimResult(self._result(reply, limit, window, policy), {1: True, 0: False}.get(int(reply[3])))

    def _key(self, key: str) -> str:
        return f"{self._key_prefix}:{key}"

    @staticmethod
    def _result(reply, limit: int, window: float, policy: str) -> RateLimitResult:
        allowed, remaining, reset_us = reply[:3]
        return RateLimitResult(bool(allowed), limit, max(0, int(remaining)), window, int(reset_us) / 1_000_000, policy)

    def _fail_open(self, exc: Exception, limit: int, window: float, policy: str) -> RateLimitResult:
        self._log_failure(exc)
        return RateLimitResult(True, limit, limit, window, window, policy, degraded=True)

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
