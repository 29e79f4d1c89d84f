"""
Where the live presence state sits: two stores behind one small interface.

* `RedisPresenceStore`: one sorted set of install ids scored by the server time
  (Unix seconds) of their last heartbeat. A heartbeat is one EVALSHA (ZADD GT,
  trim, expiry, and the day's first-seen guard, atomically); a count is one
  ZCOUNT, O(log n) whatever the number of installs online.
* `DatabasePresenceStore`: one `OnlineInstall` row per install, upserted by a
  single statement that writes nothing when the stored time is recent enough.

Both keep times in whole seconds of the server's clock (a client's `clientTs`
never decides anything): windows are whole seconds, so an install is online
for a window W at second `now` when `now - last_seen <= W`, the same answer on
both stores. `get_store()` picks one from settings.PRESENCE_STORE.
"""
from __future__ import annotations

from datetime import date
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from presence.models import OnlineInstall

logger = logging.getLogger("presence.stores")

DAY_GUARD_TTL = 2 * 86400  # the guard must outlive its day in every time zone

# KEYS: the online set, the day's seen set. ARGV: install id, seen, horizon, day guard TTL.
# One script rather than MULTI/EXEC of five commands: one command to send and parse on
# the hot path, and the same atomicity. Returns 1 when the install is new on that day.
_TOUCH_LUA = """
local seen = tonumber(ARGV[2])
-- GT: a late, older heartbeat never moves an install back in time.
redis.call('ZADD', KEYS[1], 'GT', seen, ARGV[1])
-- Trim on every write: the set holds only installs the largest window can still see,
-- and each call removes just the few that aged out since the previous one.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (seen - tonumber(ARGV[3])))
redis.call('EXPIRE', KEYS[1], ARGV[3])
local first = redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return first
"""


class StoreUnavailable(Exception):
    """The store could not be reached; the caller answers 503."""


class PresenceStore:
    """
    The interface. Times are whole Unix seconds of the server clock.

    `touch` records a heartbeat and returns True when it is the install's first
    on `day` as far as the store knows, False when it certainly is not, None when
    the store does not track days (the caller then asks analytics, whose own
    guard keeps it cheap). `count` answers the installs seen at or after
    `since`; `trim` forgets installs last seen before `before`.
    """

    name = ""

    def touch(self, *, install_id: str, seen: int, day: date) -> bool | None:
        raise NotImplementedError

    def forget_day(self, *, install_id: str, day: date) -> None:
        """Undo `touch`'s day guard (the day's activity could not be recorded)."""

    def count(self, *, since: int) -> int:
        raise NotImplementedError

    def trim(self, *, before: int) -> int:
        raise NotImplementedError

    def ping(self) -> None:
        raise NotImplementedError


class RedisPresenceStore(PresenceStore):
    name = "redis"

    @staticmethod
    def _client():
        from django_redis import get_redis_connection

        return get_redis_connection("default")

    @staticmethod
    def online_key() -> str:
        # The raw client skips the cache's KEY_PREFIX; make_key keeps deployments (and tests) apart.
        return cache.make_key("presence:online")

    @staticmethod
    def day_key(day: date) -> str:
        return cache.make_key(f"presence:seen:{day.isoformat()}")

    def touch(self, *, install_id, seen, day):
        import redis

        try:
            client = self._client()
            # redis-py's Script sends EVALSHA and loads the script again if Redis lost it.
            first = self._touch_script(client)(
                keys=[self.online_key(), self.day_key(day)],
                args=[install_id, seen, settings.PRESENCE_TRIM_HORIZON, DAY_GUARD_TTL],
                client=client,
            )
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return first == 1

    _script = None

    @classmethod
    def _touch_script(cls, client):
        if cls._script is None:
            cls._script = client.register_script(_TOUCH_LUA)
        return cls._script

    def forget_day(self, *, install_id, day):
        import redis

        try:
            self._client().srem(self.day_key(day), install_id)
        except redis.RedisError:
            logger.warning("presence.day_guard_not_released", extra={"install_id": install_id})

    def count(self, *, since):
        import redis

        try:
            return int(self._client().zcount(self.online_key(), since, "+inf"))
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def trim(self, *, before):
        import redis

        try:
            return int(self._client().zremrangebyscore(self.online_key(), "-inf", f"({before}"))
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def ping(self):
        import redis

        try:
            self._client().ping()
        except redis.RedisError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc


class DatabasePresenceStore(PresenceStore):
    name = "database"

    def touch(self, *, install_id, seen, day):
        table = connection.ops.quote_name(OnlineInstall._meta.db_table)
        # One statement on PostgreSQL and SQLite alike: insert the install, or move its time
        # forward. A heartbeat in the second already stored (a retry, a burst) changes no
        # window's answer, so the WHERE leaves that row alone and nothing is written; neither
        # does a late heartbeat older than the stored one.
        sql = (
            f"INSERT INTO {table} (install_id, last_seen) VALUES (%s, %s) "
            f"ON CONFLICT (install_id) DO UPDATE SET last_seen = excluded.last_seen "
            f"WHERE {table}.last_seen < excluded.last_seen"
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, [install_id, seen])
        except DatabaseError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return None

    def count(self, *, since):
        try:
            return OnlineInstall.objects.filter(last_seen__gte=since).count()
        except DatabaseError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    def trim(self, *, before):
        try:
            deleted, _ = OnlineInstall.objects.filter(last_seen__lt=before).delete()
        except DatabaseError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc
        return deleted

    def ping(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc


_STORES = {"redis": RedisPresenceStore(), "database": DatabasePresenceStore()}


def get_store() -> PresenceStore:
    """The store named by settings.PRESENCE_STORE (Redis when REDIS_URL is set, by default)."""
    return _STORES[settings.PRESENCE_STORE]
