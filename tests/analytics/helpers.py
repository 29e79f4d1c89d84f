"""Shared builders for analytics tests: recent client times, batches, users with tokens."""
from datetime import datetime, timedelta
import time
from zoneinfo import ZoneInfo

from django.conf import settings

EVENTS_URL = "/api/v1/analytics/events"
DAU_URL = "/api/v1/analytics/dau"


def local_midnight(days_ago: int) -> datetime:
    """Midnight, `days_ago` days before today, in the service TIME_ZONE."""
    zone = ZoneInfo(settings.TIME_ZONE)
    today = datetime.now(zone).date()
    return datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), tzinfo=zone)


def event(name="app_session_start", install="install-0001", ts=None, **extra):
    body = {"eventName": name, "installId": install, "clientTs": ts if ts is not None else int(time.time()) - 60}
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
