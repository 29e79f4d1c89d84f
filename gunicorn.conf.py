"""gunicorn settings; each may be overridden by the environment (see docs/operations.md)."""
import multiprocessing
import os

from gunicorn import glogging as _gunicorn_glogging
from gunicorn.http import message as _gunicorn_http_message

# GUNICORN_BIND wins; otherwise all interfaces on PORT: 8000 by default (`make serve`), 3000 in
# the image (Dockerfile), the port seed 000's probes, health check and upstream address.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# gthread: a request's Python holds the GIL, its PostgreSQL and Redis round trips do not.
# A worker per core, and two threads each so that one thread's round trips overlap the
# other's Python; more threads only queue on the GIL: measured on 2 cores, 4 threads gave
# no more requests/s, a longer p99 and ~40 MB more RSS per worker (docs/performance.md).
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))  # seed 001: 30 s per request
graceful_timeout = 30
keepalive = 5
# Each worker listens on its own SO_REUSEPORT socket and the kernel spreads new connections
# over them. On one shared socket the worker that woke first took them: a load balancer's (or
# wrk's) burst of keep-alive connections could land entirely on one worker, which then served
# everything on one core while the others idled (measured: 3 runs in 8 at 16/0, half the rate).
# The cost: connections still queued on a worker's socket when it exits (max_requests, a
# reload) are reset, unless the kernel migrates them (sysctl net.ipv4.tcp_migrate_req=1).
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "true").lower() in {"1", "true", "yes"}
# The request line is bounded at twice the service's URL limit (MAX_URL_LENGTH, 8,192 by
# default): every URL the service serves fits, one between the two limits reaches the service
# and gets its own 414 in the API's format (contract: 40001), and anything longer is refused by
# gunicorn with a bare 414 after reading at most this many bytes. 0 would mean "unlimited": a
# client could stream an endless request line into a worker's memory.
# gunicorn 27 caps the setting at gunicorn.http.message.MAX_REQUEST_LINE (8,190), which is
# shorter than an 8,192-character URL plus method and version, so the cap is raised to the
# bound here (the master sets it before forking; the parser reads it per request). The live
# tests in tests/core/test_request_line.py fail if a gunicorn upgrade stops honouring it.
_max_url_length = int(os.environ.get("MAX_URL_LENGTH", 8192))
limit_request_line = 2 * _max_url_length
if not hasattr(_gunicorn_http_message, "MAX_REQUEST_LINE"):
    raise RuntimeError("gunicorn.http.message.MAX_REQUEST_LINE is gone: review limit_request_line in gunicorn.conf.py")
_gunicorn_http_message.MAX_REQUEST_LINE = max(_gunicorn_http_message.MAX_REQUEST_LINE, limit_request_line)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = 1000
accesslog = None  # the service writes its own structured line per request
errorlog = "-"
# gunicorn's own lines (starting, booting workers, timeouts, a worker's crash with its traceback)
# are JSON objects on stderr like the service's: its logger with core.logging.JsonFormatter (which
# imports no Django) on its handlers. Not logconfig_dict: any logging config turns gunicorn's
# access log on, a second line per request beside the service's own http.request.


class JsonLogger(_gunicorn_glogging.Logger):
    """gunicorn's logger, its handlers formatting with core.logging.JsonFormatter."""

    def setup(self, cfg):
        super().setup(cfg)
        from core.logging import JsonFormatter

        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())


logger_class = JsonLogger
preload_app = False  # the DB pool must not be opened before the fork


def post_worker_init(worker):
    """Each worker runs presence's snapshot clock: history fills with no cron (docs/presence.md)."""
    from presence.scheduler import start_snapshot_scheduler

    start_snapshot_scheduler()


# Metrics (core.metrics, docs/operations.md "Metrics and alerts"): prometheus-client's
# multiprocess mode, so that a scrape answered by any worker reports the whole server. The
# workers write their values to files in PROMETHEUS_MULTIPROC_DIR; the master empties that
# directory when it starts (files of an earlier run would be summed in) and, when the variable
# is unset, gives this run a private one (per-worker registries would answer each scrape with
# one worker's numbers). It must be set before any worker imports prometheus_client, hence
# here, in the master, before the fork; prometheus_client itself is only imported in hooks.
_METRICS_DIR_CREATED = None


def on_starting(server):
    """Create or empty the metrics directory before any worker starts."""
    global _METRICS_DIR_CREATED
    import glob
    import tempfile

    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        path = _METRICS_DIR_CREATED = tempfile.mkdtemp(prefix="procure-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    os.makedirs(path, exist_ok=True)
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)


def child_exit(server, worker):
    """A worker is gone: drop its per-process gauges ("live" modes); its counters stay and keep counting in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the private metrics directory this run created (an operator's own is left as it is)."""
    if _METRICS_DIR_CREATED:
        import shutil

        shutil.rmtree(_METRICS_DIR_CREATED, ignore_errors=True)
