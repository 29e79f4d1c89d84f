"""
Headless Chromium against a production-style service, for the browser tests (the docs pages,
the admin flows).

Debian's Chromium is driven by playwright-core, installed from npm at test time into the
git-ignored .cache/node; a test skips with the reason only when Chromium, Node.js or npm is
missing. The service is gunicorn with DEBUG off serving the collected static files through
WhiteNoise, as the image does. Each page script records every request a page makes and every
console error (tests/support/page_recorder.cjs), whose Chromium sends any request to another
host to a dead local proxy, where it fails unsent; the helpers here check those records.
"""
from contextlib import contextmanager
from dataclasses import dataclass
import functools
import hashlib
import importlib.metadata
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit
import uuid

import pytest

from tests.support.live import ROOT, running_service
from tests.support.node import NODE_CACHE
from tests.support.production import production_secrets

CHROMIUM = "/usr/bin/chromium"
PLAYWRIGHT = "playwright-core@1.65.1"


def playwright_package() -> Path:
    """The playwright-core directory (installed on first use), or skip when a browser tool is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium fonts-wqy-zenhei)")
    if shutil.which("node") is None:
        pytest.skip("needs Node.js (node) on PATH")
    package = NODE_CACHE / "node_modules" / "playwright-core"
    if not package.exists():
        if shutil.which("npm") is None:
            pytest.skip("needs npm to install playwright-core")
        NODE_CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "install", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund", "--silent",
                               PLAYWRIGHT], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.skip(f"could not install {PLAYWRIGHT} from the npm registry: {done.stderr.strip()[:200]}")
    return package


def run_page_script(script: Path, package: Path, *args: str, timeout: float = 90) -> dict:
    """Run a page script (node <script> <playwright-core dir> <chromium> <args>...): its JSON report."""
    done = subprocess.run(["node", str(script), str(package), CHROMIUM, *args],
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@dataclass
class ProductionService:
    """A running production-style service: its URL, its log file and the environment it runs with."""

    base: str
    log: Path
    env: dict[str, str]
    prepared: object = None  # what production_service's `prepare` returned

    def call(self, function: str, **kwargs):
        """
        `function` ("package.module:name") called with `kwargs` in a Django process on the
        service's own database and settings: its JSON-serialisable return value. For the
        database's state after a browser run.
        """
        return _django_call(self.env, function, kwargs)

    def log_errors(self, last: int = 3) -> list[str]:
        """The last log lines that speak of an error, for assertion messages."""
        return [line[-1500:] for line in self.log.read_text(errors="replace").splitlines() if "rror" in line][-last:]


def _django_call(env: dict[str, str], function: str | None, kwargs: dict, *, migrate: bool = False):
    """`function(**kwargs)` in a new Django process with `env`, after `migrate` if asked: its JSON result."""
    lines = ["import importlib, json, sys, django", "django.setup()"]
    if migrate:
        lines.append("from django.core.management import call_command; call_command('migrate', verbosity=0)")
    if function:
        module, name = function.split(":")
        lines.append(f"result = getattr(importlib.import_module({module!r}), {name!r})(**json.loads(sys.argv[1]))")
    else:
        lines.append("result = None")
    lines.append("print(json.dumps(result))")
    done = subprocess.run([sys.executable, "-c", "\n".join(lines), json.dumps(kwargs)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


# Collected static files, kept between runs under a key of their sources (git-ignored).
STATIC_CACHE = ROOT / ".cache" / "static"
# A stale collection is removed once this old: a test elsewhere in the checkout may still serve it.
STATIC_CACHE_KEEP_SECONDS = 3600


@functools.cache
def collected_static() -> Path:
    """
    The static files as the image collects them (hashed, compressed, with a manifest: the
    Dockerfile's collectstatic in development mode, which needs no secret), for every browser
    test's service. Collecting and compressing takes seconds, so the result is kept in
    .cache/static under a key of every source file's path, size and modification time and the
    versions of the packages that shape the output; a change to any of them collects anew.
    """
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    for package in ("django", "whitenoise", "drf-spectacular-sidecar"):
        digest.update(f"{package}={importlib.metadata.version(package)}\n".encode())
    sources = sorted((path, storage.path(path)) for finder in finders.get_finders() for path, storage in finder.list([]))
    for path, full_path in sources:
        stat = os.stat(full_path)
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    root = STATIC_CACHE / digest.hexdigest()[:20]
    if (root / "staticfiles.json").exists():
        return root
    STATIC_CACHE.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="collecting-", dir=STATIC_CACHE))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_ENV="development", STATIC_MANIFEST="true",
               STATIC_ROOT=str(building))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    try:
        building.rename(root)  # whole or not at all: another process may be collecting the same
    except OSError:
        shutil.rmtree(building, ignore_errors=True)
    for stale in STATIC_CACHE.iterdir():
        if stale != root and time.time() - stale.stat().st_mtime > STATIC_CACHE_KEEP_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
    return root


@contextmanager
def production_service(directory: Path, *, env: dict[str, str] | None = None, database_url: str | None = None,
                       redis_url: str | None = None, prepare: tuple[str, dict] | None = None):
    """
    gunicorn with DJANGO_ENV=production (DEBUG off, fresh secrets), serving the static files
    collected as the image does, on a migrated database of its own: an SQLite file in
    `directory`, or (with `database_url`) a scratch PostgreSQL database beside that URL's,
    dropped afterwards. With `redis_url`, the cache and limiter keys are under a prefix of
    their own. `prepare` ("package.module:name", kwargs) is called on the migrated database, in
    the migrating process (one Django start less), before the service starts: a test's data.
    Yields a ProductionService, `prepared` holding what `prepare` returned.
    """
    with _scratch_database(database_url) as scratch_url:
        overrides = {**production_secrets(), "DJANGO_ENV": "production", "LOG_LEVEL": "WARNING",
                     "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_ROOT": str(collected_static()),
                     "STATIC_MANIFEST": "true", "SECURE_SSL_REDIRECT": "false",
                     "PRESENCE_SNAPSHOTS_AUTOSTART": "false",
                     "DATABASE_URL": scratch_url, "SQLITE_PATH": str(directory / "service.sqlite3"),
                     "REDIS_URL": redis_url, **(env or {})}
        if redis_url:
            run = uuid.uuid4().hex[:10]
            overrides.update(CACHE_KEY_PREFIX=f"test:{run}", RATELIMIT_KEY_PREFIX=f"test:{run}:rl")
        process_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        process_env.update({k: v for k, v in overrides.items() if v is not None},
                           DJANGO_SETTINGS_MODULE="config.settings")
        function, kwargs = prepare or (None, {})
        prepared = _django_call(process_env, function, kwargs, migrate=True)
        log = directory / "service.log"
        with running_service(overrides, log_path=log) as base:
            yield ProductionService(base=base, log=log, env=process_env, prepared=prepared)


@contextmanager
def _scratch_database(database_url: str | None):
    """None for the embedded SQLite; else a new PostgreSQL database on that server, dropped afterwards."""
    if not database_url:
        yield None
        return
    import psycopg  # only in the PostgreSQL mode

    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_browser_{uuid.uuid4().hex[:8]}"
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def requests_elsewhere(requests: list[dict], base: str) -> list[str]:
    """The URLs of recorded requests that went to another origin than the service's (data: and blob: are local)."""
    origin = urlsplit(base)
    return [r["url"] for r in requests
            if urlsplit(r["url"]).scheme not in {"data", "blob"}
            and (urlsplit(r["url"]).scheme, urlsplit(r["url"]).hostname, urlsplit(r["url"]).port)
            != (origin.scheme, origin.hostname, origin.port)]


def failed_requests(requests: list[dict], expected: set[tuple[str, int]] = frozenset()) -> list[dict]:
    """Recorded requests that failed or answered 4xx/5xx, but the (path, status) pairs in `expected`."""
    return [r for r in requests
            if r.get("failure") or ((r.get("status") or 0) >= 400
                                    and (urlsplit(r["url"]).path, r["status"]) not in expected)]
