"""Shared builders for analytics tests: recent client times, batches, users with tokens."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

EVENTS_URL = "/api/v1/analytics/events"
DAU_URL = "/api/v1/analytics/dau"


def local_midnight(days_ago: int) -> datetime:
    """Midnight, `days_ago` days before today, in the service TIME_ZONE."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = datetime.now(zone).date()
    return datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), tzinfo=zone)


def fixed_noon(days_ago: int = 1) -> int:
    """
    Unix seconds of noon `days_ago` days ago (service TIME_ZONE): a clientTs well inside
    the accepted 30 days whose day stays put even if the test runs across midnight.
    """
    return int((local_midnight(days_ago) + timedelta(hours=12)).timestamp())


# The clientTs of `event()` when none is given: set once per test by the autouse
# fixture in conftest.py, so that every default event of a test falls on one day.
DEFAULT_TS: int | None = None


def event(name="app_session_start", install="install-0001", ts=None, **extra):
    if ts is None:
        ts = DEFAULT_TS if DEFAULT_TS is not None else fixed_noon()
    body = {"eventName": name, "installId": install, "clientTs": ts}
    body.update(extra)
    return body


def post_batch(api, events, **headers):
    return api.post(EVENTS_URL, {"events": events}, format="json", **headers)


def bearer_for(user) -> dict:
    from accounts.tokens import token_issue

    token = token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def make_user(username="viewer"):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password="secret-pass-1")


def run_together(threads, *, timeout: float, what: str) -> None:
    """Start `threads`, wait for each at most `timeout` s, and fail if any is still running (stuck)."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), f"{what} is stuck"
