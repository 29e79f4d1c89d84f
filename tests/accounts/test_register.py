"""POST /api/v1/auth/register (seed 002 §1)."""
import pytest
from django.contrib.auth.hashers import identify_hasher

from accounts.models import User
from tests.accounts.conftest import make_user, post_json
from tests.support.assertions import assert_accounts_error, assert_accounts_ok

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/register"
USER_FIELDS = {"id", "username", "nickname", "real_name", "email", "phone", "avatar_url", "gender", "birthday",
               "user_type", "status", "created_at", "updated_at"}


def test_registration_creates_the_user_and_returns_it_with_a_token(api):
    response = post_json(api, URL, {"username": "testuser", "password": "secret1", "nickname": "测试用户",
                                    "email": "Test@JieBanKe.com", "phone": "13800000000"})
    data = assert_accounts_ok(response, 201)
    assert response.json()["message"] == "注册成功"
    assert set(data) == {"user", "token"}
    assert set(data["user"]) == USER_FIELDS
    user = User.objects.get(username="testuser")
    assert data["user"] | {"created_at": None, "updated_at": None} == {
        "id": user.pk, "username": "testuser", "nickname": "测试用户", "real_name": "", "email": "test@jiebanke.com",
        "phone": "13800000000", "avatar_url": "", "gender": "", "birthday": None, "user_type": "user",
        "status": "active", "created_at": None, "updated_at": None,
    }
    assert data["user"]["created_at"].endswith("Z")
    profile = api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert assert_accounts_ok(profile)["user"]["id"] == user.pk


def test_the_password_is_stored_hashed(api):
    post_json(api, URL, {"username": "hashme", "password": "secret1"})
    user = User.objects.get(username="hashme")
    assert user.password != "secret1"
    assert identify_hasher(user.password)
    assert user.check_password("secret1")


def test_only_username_and_password_are_needed_and_the_nickname_defaults_to_the_username(api):
    data = assert_accounts_ok(post_json(api, URL, {"username": "minimal", "password": "secret1"}), 201)
    assert data["user"]["nickname"] == "minimal"
    assert data["user"]["email"] is None and data["user"]["phone"] is None


def test_empty_email_and_phone_count_as_absent_so_many_users_can_lack_them(api):
    for name in ("first", "second"):
        assert_accounts_ok(post_json(api, URL, {"username": name, "password": "secret1", "email": "", "phone": ""}), 201)
    assert User.objects.filter(email__isnull=True, phone__isnull=True).count() == 2


def test_the_body_cannot_make_a_staff_user_or_pick_a_status(api):
    data = assert_accounts_ok(post_json(api, URL, {
        "username": "sneaky", "password": "secret1", "is_staff": True, "is_superuser": True, "status": "inactive",
        "user_type": "admin", "token_version": 9,
    }), 201)
    user = User.objects.get(pk=data["user"]["id"])
    assert (user.is_staff, user.is_superuser, user.status, user.user_type, user.token_version) == (
        False, False, "active", "user", 0)


@pytest.mark.parametrize("body", [
    {}, {"username": "x"}, {"password": "secret1"}, {"username": "", "password": "secret1"},
    {"username": "x", "password": None},
])
def test_missing_username_or_password_is_400(api, body):
    assert_accounts_error(post_json(api, URL, body), 400, "用户名和密码不能为空")


def test_a_short_password_is_400(api):
    assert_accounts_error(post_json(api, URL, {"username": "bob", "password": "12345"}), 400, "密码长度不能少于6位")
    assert not User.objects.filter(username="bob").exists()


def test_an_overlong_password_is_400(api):
    assert_accounts_error(post_json(api, URL, {"username": "bob", "password": "x" * 129}), 400, "密码长度不能超过128位")


def test_a_taken_username_is_400(api):
    make_user("bob")
    assert_accounts_error(post_json(api, URL, {"username": "bob", "password": "secret1"}), 400, "用户名已存在")


def test_a_taken_email_is_400_whatever_its_case(api):
    make_user("bob", email="bob@example.com")
    response = post_json(api, URL, {"username": "other", "password": "secret1", "email": "BOB@example.com"})
    assert_accounts_error(response, 400, "邮箱已存在")


def test_a_taken_phone_is_400(api):
    make_user("bob", phone="13800000000")
    response = post_json(api, URL, {"username": "other", "password": "secret1", "phone": "13800000000"})
    assert_accounts_error(response, 400, "手机号已存在")


@pytest.mark.parametrize("username", ["a@b.com", "13800000000", "has space"])
def test_usernames_shaped_like_emails_or_phones_are_refused(api, username):
    assert_accounts_error(post_json(api, URL, {"username": username, "password": "secret1"}), 400, "用户名格式不正确")


def test_a_malformed_email_or_phone_is_400(api):
    assert_accounts_error(post_json(api, URL, {"username": "bob", "password": "secret1", "email": "nope"}), 400,
                          "邮箱格式不正确")
    assert_accounts_error(post_json(api, URL, {"username": "bob", "password": "secret1", "phone": "12ab"}), 400,
                          "手机号格式不正确")


def test_a_form_body_is_415(api):
    response = api.post(URL, {"username": "bob", "password": "secret1"})
    assert_accounts_error(response, 415)


def test_a_body_over_ten_kilobytes_is_413(api):
    body = {"username": "bob", "password": "secret1", "nickname": "x" * 11000}
    assert_accounts_error(post_json(api, URL, body), 413)


def test_get_is_405(api):
    assert_accounts_error(api.get(URL), 405)
