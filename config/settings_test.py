"""Test settings: the environment's database and cache, with fast hashing and isolated key spaces."""
import atexit
import os
import tempfile
import uuid

os.environ.setdefault("DJANGO_ENV", "development")

from config.settings import *  # noqa: E402,F403
from config.settings import CACHES, DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each test process (and xdist worker) gets its own Redis key space, so that
# parallel runs never share a limiter or cache key.
_RUN = uuid.uuid4().hex[:10]
RATELIMIT_KEY_PREFIX = f"test:{_RUN}:rl"
# Without Redis: one limits file per test process, removed when it exits.
RATELIMIT_SQLITE_PATH = os.path.join(tempfile.gettempdir(), f"procure-test-{_RUN}.limits.sqlite3")


@atexit.register
def _remove_limits_file():
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(RATELIMIT_SQLITE_PATH + suffix)
        except FileNotFoundError:
            pass


CACHE_KEY_PREFIX = f"test:{_RUN}"
CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX

# Django's pool cannot be torn down between test databases; tests use plain connections.
DATABASES["default"]["OPTIONS"].pop("pool", None)
DATABASES["default"]["CONN_MAX_AGE"] = 0

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ENABLE_SWAGGER = True
