"""Fixtures for presence: a signed-in client, the store under test (both stores, same tests), a server clock."""
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from accounts.tokens import token_issue
from presence.stores import get_store
from tests.support.live import migrated_sqlite_with_user


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="alice", password="pw-alice-123")


@pytest.fixture
def token(user):
    return token_issue(user=user)


@pytest.fixture
def user_api(token):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.fixture
def other_user_api(db):
    other = get_user_model().objects.create_user(username="bob", password="pw-bob-123")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=other)}")
    return api


@pytest.fixture(params=["database", "redis"])
def store_name(request, settings, db):
    """Runs the test once per store; the Redis one only where REDIS_URL is set."""
    if request.param == "redis":
        request.getfixturevalue("redis_url")
    settings.PRESENCE_STORE = request.param
    return request.param


@pytest.fixture
def store(store_name):
    return get_store()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite file with one user, for real processes: (path, that user's token)."""
    return migrated_sqlite_with_user(tmp_path_factory.mktemp("presence-live"), "live-user")


class ServerClock:
    """The presence views' and services' idea of now, set by the test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def server_clock(monkeypatch):
    """
    Pins the server time of the presence endpoints (heartbeats are stored at it, counts are
    taken at it), so that tests with second-sized windows do not race the wall clock.
    Half past a second, so that truncating to whole seconds is visible.
    """
    clock = ServerClock(datetime(2026, 9, 21, 12, 0, 0, 500_000, tzinfo=UTC))
    monkeypatch.setattr("presence.views.utc_now", clock)
    monkeypatch.setattr("presence.services.utc_now", clock)
    return clock
