"""Dependency checks for the health probe: the database and, when configured, Redis."""
from dataclasses import dataclass
import logging

from django.conf import settings
from django.db import connection

logger = logging.getLogger("core.health")


@dataclass(frozen=True)
class HealthReport:
    database_error: str | None
    redis_error: str | None

    @property
    def healthy(self) -> bool:
        return self.database_error is None and self.redis_error is None


def check_database() -> str | None:
    """None when `SELECT 1` answers; otherwise a short description without internals.

    The connect timeout is DB_CONNECT_TIMEOUT (PostgreSQL). A failed
    connection is closed so that the next request opens a fresh one.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return None
    except Exception as exc:  # any driver error means "down" to a probe
        logger.warning("health.database_down", extra={"error": type(exc).__name__})
        try:
            connection.close()
        except Exception:
            pass
        if "timeout" in str(exc).lower():
            return "Database connection timeout"
        return f"Database connection failed ({type(exc).__name__})"


def check_redis() -> str | None:
    """None when Redis answers PING (or is not configured); the socket timeout is REDIS_SOCKET_TIMEOUT."""
    if not settings.REDIS_URL:
        return None
    try:
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()
        return None
    except Exception as exc:
        logger.warning("health.redis_down", extra={"error": type(exc).__name__})
        if "timeout" in type(exc).__name__.lower():
            return "Redis connection timeout"
        return f"Redis connection failed ({type(exc).__name__})"


def check_dependencies() -> HealthReport:
    return HealthReport(database_error=check_database(), redis_error=check_redis())
