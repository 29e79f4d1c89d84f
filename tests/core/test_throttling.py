"""DRF throttles on the limiter: rate-limit headers on every throttled response, then 429."""
import json

import pytest
from django.conf import settings

from tests.support.assertions import assert_partner_error
from tests.support.live import closed_port, http, running_service

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def test_headers_count_down_then_429_with_retry_after(api):
    remaining = []
    for _ in range(3):
        response = api.get("/api/v1/test/throttled")
        assert response.status_code == 200
        assert response["X-RateLimit-Limit"] == "3"
        assert response["RateLimit-Policy"] == '"test_three";q=3;w=60'
        remaining.append(int(response["X-RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    response = api.get("/api/v1/test/throttled")
    assert_partner_error(response, 429, 42901, "请求频率超限")
    assert response["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["RateLimit"].startswith('"test_three";r=0;t=')
    assert int(response["X-RateLimit-Reset"]) > 1_700_000_000


def test_rate_is_read_from_settings(api, settings):
    settings.RATE_LIMITS = {"test_three": "1/m"}
    assert api.get("/api/v1/test/throttled").status_code == 200
    assert api.get("/api/v1/test/throttled").status_code == 429


def test_clients_are_counted_apart(api):
    for _ in range(3):
        api.get("/api/v1/test/throttled", REMOTE_ADDR="10.0.0.1")
    assert api.get("/api/v1/test/throttled", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api.get("/api/v1/test/throttled", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_forwarded_for_is_ignored_from_untrusted_peers(api):
    for n in range(3):
        api.get("/api/v1/test/throttled", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}")
    assert api.get("/api/v1/test/throttled", HTTP_X_FORWARDED_FOR="9.9.9.9").status_code == 429


def test_forwarded_for_is_used_behind_a_trusted_proxy(api, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    for _ in range(3):
        api.get("/api/v1/test/throttled", HTTP_X_FORWARDED_FOR="5.5.5.5")
    assert api.get("/api/v1/test/throttled", HTTP_X_FORWARDED_FOR="5.5.5.5").status_code == 429
    assert api.get("/api/v1/test/throttled", HTTP_X_FORWARDED_FOR="6.6.6.6, 127.0.0.1").status_code == 200
