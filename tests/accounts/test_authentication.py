"""JWT checks on every authenticated request (seed 002 §6, contract §6)."""
import base64
from datetime import timedelta
import json

import jwt
import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services import user_batch_set_status
from accounts.tokens import token_issue
from tests.accounts.conftest import bearer
from tests.support.assertions import assert_accounts_error, assert_accounts_ok

pytestmark = pytest.mark.django_db

URL = "/api/v1/users/profile"


def get_profile(api, token):
    return api.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}")


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def test_no_token_is_401(api, user):
    response = api.get(URL)
    assert_accounts_error(response, 401, "未提供认证token")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Token abc", "Bearer not-a-jwt", "Basic YTpi"])
def test_a_malformed_authorization_header_is_401(api, user, header):
    assert_accounts_error(api.get(URL, HTTP_AUTHORIZATION=header), 401, "无效的认证token")


def test_an_expired_token_is_401(api, user):
    token = AccessToken.for_user(user)
    token["ver"] = user.token_version
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_accounts_error(get_profile(api, str(token)), 401, "token已过期")


def test_tokens_last_jwt_expire(user):
    token = AccessToken(token_issue(user=user))
    assert token["exp"] - token["iat"] == 7 * 24 * 3600
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] == timedelta(days=7)


def test_a_token_signed_with_another_key_is_401(api, user):
    forged = jwt.encode({"token_type": "access", "user_id": user.pk, "ver": 0, "exp": 4102444800, "jti": "x"},
                        "not-the-secret-but-long-enough-for-hs256!", algorithm="HS256")
    assert_accounts_error(get_profile(api, forged), 401, "无效的认证token")


def test_a_tampered_payload_is_401(api, user, staff):
    header, _payload, signature = token_issue(user=user).split(".")
    payload = json.loads(base64.urlsafe_b64decode(_payload + "=" * (-len(_payload) % 4)))
    payload["user_id"] = staff.pk
    assert_accounts_error(get_profile(api, f"{header}.{_b64(payload)}.{signature}"), 401, "无效的认证token")


def test_an_alg_none_token_is_401(api, user):
    claims = {"token_type": "access", "user_id": user.pk, "ver": 0, "exp": 4102444800, "jti": "x"}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert_accounts_error(get_profile(api, unsigned), 401, "无效的认证token")


def test_a_token_of_a_deleted_user_is_401(api, user):
    token = token_issue(user=user)
    user.delete()
    assert_accounts_error(get_profile(api, token), 401, "用户不存在")


def test_deactivation_locks_the_user_out_at_once_and_for_good(api, user):
    token = token_issue(user=user)
    assert_accounts_ok(get_profile(api, token))
    user_batch_set_status(user_ids=[user.pk], status="inactive", source="api", operator=True)
    assert_accounts_error(get_profile(api, token), 403, "账户已被禁用")
    user_batch_set_status(user_ids=[user.pk], status="active", source="api", operator=True)
    # Reactivated, the user logs in again: tokens from before the deactivation stay dead.
    assert_accounts_error(get_profile(api, token), 401, "token已失效,请重新登录")


def test_a_password_change_invalidates_earlier_tokens(api, user):
    token = token_issue(user=user)
    user.set_password("another-secret")
    user.save()
    assert_accounts_error(get_profile(api, token), 401, "token已失效,请重新登录")
    user.refresh_from_db()
    assert_accounts_ok(get_profile(api, token_issue(user=user)))


def test_changepassword_from_the_command_line_invalidates_tokens_too(api, user, monkeypatch):
    token = token_issue(user=user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "brand-new-secret")
    call_command("changepassword", "alice", stdout=open("/dev/null", "w"))
    assert_accounts_error(get_profile(api, token), 401, "token已失效,请重新登录")


def test_one_request_costs_one_query_for_the_user(api, user, django_assert_num_queries):
    headers = bearer(user)
    with django_assert_num_queries(1):
        assert_accounts_ok(api.get(URL, **headers))
