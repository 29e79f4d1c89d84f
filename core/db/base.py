"""
Django's PostgreSQL backend with one change: the per-request health check
(CONN_HEALTH_CHECKS) skips a connection that ran a query within the last
`RECENTLY_USED_SECONDS`.

Django checks a persistent connection with `SELECT 1` before the first query
of every request, which on a busy service doubles the round trips of a
request that needs one query (the JWT user check, a GET by id). The check
exists for connections that went stale while idle (a server restart, an
idle timeout in between); a connection that answered a moment ago is not
one. A query that fails on it still marks the connection, and Django tests
and drops it at the end of that request, as it does without health checks.
"""
import time

from django.db.backends.postgresql import base

RECENTLY_USED_SECONDS = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    _last_cursor_at = float("-inf")

    def create_cursor(self, name=None):
        self._last_cursor_at = time.monotonic()
        return super().create_cursor(name)

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self._last_cursor_at < RECENTLY_USED_SECONDS
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
