"""Django admin: users (search, filters, status actions, forms) and the batch-change records."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.models import StatusChangeBatch, User
from accounts.tokens import token_issue
from core.admin import EstimatedCountPaginator
from core.exceptions import ServiceError
from core.timeutil import local_display
from tests.accounts.conftest import bearer, grant, make_user
from tests.support.assertions import assert_accounts_error, assert_accounts_ok

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


# --- one path for every write: the add, change and password forms call the services ----------

def _login(api, identifier, password):
    return api.post("/api/v1/auth/login", {"username": identifier, "password": password}, format="json")


def _change(client, user, **fields):
    data = {"username": user.username, "nickname": user.nickname, "user_type": user.user_type,
            "email": user.email or "", "phone": user.phone or ""} | fields
    return client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)


@pytest.fixture
def owner(db):
    return make_user("owner", password="owner-pass-1", email="owner@example.com", phone="13800000001")


@pytest.mark.parametrize("taken", ["13800000001", "owner@example.com"])
def test_the_add_form_refuses_a_username_that_is_another_users_phone_or_email(client, operator, owner, api, taken):
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": taken, "password1": "Fresh-pass-123", "password2": "Fresh-pass-123"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"username": ["用户名格式不正确"]}
    assert "用户名格式不正确".encode() in response.content
    assert set(User.objects.values_list("username", flat=True)) == {"root", "owner"}
    # The owner's identifier still logs the owner in.
    assert assert_accounts_ok(_login(api, taken, "owner-pass-1"))["user"]["id"] == owner.pk


@pytest.mark.parametrize("taken", ["13800000001", "owner@example.com"])
def test_the_change_form_refuses_a_username_that_is_another_users_phone_or_email(client, operator, owner, api,
                                                                                 taken):
    other = make_user("other", password="other-pass-1")
    response = _change(client, other, username=taken)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"username": ["用户名格式不正确"]}
    other.refresh_from_db()
    assert other.username == "other"
    assert assert_accounts_ok(_login(api, taken, "owner-pass-1"))["user"]["id"] == owner.pk
    assert _login(api, taken, "other-pass-1").status_code == 401  # the owner's account, not the other's


def test_a_username_that_older_data_holds_as_a_phone_is_refused_too(client, operator):
    # A row written before the rules: a phone that is no phone number today, but a valid username.
    User.objects.filter(pk=make_user("x").pk).update(phone="12345")
    other = make_user("other")
    response = _change(client, other, username="12345")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"username": ["用户名已存在"]}
    assert User.objects.get(pk=other.pk).username == "other"


def test_the_add_form_refuses_a_taken_username_and_a_short_password(client, operator, owner):
    taken = client.post(reverse("admin:accounts_user_add"), {
        "username": "owner", "password1": "Fresh-pass-123", "password2": "Fresh-pass-123"})
    assert taken.status_code == 200 and taken.context["adminform"].form.errors == {"username": ["用户名已存在"]}
    short = client.post(reverse("admin:accounts_user_add"), {"username": "fresh", "password1": "12345",
                                                             "password2": "12345"})
    assert short.status_code == 200 and short.context["adminform"].form.errors == {"password1": ["密码长度不能少于6位"]}
    assert User.objects.count() == 2


def test_the_add_form_creates_users_as_registration_does(client, operator):
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "fresh", "password1": "Fresh-pass-123", "password2": "Fresh-pass-123"})
    assert response.status_code == 302
    fresh = User.objects.get(username="fresh")
    assert (fresh.nickname, fresh.status, fresh.user_type, fresh.is_staff) == ("fresh", "active", "user", False)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "Owner@Example.com", "邮箱已被其他用户使用"),
    ("phone", "13800000001", "手机号已被其他用户使用"),
    ("phone", "12-34", "手机号格式不正确"),
])
def test_the_change_form_refuses_another_users_email_or_phone(client, operator, owner, field, value, message):
    other = make_user("other", email="other@example.com", phone="13900000002")
    response = _change(client, other, **{field: value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    assert message.encode() in response.content
    other.refresh_from_db()
    assert (other.email, other.phone) == ("other@example.com", "13900000002")


def test_the_change_form_stores_email_and_phone_as_the_api_does(client, operator):
    other = make_user("other")
    response = _change(client, other, email=" New@Example.COM ", phone=" +8613900000003 ", real_name="王五")
    assert response.status_code == 302, response.content
    other.refresh_from_db()
    assert (other.email, other.phone, other.real_name) == ("new@example.com", "+8613900000003", "王五")
    emptied = _change(client, other, email="", phone="")
    assert emptied.status_code == 302
    other.refresh_from_db()
    assert (other.email, other.phone) == (None, None)


def test_a_value_taken_between_the_check_and_the_write_is_a_form_error(client, operator, monkeypatch):
    other = make_user("other")
    real_taken = services._taken
    calls = []

    def taken_then_raced(**values):
        answer = real_taken(**values)
        if not calls:  # a concurrent write commits the same email right after the check
            make_user("racer", email="race@example.com")
        calls.append(values)
        return answer

    monkeypatch.setattr(services, "_taken", taken_then_raced)
    response = _change(client, other, email="race@example.com")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": ["邮箱已被其他用户使用"]}
    assert len(calls) == 2  # the unique index refused the write, and the second look named the field
    other.refresh_from_db()
    assert other.email is None


def test_a_password_change_in_admin_kills_earlier_tokens_and_sets_the_password(client, operator, api):
    victim = make_user("v1")
    token = token_issue(user=victim)
    url = reverse("admin:auth_user_password_change", args=[victim.pk])
    response = client.post(url, {"password1": "Brand-new-pass-1", "password2": "Brand-new-pass-1"}, follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["密码修改成功。"]
    victim.refresh_from_db()
    assert victim.check_password("Brand-new-pass-1") and victim.token_version == 1
    assert api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert assert_accounts_ok(_login(api, "v1", "Brand-new-pass-1"))["user"]["id"] == victim.pk


def test_a_too_short_password_is_refused_on_the_password_form(client, operator, api):
    victim = make_user("v1")
    token = token_issue(user=victim)
    response = client.post(reverse("admin:auth_user_password_change", args=[victim.pk]),
                           {"password1": "12345", "password2": "12345"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password1": ["密码长度不能少于6位"]}
    victim.refresh_from_db()
    assert victim.check_password("secret123") and victim.token_version == 0
    assert api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_disabling_password_login_in_admin_kills_earlier_tokens(client, operator, api):
    victim = make_user("v1")
    token = token_issue(user=victim)
    response = client.post(reverse("admin:auth_user_password_change", args=[victim.pk]),
                           {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    victim.refresh_from_db()
    assert not victim.has_usable_password() and victim.token_version == 1
    assert api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_services_refuse_a_staff_users_edit_of_a_superuser(db):
    clerk = grant(make_user("clerk", is_staff=True), "change_user")
    root = User.objects.create_superuser("root", "rootpass1")
    with pytest.raises(ServiceError) as edit:
        services.user_update(user_id=root.pk, changes={"nickname": "pwned"}, actor=clerk)
    with pytest.raises(ServiceError) as password:
        services.user_set_password(user_id=root.pk, password="Taken-over-1", actor=clerk)
    with pytest.raises(ServiceError) as rights:
        services.user_update(user_id=clerk.pk, changes={"is_superuser": True}, actor=clerk)
    assert {edit.value.status_code, password.value.status_code, rights.value.status_code} == {403}
    root.refresh_from_db()
    clerk.refresh_from_db()
    assert (root.nickname, root.check_password("rootpass1"), clerk.is_superuser) == ("", True, False)


# --- one language, one clock ----------------------------------------------------------------

def test_the_user_list_speaks_chinese(client, operator):
    make_user("quiet", status="inactive", user_type="farmer")
    page = client.get(reverse("admin:accounts_user_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("用户账户", "选择 用户 来修改", "用户名", "昵称", "邮箱", "手机号", "用户类型", "注册时间",
                  "职员状态", "inactive(停用)", "farmer(农户)", "active(正常)", "停用所选用户(其令牌立即失效)",
                  "启用所选用户", "在用户名、昵称、真实姓名、邮箱、手机号中查找"):
        assert label in text, label
    for english in ("Nickname", "User type", "Is staff", "Created at", "Deactivate", "Farmer", ">Inactive<"):
        assert english not in text, english


def test_the_user_form_speaks_chinese(client, operator):
    victim = make_user("v1")
    text = client.get(reverse("admin:accounts_user_change", args=[victim.pk])).content.decode()
    for label in ("资料", "状态(在用户列表中用操作更改)", "权限", "日期", "真实姓名", "头像URL", "性别", "生日",
                  "令牌版本", "更新时间", "male(男)", "不能是手机号的形状"):
        assert label in text, label
    for english in ("Profile", "Real name", "Avatar url", "Token version", "Updated at", "Dates"):
        assert english not in text, english


def test_the_batch_records_speak_chinese_with_the_offset(client, operator):
    victims = [make_user("v1"), make_user("v2"), make_user("v3", status="inactive")]
    client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(v.pk) for v in victims]})
    record = StatusChangeBatch.objects.get()
    StatusChangeBatch.objects.filter(pk=record.pk).update(
        created_at=datetime.datetime(2026, 12, 1, 18, 51, 39, tzinfo=datetime.UTC))
    record.refresh_from_db()
    assert str(record) == "2026-12-02 02:51:39 +0800 root → inactive(停用) (2/3)"
    listing = client.get(reverse("admin:accounts_statuschangebatch_changelist")).content.decode()
    for label in ("批量状态变更记录", "操作人用户名", "来源", "设为状态", "变更用户数", "请求用户数",
                  "admin(管理后台)", "inactive(停用)", "2026-12-02 02:51:39 +0800"):
        assert label in listing, label
    detail = client.get(reverse("admin:accounts_statuschangebatch_change", args=[record.pk])).content.decode()
    assert "2026-12-02 02:51:39 +0800 root → inactive(停用) (2/3)" in detail  # the title, in the fields' clock
    assert "本已处于该状态" in detail and "Unchanged ids" not in detail


def test_the_action_message_names_the_record_in_the_service_clock(client, operator):
    victims = [make_user("v1"), make_user("v2")]
    response = client.post(reverse("admin:accounts_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [str(v.pk) for v in victims]}, follow=True)
    record = StatusChangeBatch.objects.get()
    assert [str(m) for m in response.context["messages"]] == [
        f"已将 2 个用户设为 inactive(停用)。已记入批量状态变更记录 #{record.pk}({local_display(record.created_at)})。"]
    assert local_display(record.created_at).endswith("+0800")


def test_the_api_keeps_its_wire_values(api, staff):
    make_user("farmer1", user_type="farmer", gender="female")
    data = assert_accounts_ok(api.get("/api/v1/admin/users/search", {"userType": "farmer"}, **bearer(staff)))
    assert [(u["user_type"], u["gender"], u["status"]) for u in data["users"]] == [("farmer", "female", "active")]


# --- fast at production size ------------------------------------------------------------------

def _counts(queries):
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("url_name", ["admin:accounts_user_changelist", "admin:accounts_statuschangebatch_changelist"])
def test_the_lists_issue_no_full_table_count(client, operator, monkeypatch, url_name):
    # The paginator's exact count is for small results; make every result "large".
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 0)
    make_user("v1")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name)).status_code == 200
    if connection.vendor == "postgresql":
        assert _counts(queries) == []  # the planner's estimate only
        assert any(q["sql"].startswith("EXPLAIN") for q in queries)
    else:
        assert len(_counts(queries)) == 1  # the page's own count; no second "N total" count
    sql = " ".join(q["sql"].upper() for q in queries)
    assert "MIN(" not in sql and "MAX(" not in sql and "DISTINCT" not in sql  # no date hierarchy


def test_the_user_list_sorts_only_by_indexed_columns(client, operator):
    make_user("b", nickname="zz")
    make_user("a", nickname="aa")
    # Columns: 0 the checkbox, 1 id, 2 username, 3 nickname (no index: not sortable).
    page = client.get(reverse("admin:accounts_user_changelist"), {"o": "3"})
    assert page.status_code == 200
    assert [u.username for u in page.context["cl"].result_list] == ["a", "b", "root"]  # the default, newest first
    by_name = client.get(reverse("admin:accounts_user_changelist"), {"o": "-2"})
    assert [u.username for u in by_name.context["cl"].result_list] == ["root", "b", "a"]


def test_the_add_and_password_pages_speak_chinese(client, operator):
    victim = make_user("v1")
    add = client.get(reverse("admin:accounts_user_add")).content.decode()
    assert "创建用户后,可以编辑用户的其他资料。" in add and "After you" not in add
    assert "6到128个字符" in add
    password = client.get(reverse("admin:auth_user_password_change", args=[victim.pk])).content.decode()
    assert "禁用后,该用户当前的密码将丢失" in password and "If disabled" not in password


def test_the_search_finds_substrings_and_short_terms_from_the_start(client, operator):
    make_user("wangwei", nickname="小伟", phone="13812345678")
    make_user("liwei", nickname="大伟", email="wei@example.com")

    def found(term):
        page = client.get(reverse("admin:accounts_user_changelist"), {"q": term})
        assert page.status_code == 200
        return sorted(u.username for u in page.context["cl"].result_list)

    assert found("wei") == ["liwei", "wangwei"]  # anywhere in username or email
    assert found("2345") == ["wangwei"]  # inside the phone
    assert found("伟") == []  # one character: from the start only
    assert found("小") == ["wangwei"]
    assert found("ei") == []  # two characters: from the start only, not inside "wangwei"
    assert found("li") == ["liwei"]
    assert found("wang 小伟") == ["wangwei"]  # every term must match
    assert found('"Example.COM"') == ["liwei"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("avatar_url", "ftp://cdn.example.com/a.png", "头像URL格式不正确"),
    ("birthday", "1899-12-31", "生日格式不正确,应为 YYYY-MM-DD"),
])
def test_the_change_form_applies_the_profile_rules_of_the_api(client, operator, field, value, message):
    other = make_user("other")
    response = _change(client, other, **{field: value})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    other.refresh_from_db()
    assert (other.avatar_url, other.birthday) == ("", None)


def test_the_row_checkboxes_are_djangos_markup(client, operator):
    victim = make_user("v<1>")
    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert (f'<input type="checkbox" name="_selected_action" value="{victim.pk}" class="action-select" '
            'aria-label="选择此对象执行操作 - v&lt;1&gt;">') in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's (migration 0005)")
@pytest.mark.parametrize("term", ["wei", "wa"])  # a substring, and a short term's prefix
def test_a_trigram_index_serves_each_search_column(client, operator, term):
    from accounts.admin import UserAdmin

    request = client.get(reverse("admin:accounts_user_changelist")).wsgi_request
    model_admin = UserAdmin(User, None)
    columns = {"accounts_user": model_admin.search_fields, "accounts_status_change_batch": ("actor_label",)}
    querysets = {
        "accounts_user": model_admin.get_search_results(request, User.objects.all(), term)[0],
        "accounts_status_change_batch": StatusChangeBatch.objects.filter(actor_label__icontains=term)
        if len(term) >= 3 else StatusChangeBatch.objects.filter(actor_label__istartswith=term),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: make the planner show what it can use
        for table, queryset in querysets.items():
            sql, params = queryset.order_by().query.sql_with_params()  # the filter alone, without the page's order
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            for column in columns[table]:
                short = "batch" if table == "accounts_status_change_batch" else "user"
                assert f"accounts_{short}_{column}_trgm" in plan, plan
