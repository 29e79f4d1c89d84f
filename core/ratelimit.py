"""
Sliding-window rate limiting and single-use claims, shared by every process.

Two stores behind one interface, both shared by all worker processes of a host
(Redis: by all hosts), both atomic (one decision is one round trip, never a read
then a write):

* `RedisSlidingWindow`: a sorted set of request times per key, pruned, counted
  and appended by one Lua script. Time comes from Redis (`TIME`).
* `SqliteSlidingWindow`: the same log in a SQLite file beside the embedded
  database (its own file, so that a limiter write never waits for, nor joins, a
  request's transaction on the data), decided inside one BEGIN IMMEDIATE
  transaction. Time is the host's clock, which all its processes share.

Operations:

* `hit(key, limit, window)`: count a request if admitted; the decision.
* `peek(key, limit, window)`: the decision `hit` would make, counting nothing.
  A peek is only ever a cheap pre-filter; a limit that only failures count is
  enforced by recording the failure with `hit` and refusing when that hit is
  refused, and by `gate` on the success path (see `hit_then_claim`), so that
  concurrent attempts cannot all pass one look before any is recorded.
* `hit_then_claim(...)`: in one atomic step, check a gate (a failure count
  that must be under its limit), count the request, and claim a single-use key
  (the partner surface's replay store) when the request is admitted.

`hit` and `peek` fail open: if the store cannot be reached, requests are let
through and the failure is logged (at most once per `FAIL_OPEN_LOG_INTERVAL`
seconds per process). A claim never fails open: `hit_then_claim` reports the
store error and the caller refuses the request.

Every refusing decision counts in the metric of refusals by its policy, and every
store failure in the dependency errors (core.metrics): the decision already knows
both, so the count costs no round trip.
"""
from __future__ import annotations

from dataclasses import dataclass
import logging
import math
import os
import random
import sqlite3
import threading
import time
from typing import Callable

from django.conf import settings
from django.core.signals import setting_changed

from core import metrics

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


@dataclass(frozen=True)
class Gate:
    """A count that must be under `limit` per `window` seconds for a request to go on (e.g. failed checks per IP)."""

    key: str
    limit: int
    window: float
    policy: str = "default"


@dataclass(frozen=True)
class ClaimResult:
    """What `hit_then_claim` answers: the gate's and the window's decisions and the claim's fate."""

    # The window's decision; None when the gate refused (nothing was counted).
    rate: RateLimitResult | None
    # True: this call set the claim key; False: it was already set; None: no claim was made
    # (not wanted, the request was refused, or the store failed: see store_error).
    claimed: bool | None
    store_error: str | None = None  # the error's class name when the store failed
    gate: RateLimitResult | None = None  # the gate's decision, when one was given

    @property
    def gated(self) -> bool:
        """The gate was closed: nothing was counted or claimed."""
        return self.gate is not None and not self.gate.allowed


def _member_suffix() -> str:
    """Tells apart requests counted in the same microsecond: 48 bits from the process PRNG (reseeded
    at fork), which must be unique, not secret, and costs no system call on every decision."""
    return f"{random.getrandbits(48):012x}"


class _FailOpen:
    """The fail-open answer and its rate-limited warning, shared by both stores."""

    def __init__(self):
        self._last_failure_log = 0.0

    def _fail_open(self, exc: Exception, limit: int, window: float, policy: str) -> RateLimitResult:
        self._log_failure(exc)
        return RateLimitResult(True, limit, limit, window, window, policy, degraded=True)

    def _log_failure(self, exc: Exception) -> None:
        metrics.dependency_failed(self.store_name, "ratelimit")  # every failure; the log line is rate-limited
        now = time.monotonic()
        if now - self._last_failure_log >= FAIL_OPEN_LOG_INTERVAL:
            self._last_failure_log = now
            logger.warning(f"ratelimit.{self.store_name}_unavailable",
                           extra={"error": type(exc).__name__, "fail_open": True})

    store_name = ""  # names the warning: ratelimit.redis_unavailable, ratelimit.sqlite_unavailable

    @staticmethod
    def _check_claim(claim_wanted: bool, claim_ttl_ms: int) -> None:
        if claim_wanted and claim_ttl_ms < 1:
            raise ValueError(f"claim_ttl_ms must be at least 1, not {claim_ttl_ms}")


# --- Redis ------------------------------------------------------------------------------------------

_NOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
"""

# Prune and count KEYS[k] for a window of `w` microseconds; `reset` is when its oldest entry leaves.
_COUNT_LUA = """
local function count_window(key, w)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - w)
  local count = redis.call('ZCARD', key)
  local reset = w
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if oldest[2] then reset = tonumber(oldest[2]) + w - now end
  return count, reset
end
"""

# Count KEYS[1] against ARGV[1] per ARGV[2] us, adding the request (member suffix ARGV[3]) if admitted.
_WINDOW_LUA = """
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

_SLIDING_WINDOW_LUA = _NOW_LUA + _WINDOW_LUA + """
return {allowed, limit - count, reset}
"""

_PEEK_LUA = _NOW_LUA + _COUNT_LUA + """
local count, reset = count_window(KEYS[1], tonumber(ARGV[2]))
local allowed = 0
if count < tonumber(ARGV[1]) then allowed = 1 end
return {allowed, tonumber(ARGV[1]) - count, reset}
"""

# The gate (KEYS[3], ARGV[6] limit, 0 = none, ARGV[7] window us): closed -> nothing counted or claimed.
# Then the window; then, only for an admitted request whose caller wants it (ARGV[4] = '1'),
# SET NX PX of the claim key KEYS[2] with TTL ARGV[5] ms.
# Returns {allowed, remaining, reset, claimed (1 now, 0 before, -1 none), gate open, gate remaining, gate reset}.
_HIT_THEN_CLAIM_LUA = _NOW_LUA + _COUNT_LUA + """
local glimit = tonumber(ARGV[6])
local gopen, gremaining, greset = 1, 0, 0
if glimit > 0 then
  local gcount
  gcount, greset = count_window(KEYS[3], tonumber(ARGV[7]))
  gremaining = glimit - gcount
  if gcount >= glimit then return {0, 0, 0, -1, 0, 0, greset} end
end
""" + _WINDOW_LUA + """
local claimed = -1
if allowed == 1 and ARGV[4] == '1' then
  claimed = 0
  if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[5]) then claimed = 1 end
end
return {allowed, limit - count, reset, claimed, gopen, gremaining, greset}
"""


class RedisSlidingWindow(_FailOpen):
    """Atomic sliding log in Redis: one EVALSHA per decision."""

    store_name = "redis"

    def __init__(self, client, key_prefix: str = "rl"):
        super().__init__()
        self._client = client
        self._key_prefix = key_prefix
        self._script = client.register_script(_SLIDING_WINDOW_LUA)
        self._peek_script = client.register_script(_PEEK_LUA)
        self._claim_script = client.register_script(_HIT_THEN_CLAIM_LUA)

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
                       claim_wanted: bool = True, gate: Gate | None = None,
                       policy: str = "default") -> ClaimResult:
        """
        In one script: if `gate` is given and its count has reached its limit,
        stop (nothing counted or claimed); else `hit`, and, only if the request
        was admitted and `claim_wanted`, claim `claim_key` (SET NX with a TTL of
        `claim_ttl_ms`): "count this request and mark X as used", atomically.

        A caller that must refuse a request for reasons of its own decides them
        first and passes `claim_wanted=False`, so that a refused request claims
        nothing (it is still counted). If Redis fails, `store_error` names the
        error and `rate` is the fail-open decision: whether the key was claimed
        before is unknown, and a caller that relies on the claim must refuse.
        """
        import redis

        self._check_claim(claim_wanted, claim_ttl_ms)
        gate_args = [gate.limit, int(gate.window * 1_000_000)] if gate else [0, 0]
        keys = [self._key(key), self._claim_key(claim_key), self._key(gate.key if gate else key)]
        try:
            reply = self._claim_script(
                keys=keys,
                args=[limit, int(window * 1_000_000), _member_suffix(), int(claim_wanted), int(claim_ttl_ms),
                      *gate_args],
            )
        except redis.RedisError as exc:
            return ClaimResult(self._fail_open(exc, limit, window, policy), None, type(exc).__name__)
        gate_result = None
        if gate is not None:
            gate_open, gate_remaining, gate_reset = (int(value) for value in reply[4:7])
            gate_result = RateLimitResult(bool(gate_open), gate.limit, max(0, gate_remaining), gate.window,
                                          gate_reset / 1_000_000, gate.policy)
            if not gate_open:
                metrics.refused(gate.policy)
                return ClaimResult(None, None, gate=gate_result)
        return ClaimResult(self._result(reply, limit, window, policy), {1: True, 0: False}.get(int(reply[3])),
                           gate=gate_result)

    def claim_ttl_ms(self, claim_key: str) -> int | None:
        """Milliseconds the claim still lives, None when there is none (for tests and operators)."""
        ttl = self._client.pttl(self._claim_key(claim_key))
        return ttl if ttl >= 0 else None

    def _key(self, key: str) -> str:
        return f"{self._key_prefix}:{key}"

    def _claim_key(self, key: str) -> str:
        return f"{self._key_prefix}:claim:{key}"

    @staticmethod
    def _result(reply, limit: int, window: float, policy: str) -> RateLimitResult:
        allowed, remaining, reset_us = reply[:3]
        if not allowed:
            metrics.refused(policy)
        return RateLimitResult(bool(allowed), limit, max(0, int(remaining)), window, int(reset_us) / 1_000_000, policy)


# --- SQLite (the embedded default) -----------------------------------------------------------------

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at);
CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires);
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claims_expires ON claims (expires);
"""

# Expired rows are swept every this many decisions per process.
_SWEEP_EVERY = 1000


class SqliteSlidingWindow(_FailOpen):
    """
    The sliding log in a SQLite file that every process of the host opens: the
    embedded default's shared store. Each decision is one BEGIN IMMEDIATE
    transaction, so decisions of all processes are serialised by SQLite's write
    lock. Connections are per thread and reopened after a fork; a busy store
    is waited for at most `busy_timeout` seconds, then treated as down.
    """

    store_name = "sqlite"

    def __init__(self, path: str, key_prefix: str = "rl", *, busy_timeout: float = 2.0,
                 clock: Callable[[], float] = time.time):
        super().__init__()
        self._path = path
        self._key_prefix = key_prefix
        self._busy_timeout = busy_timeout
        self._clock = clock
        self._local = threading.local()
        self._decisions = 0

    def hit(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        """Count a request against `limit` per `window` seconds, if it is admitted (fails open)."""
        return self._decide(key, limit, window, policy, add=True)

    def peek(self, key: str, limit: int, window: float, policy: str = "default") -> RateLimitResult:
        """The decision `hit` would make, without counting a request (fails open)."""
        return self._decide(key, limit, window, policy, add=False)

    def _decide(self, key: str, limit: int, window: float, policy: str, *, add: bool) -> RateLimitResult:
        try:
            with self._transaction() as (db, now):
                return self._count(db, now, self._key(key), limit, window, policy, add=add)
        except sqlite3.Error as exc:
            return self._fail_open(exc, limit, window, policy)

    def hit_then_claim(self, key: str, limit: int, window: float, *, claim_key: str, claim_ttl_ms: int,
                       claim_wanted: bool = True, gate: Gate | None = None,
                       policy: str = "default") -> ClaimResult:
        """As `RedisSlidingWindow.hit_then_claim`, in one transaction."""
        self._check_claim(claim_wanted, claim_ttl_ms)
        try:
            with self._transaction() as (db, now):
                gate_result = None
                if gate is not None:
                    gate_result = self._count(db, now, self._key(gate.key), gate.limit, gate.window, gate.policy,
                                              add=False)
                    if not gate_result.allowed:
                        return ClaimResult(None, None, gate=gate_result)
                rate = self._count(db, now, self._key(key), limit, window, policy, add=True)
                claimed = None
                if rate.allowed and claim_wanted:
                    name = self._claim_key(claim_key)
                    db.execute("DELETE FROM claims WHERE key = ? AND expires <= ?", (name, now))
                    inserted = db.execute("INSERT OR IGNORE INTO claims (key, expires) VALUES (?, ?)",
                                          (name, now + claim_ttl_ms / 1000)).rowcount
                    claimed = inserted == 1
                return ClaimResult(rate, claimed, gate=gate_result)
        except sqlite3.Error as exc:
            return ClaimResult(self._fail_open(exc, limit, window, policy), None, type(exc).__name__)

    def claim_ttl_ms(self, claim_key: str) -> int | None:
        """Milliseconds the claim still lives, None when there is none (for tests and operators)."""
        row = self._connection().execute("SELECT expires FROM claims WHERE key = ?",
                                         (self._claim_key(claim_key),)).fetchone()
        if row is None:
            return None
        remaining = (row[0] - self._clock()) * 1000
        return int(remaining) if remaining > 0 else None

    def _count(self, db, now: float, key: str, limit: int, window: float, policy: str, *, add: bool):
        db.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (key, now - window))
        count, oldest = db.execute("SELECT COUNT(*), MIN(at) FROM hits WHERE key = ?", (key,)).fetchone()
        allowed = count < limit
        if add and allowed:
            db.execute("INSERT INTO hits (key, at, expires) VALUES (?, ?, ?)", (key, now, now + window))
            count += 1
            oldest = now if oldest is None else oldest
        reset_after = min(window, max(0.0, oldest + window - now)) if oldest is not None else window
        if not allowed:
            metrics.refused(policy)
        return RateLimitResult(allowed, limit, max(0, limit - count), window, reset_after, policy)

    def _transaction(self):
        return _SqliteTransaction(self)

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            # A connection inherited through fork is never used: SQLite forbids it.
            db = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SQLITE_SCHEMA)
            local.db, local.pid = db, os.getpid()
        return local.db

    def _maybe_sweep(self, db, now: float) -> None:
        self._decisions += 1
        if self._decisions % _SWEEP_EVERY == 0:
            db.execute("DELETE FROM hits WHERE expires < ?", (now,))
            db.execute("DELETE FROM claims WHERE expires < ?", (now,))

    def _key(self, key: str) -> str:
        return f"{self._key_prefix}:{key}"

    def _claim_key(self, key: str) -> str:
        return f"{self._key_prefix}:claim:{key}"


class _SqliteTransaction:
    """BEGIN IMMEDIATE ... COMMIT on this thread's connection; rolls back on any error."""

    def __init__(self, store: SqliteSlidingWindow):
        self._store = store

    def __enter__(self):
        self._db = self._store._connection()
        self._db.execute("BEGIN IMMEDIATE")
        now = self._store._clock()
        self._store._maybe_sweep(self._db, now)
        return self._db, now

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self._db.execute("COMMIT")
        elif self._db.in_transaction:
            self._db.execute("ROLLBACK")
        return False


_limiter = None
_limiter_lock = threading.Lock()


def get_limiter():
    """The process-wide limiter: Redis when REDIS_URL is set, else the host's SQLite store."""
    global _limiter
    if _limiter is None:
        with _limiter_lock:
            if _limiter is None:
                if settings.REDIS_URL:
                    from django_redis import get_redis_connection

                    _limiter = RedisSlidingWindow(get_redis_connection("default"), settings.RATELIMIT_KEY_PREFIX)
                else:
                    _limiter = SqliteSlidingWindow(settings.RATELIMIT_SQLITE_PATH, settings.RATELIMIT_KEY_PREFIX,
                                                   busy_timeout=settings.RATELIMIT_SQLITE_TIMEOUT)
    return _limiter


def _reset_limiter(**kwargs):
    global _limiter
    if kwargs.get("setting") in {"REDIS_URL", "CACHES", "RATELIMIT_KEY_PREFIX", "RATELIMIT_SQLITE_PATH",
                                  "RATELIMIT_SQLITE_TIMEOUT"}:
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
