"""Django admin: users (search, filters, status actions) and the batch-change records."""
import pytest
from django.urls import reverse

from accounts.models import StatusChangeBatch, User
from accounts.tokens import token_issue
from tests.accounts.conftest import grant, make_user
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
    shown = [str(m) for m in response.context["messages"]]
    assert shown[0].startswith("已将 2 个用户设为 inactive(停用)。已记入批量状态变更记录 #")
    assert shown[1] == "你自己的账户未做更改。"
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
    detail_url = reverse("admin:accounts_statuschangebatch_change", args=[record.pk])
    listing = client.get(reverse("admin:accounts_statuschangebatch_changelist"))
    assert listing.status_code == 200
    # The record's own row: its link and figures, not the username every admin header shows.
    assert list(listing.context["cl"].result_list) == [record]
    assert f'href="{detail_url}"'.encode() in listing.content
    assert b'<td class="field-changed_count">1</td>' in listing.content
    detail = client.get(detail_url)
    assert detail.status_code == 200
    assert detail.context["original"] == record
    assert client.get(reverse("admin:accounts_statuschangebatch_add")).status_code == 403


# --- who may change whom: the same rule as the API, for the signed-in staff user -------

def test_a_staff_admin_cannot_deactivate_superusers_or_staff(client, api):
    clerk = grant(make_user("clerk", is_staff=True), "change_user")
    root = User.objects.create_superuser("root", "rootpass1")
    colleague = make_user("colleague", is_staff=True)
    plain = make_user("plain")
    root_token = token_issue(user=root)
    client.force_login(clerk)
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(u.pk) for u in (root, colleague, plain)],
    }, follow=True)
    assert response.status_code == 200
    assert "已将 1 个用户设为 inactive(停用)".encode() in response.content
    expected = f"2 个职员或超级用户账户未做更改(ID {root.pk}, {colleague.pk}):只有超级用户可以更改它们的状态。"
    assert expected in [str(m) for m in response.context["messages"]]
    assert dict(User.objects.values_list("username", "status")) == {
        "clerk": "active", "root": "active", "colleague": "active", "plain": "inactive"}
    assert api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {root_token}").status_code == 200
    record = StatusChangeBatch.objects.get()
    assert (record.actor, record.changed_ids, record.skipped_privileged_ids) == (clerk, [plain.pk],
                                                                                [root.pk, colleague.pk])


def test_a_superuser_admin_deactivates_staff(client, operator):
    colleague = make_user("colleague", is_staff=True)
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(colleague.pk)]}, follow=True)
    assert "已将 1 个用户设为 inactive(停用)".encode() in response.content
    assert "未做更改".encode() not in response.content
    assert User.objects.get(pk=colleague.pk).status == "inactive"


def test_staff_who_may_only_view_users_have_no_status_actions(client):
    viewer = grant(make_user("viewer", is_staff=True), "view_user")
    plain = make_user("plain")
    client.force_login(viewer)
    listing = client.get(reverse("admin:accounts_user_changelist"))
    assert listing.status_code == 200
    assert b"deactivate_users" not in listing.content
    client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(plain.pk)]})
    assert User.objects.get(pk=plain.pk).status == "active"
    assert not StatusChangeBatch.objects.exists()


def test_a_staff_admin_cannot_edit_or_reset_the_password_of_a_superuser(client):
    clerk = grant(make_user("clerk", is_staff=True), "change_user")
    root = User.objects.create_superuser("root", "rootpass1")
    client.force_login(clerk)
    form = client.get(reverse("admin:accounts_user_change", args=[root.pk]))
    assert form.status_code == 200 and form.context["has_change_permission"] is False  # read-only view
    edit = client.post(reverse("admin:accounts_user_change", args=[root.pk]),
                       {"username": "root", "nickname": "pwned", "user_type": "admin"})
    assert edit.status_code == 403
    reset = client.post(reverse("admin:auth_user_password_change", args=[root.pk]),
                        {"password1": "Taken-over-1", "password2": "Taken-over-1"})
    assert reset.status_code == 403
    root.refresh_from_db()
    assert (root.nickname, root.check_password("rootpass1"), root.token_version) == ("", True, 0)


def test_a_staff_admin_edits_ordinary_users_but_grants_no_rights(client):
    clerk = grant(make_user("clerk", is_staff=True), "change_user")
    plain = make_user("plain")
    client.force_login(clerk)
    for target in (plain, clerk):
        response = client.post(reverse("admin:accounts_user_change", args=[target.pk]), {
            "username": target.username, "nickname": "edited", "user_type": "user",
            "is_staff": "on", "is_superuser": "on",
        })
        assert response.status_code == 302, response.content
    plain.refresh_from_db()
    clerk.refresh_from_db()
    assert (plain.nickname, plain.is_staff, plain.is_superuser) == ("edited", False, False)
    assert (clerk.nickname, clerk.is_staff, clerk.is_superuser) == ("edited", True, False)


def test_a_superuser_edits_staff_accounts_and_their_rights(client, operator):
    colleague = make_user("colleague", is_staff=True)
    response = client.post(reverse("admin:accounts_user_change", args=[colleague.pk]), {
        "username": "colleague", "nickname": "promoted", "user_type": "admin", "is_staff": "on", "is_superuser": "on",
    })
    assert response.status_code == 302, response.content
    colleague.refresh_from_db()
    assert (colleague.nickname, colleague.is_superuser) == ("promoted", True)
