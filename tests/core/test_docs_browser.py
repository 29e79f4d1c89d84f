"""
Swagger UI and ReDoc in a real browser against a real service (issue "Wire conformance", item 12).

gunicorn with DEBUG off serves the collected static files through WhiteNoise, as production
does; headless Chromium (Debian's package) driven by playwright-core loads /api/docs/ and
/api/redoc/ and records every request each page makes. Every one must go to the service's own
origin and succeed, and no page may log a console error.

playwright-core is installed from npm at test time into the git-ignored .cache/node; the test
skips with the reason only when Chromium is missing or npm cannot install it (tests/support/browser.py).
"""
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.browser import failed_requests, playwright_package, production_service, requests_elsewhere, \
    run_page_script

SCRIPT = Path(__file__).with_name("browser") / "docs_pages.cjs"
PAGES = ["/api/docs/", "/api/redoc/"]


@pytest.fixture(scope="module")
def production_docs(tmp_path_factory):
    """A gunicorn with DEBUG off, the docs on, and the static files collected as the image does."""
    package = playwright_package()
    with production_service(tmp_path_factory.mktemp("docs_browser"), env={"ENABLE_SWAGGER": "true"}) as service:
        yield service, package


def test_documentation_pages_load_everything_from_the_service_itself(production_docs):
    service, package = production_docs
    report = run_page_script(SCRIPT, package, service.base, *PAGES)
    for path in PAGES:
        entry = report[path]
        assert entry["rendered"], (path, entry, service.log_errors())
        assert not requests_elsewhere(entry["requests"], service.base), path
        assert not failed_requests(entry["requests"]), path
        assert not entry["consoleErrors"], (path, entry["consoleErrors"])
        urls = {urlsplit(r["url"]).path for r in entry["requests"]}
        assert path in urls and "/api/schema/" in urls, (path, sorted(urls))
    # ReDoc's footer logo came from this host (core/templates/core/redoc.html), not cdn.redoc.ly.
    assert any("/static/core/redoc-logo-mini." in r["url"] for r in report["/api/redoc/"]["requests"])
