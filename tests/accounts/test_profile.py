"""GET and PUT /api/v1/users/profile (seed 002 §2)."""
import datetime

import pytest

from accounts.models import User
from accounts.services import user_batch_set_status
from tests.accounts.conftest import bearer, make_user, put_json
from tests.support.assertions import assert_accounts_error, assert_accounts_ok

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/profile"


def update(api, user, body):
    return put_json(api, URL, body, **bearer(user))


def test_the_profile_is_the_signed_in_user(api, user):
    data = assert_accounts_ok(api.get(URL, **bearer(user)))
    assert set(data) == {"user"}
    assert data["user"]["username"] == "alice"
    assert data["user"]["email"] == "alice@example.com"
    assert "password" not in data["user"] and "is_staff" not in data["user"] and "token_version" not in data["user"]


def test_all_six_fields_can_be_updated(api, user):
    response = update(api, user, {"nickname": "新昵称", "avatar": "https://cdn.example.com/a.png", "gender": "female",
                                  "birthday": "1990-05-01", "phone": "13900000000", "email": "New@Email.com"})
    data = assert_accounts_ok(response)
    assert response.json()["message"] == "个人信息更新成功"
    assert data["message"] == "个人信息更新成功"
    assert {k: data["user"][k] for k in ("nickname", "avatar_url", "gender", "birthday", "phone", "email")} == {
        "nickname": "新昵称", "avatar_url": "https://cdn.example.com/a.png", "gender": "female",
        "birthday": "1990-05-01", "phone": "13900000000", "email": "new@email.com",
    }
    user.refresh_from_db()
    assert (user.nickname, user.avatar_url, user.gender, user.birthday, user.phone, user.email) == (
        "新昵称", "https://cdn.example.com/a.png", "female", datetime.date(1990, 5, 1), "13900000000",
        "new@email.com")


def test_only_the_given_fields_change(api, user):
    assert_accounts_ok(update(api, user, {"nickname": "Only"}))
    user.refresh_from_db()
    assert (user.nickname, user.email, user.phone) == ("Only", "alice@example.com", "13800000001")


def test_empty_values_clear_the_optional_fields(api, user):
    data = assert_accounts_ok(update(api, user, {"email": "", "phone": None, "birthday": "", "gender": ""}))
    assert (data["user"]["email"], data["user"]["phone"], data["user"]["birthday"], data["user"]["gender"]) == (
        None, None, None, "")


def test_mass_assignment_changes_nothing_else(api, user):
    body = {"nickname": "ok", "status": "inactive", "is_staff": True, "is_superuser": True, "username": "root",
            "password": "hijacked1", "user_type": "admin", "token_version": 99, "id": 999, "real_name": "X"}
    assert_accounts_ok(update(api, user, body))
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.username, fresh.status, fresh.is_staff, fresh.is_superuser, fresh.user_type, fresh.token_version,
            fresh.real_name, fresh.nickname) == ("alice", "active", False, False, "user", 0, "", "ok")
    assert fresh.check_password("secret123")


@pytest.mark.parametrize("body", [{}, {"status": "inactive"}, {"is_staff": True, "username": "x"}, ["nickname"]])
def test_a_body_without_any_of_the_six_fields_is_400(api, user, body):
    assert_accounts_error(update(api, user, body), 400, "没有有效的更新字段")


@pytest.mark.parametrize("body, message", [
    ({"gender": "unknown"}, "性别只能是 male、female 或 other"),
    ({"birthday": "1990/05/01"}, "生日格式不正确,应为 YYYY-MM-DD"),
    ({"birthday": "1990-02-30"}, "生日格式不正确,应为 YYYY-MM-DD"),
    ({"birthday": "2999-01-01"}, "生日格式不正确,应为 YYYY-MM-DD"),
    ({"email": "not-an-email"}, "邮箱格式不正确"),
    ({"phone": "call me"}, "手机号格式不正确"),
    ({"avatar": "javascript:alert(1)"}, "头像URL格式不正确"),
    ({"nickname": "x" * 65}, "昵称长度不能超过64个字符"),
])
def test_invalid_values_are_400(api, user, body, message):
    payload = assert_accounts_error(update(api, user, body), 400, message)
    assert payload["data"]["errors"][0]["reason"] == message


def test_an_email_of_another_user_is_400(api, user):
    make_user("bob", email="bob@example.com")
    assert_accounts_error(update(api, user, {"email": "BOB@example.com"}), 400, "邮箱已被其他用户使用")


def test_a_phone_of_another_user_is_400(api, user):
    make_user("bob", phone="13900000009")
    assert_accounts_error(update(api, user, {"phone": "13900000009"}), 400, "手机号已被其他用户使用")


def test_keeping_ones_own_email_and_phone_is_fine(api, user):
    assert_accounts_ok(update(api, user, {"email": "alice@example.com", "phone": "13800000001"}))


def test_the_profile_needs_a_token(api, user):
    assert_accounts_error(api.get(URL), 401, "未提供认证token")
    assert_accounts_error(put_json(api, URL, {"nickname": "x"}), 401, "未提供认证token")


def test_an_inactive_user_is_403_on_both_methods(api, user):
    headers = bearer(user)
    user_batch_set_status(user_ids=[user.pk], status="inactive", source="api", operator=True)
    assert_accounts_error(api.get(URL, **headers), 403, "账户已被禁用")
    assert_accounts_error(put_json(api, URL, {"nickname": "x"}, **headers), 403, "账户已被禁用")


def test_patch_is_405(api, user):
    assert_accounts_error(api.patch(URL, {"nickname": "x"}, format="json", **bearer(user)), 405)


def test_a_write_the_database_refuses_is_500_update_failed(api, user):
    from django.db import connection

    # A real database refusal (no mock): a trigger that rejects one nickname.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                           "IF NEW.nickname = 'boom' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ "
                           "LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER refuse_boom BEFORE UPDATE ON accounts_user FOR EACH ROW "
                           "EXECUTE FUNCTION refuse_boom()")
        else:
            cursor.execute("CREATE TRIGGER refuse_boom BEFORE UPDATE ON accounts_user "
                           "WHEN NEW.nickname = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    payload = assert_accounts_error(update(api, user, {"nickname": "boom"}), 500, "更新用户信息失败")
    assert payload["data"] is None
    user.refresh_from_db()
    assert user.nickname == "Alice"
