"""The 003 §6 limits of the analytics endpoints (sliding windows, rates in settings.RATE_LIMITS)."""
from core.throttling import ClientIPThrottle, UserThrottle


class EventBatchThrottle(ClientIPThrottle):
    """100 batches a minute per client IP: events need no login, so the IP is the only identity."""

    scope = "analytics_events"
    rate = "100/m"


class DauThrottle(UserThrottle):
    """30 DAU queries a minute per user: each answers up to 90 days of maps."""

    scope = "analytics_dau"
    rate = "30/m"
