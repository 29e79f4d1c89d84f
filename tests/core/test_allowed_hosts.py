"""The Host rule (core.middleware.AllowedHostMiddleware), through the test client.

With production's ALLOWED_HOSTS, a Host outside the list is answered 400 in the surface's style
(with a Chinese reason) before anything else calls request.get_host(); the three health probes
answer whatever the Host (seed 000's Kubernetes and load-balancer examples address the pod by IP).
The same against a real gunicorn with production settings is in test_request_parsing_live.py.
"""
import logging

from django.test import override_settings
import pytest
from rest_framework.test import APIClient

from tests.support.assertions import assert_accounts_error, assert_partner_error, assert_plain_error

pytestmark = pytest.mark.django_db

LISTED = ["api.example.com"]
POD_IP = "10.1.2.3:8000"
REASON = "Host 不在本服务允许的主机名之列"
PROBES = ["/api/v1/health", "/health", "/api/v1/presence/health"]


@pytest.fixture
def production_hosts():
    with override_settings(ALLOWED_HOSTS=LISTED):
        yield


def assert_host_refused(response, style):
    if style == "partner":
        payload = assert_partner_error(response, 400, 40001, "请求参数错误")
        assert payload["data"] == {"field": "Host", "reason": REASON, "errors": [{"field": "Host", "reason": REASON}]}
    elif style == "accounts":
        payload = assert_accounts_error(response, 400, REASON)
        assert payload["data"] == {"errors": [{"field": "Host", "reason": REASON}]}
    else:
        payload = assert_plain_error(response, 400, "VALIDATION_ERROR", path=response.wsgi_request.path)
        assert payload["message"] == [REASON]
    assert response["X-Request-Id"]


@pytest.mark.parametrize("path", PROBES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("host", [POD_IP, "10.1.2.3", "evil.example.org", "[fd00::1]:8000"])
def test_the_health_probes_answer_whatever_the_host(api, production_hosts, path, method, host):
    response = api.generic(method, path, HTTP_HOST=host)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", PROBES)
def test_a_probe_answers_with_a_forwarded_host_too(api, path):
    with override_settings(ALLOWED_HOSTS=LISTED, USE_X_FORWARDED_HOST=True):
        response = api.get(path, HTTP_HOST=POD_IP, HTTP_X_FORWARDED_HOST="evil.example.org")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("method, path, style", [
    ("GET", "/api/v1/intents", "partner"),
    ("POST", "/api/v1/intents", "partner"),
    ("GET", "/api/v1/intents/int_x", "partner"),
    ("GET", "/api/v1/nowhere", "partner"),
    ("GET", "/admin/login/", "partner"),
    ("POST", "/admin/login/", "partner"),
    ("GET", "/api/schema/", "partner"),
    ("GET", "/api/v1/health/", "partner"),  # not a probe path: exact paths only
    ("POST", "/api/v1/auth/login", "accounts"),
    ("GET", "/api/v1/users/profile", "accounts"),
    ("GET", "/system-stats", "accounts"),
    ("GET", "/api/v1/presence/online-count", "plain"),
    ("POST", "/api/v1/presence/heartbeat", "plain"),
    ("POST", "/api/v1/analytics/events", "plain"),
    ("GET", "/api/v1/analytics/dau", "plain"),
])
def test_any_other_path_refuses_an_unlisted_host_in_its_surface_style(api, production_hosts, method, path, style):
    response = api.generic(method, path, b'{"username":"a","password":"b"}', content_type="application/json",
                           HTTP_HOST=POD_IP)
    assert_host_refused(response, style)


def test_the_admin_with_csrf_enforced_refuses_an_unlisted_host_in_json(production_hosts):
    # CSRF would call get_host() for its referer and origin checks; the rule answers before it.
    admin = APIClient(enforce_csrf_checks=True)
    admin.cookies["csrftoken"] = "a" * 32
    response = admin.post("/admin/login/", {"username": "a", "password": "b"}, format="multipart",
                          HTTP_HOST=POD_IP, HTTP_ORIGIN="http://10.1.2.3:8000")
    assert_host_refused(response, "partner")


def test_a_forwarded_host_is_judged_when_django_is_told_to_believe_it(api):
    with override_settings(ALLOWED_HOSTS=LISTED, USE_X_FORWARDED_HOST=True):
        refused = api.get("/api/v1/users/profile", HTTP_HOST="api.example.com", HTTP_X_FORWARDED_HOST="evil.example.org")
        served = api.get("/api/v1/users/profile", HTTP_HOST=POD_IP, HTTP_X_FORWARDED_HOST="api.example.com")
    assert_host_refused(refused, "accounts")
    assert_accounts_error(served, 401)  # past the Host rule: authentication decides


@pytest.mark.parametrize("host", ["api.example.com", "api.example.com:8443", "API.EXAMPLE.COM"])
def test_a_listed_host_is_served(api, production_hosts, host):
    assert api.get("/api/v1/users/profile", HTTP_HOST=host).status_code == 401
    assert api.get("/api/v1/nowhere", HTTP_HOST=host).status_code == 404


def test_a_subdomain_pattern_is_honoured_for_requests_and_probes(api):
    with override_settings(ALLOWED_HOSTS=[".example.com"]):
        assert api.get("/api/v1/users/profile", HTTP_HOST="eu.example.com").status_code == 401
        assert_host_refused(api.get("/api/v1/users/profile", HTTP_HOST="example.org"), "accounts")
        assert api.get("/api/v1/health", HTTP_HOST=POD_IP).status_code == 200


def test_a_malformed_host_header_is_refused_like_an_unlisted_one(api, production_hosts):
    assert_host_refused(api.get("/api/v1/presence/online-count", HTTP_HOST="api.example.com:bad port"), "plain")
    assert_host_refused(api.get("/api/v1/intents", HTTP_HOST="api.example.com@evil.example.org"), "partner")


def test_a_refused_host_is_logged_once_as_a_warning_without_django_s_traceback(api, production_hosts, caplog):
    with caplog.at_level(logging.INFO):
        api.get("/api/v1/intents", HTTP_HOST=POD_IP)
    refused = [r for r in caplog.records if r.getMessage() == "http.disallowed_host"]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING
    assert refused[0].host == POD_IP and refused[0].path == "/api/v1/intents"
    assert not [r for r in caplog.records if r.name.startswith("django.security")]
    # Probes are not logged as refusals: a probe every few seconds is not an event.
    caplog.clear()
    with caplog.at_level(logging.INFO):
        api.get("/api/v1/health", HTTP_HOST=POD_IP)
    assert not [r for r in caplog.records if r.getMessage() == "http.disallowed_host"]
