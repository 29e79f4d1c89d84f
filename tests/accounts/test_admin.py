"""Django admin: users (search, filters, status actions) and the batch-change records."""
import pytest
from django.urls import reverse

from accounts.models import StatusChangeBatch, User
from accounts.tokens import token_issue
from tests.accounts.conftest import make_user
from tests.support.assertions import assert_accounts_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    boss = User.objects.create_superuser("root", "rootpass1")
    client.force_login(boss)
    return boss


def test_the_user_list_searches_and_filters(client, operator):
    make_user("findme", email="findme@example.com")
    make_user("other")
    page = client.get(reverse("admin:accounts_user_changelist"), {"q": "findme@", "status__exact": "active"})
    assert page.status_code == 200
    assert [u.username for u in page.context["cl"].result_list] == ["findme"]


def test_the_deactivate_action_locks_users_out_and_is_recorded(client, operator, api):
    victims = [make_user("v1"), make_user("v2")]
    token = token_issue(user=victims[0])
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(v.pk) for v in victims] + [str(operator.pk)],
    }, follow=True)
    assert response.status_code == 200
    assert b"2 user(s) set to inactive" in response.content
    assert b"Your own account was left unchanged." in response.content
    assert set(User.objects.filter(pk__in=[v.pk for v in victims]).values_list("status", flat=True)) == {"inactive"}
    assert User.objects.get(pk=operator.pk).status == "active"
    assert_accounts_error(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}"), 403, "账户已被禁用")
    record = StatusChangeBatch.objects.get()
    assert (record.source, record.actor, record.changed_count, record.skipped_self) == ("admin", operator, 2, True)


def test_the_activate_action_reactivates(client, operator):
    victim = make_user("v1", status="inactive")
    client.post(reverse("admin:accounts_user_changelist"), {"action": "activate_users", "_selected_action": [victim.pk]})
    assert User.objects.get(pk=victim.pk).status == "active"


def test_status_is_read_only_on_the_user_form(client, operator):
    victim = make_user("v1", nickname="old")
    url = reverse("admin:accounts_user_change", args=[victim.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"username": "v1", "nickname": "new", "user_type": "user", "status": "inactive",
                      "token_version": 50})
    victim.refresh_from_db()
    assert (victim.nickname, victim.status, victim.token_version) == ("new", "active", 0)


def test_a_password_change_in_admin_kills_earlier_tokens(client, operator, api):
    victim = make_user("v1")
    token = token_issue(user=victim)
    url = reverse("admin:auth_user_password_change", args=[victim.pk])
    response = client.post(url, {"password1": "Brand-new-pass-1", "password2": "Brand-new-pass-1"})
    assert response.status_code == 302
    assert_accounts_error(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}"), 401,
                          "token已失效,请重新登录")


def test_users_can_be_added_in_admin(client, operator):
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "fresh", "password1": "Fresh-pass-123", "password2": "Fresh-pass-123",
    })
    assert response.status_code == 302
    fresh = User.objects.get(username="fresh")
    assert fresh.check_password("Fresh-pass-123") and fresh.email is None


def test_batch_records_are_listed_read_only(client, operator):
    make_user("v1")
    client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(User.objects.get(username="v1").pk)]})
    record = StatusChangeBatch.objects.get()
    listing = client.get(reverse("admin:accounts_statuschangebatch_changelist"))
    assert listing.status_code == 200 and b"root" in listing.content
    detail = client.get(reverse("admin:accounts_statuschangebatch_change", args=[record.pk]))
    assert detail.status_code == 200
    assert client.get(reverse("admin:accounts_statuschangebatch_add")).status_code == 403
