"""
Django admin: apps show their secret once, on a no-store page of its own, on creation or rotation; never in a
cookie, a list or a form. Who created, rotated or revoked a secret is in the app's history and the log.
"""
import json
import logging
import re

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from core import secretbox
from core.timeutil import local_display
from procurement.models import PartnerApp
from tests.procurement.conftest import SEED_INTENT

pytestmark = pytest.mark.django_db

SECRET_CELL = re.compile(rb'<code class="partner-secret">([0-9a-f]{64})</code>')


def only_secret_on(page) -> str:
    """The one secret the reveal page shows; it must appear exactly once in the whole page."""
    found = SECRET_CELL.findall(page.content)
    assert len(found) == 1, found
    secret = found[0]
    assert page.content.count(secret) == 1
    return secret.decode()


def session_dump(client) -> str:
    """Everything the server-side session holds for this client (Django messages included), as text."""
    return json.dumps(SessionStore(session_key=client.cookies["sessionid"].value).load())


def post_then_reveal(client, url, data):
    """
    POST an add form or an action, then follow its redirect to the reveal page. Returns both
    responses and the reveal url; the session as it was between the two is kept on the page
    (`page.session_between`), when the secret waits there for the page.
    """
    posted = client.post(url, data)
    assert posted.status_code == 302, posted.content
    reveal_url = posted["Location"]
    assert reveal_url.startswith("/admin/procurement/partnerapp/secret/")
    between = session_dump(client)
    page = client.get(reveal_url)
    assert page.status_code == 200
    page.session_between = between
    return posted, page, reveal_url


def assert_never_cached(page):
    directives = {part.strip() for part in page["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= directives
    assert page["Pragma"] == "no-cache"


def assert_nowhere_but_the_page(client, responses, secret):
    """
    Neither a Set-Cookie header nor any message storage (cookie or session) carries the secret,
    and the session never held it in clear, not even while it waited for the page.
    """
    assert secret not in responses[-1].session_between
    for response in responses:
        for morsel in response.cookies.values():
            assert secret not in morsel.OutputString()
        assert secret not in "".join(value for header, value in response.items())
    for morsel in client.cookies.values():
        assert secret not in morsel.value
    messages_cookie = client.cookies.get(CookieStorage.cookie_name)
    assert messages_cookie is None or secret not in messages_cookie.value
    assert secret not in session_dump(client)  # Django's session message storage ("_messages") included


def test_creating_an_app_shows_its_secret_once_and_never_in_a_cookie(staff, root, caplog):
    with caplog.at_level(logging.INFO, logger="procurement"):
        posted, page, reveal_url = post_then_reveal(staff, "/admin/procurement/partnerapp/add/", {
            "app_id": "web_app", "name": "Web", "ip_whitelist": "10.0.0.1, 10.1.0.0/16", "qps_limit": 20,
            "is_active": "on",
        })
    secret = only_secret_on(page)
    assert_never_cached(page)
    app = PartnerApp.objects.get(app_id="web_app")
    assert secretbox.decrypt(app.secret_encrypted) == secret
    assert app.ip_whitelist_entries == ["10.0.0.1", "10.1.0.0/16"]
    assert_nowhere_but_the_page(staff, [posted, page], secret)

    again = staff.get(reveal_url)
    assert again.status_code == 410 and secret.encode() not in again.content
    assert "该密钥已经显示过".encode() in again.content
    for url in (f"/admin/procurement/partnerapp/{app.pk}/change/", "/admin/procurement/partnerapp/",
                f"/admin/procurement/partnerapp/{app.pk}/history/"):
        seen = staff.get(url)
        assert seen.status_code == 200
        assert secret.encode() not in seen.content
        assert app.secret_encrypted.encode() not in seen.content

    entry = LogEntry.objects.get(object_id=str(app.pk))
    assert (entry.user, entry.action_flag, entry.get_change_message()) == (
        root, ADDITION, "已创建,并生成新密钥(仅向本用户显示一次)。")
    logged = [r for r in caplog.records if r.getMessage() == "partner_app.create"]
    assert [(r.actor, r.app_id) for r in logged] == [("admin:root", "web_app")]
    assert all(secret not in json.dumps(vars(r), default=str) for r in caplog.records)


def test_the_reveal_page_belongs_to_the_session_that_made_the_secret(staff, client, django_user_model):
    response = staff.post("/admin/procurement/partnerapp/add/", {"app_id": "web_app", "name": "Web", "qps_limit": 20})
    reveal_url = response["Location"]
    other = django_user_model.objects.create_superuser(username="root2", password="pw")
    stranger = Client()
    stranger.force_login(other)
    page = stranger.get(reveal_url)
    assert page.status_code == 410 and not SECRET_CELL.search(page.content)
    assert only_secret_on(staff.get(reveal_url))  # still there for its owner, once
def test_a_bad_whitelist_entry_is_refused(staff):
    response = staff.post("/admin/procurement/partnerapp/add/", {
        "app_id": "bad", "name": "Bad", "ip_whitelist": "10.0.0.300", "qps_limit": 20,
    })
    assert response.status_code == 200
    assert "不是 IP 或 CIDR".encode() in response.content
    assert not PartnerApp.objects.exists()


def test_the_rotate_action_shows_the_new_secret_once(staff, root, partner_app, caplog):
    old_secret = partner_app.plain_secret
    with caplog.at_level(logging.INFO, logger="procurement"):
        posted, page, reveal_url = post_then_reveal(staff, "/admin/procurement/partnerapp/", {
            "action": "rotate_secret", "_selected_action": [partner_app.pk],
        })
    secret = only_secret_on(page)
    assert_never_cached(page)
    app = PartnerApp.objects.get(pk=partner_app.pk)
    # The previous secret's end in the operator's clock, as the admin's fields show times.
    assert f"在 {local_display(app.previous_secret_expires_at)} 之前仍可验签".encode() in page.content
    assert b"+0800" in page.content
    app = PartnerApp.objects.get(pk=partner_app.pk)
    assert secretbox.decrypt(app.secret_encrypted) == secret != old_secret
    assert app.previous_secret_expires_at is not None
    assert_nowhere_but_the_page(staff, [posted, page], secret)

    again = staff.get(reveal_url)
    assert again.status_code == 410 and secret.encode() not in again.content

    entry = LogEntry.objects.get(object_id=str(app.pk))
    assert (entry.user, entry.action_flag) == (root, CHANGE)
    assert entry.get_change_message() == (
        f"已轮换密钥;上一个密钥在 {local_display(app.previous_secret_expires_at)} 之前仍可验签。")
    history = staff.get(f"/admin/procurement/partnerapp/{app.pk}/history/")
    assert "已轮换密钥".encode() in history.content and secret.encode() not in history.content
    logged = [r for r in caplog.records if r.getMessage() == "partner_app.rotate_secret"]
    assert [(r.actor, r.app_id) for r in logged] == [("admin:root", "dev_app_local")]
    assert all(secret not in json.dumps(vars(r), default=str) for r in caplog.records)


def test_rotating_several_apps_shows_each_new_secret_once(staff, partner_app, other_app):
    _, response, _ = post_then_reveal(staff, "/admin/procurement/partnerapp/", {
        "action": "rotate_secret", "_selected_action": [partner_app.pk, other_app.pk],
    })
    shown = [s.decode() for s in SECRET_CELL.findall(response.content)]
    expected = [secretbox.decrypt(PartnerApp.objects.get(pk=pk).secret_encrypted) for pk in (partner_app.pk,
                                                                                            other_app.pk)]
    assert shown == expected and all(response.content.count(s.encode()) == 1 for s in shown)


def test_revoking_the_previous_secret_is_in_the_history_and_the_log(staff, root, partner_app, caplog):
    staff.post("/admin/procurement/partnerapp/", {"action": "rotate_secret", "_selected_action": [partner_app.pk]})
    with caplog.at_level(logging.INFO, logger="procurement"):
        response = staff.post("/admin/procurement/partnerapp/", {
            "action": "revoke_previous_secret", "_selected_action": [partner_app.pk],
        }, follow=True)
    assert "已作废 1 个应用的上一个密钥。".encode() in response.content
    app = PartnerApp.objects.get(pk=partner_app.pk)
    assert (app.previous_secret_encrypted, app.previous_secret_expires_at) == ("", None)
    entry = LogEntry.objects.filter(object_id=str(app.pk)).order_by("-action_time", "-id").first()
    assert (entry.user, entry.action_flag, entry.get_change_message()) == (root, CHANGE, "已作废上一个密钥。")
    logged = [r for r in caplog.records if r.getMessage() == "partner_app.revoke_previous_secret"]
    assert [(r.actor, r.app_id) for r in logged] == [("admin:root", "dev_app_local")]


def test_staff_who_may_only_view_apps_cannot_rotate(client, django_user_model, partner_app):
    viewer = django_user_model.objects.create_user("viewer", "pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_partnerapp"))
    client.force_login(viewer)
    listing = client.get("/admin/procurement/partnerapp/")
    assert listing.status_code == 200 and b"rotate_secret" not in listing.content
    client.post("/admin/procurement/partnerapp/", {"action": "rotate_secret", "_selected_action": [partner_app.pk]})
    assert secretbox.decrypt(PartnerApp.objects.get(pk=partner_app.pk).secret_encrypted) == partner_app.plain_secret
    assert client.get("/admin/procurement/partnerapp/secret/anything/").status_code == 403


def test_intent_admin_lists_filters_and_searches(staff, signed):
    intent_id = signed.post("/api/v1/intents", SEED_INTENT).json()["data"]["id"]
    listing = staff.get("/admin/procurement/intent/?status__exact=SUBMITTED&q=user_001")
    assert listing.status_code == 200
    assert intent_id.encode() in listing.content
    assert staff.get("/admin/procurement/intent/?q=nobody").content.count(intent_id.encode()) == 0
    assert staff.get(reverse("admin:procurement_intent_change", args=[quote(intent_id)])).status_code == 200


# --- edits and deletes through the services --------------------------------------------------------

@pytest.fixture
def cached_credentials(settings):
    """The credentials cache on, as in production: an edit must be seen by the next request all the same."""
    settings.PARTNER_CREDENTIALS_CACHE_SECONDS = 300


def change_app(client, app, **values):
    form = {"name": app.name, "ip_whitelist": app.ip_whitelist, "qps_limit": app.qps_limit,
            "is_active": "on" if app.is_active else ""}
    form.update(values)
    return client.post(f"/admin/procurement/partnerapp/{app.pk}/change/",
                       {name: value for name, value in form.items() if value != ""})


def test_editing_an_app_goes_through_the_service_and_the_next_request_sees_it(
        staff, root, partner_app, signed, cached_credentials, caplog, django_capture_on_commit_callbacks):
    assert signed.get("/api/v1/intents").status_code == 200  # the app's credentials are now cached
    with caplog.at_level(logging.INFO, logger="procurement"), django_capture_on_commit_callbacks(execute=True):
        response = change_app(staff, partner_app, name="Acme 2", qps_limit=7, is_active="")
    assert response.status_code == 302
    app = PartnerApp.objects.get(pk=partner_app.pk)
    assert (app.name, app.qps_limit, app.is_active) == ("Acme 2", 7, False)
    refused = signed.get("/api/v1/intents")
    assert (refused.status_code, refused.json()["code"]) == (403, 40302)
    entry = LogEntry.objects.get(object_id=str(app.pk))
    assert (entry.user, entry.action_flag) == (root, CHANGE)
    logged = [r for r in caplog.records if r.getMessage() == "partner_app.update"]
    assert [(r.actor, r.app_id, r.fields) for r in logged] == [
        ("admin:root", "dev_app_local", ["is_active", "name", "qps_limit"])]


def test_a_whitelist_edit_is_applied_to_the_next_request(staff, partner_app, signed, cached_credentials,
                                                          django_capture_on_commit_callbacks):
    assert signed.get("/api/v1/intents").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert change_app(staff, partner_app, ip_whitelist="10.0.0.0/8,  192.168.1.1").status_code == 302
    assert PartnerApp.objects.get(pk=partner_app.pk).ip_whitelist == "10.0.0.0/8\n192.168.1.1"
    refused = signed.get("/api/v1/intents")
    assert (refused.status_code, refused.json()["code"]) == (403, 40301)


def test_a_refused_app_edit_is_a_form_error_and_changes_nothing(staff, partner_app):
    before = list(PartnerApp.objects.values_list())
    response = change_app(staff, partner_app, qps_limit=0, name="Renamed")
    assert response.status_code == 200
    assert "至少为 1".encode() in response.content
    assert list(PartnerApp.objects.values_list()) == before
    assert not LogEntry.objects.exists()


def test_deleting_an_app_without_intents_goes_through_the_service(staff, other_app, caplog):
    with caplog.at_level(logging.INFO, logger="procurement"):
        response = staff.post(f"/admin/procurement/partnerapp/{other_app.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not PartnerApp.objects.filter(pk=other_app.pk).exists()
    assert [(r.actor, r.app_id) for r in caplog.records if r.getMessage() == "partner_app.delete"] == [
        ("admin:root", "other_app")]


def test_an_app_with_intents_cannot_be_deleted(staff, partner_app, signed):
    assert signed.post("/api/v1/intents", SEED_INTENT).status_code == 201
    for page in (staff.get(f"/admin/procurement/partnerapp/{partner_app.pk}/delete/"),
                 staff.post(f"/admin/procurement/partnerapp/{partner_app.pk}/delete/", {"post": "yes"}),
                 staff.post("/admin/procurement/partnerapp/", {"action": "delete_selected", "post": "yes",
                                                                "_selected_action": [partner_app.pk]})):
        assert page.status_code == 200
        assert "Acme (dev_app_local):该应用还有采购意向,不能删除。".encode() in page.content
    assert PartnerApp.objects.filter(pk=partner_app.pk).exists()
