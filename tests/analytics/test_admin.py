"""Django admin: events are read-only and filter by name and day; daily actives are listed."""
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics.models import Event
from tests.analytics.helpers import event, local_midnight, post_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser(username="root", password="root-pass-1")
    client.force_login(admin)
    return client


@pytest.fixture
def stored(api):
    ts = int((local_midnight(1) + timedelta(hours=10)).timestamp())
    post_batch(api, [
        event(name="user_login", install="install-0001", ts=ts, properties={"province": "广东省", "city": "深圳市"}),
        event(name="app_session_start", install="install-0002", ts=ts),
    ])


def test_events_are_listed_and_filtered_by_name(staff_client, stored):
    response = staff_client.get("/admin/analytics/event/")
    assert response.status_code == 200
    assert b"install-0001" in response.content and b"install-0002" in response.content
    response = staff_client.get("/admin/analytics/event/", {"event_name": "user_login"})
    assert b"install-0001" in response.content and b"install-0002" not in response.content


def test_events_are_filtered_by_received_day(staff_client, stored):
    today = timezone.localdate()
    response = staff_client.get("/admin/analytics/event/", {"received_day": today.isoformat()})
    assert b"install-0001" in response.content
    response = staff_client.get("/admin/analytics/event/", {"received_day": (today - timedelta(days=1)).isoformat()})
    assert b"install-0001" not in response.content


def test_events_cannot_be_added_changed_or_deleted(staff_client, stored):
    pk = Event.objects.first().pk
    assert staff_client.get("/admin/analytics/event/add/").status_code == 403
    response = staff_client.post(f"/admin/analytics/event/{pk}/change/", {"event_name": "changed"})
    assert response.status_code == 403
    assert staff_client.post(f"/admin/analytics/event/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=pk).exists()
    assert not Event.objects.filter(event_name="changed").exists()


@pytest.mark.parametrize("page", ["dailyactive", "dailyactivecount", "dailyprovincecount", "dailycitycount"])
def test_daily_actives_and_counts_are_listed(staff_client, stored, page):
    response = staff_client.get(f"/admin/analytics/{page}/")
    assert response.status_code == 200
    if page in ("dailyactive", "dailyprovincecount"):
        assert "广东省" in response.content.decode()


def test_events_and_daily_actives_are_searched_by_exact_install_id(staff_client, stored):
    response = staff_client.get("/admin/analytics/event/", {"q": "install-0002"})
    assert b"install-0002" in response.content and b"install-0001" not in response.content
    response = staff_client.get("/admin/analytics/dailyactive/", {"q": "install-0001"})
    assert b"install-0001" in response.content and b"install-0002" not in response.content
