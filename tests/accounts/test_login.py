"""POST /api/v1/auth/login (seed 002 §1) and the failed-login slowdown per account."""
import pytest

from accounts.models import User
from accounts.services import user_batch_set_status
from tests.accounts.conftest import make_user, post_json
from tests.support.assertions import assert_accounts_error, assert_accounts_ok

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/login"


def login(api, username, password="secret123", **extra):
    return post_json(api, URL, {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("identifier", ["alice", "alice@example.com", "ALICE@example.com", "13800000001"])
def test_login_accepts_the_username_email_or_phone(api, user, identifier):
    response = login(api, identifier)
    data = assert_accounts_ok(response)
    assert response.json()["message"] == "登录成功"
    assert data["user"]["id"] == user.pk
    assert "password" not in data["user"] and "is_staff" not in data["user"]
    profile = api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {data['token']}")
    assert assert_accounts_ok(profile)["user"]["username"] == "alice"


def test_login_records_the_last_login(api, user):
    login(api, "alice")
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.parametrize("body", [{}, {"username": "alice"}, {"password": "x"}, {"username": "", "password": ""}])
def test_missing_credentials_are_400(api, user, body):
    assert_accounts_error(post_json(api, URL, body), 400, "用户名和密码不能为空")


def test_an_unknown_account_is_404(api, user):
    assert_accounts_error(login(api, "nobody"), 404, "用户不存在")


def test_a_wrong_password_is_401(api, user):
    assert_accounts_error(login(api, "alice", "wrong-password"), 401, "密码错误")


def test_an_inactive_account_is_403_once_the_password_is_right(api, user):
    user_batch_set_status(user_ids=[user.pk], status="inactive", source="command", operator=True)
    assert_accounts_error(login(api, "alice"), 403, "账户已被禁用")
    # Someone without the password learns nothing about the account's status.
    assert_accounts_error(login(api, "alice", "wrong-password"), 401, "密码错误")


def test_repeated_failures_lock_the_account_with_retry_after(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "3/15m"
    for _ in range(3):
        assert_accounts_error(login(api, "alice", "wrong-password"), 401, "密码错误")
    response = login(api, "alice")  # even the right password waits
    assert_accounts_error(response, 429, "登录失败次数过多,请稍后再试")
    assert 1 <= int(response["Retry-After"]) <= 900


def test_the_lock_is_per_account_and_ignores_the_client_ip(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "2/15m"
    make_user("bob")
    for address in ("10.0.0.1", "10.0.0.2"):
        login(api, "alice", "wrong-password", REMOTE_ADDR=address)
    assert_accounts_error(login(api, "alice", REMOTE_ADDR="10.0.0.3"), 429)
    assert_accounts_ok(login(api, "bob", REMOTE_ADDR="10.0.0.1"))


def test_successful_logins_do_not_count_as_failures(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "2/15m"
    for _ in range(5):
        assert_accounts_ok(login(api, "alice"))


def test_a_password_hash_upgrade_on_login_keeps_the_new_token_valid(api, settings):
    # The user's hash was made with a hasher that is no longer preferred: login re-hashes it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("legacy")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    data = assert_accounts_ok(login(api, "legacy"))
    assert User.objects.get(username="legacy").password.startswith("pbkdf2_sha256$")
    assert_accounts_ok(api.get("/api/v1/users/profile", HTTP_AUTHORIZATION=f"Bearer {data['token']}"))
