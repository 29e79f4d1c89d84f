"""
Headless Chromium against a production-style service, for the browser tests (the docs pages,
the admin flows).

Debian's Chromium is driven by playwright-core, installed from npm at test time into the
git-ignored .cache/node; a test skips with the reason only when Chromium, Node.js or npm is
missing. The service is gunicorn with DEBUG off serving the collected static files through
WhiteNoise, as the image does. Each page script records every request a page makes and every
console error (tests/support/page_recorder.cjs) and refuses, after recording it, any request
to another host; the helpers here check those records.
"""
import atexit
from contextlib import contextmanager
from dataclasses import dataclass
import functools
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
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

    def call(self, function: str, **kwargs):
        """
        `function` ("package.module:name") called with `kwargs` in a Django process on the
        service's own database and settings: its JSON-serialisable return value. For a test's
        data before the browser runs and the database's state after it.
        """
        module, name = function.split(":")
        script = ("import json, sys, django; django.setup(); import importlib; "
                  f"f = getattr(importlib.import_module({module!r}), {name!r}); "
                  "print(json.dumps(f(**json.loads(sys.argv[1]))))")
        done = subprocess.run([sys.executable, "-c", script, json.dumps(kwargs)], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def log_errors(self, last: int = 3) -> list[str]:
        """The last log lines that speak of an error, for assertion messages."""
        return [line[-1500:] for line in self.log.read_text(errors="replace").splitlines() if "rror" in line][-last:]


@functools.cache
def collected_static() -> Path:
    """
    The static files as the image collects them (hashed, compressed, with a manifest: the
    Dockerfile's collectstatic, which needs no secret), once per test process: every browser
    test's service serves the same files. Removed when the process exits.
    """
    root = Path(tempfile.mkdtemp(prefix="browser-static-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_ENV="development", STATIC_MANIFEST="true",
               STATIC_ROOT=str(root))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return root


@contextmanager
def production_service(directory: Path, *, env: dict[str, str] | None = None, database_url: str | None = None,
                       redis_url: str | None = None):
    """
    gunicorn with DJANGO_ENV=production (DEBUG off, fresh secrets), serving the static files
    collected as the image does, on a migrated database of its own: an SQLite file in
    `directory`, or (with `database_url`) a scratch PostgreSQL database beside that URL's,
    dropped afterwards. With `redis_url`, the cache and limiter keys are under a prefix of
    their own. Yields a ProductionService.
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
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=process_env,
                       check=True, capture_output=True)
        log = directory / "service.log"
        with running_service(overrides, log_path=log) as base:
            yield ProductionService(base=base, log=log, env=process_env)


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
