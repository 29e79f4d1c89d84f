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
