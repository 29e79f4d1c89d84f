"""
Security cases across surfaces (issue 8, part 3). The per-app suites already hold most single
cases (tampering with each signed part, replay, skew, cross-app access, JWT forgeries on the
profile, non-staff on admin and /system-stats, mass assignment, the failed-login lock); this
file adds what spans surfaces: every JWT forgery on every JWT endpoint in its own style, a
spoofed X-Forwarded-For chain against a whitelist, secrets absent from logs and bodies, and
`manage.py check --deploy` under production settings.
"""
import base64
import json
import logging
import os
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
import jwt
import pytest

from accounts.tokens import token_issue
from core.signing import signed_headers
from procurement import services as procurement_services
from procurement.models import PartnerApp
from tests.procurement.conftest import SignedClient
from tests.support.assertions import assert_accounts_error, assert_partner_error, assert_plain_error
from tests.support.live import ROOT
from tests.support.production import production_secrets

pytestmark = pytest.mark.django_db
User = get_user_model()


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _claims(user, **extra):
    return {"token_type": "access", "user_id": user.pk, "ver": user.token_version, "exp": int(time.time()) + 3600,
            "iat": int(time.time()), "jti": "0123456789abcdef", **extra}


FORGERIES = {
    "alg_none": lambda user: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(user))}.",
    "another_key": lambda user: jwt.encode(_claims(user), "another-key-that-is-long-enough-for-hs256!!", algorithm="HS256"),
    "hs512_same_key": lambda user: jwt.encode(_claims(user), settings.JWT_SECRET, algorithm="HS512"),
    "expired": lambda user: jwt.encode(_claims(user, exp=int(time.time()) - 1), settings.JWT_SECRET, algorithm="HS256"),
    "not_a_jwt": lambda user: "definitely.not.a-token",
    "payload_swapped": lambda user: ".".join([token_issue(user=user).split(".")[0], _b64(_claims(user, user_id=user.pk + 1)),
                                              token_issue(user=user).split(".")[2]]),
    "refresh_type": lambda user: jwt.encode(_claims(user, token_type="refresh"), settings.JWT_SECRET, algorithm="HS256"),
}

# (method, path, style) for every endpoint that needs a user's JWT.
JWT_ENDPOINTS = [
    ("GET", "/api/v1/users/profile", "accounts"),
    ("PUT", "/api/v1/users/profile", "accounts"),
    ("GET", "/api/v1/admin/users/search", "accounts"),
    ("POST", "/api/v1/admin/users/batch-status", "accounts"),
    ("GET", "/system-stats", "accounts"),
    ("POST", "/api/v1/presence/heartbeat", "plain"),
    ("GET", "/api/v1/presence/online-count", "plain"),
    ("GET", "/api/v1/presence/online-history?startTime=2026-02-24T00:00:00Z&endTime=2026-02-25T00:00:00Z&interval=1h", "plain"),
    ("GET", "/api/v1/analytics/dau?startDate=2026-02-01&endDate=2026-02-02", "plain"),
]


def _call(api, method, path, token):
    return api.generic(method, path, data=b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def _assert_refused(response, style, status):
    if style == "accounts":
        assert_accounts_error(response, status)
    else:
        assert_plain_error(response, status, {401: "UNAUTHORIZED", 403: "FORBIDDEN"}[status])


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
@pytest.mark.parametrize("method, path, style", JWT_ENDPOINTS, ids=[f"{m} {p.split('?')[0]}" for m, p, _ in JWT_ENDPOINTS])
def test_a_forged_token_is_401_on_every_jwt_endpoint(api, method, path, style, forgery):
    staff = User.objects.create_user("sec-staff", "sec-pass-123", is_staff=True, user_type=User.UserType.ADMIN)
    _assert_refused(_call(api, method, path, FORGERIES[forgery](staff)), style, 401)


@pytest.mark.parametrize("method, path, style", JWT_ENDPOINTS)
def test_a_deleted_users_token_is_401_and_a_deactivated_users_is_403_everywhere(api, method, path, style):
    gone = User.objects.create_user("sec-gone", "sec-pass-123", is_staff=True)
    off = User.objects.create_user("sec-off", "sec-pass-123", is_staff=True)
    gone_token, off_token = token_issue(user=gone), token_issue(user=off)
    gone.delete()
    User.objects.filter(pk=off.pk).update(status=User.Status.INACTIVE)
    _assert_refused(_call(api, method, path, gone_token), style, 401)
    _assert_refused(_call(api, method, path, off_token), style, 403)


@pytest.mark.parametrize("method, path, style", [e for e in JWT_ENDPOINTS if "/admin/" in e[1] or "system-stats" in e[1]])
def test_a_non_staff_token_is_403_on_staff_endpoints(api, method, path, style):
    user = User.objects.create_user("sec-user", "sec-pass-123")
    assert_accounts_error(_call(api, method, path, token_issue(user=user)), 403, "需要管理员权限")


# --- X-Forwarded-For ---------------------------------------------------------------------------

@pytest.fixture
def guarded_app(api, settings):
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0
    app, secret = procurement_services.partner_app_create(name="Guarded", app_id="guarded_app",
                                                          ip_whitelist="203.0.113.7")
    return SignedClient(api, app.app_id, secret)


@pytest.mark.parametrize("forwarded", ["203.0.113.7", "203.0.113.7, 198.51.100.9", "203.0.113.7,203.0.113.7"])
def test_a_spoofed_forwarded_for_from_an_untrusted_peer_never_passes_the_whitelist(guarded_app, forwarded):
    response = guarded_app.get("/api/v1/intents", headers={"X-Forwarded-For": forwarded}, remote_addr="198.51.100.9")
    assert_partner_error(response, 403, 40301)


def test_behind_a_trusted_proxy_a_client_cannot_prepend_the_whitelisted_ip(guarded_app, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client sent "X-Forwarded-For: 203.0.113.7"; the proxy appended the real peer.
    spoofed = guarded_app.get("/api/v1/intents", headers={"X-Forwarded-For": "203.0.113.7, 198.51.100.9"},
                              remote_addr="10.0.0.2")
    assert_partner_error(spoofed, 403, 40301)
    real = guarded_app.get("/api/v1/intents", headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7"},
                           remote_addr="10.0.0.2")
    assert real.status_code == 200, real.content


# --- secrets ------------------------------------------------------------------------------------

class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        from core.logging import JsonFormatter

        self.lines.append(JsonFormatter().format(record))


@pytest.fixture
def captured_logs():
    handler = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_secrets_appear_in_no_log_line_and_no_error_body(api, captured_logs, settings):
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0
    password = "Pw-unique-7c1f2e"
    app, secret = procurement_services.partner_app_create(name="Secretive", app_id="secretive_app")
    signed = SignedClient(api, app.app_id, secret)
    bodies = []
    # Partner: a good call, a wrong signature, a replay, a bad body.
    bodies.append(signed.post("/api/v1/intents", {"userId": "u", "platform": "JD", "productUrl": "https://jd.com/s"}))
    bodies.append(signed.get("/api/v1/intents", secret=secret[::-1]))
    headers = signed_headers(app.app_id, secret, "GET", "/api/v1/intents")
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    bodies.extend(api.get("/api/v1/intents", **meta) for _ in range(2))
    bodies.append(signed.post("/api/v1/intents", b'{"userId": '))
    # Accounts: register, a wrong password, a good login, a profile read and a bad token.
    bodies.append(api.post("/api/v1/auth/register", {"username": "secret-user", "password": password}, format="json"))
    token = bodies[-1].json()["data"]["token"]
    bodies.append(api.post("/api/v1/auth/login", {"username": "secret-user", "password": password + "x"}, format="json"))
    bodies.append(api.post("/api/v1/auth/login", {"username": "secret-user", "password": password}, format="json"))
    bodies.append(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}"))
    bodies.append(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}x"))
    stored = PartnerApp.objects.get(pk=app.pk).secret_encrypted
    forbidden = [secret, password, token, settings.JWT_SECRET, settings.SIGNING_ENCRYPTION_KEY, settings.SECRET_KEY,
                 stored, User.objects.get(username="secret-user").password]
    log_text = "\n".join(captured_logs)
    assert "http.request" in log_text
    for value in forbidden:
        assert value not in log_text
    for response in bodies:
        text = response.content.decode()
        for value in forbidden:
            if value == token and response.status_code in (200, 201) and '"token"' in text:
                continue  # register and login answer the token to its owner, as 002 documents
            assert value not in text, (response.status_code, text[:200])


# --- deployment checks --------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_ENV": "production", **production_secrets(),
    # TLS as docs/reliability.md ("Production checks") documents it for a deployment behind TLS.
    "SECURE_SSL_REDIRECT": "true", "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true",
}


def test_check_deploy_is_clean_under_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
