"""Django admin: events are read-only and filter by name and day; daily actives are listed."""
from datetime import timedelta
import html
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.formats import date_format

from analytics.models import DailyActive, Event
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
    # The day the server received the batch, read from the row (not "today" read again later).
    received = timezone.localtime(Event.objects.get(install_id="install-0001").received_at).date()
    response = staff_client.get("/admin/analytics/event/", {"received_day": received.isoformat()})
    assert b"install-0001" in response.content
    response = staff_client.get("/admin/analytics/event/", {"received_day": (received - timedelta(days=1)).isoformat()})
    assert response.status_code == 200
    assert b"install-0001" not in response.content


def test_events_cannot_be_added_changed_or_deleted(staff_client, stored):
    pk = Event.objects.first().pk
    assert staff_client.get("/admin/analytics/event/add/").status_code == 403
    response = staff_client.post(f"/admin/analytics/event/{pk}/change/", {"event_name": "changed"})
    assert response.status_code == 403
    assert staff_client.post(f"/admin/analytics/event/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=pk).exists()
    assert not Event.objects.filter(event_name="changed").exists()


def result_rows(response) -> list[dict[str, str]]:
    """Each row of an admin change list as {field: the cell's text}, from the cells' field-<name> classes."""
    assert response.status_code == 200
    table = re.search(r'<table id="result_list">.*?</table>', response.content.decode(), re.S)
    assert table, "no result list on the page"
    body = table.group().split("<tbody>", 1)[1]
    return [{field: html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for field, cell in re.findall(r'<t[hd] class="field-([a-z_]+)[^"]*"[^>]*>(.*?)</t[hd]>', row, re.S)}
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_daily_actives_and_counts_are_listed(staff_client, stored):
    with translation.override(settings.LANGUAGE_CODE):  # the admin renders in the service language
        day = date_format(local_midnight(1).date())  # the day of the stored events, as the admin shows it
    actives = result_rows(staff_client.get("/admin/analytics/dailyactive/"))
    assert sorted((row["day"], row["install_id"], row["province"], row["city"]) for row in actives) == [
        (day, "install-0001", "广东省", "深圳市"), (day, "install-0002", "-", "-")]  # "-": no place
    assert result_rows(staff_client.get("/admin/analytics/dailyactivecount/")) == [{"day": day, "count": "2"}]
    assert result_rows(staff_client.get("/admin/analytics/dailyprovincecount/")) == [
        {"day": day, "province": "广东省", "count": "1"}]
    assert result_rows(staff_client.get("/admin/analytics/dailycitycount/")) == [
        {"day": day, "city": "深圳市", "count": "1"}]


def test_events_and_daily_actives_are_searched_by_exact_install_id(staff_client, stored):
    response = staff_client.get("/admin/analytics/event/", {"q": "install-0002"})
    assert b"install-0002" in response.content and b"install-0001" not in response.content
    response = staff_client.get("/admin/analytics/dailyactive/", {"q": "install-0001"})
    assert b"install-0001" in response.content and b"install-0002" not in response.content


def test_a_daily_active_page_shows_when_its_place_was_named(staff_client, stored):
    row = DailyActive.objects.get(install_id="install-0001")
    response = staff_client.get(f"/admin/analytics/dailyactive/{row.pk}/change/")
    assert response.status_code == 200
    fields = re.findall(r'<div class="form-row field-([a-z_]+)', response.content.decode())
    assert fields == ["day", "install_id", "province", "city", "first_seen_at", "province_seen_at", "city_seen_at"]
