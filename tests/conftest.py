import copy
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from core import memo


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture(autouse=True)
def isolated_limits_and_cache():
    """
    Each test starts with no rate-limit counts and an empty cache: each test gets
    its own limiter key prefix (workers and tests share one Redis server, or one
    SQLite limits file per test process, so nothing is flushed); in Redis it also
    gets its own cache key prefix, the in-process cache is cleared. Answers kept
    in process memory are forgotten: a rolled-back database can give a new test
    the same versions as an earlier one.
    """
    memo.clear_all()
    tag = uuid.uuid4().hex[:8]
    overrides = {"RATELIMIT_KEY_PREFIX": f"{settings.RATELIMIT_KEY_PREFIX}:{tag}"}
    if settings.REDIS_URL:
        caches = copy.deepcopy(settings.CACHES)
        caches["default"]["KEY_PREFIX"] = f"{settings.CACHE_KEY_PREFIX}:{tag}"
        overrides["CACHES"] = caches
    else:
        cache.clear()
    with override_settings(**overrides):
        yield


@pytest.fixture
def redis_url():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the PostgreSQL + Redis mode of .ci/run)")
    return settings.REDIS_URL


@pytest.fixture
def document(api):
    """The service's OpenAPI document, as /api/schema/ serves it."""
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()
