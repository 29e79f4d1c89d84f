"""Inputs a fuzzer sends: NUL bytes, wrong JSON types, non-object bodies answer 400, never 500."""
import pytest

from tests.accounts.conftest import bearer, post_json, put_json
from tests.support.assertions import assert_accounts_error

pytestmark = pytest.mark.django_db


def test_nul_bytes_are_400_everywhere(api, user, staff):
    assert_accounts_error(api.get("/api/v1/admin/users/search", {"keyword": "a\x00b"}, **bearer(staff)), 400)
    assert_accounts_error(post_json(api, "/api/v1/auth/login", {"username": "a\x00b", "password": "x"}), 400)
    assert_accounts_error(post_json(api, "/api/v1/auth/register", {"username": "a\x00b", "password": "secret1"}), 400)
    assert_accounts_error(put_json(api, "/api/v1/users/profile", {"phone": "1\x00"}, **bearer(user)), 400)


@pytest.mark.parametrize("body", [[], "text", 42, {"username": {"a": 1}, "password": ["x"]}])
def test_non_object_or_mistyped_login_bodies_are_400(api, body):
    assert_accounts_error(post_json(api, "/api/v1/auth/login", body), 400)


def test_invalid_json_is_400(api):
    response = api.post("/api/v1/auth/login", b'{"username": ', content_type="application/json")
    assert_accounts_error(response, 400)


# --- every reason in Chinese (002 is a Chinese surface) ------------------------------------------

ACCOUNT_BODIES = [("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/login"),
                  ("PUT", "/api/v1/users/profile"), ("POST", "/api/v1/admin/users/batch-status")]


@pytest.mark.parametrize("method, path", ACCOUNT_BODIES)
@pytest.mark.parametrize("raw", [b"null", b"[]", b"[1]", b'"text"', b"5", b"true"])
def test_a_body_that_is_not_an_object_is_400_in_chinese(api, staff, method, path, raw):
    payload = assert_accounts_error(api.generic(method, path, raw, content_type="application/json", **bearer(staff)),
                                    400)
    # The profile says 002's own words for a body without any of its fields.
    reason = "没有有效的更新字段" if path == "/api/v1/users/profile" and raw != b"null" else "请求体必须是 JSON 对象"
    assert payload["message"] == reason
    assert [error["reason"] for error in payload["data"]["errors"]] == [reason]


@pytest.mark.parametrize("method, path", ACCOUNT_BODIES)
def test_malformed_json_is_400_in_chinese(api, staff, method, path):
    response = api.generic(method, path, b'{"username": ', content_type="application/json", **bearer(staff))
    assert assert_accounts_error(response, 400, "请求体不是合法的 JSON")["data"] is None


def test_another_content_type_is_415_with_the_documented_message(api):
    response = api.generic("POST", "/api/v1/auth/login", b"{}", content_type="text/plain")
    assert assert_accounts_error(response, 415, "仅支持 application/json 请求")["data"] is None


def test_a_method_not_offered_is_405_in_the_styles_words(api):
    assert assert_accounts_error(api.delete("/api/v1/auth/login"), 405, "请求方法不允许")["data"] is None
