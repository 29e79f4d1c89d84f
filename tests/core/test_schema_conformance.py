"""
Real responses against the served OpenAPI document (issue "Wire conformance", item 13).

Every operation is called for its success and for each error it documents that a request
can provoke (real database, real limiter, real signatures; no mocks), and every answer is
checked against the document: status documented, content type documented, body valid
against that response's schema. A final check says which documented (operation, status)
pairs no request reached, so a newly documented error needs a request here too; 500 and
503 need a failing dependency and are covered by their examples
(tests/core/test_schema_examples.py) and the fault tests of docs/reliability.md.
"""
import json
import time

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tokens import token_issue
from core.timeutil import isoformat_z, utc_now
from procurement import services as procurement_services
from tests.procurement.conftest import SignedClient
from tests.support.openapi import OpenAPIDocument

pytestmark = pytest.mark.django_db

# Statuses a request alone cannot provoke: they need a dependency to fail.
NEEDS_A_FAULT = {"500", "503"}
# Documented, reachable only in ways this test does not take, with the reason.
NOT_SENT = {
    ("post", "/api/v1/analytics/events", "401"): "events take an optional token; a bad one is ignored or refused by DRF's "
                                                 "JWT class (tests/analytics)",
    ("post", "/api/v1/analytics/events", "403"): "anonymous calls are allowed",
}


class Recorder:
    """Sends requests and keeps (method, path, status, body, content type) of each answer."""

    def __init__(self):
        self.answers = []

    def keep(self, method, path, response):
        raw = response.content
        body = json.loads(raw) if raw else None
        self.answers.append((method, path.split("?")[0], response.status_code, body, response.get("Content-Type")))
        return response


@pytest.fixture
def world(settings):
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0
    app, secret = procurement_services.partner_app_create(name="Conformance", app_id="conf_app")
    walled, walled_secret = procurement_services.partner_app_create(name="Walled", app_id="walled_app",
                                                                    ip_whitelist="10.9.9.9")
    slow, slow_secret = procurement_services.partner_app_create(name="Slow", app_id="slow_app", qps_limit=1)
    user = User.objects.create_user("conf-user", "conf-pass-123")
    staff = User.objects.create_user("conf-staff", "conf-pass-123", is_staff=True, is_superuser=True,
                                     user_type=User.UserType.ADMIN)
    inactive = User.objects.create_user("conf-off", "conf-pass-123")
    inactive_token = token_issue(user=inactive)
    inactive.status = User.Status.INACTIVE
    inactive.save()
    return {
        "signed": SignedClient(APIClient(), app.app_id, secret),
        "walled": SignedClient(APIClient(), walled.app_id, walled_secret),
        "slow": SignedClient(APIClient(), slow.app_id, slow_secret),
        "user": token_issue(user=user), "staff": token_issue(user=staff), "inactive": inactive_token,
        "user_id": user.id,
    }


def _identity(body):
    """What names an error for its reader: the partner code, the 003 error code, or the accounts message."""
    if "statusCode" in body:
        return body["error"]
    if "success" in body:
        return body["message"] if body["code"] != 400 else 400  # validation messages are the field's reason
    return body["code"]


def undocumented_example(method, template, status, body, operation) -> list[str]:
    """A real error whose code (or accounts message) none of its status's documented examples shows."""
    media = operation["responses"][str(status)].get("content", {}).get("application/json", {})
    examples = [example["value"] for example in media.get("examples", {}).values()]
    if not isinstance(body, dict) or any(key in body for key in ("uptime", "checks")):
        return []  # 002's own report objects
    if _identity(body) in {_identity(value) for value in examples}:
        return []
    return [f"{method} {template} {status}: answered {_identity(body)!r}, documented examples show "
            f"{sorted(map(str, {_identity(value) for value in examples}))}"]


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}


def test_every_answer_matches_the_document(document, world, settings):
    api = OpenAPIDocument(document)
    rec = Recorder()
    client = APIClient()

    def call(method, path, body=None, token=None, raw=None, **extra):
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        response = client.generic(method, path, data=data, content_type="application/json", **bearer(token), **extra)
        return rec.keep(method, path, response)

    def partner(method, path, body=None, who="signed", **kwargs):
        return rec.keep(method, path, world[who].request(method, path, body, **kwargs))

    # --- partner -------------------------------------------------------------------
    intent = {"userId": "u1", "platform": "JD", "productUrl": "https://item.jd.com/1.html", "price": "10.00"}
    created = partner("POST", "/api/v1/intents", intent)
    intent_id = created.json()["data"]["id"]
    partner("POST", "/api/v1/intents", intent)  # 409 40901
    partner("POST", "/api/v1/intents", {**intent, "price": "0"})  # 400
    partner("POST", "/api/v1/intents", {"x": "y" * (settings.BODY_LIMITS["default"] + 10)})  # 413
    for method, path, body in [("GET", "/api/v1/intents", None), ("POST", "/api/v1/intents", intent),
                               ("GET", f"/api/v1/intents/{intent_id}", None),
                               ("PUT", f"/api/v1/intents/{intent_id}", {"title": "t"}),
                               ("PATCH", f"/api/v1/intents/{intent_id}", {"title": "t"}),
                               ("DELETE", f"/api/v1/intents/{intent_id}", None)]:
        rec.keep(method, path, APIClient().generic(method, path))  # 401: unsigned
        partner(method, path, body, who="walled")  # 403 40301
        partner(method, path, body, who="slow")
        partner(method, path, body, who="slow")  # 429 42901 (one request a second)
    partner("GET", "/api/v1/intents?page=1&pageSize=5&sortBy=price")
    partner("GET", "/api/v1/intents?filter[nope]=1")  # 400 40003
    partner("GET", f"/api/v1/intents/{intent_id}?fields=id,status")
    partner("GET", f"/api/v1/intents/{intent_id}?nope=1")  # 400
    partner("GET", "/api/v1/intents/intent_doesnotexist")  # 404
    partner("PATCH", f"/api/v1/intents/{intent_id}", {"price": "12.50"})
    partner("PUT", f"/api/v1/intents/{intent_id}", {"title": "a new title"})
    partner("PUT", f"/api/v1/intents/{intent_id}", {"quantity": 0})  # 400
    partner("PATCH", f"/api/v1/intents/{intent_id}", {"quantity": "x"})  # 400
    partner("PUT", f"/api/v1/intents/{intent_id}", {"status": "COMPLETED"})  # 409 40902
    partner("PATCH", f"/api/v1/intents/{intent_id}", {"status": "COMPLETED"})  # 409 40902
    partner("PUT", "/api/v1/intents/intent_doesnotexist", {"title": "t"})  # 404
    partner("PATCH", "/api/v1/intents/intent_doesnotexist", {"title": "t"})  # 404
    big = {"title": "y" * (settings.BODY_LIMITS["default"] + 10)}
    partner("PUT", f"/api/v1/intents/{intent_id}", big)  # 413
    partner("PATCH", f"/api/v1/intents/{intent_id}", big)  # 413
    partner("DELETE", f"/api/v1/intents/{intent_id}?nope=1")  # 400
    partner("DELETE", f"/api/v1/intents/{intent_id}")  # 204
    partner("DELETE", f"/api/v1/intents/{intent_id}")  # 404
    rec.keep("GET", "/api/v1/health", client.get("/api/v1/health"))

    # --- accounts ------------------------------------------------------------------
    call("POST", "/api/v1/auth/register", {"username": "newbie", "password": "newbie-123"})
    call("POST", "/api/v1/auth/register", {"username": "newbie", "password": "newbie-123"})  # 400 taken
    call("POST", "/api/v1/auth/register", raw=b'{"username": "' + b"x" * 11000 + b'"}')  # 413
    call("POST", "/api/v1/auth/login", {"username": "conf-user", "password": "conf-pass-123"})
    call("POST", "/api/v1/auth/login", {})  # 400
    call("POST", "/api/v1/auth/login", {"username": "conf-user", "password": "wrong-pass"})  # 401
    call("POST", "/api/v1/auth/login", {"username": "conf-off", "password": "conf-pass-123"})  # 403
    call("POST", "/api/v1/auth/login", {"username": "nobody-here", "password": "conf-pass-123"})  # 404
    call("POST", "/api/v1/auth/login", raw=b'{"username": "' + b"x" * 11000 + b'"}')  # 413
    call("GET", "/api/v1/users/profile", token=world["user"])
    call("GET", "/api/v1/users/profile")  # 401
    call("GET", "/api/v1/users/profile", token=world["inactive"])  # 403
    call("PUT", "/api/v1/users/profile", {"nickname": "Conf"}, token=world["user"])
    call("PUT", "/api/v1/users/profile", {}, token=world["user"])  # 400
    call("PUT", "/api/v1/users/profile", {"nickname": "Conf"})  # 401
    call("PUT", "/api/v1/users/profile", {"nickname": "Conf"}, token=world["inactive"])  # 403
    call("PUT", "/api/v1/users/profile", raw=b'{"nickname": "' + b"x" * 11000 + b'"}', token=world["user"])  # 413
    call("GET", "/api/v1/admin/users/search?keyword=conf&page=1&pageSize=10", token=world["staff"])
    call("GET", "/api/v1/admin/users/search?pageSize=1000", token=world["staff"])  # 400
    call("GET", "/api/v1/admin/users/search")  # 401
    call("GET", "/api/v1/admin/users/search", token=world["user"])  # 403
    batch = "/api/v1/admin/users/batch-status"
    call("POST", batch, {"userIds": [world["user_id"]], "status": "active"}, token=world["staff"])
    call("POST", batch, {"userIds": [], "status": "active"}, token=world["staff"])  # 400
    call("POST", batch, {"userIds": [world["user_id"]], "status": "active"})  # 401
    call("POST", batch, {"userIds": [world["user_id"]], "status": "active"}, token=world["user"])  # 403
    call("POST", batch, raw=b'{"userIds": [' + b"1," * 6000 + b'1]}', token=world["staff"])  # 413
    call("GET", "/health")
    call("GET", "/system-stats", token=world["staff"])
    call("GET", "/system-stats")  # 401
    call("GET", "/system-stats", token=world["user"])  # 403

    # --- presence ------------------------------------------------------------------
    beat = {"installId": "install_conf_1", "appVersion": "1.0.0", "clientTs": int(time.time() * 1000)}
    call("POST", "/api/v1/presence/heartbeat", beat, token=world["user"])
    call("POST", "/api/v1/presence/heartbeat", {**beat, "installId": "x"}, token=world["user"])  # 400
    call("POST", "/api/v1/presence/heartbeat", beat)  # 401
    call("POST", "/api/v1/presence/heartbeat", beat, token=world["inactive"])  # 403
    call("POST", "/api/v1/presence/heartbeat", raw=b'{"installId": "' + b"x" * (settings.BODY_LIMITS["default"] + 10) + b'"}',
         token=world["user"])  # 413
    call("GET", "/api/v1/presence/online-count?windowSeconds=60", token=world["user"])
    call("GET", "/api/v1/presence/online-count?windowSeconds=0", token=world["user"])  # 400
    call("GET", "/api/v1/presence/online-count")  # 401
    call("GET", "/api/v1/presence/online-count", token=world["inactive"])  # 403
    now = utc_now()
    start = isoformat_z(now.replace(second=0, microsecond=0) - __import__("datetime").timedelta(hours=1))
    history = f"/api/v1/presence/online-history?startTime={start}&endTime={isoformat_z(now)}&interval=5m"
    call("GET", history, token=world["user"])
    call("GET", history.replace("interval=5m", "interval=7m"), token=world["user"])  # 400 INVALID_INTERVAL
    call("GET", history)  # 401
    call("GET", history, token=world["inactive"])  # 403
    call("GET", "/api/v1/presence/health")

    # --- analytics -----------------------------------------------------------------
    event = {"eventName": "app_open", "installId": "install_conf_1", "clientTs": int(time.time())}
    call("POST", "/api/v1/analytics/events", {"events": [event, {**event, "eventName": "1bad"}]})
    call("POST", "/api/v1/analytics/events", {"events": []})  # 400
    call("POST", "/api/v1/analytics/events",
         raw=b'{"events": [], "x": "' + b"x" * (settings.BODY_LIMITS["default"] + 10) + b'"}')  # 413
    today = now.date().isoformat()
    call("GET", f"/api/v1/analytics/dau?startDate={today}&endDate={today}", token=world["user"])
    call("GET", f"/api/v1/analytics/dau?startDate=2026-13-01&endDate={today}", token=world["user"])  # 400
    call("GET", f"/api/v1/analytics/dau?startDate={today}&endDate={today}")  # 401
    call("GET", f"/api/v1/analytics/dau?startDate={today}&endDate={today}", token=world["inactive"])  # 403

    # --- 429 everywhere a limit applies: one request allowed, the second refused ----
    settings.RATE_LIMITS = {scope: "1/m" for scope in (
        "accounts", "presence_heartbeat", "presence_online_count", "presence_online_history",
        "analytics_events", "analytics_dau")}
    for _ in range(2):
        call("POST", "/api/v1/auth/register", {"username": f"rl{time.monotonic_ns()}", "password": "newbie-123"})
        call("POST", "/api/v1/auth/login", {"username": "conf-user", "password": "conf-pass-123"})
        call("GET", "/api/v1/users/profile", token=world["user"])
        call("PUT", "/api/v1/users/profile", {"nickname": "Conf"}, token=world["user"])
        call("GET", "/api/v1/admin/users/search", token=world["staff"])
        call("POST", batch, {"userIds": [world["user_id"]], "status": "active"}, token=world["staff"])
        call("POST", "/api/v1/presence/heartbeat", beat, token=world["staff"])
        call("GET", "/api/v1/presence/online-count", token=world["staff"])
        call("GET", history, token=world["staff"])
        call("POST", "/api/v1/analytics/events", {"events": [event]})
        call("GET", f"/api/v1/analytics/dau?startDate={today}&endDate={today}", token=world["staff"])

    failures = []
    reached = set()
    for method, path, status, body, content_type in rec.answers:
        failures += api.response_errors(path, method, status, body, content_type)
        template, operation = api.match(path, method)
        reached.add((method.lower(), template, str(status)))
        if status >= 400:
            failures += undocumented_example(method, template, status, body, operation)
    assert not failures, "\n".join(failures)

    unreached = sorted(
        (method, path, status) for path, method, operation in api.operations() for status in operation["responses"]
        if status not in NEEDS_A_FAULT and (method, path, status) not in reached
        and (method, path, status) not in NOT_SENT)
    assert not unreached, unreached
