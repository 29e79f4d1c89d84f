"""
Settings for the whole service, read from the environment only.

Every variable is listed in README.md ("Configuration"). With nothing set, the
service runs as a development laptop install: SQLite next to the code, the
in-process cache, DEBUG on. Production is selected with DJANGO_ENV=production,
which turns DEBUG off and refuses to start without real secrets (config.secret_policy).
"""
from pathlib import Path
import re

import environ
from django.core.exceptions import ImproperlyConfigured

from config.secret_policy import (
    DEVELOPMENT_JWT_SECRET,
    DEVELOPMENT_SECRET_KEY,
    HOW_TO_GENERATE,
    production_secret_errors,
)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

APP_ENV = env.str("DJANGO_ENV", default="development")
if APP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
DEBUG = env.bool("DJANGO_DEBUG", default=APP_ENV == "development")

# --- Secrets ------------------------------------------------------------------
# Development runs on published defaults. Production (or DEBUG off) requires all three, each
# long, not repetitive and never a value published in this repository; one start names every
# secret that is wrong, so that an operator fixes them in one go.
_SECRETS = {name: env.str(name, default="") for name in ("DJANGO_SECRET_KEY", "JWT_SECRET", "SIGNING_ENCRYPTION_KEY")}
if APP_ENV == "production" or not DEBUG:
    _secret_errors = production_secret_errors(_SECRETS, comma_separated=frozenset({"SIGNING_ENCRYPTION_KEY"}))
    if _secret_errors:
        raise ImproperlyConfigured(
            "Refusing to start without real secrets (DJANGO_ENV=production or DEBUG off): "
            + "; ".join(_secret_errors) + f". For each, {HOW_TO_GENERATE}; see docs/operations.md, \"Secrets\"."
        )
SECRET_KEY = _SECRETS["DJANGO_SECRET_KEY"] or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["*"] if DEBUG else ["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SERVICE_NAME = env.str("SERVICE_NAME", default="procure-api")
# The name people read (the front page, the admin's header and titles): seed 001's 智能采购平台.
SERVICE_DISPLAY_NAME = env.str("SERVICE_DISPLAY_NAME", default="智能采购平台")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "core",
    "procurement",
    "accounts",
    "presence",
    "analytics",
]

MIDDLEWARE = [
    # Outermost: every response, including errors raised by the limits below, gets an id and a log line.
    "core.middleware.RequestIdMiddleware",
    # Before anything calls request.get_host(): an unlisted Host is answered 400 in the surface's
    # style (the health probes whatever their Host), never Django's HTML page.
    "core.middleware.AllowedHostMiddleware",
    "core.middleware.RequestLimitsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RateLimitHeadersMiddleware",
]

if not DEBUG:
    # Production serves the docs' static files itself (after collectstatic); runserver does in DEBUG.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides (templates/admin/base_site.html) before the apps' own templates.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
DB_CONNECT_TIMEOUT = env.int("DB_CONNECT_TIMEOUT", default=3)
# Seconds the health probe waits for each dependency (core.health), below the 3 s timeout of
# seed 000's probes whatever DB_CONNECT_TIMEOUT, DB_POOL_TIMEOUT and REDIS_SOCKET_TIMEOUT say.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)
if not 0 < HEALTH_CHECK_TIMEOUT < 3:
    raise ImproperlyConfigured("HEALTH_CHECK_TIMEOUT must be between 0 and 3 seconds (probes give up at 3 s).")
DB_POOL = env.bool("DB_POOL", default=False)

if DATABASE_URL:
    _db = env.db_url_config(DATABASE_URL)
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL (SQLite is the default).")
    # Django's PostgreSQL backend with a health check that skips connections used a moment ago.
    _db["ENGINE"] = "core.db"
    _db["OPTIONS"] = {"connect_timeout": DB_CONNECT_TIMEOUT}
    if DB_POOL:
        # Django's own psycopg pool: one per process, sized to the threads that share it.
        # It requires CONN_MAX_AGE=0 and must not be opened before gunicorn forks.
        _db["OPTIONS"]["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=8),
            "timeout": env.float("DB_POOL_TIMEOUT", default=5.0),
        }
        _db["CONN_MAX_AGE"] = 0
    else:
        _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
        "OPTIONS": {
            # Writers queue for the lock instead of failing with "database is locked".
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
        },
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Redis ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.5)
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="procure")

if REDIS_URL:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "CONNECTION_POOL_KWARGS": {
                    "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=64),
                    # One immediate retry (a pooled socket gone stale after a Redis restart),
                    # never redis-py's client default of three with backoff: a request must
                    # not wait seconds for a Redis that is down, it fails open instead.
                    "retry": Retry(NoBackoff(), 1),
                },
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "procure-default",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# --- Passwords, i18n, time ----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# One clock on every operator screen: Django's zh_Hans date formats, with the offset
# added to every date-time (config/formats/zh_Hans/formats.py; core.timeutil.local_display).
FORMAT_MODULE_PATH = ["config.formats"]
# The handful of Django admin strings its own zh_Hans catalogue lacks (locale/zh_Hans).
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Hashed, compressed files with a manifest, as WhiteNoise serves them with DEBUG off. On exactly
# then by default; the image build turns it on for a collectstatic in development mode, which
# needs no secret (Dockerfile): it writes the files production serves, and production's own
# checks are untouched (the image's DJANGO_ENV stays production).
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Request limits and client identity ---------------------------------------
# Bodies are checked against Content-Length before a view reads them; the
# largest per-surface limit is also Django's own backstop.
MAX_URL_LENGTH = env.int("MAX_URL_LENGTH", default=8192)
BODY_LIMITS = {
    # (path prefix, bytes); first match wins.
    "/api/v1/auth/": 10 * 1024,
    "/api/v1/users/": 10 * 1024,
    "/api/v1/admin/": 10 * 1024,
    "default": env.int("MAX_BODY_BYTES", default=1024 * 1024),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = BODY_LIMITS["default"]
# Peers whose X-Forwarded-For is believed (IPs or CIDRs). Empty: never read it.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# --- Response styles ----------------------------------------------------------
# Which of the three wire styles (API contract §1) answers under which path
# prefix, matched by whole path segments ("/health" covers /health and /health/x,
# never /healthz; core.styles.path_is_under). Views may also set `response_style`
# themselves; this map decides for everything Django answers before a view runs
# (404, 405, limits, 500). Paths under none of them answer in the default style.
RESPONSE_STYLE_PREFIXES = [
    ("/api/v1/presence", "plain"),
    ("/api/v1/analytics", "plain"),
    ("/api/v1/auth", "accounts"),
    ("/api/v1/users", "accounts"),
    ("/api/v1/admin", "accounts"),
    ("/health", "accounts"),
    ("/system-stats", "accounts"),
]
DEFAULT_RESPONSE_STYLE = "partner"
# The health probes (seed 000, 002, 003): answered whatever the Host header (Kubernetes and load
# balancers address the pod by IP) and never redirected to HTTPS.
PROBE_PATHS = ("/api/v1/health", "/health", "/api/v1/presence/health")

# --- Rate limits --------------------------------------------------------------
RATELIMIT_KEY_PREFIX = env.str("RATELIMIT_KEY_PREFIX", default="rl")
RATE_LIMITS = {}
# Without Redis, limits and replay claims live in a SQLite file that every process of the
# host shares (core.ratelimit.SqliteSlidingWindow): by default beside the embedded database,
# a file of its own so that a limiter write never waits for a request's transaction.
_sqlite_data = Path(env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")))
RATELIMIT_SQLITE_PATH = env.str(
    "RATELIMIT_SQLITE_PATH", default=str(_sqlite_data.with_name(_sqlite_data.stem + ".limits.sqlite3"))
)
# Seconds a decision waits for another process's write lock before the store counts as down.
RATELIMIT_SQLITE_TIMEOUT = env.float("RATELIMIT_SQLITE_TIMEOUT", default=2.0)

# --- Users and JWT (accounts) -------------------------------------------------
JWT_SECRET = _SECRETS["JWT_SECRET"] or DEVELOPMENT_JWT_SECRET  # judged with the others under "Secrets"
JWT_EXPIRE = env.str("JWT_EXPIRE", default="7d")


def _duration_seconds(text: str) -> int:
    """'7d', '12h', '30m', '45s' or plain seconds, as JWT_EXPIRE is written for Node services."""
    text = text.strip().lower()
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    if text and text[-1] in units:
        return int(text[:-1]) * units[text[-1]]
    return int(text)


from datetime import timedelta  # noqa: E402

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=_duration_seconds(JWT_EXPIRE)),
    "SIGNING_KEY": JWT_SECRET,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
}
# How end users (mobile apps) authenticate, for every app that serves them.
# Apps read this setting rather than importing accounts (see core.auth).
USER_AUTHENTICATION_CLASSES = ["accounts.authentication.JWTAuthentication"]

# --- Partner API (procurement) ------------------------------------------------
# Signed requests (contract §3): core.partner_auth verifies, procurement owns the apps.
PARTNER_CREDENTIALS_LOOKUP = "procurement.selectors.partner_credentials_for"
# Key(s) that encrypt partner secrets at rest (Fernet key or any long passphrase; several,
# comma-separated, to re-key: the first encrypts, all decrypt). Never SECRET_KEY itself.
# Required in production (judged under "Secrets"); in development derived from SECRET_KEY.
SIGNING_ENCRYPTION_KEY = _SECRETS["SIGNING_ENCRYPTION_KEY"] or "development-only:" + SECRET_KEY
PARTNER_SIGNATURE_WINDOW_SECONDS = env.int("PARTNER_SIGNATURE_WINDOW_SECONDS", default=300)
# A used signature is remembered for the whole window (2 x the tolerance: a timestamp may be
# that far ahead or behind) plus this margin for the clocks of several hosts disagreeing.
PARTNER_REPLAY_SKEW_MARGIN_SECONDS = env.int("PARTNER_REPLAY_SKEW_MARGIN_SECONDS", default=60)
# Failed signature checks allowed per client IP before it gets 429 (guessing costs the guesser).
PARTNER_AUTH_FAILURE_RATE = env.str("PARTNER_AUTH_FAILURE_RATE", default="30/m")
PARTNER_DEFAULT_QPS = env.int("PARTNER_DEFAULT_QPS", default=100)
# The window an app's limit counts over: 1 s makes it the per-second QPS of 001. A wider one
# (e.g. 60 s with 60 x the limit) smooths bursts; the headers name the window they count.
PARTNER_QPS_WINDOW_SECONDS = env.float("PARTNER_QPS_WINDOW_SECONDS", default=1.0)
# Seconds each process keeps an app's credentials (saves a query per request); changes to
# an app (disable, rotation, whitelist) take effect within this time. 0 = look up every time.
PARTNER_CREDENTIALS_CACHE_SECONDS = env.float("PARTNER_CREDENTIALS_CACHE_SECONDS", default=5.0)
# How long a rotated-out secret keeps verifying.
PARTNER_SECRET_ROTATION_GRACE_HOURS = env.int("PARTNER_SECRET_ROTATION_GRACE_HOURS", default=24)

# --- Accounts limits -----------------------------------------------------------
# 002 §7: requests per client IP to the accounts API (health probes are never limited).
# "<count>/<n><s|m|h|d>"; empty turns the limit off. RATE_LIMITS["accounts"] wins when set.
ACCOUNTS_RATE_LIMIT = env.str(
    "ACCOUNTS_RATE_LIMIT", default="100/15m" if APP_ENV == "production" else "1000/15m"
)
# Failed logins are slowed per (account, client IP), per client IP and, far higher, per
# account; past a count the client's logins answer 429 until its oldest failure leaves the
# window. The per-account count never holds back a client that has not itself failed for
# that account, so nobody can lock the owner out (docs/accounts.md, "Failed logins").
ACCOUNTS_LOGIN_FAILURE_LIMIT = env.str("ACCOUNTS_LOGIN_FAILURE_LIMIT", default="5/15m")
ACCOUNTS_LOGIN_IP_FAILURE_LIMIT = env.str("ACCOUNTS_LOGIN_IP_FAILURE_LIMIT", default="50/15m")
ACCOUNTS_LOGIN_ACCOUNT_FAILURE_LIMIT = env.str("ACCOUNTS_LOGIN_ACCOUNT_FAILURE_LIMIT", default="200/15m")
# /system-stats is open to anyone only when this is on; otherwise it needs a staff JWT.
SYSTEM_STATS_PUBLIC = env.bool("SYSTEM_STATS_PUBLIC", default=False)

# --- Presence ------------------------------------------------------------------
# The timing model (docs/presence.md): clients send a heartbeat every
# PRESENCE_HEARTBEAT_INTERVAL seconds; an install is online while its last
# heartbeat is within the window asked for (default 180 s, so two lost
# heartbeats in a row still count); a snapshot of the default-window count is
# taken once a minute by whichever process gets there first.
PRESENCE_STORE = env.str("PRESENCE_STORE", default="redis" if REDIS_URL else "database")
PRESENCE_HEARTBEAT_INTERVAL = env.int("PRESENCE_HEARTBEAT_INTERVAL", default=60)
PRESENCE_MIN_WINDOW = 1
PRESENCE_DEFAULT_WINDOW = env.int("PRESENCE_DEFAULT_WINDOW", default=180)
PRESENCE_MAX_WINDOW = env.int("PRESENCE_MAX_WINDOW", default=3600)
# Redis entries older than this are trimmed; it must cover the largest window offered.
PRESENCE_TRIM_HORIZON = env.int("PRESENCE_TRIM_HORIZON", default=PRESENCE_MAX_WINDOW)
# Contract §7: one snapshot a minute; history intervals are whole multiples of it.
PRESENCE_SNAPSHOT_PERIOD = 60
PRESENCE_SNAPSHOTS_AUTOSTART = env.bool("PRESENCE_SNAPSHOTS_AUTOSTART", default=True)
PRESENCE_HISTORY_MAX_DAYS = 31
RATE_LIMITS.update({
    # Seed 003 §6, per user, sliding windows.
    "presence_heartbeat": env.str("PRESENCE_HEARTBEAT_RATE", default="60/m"),
    "presence_online_count": env.str("PRESENCE_ONLINE_COUNT_RATE", default="120/m"),
    "presence_online_history": env.str("PRESENCE_ONLINE_HISTORY_RATE", default="30/m"),
})

# The relations between these are checked at start by presence.conf.check_settings().

# --- Analytics -----------------------------------------------------------------
# (issue 6: batch limits, retention)
# Event batches (contract §8): events per batch, bytes of one event's properties as
# compact JSON, how far clientTs may run ahead of the server or lag behind it.
ANALYTICS_MAX_BATCH_EVENTS = env.int("ANALYTICS_MAX_BATCH_EVENTS", default=500)
ANALYTICS_MAX_PROPERTIES_BYTES = env.int("ANALYTICS_MAX_PROPERTIES_BYTES", default=8 * 1024)
ANALYTICS_MAX_CLOCK_AHEAD_SECONDS = env.int("ANALYTICS_MAX_CLOCK_AHEAD_SECONDS", default=600)
ANALYTICS_MAX_EVENT_AGE_DAYS = env.int("ANALYTICS_MAX_EVENT_AGE_DAYS", default=30)
# DAU queries answer at most this many days, inclusive (003 §2.2: 90).
ANALYTICS_DAU_MAX_DAYS = env.int("ANALYTICS_DAU_MAX_DAYS", default=90)
# Raw events older than this are deleted by `manage.py analytics_prune_events`.
ANALYTICS_EVENT_RETENTION_DAYS = env.int("ANALYTICS_EVENT_RETENTION_DAYS", default=180)
# 003 §6 limits: events per client IP, DAU per user (sliding windows).
RATE_LIMITS["analytics_events"] = env.str("ANALYTICS_EVENTS_RATE", default="100/m")
RATE_LIMITS["analytics_dau"] = env.str("ANALYTICS_DAU_RATE", default="30/m")
if ANALYTICS_MAX_EVENT_AGE_DAYS >= ANALYTICS_EVENT_RETENTION_DAYS:
    # Events accepted up to N days late must survive at least that long.
    raise ImproperlyConfigured("ANALYTICS_EVENT_RETENTION_DAYS must exceed ANALYTICS_MAX_EVENT_AGE_DAYS.")

# --- Benchmarks -----------------------------------------------------------------
# Routes bench/floor (see bench/README.md); never on in a real deployment.
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)

# --- REST framework and OpenAPI -----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.EnvelopeRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.renderers.JSONFirstNegotiation",
}

ENABLE_SWAGGER = env.bool("ENABLE_SWAGGER", default=DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Procure platform API",
    "DESCRIPTION": (
        "One service for four API documents: the partner purchase-intent API (HMAC signed), "
        "user accounts (JWT), presence and analytics. Each surface keeps its own response style; "
        "see docs/ in the repository."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps have a field named "status": give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "IntentStatusEnum": "procurement.models.IntentStatus",
        "UserStatusEnum": "accounts.models.User.Status",
        "HealthyStatusEnum": ["healthy"],
        "UnhealthyStatusEnum": ["degraded", "unhealthy"],
        "PresenceHealthStatusEnum": ["ok"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.wrap_responses_in_envelopes",
    ],
}

# --- Metrics (Prometheus) ------------------------------------------------------
# /metrics (core.metrics, docs/operations.md "Metrics and alerts") answers only client IPs in
# METRICS_ALLOWED_IPS (IPs or CIDRs, as core.clientip sees them: X-Forwarded-For only from
# TRUSTED_PROXIES; default loopback only, empty: none) or requests carrying
# `Authorization: Bearer <METRICS_TOKEN>` (unset: no token admits). PROMETHEUS_MULTIPROC_DIR
# (multiprocess mode) is read by prometheus-client and gunicorn.conf.py, not here.
import ipaddress  # noqa: E402

METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
for _entry in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_entry.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_entry!r} is not an IP address or network.")
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 24:
    raise ImproperlyConfigured(f"METRICS_TOKEN must be at least 24 characters; {HOW_TO_GENERATE}.")
# Gauges read at scrape time, one callable per app that has some (core imports no app).
METRICS_READINGS = ["presence.metrics.presence_readings"]
# Prometheus scrapes a pod by its IP, like the probes: /metrics is answered whatever the Host
# header (core.middleware.AllowedHostMiddleware) and never redirected to HTTPS.
PROBE_PATHS = (*PROBE_PATHS, "/metrics")

# --- Security (production) ----------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    # With SECURE_SSL_REDIRECT on, probes that speak plain HTTP to the process still reach health.
    SECURE_REDIRECT_EXEMPT = [rf"^{re.escape(path.lstrip('/'))}$" for path in PROBE_PATHS]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# --- Logging ------------------------------------------------------------------
# One JSON object per line on stderr, whatever writes it (docs/operations.md, "Logs"). Django
# applies its DEFAULT_LOGGING first: its "django" logger prints plain text to the console under
# DEBUG (each 500's traceback, the autoreloader's "Watching for file changes") and runserver's
# "django.server" has a plain handler of its own; both are replaced here, and Python warnings are
# captured into logging by core.logging.configure.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING_CONFIG = "core.logging.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "filters": {"drop_runserver_access": {"()": "core.logging.DropRunserverAccessLines"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # No handler of its own (Django's plain console and mail_admins): up to the root's JSON.
        "django": {"handlers": [], "propagate": True},
        # The request log line replaces Django's own per-request warnings.
        "django.request": {"level": "ERROR"},
        # runserver: its access lines are dropped for the service's own `http.request` line.
        "django.server": {"handlers": ["console"], "filters": ["drop_runserver_access"],
                          "level": "INFO", "propagate": False},
    },
}
