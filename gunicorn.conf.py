"""gunicorn settings; each may be overridden by the environment (see docs/operations.md)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
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
# The service enforces its own 8,192-character URL limit (414 in the API's format);
# gunicorn's default of 4,094 would cut it short with a bare 400.
limit_request_line = 0
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = 1000
accesslog = None  # the service writes its own structured line per request
errorlog = "-"
preload_app = False  # the DB pool must not be opened before the fork


def post_worker_init(worker):
    """Each worker runs presence's snapshot clock: history fills with no cron (docs/presence.md)."""
    from presence.scheduler import start_snapshot_scheduler

    start_snapshot_scheduler()
