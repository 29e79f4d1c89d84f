"""The front door (/), the service's icon and the admin's names: in process, under runserver as
`make run` starts it (DEBUG on, runserver serving static files), and under gunicorn as production
(DEBUG off, WhiteNoise serving the files the image build's collectstatic wrote)."""
import json
import os
from pathlib import Path
import re
import subprocess
import sys

from django.test import override_settings
import pytest

from core.views import FAVICON_MAX_AGE
from tests.support.live import ROOT, http, running_service
from tests.support.production import production_secrets
from tests.support.runserver import LIVE_TIMEOUT, development_env, running_runserver

ICON = (ROOT / "core" / "static" / "core" / "favicon.ico").read_bytes()
ICON_LINK = re.compile(r'<link rel="icon" href="([^"]+)" type="image/x-icon">')


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


# --- in process -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_front_door_is_a_small_chinese_page_with_the_links(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "<title>智能采购平台（procure-api）</title>" in html
    assert "<h1>智能采购平台</h1>" in html
    assert links(html) == ["/api/docs/", "/api/redoc/", "/api/v1/health", "/admin/"]
    assert ICON_LINK.search(html).group(1) == "/static/core/favicon.ico"
    assert "http://" not in html and "https://" not in html  # nothing loaded from another host
    assert re.fullmatch(r"req_\d+_\w+", response["X-Request-Id"])


@pytest.mark.django_db
def test_without_swagger_the_front_door_does_not_link_the_docs(client):
    with override_settings(ENABLE_SWAGGER=False):
        html = client.get("/").content.decode()
    assert links(html) == ["/api/v1/health", "/admin/"]


@pytest.mark.django_db
def test_the_front_door_answers_head(client):
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/favicon.ico"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_get_the_partner_405(client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json.loads(response.content) == {"code": 40501, "message": "请求方法不支持", "data": None}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/index.html", "/favicon.png", "/favicon.ico/x", "/admin", "/api/v1"])
def test_unknown_paths_keep_the_partner_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert json.loads(response.content) == {"code": 40401, "message": "资源不存在", "data": None}


@pytest.mark.django_db
def test_the_favicon_is_the_static_icon_cacheable(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response["Cache-Control"] == f"public, max-age={FAVICON_MAX_AGE}"
    assert response.content == ICON
    assert ICON[:4] == b"\x00\x00\x01\x00" and ICON[4:6] == b"\x01\x00"  # an ICO file of one image
    assert (ICON[6], ICON[7]) == (32, 32)


@pytest.mark.django_db
def test_the_admin_has_chinese_names_the_icon_and_a_link_to_the_front_door(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "<title>运营管理 | 智能采购平台</title>" in html
    assert '<a href="/admin/">智能采购平台管理后台</a>' in html
    assert '<a href="/">查看站点</a>' in html
    assert ICON_LINK.search(html).group(1) == "/static/core/favicon.ico"


@pytest.mark.django_db
def test_the_admin_login_page_has_the_icon_and_the_names(client):
    html = client.get("/admin/login/").content.decode()
    assert "<title>登录 | 智能采购平台</title>" in html
    assert ICON_LINK.search(html).group(1) == "/static/core/favicon.ico"


# --- live: runserver (DEBUG) and gunicorn (production) ---------------------------------------


def assert_front_door_and_icons(base: str, *, docs_linked: bool) -> str:
    """The front door, /favicon.ico and the icon the admin's login page links: returns that link."""
    status, headers, body = http("GET", f"{base}/", timeout=LIVE_TIMEOUT)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert ("/api/docs/" in links(body.decode())) is docs_linked
    status, headers, body = http("GET", f"{base}/favicon.ico", timeout=LIVE_TIMEOUT)
    assert (status, headers["Content-Type"], body) == (200, "image/x-icon", ICON)
    assert headers["Cache-Control"] == f"public, max-age={FAVICON_MAX_AGE}"
    status, _, page = http("GET", f"{base}/admin/login/", timeout=LIVE_TIMEOUT)
    assert status == 200
    link = ICON_LINK.search(page.decode()).group(1)
    status, headers, body = http("GET", f"{base}{link}", timeout=LIVE_TIMEOUT)
    assert (status, body) == (200, ICON)
    # the static file's type is the server's: runserver says the IANA name, WhiteNoise the common one
    assert headers["Content-Type"] in {"image/vnd.microsoft.icon", "image/x-icon"}
    status, _, body = http("GET", f"{base}/no-such-page", timeout=LIVE_TIMEOUT)
    assert (status, json.loads(body)["code"]) == (404, 40401)
    return link


def test_under_runserver_the_front_door_and_both_icons_answer(tmp_path):
    with running_runserver(tmp_path, development_env(tmp_path / "db.sqlite3"), "--noreload") as server:
        link = assert_front_door_and_icons(server.base, docs_linked=True)
    assert link == "/static/core/favicon.ico"  # DEBUG: runserver serves the app's file as it is


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    """STATIC_ROOT written as the image build writes it (hashed, compressed files and their manifest)."""
    root = tmp_path_factory.mktemp("static")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "DJANGO_DEBUG"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_ENV="development", STATIC_MANIFEST="true",
               STATIC_ROOT=str(root))
    done = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return Path(root)


def test_in_production_whitenoise_serves_the_hashed_icon_and_the_front_door_hides_the_docs(collected_static, tmp_path):
    env = {"DJANGO_ENV": "production", **production_secrets(), "STATIC_ROOT": str(collected_static),
           "DATABASE_URL": None, "REDIS_URL": None, "ENABLE_SWAGGER": None,
           "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "PRESENCE_SNAPSHOTS_AUTOSTART": "false"}
    with running_service(env) as base:
        link = assert_front_door_and_icons(base, docs_linked=False)  # ENABLE_SWAGGER is off by default
        _, headers, _ = http("GET", f"{base}{link}", timeout=LIVE_TIMEOUT)
    assert re.fullmatch(r"/static/core/favicon\.[0-9a-f]{12}\.ico", link)
    assert "immutable" in headers["Cache-Control"]  # WhiteNoise's far-future answer for hashed names
