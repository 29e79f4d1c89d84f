"""Request ids and the request log line, the Host rule, URL, body and query limits, per-surface
language, rate-limit headers."""
import logging
import re
import random
import string
import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import DisallowedHost, TooManyFieldsSent
from django.utils import translation

from core import metrics, styles
from core.exceptions import (
    PayloadTooLarge,
    UriTooLong,
    disallowed_host,
    error_response,
    malformed_query_string,
    too_many_query_parameters,
)

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
    as X-Request-Id, writes one structured log line per request and counts it in
    the request metrics (core.metrics: its route, method, status and duration).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _CLIENT_REQUEST_ID.match(incoming) else new_request_id()
        metrics.HTTP_REQUESTS_IN_FLIGHT.inc()
        try:
            response = self.get_response(request)
        finally:
            metrics.HTTP_REQUESTS_IN_FLIGHT.dec()
        response["X-Request-Id"] = request.request_id
        seconds = time.perf_counter() - started
        metrics.request_observed(request, response.status_code, seconds)
        request_logger.info(
            "http.request",
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "caller": getattr(request, "caller", None),
            },
        )
        return response


class AllowedHostMiddleware:
    """
    Judges the Host header once, before any other code calls request.get_host().

    Django raises DisallowedHost from whichever code asks first (CommonMiddleware,
    CSRF, DRF, the admin) and answers an HTML "Bad Request (400)". Here a Host
    outside ALLOWED_HOSTS is answered 400 in the surface's style instead, except on
    the health probes (settings.PROBE_PATHS): Kubernetes and load balancers address
    the pod by IP, so a probe is answered whatever its Host, as if it had been sent
    to a listed host (the probes build no URL from it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            # As sent: a probe's headers are rewritten below.
            sent = {"host": request.META.get("HTTP_HOST", "")[:255], "path": request.path}
            if "HTTP_X_FORWARDED_HOST" in request.META:
                sent["forwarded_host"] = request.META["HTTP_X_FORWARDED_HOST"][:255]
            if request.path not in settings.PROBE_PATHS or not address_to_listed_host(request):
                request_logger.warning("http.disallowed_host", extra=sent)
                return error_response(request, disallowed_host())
        return self.get_response(request)


def address_to_listed_host(request) -> bool:
    """
    Rewrite the request's Host to the first name ALLOWED_HOSTS accepts, so that every
    later get_host() succeeds; False when no listed entry is a usable host name.
    """
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # what Django allows in that case
    # With USE_X_FORWARDED_HOST, get_host() would read the (equally unlisted) forwarded host first.
    request.META.pop("HTTP_X_FORWARDED_HOST", None)
    for entry in allowed:
        candidate = entry.lstrip(".")  # ".example.com" accepts example.com itself
        if not candidate or candidate == "*":
            continue
        request.META["HTTP_HOST"] = candidate
        try:
            request.get_host()
        except DisallowedHost:
            continue
        return True
    return False


_BAD_PERCENT_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def query_string_rejection(request):
    """
    The 400 for a query string Django would misread or refuse, else None.

    Django decodes a non-UTF-8 query as Latin-1 and replaces undecodable percent
    escapes with U+FFFD, so a view would see other values than the client sent;
    and it raises TooManyFieldsSent (a 500 inside a DRF view) from whatever first
    reads request.GET. Parsing it here, once, answers both before any view runs.
    """
    raw = request.META.get("QUERY_STRING", "")
    if raw:
        try:
            data = raw.encode("iso-8859-1")  # WSGI hands the raw bytes as a Latin-1 str
        except UnicodeEncodeError:
            data = raw.encode("utf-8")  # an ASGI server hands an already decoded str
        if _BAD_PERCENT_ESCAPE.search(data):
            return malformed_query_string()
        try:
            # '&', '=' and '%26' are ASCII: the whole string decodes exactly when every key and value does.
            unquote_to_bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return malformed_query_string()
    try:
        request.GET  # cached on the request: views read this very parse
    except TooManyFieldsSent:
        return too_many_query_parameters()
    return None


class RequestLimitsMiddleware:
    """
    Refuses over-long URLs (414), bodies over the surface's size (413, judged
    from Content-Length before anything reads the body) and query strings that
    cannot be parsed faithfully (400), in the surface's style. Also activates the
    surface's language for DRF's built-in messages.
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
        rejection = query_string_rejection(request)
        if rejection is not None:
            return error_response(request, rejection)
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
