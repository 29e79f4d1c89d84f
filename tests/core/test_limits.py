"""Body size and URL length limits (contract §2, 002 §7), answered in the surface's style."""
import pytest

from tests.support.assertions import assert_accounts_error, assert_partner_error, assert_plain_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]

MB = 1024 * 1024


def raw_post(api, path, size):
    body = b'{"name":"' + b"a" * max(0, size - 11) + b'"}'
    assert len(body) == size
    return api.generic("POST", path, body, content_type="application/json")


def test_a_partner_body_over_one_megabyte_is_413_with_40001(api):
    payload = assert_partner_error(raw_post(api, "/api/v1/test/partner", MB + 1), 413, 40001)
    assert payload["message"] == "请求参数错误"


def test_a_partner_body_of_exactly_one_megabyte_reaches_the_view(api):
    response = raw_post(api, "/api/v1/test/partner", MB)
    assert_partner_error(response, 400, 40001)  # validation (name too long), not the size limit


def test_an_accounts_body_over_ten_kilobytes_is_413_in_accounts_style(api):
    assert_accounts_error(raw_post(api, "/api/v1/auth/test-echo", 10 * 1024 + 1), 413)


def test_an_accounts_body_of_ten_kilobytes_is_accepted_for_validation(api):
    assert_accounts_error(raw_post(api, "/api/v1/auth/test-echo", 10 * 1024), 400)


def test_a_plain_body_over_the_limit_is_413_in_plain_style(api):
    assert_plain_error(raw_post(api, "/api/v1/presence/test-echo", MB + 1), 413, "PAYLOAD_TOO_LARGE")


def test_a_url_over_8192_characters_is_414_with_40001(api):
    path = "/api/v1/test/partner?q="
    response = api.get(path + "a" * (8193 - len(path)))
    assert_partner_error(response, 414, 40001)


def test_a_url_of_exactly_8192_characters_is_served(api):
    path = "/api/v1/test/partner?q="
    response = api.get(path + "a" * (8192 - len(path)))
    assert response.status_code == 200
