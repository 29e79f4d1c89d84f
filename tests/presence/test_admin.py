"""Snapshots in Django admin: a read-only list with date filters."""
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from presence.models import PresenceSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    get_user_model().objects.create_superuser("root", "pw-root-123")
    client.login(username="root", password="pw-root-123")
    return client


def test_operators_list_snapshots_by_date_and_cannot_change_them(admin_client):
    for day in (1, 2):
        PresenceSnapshot.objects.create(minute=datetime(2026, 1, day, 12, 0, tzinfo=UTC), count=40 + day,
                                        window_seconds=180, taken_at=datetime(2026, 1, day, 12, 0, 1, tzinfo=UTC))
    url = "/admin/presence/presencesnapshot/"
    listing = admin_client.get(url)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    filtered = admin_client.get(url, {"minute__day": "2", "minute__month": "1", "minute__year": "2026"})
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 1
    snapshot = PresenceSnapshot.objects.first()
    assert admin_client.get(f"{url}add/").status_code == 403
    assert admin_client.post(f"{url}{snapshot.pk}/change/", {"count": 1}).status_code == 403
    assert admin_client.post(f"{url}{snapshot.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PresenceSnapshot.objects.count() == 2
