"""
DRF throttles on the sliding-window limiter (`core.ratelimit`).

DRF's own throttles are neither atomic nor shared between processes; these
are, when Redis is configured. Each class names a `scope`; its rate comes from
settings.RATE_LIMITS[scope] (e.g. "100/15m"), falling back to the class's
`rate`. The decision is left on the request so that
`core.middleware.RateLimitHeadersMiddleware` can write the headers.
"""
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from core.clientip import client_ip
from core.ratelimit import get_limiter, parse_rate


def record_rate_limit(request, result) -> None:
    """Keep the tightest decision of this request for the response headers."""
    django_request = getattr(request, "_request", request)
    current = getattr(django_request, "rate_limit", None)
    if current is None or not result.allowed or (current.allowed and result.remaining < current.remaining):
        django_request.rate_limit = result


class SlidingWindowThrottle(BaseThrottle):
    """Base: subclasses say whose requests are counted together (`get_ident_key`)."""

    scope: str = ""
    rate: str | None = None

    def __init__(self):
        self.result = None

    def get_rate(self) -> str | None:
        return getattr(settings, "RATE_LIMITS", {}).get(self.scope, self.rate)

    def get_ident_key(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        rate = self.get_rate()
        ident = self.get_ident_key(request, view) if rate else None
        if ident is None:
            return True
        limit, window = parse_rate(rate)
        self.result = get_limiter().hit(f"{self.scope}:{ident}", limit, window, policy=self.scope)
        record_rate_limit(request, self.result)
        return self.result.allowed

    def wait(self):
        return self.result.reset_after if self.result is not None else None


class ClientIPThrottle(SlidingWindowThrottle):
    """Counts per client IP (trusted proxies honoured)."""

    def get_ident_key(self, request, view):
        return f"ip:{client_ip(request)}"


class UserThrottle(SlidingWindowThrottle):
    """Counts per authenticated user; anonymous callers per client IP."""

    def get_ident_key(self, request, view):
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return f"user:{user.pk}"
        return f"ip:{client_ip(request)}"
