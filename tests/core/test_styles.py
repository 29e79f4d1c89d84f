"""Each of the three response styles, for success and for every kind of error."""
import logging

import pytest
from django.test import override_settings

from tests.support.assertions import (
    assert_accounts_error,
    assert_accounts_ok,
    assert_partner_error,
    assert_partner_ok,
    assert_plain_error,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.urls")]


def post_json(api, path, payload):
    return api.post(path, payload, format="json")


class TestPartnerStyle:
    def test_success_is_wrapped_with_code_zero_and_the_views_message(self, api):
        data = assert_partner_ok(post_json(api, "/api/v1/test/partner", {"name": "abc", "count": 2}), 201, "创建成功")
        assert data == {"name": "abc", "count": 2}

    def test_default_success_message(self, api):
        assert assert_partner_ok(api.get("/api/v1/test/partner")) == {"hello": "world"}

    def test_missing_field_is_40002_with_field_and_reason(self, api):
        payload = assert_partner_error(post_json(api, "/api/v1/test/partner", {"count": 2}), 400, 40002, "必填参数缺失")
        assert payload["data"]["field"] == "name"
        assert payload["data"]["errors"] == [{"field": "name", "reason": payload["data"]["reason"]}]

    def test_wrong_type_is_40003(self, api):
        payload = assert_partner_error(post_json(api, "/api/v1/test/partner", {"name": "a", "count": "x"}), 400, 40003)
        assert payload["data"]["field"] == "count"

    def test_other_invalid_value_is_40001_and_all_errors_are_listed(self, api):
        response = post_json(api, "/api/v1/test/partner", {"name": "toolong", "count": 0, "kind": "z"})
        payload = assert_partner_error(response, 400, 40001, "请求参数错误")
        assert [e["field"] for e in payload["data"]["errors"]] == ["name", "count", "kind"]

    def test_malformed_json_is_40003(self, api):
        response = api.generic("POST", "/api/v1/test/partner", b"{nope", content_type="application/json")
        assert_partner_error(response, 400, 40003, "参数格式错误")

    def test_wrong_content_type_is_415_with_40003(self, api):
        response = api.generic("POST", "/api/v1/test/partner", b"name=a", content_type="application/x-www-form-urlencoded")
        assert_partner_error(response, 415, 40003)

    def test_service_error_carries_its_code_and_data(self, api):
        payload = assert_partner_error(api.get("/api/v1/test/conflict"), 409, 40901, "资源已存在")
        assert payload["data"] == {"id": "x"}

    def test_unknown_path_is_40401(self, api):
        assert_partner_error(api.get("/api/v1/nothing-here"), 404, 40401, "资源不存在")
        assert_partner_error(api.post("/somewhere/else"), 404, 40401)

    def test_wrong_method_is_405(self, api):
        assert_partner_error(api.delete("/api/v1/health"), 405, 40501)

    def test_unhandled_exception_is_a_500_without_internals(self, api, caplog):
        with caplog.at_level(logging.ERROR, logger="core.errors"):
            response = api.get("/api/v1/test/boom")
        assert_partner_error(response, 500, 50001, "服务器内部错误")
        assert b"secret internals" not in response.content
        assert any("request.unhandled_exception" in r.getMessage() for r in caplog.records)

    def test_database_errors_are_a_503_without_internals(self, api):
        response = api.get("/api/v1/test/db-down")
        assert_partner_error(response, 503, 50301, "服务暂时不可用")
        assert b"10.0.0.5" not in response.content

    def test_accept_header_never_causes_406(self, api):
        assert_partner_ok(api.get("/api/v1/test/partner", HTTP_ACCEPT="text/html"))


class TestAccountsStyle:
    def test_success_has_success_true_code_zero_and_message(self, api):
        response = post_json(api, "/api/v1/auth/test-echo", {"name": "abc", "count": 1})
        assert response.json() == {"success": True, "code": 0, "message": "创建成功", "data": {"name": "abc", "count": 1}}
        assert_accounts_ok(response, 201)

    def test_validation_error_uses_the_http_status_as_code(self, api):
        payload = assert_accounts_error(post_json(api, "/api/v1/auth/test-echo", {"count": 1}), 400)
        assert payload["data"]["errors"][0]["field"] == "name"

    def test_unknown_path_under_the_prefix_is_404_in_this_style(self, api):
        assert_accounts_error(api.get("/api/v1/auth/does-not-exist"), 404, "资源不存在")
        assert_accounts_error(api.get("/api/v1/admin/nothing"), 404)

    def test_wrong_content_type_is_415(self, api):
        response = api.generic("POST", "/api/v1/auth/test-echo", b"x", content_type="text/plain")
        assert_accounts_error(response, 415)


class TestPlainStyle:
    def test_success_body_is_the_data_itself(self, api):
        response = api.get("/api/v1/presence/test-echo")
        assert response.status_code == 200
        assert response.json() == {"hello": "world"}

    def test_validation_error_is_an_array_of_messages(self, api):
        response = post_json(api, "/api/v1/presence/test-echo", {"count": "x"})
        payload = assert_plain_error(response, 400, "VALIDATION_ERROR", "/api/v1/presence/test-echo", "POST")
        assert payload["message"] == ["name This field is required.", "count A valid integer is required."]

    def test_malformed_json_is_validation_error(self, api):
        response = api.generic("POST", "/api/v1/presence/test-echo", b"[1,", content_type="application/json")
        assert_plain_error(response, 400, "VALIDATION_ERROR")

    def test_unknown_path_and_method(self, api):
        assert_plain_error(api.get("/api/v1/presence/none"), 404, "NOT_FOUND", "/api/v1/presence/none", "GET")
        assert_plain_error(api.put("/api/v1/presence/test-echo"), 405, "METHOD_NOT_ALLOWED")
        assert_plain_error(api.get("/api/v1/analytics/none"), 404, "NOT_FOUND")

    def test_unhandled_exception(self, api):
        response = api.get("/api/v1/presence/boom")
        assert_plain_error(response, 500, "INTERNAL_SERVER_ERROR")
        assert b"secret" not in response.content


@override_settings(DEBUG=True)
def test_unknown_paths_stay_json_under_debug(api):
    response = api.get("/api/v1/nowhere")
    assert_partner_error(response, 404, 40401)


# --- which surface an unknown path belongs to -----------------------------------------------
# By whole path segments: a string prefix gave /healthz the accounts style and left the bare
# /api/v1/presence outside the presence surface.

NOT_FOUND_PARTNER = {"code": 40401, "message": "资源不存在", "data": None}


@pytest.mark.urls("config.urls")
def test_paths_that_only_share_a_prefix_with_a_surface_are_outside_it(api):
    for path in ("/healthz", "/health-check", "/system-statsX", "/api/v1/intentsX", "/api/v1/presenceX",
                 "/api/v1/analyticsX/dau", "/api/v1/authentication/login"):
        response = api.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND_PARTNER), path
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response["X-Request-Id"]


@pytest.mark.urls("config.urls")
def test_paths_below_a_surface_keep_its_style(api):
    for path in ("/health/x", "/system-stats/x", "/api/v1/auth/nope"):
        response = api.get(path)
        assert (response.status_code, response.json()) == (
            404, {"success": False, "code": 404, "message": "资源不存在", "data": None}), path
    for path in ("/api/v1/presence/nope", "/api/v1/presence", "/api/v1/analytics/nope"):
        assert_plain_error(api.get(path), 404, "NOT_FOUND", path, "GET")
    assert (api.get("/api/v1/intents/x/y").json()) == NOT_FOUND_PARTNER
