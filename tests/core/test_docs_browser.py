"""
Swagger UI and ReDoc in a real browser against a real service (issue "Wire conformance", item 12).

gunicorn with DEBUG off serves the collected static files through WhiteNoise, as production
does; headless Chromium (Debian's package) driven by playwright-core loads /api/docs/ and
/api/redoc/ and records every request each page makes. Every one must go to the service's own
origin and succeed, and no page may log a console error.

playwright-core is installed from npm at test time into the git-ignored .cache/node; the test
skips with the reason only when Chromium is missing or npm cannot install it.
"""
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.support.live import ROOT, running_service
from tests.support.node import NODE_CACHE
from tests.support.production import production_secrets

CHROMIUM = "/usr/bin/chromium"
PLAYWRIGHT = "playwright-core@1.65.1"
SCRIPT = Path(__file__).with_name("browser") / "docs_pages.cjs"
PAGES = ["/api/docs/", "/api/redoc/"]


def playwright_dir() -> Path:
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


@pytest.fixture(scope="module")
def production_docs(tmp_path_factory):
    """A gunicorn with DEBUG off, the docs on, and the static files collected as the image does."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium fonts-wqy-zenhei)")
    if shutil.which("node") is None:
        pytest.skip("needs Node.js (node) on PATH")
    package = playwright_dir()
    directory = tmp_path_factory.mktemp("docs_browser")
    env = {**production_secrets(), "DJANGO_ENV": "production", "ENABLE_SWAGGER": "true",
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "STATIC_ROOT": str(directory / "static"),
           "STATIC_MANIFEST": "true", "SQLITE_PATH": str(directory / "docs.sqlite3"),
           "DATABASE_URL": None, "REDIS_URL": None, "SECURE_SSL_REDIRECT": "false"}
    process_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    process_env.update({k: v for k, v in env.items() if v is not None}, DJANGO_SETTINGS_MODULE="config.settings")
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=process_env, check=True,
                       capture_output=True)
    log = directory / "service.log"
    with running_service(env, log_path=log) as base:
        yield base, package, log


def test_documentation_pages_load_everything_from_the_service_itself(production_docs):
    base, package, log = production_docs
    done = subprocess.run(["node", str(SCRIPT), str(package), CHROMIUM, base, *PAGES],
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    origin = urlsplit(base)
    for path in PAGES:
        entry = report[path]
        assert entry["rendered"], (path, entry, [line[-1500:] for line in log.read_text(errors="replace").splitlines() if "rror" in line][-3:])
        outside = [r["url"] for r in entry["requests"]
                   if urlsplit(r["url"]).scheme not in {"data", "blob"}
                   and (urlsplit(r["url"]).hostname, urlsplit(r["url"]).port) != (origin.hostname, origin.port)]
        assert not outside, (path, outside)
        failed = [r for r in entry["requests"] if r.get("failure") or (r.get("status") or 0) >= 400]
        assert not failed, (path, failed)
        assert not entry["consoleErrors"], (path, entry["consoleErrors"])
        urls = {urlsplit(r["url"]).path for r in entry["requests"]}
        assert path in urls and "/api/schema/" in urls, (path, sorted(urls))
    # ReDoc's footer logo came from this host (core/templates/core/redoc.html), not cdn.redoc.ly.
    assert any("/static/core/redoc-logo-mini." in r["url"] for r in report["/api/redoc/"]["requests"])
