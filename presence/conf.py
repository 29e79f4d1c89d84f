"""
Presence timing settings and the relations between them, checked at start.

The values live in config/settings.py ("Presence"); `check_settings()` runs from
`PresenceConfig.ready()` so that a service configured into a contradiction
refuses to start instead of miscounting.
"""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

STORES = ("redis", "database")


def check_settings() -> None:
    """Raise ImproperlyConfigured when the presence settings contradict each other."""
    store = settings.PRESENCE_STORE
    if store not in STORES:
        raise ImproperlyConfigured("PRESENCE_STORE must be 'redis' or 'database'.")
    if store == "redis" and not settings.REDIS_URL:
        raise ImproperlyConfigured("PRESENCE_STORE=redis needs REDIS_URL.")
    low, default, high = settings.PRESENCE_MIN_WINDOW, settings.PRESENCE_DEFAULT_WINDOW, settings.PRESENCE_MAX_WINDOW
    if not 1 <= low <= default <= high:
        raise ImproperlyConfigured(
            "Presence windows must satisfy 1 <= PRESENCE_MIN_WINDOW <= PRESENCE_DEFAULT_WINDOW <= PRESENCE_MAX_WINDOW."
        )
    if not 0 < settings.PRESENCE_HEARTBEAT_INTERVAL < default:
        # A client that heartbeats on time must never drop out of the default count between beats.
        raise ImproperlyConfigured("PRESENCE_HEARTBEAT_INTERVAL must be positive and shorter than PRESENCE_DEFAULT_WINDOW.")
    if settings.PRESENCE_TRIM_HORIZON < high:
        # Trimming an install that the largest window could still count would undercount it.
        raise ImproperlyConfigured("PRESENCE_TRIM_HORIZON must be at least PRESENCE_MAX_WINDOW.")
    if settings.PRESENCE_SNAPSHOT_PERIOD != 60:
        raise ImproperlyConfigured("PRESENCE_SNAPSHOT_PERIOD is one minute (contract §7).")
