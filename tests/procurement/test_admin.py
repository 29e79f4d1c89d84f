"""Django admin: apps show their secret once on creation or rotation, never in lists or forms; intents have filters."""
import re

import pytest

from core import secretbox
from procurement.models import PartnerApp
from tests.procurement.conftest import SEED_INTENT

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="root", password="pw", email="root@example.com")
    client.force_login(user)
    return client


def test_creating_an_app_shows_its_secret_once(staff):
    response = staff.post("/admin/procurement/partnerapp/add/", {
        "app_id": "web_app", "name": "Web", "ip_whitelist": "10.0.0.1, 10.1.0.0/16", "qps_limit": 20, "is_active": "on",
    }, follow=True)
    assert response.status_code == 200
    secret = re.search(rb"shown only this once: ([0-9a-f]{64})", response.content).group(1).decode()
    app = PartnerApp.objects.get(app_id="web_app")
    assert secretbox.decrypt(app.secret_encrypted) == secret
    assert app.ip_whitelist_entries == ["10.0.0.1", "10.1.0.0/16"]
    for page in (f"/admin/procurement/partnerapp/{app.pk}/change/", "/admin/procurement/partnerapp/"):
        again = staff.get(page)
        assert secret.encode() not in again.content
        assert app.secret_encrypted.encode() not in again.content


def test_a_bad_whitelist_entry_is_refused(staff):
    response = staff.post("/admin/procurement/partnerapp/add/", {
        "app_id": "bad", "name": "Bad", "ip_whitelist": "10.0.0.300", "qps_limit": 20,
    })
    assert response.status_code == 200
    assert "不是 IP 或 CIDR".encode() in response.content
    assert not PartnerApp.objects.exists()


def test_the_rotate_action_shows_the_new_secret_once(staff, partner_app):
    response = staff.post("/admin/procurement/partnerapp/", {
        "action": "rotate_secret", "_selected_action": [partner_app.pk],
    }, follow=True)
    secret = re.search(rb"shown only this once: ([0-9a-f]{64})", response.content).group(1).decode()
    app = PartnerApp.objects.get(pk=partner_app.pk)
    assert secretbox.decrypt(app.secret_encrypted) == secret
    assert app.previous_secret_expires_at is not None


def test_intent_admin_lists_filters_and_searches(staff, signed):
    intent_id = signed.post("/api/v1/intents", SEED_INTENT).json()["data"]["id"]
    listing = staff.get("/admin/procurement/intent/?status__exact=SUBMITTED&q=user_001")
    assert listing.status_code == 200
    assert intent_id.encode() in listing.content
    assert staff.get("/admin/procurement/intent/?q=nobody").content.count(intent_id.encode()) == 0
    assert staff.get(f"/admin/procurement/intent/{intent_id}/change/").status_code == 200
