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


# --- failed logins are slowed per (account, client IP) and per client IP ------------------------

LOCKED = "登录失败次数过多,请稍后再试"


def test_repeated_failures_slow_that_client_with_retry_after(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "3/15m"
    for _ in range(3):
        assert_accounts_error(login(api, "alice", "wrong-password"), 401, "密码错误")
    response = login(api, "alice")  # even the right password waits, from this client
    assert_accounts_error(response, 429, LOCKED)
    assert 890 <= int(response["Retry-After"]) <= 900


def test_a_guesser_elsewhere_cannot_lock_the_owner_out(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "3/15m"
    settings.ACCOUNTS_LOGIN_ACCOUNT_FAILURE_LIMIT = "6/15m"
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        for _ in range(3):
            login(api, "alice", "wrong-password", REMOTE_ADDR=address)
        assert_accounts_error(login(api, "alice", "wrong-password", REMOTE_ADDR=address), 429, LOCKED)
    # The account's own count is full (6 of 9 guesses counted), yet its owner, from a client
    # that has not been failing, gets in with the right password.
    assert_accounts_ok(login(api, "alice", REMOTE_ADDR="10.0.0.99"))
    # A wrong password from a new client now finds the account's count full.
    assert_accounts_error(login(api, "alice", "wrong-password", REMOTE_ADDR="10.0.0.98"), 429, LOCKED)


def test_a_client_that_failed_for_an_account_is_held_back_by_the_accounts_count(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "5/15m"
    settings.ACCOUNTS_LOGIN_ACCOUNT_FAILURE_LIMIT = "3/15m"
    login(api, "alice", "wrong-password", REMOTE_ADDR="10.0.0.1")
    for address in ("10.0.0.2", "10.0.0.3"):
        login(api, "alice", "wrong-password", REMOTE_ADDR=address)
    # 10.0.0.1 has failed for alice and her account's count is full: even the right password waits there.
    assert_accounts_error(login(api, "alice", REMOTE_ADDR="10.0.0.1"), 429, LOCKED)
    assert_accounts_ok(login(api, "alice", REMOTE_ADDR="10.0.0.4"))


def test_one_client_ip_guessing_many_accounts_is_slowed(api, settings):
    settings.ACCOUNTS_LOGIN_IP_FAILURE_LIMIT = "4/15m"
    for name in ("u1", "u2", "u3"):
        make_user(name)
    answers = [login(api, name, "wrong-password").status_code for name in ("u1", "u2", "u3", "nobody")]
    assert answers == [401, 401, 401, 404]  # unknown accounts count for the IP too
    assert_accounts_error(login(api, "u1"), 429, LOCKED)
    assert_accounts_ok(login(api, "u1", REMOTE_ADDR="10.0.0.7"))


def test_the_slowing_is_per_account_for_one_client(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "2/15m"
    make_user("bob")
    for _ in range(2):
        login(api, "alice", "wrong-password")
    assert_accounts_error(login(api, "alice"), 429, LOCKED)
    assert_accounts_ok(login(api, "bob"))


def test_successful_logins_do_not_count_as_failures(api, user, settings):
    settings.ACCOUNTS_LOGIN_FAILURE_LIMIT = "2/15m"
    settings.ACCOUNTS_LOGIN_IP_FAILURE_LIMIT = "2/15m"
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
