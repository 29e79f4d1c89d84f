"""Assertions for the three response styles (API contract §1)."""
import re

REQUEST_ID = re.compile(r"^req_\d{13}_[a-z0-9]{6}$")
ISO_MS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def body(response):
    return response.json()


def assert_partner_ok(response, status=200, message="操作成功"):
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"code", "message", "data"}
    assert payload["code"] == 0
    assert payload["message"] == message
    return payload["data"]


def assert_partner_error(response, status, code, message=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    payload = response.json()
    assert set(payload) == {"code", "message", "data"}, payload
    assert payload["code"] == code, payload
    if message is not None:
        assert payload["message"] == message
    return payload


def assert_accounts_ok(response, status=200):
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["success"] is True and payload["code"] == 0, payload
    return payload["data"]


def assert_accounts_error(response, status, message=None):
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"success", "code", "message", "data"}, payload
    assert payload["success"] is False
    assert payload["code"] == status
    if message is not None:
        assert payload["message"] == message, payload
    return payload


def assert_plain_error(response, status, error, path=None, method=None):
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"statusCode", "error", "message", "path", "method", "timestamp"}, payload
    assert payload["statusCode"] == status
    assert payload["error"] == error, payload
    assert ISO_MS_Z.match(payload["timestamp"])
    if path is not None:
        assert payload["path"] == path
    if method is not None:
        assert payload["method"] == method
    return payload
