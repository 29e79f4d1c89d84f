"""Fixtures for the partner surface: apps created through the service, and a signing test client."""
import json

import pytest

from core.signing import now_ms, signed_headers
from procurement import services


class SignedClient:
    """Sends requests signed as an app would (core.signing), through DRF's test client."""

    def __init__(self, api, app_id, secret):
        self.api = api
        self.app_id = app_id
        self.secret = secret
        self._last_ms = 0

    def _fresh_ms(self):
        # Two identical requests in one millisecond would share a signature (a replay): keep them apart.
        self._last_ms = max(now_ms(), self._last_ms + 1)
        return self._last_ms

    def request(self, method, target, body=None, *, timestamp=None, secret=None, app_id=None, sign_method=None,
                sign_target=None, sign_body=None, sign_timestamp=None, headers=None, remote_addr="127.0.0.1"):
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode("utf-8"))
        timestamp = str(self._fresh_ms() if timestamp is None else timestamp)
        signed = signed_headers(
            app_id or self.app_id, secret or self.secret, sign_method or method,
            sign_target if sign_target is not None else target,
            sign_body if sign_body is not None else raw,
            sign_timestamp if sign_timestamp is not None else timestamp,
        )
        signed["X-Timestamp"] = timestamp
        signed.update(headers or {})
        meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed.items()
                if value is not None and name != "Content-Type"}
        return self.api.generic(method, target, data=raw, content_type="application/json",
                                REMOTE_ADDR=remote_addr, **meta)

    def get(self, target, **kwargs):
        return self.request("GET", target, **kwargs)

    def post(self, target, body=None, **kwargs):
        return self.request("POST", target, body, **kwargs)

    def put(self, target, body=None, **kwargs):
        return self.request("PUT", target, body, **kwargs)

    def patch(self, target, body=None, **kwargs):
        return self.request("PATCH", target, body, **kwargs)

    def delete(self, target, **kwargs):
        return self.request("DELETE", target, **kwargs)


@pytest.fixture(autouse=True)
def fresh_credentials(settings):
    """Tests change apps behind the service's back: look credentials up on every request
    (the cache has its own tests in test_auth.py)."""
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 0


@pytest.fixture
def partner_app(db):
    app, secret = services.partner_app_create(name="Acme", app_id="dev_app_local")
    app.plain_secret = secret
    return app


@pytest.fixture
def other_app(db):
    app, secret = services.partner_app_create(name="Other", app_id="other_app")
    app.plain_secret = secret
    return app


@pytest.fixture
def signed(api, partner_app):
    return SignedClient(api, partner_app.app_id, partner_app.plain_secret)


@pytest.fixture
def other_signed(api, other_app):
    return SignedClient(api, other_app.app_id, other_app.plain_secret)


SEED_INTENT = {"userId": "user_001", "platform": "TAOBAO", "productUrl": "https://item.taobao.com/item.htm?id=123456"}


@pytest.fixture
def seed_intent():
    return dict(SEED_INTENT)


@pytest.fixture
def root(django_user_model):
    """The admin's superuser."""
    return django_user_model.objects.create_superuser(username="root", password="pw", email="root@example.com")


@pytest.fixture
def staff(client, root):
    """The test client, logged into the admin as root."""
    client.force_login(root)
    return client
