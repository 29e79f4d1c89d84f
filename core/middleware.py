"""Request ids and the request log line, URL and body limits, per-surface language, rate-limit headers."""
import logging
import re
import random
import string
import time

from django.conf import settings
from django.utils import translation

from core import styles
from core.exceptions import PayloadTooLarge, UriTooLong, error_response

request_logger = logging.getLogger("core.request")

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_ALPHABET = string.ascii_lowercase + string.digits


def new_request_id() -> str:
    """`req_<unix ms>_<6 random chars>`, as seed 001 shows."""
    # An id must be unique, not unguessable: the process PRNG (reseeded at fork) costs no
    # system call, where secrets.choice read the OS's random source once per character.
    suffix = "".join(random.choices(_ALPHABET, k=6))
    return f"req_{int(time.time() * 1000)}_{suffix}"


def raw_request_target(request) -> str:
    """The request target as the client sent it: raw path and raw query string."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        return raw
    return request.get_full_path()


class RequestIdMiddleware:
    """
    Gives every request an id (the client's own when well formed), returns it
    as X-Request-Id, and writes one structured log line per request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _CLIENT_REQUEST_ID.match(incoming) else new_request_id()
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        request_logger.info(
            "http.request",
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "caller": getattr(request, "caller", None),
            },
        )
        return response


class RequestLimitsMiddleware:
    """
    Refuses over-long URLs (414) and bodies over the surface's size (413, judged
    from Content-Length before anything reads the body), in the surface's style.
    Also activates the surface's language for DRF's built-in messages.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.body_limits = [(p, n) for p, n in settings.BODY_LIMITS.items() if p != "default"]
        self.default_body_limit = settings.BODY_LIMITS["default"]

    def body_limit_for(self, path: str) -> int:
        for prefix, limit in self.body_limits:
            if path.startswith(prefix):
                return limit
        return self.default_body_limit

    def __call__(self, request):
        translation.activate(styles.style_for_path(request.path).language)
        if len(raw_request_target(request)) > settings.MAX_URL_LENGTH:
            return error_response(request, UriTooLong())
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.body_limit_for(request.path):
            return error_response(request, PayloadTooLarge())
        return self.get_response(request)


class RateLimitHeadersMiddleware:
    """Writes X-RateLimit-* and the IETF draft's RateLimit/RateLimit-Policy when a throttle ran."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        result = getattr(request, "rate_limit", None)
        if result is not None:
            apply_rate_limit_headers(response, result)
        return response


def apply_rate_limit_headers(response, result) -> None:
    response["X-RateLimit-Limit"] = str(result.limit)
    response["X-RateLimit-Remaining"] = str(result.remaining)
    response["X-RateLimit-Reset"] = str(result.reset_at)
    window = max(1, round(result.window))
    response["RateLimit-Policy"] = f'"{result.policy}";q={result.limit};w={window}'
    response["RateLimit"] = f'"{result.policy}";r={result.remaining};t={max(0, round(result.reset_after))}'
    if not result.allowed:
        response["Retry-After"] = str(result.retry_after)
