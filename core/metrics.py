"""
Prometheus metrics: every metric the service exports is defined here, and /metrics serves them.

prometheus-client keeps the values. Without PROMETHEUS_MULTIPROC_DIR (runserver, tests, a
single process) they live in the process's default registry. Under gunicorn the variable names
a directory (gunicorn.conf.py creates and empties it when the master starts, and gives each
run a private one when it is unset): every worker writes its values to memory-mapped files
there and a scrape, answered by whichever worker gets it, sums the files of all workers, the
dead ones' included, so a restarted worker's counts are not lost; gauges are kept per process
and combined as each one's `multiprocess_mode` says (the files of "live" modes are removed
when a worker exits: gunicorn.conf.py calls `mark_process_dead`).

Hot paths only increment (a lock and a write into a mapped page: no system call, no round
trip). What costs a query is read at scrape time instead, by the readings of
settings.METRICS_READINGS (dotted paths of callables yielding `(name, value)` for the gauges
in READING_GAUGES): core imports no app, so presence offers its own.

/metrics is closed by default: it answers only clients whose IP (core.clientip: X-Forwarded-For
believed from TRUSTED_PROXIES only) is in METRICS_ALLOWED_IPS, or that send
`Authorization: Bearer <METRICS_TOKEN>`. Anyone else gets the 403 of the default (partner)
style, like any other path refused permission.
"""
from __future__ import annotations

from functools import lru_cache
import hmac
import logging
import os
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import (
    REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from rest_framework.exceptions import MethodNotAllowed

from core.clientip import client_ip, ip_in_networks, _networks

logger = logging.getLogger("core.metrics")

# No `_created` series beside each counter and histogram: a timestamp per label set that no
# dashboard or alert here reads, doubling what every scrape carries.
disable_created_metrics()

# 1 ms to 30 s (gunicorn's request timeout): the fast paths (heartbeats, signed reads: a few ms)
# fall in the low buckets, large batches and histories in the middle, a stalled dependency at
# the top. Every name carries the `procure_` prefix.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# The route label when no URL pattern decided the answer: a middleware refused the request
# before routing (Host, URL or body limits), or the catch-all 404 answered it.
ROUTE_UNROUTED = "(unrouted)"
# The route of /metrics itself (config/urls.py): scrapes are not counted as API traffic.
ROUTE = "metrics"
ROUTE_UNMATCHED = "(unmatched)"

HTTP_REQUESTS = Counter(
    "procure_http_requests", "HTTP requests answered, by URL pattern, method and status.",
    ["route", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "procure_http_request_duration_seconds", "Time from the request reaching Django to its answer.",
    ["route", "method"], buckets=LATENCY_BUCKETS,
)
HTTP_REQUESTS_IN_FLIGHT = Gauge(
    "procure_http_requests_in_flight", "Requests being answered now, summed over the live processes.",
    multiprocess_mode="livesum",
)
RATELIMIT_REFUSALS = Counter(
    "procure_ratelimit_refusals", "Requests refused by a limit or throttle, by its policy.", ["policy"],
)
PARTNER_AUTH_FAILURES = Counter(
    "procure_partner_auth_failures", "Signed partner requests refused by the signature checks, by business code.",
    ["code"],
)
PRESENCE_HEARTBEATS = Counter("procure_presence_heartbeats", "Heartbeats recorded.")
ANALYTICS_EVENTS = Counter(
    "procure_analytics_events",
    "Events of analytics batches by outcome: stored, duplicate (not stored again), invalid (refused by "
    "validation), error (lost to a failed write).",
    ["outcome"],
)
DEPENDENCY_ERRORS = Counter(
    "procure_dependency_errors", "Failures reaching the database, Redis or the limiter's SQLite store, by where seen.",
    ["dependency", "source"],
)
HEALTH_CHECK_UP = Gauge(
    "procure_health_check_up", "1 when the latest health probe answered by any live process found the dependency "
    "up, 0 when it failed.", ["dependency"], multiprocess_mode="livemostrecent",
)

# Policy names for refusals that are not a limiter window.
REPLAY_POLICY = "partner-replay"

# Gauges computed at scrape time by the readings (settings.METRICS_READINGS): name -> help.
READING_GAUGES = {
    "procure_presence_online_installs": "Installs online now at the default window (the presence store).",
    "procure_presence_snapshot_age_seconds": "Seconds since the latest presence snapshot was taken.",
}


READING_ERRORS = "procure_metrics_reading_errors"

_DEFINED = (HTTP_REQUESTS, HTTP_REQUEST_DURATION, HTTP_REQUESTS_IN_FLIGHT, RATELIMIT_REFUSALS, PARTNER_AUTH_FAILURES,
            PRESENCE_HEARTBEATS, ANALYTICS_EVENTS, DEPENDENCY_ERRORS, HEALTH_CHECK_UP)
_SAMPLE_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def metric_names() -> set[str]:
    """Every family name /metrics may carry (counters without their `_total`), for docs and tests."""
    return {metric._name for metric in _DEFINED} | set(READING_GAUGES) | {READING_ERRORS}


def sample_names() -> set[str]:
    """Every sample name /metrics may carry (`procure_http_requests_total`, `..._bucket`): what queries name."""
    names = {metric._name + suffix for metric in _DEFINED for suffix in _SAMPLE_SUFFIXES[metric._type]}
    return names | set(READING_GAUGES) | {READING_ERRORS}


# --- recording (called on the hot paths) ------------------------------------------------------------

def route_of(request) -> str:
    """The URL pattern that answered `request` (`api/v1/users/<int:user_id>`), never its raw path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ROUTE_UNROUTED
    route = match.route
    if not route or route == "^":  # the catch-all re_path(r"^") of config/urls.py
        return ROUTE_UNMATCHED
    return _readable(route)


_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


@lru_cache(maxsize=512)
def _readable(route: str) -> str:
    """A re_path's pattern as a path() would read: `^api/v1/intents/(?P<intent_id>[...])$` -> `api/v1/intents/<intent_id>`."""
    if "(?P<" not in route and not route.startswith("^"):
        return route
    return _NAMED_GROUP.sub(r"<\1>", route).lstrip("^").rstrip("$")


def request_observed(request, status: int, seconds: float) -> None:
    """Count one answered request and its duration (the request-id middleware calls it)."""
    route = route_of(request)
    if route == ROUTE:
        return  # scrapes are not API traffic
    method = request.method if request.method in _METHODS else "other"
    key = (route, method, status)
    children = _request_children.get(key)
    if children is None:
        # labels() takes the metric's lock and builds its key each time: the pair is kept instead
        # (routes, methods and statuses are few, so this stays small).
        children = _request_children[key] = (HTTP_REQUESTS.labels(route, method, str(status)),
                                              HTTP_REQUEST_DURATION.labels(route, method))
    children[0].inc()
    children[1].observe(seconds)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_request_children: dict[tuple[str, str, int], tuple] = {}


def refused(policy: str) -> None:
    """A limit or throttle named `policy` refused a request."""
    RATELIMIT_REFUSALS.labels(policy).inc()


def dependency_failed(dependency: str, source: str) -> None:
    """`dependency` ("database", "redis", "sqlite") could not be reached by `source`."""
    DEPENDENCY_ERRORS.labels(dependency, source).inc()


# --- scrape ---------------------------------------------------------------------------------------

class _DefaultRegistry:
    """The process's own registry, as one collector of a scrape's registry."""

    def collect(self):
        return REGISTRY.collect()


class ReadingsCollector:
    """
    The gauges read at scrape time (READING_GAUGES), from settings.METRICS_READINGS.

    A reading that fails is left out (its gauge is absent from the scrape, which the alerts
    treat as a failure) and counted in procure_metrics_reading_errors; the others still answer.
    """

    def collect(self):
        values: dict[str, float] = {}
        errors = GaugeMetricFamily(READING_ERRORS,
                                   "Scrape-time readings that failed in this scrape.", labels=["reading"])
        for path in settings.METRICS_READINGS:
            try:
                values.update(import_string(path)())
            except Exception as exc:  # a scrape must answer whatever one reading does
                logger.warning("metrics.reading_failed", extra={"reading": path, "error": type(exc).__name__})
                errors.add_metric([path], 1)
        for name, help_text in READING_GAUGES.items():
            if name in values:
                yield GaugeMetricFamily(name, help_text, value=values[name])
        yield errors


def scrape_registry() -> CollectorRegistry:
    """What one scrape reports: all processes' files (multiprocess mode) or this process's registry, and the readings."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_DefaultRegistry())
    registry.register(ReadingsCollector())
    return registry


def scrape_allowed(request) -> bool:
    """Whether `request` may read /metrics: an allowed client IP, or the bearer token when one is set."""
    if ip_in_networks(client_ip(request), _networks(tuple(settings.METRICS_ALLOWED_IPS))):
        return True
    token = settings.METRICS_TOKEN
    if not token:
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, presented = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


@csrf_exempt
def metrics_view(request):
    """GET /metrics: the Prometheus text format (0.0.4), for allowed scrapers only."""
    from core.exceptions import error_response  # here: core.exceptions itself counts in these metrics

    if not scrape_allowed(request):
        logger.warning("metrics.refused", extra={"client_ip": client_ip(request)})
        return error_response(request, PermissionDenied())
    if request.method not in {"GET", "HEAD"}:
        return error_response(request, MethodNotAllowed(request.method))
    body = generate_latest(scrape_registry())
    response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response
